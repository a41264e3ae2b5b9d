"""ci/nightly.sh: the nightly run.  Options: config.py (ci/nightly.sh
--help).  In order: check the options and the dependencies (nothing is
written if either fails), take the next run number (the seeds), build
what the cells run, run the cells one after another, each for an equal
share of the time left, replay each finding's reproducer, write the
reports.

Exit: 0 nothing found, or only known findings (corpus/findings/*/finding;
listed, counted, after the new ones); 1 something new found (or anything,
with --fail-on-known); 2 could not run -- a bad
option, a missing dependency, a failed build, a cell that could not
start, or a signal -- with one line on stderr saying why."""

import datetime
import os
import shutil
import signal
import subprocess
import sys
import time
import traceback

import build
import cells
import config
import findings
import page
import report
import runner
import state
import triage
import util
import versions

MIN_CELL = 1.0          # seconds: a cell given less is skipped


class Interrupted(Exception):
    pass


def say(msg):
    print('nightly: %s' % msg, file=sys.stderr, flush=True)


def missing_dependencies(root):
    """The reason the testbed cannot be built here, or None."""
    r = subprocess.run(['sh', 'ci/deps.sh', 'check'], cwd=root,
                       capture_output=True, text=True)
    if r.returncode == 0:
        return None
    lines = (r.stderr + r.stdout).strip().splitlines() or ['ci/deps.sh failed']
    return lines[0].replace('htbed: ', '') + ' (ci/deps.sh install)'


def _clear_previous(out):
    """The previous run's results go; the state directory stays."""
    for name in ('cells', 'findings', 'logs'):
        shutil.rmtree(os.path.join(out, name), ignore_errors=True)
    for name in ('summary.json', 'summary.md', 'summary.html', 'junit.xml'):
        if os.path.exists(os.path.join(out, name)):
            os.unlink(os.path.join(out, name))
    os.makedirs(os.path.join(out, 'logs'))


def _cell_dict(r):
    c = r.cell
    work = r.work['execs'] if c.kind == 'fuzz' else r.work['ops']
    return {
        'name': c.name, 'core': c.core, 'memory': c.memory, 'kind': c.kind,
        'variant': c.variant, 'status': r.status, 'reason': r.reason,
        'start_s': r.start, 'seconds': round(r.seconds, 3),
        'processes': r.processes, 'command': r.command,
        'work': dict(r.work),
        'rate': {'unit': r.unit,
                 'mean': work / r.seconds if r.seconds > 0 else 0.0},
        'samples': [[(round(t, 3), w) for t, w in seg] for seg in r.samples],
        'coverage': [(round(p[0], 3),) + tuple(p[1:]) for p in r.coverage],
        'corpus_before': r.corpus_before, 'corpus_after': r.corpus_after,
        'findings': dict(r.found)}


def _finding_dict(f):
    return {'id': f.id, 'signature': f.signature, 'count': f.count,
            'cells': dict(f.cells), 'first_s': round(f.first_t, 3),
            'last_s': round(f.last_t, 3), 'examples': f.examples,
            'replay': f.replay, 'repeat': f.repeat,
            'rerun_exact': f.rerun_exact, 'verified': f.verified,
            'verify_note': f.verify_note, 'known': f.known}


