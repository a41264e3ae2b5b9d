"""The run's results as people and CI read them: summary.json (everything,
machine-readable; the HTML page is made from it), summary.md (one screen)
and junit.xml (one test case per cell, a failure per cell that found
something, carrying the signatures).  Every file is written whole."""

import json
import os
import xml.sax.saxutils as sax

import util

MD_FINDINGS = 8         # findings listed in summary.md; the rest in JSON


def work_text(c):
    w = c['work']
    if c['kind'] == 'fuzz':
        return '%s execs' % util.fmt_count(w.get('execs', 0))
    parts = []
    if c['kind'] in ('controlled', 'access'):
        parts.append('%s runs' % util.fmt_count(w.get('runs', 0)))
    parts.append('%s ops' % util.fmt_count(w.get('ops', 0)))
    parts.append('%s HAT calls' % util.fmt_count(w.get('hat_ops', 0)))
    parts.append('%s steals' % util.fmt_count(w.get('steals', 0)))
    return ', '.join(parts)


def rate_text(c):
    return '%s %s' % (util.fmt_count(c['rate']['mean']), c['rate']['unit'])


def coverage_text(c):
    cov = c.get('coverage') or []
    if not cov:
        return ''
    first, last = cov[0], cov[-1]
    text = 'cov %d ft %d (+%d ft)' % (last[1], last[2], last[2] - first[2])
    if c.get('corpus_after') is not None:
        text += ', corpus %d (+%d)' % (c['corpus_after'],
                                       c['corpus_after'] - c['corpus_before'])
    return text


def result_text(c):
    if c['status'] in ('found', 'known'):
        return '%s %d' % ('FOUND' if c['status'] == 'found' else 'known',
                          sum(c['findings'].values()))
    if c['status'] in ('error', 'skipped'):
        return '%s: %s' % (c['status'], c['reason'])
    return 'ok'


def headline(s):
    if s['result'] == 'error':
        return 'could not run: %s' % s['reason']
    new = [f for f in s['findings'] if not f['known']]
    known = [f for f in s['findings'] if f['known']]
    v = s.get('versions')
    vtext = 'the version slice: see %s' % v['table'] \
        if v and v['exit_code'] == 1 else None
    if not s['findings']:
        return vtext or 'nothing found'
    parts = [vtext] if vtext else []
    if new:
        parts.append('%d new finding%s (%d occurrences)' % (
            len(new), 's' if len(new) > 1 else '',
            sum(f['count'] for f in new)))
    if known:
        parts.append('%d known (%d occurrences)' % (
            len(known), sum(f['count'] for f in known)))
    return ', '.join(parts)


def _core_text(core):
    text = '%s = %s' % (core['label'], core['htable'])
    if core['mutant']:
        text += ' with mutant %s (%s)' % (core['mutant'], core['patch'])
    return text


def markdown(s):
    """summary.md: what ran, for how long, how much work, the coverage, and
    the findings with their replay commands, on one screen."""
    L = ['# htbed nightly: %s (exit %d)' % (headline(s), s['exit_code']), '',
         'Run %d, started %s: %s of a %s budget (builds %s), %d cores.' % (
             s['run_number'], s['started_utc'], util.fmt_duration(s['elapsed_s']),
             util.fmt_duration(s['budget_s']), util.fmt_duration(s['build_s']),
             s['host_cores']),
         'Cores: %s.' % '; '.join(_core_text(c) for c in s['cores']),
         'Seeds: %d + 100000 x cell + process; state (seeds, fuzz corpora): '
         '%s.' % (s['seed_base'], s['state']), '',
         '| cell | result | time | processes | work | rate | fuzz coverage |',
         '|---|---|---|---|---|---|---|']
    for c in s['cells']:
        L.append('| %s | %s | %s | %d | %s | %s | %s |' % (
            c['name'], result_text(c), util.fmt_duration(c['seconds']),
            c['processes'], work_text(c), rate_text(c), coverage_text(c)))
    v = s.get('versions')
    if v:
        L += ['', 'Version slice (ci/versions.sh, rotating): %s in %s: %s; '
              'the rows in %s.' % (
                  ', '.join(v['rows']), util.fmt_duration(v['seconds']),
                  {0: 'built, nothing new', 1: 'something new or a build '
                   'that failed'}.get(v['exit_code'], 'could not run'),
                  v['table'])]
    L += ['', '## Findings by signature', '']
    if not s['findings']:
        L.append('None.')
    for f in by_count(s['findings'])[:MD_FINDINGS]:
        L += _md_finding(f)
    if len(s['findings']) > MD_FINDINGS:
        L.append('... and %d more in summary.json.' %
                 (len(s['findings']) - MD_FINDINGS))
    L += ['', 'Plots: summary.html.  Every kept occurrence: findings/<id>/<n>/'
          ' (report, log, reproducer, trace, command.txt).', '']
    return '\n'.join(L)


