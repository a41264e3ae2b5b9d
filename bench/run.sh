#!/usr/bin/env bash
# make bench: throughput of the HAT through the testbed, of controlled
# mode (fiber switches, executions) and how fast each mode finds the
# planted bugs, written to bench/results.md.  Targets are stated next to
# the figures; nothing here fails a build -- speed belongs in this file,
# not in tests.
#
# usage: bench/run.sh [--seconds N] [--seeds N] [--fuzz-seconds N]
#                     [--out FILE]
#   --fuzz-seconds   length of the htfuzz_sched run (default 600; 0: none)
set -u
# planted bugs must fail, whatever known finding they look like
export HTBED_FAIL_ON_KNOWN=1
cd "$(dirname "$0")/.."
seconds=5 seeds=5 out=bench/results.md fuzz_seconds=600 fixed_runs=200
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds=$2; shift 2 ;;
	--seeds) seeds=$2; shift 2 ;;
	--fuzz-seconds) fuzz_seconds=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	*) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

# -access for seams $1 = access
acc() {
	[ "$1" = access ] && echo -access
}

for v in release tsan; do
	make -s VARIANT=$v build/$v/htstress build/$v/fiberbench >/dev/null ||
		{ echo "bench/run.sh: build of $v failed" >&2; exit 2; }
done
for sm in sync access; do
	make -s SEAMS=$sm build/release$(acc $sm)/htstress >/dev/null &&
	    make -s SEAMS=$sm fuzz-build >/dev/null ||
		{ echo "bench/run.sh: build with $sm seams failed" >&2; exit 2; }
done
# the cores of each era (release): the own core built for 2015 too, the
# 2015 reference and today's file where they exist
ref=../shared/reference/htable.c
newest=../shared/variants/illumos-gate/2021-08-16-86ef0a63e1/htable.c
make -s HTABLE_ERA=2015 build/release-2015/htstress >/dev/null ||
	{ echo "bench/run.sh: build of the own core (2015) failed" >&2; exit 2; }
eras=("own core|2015|build/release-2015/htstress"
    "own core|kpti|build/release/htstress")
if [ -f "$ref" ]; then
	make -s HTABLE_C="$ref" build/release-ext-2015/htstress >/dev/null ||
		{ echo "bench/run.sh: build of $ref failed" >&2; exit 2; }
	eras+=("2015 reference|2015|build/release-ext-2015/htstress")
fi
if [ -f "$newest" ]; then
	make -s HTABLE_C="$newest" build/release-ext/htstress >/dev/null ||
		{ echo "bench/run.sh: build of $newest failed" >&2; exit 2; }
	eras+=("today's illumos (2021-08-16)|kpti|build/release-ext/htstress")
fi

# the HAT-op mix: loads, unloads and lookups only, no schedule
# perturbation, no memory pressure, no periodic checks
HATMIX="--weights map=40,unmap=30,lookup=30,map_large=0,lock=0,unlock=0,walk=0,share=0,unshare=0,pageunload=0,swapout=0,exit=0,reap=0,switch=0"
QUIET="--quiet --pressure 0 --yield-prob 0 --check-every 100000"

json() { sed -n "s/.*\"$2\": \([0-9.]*\).*/\1/p" "$1"; }

run() {	# variant mode threads extra... -> prints "hat_ops/s ops/s remaps/op"
	local v=$1; shift
	run_bin "build/$v/htstress" "$@"
}

run_bin() {	# binary mode threads extra... -> as run()
	local bin=$1 mode=$2 t=$3; shift 3
	local j; j=$(mktemp)
	$bin --threads "$t" --seconds "$seconds" --seed 1 \
	    $([ "$mode" = kpm ] && echo --kpm) "$@" --json "$j" >/dev/null 2>&1 ||
		{ echo "bench/run.sh: $bin ($mode $t) failed" >&2; exit 2; }
	local hat ops remaps
	hat=$(json "$j" hat_ops_per_sec); ops=$(json "$j" ops)
	remaps=$(json "$j" window_remaps)
	printf '%.0f %.0f ' "$hat" "$(json "$j" ops_per_sec)"
	echo "$(awk -v r="$remaps" -v h="$(json "$j" hat_ops)" 'BEGIN{printf "%.2f", h ? r / h : 0}')"
	rm -f "$j"
}

