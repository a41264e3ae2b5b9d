"""Running a cell of the matrix for its share of the budget.

A cell runs one process after another until its time is up: htstress
(free-running under TSan, or controlled mode) or the libFuzzer target.
A process that finds a bug ends, and the cell starts the next with a new
seed, so one cell can find the same bug many times; each failing
process is one occurrence for the findings store.  A cell whose first
process cannot run at all (exit 2 without doing any work) is in error.

What a cell records: its work (ops, HAT calls, runs, fuzz executions,
steals, reaps), the work done over time (samples of the running total,
one list per process), and for fuzz cells the coverage over time."""

import collections
import glob
import json
import os
import re
import shutil
import signal
from dataclasses import dataclass, field

import findings
import runner
import util

# how long a process may outlive its slice: a stuck free-running run is
# reported as a hang by htstress itself after HANG_SECS first
HANG_SECS = 20
GRACE = 30
MIN_PROCESS = 1.0       # seconds: no process is started for less
MIN_FUZZ = 3.0          # libFuzzer's time limit is whole seconds
TRIAGE_SECS = 60        # a replay of one fuzz input
WINDDOWN = {'stress': 2.0, 'controlled': 0.2, 'access': 0.2}  # guesses
HTSTRESS_MODE = {'stress': ['--hang-secs', str(HANG_SECS)],
                 'controlled': ['--mode', 'controlled'],
                 'access': ['--mode', 'controlled']}
ARTIFACT = re.compile(r'^(crash|leak|timeout|oom|slow-unit)-')
FUZZ_STATUS = re.compile(r'^#(\d+)\s+(\w+)\s+cov: (\d+) ft: (\d+) corp: (\d+)')
FUZZ_EXECS = re.compile(r'^stat::number_of_executed_units:\s+(\d+)')


@dataclass
class CellRun:
    cell: object
    status: str = 'skipped'         # ok, found, error, skipped
    reason: str = None              # why error or skipped
    start: float = None             # seconds since the nightly began
    seconds: float = 0.0
    processes: int = 0
    command: str = None             # the first process's command
    work: collections.Counter = field(default_factory=collections.Counter)
    samples: list = field(default_factory=list)    # [[(t, total)], ...]
    coverage: list = field(default_factory=list)   # [(t, cov, ft, corpus)]
    corpus_before: int = None
    corpus_after: int = None
    found: collections.Counter = field(default_factory=collections.Counter)

    @property
    def unit(self):
        """What the cell's rate counts per second."""
        return 'execs/s' if self.cell.kind == 'fuzz' else 'ops/s'


class Context:
    """What every cell needs: the clock, the seeds, the findings store and
    where files go."""

    def __init__(self, cfg, state, store, clock, t0, say):
        self.cfg = cfg
        self.state = state
        self.store = store
        self.clock = clock      # monotonic seconds
        self.t0 = t0            # when the nightly began, on that clock
        self.say = say
        # seconds an htstress process takes past its --seconds (teardown,
        # the final check), as last seen: each asks for that much less
        self.winddown = dict(WINDDOWN)

    def now(self):
        return self.clock() - self.t0

    def rel(self, path):
        return util.shown_path(path, self.cfg.root)

    def cell_dir(self, cell):
        d = os.path.join(self.cfg.out, 'cells', cell.slug)
        os.makedirs(d, exist_ok=True)
        return d


def _last_line(text, prefix):
    lines = [l for l in text.splitlines() if l.strip()]
    mine = [l for l in lines if l.startswith(prefix)]
    return (mine or lines or ['(no output)'])[-1].strip()


def _failure(rc, killed, log_text, did_work, prefix):
    """What a process that did not exit 0 means: ('finding', signature) or
    ('error', the line that says why it could not run: the last one with
    the prefix, else the last one)."""
    if killed:
        return 'finding', ('no exit %d s after its time (killed by the '
                           'nightly)' % GRACE)
    if rc == 1:
        return 'finding', (findings.signature_of(log_text) or
                           findings.fallback_signature(log_text))
    if rc < 0:
        return 'finding', 'killed by %s without a report' % \
            signal.Signals(-rc).name
    if not did_work:
        return 'error', _last_line(log_text, prefix)
    return 'finding', 'testbed failure: exit %d (%s)' % (
        rc, _last_line(log_text, prefix))


def _read_progress(path, t_start):
    """The --progress-json samples as (nightly time, ops, runs)."""
    out = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if line.endswith('\n'):
                    s = json.loads(line)
                    out.append((t_start + s['t'], s['ops'], s['runs']))
    return out


