"""The nightly matrix: {own core, reference core} x {window, kpm} x
{free-running TSan stress, controlled mode, fuzz, controlled mode with
access seams (every shared load and store of the core a decision
point)}.

A fuzz input chooses windows or kpm for each of its runs itself
(harness/fuzzin.c), so the fuzz column has one cell per core, whose
memory is 'mixed'; two fuzz cells per core would fuzz the same thing."""

import fnmatch
from dataclasses import dataclass

KINDS = ('stress', 'controlled', 'fuzz', 'access')
MEMORIES = ('window', 'kpm')

# the build each kind runs: TSan for free-running stress, release for
# controlled mode, the libFuzzer build for fuzz, the access-seams release
# build for access (last, so that the other cells keep their indices)
VARIANT = {'stress': 'tsan', 'controlled': 'release', 'fuzz': 'fuzz',
           'access': 'release-access'}


@dataclass(frozen=True)
class Cell:
    core: str           # 'own' or 'ref'
    memory: str         # 'window', 'kpm' or 'mixed'
    kind: str           # one of KINDS
    index: int          # position in the full matrix: fixes its seeds

    @property
    def name(self):
        return '%s/%s/%s' % (self.core, self.memory, self.kind)

    @property
    def slug(self):
        return self.name.replace('/', '-')

    @property
    def variant(self):
        return VARIANT[self.kind]


def full_matrix(cores):
    """Every cell of the given cores, in the order they run; a cell's index
    depends only on its place in the matrix of both cores."""
    cells = []
    for ci, core in enumerate(('own', 'ref')):
        for ki, kind in enumerate(KINDS):
            memories = ('mixed',) if kind == 'fuzz' else MEMORIES
            for mi, memory in enumerate(memories):
                if core in cores:
                    cells.append(Cell(core, memory, kind,
                                      ci * 10 + ki * 2 + mi))
    return cells


def select(cells, patterns):
    """The cells whose name matches one of the glob patterns (all of them
    when there are none); a pattern that matches no cell is an error."""
    if not patterns:
        return list(cells)
    for p in patterns:
        if not any(fnmatch.fnmatchcase(c.name, p) for c in cells):
            raise ValueError(
                "--only: '%s' matches no cell (cells: %s)"
                % (p, ' '.join(c.name for c in cells)))
    return [c for c in cells
            if any(fnmatch.fnmatchcase(c.name, p) for p in patterns)]