class Nightly:
    def __init__(self, cfg, t0):
        self.cfg = cfg
        self.clock = time.monotonic
        self.t0 = t0
        self.deadline = self.t0 + cfg.budget
        self.started = datetime.datetime.now(datetime.timezone.utc)
        self.builds = {}
        self.results = []
        self.error = None
        self.versions = None

    def _build_all(self, builder):
        for cell in self.cfg.cells:
            key = (cell.core, cell.variant)
            if key in self.builds:
                continue
            core = next(c for c in self.cfg.cores if c.label == cell.core)
            t = self.clock()
            say('building the %s core (%s)' % (cell.core, cell.variant))
            b = builder.build(core, cell.variant)
            b.seconds = self.clock() - t
            self.builds[key] = b

    def _run_cells(self, ctx):
        reserve = max(1.0, min(120.0, 0.05 * self.cfg.budget))
        end_all = self.deadline - reserve - self.t0
        todo = list(self.cfg.cells)
        for k, cell in enumerate(todo):
            share = (end_all - ctx.now()) / (len(todo) - k)
            if share < MIN_CELL:
                self.results.append(cells.CellRun(
                    cell, reason='no time left in the budget'))
                continue
            run = cells.run_fuzz if cell.kind == 'fuzz' else cells.run_htstress
            r = run(ctx, cell, self.builds[(cell.core, cell.variant)],
                    ctx.now() + share)
            self.results.append(r)
            say('%s: %s in %s, %d process%s, %s' % (
                cell.name, r.status, util.fmt_duration(r.seconds),
                r.processes, '' if r.processes == 1 else 'es',
                r.reason or '%d occurrence(s)' % sum(r.found.values())))
        ran = [r for r in self.results if r.status != 'skipped']
        if not ran:
            self.error = ('the budget leaves no time for the %d cells after '
                          'the builds' % len(todo))
        errors = [r for r in self.results if r.status == 'error']
        if errors and self.error is None:
            self.error = 'cell %s could not run: %s' % (errors[0].cell.name,
                                                        errors[0].reason)

    def run(self):
        cfg = self.cfg
        _clear_previous(cfg.out)
        st = state.State(cfg.state)
        st.begin_run()
        store = findings.Store(os.path.join(cfg.out, 'findings'), cfg.keep,
                               cfg.root)
        ctx = cells.Context(cfg, st, store, self.clock, self.t0, say)
        self.build_s = 0.0
        try:
            self.versions = versions.run_slice(cfg, st.run, self.clock, say)
            self._build_all(build.Builder(cfg, os.path.join(cfg.out, 'logs')))
            self.build_s = self.clock() - self.t0 - (
                self.versions['seconds'] if self.versions else 0)
            self._run_cells(ctx)
            triage.verify(store, cfg.root, self.clock, self.deadline, say)
        except build.BuildError as e:
            self.error = str(e)
        except Interrupted:
            self.error = 'interrupted by a signal'
        return self._finish(st, store)

    def _finish(self, st, store):
        cfg = self.cfg
        found = store.findings()
        for r in self.results:      # a cell that found known ones only
            if r.status == 'found' and all(
                    store.by_signature[sig].known for sig in r.found):
                r.status = 'known'
        failing = found if cfg.fail_on_known else store.new()
        vfail = self.versions is not None and self.versions['exit_code'] != 0
        if self.versions and self.versions['exit_code'] == 2 and \
                not self.error:
            self.error = 'the version slice could not run (%s)' % \
                util.shown_path(self.versions['log'], cfg.root)
        code = 2 if self.error else (1 if failing or vfail else 0)
        s = {'result': {0: 'ok', 1: 'found', 2: 'error'}[code],
             'exit_code': code, 'reason': self.error,
             'started_utc': self.started.strftime('%Y-%m-%d %H:%M UTC'),
             'budget_s': cfg.budget, 'elapsed_s': self.clock() - self.t0,
             'build_s': self.build_s, 'host_cores': os.cpu_count() or 1,
             'run_number': st.run, 'seed_base': st.run * state.SEEDS_PER_RUN,
             'state': util.shown_path(cfg.state, cfg.root),
             'cores': [vars(c) for c in cfg.cores],
             'builds': [{'core': b.core, 'variant': b.variant, 'dir': b.dir,
                         'command': util.command_line(b.command),
                         'seconds': round(b.seconds, 1)}
                        for b in self.builds.values()],
             'cells': [_cell_dict(r) for r in self.results],
             'versions': self.versions and dict(
                 self.versions, table=util.shown_path(
                     self.versions['table'], cfg.root),
                 log=util.shown_path(self.versions['log'], cfg.root)),
             'findings': [_finding_dict(f) for f in found],
             'timeline': [(round(t, 3), i) for t, i in store.timeline]}
        report.write_all(s, cfg.out, page.render)
        out = util.shown_path(cfg.out, cfg.root)
        if self.error:
            say('could not run: %s' % self.error)
        say('%s; %s/summary.md' % (report.headline(s), out))
        return code


def _on_signal(signum, frame):
    runner.stop_current()
    raise Interrupted()


def main(argv):
    t0 = time.monotonic()       # the budget counts from here
    root = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    try:
        cfg = config.parse(argv, root)
    except config.UsageError as e:
        print('nightly: %s (ci/nightly.sh --help)' % e, file=sys.stderr)
        return 2
    why = missing_dependencies(root)
    if why is not None:
        say('could not run: %s' % why)
        return 2
    # every process fails on a known finding too, and says which it is
    os.environ['HTBED_FAIL_ON_KNOWN'] = '1'
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        return Nightly(cfg, t0).run()
    except Exception as e:
        runner.stop_current()
        path = os.path.join(cfg.out, 'logs', 'nightly-error.txt')
        util.write_atomic(path, traceback.format_exc())
        say('could not run: an error in the nightly itself (%s: %s); see %s'
            % (type(e).__name__, e, util.shown_path(path, root)))
        return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
