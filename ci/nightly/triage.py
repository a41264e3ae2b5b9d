"""Checking each finding's replay command: the first kept occurrence that
has a reproducer is replayed once more, its interleaving printed to
trace.txt and its verdict to replay.log; the finding is 'reproduced'
only if htreplay reports the same signature again."""

import os
import re
import shlex

import findings
import runner

REPLAY_SECS = 60
TRACE_EVENTS = 80


def _verdict(rc, killed, output, errors, signature, root):
    if killed:
        return 'not reproduced', 'the replay did not end in %d s' % \
            REPLAY_SECS
    m = re.search(r'^htreplay: reproduced: (.+)$', errors, re.M)
    if rc == 1 and m and findings.normalize(m.group(1), root) == signature:
        return 'reproduced', None
    if rc == 1:
        return 'different', (findings.signature_of(output + errors) or
                             findings.fallback_signature(output + errors))
    return 'not reproduced', 'htreplay exit %d' % rc


def verify(store, root, clock, deadline, say):
    """Replay every finding that has a reproducer, while time is left
    before deadline (monotonic)."""
    for f in store.findings():
        if f.replay is None:
            continue
        if clock() >= deadline:
            f.verified, f.verify_note = 'not checked', 'no time left'
            continue
        argv = shlex.split(f.replay)
        argv[1:1] = ['--trace=%d' % TRACE_EVENTS, '--out',
                     os.path.join(f.replay_dir, 'replay')]
        trace = os.path.join(f.replay_dir, 'trace.txt')
        log = os.path.join(f.replay_dir, 'replay.log')
        rc, killed = runner.run(argv, root, trace, clock() + REPLAY_SECS,
                                stderr_path=log)
        with open(trace, errors='replace') as t, \
                open(log, errors='replace') as e:
            f.verified, f.verify_note = _verdict(rc, killed, t.read(),
                                                 e.read(), f.signature, root)
        say('finding %d: replay %s' % (f.id, f.verified))
