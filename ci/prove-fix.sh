#!/usr/bin/env bash
# Prove a finding's fix with the testbed: the finding's program
# (corpus/findings/<name>/repro-min.txt) under new schedules, --runs per
# cell, in every memory mode (window, kpm) and strategy (random, pct), on
# the own core (which carries the fix), on illumos files with the fix
# (make fixed) and without it.  A cell that finds the finding (or
# anything: the runs fail on known findings too) stops at its first
# failure and says after how many runs.  Writes the table to
# build/prove-<name>.md and prints it.
#
# usage: ci/prove-fix.sh NAME [--runs N] [--seed S] [--jobs J]
#        (files: the 2015 reference and the newest upstream, fixed; the
#        reference unpatched; UNPATCHED_NEWEST=1 adds the newest unpatched)
# exit: 0 the table was written; 2 a bad option or a build that failed
set -u
cd "$(dirname "$0")/.."
name=${1:?usage: ci/prove-fix.sh NAME [--runs N] [--seed S] [--jobs J]}
shift
runs=100000 seed=101 jobs=2
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	*) echo "ci/prove-fix.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
dir=corpus/findings/$name
prog=$dir/repro-min.txt
[ -f "$prog" ] && [ -f "$dir/fix.patch" ] ||
	{ echo "ci/prove-fix.sh: $dir needs repro-min.txt and fix.patch" >&2; exit 2; }
ref=${REF_HTABLE:-../shared/reference/htable.c}
newest=$(make -s -p -n 2>/dev/null | sed -n 's/^NEWEST_HTABLE ?= //p' | head -1)
export HTBED_FAIL_ON_KNOWN=1
work=build/prove-$name
rm -rf "$work" && mkdir -p "$work"

b() { make -s "$@" >>"$work/build.log" 2>&1 || { echo "ci/prove-fix.sh: make $* failed (see $work/build.log)" >&2; exit 2; }; }
b build/release/htstress
b HTABLE_C="$ref" build/release-ext-2015/htstress
b HTABLE_C="$newest" build/release-ext/htstress
b fixed FINDING="$name" HTABLE_C="$ref"
b fixed FINDING="$name" HTABLE_C="$newest"
cores=("own core (fixed)|build/release/htstress"
    "newest upstream, fixed|build/fix-$name-release-ext/htstress"
    "2015 reference, fixed|build/fix-$name-release-ext-2015/htstress"
    "2015 reference, unpatched|build/release-ext-2015/htstress")
[ -n "${UNPATCHED_NEWEST:-}" ] &&
	cores+=("newest upstream, unpatched|build/release-ext/htstress")

cell() {	# index core-label binary memory strategy
	local log=$work/$1.log t0=$SECONDS rc res
	"$3" --mode controlled --program "$prog" --runs "$runs" --seconds 0 \
	    --seed "$seed" --strategy "$5" $([ "$4" = kpm ] && echo --kpm) \
	    --quiet --out "$work/out-$1" >"$log" 2>&1
	rc=$?
	case $rc in
	0) res="nothing in $runs runs" ;;
	1) res="**found** in run $(sed -n 's/^reproducer: .* (run \([0-9]*\),.*/\1/p' "$log" | head -1): $(sed -n 's/^signature: //p' "$log" | head -1)" ;;
	*) res="exit $rc: $(tail -1 "$log")" ;;
	esac
	echo "| $2 | $4 | $5 | $res | $((SECONDS - t0)) s |" >"$work/$1.row"
}

i=0
for c in "${cores[@]}"; do
	for mem in window kpm; do
		for st in random pct; do
			cell $i "${c%%|*}" "${c#*|}" $mem $st &
			i=$((i + 1))
			while [ "$(jobs -r | wc -l)" -ge "$jobs" ]; do wait -n; done
		done
	done
done
wait
{
	echo "\`ci/prove-fix.sh $name --runs $runs --seed $seed\` ($(date -u +%Y-%m-%d)):"
	echo "\`htstress --mode controlled --program $prog --runs $runs --seconds 0"
	echo "--seed $seed --strategy S [--kpm]\`, failing on known findings too."
	echo
	echo "| core | memory | strategy | result | time |"
	echo "|---|---|---|---|---|"
	for j in $(seq 0 $((i - 1))); do cat "$work/$j.row"; done
} >"build/prove-$name.md"
cat "build/prove-$name.md"
