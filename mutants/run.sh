#!/usr/bin/env bash
# The mutant detection table.  For every planted bug (or those named):
#  - free-running: for every variant, build htstress with the bug in, run
#    it for up to the budget, and record whether it found a bug, what kind
#    (the failure signature) and after how long;
#  - controlled (release, or --ctl-variant's build): for every kind of
#    seams (--seams: sync, and access in a SEAMS=access build) and every
#    strategy, run it with seeds
#    1..--ctl-seeds and record how many found it and the median time to
#    the failure report (a miss counts as the whole budget);
#  - fuzz: for every kind of seams, htfuzz_sched with the bug in (with
#    --htable, the file's fuzz build with its ext mutant), --fuzz-runs
#    libFuzzer runs (-seed=1..N) from the checked-in seed corpus, each
#    capped at --fuzz-cap seconds; for every feedback in --fuzz-feedback
#    (sched: coverage and interleaving counters, with access seams the
#    reads-from pairs too; norf: the same without reads-from pairs; cov:
#    code coverage only),
#    how many found it and the median time to the crash.
#
# usage: mutants/run.sh [--seconds N] [--variants "release tsan"]
#                       [--seed N] [--out FILE] [--require]
#                       [--strategies "random pct"] [--ctl-seeds N]
#                       [--seams "sync access"] [--ctl-variant tsan]
#                       [--fuzz-runs N] [--fuzz-cap S]
#                       [--fuzz-feedback "sched cov"]
#                       [--fuzz-empty | --fuzz-program]
#                       [--htable FILE] [mutant ...]
#   --require     exit 1 unless every run was detected (make test)
#   --strategies  controlled-mode strategies, "" for none
#   --seams       where controlled mode and the fuzzer may switch threads:
#                 sync (locks, atomics, CAS...), access (every shared load
#                 and store too)
#   --ctl-variant the build controlled mode runs (release): tsan lets
#                 ThreadSanitizer watch the fibers of a seeded schedule,
#                 so that a race it claims is found at the same run on
#                 any machine, however loaded
#   --fuzz-runs   fuzz runs per mutant and feedback, 0 for none
#   --fuzz-empty  fuzz from an empty corpus instead of corpus/htfuzz_sched
#   --fuzz-program  fuzz from one input: the mutant's regression program
#                 (corpus/regressions/MUTANT/crash-*) with its schedule
#                 cut off, so that what is searched is the interleaving
#   --htable      run mutants/ext/*.patch against FILE (an illumos htable.c)
#                 instead of mutants/*.patch against core/; the table goes
#                 to mutants/results-ext.md
# A mutant's header may restrict it ("# Variants: tsan": a race only
# ThreadSanitizer sees, free-running; controlled mode, if release, then
# runs it with access seams only), demand more than a bug report
# ("# Must-report: TEXT": the run's output must contain TEXT, in which
# @PLANTED@ stands for the line number the patch's first added line has
# in the patched file, so that one text fits every version it applies
# to; "# Must-report-access: TEXT" in the runs with access seams), and
# name the memory
# mode its
# bug needs ("# Memory: window"; controlled runs use kpm otherwise), give
# htstress options its bug needs to show ("# Args: --walkers 1": the
# emulated MMU), or leave the fuzz section ("# Fuzz: no, REASON").
# Several run.sh processes may share the machine (shards: disjoint lists
# of mutants, tables merged by hand); two that name the same mutant take
# turns at it, since they build it in the same directories.
# exit: 0 table written (and, with --require, all detected), 1 a required
# detection missed, 2 a mutant did not build or a bad option.
set -u
# planted bugs must fail, whatever known finding they look like
export HTBED_FAIL_ON_KNOWN=1
cd "$(dirname "$0")/.."

seconds=60 variants="release tsan" seed=1 out= require=0 htable=
strategies="random pct" ctl_seeds=10 seams_list="sync access" ctl_variant=release
fuzz_runs=5 fuzz_cap=300 fuzz_feedback="sched cov" fuzz_seeds=corpus/htfuzz_sched
names=()
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds=$2; shift 2 ;;
	--variants) variants=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--require) require=1; shift ;;
	--htable) htable=$2; shift 2 ;;
	--strategies) strategies=$2; shift 2 ;;
	--ctl-seeds) ctl_seeds=$2; shift 2 ;;
	--seams) seams_list=$2; shift 2 ;;
	--ctl-variant) ctl_variant=$2; shift 2 ;;
	--fuzz-runs) fuzz_runs=$2; shift 2 ;;
	--fuzz-cap) fuzz_cap=$2; shift 2 ;;
	--fuzz-feedback) fuzz_feedback=$2; shift 2 ;;
	--fuzz-empty) fuzz_seeds=; shift ;;
	--fuzz-program) fuzz_seeds=program; shift ;;
	-*) echo "mutants/run.sh: unknown option $1" >&2; exit 2 ;;
	*) names+=("$1"); shift ;;
	esac
