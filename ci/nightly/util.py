"""What the nightly's modules share: whole-or-nothing files, durations and
counts as people read them, paths as commands print them."""

import os
import re
import shlex
import tempfile


def write_atomic(path, text):
    """path ends up holding text whole, or stays as it was: the text goes to
    a temporary file in the same directory, which is then renamed."""
    directory = os.path.dirname(path) or '.'
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory,
                               prefix='.' + os.path.basename(path) + '.')
    try:
        with os.fdopen(fd, 'w') as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


_DURATION = re.compile(r'(\d+(?:\.\d+)?)([hms]?)')
_UNIT = {'h': 3600, 'm': 60, 's': 1, '': 1}


def parse_duration(text):
    """'1200', '90s', '20m', '1h30m' -> seconds; ValueError otherwise."""
    pos, total = 0, 0.0
    text = text.strip()
    while pos < len(text):
        m = _DURATION.match(text, pos)
        if m is None or m.end() == pos:
            raise ValueError(text)
        total += float(m.group(1)) * _UNIT[m.group(2)]
        pos = m.end()
    if not text or total <= 0:
        raise ValueError(text)
    return total


def fmt_duration(secs):
    """A duration the way a person writes it: 1h02m, 19m58s, 42s, 0.8s."""
    if secs < 10:
        return '%.1fs' % secs
    s = int(round(secs))
    if s < 60:
        return '%ds' % s
    if s < 3600:
        return '%dm%02ds' % (s // 60, s % 60)
    return '%dh%02dm' % (s // 3600, s % 3600 // 60)


def fmt_count(n):
    """A count to three figures: 987, 12.3k, 4.56M."""
    for div, suffix in ((1e9, 'G'), (1e6, 'M'), (1e3, 'k')):
        if n >= div:
            v = n / div
            return ('%.3g' % v) + suffix
    return '%d' % n


def shown_path(path, root):
    """path as a command line run from root shows it: relative when it lies
    under root, absolute otherwise."""
    path = os.path.abspath(path)
    if path == root or path.startswith(root + os.sep):
        return os.path.relpath(path, root)
    return path


def command_line(argv):
    return shlex.join(str(a) for a in argv)
