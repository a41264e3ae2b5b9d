#!/usr/bin/env bash
# The mutant detection table.  For every planted bug (or those named) and
# every variant, build htstress with the bug in, run it free-running for
# up to the budget, and record whether it found a bug, what kind (the
# failure signature) and after how long.
#
# usage: mutants/run.sh [--seconds N] [--variants "release tsan"]
#                       [--seed N] [--out FILE] [--require]
#                       [--htable FILE] [mutant ...]
#   --require   exit 1 unless every mutant run was detected (make test)
#   --htable    run mutants/ext/*.patch against FILE (an illumos htable.c)
#               instead of mutants/*.patch against core/; the table goes to
#               mutants/results-ext.md
# A mutant's header may restrict it ("# Variants: tsan": a race only
# ThreadSanitizer sees) and demand more than a bug report
# ("# Must-report: TEXT": the run's output must contain TEXT).
# exit: 0 table written (and, with --require, all detected), 1 a required
# detection missed, 2 a mutant did not build or a bad option.
set -u
cd "$(dirname "$0")/.."

seconds=60 variants="release tsan" seed=1 out= require=0 htable=
names=()
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds=$2; shift 2 ;;
	--variants) variants=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--require) require=1; shift ;;
	--htable) htable=$2; shift 2 ;;
	-*) echo "mutants/run.sh: unknown option $1" >&2; exit 2 ;;
	*) names+=("$1"); shift ;;
	esac
done
if [ -n "$htable" ]; then
	[ -f "$htable" ] || { echo "mutants/run.sh: $htable does not exist" >&2; exit 2; }
	dir=mutants/ext bin=build/mutant-ext- work=build/mutants-ext
	mk=(HTABLE_C="$htable") against=$htable
	: "${out:=mutants/results-ext.md}"
else
	dir=mutants bin=build/mutant- work=build/mutants mk=() against=core/
	: "${out:=mutants/results.md}"
fi
[ ${#names[@]} -gt 0 ] || names=($(ls $dir/*.patch | sed 's#.*/##; s#\.patch$##'))

# a header line "# Field: value" of mutant $1
header() {
	sed -n "s/^# $2: *//p" "$dir/$1.patch" | head -1
}

rows=() missed=0
for m in "${names[@]}"; do
	[ -f "$dir/$m.patch" ] || { echo "mutants/run.sh: no mutant $m in $dir" >&2; exit 2; }
	only=$(header "$m" Variants) must=$(header "$m" Must-report)
	for v in $variants; do
		[ -z "$only" ] || [[ " $only " == *" $v "* ]] || continue
		make -s mutant M="$m" VARIANT="$v" "${mk[@]}" >/dev/null ||
			{ echo "mutants/run.sh: $m ($v) does not build" >&2; exit 2; }
		odir=$work/$m/out-$v
		rm -rf "$odir" && mkdir -p "$odir"
		t0=$(date +%s%N)
		timeout $((seconds * 3 + 60)) $bin$m-$v/htstress \
		    --seconds "$seconds" --seed "$seed" --quiet --out "$odir" \
		    --hang-secs 20 >"$odir/log" 2>&1
		rc=$?
		[ $rc = 1 ] && [ -n "$must" ] && ! grep -qF "$must" "$odir/log" &&
		    rc=3
		ms=$((($(date +%s%N) - t0) / 1000000))
		t=$(printf "%d.%02d" $((ms / 1000)) $((ms % 1000 / 10)))
		sig=$(sed -n 's/^signature: //p' "$odir/log" | head -1)
		case $rc in
		1) res=detected ;;
		0) res="not detected"; sig="-"; missed=$((missed + 1)) ;;
		3) res="other bug"; missed=$((missed + 1)) ;;
		*) res="error (exit $rc)"; sig="-"; missed=$((missed + 1)) ;;
		esac
		printf '%-28s %-8s %-14s %6ss  %s\n' "$m" "$v" "$res" "$t" "$sig"
		rows+=("| $m | $v | $res | $t s | ${sig//|/\\|} |")
	done
done

tmp=$(mktemp "$out.XXXXXX")
{
	echo "# Mutant detection"
	echo
	echo "Mutants of $against; free-running htstress, default options,"
	echo "seed $seed, budget ${seconds} s"
	echo "per run, on $(nproc) cores; written by \`mutants/run.sh\` on $(date -u +%Y-%m-%d)."
	echo "Time is wall time to the failure report (including start-up)."
	echo
	echo "| mutant | variant | result | time | signature |"
	echo "|---|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
} >"$tmp" && mv "$tmp" "$out"
echo "mutants/run.sh: table written to $out"
[ $require = 1 ] && [ $missed -gt 0 ] && exit 1
exit 0
