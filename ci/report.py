#!/usr/bin/env python3
"""make report FINDING=name: a plain-text report of a finding, in the form
an illumos bug takes, written to corpus/findings/<name>/report.txt.

What it puts together:
  - the prose of corpus/findings/<name>/report-notes.md (title, summary,
    consequence, fix rationale), which people write;
  - the interleaving, measured: the finding's program (repro-min.txt)
    under new schedules on the file tested (--htable; by default the
    newest upstream if the program shows the finding there, else the 2015
    reference) until it fails with one of the finding's signatures; that
    reproducer is kept as repro-<date>.txt beside the report, and
    `htreplay --steps` gives each event with the file, line and function
    of the code under test;
  - the affected functions, with their lines in the file tested;
  - the versions: the program under new schedules on every version of
    ../shared/variants that builds (--runs each), first and last dates
    where it shows;
  - the fix (fix.patch) and its evidence (build/prove-<name>.md, from
    ci/prove-fix.sh, if it was run).

usage: ci/report.py NAME [--htable FILE] [--runs N] [--no-versions]
exit: 0 written; 1 the program did not show the finding on the file
tested; 2 a bad option, a missing file or a build that failed.
"""

import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import history  # noqa: E402  (ci/history.py: builds, runs, versions)
from history import build, era_of, find, sh  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VARIANTS = '../shared/variants'
REFERENCE = '../shared/reference/htable.c'
WORK = 'build/report'


def die(msg, code=2):
    print('ci/report.py: %s' % msg, file=sys.stderr)
    sys.exit(code)


def newest_upstream():
    rc, out = sh(['make', '-s', '-p', '-n'])
    m = re.search(r'^NEWEST_HTABLE \?= (.+)$', out, re.M)
    return m.group(1).strip() if m else None


def notes(name):
    """The sections of report-notes.md, by heading."""
    path = os.path.join(ROOT, 'corpus/findings', name, 'report-notes.md')
    if not os.path.exists(path):
        die('corpus/findings/%s/report-notes.md is missing (the prose: '
            'title, summary, consequence, fix)' % name)
    out, cur = {}, None
    for line in open(path):
        if line.startswith('## '):
            cur = line[3:].strip()
            out[cur] = []
        elif cur:
            out[cur].append(line.rstrip('\n'))
    for k in ('Title', 'Summary', 'Consequence', 'Fix'):
        if k not in out:
            die('%s has no "## %s" section' % (path, k))
    return {k: '\n'.join(v).strip() for k, v in out.items()}


def entry(name):
    """The finding's machine-readable entry: key -> [values]."""
    path = os.path.join(ROOT, 'corpus/findings', name, 'finding')
    if not os.path.exists(path):
        die('corpus/findings/%s/finding is missing' % name)
    out = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith('#'):
            k, _, v = line.partition(' ')
            out.setdefault(k, []).append(v.strip())
    return out


STEP = re.compile(r'^\s*(\d+) T(\d+) (\S+) cpu(-?\d+) \| (.*?) \| (.*)$')


def steps(htreplay, repro, nevents=400):
    """htreplay --steps: [(step, tid, name, cpu, event, where)]."""
    rc, out = sh([htreplay, '--steps=%d' % nevents, '--fail-on-known',
                  repro])
    rows = []
    for line in out.splitlines():
        m = STEP.match(line)
        if m:
            rows.append((int(m.group(1)), int(m.group(2)), m.group(3),
                         int(m.group(4)), m.group(5).strip(),
                         m.group(6).strip()))
    what = re.search(r'^what: +(.+)$', out, re.M)
    return rows, what.group(1) if what else ''


def racing_steps(rows, keep=40):
    """The events that tell the race: the last `keep` that happened in
    the code under test or the HAT (not in the harness's own code)."""
    located = [r for r in rows if r[5] and not r[5].startswith('pc ')]
    return located[-keep:]


def places(where, htable):
    """[(file:line, function)] of a --steps location chain, innermost
    first, the file tested named by its base name."""
    out = []
    for part in where.split(' < '):
        loc, _, fn = part.strip().partition(' ')
        out.append((loc.replace(htable, os.path.basename(htable)), fn))
    return out


