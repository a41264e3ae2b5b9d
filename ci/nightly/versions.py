"""The version matrix's slice of a nightly run: --versions rows of
ci/versions.sh (docs/versions.md's runs, --versions-seconds each), chosen
by the run number so that successive nights go round every version of
../shared/variants.  The slice runs before the cells; its time comes out
of the budget."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
import history  # noqa: E402  (ci/history.py: the rows, in date order)


def pick(run, n):
    """The n rows of run number run (1, 2, ...), wrapping round."""
    rows = [r[0] for r in history.rows()]
    if not rows or n <= 0:
        return []
    start = ((run - 1) * n) % len(rows)
    return [rows[(start + i) % len(rows)] for i in range(min(n, len(rows)))]


def run_slice(cfg, run, clock, say):
    """Run the slice: its summary dict, or None without variants."""
    if cfg.versions <= 0 or not os.path.isdir(os.path.join(
            cfg.root, history.VARIANTS)):
        return None
    rows = pick(run, cfg.versions)
    table = os.path.join(cfg.out, 'versions.md')
    log = os.path.join(cfg.out, 'logs', 'versions.log')
    os.makedirs(os.path.dirname(log), exist_ok=True)
    say('version slice: %s, %d s a run' % (', '.join(rows),
                                           cfg.versions_seconds))
    t = clock()
    with open(log, 'w') as f:
        rc = subprocess.call(
            ['ci/versions.sh', '--only', ','.join(rows), '--seconds',
             str(cfg.versions_seconds), '--out', table],
            cwd=cfg.root, stdout=f, stderr=subprocess.STDOUT)
    return {'rows': rows, 'exit_code': rc, 'seconds': clock() - t,
            'table': table, 'log': log}
