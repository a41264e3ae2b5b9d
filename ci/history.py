#!/usr/bin/env python3
"""make bisect FINDING=name | CRASH=file: a finding across the history of
htable.c.

The finding's program (corpus/findings/<name>/repro-min.txt, else its
first repro-*.txt by name; or the program of any reproducer) runs under
new schedules -- controlled mode, random strategy, --runs per seed -- on
every version of ../shared/variants whose era htbed builds, in date
order, in the build that can show it (variant_for(): ThreadSanitizer or
AddressSanitizer when what is sought is only their report).  A version shows the finding when
a run fails with it: for a named finding, the report's "known:" line
names it; for a reproducer file, the failure has the reproducer's kind
in a file of the same name (its "failure" line; line numbers differ
between versions).  A run that fails with something else is retried with
the next seed; if every seed fails so, the version is "masked" by what
it found.

The table goes to build/bisect/<name>.md (a temporary file, then renamed)
and to stdout, with the first and last versions that show the finding
and, for every step of the illumos-gate lineage from a clean version to
one that shows it (or back), the two commits: the change is between them
(git log <clean>..<shows> -- usr/src/uts/i86pc/vm/htable.c in an
illumos-gate clone).  ci/report.py uses the same functions for its
VERSIONS AFFECTED.

usage: ci/history.py (--finding NAME | --repro FILE) [--runs N]
                     [--seeds K] [--only GLOBS] [--kpm] [--max-steps N]
                     [--out FILE]
exit: 0 written, the finding shows on some version; 1 written, it shows
on none; 2 a bad option, a missing or corrupt file, a build of the
testbed's own objects that failed.
"""

import argparse
import fnmatch
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VARIANTS = '../shared/variants'
BUILT_ERAS = ('kpti', '2015', '2007', '2005')
WORK = 'build/bisect'


def die(msg, code=2):
    print('ci/history.py: %s' % msg, file=sys.stderr)
    sys.exit(code)


def sh(argv, log=None, env=None):
    """Run argv in the tree; (exit code, output)."""
    p = subprocess.run(argv, cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, errors='replace',
                       env=dict(os.environ, **(env or {})))
    if log:
        os.makedirs(os.path.dirname(os.path.join(ROOT, log)), exist_ok=True)
        with open(os.path.join(ROOT, log), 'a') as f:
            f.write(p.stdout)
    return p.returncode, p.stdout


def era_of(path):
    rc, out = sh(['shim/era/probe.sh', path])
    return out.strip() if rc == 0 else None


def build(htable, b, share=None, log=None, variant='release'):
    """htstress and htreplay of htable in build dir b (the objects that
    do not depend on the file from share, made first), of the given
    VARIANT (release, tsan, asan); their paths, or None."""
    log = log or os.path.join(WORK, 'build.log')
    make = ['make', '-s', 'VARIANT=' + variant]
    if share:
        rc, _ = sh(make + ['B=' + share, 'HTABLE_C=' + htable,
                           'lib-objects'], log)
        if rc != 0:
            return None
    args = make + ['B=' + b, 'HTABLE_C=' + htable] + \
        (['SHARE=' + share] if share else []) + [b + '/htstress',
                                                 b + '/htreplay']
    rc, _ = sh(args, log)
    return (b + '/htstress', b + '/htreplay') if rc == 0 else None


def find(htstress, program, runs, seeds, out, kpm=False, shows=None,
         extra=()):
    """The program under new schedules (random, seeds in turn) until a
    run fails with what shows(known, signature) accepts: ((reproducer,
    known name, signature, runs done) or None, [the failures shows
    rejected, one per seed that ended so]).  With shows None, the first
    failure of any kind ends the search."""
    done = 0
    others = []
    for seed in seeds:
        d = os.path.join(out, 'seed-%d' % seed)
        rc, log = sh([htstress, '--mode', 'controlled', '--program', program,
                      '--runs', str(runs), '--seconds', '0', '--seed',
                      str(seed), '--quiet', '--out', d] +
                     (['--kpm'] if kpm else []) + list(extra),
                     env={'HTBED_FAIL_ON_KNOWN': '1'})
        m = re.search(r'^reproducer: (\S+) \(run (\d+)', log, re.M)
        sig = re.search(r'^signature: (.+)$', log, re.M)
        if rc == 1 and (m or sig):
            known = re.search(r'^known: +(\S+)', log, re.M)
            res = (m.group(1) if m else None, known.group(1) if known
                   else None, sig.group(1) if sig else '?',
                   done + (int(m.group(2)) + 1 if m else 0))
            if res[0] and (shows is None or shows(res[1], res[2])):
                return res, others
            others.append(res)
        elif rc != 0:
            others.append((None, None, 'exit %d: %s' % (
                rc, log.strip().splitlines()[-1] if log.strip() else '?'),
                done))
        done += runs
    return None, others


