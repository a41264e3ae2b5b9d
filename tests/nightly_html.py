#!/usr/bin/env python3
"""Does a nightly summary.html render its plots in a real browser?

    tests/nightly_html.py OUT [--screenshot]
                                   (OUT: a ci/nightly.sh output directory)

A copy of OUT/summary.html with a probe script added at the end of its
body is loaded in headless chromium; the probe has the browser lay out
every <svg class="plot"> and its polylines, measures them, and writes
what it measured into the page, which --dump-dom prints.  Passes when the page has every plot that
OUT/summary.json implies (one per cell, the findings plot, two coverage
plots if a fuzz cell ran), each laid out with a nonzero size, and each
plot with data draws polylines with as many points as it declares
(data-points), with a nonzero rendered width.  --screenshot also saves
the page as OUT/summary.png.  The published page itself has no script.

Exit: 0 rendered (or chromium is not installed: skipped, said so),
1 a plot did not render, 2 usage or an unreadable output directory."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

PROBE = '''<script>
(function () {
  var out = [];
  document.querySelectorAll('svg.plot').forEach(function (s) {
    var r = s.getBoundingClientRect(), lines = [];
    s.querySelectorAll('polyline').forEach(function (p) {
      var b = p.getBBox();
      lines.push({points: p.points.numberOfItems, w: b.width, h: b.height});
    });
    out.push({plot: s.dataset.plot, declared: +s.dataset.points,
              w: r.width, h: r.height, lines: lines});
  });
  var pre = document.createElement('pre');
  pre.id = 'render-probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>'''
BROWSER_SECS = 90


def chromium():
    for name in ('chromium', 'chromium-browser', 'google-chrome'):
        if shutil.which(name):
            return name
    return None


def expected_plots(summary):
    cells = summary['cells']
    fuzz = any(c['kind'] == 'fuzz' for c in cells)
    return len(cells) + 1 + (2 if fuzz else 0)


def browse(browser, page, extra):
    return subprocess.run(
        [browser, '--headless', '--no-sandbox', '--disable-gpu',
         '--hide-scrollbars'] + extra +
        ['file://' + page], capture_output=True, text=True,
        timeout=BROWSER_SECS)


def probe(browser, html):
    """What the probe measured in the rendered page."""
    with tempfile.TemporaryDirectory() as d:
        page = os.path.join(d, 'probe.html')
        with open(page, 'w') as f:
            f.write(html.replace('</body>', PROBE + '</body>'))
        dom = browse(browser, page, ['--dump-dom']).stdout
    m = re.search(r'<pre id="render-probe">(.*?)</pre>', dom, re.S)
    if m is None:
        return None
    return json.loads(m.group(1).replace('&quot;', '"').replace('&amp;', '&'))


def problems(plots, want):
    """What is wrong with the measured plots; empty when they rendered."""
    bad = []
    if len(plots) != want:
        bad.append('%d plots, %d expected' % (len(plots), want))
    for p in plots:
        drawn = sum(l['points'] for l in p['lines'])
        if p['w'] <= 0 or p['h'] <= 0:
            bad.append('%s: laid out %gx%g' % (p['plot'], p['w'], p['h']))
        if drawn != p['declared']:
            bad.append('%s: %d points drawn, %d declared' % (
                p['plot'], drawn, p['declared']))
        if p['declared'] >= 2 and not any(l['w'] > 0 for l in p['lines']):
            bad.append('%s: its lines render with no width' % p['plot'])
    return bad


def main(argv):
    if len(argv) not in (2, 3) or argv[2:] not in ([], ['--screenshot']):
        print('usage: tests/nightly_html.py OUT [--screenshot]',
              file=sys.stderr)
        return 2
    out = os.path.abspath(argv[1])
    try:
        with open(os.path.join(out, 'summary.json')) as f:
            want = expected_plots(json.load(f))
        with open(os.path.join(out, 'summary.html')) as f:
            html = f.read()
    except (OSError, ValueError, KeyError) as e:
        print('nightly_html: cannot read %s: %s' % (out, e), file=sys.stderr)
        return 2
    browser = chromium()
    if browser is None:
        print('nightly_html: skipped: chromium is not installed '
              '(ci/deps.sh optional)')
        return 0
    plots = probe(browser, html)
    if plots is None:
        print('nightly_html: FAIL: the page did not load in %s' % browser)
        return 1
    bad = problems(plots, want)
    if bad:
        print('nightly_html: FAIL: %s' % '; '.join(bad))
        return 1
    print('nightly_html: %d plots rendered in %s (%d points)' % (
        len(plots), browser, sum(p['declared'] for p in plots)))
    if argv[2:]:
        shot = os.path.join(out, 'summary.png')
        browse(browser, os.path.join(out, 'summary.html'),
               ['--window-size=1100,2400', '--screenshot=' + shot])
        print('nightly_html: screenshot %s' % shot)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