done
case $ctl_variant in
release | tsan | asan) ;;
*) echo "mutants/run.sh: --ctl-variant $ctl_variant: not release, tsan or asan" >&2; exit 2 ;;
esac
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

# the line of mutant $1's first added line in its patched source
planted_line() {
	local added src
	added=$(sed -n '/^+++ /d; s/^+//p' "$dir/$1.patch" | head -1)
	if [ -n "$htable" ]; then
		src=$work/$1/src/htable.c
	else
		src=$work/$1/src/$(sed -n 's#^+++ b/##p' "$dir/$1.patch" | head -1)
	fi
	grep -nxF -- "$added" "$src" | head -1 | cut -d: -f1
}

# -access for a build with access seams ($1 = access)
acc() {
	[ "$1" = access ] && echo -access
}

# run_one BINARY DIR ARGS...: rc (3: another bug than demanded), ms, sig
run_one() {
	local bin=$1 odir=$2 t0
	shift 2
	rm -rf "$odir" && mkdir -p "$odir"
	t0=$(date +%s%N)
	timeout $((seconds * 3 + 60)) "$bin" --seconds "$seconds" --quiet \
	    --out "$odir" "$@" >"$odir/log" 2>&1
	rc=$?
	[ $rc = 1 ] && [ -n "$must" ] && ! grep -qF "$must" "$odir/log" && rc=3
	ms=$((($(date +%s%N) - t0) / 1000000))
	sig=$(sed -n 's/^signature: //p' "$odir/log" | head -1)
}

# program_of MUTANT DIR: DIR holds the op records of MUTANT's regression
# input, its schedule cut off (htreplay decodes it: "N schedule bytes")
program_of() {
	local f n
	f=$(ls corpus/regressions/"$1"/crash-* 2>/dev/null | head -1)
	[ -n "$f" ] || { echo "mutants/run.sh: $1 has no regression input" >&2; exit 2; }
	make -s VARIANT=release build/release/htreplay >/dev/null ||
		{ echo "mutants/run.sh: htreplay does not build" >&2; exit 2; }
	n=$(build/release/htreplay --fuzz-input "$f" 2>&1 |
	    sed -n 's/.* \([0-9]*\) schedule bytes.*/\1/p' | head -1)
	[ -n "$n" ] || { echo "mutants/run.sh: htreplay did not decode $f" >&2; exit 2; }
	rm -rf "$2" && mkdir -p "$2" &&
	    head -c $(($(stat -c %s "$f") - n)) "$f" >"$2/program"
}

# fuzz_one BINARY DIR SEED FEEDBACK SEEDS: rc (1 crash, 0 none), ms, execs,
# sig
fuzz_one() {
	local bin=$1 odir=$2 t0 env=()
	rm -rf "$odir" && mkdir -p "$odir/corpus"
	[ "$4" = cov ] && env=(HTBED_NO_SCHED_FEEDBACK=1)
	[ "$4" = norf ] && env=(HTBED_NO_RF=1)
	t0=$(date +%s%N)
	env "${env[@]}" timeout $((fuzz_cap + 60)) "$bin" -seed="$3" \
	    -max_total_time="$fuzz_cap" -print_final_stats=1 \
	    -artifact_prefix="$odir/" "$odir/corpus" $5 \
	    >"$odir/log" 2>&1
	ms=$((($(date +%s%N) - t0) / 1000000))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$odir/log" |
	    tail -1)
	rc=0 sig=-
	ls "$odir"/crash-* >/dev/null 2>&1 || return 0
	rc=1
	sig=$(fuzz_signature "$odir/log")
}

# the failure in a fuzz target's log: htbed's report, or ASan's
fuzz_signature() {
	local kind where
	kind=$(sed -n 's/^==== htbed: BUG FOUND: \(.*\) ====$/\1/p' "$1" | head -1)
	where=$(sed -n 's/^where:  //p' "$1" | head -1)
	if [ -z "$kind" ]; then
		kind=$(sed -n 's/.*ERROR: AddressSanitizer: \([a-z-]*\).*/asan-\1/p' "$1" | head -1)
		where=$(grep -m1 -o ' in [^ ]* [^ ]*/\(core\|shim\|harness\)/[^ ]*' "$1" |
		    sed 's#^ in \([^ ]*\) .*/\(\(core\|shim\|harness\)/[^ ]*\)#\2 (\1)#')
	fi
	echo "${kind:-crash} at ${where:-?}"
}

# where the fuzz rows started from, for the table
from_where() {
	case $fuzz_seeds in
	"") echo "an empty corpus" ;;
	program) echo "the mutant's regression program without its schedule" ;;
	*) echo "$fuzz_seeds" ;;
	esac
}