def rows(only=None):
    """The versions, in date order ("undated" last): (id, date, commit,
    path of htable.c)."""
    out = []
    base = os.path.join(ROOT, VARIANTS)
    if not os.path.isdir(base):
        die('%s: no such directory' % VARIANTS)
    for lineage in sorted(os.listdir(base)):
        ldir = os.path.join(base, lineage)
        if not os.path.isdir(ldir):
            continue
        for d in os.listdir(ldir):
            f = os.path.join(ldir, d, 'htable.c')
            vid = lineage + '/' + d
            if not os.path.exists(f):
                continue
            if only and not any(fnmatch.fnmatch(vid, g) for g in only):
                continue
            date, _, commit = d.rpartition('-')
            out.append((vid, date, commit, os.path.relpath(f, ROOT)))
    return sorted(out, key=lambda r: (r[1] == 'undated', r[1], r[0]))


def signature_of(repro):
    """(kind, file name) of a reproducer's "failure" line."""
    try:
        text = open(os.path.join(ROOT, repro)).read()
    except OSError as e:
        die('%s: %s' % (repro, e.strerror))
    if not text.startswith('htbed-repro '):
        die('%s: not an htbed reproducer (no htbed-repro header)' % repro)
    m = re.search(r'^failure (\S+) at (\S+?)(:\d+)?( .*)?$', text, re.M)
    if not m:
        die('%s: has no "failure <kind> at <file>" line' % repro)
    return m.group(1), os.path.basename(m.group(2))


def finding_program(finding):
    """The program of a finding: its repro-min.txt, else the first of its
    other reproducers (repro-*.txt) by name."""
    fdir = os.path.join('corpus/findings', finding)
    if not os.path.isdir(os.path.join(ROOT, fdir)):
        die('no finding %s' % fdir)
    names = sorted(n for n in os.listdir(os.path.join(ROOT, fdir))
                   if n.startswith('repro-') and n.endswith('.txt'))
    if 'repro-min.txt' in names:
        return os.path.join(fdir, 'repro-min.txt')
    if not names:
        die('%s has no reproducer (repro-min.txt or repro-*.txt), the '
            'program of the finding' % fdir)
    return os.path.join(fdir, names[0])


def variant_for(finding, program):
    """The build that can show what is sought: 'tsan' when every
    signature of the finding (or the reproducer's failure) is a
    ThreadSanitizer report (kind sanitizer), 'asan' when every one is an
    AddressSanitizer report (kinds asan-*), else 'release'."""
    if finding:
        path = os.path.join(ROOT, 'corpus/findings', finding, 'finding')
        try:
            kinds = re.findall(r'^signature\s+(\S+)', open(path).read(),
                               re.M)
        except OSError as e:
            die('%s: %s' % (path, e.strerror))
    else:
        kinds = [signature_of(program)[0]]
    if kinds and all(k == 'sanitizer' for k in kinds):
        return 'tsan'
    if kinds and all(k.startswith('asan-') for k in kinds):
        return 'asan'
    return 'release'


def matcher(finding, repro):
    """shows(known, signature) for a finding's name or a reproducer."""
    if finding:
        return lambda known, sig: known == finding
    kind, name = signature_of(repro)

    def shows(known, sig):
        m = re.match(r'(\S+) at (\S+?)(:\d+)?( .*)?$', sig)
        return bool(m) and m.group(1) == kind and \
            os.path.basename(m.group(2)) == name
    return shows


def history(program, shows, runs, seeds, only=None, kpm=False,
            progress=True, extra=(), variant='release'):
    """Every version: [(id, date, commit, era, result, state)], state
    'shows', 'clean', 'masked' or 'none' (not built)."""
    out = []
    work = WORK if variant == 'release' else os.path.join(WORK, variant)
    for vid, date, commit, path in rows(only):
        era = era_of(path)
        slug = vid.replace('/', '-')
        if era not in BUILT_ERAS:
            res = (era, 'not built (era %s)' % era, 'none')
        else:
            bins = build(path, os.path.join(work, 'v', slug),
                         os.path.join(work, 'share-' + era),
                         os.path.join(work, 'v', slug + '.build'), variant)
            if bins is None:
                res = (era, 'does not build (%s/v/%s.build)' % (work, slug),
                       'none')
            else:
                res = (era,) + verdict(*find(
                    bins[0], program, runs, range(1, seeds + 1),
                    os.path.join(work, 'v', slug, 'out'), kpm, shows,
                    extra), runs=runs, seeds=seeds)
        out.append((vid, date, commit) + res)
        if progress:
            print('ci/history.py: %s: %s' % (vid, res[1]), file=sys.stderr)
    return out


