"""The nightly's options.  Every check that can fail before anything runs
is made here, so that a bad command line is one line on stderr, exit 2,
and nothing written."""

import argparse
import os
from dataclasses import dataclass

import matrix
import util

USAGE = '''ci/nightly.sh [options]

Runs the matrix {own core, reference core} x {window, kpm} x {free-running
TSan stress, controlled mode, fuzz, controlled mode with access seams
(kind 'access')} within a time budget and writes
summary.md, summary.json, junit.xml and summary.html to the output
directory.  Exit: 0 nothing new found (known findings, corpus/findings/,
are listed and counted), 1 something new found, 2 could not run.'''

DEFAULT_REFERENCE = '../shared/reference/htable.c'


class UsageError(Exception):
    """A bad command line: its message is the one line to print."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


@dataclass
class Core:
    label: str          # 'own' or 'ref'
    htable: str         # the htable.c it builds (before any mutant)
    mutant: str         # the mutant planted in it, or None
    patch: str          # that mutant's patch file, or None


@dataclass
class Config:
    root: str           # the repository, where every command runs
    budget: float       # seconds, the whole run
    cores: list         # Core, in matrix order
    cells: list         # matrix.Cell, in the order they run
    out: str
    state: str
    build: str
    keep: int           # examples kept whole per signature
    versions: int       # version-matrix rows a night
    versions_seconds: int
    mutant: str
    fail_on_known: bool  # a known finding fails the run too


def _parser():
    p = _Parser(prog='ci/nightly.sh', usage=USAGE,
                description=None, add_help=True)
    p.add_argument('--budget', default='1h', metavar='T',
                   help='the whole run, builds and reports included: '
                   'seconds, or 90s, 20m, 1h30m (default 1h)')
    p.add_argument('--only', default='', metavar='LIST',
                   help='matrix filter: comma-separated globs over the '
                   "cell names core/memory/kind, e.g. 'own/*/controlled,"
                   "*/mixed/fuzz' (default: every cell)")
    p.add_argument('--core', default='all', choices=('own', 'ref', 'all'),
                   help='own: core/htable.c; ref: the --htable file; all: '
                   'both, ref where its file exists (default)')
    p.add_argument('--htable', default=None, metavar='FILE',
                   help='the reference core: an illumos htable.c (default '
                   '$HTABLE_C, else %s)' % DEFAULT_REFERENCE)
    p.add_argument('--mutant', default=None, metavar='NAME',
                   help='plant a bug: mutants/NAME.patch in the own core, '
                   'mutants/ext/NAME.patch in the reference, each where '
                   'it exists (the other core runs unmodified)')
    p.add_argument('--fail-on-known', action='store_true',
                   help='a known finding (corpus/findings/*/finding) '
                   'makes the exit 1 too')
    p.add_argument('--out', default='build/nightly', metavar='DIR',
                   help='output directory (default build/nightly); the '
                   "previous run's results there are replaced")
    p.add_argument('--state', default=None, metavar='DIR',
                   help='kept from run to run: the run counter that '
                   'rotates the seeds, the fuzz corpora (default OUT/state)')
    p.add_argument('--build', default='build', metavar='DIR',
                   help='build directory: binaries go to DIR/<variant> '
                   'as make puts them (default build)')
    p.add_argument('--versions', default=2, type=int, metavar='N',
                   help='version-matrix rows run before the cells, '
                   'rotating from night to night (ci/versions.sh; '
                   'default 2, 0: none)')
    p.add_argument('--versions-seconds', default=5, type=int, metavar='S',
                   help="each of a version row's runs (default 5)")
    p.add_argument('--keep', default=3, type=int, metavar='N',
                   help='occurrences kept whole per signature (default 3)')
    return p


def _reference(args):
    """The reference file and whether the user named it."""
    if args.htable is not None:
        return args.htable, True
    if os.environ.get('HTABLE_C'):
        return os.environ['HTABLE_C'], True
    return DEFAULT_REFERENCE, False


def _cores(args, root):
    ref, named = _reference(args)
    ref_exists = os.path.isfile(os.path.join(root, ref))
    if (args.core == 'ref' or named) and not ref_exists:
        raise UsageError('the reference core %s does not exist' % ref)
    labels = {'own': ['own'], 'ref': ['ref'],
              'all': ['own'] + (['ref'] if ref_exists else [])}[args.core]
    cores = []
    for label in labels:
        patch = None
        if args.mutant is not None:
            rel = ('mutants/%s.patch' if label == 'own'
                   else 'mutants/ext/%s.patch') % args.mutant
            if os.path.isfile(os.path.join(root, rel)):
                patch = rel
        cores.append(Core(label, 'core/htable.c' if label == 'own' else ref,
                          args.mutant if patch else None, patch))
    return cores


def _check_mutant(name, cores, root):
    """A mutant must be planted in at least one of the cores that run."""
    if name is None or any(c.patch for c in cores):
        return
    def have(d):
        return ' '.join(sorted(f[:-6] for f in os.listdir(os.path.join(
            root, d)) if f.endswith('.patch')))
    raise UsageError('no mutant %s for the %s core%s (mutants/: %s; '
                     'mutants/ext/: %s)' % (
                         name, ' and '.join(c.label for c in cores),
                         's' if len(cores) > 1 else '', have('mutants'),
                         have('mutants/ext')))


def parse(argv, root):
    """The configuration of argv, or UsageError with the reason."""
    args = _parser().parse_args(argv)
    try:
        budget = util.parse_duration(args.budget)
    except ValueError:
        raise UsageError("--budget wants a duration such as 1200, 20m or "
                         "1h30m, not '%s'" % args.budget)
    if args.keep < 1:
        raise UsageError('--keep wants at least 1, not %d' % args.keep)
    if args.versions < 0 or args.versions_seconds < 1:
        raise UsageError('--versions wants 0 or more rows and '
                         '--versions-seconds at least 1')
    cores = _cores(args, root)
    patterns = [p for p in args.only.split(',') if p]
    try:
        cells = matrix.select(matrix.full_matrix([c.label for c in cores]),
                              patterns)
    except ValueError as e:
        raise UsageError(str(e))
    used = [c for c in cores if c.label in {cell.core for cell in cells}]
    _check_mutant(args.mutant, used, root)
    out = os.path.abspath(os.path.join(root, args.out))
    for d in (out, args.state, args.build):
        if d is not None and os.path.exists(os.path.join(root, d)) and \
                not os.path.isdir(os.path.join(root, d)):
            raise UsageError('%s exists and is not a directory' % d)
    state = os.path.abspath(os.path.join(root, args.state)) \
        if args.state else os.path.join(out, 'state')
    return Config(root=root, budget=budget,
                  cores=used, cells=cells,
                  out=out, state=state,
                  build=os.path.abspath(os.path.join(root, args.build)),
                  keep=args.keep, mutant=args.mutant,
                  versions=args.versions,
                  versions_seconds=args.versions_seconds,
                  fail_on_known=args.fail_on_known)