def by_count(found):
    """Findings in the order to read them: new ones before known ones,
    the most frequent first."""
    return sorted(found, key=lambda f: (bool(f['known']), -f['count'],
                                        f['id']))


def _md_finding(f):
    cells = ', '.join('%s %d' % kv for kv in sorted(f['cells'].items()))
    L = ['%d. %s`%s`: %d (%s); first at %s' % (
        f['id'], 'known (corpus/findings/%s): ' % f['known']
        if f['known'] else 'NEW: ', f['signature'], f['count'], cells,
        util.fmt_duration(f['first_s']))]
    if f['replay']:
        verdict = f['verified'] + (': ' + f['verify_note']
                                   if f['verify_note'] else '')
        L.append('   replay (%s): `%s`' % (verdict, f['replay']))
    else:
        L.append('   rerun (%s): `%s`' % (
            'deterministic' if f['rerun_exact'] else
            'free-running: the schedule is not recorded', f['repeat']))
    L.append('   kept: %s' % ', '.join(f['examples']))
    return L


def _case(c, lines):
    name = sax.quoteattr(c['name'])
    cls = sax.quoteattr('nightly.%s.%s' % (c['core'], c['kind']))
    lines.append('    <testcase classname=%s name=%s time="%.1f">' % (
        cls, name, c['seconds']))
    if c['status'] == 'found':
        sigs = sorted(c['findings'].items(), key=lambda kv: -kv[1])
        msg = '; '.join('%s (x%d)' % kv for kv in sigs)
        lines.append('      <failure type="finding" message=%s>%s</failure>'
                     % (sax.quoteattr(msg), sax.escape('\n'.join(
                         'signature: %s\ncount: %d' % kv for kv in sigs))))
    elif c['status'] == 'error':
        lines.append('      <error type="could-not-run" message=%s/>' %
                     sax.quoteattr(c['reason']))
    elif c['status'] == 'skipped':
        lines.append('      <skipped message=%s/>' % sax.quoteattr(c['reason']))
    lines.append('      <system-out>%s</system-out>' % sax.escape(
        '%s; %s; %d process(es); first command: %s' % (
            work_text(c), rate_text(c), c['processes'], c['command'] or '-')))
    lines.append('    </testcase>')


def junit(s):
    cells = s['cells']
    count = {k: sum(1 for c in cells if c['status'] == k)
             for k in ('found', 'error', 'skipped')}
    attrs = 'tests="%d" failures="%d" errors="%d" skipped="%d" time="%.1f"' % (
        len(cells), count['found'], count['error'], count['skipped'],
        s['elapsed_s'])
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<testsuites name="htbed nightly" %s>' % attrs,
             '  <testsuite name="htbed nightly" timestamp=%s %s>' % (
                 sax.quoteattr(s['started_utc']), attrs)]
    for c in cells:
        _case(c, lines)
    lines += ['  </testsuite>', '</testsuites>', '']
    return '\n'.join(lines)


def write_all(s, out, page):
    """summary.json, summary.md, junit.xml and summary.html in out."""
    util.write_atomic(os.path.join(out, 'summary.json'),
                      json.dumps(s, indent=1) + '\n')
    util.write_atomic(os.path.join(out, 'summary.md'), markdown(s))
    util.write_atomic(os.path.join(out, 'junit.xml'), junit(s))
    util.write_atomic(os.path.join(out, 'summary.html'), page(s))