# median milliseconds to a bug report of mutant $1 over seeds 1..$seeds
detect_median() {
	local m=$1 s t0 rc
	shift
	for s in $(seq 1 "$seeds"); do
		t0=$(date +%s%N)
		timeout 200 build/mutant-$m-release/htstress --seconds 60 \
		    --seed "$s" --quiet --out "build/bench-detect/$m" "$@" \
		    >/dev/null 2>&1
		rc=$?
		[ $rc = 1 ] && echo $((($(date +%s%N) - t0) / 1000000)) ||
			echo 60000
	done | sort -n | awk '{ t[NR] = $1 }
	    END { print (NR % 2) ? t[(NR + 1) / 2] : int((t[NR / 2] + t[NR / 2 + 1]) / 2) }'
}

# htfuzz_sched for $fuzz_seconds s on one core from the seed corpus, its
# resident size sampled every 10 s: "execs/s runs edges RSS-at-1-min
# RSS-at-the-end peak-RSS" (MB)
fuzz_run() {
	local d pid rss=() r
	d=$(mktemp -d build/bench-fuzz.XXXXXX)
	mkdir -p "$d/corpus"
	build/fuzz/htfuzz_sched -seed=1 -max_total_time="$fuzz_seconds" \
	    -print_final_stats=1 -artifact_prefix="$d/" "$d/corpus" \
	    corpus/htfuzz_sched >"$d/log" 2>&1 &
	pid=$!
	while sleep 10 && r=$(awk '/^VmRSS/ { print int($2 / 1024) }' \
	    "/proc/$pid/status" 2>/dev/null) && [ -n "$r" ]; do
		rss+=("$r")
	done
	wait $pid || { echo "failed $d"; return; }
	awk -v r1="${rss[5]:--}" -v rn="${rss[${#rss[@]}-1]:--}" '
	    /stat::average_exec_per_sec/ { e = $2 }
	    /stat::number_of_executed_units/ { n = $2 }
	    /stat::peak_rss_mb/ { p = $2 }
	    / cov: / { for (i = 1; i < NF; i++) if ($i == "cov:") c = $(i + 1) }
	    END { print e, n, c, r1, rn, p }' "$d/log"
	rm -rf "$d"
}

