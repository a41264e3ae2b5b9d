#!/bin/sh
# The nightly's self-test (make test, about 25 s): ci/nightly.sh with tiny
# budgets on cells whose binaries make test has already built (release
# htstress and htreplay, and steal-ignores-locks, which make test's
# mutant runs build).
#  1. bad options: exit 2, one line on stderr, nothing written;
#  2. the own core, controlled mode with windows and with kpm: exit 0,
#     both cells ran and did work, junit.xml has one passing case each;
#  3. a planted bug (steal-ignores-locks, the same state directory):
#     exit 1, the run number moved on (new seeds), every occurrence
#     counted under one signature entry each, and the replay command
#     summary.json gives for the most frequent finding reproduces it;
#  4. the version slice goes round every row of ../shared/variants
#     (ci/nightly/versions.py's choice; running rows is ci/versions.sh's,
#     left out here for time);
#  5. that run's summary.html renders its plots (tests/nightly_html.py;
#     skipped, with a message, without chromium).
# NIGHTLY_TEST_BUILD=dir builds elsewhere than build/ (make test's).
set -u
cd "$(dirname "$0")/.."
out=build/nightly-test
build=${NIGHTLY_TEST_BUILD:-build}
fail() {
	echo "tests/nightly.sh: FAIL: $*" >&2
	exit 1
}
rm -rf "$out"
mkdir -p "$out"

ci/nightly.sh --budget 1h --only 'own/nope' --out "$out/bad" 2>"$out/bad.err"
rc=$?
[ $rc = 2 ] || fail "a filter matching no cell: exit $rc, not 2"
[ "$(wc -l <"$out/bad.err")" = 1 ] || fail "a bad option printed more than one line"
[ ! -e "$out/bad" ] || fail "a bad option wrote $out/bad"

ci/nightly.sh --budget 8 --core own --only 'own/*/controlled' --versions 0 \
    --build "$build" --out "$out/clean" --state "$out/state" 2>"$out/clean.err"
rc=$?
[ $rc = 0 ] || fail "the own core: exit $rc, not 0 ($(tail -1 "$out/clean.err"))"

ci/nightly.sh --budget 8 --core own --only own/kpm/controlled --versions 0 \
    --mutant steal-ignores-locks --build "$build" --out "$out/mutant" \
    --state "$out/state" 2>"$out/mutant.err"
rc=$?
[ $rc = 1 ] || fail "steal-ignores-locks: exit $rc, not 1 ($(tail -1 "$out/mutant.err"))"

python3 - "$out" <<'PY' || exit 1
import json, sys, xml.etree.ElementTree as ET
out = sys.argv[1]
clean = json.load(open(out + '/clean/summary.json'))
mutant = json.load(open(out + '/mutant/summary.json'))
def fail(msg):
    print('tests/nightly.sh: FAIL: ' + msg, file=sys.stderr)
    sys.exit(1)
sys.path.insert(0, 'ci/nightly')
import versions, history
rows = [r[0] for r in history.rows()]
seen = set()
for run in range(1, (len(rows) + 1) // 2 + 1):
    picked = versions.pick(run, 2)
    if len(picked) != min(2, len(rows)):
        fail('version slice of run %d: %s' % (run, picked))
    seen.update(picked)
if seen != set(rows):
    fail('the version slices of %d runs miss %s' % (
        (len(rows) + 1) // 2, sorted(set(rows) - seen)))
import matrix, build
class Core:
    def __init__(self, label, mutant=None):
        self.label, self.mutant = label, mutant
access = [c for c in matrix.full_matrix(('own', 'ref')) if c.kind == 'access']
if sorted(c.name for c in access) != ['own/kpm/access', 'own/window/access',
                                      'ref/kpm/access', 'ref/window/access']:
    fail('access cells: %s' % [c.name for c in access])
# make's names of the SEAMS=access builds (the era suffix left out)
for core, want in ((Core('own'), 'release-access'),
                   (Core('ref'), 'release-ext-access'),
                   (Core('own', 'm'), 'mutant-m-release-access')):
    got = build._dir_name(core, access[0].variant)
    if got != want:
        fail('access build directory %s, not %s' % (got, want))
names = [c['name'] for c in clean['cells']]
if sorted(names) != ['own/kpm/controlled', 'own/window/controlled']:
    fail('clean run cells: %s' % names)
for c in clean['cells']:
    if c['status'] != 'ok' or c['work'].get('ops', 0) <= 0 or c['seconds'] <= 0:
        fail('clean cell %s: %s, %s' % (c['name'], c['status'], c['work']))
cases = ET.parse(out + '/clean/junit.xml').getroot().iter('testcase')
if sorted(c.get('name') for c in cases) != sorted(names):
    fail('junit.xml does not have one test case per cell')
if mutant['run_number'] != clean['run_number'] + 1:
    fail('run numbers %d then %d' % (clean['run_number'], mutant['run_number']))
cell, = mutant['cells']
sigs = [f['signature'] for f in mutant['findings']]
if len(set(sigs)) != len(sigs) or not sigs:
    fail('findings not one per signature: %s' % sigs)
if sum(f['count'] for f in mutant['findings']) != sum(cell['findings'].values()) \
        or sum(cell['findings'].values()) != len(mutant['timeline']):
    fail('occurrences counted differently by findings, cell and timeline')
top = max(mutant['findings'], key=lambda f: f['count'])
if top['verified'] != 'reproduced' or not top['replay']:
    fail('finding %s: replay %s' % (top['signature'], top['verified']))
open(out + '/replay.cmd', 'w').write(top['replay'] + '\n' + top['signature'])
PY
cmd=$(head -1 "$out/replay.cmd")
sig=$(tail -1 "$out/replay.cmd")
$cmd >"$out/replay.log" 2>&1
rc=$?
[ $rc = 1 ] && grep -qF "htreplay: reproduced: $sig" "$out/replay.log" ||
    fail "the replay command ($cmd) did not reproduce '$sig' (exit $rc)"

tests/nightly_html.py "$out/mutant" || fail "summary.html: its plots do not render"
echo "tests/nightly.sh: passed (clean run exit 0, planted bug exit 1," \
    "replayed: $sig)"