def describe(r, htable):
    step, tid, name, cpu, ev, where = r
    chain = places(where, htable)
    via = ''.join(', called from %s() at %s' % (fn, loc)
                  for loc, fn in chain[1:])
    return '%s (T%d) on CPU %d, %s() at %s%s: %s' % (
        name, tid, cpu, chain[0][1], chain[0][0], via, ' '.join(ev.split()))


def functions(rows, htable):
    """Functions of the file tested the interleaving went through, each
    with its definition line and the lines the events were at."""
    base = os.path.basename(htable)
    lines = open(os.path.join(ROOT, htable)).read().split('\n')
    seen = {}
    for r in rows:
        for loc, fn in places(r[5], htable):
            if loc.startswith(base + ':'):
                seen.setdefault(fn, set()).add(int(loc.rsplit(':', 1)[1]))
    out = []
    for fn, at in sorted(seen.items(), key=lambda kv: min(kv[1])):
        defn = next((i + 1 for i, l in enumerate(lines)
                     if l.startswith(fn + '(')), None)
        out.append('%s(), %s:%s (events at line%s %s)' % (
            fn, base, defn or '?', 's' if len(at) > 1 else '',
            ', '.join(str(x) for x in sorted(at))))
    return out


def versions(program, runs, name):
    """Every version (ci/history.py): [(dir, era, result)]."""
    hist = history.history(program, history.matcher(name, None), runs, 1,
                           variant=history.variant_for(name, program))
    return [(h[0], h[3], h[4]) for h in hist]


def date_of(vid):
    m = re.search(r'(\d{4}-\d{2}-\d{2})', vid)
    return m.group(1) if m else vid


def wrap(text, indent=''):
    out, line = [], indent
    for w in text.split():
        if len(line) + len(w) + 1 > 72 and line.strip():
            out.append(line.rstrip())
            line = indent
        line += w + ' '
    out.append(line.rstrip())
    return '\n'.join(out)


def paragraphs(text):
    return '\n\n'.join(wrap(p) for p in text.split('\n\n'))


