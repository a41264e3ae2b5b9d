#!/usr/bin/env bash
# The mutant detection table.  For every planted bug (or those named) and
# every variant, build htstress with the bug in, run it free-running for
# up to the budget, and record whether it found a bug, what kind (the
# failure signature) and after how long.
#
# usage: mutants/run.sh [--seconds N] [--variants "release tsan"]
#                       [--seed N] [--out FILE] [--require] [mutant ...]
#   --require   exit 1 unless every mutant run was detected (make test)
# exit: 0 table written (and, with --require, all detected), 1 a required
# detection missed, 2 a mutant did not build or a bad option.
set -u
cd "$(dirname "$0")/.."

seconds=60 variants="release tsan" seed=1 out=mutants/results.md require=0
names=()
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds=$2; shift 2 ;;
	--variants) variants=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--require) require=1; shift ;;
	-*) echo "mutants/run.sh: unknown option $1" >&2; exit 2 ;;
	*) names+=("$1"); shift ;;
	esac
done
[ ${#names[@]} -gt 0 ] || names=($(ls mutants/*.patch | sed 's#.*/##; s#\.patch$##'))

rows=() missed=0
for m in "${names[@]}"; do
	[ -f "mutants/$m.patch" ] || { echo "mutants/run.sh: no mutant $m" >&2; exit 2; }
	for v in $variants; do
		make -s mutant M="$m" VARIANT="$v" >/dev/null ||
			{ echo "mutants/run.sh: $m ($v) does not build" >&2; exit 2; }
		dir=build/mutants/$m/out-$v
		rm -rf "$dir" && mkdir -p "$dir"
		t0=$(date +%s%N)
		timeout $((seconds * 3 + 60)) build/mutant-$m-$v/htstress \
		    --seconds "$seconds" --seed "$seed" --quiet --out "$dir" \
		    --hang-secs 20 >"$dir/log" 2>&1
		rc=$?
		ms=$((($(date +%s%N) - t0) / 1000000))
		t=$(printf "%d.%02d" $((ms / 1000)) $((ms % 1000 / 10)))
		sig=$(sed -n 's/^signature: //p' "$dir/log" | head -1)
		case $rc in
		1) res=detected ;;
		0) res="not detected"; sig="-"; missed=$((missed + 1)) ;;
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
	echo "Free-running htstress, default options, seed $seed, budget ${seconds} s"
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