def _htstress_work(result_path, progress):
    """A process's work: its --json summary, else its last sample."""
    if os.path.exists(result_path):
        with open(result_path) as f:
            j = json.load(f)
        return {k: j.get(k, 0) for k in ('ops', 'hat_ops', 'runs', 'steals',
                                          'reaps')}
    if progress:
        return {'ops': progress[-1][1], 'runs': progress[-1][2]}
    return {}


def _keep_log(pdir, cdir, name):
    """A cell keeps the log of its last process, unless a finding took it."""
    src = os.path.join(pdir, name)
    if os.path.exists(src):
        os.replace(src, os.path.join(cdir, 'last-process.log'))


def run_htstress(ctx, cell, build, end):
    """A stress or controlled cell until ctx.now() reaches end."""
    r = CellRun(cell, status='ok', start=ctx.now())
    base = [build.bins['htstress']] + HTSTRESS_MODE[cell.kind] + \
        (['--kpm'] if cell.memory == 'kpm' else [])
    cdir = ctx.cell_dir(cell)
    i = 0
    while r.status != 'error':
        secs = end - ctx.now() - ctx.winddown[cell.kind]
        if secs < MIN_PROCESS:
            break
        pdir = os.path.join(cdir, 'process-%d' % i)
        os.makedirs(pdir, exist_ok=True)
        argv = base + ['--seconds', '%.1f' % secs,
                       '--seed', str(ctx.state.seed(cell, i))]
        if r.command is None:
            r.command = util.command_line(argv)
        _htstress_process(ctx, r, argv, pdir, end, secs)
        _keep_log(pdir, cdir, 'log.txt')
        shutil.rmtree(pdir, ignore_errors=True)
        i += 1
    r.seconds = ctx.now() - r.start
    return r


def _htstress_process(ctx, r, argv, pdir, end, secs):
    files = {k: os.path.join(pdir, k) for k in
             ('result.json', 'progress.jsonl', 'log.txt')}
    t_start = ctx.now()
    rc, killed = runner.run(
        argv + ['--quiet', '--out', ctx.rel(pdir),
                '--json', ctx.rel(files['result.json']),
                '--progress-json', ctx.rel(files['progress.jsonl'])],
        ctx.cfg.root, files['log.txt'], ctx.t0 + end + GRACE)
    if rc == 0 and not killed:
        ctx.winddown[r.cell.kind] = max(0.0, ctx.now() - t_start - secs)
    r.processes += 1
    progress = _read_progress(files['progress.jsonl'], t_start)
    work = _htstress_work(files['result.json'], progress)
    r.samples.append([(t, r.work['ops'] + ops) for t, ops, _ in progress])
    r.work.update(work)
    if rc == 0 and not killed:
        return
    with open(files['log.txt'], errors='replace') as f:
        log = f.read()
    what, text = _failure(rc, killed, log, bool(work.get('ops')) or
                          r.processes > 1, 'htstress:')
    if what == 'error':
        r.status, r.reason = 'error', text
        return
    _htstress_occurrence(ctx, r, argv, pdir, log, text)


def _htstress_occurrence(ctx, r, argv, pdir, log, signature):
    repro = glob.glob(os.path.join(pdir, 'repro-*.txt'))
    report = glob.glob(os.path.join(pdir, 'failure-*.txt'))
    replay = None
    if repro:
        htreplay = os.path.join(os.path.dirname(argv[0]), 'htreplay')
        replay = '%s {dir}/repro.txt' % htreplay
    occ = findings.Occurrence(
        signature, r.cell.name, ctx.now(), util.command_line(argv), replay,
        {'report.txt': report[0] if report else None,
         'repro.txt': repro[0] if repro else None,
         'log.txt': os.path.join(pdir, 'log.txt')},
        rerun_exact=r.cell.kind in ('controlled', 'access'),
        known=findings.known_of(log))
    f = ctx.store.add(occ)
    r.found[f.signature] += 1
    r.status = 'found'


