#!/bin/sh
# The nightly run: a matrix of {own core, reference core} x {window, kpm} x
# {free-running TSan stress, controlled mode, fuzz} within a time budget,
# findings deduplicated by signature, and a report people can read
# (summary.md, summary.html) and CI can (junit.xml, summary.json).
#
#   ci/nightly.sh --budget 20m [--only GLOBS] [--core own|ref|all]
#                 [--htable FILE] [--mutant NAME] [--out DIR] [--state DIR]
#                 [--build DIR] [--keep N]
#   ci/nightly.sh --help          every option
#
# Exit: 0 nothing found, 1 something found, 2 could not run (one line on
# stderr says why).  The work is done by ci/nightly/main.py.
cd "$(dirname "$0")/.." || exit 2
command -v python3 >/dev/null 2>&1 || {
	echo "nightly: could not run: python3 is missing (ci/deps.sh install)" >&2
	exit 2
}
exec python3 ci/nightly/main.py "$@"
