"""Running one command of a cell: in its own process group, its output
saved to a log file line by line (each line also handed to a callback
with the time it arrived), and the whole group killed if it runs past
its deadline.  Only the group this module started is ever signalled."""

import os
import signal
import subprocess
import threading
import time

_current = None         # the running child, for stop_current()


def stop_current():
    """Kill the process group of the command running now, if any."""
    p = _current
    if p is not None and p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def run(argv, cwd, log_path, kill_at, on_line=None, stderr_path=None):
    """Run argv until it exits or the monotonic clock reaches kill_at; its
    standard error goes to stderr_path if given, else to the log with its
    output.  Returns (exit code, killed): the code is negative for a
    signal, as subprocess gives it."""
    global _current
    killed = threading.Event()
    err = open(stderr_path, 'wb') if stderr_path else subprocess.STDOUT
    with open(log_path, 'wb') as log:
        p = subprocess.Popen([str(a) for a in argv], cwd=cwd,
                             stdout=subprocess.PIPE, stderr=err,
                             start_new_session=True)
        _current = p

        def kill():
            killed.set()
            stop_current()

        timer = threading.Timer(max(0.0, kill_at - time.monotonic()), kill)
        timer.start()
        try:
            for raw in p.stdout:
                log.write(raw)
                if on_line is not None:
                    on_line(time.monotonic(),
                            raw.decode('utf-8', 'replace').rstrip('\n'))
            rc = p.wait()
        finally:
            timer.cancel()
            _current = None
            if stderr_path:
                err.close()
    return rc, killed.is_set()