def run_fuzz(ctx, cell, build, end):
    """A fuzz cell: libFuzzer on the core's corpus until ctx.now() reaches
    end, restarted after each crash."""
    r = CellRun(cell, status='ok', start=ctx.now())
    corpus = ctx.state.corpus(cell.core)
    r.corpus_before = len(os.listdir(corpus))
    cdir = ctx.cell_dir(cell)
    i = 0
    while end - ctx.now() >= MIN_FUZZ and r.status != 'error':
        pdir = os.path.join(cdir, 'process-%d' % i)
        os.makedirs(pdir, exist_ok=True)
        argv = [build.bins['htfuzz_sched'],
                '-max_total_time=%d' % int(end - ctx.now()),
                '-max_len=%d' % build.fuzz_max_len,
                '-seed=%d' % ctx.state.seed(cell, i), '-timeout=60',
                '-print_final_stats=1',
                '-artifact_prefix=%s/' % ctx.rel(pdir),
                ctx.rel(corpus), 'corpus/htfuzz_sched']
        if r.command is None:
            r.command = util.command_line(argv)
        _fuzz_process(ctx, r, argv, pdir, end, build)
        _keep_log(pdir, cdir, 'fuzz-log.txt')
        shutil.rmtree(pdir, ignore_errors=True)
        i += 1
    r.corpus_after = len(os.listdir(corpus))
    r.seconds = ctx.now() - r.start
    return r


def _fuzz_process(ctx, r, argv, pdir, end, build):
    segment, base = [], r.work['execs']
    execs = [0]

    def on_line(mono, line):
        t = mono - ctx.t0
        m = FUZZ_STATUS.match(line)
        if m:
            execs[0] = int(m.group(1))
            segment.append((t, base + execs[0]))
            r.coverage.append((t, int(m.group(3)), int(m.group(4)),
                               int(m.group(5))))
        m = FUZZ_EXECS.match(line)
        if m:
            execs[0] = int(m.group(1))
            segment.append((t, base + execs[0]))

    log_path = os.path.join(pdir, 'fuzz-log.txt')
    rc, killed = runner.run(argv, ctx.cfg.root, log_path,
                            ctx.t0 + end + GRACE, on_line)
    r.processes += 1
    r.samples.append(segment)
    r.work['execs'] += execs[0]
    artifacts = sorted(p for p in os.listdir(pdir) if ARTIFACT.match(p))
    for a in artifacts:
        _fuzz_occurrence(ctx, r, build, os.path.join(pdir, a), log_path)
    if (rc == 0 and not killed) or artifacts:
        return
    with open(log_path, errors='replace') as f:
        log = f.read()
    what, text = _failure(rc, killed, log, execs[0] > 0 or r.processes > 1,
                          'ERROR:')
    if what == 'error':
        r.status, r.reason = 'error', text
        return
    occ = findings.Occurrence(text, r.cell.name, ctx.now(),
                              util.command_line(argv), None,
                              {'fuzz-log.txt': log_path})
    r.found[ctx.store.add(occ).signature] += 1
    r.status = 'found'


def _fuzz_occurrence(ctx, r, build, artifact, fuzz_log):
    """Triage a fuzz input: htreplay --fuzz-input, built like the fuzz
    target, replays it, names its signature and writes its reproducer."""
    tdir = artifact + '.triage'
    os.makedirs(tdir)
    htreplay = build.bins['htreplay']
    log_path = os.path.join(tdir, 'log.txt')
    rc, killed = runner.run(
        [htreplay, '--fuzz-input', '--out', ctx.rel(tdir), ctx.rel(artifact)],
        ctx.cfg.root, log_path, ctx.clock() + TRIAGE_SECS)
    with open(log_path, errors='replace') as f:
        log = f.read()
    kind = ARTIFACT.match(os.path.basename(artifact)).group(1)
    if rc == 1 and not killed:
        sig = findings.signature_of(log) or findings.fallback_signature(log)
    else:
        sig = 'fuzz %s input that htreplay --fuzz-input does not reproduce' \
            ' (exit %s)' % (kind, 'killed' if killed else rc)
    repro = os.path.join(tdir, 'repro-fuzz.txt')
    report = glob.glob(os.path.join(tdir, 'failure-*.txt'))
    occ = findings.Occurrence(
        sig, r.cell.name, ctx.now(),
        '%s {dir}/input' % build.bins['htfuzz_sched'],
        '%s {dir}/repro.txt' % htreplay if os.path.exists(repro) else None,
        {'input': artifact, 'repro.txt': repro, 'log.txt': log_path,
         'report.txt': report[0] if report else None,
         'fuzz-log.txt': fuzz_log}, rerun_exact=True,
        known=findings.known_of(log) if rc == 1 else None)
    r.found[ctx.store.add(occ).signature] += 1
    r.status = 'found'
