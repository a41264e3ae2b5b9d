#!/usr/bin/env python3
"""Compare two fuzz feedbacks on the runs mutants/run.sh left behind.

usage: ci/fuzz_compare.py [--dir DIR] SEAMS FEEDBACK_A FEEDBACK_B MUTANT...

For each mutant, reads DIR/MUTANT/fuzz-SEAMS-FEEDBACK-N/log (DIR is
build/mutants: the libFuzzer logs of `mutants/run.sh --seams SEAMS
--fuzz-feedback "A B"`),
takes each run's executions (to the crash, or to the cap for a run that
found nothing: a miss ranks above every find of fewer executions) and
prints a markdown row: runs that found the bug, median and mean
executions of each feedback, and the two-sided Mann-Whitney U test of the
two samples (normal approximation, ties corrected).
"""
import glob
import math
import re
import statistics
import sys


def die(msg):
    """bad input: one line, exit 2"""
    print("fuzz_compare: " + msg, file=sys.stderr)
    sys.exit(2)


def runs(root, mutant, seams, feedback):
    """[(executions, found)] of every run of one feedback"""
    out = []
    pattern = "%s/%s/fuzz-%s-%s-*/log" % (root, mutant, seams, feedback)
    for log in sorted(glob.glob(pattern)):
        text = open(log, errors="replace").read()
        m = re.search(r"stat::number_of_executed_units:\s*(\d+)", text)
        if m is None:
            die("%s has no executions count" % log)
        found = bool(glob.glob(log[:-len("log")] + "crash-*"))
        out.append((int(m.group(1)), found))
    return out


def mann_whitney(a, b):
    """U of sample a, and the two-sided p (normal approximation)"""
    both = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    ranks, i = [0.0] * len(both), 0
    ties = 0.0
    while i < len(both):
        j = i
        while j + 1 < len(both) and both[j + 1][0] == both[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        t = j - i + 1
        ties += t ** 3 - t
        i = j + 1
    n1, n2 = len(a), len(b)
    r1 = sum(r for r, (_, s) in zip(ranks, both) if s == 0)
    u = r1 - n1 * (n1 + 1) / 2
    n = n1 + n2
    var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    if var <= 0:
        return u, 1.0
    z = (u - n1 * n2 / 2) / math.sqrt(var)
    return u, math.erfc(abs(z) / math.sqrt(2))


def main(argv):
    root = "build/mutants"
    if len(argv) > 2 and argv[1] == "--dir":
        root, argv = argv[2], argv[:1] + argv[3:]
    if len(argv) < 5:
        die(__doc__.strip().splitlines()[2])
    seams, fa, fb = argv[1:4]
    rows = []
    for mutant in argv[4:]:
        ra = runs(root, mutant, seams, fa)
        rb = runs(root, mutant, seams, fb)
        if not ra or not rb:
            die("no runs of %s for %s and %s" % (mutant, fa, fb))
        rows.append(row(mutant, ra, rb))
    print("| mutant | %s: found | median | mean | %s: found | median | mean"
          " | U | p |" % (fa, fb))
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


def row(mutant, ra, rb):
    """the table row of one mutant's two samples"""
    xa, xb = [e for e, _ in ra], [e for e, _ in rb]
    u, p = mann_whitney(xa, xb)
    return "| %s | %d/%d | %s | %s | %d/%d | %s | %s | %.0f | %.2f |" % (
        mutant, sum(f for _, f in ra), len(ra),
        format(int(statistics.median(xa)), ","),
        format(int(statistics.mean(xa)), ","),
        sum(f for _, f in rb), len(rb),
        format(int(statistics.median(xb)), ","),
        format(int(statistics.mean(xb)), ","), u, p)


if __name__ == "__main__":
    main(sys.argv)
