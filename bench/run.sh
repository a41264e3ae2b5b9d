#!/usr/bin/env bash
# make bench: throughput of the HAT through the testbed, written to
# bench/results.md.  Targets are stated next to the figures; nothing here
# fails a build -- speed belongs in this file, not in tests.
#
# usage: bench/run.sh [--seconds N] [--out FILE]
set -u
cd "$(dirname "$0")/.."
seconds=5 out=bench/results.md
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	*) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

for v in release tsan; do
	make -s VARIANT=$v build/$v/htstress >/dev/null ||
		{ echo "bench/run.sh: build of $v failed" >&2; exit 2; }
done

# the HAT-op mix: loads, unloads and lookups only, no schedule
# perturbation, no memory pressure, no periodic checks
HATMIX="--weights map=40,unmap=30,lookup=30,map_large=0,lock=0,unlock=0,walk=0,share=0,unshare=0,pageunload=0,swapout=0,exit=0,reap=0"
QUIET="--quiet --pressure 0 --yield-prob 0 --check-every 100000"

json() { sed -n "s/.*\"$2\": \([0-9.]*\).*/\1/p" "$1"; }

run() {	# variant mode threads extra... -> prints "hat_ops/s ops/s remaps/op"
	local v=$1 mode=$2 t=$3; shift 3
	local j; j=$(mktemp)
	build/$v/htstress --threads "$t" --seconds "$seconds" --seed 1 \
	    $([ "$mode" = kpm ] && echo --kpm) "$@" --json "$j" >/dev/null 2>&1 ||
		{ echo "bench/run.sh: htstress ($v $mode $t) failed" >&2; exit 2; }
	local hat ops remaps
	hat=$(json "$j" hat_ops_per_sec); ops=$(json "$j" ops)
	remaps=$(json "$j" window_remaps)
	echo "$hat $(json "$j" ops_per_sec) $(awk -v r="$remaps" -v h="$(json "$j" hat_ops)" 'BEGIN{printf "%.2f", h ? r / h : 0}')"
	rm -f "$j"
}

tmp=$(mktemp "$out.XXXXXX")
{
echo "# Benchmarks"
echo
echo "Written by \`make bench\` (bench/run.sh) on $(date -u +%Y-%m-%d), $(nproc) host cores,"
echo "$(uname -m), $(${CC:-clang} --version | head -1).  Each figure is one run of"
echo "${seconds} s (seed 1)."
echo
echo "## HAT ops/s"
echo
echo "\`htstress $HATMIX $QUIET\`"
echo "with --threads N, --kpm for kpm mode.  A HAT op is one call of the HAT's"
echo "interface (hat_memload, hat_unload, hat_probe_level, ...), each checked"
echo "against the shadow model.  Target: release, kpm, 2 threads >= 1,000,000/s."
echo
echo "| variant | mode | threads | HAT ops/s | harness ops/s | window remaps per HAT op |"
echo "|---|---|---|---|---|---|"
for v in release tsan; do
	for mode in kpm window; do
		for t in 1 2 4 8; do
			set -- $(run $v $mode $t $HATMIX $QUIET)
			echo "| $v | $mode | $t | $1 | $2 | $3 |"
		done
	done
done
echo
echo "## The full stress mix"
echo
echo "\`htstress\` with its default op table, memory pressure and schedule"
echo "perturbation (release build, 8 workers):"
echo
echo "| mode | HAT ops/s | harness ops/s | window remaps per HAT op |"
echo "|---|---|---|---|"
for mode in kpm window; do
	set -- $(run release $mode 8 --quiet)
	echo "| $mode | $1 | $2 | $3 |"
done
echo
echo "## What limits window mode"
echo
echo "In window mode every page-table access goes through the accessing vCPU's"
echo "window, and a window that must show another frame is remapped with"
echo "mmap(MAP_FIXED): a system call that also shoots the old translation out"
echo "of the other host CPU's TLB (an IPI on this VM).  The last column is how"
echo "often that happens per HAT op; one such remap costs several times a"
echo "whole HAT op in kpm mode, and remaps serialise on the process's memory"
echo "map, so window mode does not scale with threads.  kpm mode reaches"
echo "every frame through one linear mapping and pays nothing per access."
} >"$tmp" && mv "$tmp" "$out"
echo "bench/run.sh: wrote $out"