median() {
	printf '%s\n' "$@" | sort -n | awk '{ t[NR] = $1 }
	    END { print (NR % 2) ? t[(NR + 1) / 2] : int((t[NR / 2] + t[NR / 2 + 1]) / 2) }'
}

secs() {
	printf "%d.%02d" $(($1 / 1000)) $(($1 % 1000 / 10))
}

verdict() {
	case $rc in
	1) res=detected ;;
	0) res="not detected"; sig="-"; missed=$((missed + 1)) ;;
	3) res="other bug"; missed=$((missed + 1)) ;;
	*) res="error (exit $rc)"; sig="-"; missed=$((missed + 1)) ;;
	esac
}

# the fuzz rows of mutant $1 with seams $2: one per feedback
fuzz_mutant() {
	local fb r times counts found first med seeds=$fuzz_seeds sm=$2
	[ "$fuzz_runs" -gt 0 ] || return 0
	if [ -n "$nofuzz" ]; then
		printf '%-28s fuzz   not run: %s\n' "$1" "$nofuzz"
		fuzz_rows+=("| $1 | $sm | - | not run | - | - | ${nofuzz//|/\\|} |")
		return 0
	fi
	make -s "${mk[@]}" fuzz-mutant M="$1" SEAMS="$sm" >/dev/null ||
		{ echo "mutants/run.sh: $1 (fuzz, $sm) does not build" >&2; exit 2; }
	if [ "$seeds" = program ] && [ -n "$htable" ]; then
		echo "mutants/run.sh: --fuzz-program is for the own core's mutants" >&2
		exit 2
	elif [ "$seeds" = program ]; then
		seeds=$work/$1/program
		program_of "$1" "$seeds"
	fi
	for fb in $fuzz_feedback; do
		times=() counts=() found=0 first=-
		for r in $(seq 1 "$fuzz_runs"); do
			fuzz_one "build/fuzz-mutant-${htable:+ext-}$1$(acc "$sm")/htfuzz_sched" \
			    "$work/$1/fuzz-$sm-$fb-$r" "$r" "$fb" "$seeds"
			[ $rc = 1 ] && found=$((found + 1)) &&
			    [ "$first" = - ] && first=$sig
			[ $rc = 1 ] || ms=$((fuzz_cap * 1000))
			times+=("$ms") counts+=("${execs:-0}")
		done
		med=$(median "${times[@]}")
		[ $found = "$fuzz_runs" ] || missed=$((missed + 1))
		printf '%-28s fuzz-%-6s %-5s %2d/%-2d found  median %6ss %8s execs  %s\n' \
		    "$1" "$sm" "$fb" "$found" "$fuzz_runs" "$(secs $med)" \
		    "$(median "${counts[@]}")" "$first"
		fuzz_rows+=("| $1 | $sm | $fb | $found/$fuzz_runs | $(secs $med) s | $(median "${counts[@]}") | ${first//|/\\|} |")
	done
}

# the controlled rows of mutant $1 with seams $2: one per strategy (a race
# only ThreadSanitizer sees has no sync-seam rows unless its variant runs)
controlled() {
	local m=$1 sm=$2 st s times found first med mem=kpm
	[ -n "$strategies" ] || return 0
	[ "$sm" = access ] || [ -z "$only" ] ||
	    [[ " $only " == *" $ctl_variant "* ]] || return 0
	make -s mutant M="$m" VARIANT="$ctl_variant" SEAMS="$sm" "${mk[@]}" \
	    >/dev/null || { echo "mutants/run.sh: $m ($ctl_variant, $sm)" \
	    "does not build" >&2; exit 2; }
	[ "$memory" = window ] && mem=window
	for st in $strategies; do
		times=() found=0 first=-
		for s in $(seq 1 "$ctl_seeds"); do
			run_one "$bin$m-$ctl_variant$(acc "$sm")/htstress" \
			    "$work/$m/ctl-$sm-$st-$s" \
			    --mode controlled --strategy "$st" --seed "$s" \
			    $([ $mem = kpm ] && echo --kpm) $args
			[ $rc = 1 ] && found=$((found + 1)) &&
			    [ "$first" = - ] && first=$sig
			[ $rc = 1 ] || ms=$((seconds * 1000))
			times+=("$ms")
		done
		med=$(median "${times[@]}")
		[ $found = "$ctl_seeds" ] || missed=$((missed + 1))
		printf '%-28s %-6s %-8s %2d/%-2d found  median %6ss  %s\n' "$m" \
		    "$sm" "$st" "$found" "$ctl_seeds" "$(secs $med)" "$first"
		ctl_rows+=("| $m | $sm | $st | $mem | $found/$ctl_seeds | $(secs $med) s | ${first//|/\\|} |")
	done
}

