"""Building what the cells run, with the project's Makefile.

A (core, variant) pair is built into its own directory under the build
root, named as make names it, so that with the default root the nightly
shares make's binaries (build/release, build/tsan, build/fuzz,
build/release-ext, build/mutant-<name>-release, ...).  A mutant is
planted in a copy of the core's source (as mutants/mutants.mk does); the
copy is replaced only when its content changes, so make rebuilds only
what the patch touched."""

import filecmp
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field

import util

# what each variant builds, and the VARIANT make builds it as
TARGETS = {'tsan': ['htstress'], 'release': ['htstress', 'htreplay'],
           'release-access': ['htstress', 'htreplay'],
           'fuzz': ['htfuzz_sched', 'htreplay']}


class BuildError(Exception):
    """Something could not be built: the message is the one line why."""


@dataclass
class Build:
    core: str                   # 'own' or 'ref'
    variant: str                # 'tsan', 'release', 'release-access'
                                # or 'fuzz'
    dir: str
    command: list               # the make command line
    bins: dict = field(default_factory=dict)   # target -> path
    seconds: float = 0.0
    fuzz_max_len: int = None    # fuzz: the input length make fuzz uses


def _dir_name(core, variant):
    """make's own name for the build directory of this core and variant."""
    ext = core.label == 'ref'
    base, acc = (variant[:-len('-access')], '-access') \
        if variant.endswith('-access') else (variant, '')
    if core.mutant is None:
        return base + ('-ext' if ext else '') + acc
    m = ('ext-' if ext else '') + core.mutant
    if variant == 'fuzz':
        return 'fuzz-mutant-' + m
    return 'mutant-%s-%s' % (m, variant)


def _same_tree(a, b):
    """Whether two directory trees hold the same files with the same
    content."""
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files,
                                           shallow=False)
    return not mismatch and not errors and all(
        _same_tree(os.path.join(a, d), os.path.join(b, d))
        for d in cmp.common_dirs)


def _plant(core, cfg):
    """The source with the mutant planted: a copy of core/ (own core) or of
    the reference file, patched; returns the make variables naming it."""
    sub = ('mutants-ext' if core.label == 'ref' else 'mutants')
    src = os.path.join(cfg.build, sub, core.mutant, 'src')
    os.makedirs(os.path.dirname(src), exist_ok=True)
    tmp = tempfile.mkdtemp(dir=os.path.dirname(src), prefix='.src.')
    try:
        if core.label == 'own':
            shutil.copytree(os.path.join(cfg.root, 'core'),
                            os.path.join(tmp, 'core'))
        else:
            shutil.copy2(os.path.join(cfg.root, core.htable),
                         os.path.join(tmp, 'htable.c'))
        with open(os.path.join(cfg.root, core.patch)) as patch:
            r = subprocess.run(['patch', '-s', '-p1', '-d', tmp], stdin=patch,
                               capture_output=True, text=True)
        if r.returncode != 0:
            raise BuildError('%s does not apply to %s' % (core.patch,
                                                         core.htable))
        if os.path.isdir(src) and _same_tree(src, tmp):
            shutil.rmtree(tmp)
        else:
            shutil.rmtree(src, ignore_errors=True)
            os.rename(tmp, src)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rel = util.shown_path(src, cfg.root)
    if core.label == 'own':
        return ['CORE=' + os.path.join(rel, 'core')]
    return ['HTABLE_C=' + os.path.join(rel, 'htable.c')]


def _fuzz_flags(root):
    """fuzz/fuzz.mk's compiler flags and input length for htfuzz_sched, as
    make computes them (so that the nightly builds what make fuzz builds)."""
    r = subprocess.run(
        ['make', '-s', '--no-print-directory', '--eval',
         'nightly-fuzz-flags: ; @echo $(FUZZ_MAX_LEN) $(FUZZ_CFLAGS)',
         'nightly-fuzz-flags', 'T=htfuzz_sched'],
        cwd=root, capture_output=True, text=True)
    if r.returncode != 0 or not r.stdout.split():
        raise BuildError('make cannot tell the fuzz flags: %s' %
                         (r.stderr.strip().splitlines() or ['no output'])[-1])
    max_len, *cflags = r.stdout.split()
    return int(max_len), ' '.join(cflags)


class Builder:
    def __init__(self, cfg, log_dir):
        self.cfg = cfg
        self.log_dir = log_dir
        self.fuzz_max_len = None
        self._core_vars = {}

    def _core_make_vars(self, core):
        if core.label not in self._core_vars:
            if core.mutant is not None:
                self._core_vars[core.label] = _plant(core, self.cfg)
            elif core.label == 'ref':
                self._core_vars[core.label] = ['HTABLE_C=' + core.htable]
            else:
                self._core_vars[core.label] = []
        return self._core_vars[core.label]

    def _variant_vars(self, variant):
        if variant.endswith('-access'):
            return ['VARIANT=' + variant[:-len('-access')], 'SEAMS=access']
        if variant != 'fuzz':
            return ['VARIANT=' + variant]
        if self.fuzz_max_len is None:
            self.fuzz_max_len, self._fuzz_cflags = _fuzz_flags(self.cfg.root)
        return ['CC=clang', 'VARIANT=asan',
                'EXTRA_CFLAGS=' + self._fuzz_cflags,
                'FUZZ_LINK=-fsanitize=fuzzer']

    def _by_make_mutant(self, core, variant):
        """Whether `make mutant` builds this one: a mutant of the own core,
        release or tsan, in make's own build directory (the binaries are
        then those make mutant gives anyone, however it builds them)."""
        return (core.label == 'own' and core.mutant is not None and
                variant != 'fuzz' and
                self.cfg.build == os.path.join(self.cfg.root, 'build'))

    def _command(self, core, variant, rel, bins):
        make = ['make', '-s', '-j%d' % (os.cpu_count() or 1)]
        if self._by_make_mutant(core, variant):
            return make + ['mutant', 'M=' + core.mutant] + \
                self._variant_vars(variant)
        return (make + self._variant_vars(variant) +
                self._core_make_vars(core) + ['B=' + rel] +
                list(bins.values()))

    def build(self, core, variant):
        """Build one core in one variant; BuildError if it fails."""
        d = os.path.join(self.cfg.build, _dir_name(core, variant))
        rel = util.shown_path(d, self.cfg.root)
        bins = {t: os.path.join(rel, t) for t in TARGETS[variant]}
        cmd = self._command(core, variant, rel, bins)
        log = os.path.join(self.log_dir, 'build-%s-%s.log' % (core.label,
                                                              variant))
        b = Build(core.label, variant, rel, cmd, bins,
                  fuzz_max_len=self.fuzz_max_len)
        with open(log, 'w') as f:
            f.write('$ %s\n' % util.command_line(cmd))
            f.flush()
            r = subprocess.run(cmd, cwd=self.cfg.root, stdout=f,
                               stderr=subprocess.STDOUT)
        if r.returncode != 0:
            raise BuildError('building the %s core (%s) failed: see %s' % (
                core.label, variant, util.shown_path(log, self.cfg.root)))
        return b