# the kpm inputs of corpus/htfuzz_sched (byte 0 / 9 even: harness/fuzzin.c)
kpm_inputs() {
	local f b
	for f in corpus/htfuzz_sched/*; do
		b=$(od -An -tu1 -N1 "$f" | tr -d ' ')
		[ -n "$b" ] && [ $((b / 9 % 2)) = 0 ] && echo "$f"
	done
}

# fuzz target $1 over the kpm inputs, each $fixed_runs times: "inputs
# executions execs/s"
fixed_execs() {
	local in t0 ms
	in=($(kpm_inputs))
	t0=$(date +%s%N)
	"$1" -runs="$fixed_runs" "${in[@]}" >/dev/null 2>&1 ||
		{ echo "bench/run.sh: $1 failed on the kpm inputs" >&2; exit 2; }
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "${#in[@]} $((${#in[@]} * fixed_runs))" \
	    "$(awk -v n=$((${#in[@]} * fixed_runs)) -v ms="$ms" \
	    'BEGIN { printf "%.0f", ms ? 1000 * n / ms : 0 }')"
}

# controlled runs of binary $1 in memory $2: "runs/s | steps/run | HAT ops/s"
ctl_row() {
	local j; j=$(mktemp)
	$1 --mode controlled --threads 4 --program-ops 20 --seconds "$seconds" \
	    --seed 1 --quiet $([ "$2" = kpm ] && echo --kpm) --json "$j" \
	    >/dev/null 2>&1 ||
		{ echo "bench/run.sh: controlled ($1 $2) failed" >&2; exit 2; }
	echo "$(printf %.0f "$(json "$j" runs_per_sec)") |" \
	    "$(awk -v s="$(json "$j" steps)" -v r="$(json "$j" runs)" \
	    'BEGIN { printf "%.0f", r ? s / r : 0 }') |" \
	    "$(printf %.0f "$(json "$j" hat_ops_per_sec)")"
	rm -f "$j"
}

fmt_ms() {
	printf "%d.%02d" $(($1 / 1000)) $(($1 % 1000 / 10))
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
echo "## HAT ops/s by core and era"
echo
echo "The same HAT-op mix, release, kpm mode, for each core of each era: the"
echo "own core built for the KPTI era (the default) and for 2015"
echo "(\`HTABLE_ERA=2015\`), the 2015 reference and today's file.  The KPTI"
echo "era's HAT does more per op (a link or unlink in a copied top table is"
echo "a cross-call that copies the hat's entries on every vCPU running it)."
echo "Target: a KPTI row at most a fifth below the 2015 row of its kind."
echo
echo "| core | era | threads | HAT ops/s | of the 2015 row |"
echo "|---|---|---|---|---|"
for t in 1 2; do
	base_own= base_ref=
	for e in "${eras[@]}"; do
		IFS='|' read -r name era bin <<<"$e"
		set -- $(run_bin "$bin" kpm "$t" $HATMIX $QUIET)
		case "$name|$era" in
		"own core|2015") base_own=$1 ;;
		"2015 reference|2015") base_ref=$1 ;;
		esac
		base=$base_own
		[ "$name" = "own core" ] || base=$base_ref
		echo "| $name | $era | $t | $1 |" \
		    "$(awk -v a="$1" -v b="${base:-0}" -v e="$era" 'BEGIN {
		    if (e == "2015" || b == 0) print "-";
		    else printf "%.0f%%", 100 * a / b }') |"
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
echo "## Controlled mode"
echo
echo "Fiber switches per second (\`fiberbench\`: two fibers in ping-pong, four"
echo "in round robin, each switch a few dozen instructions and no system"
echo "call; swapcontext for comparison, which makes a sigprocmask system call"
echo "per switch).  Target: release >= 20,000,000/s."
echo
echo "| variant | ping-pong | round robin | swapcontext ping-pong |"
echo "|---|---|---|---|"
for v in release tsan; do
	fb=$(build/$v/fiberbench)
	pp=$(echo "$fb" | sed -n 's/^fiber.*ping-pong 2 fibers \([0-9]*\).*/\1/p')
	rr=$(echo "$fb" | sed -n 's/^fiber.*round robin 4 fibers \([0-9]*\).*/\1/p')
	sc=$(echo "$fb" | sed -n 's/^swapcontext.*ping-pong 2 contexts \([0-9]*\).*/\1/p')
	echo "| $v | $pp | $rr | ${sc:-(not measured under TSan)} |"
done
echo
echo "Controlled executions per second: runs of a program of 4 fibers x 20"
echo "ops (and the reaper fiber), each from the saved machine, with the"
echo "full invariant check at the end of every run; random strategy."
echo "\`htstress --mode controlled --threads 4 --program-ops 20 --seconds"
echo "$seconds --seed 1\` (--kpm for kpm)."
echo
echo "| variant | memory | runs/s | steps/run | HAT ops/s |"
echo "|---|---|---|---|---|"
for v in release tsan; do
	for mode in kpm window; do
		echo "| $v | $mode | $(ctl_row "build/$v/htstress" $mode) |"
	done
done
echo
echo "## The emulated MMU"
echo
echo "\`htstress --walkers N --access-rate R\` (release, free-running, window"
echo "mode, default op mix, 8 workers, 4 vCPUs; R accesses/s per walker, the"
echo "default 20000, or 0: as fast as it can, taking CPU from the workers on"
echo "this machine's 2 cores).  A shootdown is hat_tlb_inval with walkers on: the TLBs"
echo "emptied of the address, a grace period (liburcu synchronize_rcu),"
echo "emptied again; its cost is the mean wall time of one."
echo
echo "| walkers per vCPU | rate | translations/s | TLB hits | HAT ops/s | shootdowns/s | mean shootdown |"
echo "|---|---|---|---|---|---|---|"
for wr in 0:20000 1:20000 1:0 2:0; do
	w=${wr%:*} r=${wr#*:}
	j=$(mktemp)
	build/release/htstress --seconds "$seconds" --seed 1 --quiet \
	    --walkers "$w" --access-rate "$r" --json "$j" >/dev/null 2>&1 ||
		{ echo "bench/run.sh: walkers $w failed" >&2; exit 2; }
	echo "| $w | $([ "$r" = 0 ] && echo max || echo "$r/s") |" \
	    "$(printf %.0f "$(json "$j" mmu_translations_per_sec)") |" \
	    "$(awk -v h="$(json "$j" mmu_tlb_hits)" -v x="$(json "$j" mmu_translations)" \
	    'BEGIN { printf "%.0f%%", x ? 100 * h / x : 0 }') |" \
	    "$(printf %.0f "$(json "$j" hat_ops_per_sec)") |" \
	    "$(awk -v n="$(json "$j" shootdowns)" -v s="$seconds" \
	    'BEGIN { printf "%.0f", n / s }') |" \
	    "$(printf %.1f "$(json "$j" shootdown_us_mean)") us |"
	rm -f "$j"
done
echo
echo "## Time to detect a planted bug, controlled vs free-running"
echo
echo "Median wall time to the failure report over seeds 1 to $seeds, release"
echo "build, start-up included, 60 s budget (a miss counts as 60 s):"
echo "free-running htstress with its defaults; controlled mode with its"
echo "defaults (random strategy; kpm memory unless the mutant needs"
echo "windows).  Ratio: controlled / free-running."
echo
echo "| mutant | free-running | controlled | ratio |"
echo "|---|---|---|---|"
for m in $(ls mutants/*.patch | sed 's#.*/##; s#\.patch$##'); do
	make -s mutant M="$m" VARIANT=release >/dev/null ||
		{ echo "bench/run.sh: mutant $m does not build" >&2; exit 2; }
	mem=--kpm
	grep -q '^# Memory: window' "mutants/$m.patch" && mem=
	args=$(sed -n 's/^# Args: *//p' "mutants/$m.patch" | head -1)
	f=$(detect_median "$m" --hang-secs 20 $args)
	c=$(detect_median "$m" --mode controlled $mem $args)
	echo "| $m | $(fmt_ms "$f") s | $(fmt_ms "$c") s |" \
	    "$(awk -v c="$c" -v f="$f" 'BEGIN { printf "%.2f", f ? c / f : 0 }') |"
done
if [ "$fuzz_seconds" -gt 0 ]; then
	make -s fuzz-build >/dev/null ||
		{ echo "bench/run.sh: the fuzz targets do not build" >&2; exit 2; }
	set -- $(fuzz_run)
	[ "${1:-}" != failed ] || { echo "bench/run.sh: htfuzz_sched crashed or" \
	    "failed: its log and any crash file are in $2" >&2; exit 2; }
	echo
	echo "## Fuzzing"
	echo
	echo "\`build/fuzz/htfuzz_sched -seed=1 -max_total_time=$fuzz_seconds\` (clang,"
	echo "ASan + UBSan, libFuzzer, one process) from corpus/htfuzz_sched; its"
	echo "resident size sampled every 10 s.  Targets: >= 5,000 executions/s;"
	echo "the resident size bounded, not growing after the first minute."
	echo
	echo "| execs/s | executions | edges | RSS at 1 min | RSS at the end | peak RSS |"
	echo "|---|---|---|---|---|---|"
	echo "| $1 | $2 | $3 | $4 MB | $5 MB | $6 MB |"
fi
echo
echo "## Access seams"
echo
echo "With access seams (SEAMS=access builds) every load and store the core"
echo "makes of shared memory is a decision point too.  Controlled mode as"
echo "above (release), with sync seams and with access seams; then"
echo "htfuzz_sched on the kpm inputs of corpus/htfuzz_sched, each run"
echo "$fixed_runs times in one process (\`htfuzz_sched -runs=$fixed_runs FILES\`: no"
echo "mutation, the same executions for both builds).  Target: >= 2,000"
echo "executions/s with access seams."
echo
echo "| seams | memory | runs/s | steps/run | HAT ops/s |"
echo "|---|---|---|---|---|"
for sm in sync access; do
	for mode in kpm window; do
		echo "| $sm | $mode |" \
		    "$(ctl_row "build/release$(acc $sm)/htstress" $mode) |"
	done
done
echo
echo "| seams | kpm inputs | executions | execs/s |"
echo "|---|---|---|---|"
for sm in sync access; do
	set -- $(fixed_execs "build/fuzz$(acc $sm)/htfuzz_sched")
	echo "| $sm | $1 | $2 | $3 |"
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
