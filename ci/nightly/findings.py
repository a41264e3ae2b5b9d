"""Findings, deduplicated by signature.

A signature is what the failure report prints on its 'signature:' line --
the kind, the code location, and for a ThreadSanitizer report both racing
sites -- with the repository's absolute path taken out (sanitizer
symbolizers print absolute paths, the testbed's own reports relative
ones).  One signature is one finding, however often it was seen: it
keeps a count (in all and per cell), when it was first and last seen,
a known finding's name when the report says one accounts for it (the
processes run with HTBED_FAIL_ON_KNOWN=1, so that those fail too and are
counted), and the first --keep occurrences whole (and the first that replays
exactly, if none of those does), each in its own directory:

    report.txt   the failure report (with the last events of every thread)
    log.txt      everything the process printed
    repro.txt    the reproducer (controlled mode, fuzz), for htreplay
    input        the fuzz input that crashed the fuzz target (fuzz)
    trace.txt    the interleaving, printed by htreplay (replayed ones)
    command.txt  the command that repeats the run, and the replay command
"""

import collections
import os
import re
import shutil
from dataclasses import dataclass, field

import util


def normalize(signature, root):
    """The signature with the repository's absolute path removed."""
    return signature.strip().replace(root.rstrip('/') + '/', '')


def known_of(log_text):
    """The known finding (corpus/findings/<name>/finding) that the failure
    report says accounts for the failure, or None."""
    found = re.findall(r'^known: +(\S+)', log_text, re.M)
    return found[-1] if found else None


def signature_of(log_text):
    """The last 'signature:' line a process printed, or None."""
    found = re.findall(r'^signature: (.+)$', log_text, re.M)
    return found[-1] if found else None


_SANITIZER_SUMMARY = re.compile(
    r'^SUMMARY: (\w+Sanitizer): (\S+)(?: (/?[^ (]+?:\d+)(?::\d+)?)?'
    r'(?: .*?)? in ([\w:~]+)', re.M)


def fallback_signature(log_text):
    """For a process that failed without the testbed's report: the
    sanitizer's SUMMARY line (tool, kind, place, function) if it printed
    one."""
    m = _SANITIZER_SUMMARY.search(log_text)
    if m is None:
        return 'a failure without a report or a signature line'
    where = ' at %s' % m.group(3) if m.group(3) else ''
    return 'no report: %s %s%s (%s)' % (m.group(1), m.group(2), where,
                                         m.group(4))


@dataclass
class Occurrence:
    """One failing process: what it found and where its evidence lies."""
    signature: str
    cell: str
    t: float                    # seconds since the nightly began
    repeat: str                 # the command that repeats the run
    replay: str = None          # deterministic replay command, if any
    # ({dir} in either stands for the directory the occurrence is kept in)
    files: dict = field(default_factory=dict)   # name -> path to move in
    rerun_exact: bool = False   # the repeat command repeats the schedule
    known: str = None           # the known finding it is, if any


@dataclass
class Finding:
    id: int
    signature: str
    count: int = 0
    cells: collections.Counter = field(default_factory=collections.Counter)
    first_t: float = None
    last_t: float = None
    examples: list = field(default_factory=list)   # example directories
    replay: str = None          # the first exact replay command kept
    replay_dir: str = None      # the example it replays
    repeat: str = None          # the first example's repeat command
    rerun_exact: bool = False   # that command repeats the schedule
    verified: str = None        # 'reproduced', 'different', 'not reproduced'
    verify_note: str = None
    known: str = None           # the known finding (corpus/findings/)

    @property
    def slug(self):
        kind = re.sub(r'[^a-z0-9]+', '-', self.signature.split(' ')[0].lower())
        return '%02d-%s' % (self.id, kind.strip('-') or 'finding')


class Store:
    def __init__(self, directory, keep, root):
        self.dir = directory
        self.keep = keep
        self.root = root
        self.by_signature = {}
        self.timeline = []      # (t, finding id), in the order seen

    def findings(self):
        return sorted(self.by_signature.values(), key=lambda f: f.id)

    def new(self):
        """The findings no known finding accounts for."""
        return [f for f in self.findings() if f.known is None]

    def add(self, occ):
        """Count an occurrence; keep it whole if its signature has fewer
        than keep examples.  Its files are moved, never copied."""
        sig = normalize(occ.signature, self.root)
        f = self.by_signature.get(sig)
        if f is None:
            f = Finding(len(self.by_signature) + 1, sig)
            self.by_signature[sig] = f
        f.known = f.known or occ.known
        f.count += 1
        f.cells[occ.cell] += 1
        f.first_t = occ.t if f.first_t is None else f.first_t
        f.last_t = occ.t
        self.timeline.append((occ.t, f.id))
        if len(f.examples) < self.keep or (f.replay is None and occ.replay):
            self._keep(f, occ)
        return f

    def _keep(self, f, occ):
        d = os.path.join(self.dir, f.slug, str(len(f.examples) + 1))
        os.makedirs(d, exist_ok=True)
        for name, path in occ.files.items():
            if path and os.path.exists(path):
                shutil.move(path, os.path.join(d, name))
        shown = util.shown_path(d, self.root)
        replay = occ.replay.replace('{dir}', shown) if occ.replay else None
        repeat = occ.repeat.replace('{dir}', shown)
        lines = ['# found in %s, %s into the nightly' % (
                     occ.cell, util.fmt_duration(occ.t)),
                 '# signature: %s' % f.signature,
                 '# the command that repeats the run:', repeat]
        if replay:
            lines += ['# replay (same schedule, same failure):', replay]
        elif not occ.rerun_exact:
            lines += ['# (free-running: the schedule is not recorded; '
                      'the command reruns the same seed)']
        util.write_atomic(os.path.join(d, 'command.txt'),
                          '\n'.join(lines) + '\n')
        f.examples.append(util.shown_path(d, self.root))
        if f.repeat is None:
            f.repeat, f.rerun_exact = repeat, occ.rerun_exact
        if f.replay is None and replay:
            f.replay, f.replay_dir = replay, d