rows=() ctl_rows=() fuzz_rows=() missed=0
for m in "${names[@]}"; do
	[ -f "$dir/$m.patch" ] || { echo "mutants/run.sh: no mutant $m in $dir" >&2; exit 2; }
	# one run.sh at a time per mutant: they share its build directories
	# (held until the next mutant's, or the end)
	mkdir -p "$work" && exec 9>"$work/.lock-$m" && flock 9
	only=$(header "$m" Variants) must=$(header "$m" Must-report)
	must_acc=$(header "$m" Must-report-access)
	case $must$must_acc in *@PLANTED@*)
		make -s mutant M="$m" VARIANT=release "${mk[@]}" >/dev/null ||
			{ echo "mutants/run.sh: $m does not build" >&2; exit 2; }
		must=${must//@PLANTED@/$(planted_line "$m")}
		must_acc=${must_acc//@PLANTED@/$(planted_line "$m")} ;;
	esac
	must_free=$must
	memory=$(header "$m" Memory) args=$(header "$m" Args)
	nofuzz=$(header "$m" Fuzz | sed -n 's/^no, *//p')
	for v in $variants; do
		[ -z "$only" ] || [[ " $only " == *" $v "* ]] || continue
		make -s mutant M="$m" VARIANT="$v" "${mk[@]}" >/dev/null ||
			{ echo "mutants/run.sh: $m ($v) does not build" >&2; exit 2; }
		run_one "$bin$m-$v/htstress" "$work/$m/out-$v" --seed "$seed" \
		    --hang-secs 20 $args
		verdict
		printf '%-28s %-8s %-14s %6ss  %s\n' "$m" "$v" "$res" \
		    "$(secs $ms)" "$sig"
		rows+=("| $m | $v | $res | $(secs $ms) s | ${sig//|/\\|} |")
	done
	for sm in $seams_list; do
		must=$must_free
		[ "$sm" = access ] && must=$must_acc
		fuzz_mutant "$m" "$sm"
		controlled "$m" "$sm"
	done
done

tmp=$(mktemp "$out.XXXXXX")
{
	echo "# Mutant detection"
	echo
	echo "Mutants of $against, on $(nproc) cores; written by"
	echo "\`mutants/run.sh\` on $(date -u +%Y-%m-%d), budget ${seconds} s per run."
	echo "Times are wall time to the failure report, start-up included."
	echo
	if [ ${#rows[@]} -gt 0 ]; then
		echo "## Free-running"
		echo
		echo "htstress with its default options (and the mutant's own"
		echo "\`# Args:\`, e.g. \`--walkers 1\` for the MMU's), seed $seed."
		echo
		echo "| mutant | variant | result | time | signature |"
		echo "|---|---|---|---|---|"
		printf '%s\n' "${rows[@]}"
	fi
	if [ ${#ctl_rows[@]} -gt 0 ]; then
		echo
		echo "## Controlled"
		echo
		echo "htstress --mode controlled ($ctl_variant build), seeds 1 to"
		echo "$ctl_seeds; median time to detection, a miss counting as the"
		echo "whole budget; kpm memory unless the mutant needs windows."
		echo "Seams sync: threads switch at locks, atomics, PTE CAS,"
		echo "preemption and window map-ins; access: at every load and"
		echo "store of shared memory too (a SEAMS=access build, random"
		echo "switching there once in 16)."
		echo
		echo "| mutant | seams | strategy | memory | found | median | signature |"
		echo "|---|---|---|---|---|---|---|"
		printf '%s\n' "${ctl_rows[@]}"
	fi
	if [ ${#fuzz_rows[@]} -gt 0 ]; then
		echo
		echo "## Fuzz"
		echo
		echo "htfuzz_sched (clang, ASan and UBSan, libFuzzer) with the bug in,"
		echo "-seed=1 to $fuzz_runs, from $(from_where), capped at"
		echo "$fuzz_cap s; median time to the crash, a miss counting as the"
		echo "cap, and median executions (of the whole run: to the crash, or"
		echo "to the cap).  Feedback sched: code coverage and the interleaving"
		echo "counters (and with access seams the reads-from pairs); norf: the"
		echo "same without reads-from pairs (HTBED_NO_RF=1); cov: code coverage"
		echo "only (HTBED_NO_SCHED_FEEDBACK=1)."
		echo
		echo "Seams access: a SEAMS=access build, whose schedule bytes are"
		echo "gaps between preemptions (harness/fuzzin.c)."
		echo
		echo "| mutant | seams | feedback | found | median | executions | signature |"
		echo "|---|---|---|---|---|---|---|"
		printf '%s\n' "${fuzz_rows[@]}"
	fi
} >"$tmp" && mv "$tmp" "$out"
echo "mutants/run.sh: table written to $out"
[ $require = 1 ] && [ $missed -gt 0 ] && exit 1
exit 0
