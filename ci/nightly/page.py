"""summary.html: the run on one self-contained page (no script, nothing
fetched) with inline SVG plots: the work rate over each cell's time, the
findings over the run, the fuzz coverage growth.  Every plot is an
<svg class="plot"> whose data-plot names it and whose data-points counts
the points it draws (tests/nightly_html.sh checks they render).

    python3 ci/nightly/page.py summary.json summary.html   (re-render)"""

import bisect
import html
import json
import sys

import report
import util

COLORS = ('#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b')
MAX_BINS = 60           # rate samples per cell plot
W, H = 440, 190         # a plot's size in pixels
ML, MR, MT, MB = 58, 24, 30, 34     # its margins


def nice_ceiling(v):
    """The smallest 1, 2, 2.5 or 5 times a power of ten that is >= v."""
    if v <= 0:
        return 1.0
    p = 10.0 ** (len('%d' % int(v)) - 1) if v >= 1 else 1.0
    while p > v:
        p /= 10
    for m in (1, 2, 2.5, 5, 10):
        if m * p >= v:
            return m * p
    return 10 * p


def rate_points(segments, seconds, start):
    """Work per second in equal bins over the cell's time: the running
    total, interpolated between samples (flat between processes), taken
    at the edges of each bin.  Points are (seconds into the cell, rate)."""
    samples = sorted(p for seg in segments for p in seg)
    if not samples or seconds <= 0:
        return []
    ts = [start] + [t for t, _ in samples]
    ws = [0.0] + [w for _, w in samples]

    def total(t):
        i = bisect.bisect_right(ts, t)
        if i >= len(ts):
            return ws[-1]
        t0, t1, w0, w1 = ts[i - 1], ts[i], ws[i - 1], ws[i]
        return w0 + (w1 - w0) * (t - t0) / (t1 - t0) if t1 > t0 else w1

    n = max(1, min(MAX_BINS, int(seconds)))
    width = seconds / n
    return [((k + 0.5) * width,
             (total(start + (k + 1) * width) - total(start + k * width)) /
             width) for k in range(n)]


def _axis_ticks(vmax, n=4):
    return [vmax * k / n for k in range(n + 1)]