def verdict(res, failed, runs, seeds):
    """(result, state) of a search: shown, masked (every seed failed
    first with something else) or clean."""
    if res is not None:
        return ('SHOWN in run %d (%s)' % (res[3], res[0]), 'shows')
    what = sorted(set((o[1] and 'known ' + o[1] or o[2]).replace(
        VARIANTS, '<variants>') for o in failed))
    if len(failed) == seeds:
        return ('masked: every seed failed first with %s' %
                '; '.join(what), 'masked')
    return ('clean in %d runs' % (runs * seeds) +
            (' (%d seeds failed first with %s)' % (
                len(failed), '; '.join(what)) if what else ''),
            'clean')


def transitions(hist):
    """The steps of the illumos-gate lineage between a built clean
    version and one that shows the finding: [(kind, before, after)]."""
    gate = [h for h in hist if h[0].startswith('illumos-gate/') and
            h[5] in ('shows', 'clean')]
    out = []
    for a, b in zip(gate, gate[1:]):
        if a[5] != b[5]:
            between = hist[hist.index(a) + 1:hist.index(b)]
            masked = sum(1 for h in between if h[5] == 'masked')
            out.append(('appears' if b[5] == 'shows' else 'goes', a, b,
                        masked))
    return out


def render(title, hist, runs, seeds, kpm, variant='release'):
    shown = [h for h in hist if h[5] == 'shows']
    L = ['# %s across the versions' % title, '',
         'Its program under new schedules (controlled mode, random, '
         '%d runs x %d seeds, %s memory, %s build) on every version of '
         '`%s` (`make bisect`, ci/history.py).' % (
             runs, seeds, 'kpm' if kpm else 'window',
             {'tsan': 'ThreadSanitizer', 'asan': 'AddressSanitizer'}.get(
                 variant, 'release'),
             VARIANTS), '',
         '| version | date | era | result |', '|---|---|---|---|']
    L += ['| %s | %s | %s | %s |' % (h[0], h[1], h[3], h[4]) for h in hist]
    L += ['']
    if shown:
        L.append('First shown: %s (%s); last shown: %s (%s); shown on %d '
                 'of %d versions built.' % (
                     shown[0][0], shown[0][1], shown[-1][0], shown[-1][1],
                     len(shown), sum(1 for h in hist if h[5] != 'none')))
    else:
        L.append('Shown on no version built.')
    for kind, a, b, masked in transitions(hist):
        L.append('- %s between %s (%s, %s) and %s (%s, %s)%s: `git log '
                 '%s..%s -- usr/src/uts/i86pc/vm/htable.c` in illumos-gate' %
                 (kind, a[0], a[5], a[1], b[0], b[5], b[1],
                  ' (%d masked versions between)' % masked if masked else '',
                  a[2], b[2]))
    return '\n'.join(L) + '\n'


def write_atomic(path, text):
    full = os.path.join(ROOT, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    tmp = full + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, full)


def main():
    ap = argparse.ArgumentParser(prog='ci/history.py')
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument('--finding')
    g.add_argument('--repro')
    ap.add_argument('--runs', type=int, default=2000)
    ap.add_argument('--seeds', type=int, default=3)
    ap.add_argument('--only', default=None)
    ap.add_argument('--kpm', action='store_true')
    ap.add_argument('--out', default=None)
    ap.add_argument('--max-steps', type=int, default=None,
                    help='scheduling steps a run may take (htstress '
                    '--max-steps): more lets slow old files finish')
    a = ap.parse_args()
    if a.runs < 1 or a.seeds < 1:
        die('--runs and --seeds take a positive number')
    if a.finding:
        program = finding_program(a.finding)
        title = a.finding
    else:
        program = os.path.relpath(os.path.abspath(a.repro), ROOT)
        title = os.path.basename(a.repro)
    signature_of(program)
    shows = matcher(a.finding, program)
    extra = ['--max-steps', str(a.max_steps)] if a.max_steps else []
    variant = variant_for(a.finding, program)
    hist = history(program, shows, a.runs, a.seeds,
                   a.only.split(',') if a.only else None, a.kpm,
                   extra=extra, variant=variant)
    text = render(title, hist, a.runs, a.seeds, a.kpm, variant)
    out = a.out or os.path.join(WORK, title + '.md')
    write_atomic(out, text)
    sys.stdout.write(text)
    print('ci/history.py: written to %s' % out, file=sys.stderr)
    return 0 if any(h[5] == 'shows' for h in hist) else 1


if __name__ == '__main__':
    sys.exit(main())