def main():
    ap = argparse.ArgumentParser(prog='ci/report.py')
    ap.add_argument('name')
    ap.add_argument('--htable', default=None)
    ap.add_argument('--runs', type=int, default=20000)
    ap.add_argument('--no-versions', action='store_true')
    a = ap.parse_args()
    name = a.name
    fdir = os.path.join('corpus/findings', name)
    program = os.path.join(fdir, 'repro-min.txt')
    for p in (program, os.path.join(fdir, 'fix.patch')):
        if not os.path.exists(os.path.join(ROOT, p)):
            die('%s is missing' % p)
    text, ent = notes(name), entry(name)
    os.makedirs(os.path.join(ROOT, WORK), exist_ok=True)
    newest = newest_upstream()
    candidates = [a.htable] if a.htable else \
        [f for f in (newest, REFERENCE) if f]
    found = None
    variant = history.variant_for(name, program)
    for htable in candidates:
        if not os.path.exists(os.path.join(ROOT, htable)):
            die('%s does not exist' % htable)
        era = era_of(htable)
        b = os.path.join(WORK, 'tested-' + (era or 'x') +
                         ('' if variant == 'release' else '-' + variant))
        bins = build(htable, b, log=os.path.join(WORK, 'build.log'),
                     variant=variant)
        if bins is None:
            die('%s does not build (see %s/build.log)' % (htable, WORK))
        res, _ = find(bins[0], program, a.runs, range(1, 6),
                      os.path.join(WORK, 'find-' + (era or 'x')),
                      shows=history.matcher(name, None))
        if res and res[1] == name:
            found = (htable, bins, res)
            break
        print('ci/report.py: %s: the program does not show %s in %d runs '
              'x 5 seeds' % (htable, name, a.runs), file=sys.stderr)
    if found is None:
        die('the program does not show the finding on %s' %
            ' or '.join(candidates), 1)
    htable, bins, (repro, _, sig, nruns) = found
    date = date_of(htable) if 'variants' in htable else 'reference'
    kept = os.path.join(fdir, 'repro-%s.txt' % date)
    with open(os.path.join(ROOT, repro)) as f, \
            open(os.path.join(ROOT, kept), 'w') as g:
        g.write(f.read())
    rows, what = steps(bins[1], kept)
    race = racing_steps(rows)
    vers = [] if a.no_versions else versions(program, a.runs, name)
    shown = [v for v in vers if v[2].startswith('SHOWN')]
    prove = os.path.join(ROOT, 'build', 'prove-%s.md' % name)

    R = ['%s' % text['Title'], '=' * min(72, len(text['Title'])), '',
         'Found by htbed (a testbed for races in illumos htable.c), '
         '%s.' % time.strftime('%Y-%m-%d'),
         'Status: %s.' % '; '.join(ent.get('status', ['?'])), '',
         'SUMMARY', '', paragraphs(text['Summary']), '',
         'VERSION TESTED', '',
         wrap('%s (%s era), unmodified, compiled in userspace against '
              "htbed's emulated kernel and HAT.  The program of the "
              'finding (3 threads, a few HAT operations each) showed it '
              'after %d schedules: "%s" (%s).' % (
                  htable, era_of(htable), nruns, what, sig)), '',
         'AFFECTED FUNCTIONS (lines of the version tested)', '']
    R += ['  ' + f for f in functions(race, htable)]
    R += ['', 'INTERLEAVING', '',
          wrap('Each step: thread, CPU, the function and line of the code '
               'under test it happened in and the callers above it '
               '(htable.c; the lines of core/hat.c are htbed\'s HAT, in '
               'the role of hat_i86.c\'s functions of the same names; '
               'observe_begin() is its hook that tells the testbed\'s model '
               'of a removal), and the event: a lock taken or dropped, a '
               'PTE compare-and-swap with the old and new values, an atomic '
               'update of a count (its address), a page-table window mapped '
               'for the entry\'s table, the steal unloading an entry (its '
               'va and PTE).  Plain loads and stores of shared memory are '
               'no events: they happen between the events shown.'), '']
    for i, r in enumerate(race, 1):
        R.append(wrap('%2d. %s' % (i, describe(r, htable)), '    ').lstrip())
    R += ['', 'The failure: %s' % what, '',
          'CONSEQUENCE', '', paragraphs(text['Consequence']), '',
          'HOW TO REPRODUCE', '',
          '  make replay HTABLE_C=%s CRASH=%s ARGS=--steps' % (htable, kept),
          '',
          wrap('(the run above, exactly; `htstress --mode controlled '
               '--program %s --runs N --seconds 0 --seed S` on a build of '
               'any htable.c draws new schedules for the same program)'
               % program), '',
          'VERSIONS AFFECTED', '']
    if vers:
        vers.sort(key=lambda v: date_of(v[0]))
        older = [v for v in vers if v[2].startswith('not built')]
        if older:
            R.append('  %d versions of eras not built yet, %s to %s' % (
                len(older), date_of(older[0][0]), date_of(older[-1][0])))
        R += ['  %-40s %-5s %s' % v for v in vers if v not in older]
        R += ['', wrap('The program shows it from %s to %s (%d of %d '
                       'versions built, %d runs each, window memory, '
                       'random schedules).' % (
                           date_of(shown[0][0]) if shown else '-',
                           date_of(shown[-1][0]) if shown else '-',
                           len(shown), sum(1 for v in vers if not
                                           v[2].startswith('not built') and
                                           v[2] != 'does not build'),
                           a.runs))]
    R += [wrap('By reading the code: %s.' % '; '.join(ent.get('affects',
                                                              ['?'])))]
    R += ['', 'PROPOSED FIX', '', paragraphs(text['Fix']), '',
          open(os.path.join(ROOT, fdir, 'fix.patch')).read().rstrip(), '',
          'EVIDENCE', '']
    if os.path.exists(prove):
        R.append(open(prove).read().rstrip())
    else:
        R.append('(run ci/prove-fix.sh %s for the table)' % name)
    out = os.path.join(ROOT, fdir, 'report.txt')
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(out))
    with os.fdopen(fd, 'w') as f:
        f.write('\n'.join(R) + '\n')
    os.replace(tmp, out)
    print('ci/report.py: wrote %s (reproducer %s)' % (
        os.path.relpath(out, ROOT), kept))


if __name__ == '__main__':
    main()