def chart(plot_id, title, series, x_max, y_label, marks=()):
    """An SVG line chart: series are (label, colour, [(x, y)]) over x in
    [0, x_max] seconds; marks are (x, label) drawn as thin vertical
    lines."""
    pw, ph = W - ML - MR, H - MT - MB
    ys = [y for _, _, pts in series for _, y in pts]
    y_max = nice_ceiling(max(ys) if ys else 0)
    x_max = x_max if x_max > 0 else 1.0

    def sx(x):
        return ML + pw * min(max(x, 0), x_max) / x_max

    def sy(y):
        return MT + ph - ph * y / y_max

    npoints = sum(len(pts) for _, _, pts in series)
    out = ['<svg class="plot" data-plot="%s" data-points="%d" '
           'xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'viewBox="0 0 %d %d" role="img" aria-label="%s">' % (
               html.escape(plot_id), npoints, W, H, W, H, html.escape(title)),
           '<text x="%d" y="16" class="title">%s</text>' % (
               ML, html.escape(title)),
           '<rect x="%d" y="%d" width="%d" height="%d" class="frame"/>' % (
               ML, MT, pw, ph)]
    for v in _axis_ticks(y_max):
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" class="grid"/>'
                   '<text x="%d" y="%.1f" class="ylab">%s</text>' % (
                       ML, ML + pw, sy(v), sy(v), ML - 4, sy(v) + 4,
                       util.fmt_count(v) if v >= 1 or v == 0 else
                       '%.2g' % v))
    for v in _axis_ticks(x_max):
        out.append('<text x="%.1f" y="%d" class="xlab">%s</text>' % (
            sx(v), MT + ph + 14, util.fmt_duration(v)))
    out.append('<text x="%d" y="%d" class="unit">%s</text>' % (
        ML, H - 3, html.escape(y_label)))
    for x, label in marks:
        out.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" class="mark">'
                   '<title>%s</title></line>' % (sx(x), sx(x), MT, MT + ph,
                                                  html.escape(label)))
    for i, (label, colour, pts) in enumerate(series):
        if pts:
            out.append('<polyline fill="none" stroke="%s" stroke-width="1.8"'
                       ' points="%s"/>' % (colour, ' '.join(
                           '%.1f,%.1f' % (sx(x), sy(y)) for x, y in pts)))
        out.append('<text x="%d" y="%d" fill="%s" class="legend">%s</text>' % (
            W - MR - 4, 16 + 12 * i, colour, html.escape(label)))
    if not npoints:
        out.append('<text x="%d" y="%d" class="nodata">no data</text>' % (
            ML + pw // 2, MT + ph // 2))
    out.append('</svg>')
    return '\n'.join(out)


def rate_chart(c):
    pts = rate_points(c['samples'], c['seconds'], c['start_s'])
    return chart('rate:' + c['name'], '%s: %s over the cell' % (
        c['name'], c['rate']['unit']), [(c['rate']['unit'], COLORS[0], pts)],
        c['seconds'], c['rate']['unit'])


def _steps(events, end):
    """A running count as a step line from 0 to end."""
    pts, n = [(0.0, 0)], 0
    for t in events:
        pts += [(t, n), (t, n + 1)]
        n += 1
    return pts + [(end, n)]


def findings_chart(s):
    seen, first = set(), []
    for t, fid in s['timeline']:
        if fid not in seen:
            seen.add(fid)
            first.append(t)
    series = [('occurrences', COLORS[1],
               _steps([t for t, _ in s['timeline']], s['elapsed_s'])),
              ('signatures', COLORS[0], _steps(first, s['elapsed_s']))]
    marks = [(c['start_s'], c['name']) for c in s['cells']
             if c['start_s'] is not None]
    return chart('findings', 'findings over the run (lines: cell starts)',
                 series, s['elapsed_s'], 'findings', marks)


def coverage_charts(s):
    fuzz = [c for c in s['cells'] if c['kind'] == 'fuzz']
    charts = []
    for col, what in ((1, 'cov'), (2, 'ft')):
        series = [(c['name'], COLORS[i % len(COLORS)],
                   [(p[0] - c['start_s'], p[col]) for p in c['coverage']])
                  for i, c in enumerate(fuzz)]
        charts.append(chart('coverage:' + what, 'fuzz coverage growth: %s' % (
            'edges (cov)' if what == 'cov' else 'features (ft)'), series,
            max([c['seconds'] for c in fuzz] + [0]), what))
    return charts if fuzz else []


CSS = '''body{font:14px sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
.bad{color:#b00;font-weight:bold}.ok{color:#070}code{font-size:12px}
.plots{display:flex;flex-wrap:wrap;gap:8px}
svg .title{font:bold 12px sans-serif}svg .frame{fill:none;stroke:#888}
svg .grid{stroke:#eee}svg .ylab{font:10px sans-serif;text-anchor:end}
svg .xlab{font:10px sans-serif;text-anchor:middle}
svg .unit{font:10px sans-serif;fill:#666}svg .mark{stroke:#bbb;stroke-dasharray:3,3}
svg .legend{font:11px sans-serif;text-anchor:end}
svg .nodata{font:12px sans-serif;fill:#999;text-anchor:middle}'''


def _table(head, rows):
    out = ['<table><tr>%s</tr>' % ''.join('<th>%s</th>' % html.escape(h)
                                          for h in head)]
    for r in rows:
        out.append('<tr>%s</tr>' % ''.join('<td>%s</td>' % v for v in r))
    return '\n'.join(out + ['</table>'])


def _cells_table(s):
    e = html.escape
    return _table(['cell', 'result', 'time', 'processes', 'work', 'rate',
                   'fuzz coverage'],
                  [[e(c['name']), '<span class="%s">%s</span>' % (
                      'ok' if c['status'] == 'ok' else 'bad',
                      e(report.result_text(c))),
                    util.fmt_duration(c['seconds']), c['processes'],
                    e(report.work_text(c)), e(report.rate_text(c)),
                    e(report.coverage_text(c))] for c in s['cells']])


def _findings_table(s):
    e = html.escape
    rows = []
    for f in report.by_count(s['findings']):
        cmd = f['replay'] or f['repeat']
        how = ('replay, %s' % f['verified']) if f['replay'] else \
            'rerun, deterministic' if f['rerun_exact'] else \
            'rerun (free-running)'
        rows.append([f['id'], '<code>%s</code>' % e(f['signature']),
                     f['count'], e(', '.join('%s %d' % kv for kv in
                                             sorted(f['cells'].items()))),
                     util.fmt_duration(f['first_s']),
                     '%s: <code>%s</code>' % (e(how), e(cmd))])
    return _table(['#', 'signature', 'count', 'cells', 'first', 'command'],
                  rows) if rows else '<p>None.</p>'


def render(s):
    """The whole page for a summary (the dict of summary.json)."""
    title = 'htbed nightly: %s' % report.headline(s)
    return '\n'.join([
        '<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">',
        '<title>%s</title><style>%s</style></head><body>' % (
            html.escape(title), CSS),
        '<h1 class="%s">%s (exit %d)</h1>' % (
            'ok' if s['exit_code'] == 0 else 'bad', html.escape(title),
            s['exit_code']),
        '<p>Run %d, started %s: %s of a %s budget (builds %s), %d cores.</p>'
        % (s['run_number'], html.escape(s['started_utc']),
           util.fmt_duration(s['elapsed_s']), util.fmt_duration(s['budget_s']),
           util.fmt_duration(s['build_s']), s['host_cores']),
        '<h2>Cells</h2>', _cells_table(s),
        '<h2>Findings by signature</h2>', _findings_table(s),
        '<h2>Work rate over each cell</h2><div class="plots">',
        '\n'.join(rate_chart(c) for c in s['cells']), '</div>',
        '<h2>Findings over the run</h2><div class="plots">',
        findings_chart(s), '</div>',
        '<h2>Fuzz coverage growth</h2><div class="plots">',
        '\n'.join(coverage_charts(s)) or '<p>No fuzz cell ran.</p>',
        '</div></body></html>', ''])


def main(argv):
    if len(argv) != 3:
        print('usage: page.py summary.json summary.html', file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        s = json.load(f)
    util.write_atomic(argv[2], render(s))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
