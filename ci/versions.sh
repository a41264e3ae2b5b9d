#!/usr/bin/env bash
# ci/versions.sh: the version matrix.  Every htable.c under the variants
# directory (../shared/variants: illumos-gate 2005-2021, OmniOS, SmartOS,
# Delphix, each beside its tree's headers), in date order: the era its
# code says it is (shim/era/probe.sh), whether it builds (release,
# ThreadSanitizer, access seams, libFuzzer, ASan), and six short runs --
# free-running stress plain and under ThreadSanitizer, each without and
# with the emulated MMU's walkers, controlled mode with access seams
# (kpm, random schedules, the MMU; checking that the record of writes the
# checker trusts is whole: HTBED_CHECK_VERIFY=1, htbed/written.h) and
# htfuzz_sched -- each with its work
# (ops, steals, reaps; runs; executions) and the signature of anything
# found.  Written to docs/versions.md (a temporary file, then renamed).
#
# usage: ci/versions.sh [--only GLOBS] [--seconds S] [--out FILE]
#                       [--variants DIR]
#   --only      comma-separated globs over the rows' names
#               (lineage/directory, e.g. 'illumos-gate/2021-*,smartos/*')
#   --seconds   each run's length (default 10)
#   --out       the table (default docs/versions.md)
#   --variants  the directory of versions (default ../shared/variants)
#
# A failure that a finding of corpus/findings/ accounts for (its
# machine-readable entry, harness/known.h: htstress prints a "known:"
# line) is marked as known, with the finding's name.
# exit: 0 every row of a built era builds and finds nothing new; 1 a row
# of a built era does not build or finds something no finding accounts
# for; 2 a bad option or a missing variants directory.
set -u
cd "$(dirname "$0")/.."

only= seconds=10 out=docs/versions.md variants=../shared/variants
while [ $# -gt 0 ]; do
	case "$1" in
	--only) only=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--variants) variants=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) echo "ci/versions.sh: unknown option $1 (ci/versions.sh --help)" >&2; exit 2 ;;
	esac
done
case "$seconds" in ''|*[!0-9]*) echo "ci/versions.sh: --seconds takes a number, not '$seconds'" >&2; exit 2 ;; esac
[ -d "$variants" ] || { echo "ci/versions.sh: $variants: no such directory" >&2; exit 2; }
work=build/versions
mkdir -p "$work" "$(dirname "$out")" || exit 2

# the rows: lineage/dir, sorted by the date the directory's name begins
# with (YYYY-MM-DD; "undated" last)
rows=()
while read -r r; do
	rows+=("$r")
done < <(cd "$variants" && ls -d */*/ | sed 's#/$##' |
    awk -F/ '{ print substr($2, 1, 10), $0 }' | sort | awk '{ print $2 }')

selected() {
	local g
	[ -z "$only" ] && return 0
	for g in ${only//,/ }; do
		# shellcheck disable=SC2053
		[[ $1 == $g ]] && return 0
	done
	return 1
}

# the build of a row: flavour -> make variables (fuzz: htfuzz_sched,
# built as make fuzz-build builds it, with fuzz/fuzz.mk's flags)
FUZZ_FLAGS=$(make -s fuzz-flags) || exit 2
flavour() {
	case $1 in
	release|tsan|asan) echo "VARIANT=$1" ;;
	access) echo "VARIANT=release SEAMS=access" ;;
	fuzz) echo "VARIANT=asan CC=clang" ;;
	esac
}

# shared objects per era and flavour, then the row's own binaries; prints
# the build directory, or fails
build() {	# row file era flavour targets...
	local id=${1//\//-} file=$2 era=$3 f=$4 share dir extra=()
	shift 4
	share=$work/share-$era-$f dir=$work/$id-$f
	[ "$f" = fuzz ] && extra=(EXTRA_CFLAGS="$FUZZ_FLAGS" FUZZ_LINK=-fsanitize=fuzzer)
	# shellcheck disable=SC2046
	make -s $(flavour "$f") "${extra[@]}" B="$share" HTABLE_C="$file" \
	    lib-objects >"$dir.build" 2>&1 &&
	make -s $(flavour "$f") "${extra[@]}" B="$dir" SHARE="$share" \
	    HTABLE_C="$file" "${@/#/$dir/}" >>"$dir.build" 2>&1 &&
	echo "$dir"
}

# the outcome of a run from its log and JSON: "ok <counters>" or "bug
# <known finding, or -> <signature>"
outcome() {	# rc log json
	local sig known
	case $1 in
	0) tr -d ' \n' <"$3" | sed 's/.*"ops":\([0-9]*\).*"steals":\([0-9]*\).*"reaps":\([0-9]*\).*/ok \1 \2 \3/'
	   tr -d ' \n' <"$3" | sed -n 's/.*"runs":\([0-9]*\).*/ \1/p' ;;
	1) sig=$(sed -n 's/^signature: *//p' "$2" | head -1)
	   known=$(sed -n 's/^known: *\([^ ]*\).*/\1/p' "$2" | head -1)
	   echo "bug ${known:--} ${sig:-(no signature: see $2)}" ;;
	*) echo "bug - exit $1 ($(tail -1 "$2"))" ;;
	esac
}

# one htstress run; a known finding whose entry has an "avoid" line
# (htstress weights, or options beginning with --, that keep clear of
# it) is followed by another run with those added, so that it does not
# hide what comes after it, up to three findings deep: the outcome is
# then the last run's, with "after <finding>" in front for each
run() {	# name binary args...
	local name=$1 bin=$2 res known avoid after= extra=() n=0
	shift 2
	res=$(run1 "$name" "$bin" "$@")
	while [ $n -lt 3 ]; do
		known=$(echo "$res" | awk '$1 == "bug" && $2 != "-" { print $2 }')
		avoid=
		[ -n "$known" ] &&
		    avoid=$(sed -n 's/^avoid  *//p' "corpus/findings/$known/finding")
		[ -z "$avoid" ] && break
		case $avoid in
		--*) read -r -a more <<<"$avoid"; extra+=("${more[@]}") ;;
		*) extra+=(--weights "$avoid") ;;
		esac
		after="${after}after $known "
		n=$((n + 1))
		res=$(run1 "$name-avoid$n" "$bin" "$@" "${extra[@]}")
	done
	echo "$after$res"
}

run1() {	# name binary args...
	local name=$1 bin=$2 log json rc
	shift 2
	log=$work/$name.log json=$work/$name.json
	rm -f "$json"
	"$bin" "$@" --quiet --out "$work/out-$name" --json "$json" \
	    --fail-on-known >"$log" 2>&1
	rc=$?
	outcome $rc "$log" "$json"
}

# a fuzz run from the checked-in corpus: "ok <execs> execs", or what the
# ASan build's htreplay says of the first crash (the fuzz target runs
# under ASan: a use of freed memory is seen only there)
fuzz() {	# name fuzz-dir asan-dir
	local name=$1 dir=$work/fuzz-$1 log=$work/$1.log execs crash rc
	rm -rf "$dir"
	mkdir -p "$dir/corpus" "$dir/out"
	"$2/htfuzz_sched" -max_total_time="$seconds" -max_len=800 \
	    -artifact_prefix="$dir/out/" -print_final_stats=1 \
	    "$dir/corpus" corpus/htfuzz_sched >"$log" 2>&1
	crash=$(ls "$dir"/out/* 2>/dev/null | head -1)
	if [ -z "$crash" ]; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "ok ${execs:-?} execs"
		return
	fi
	"$3/htreplay" --fuzz-input --fail-on-known "$crash" >"$log.replay" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		echo "bug - a crash htreplay does not reproduce: $crash"
		return
	fi
	outcome $rc "$log.replay" /dev/null
}

# one outcome into the row: its cell onto $cells, its finding onto
# $found (bad=1 if no known finding accounts for it)
cell() {	# outcome words...
	local name sig after=
	while [ "$1" = after ]; do
		after="${after}known: $2; clear of it: "
		[[ $found == *"known: $2"* ]] || found="$found known: $2;"
		shift 2
	done
	if [ "$1" = ok ]; then
		case "$*" in
		*execs) cells+=("$2 execs") ;;
		*) if [ $# -ge 5 ]; then cells+=("$after$5 runs, $2 ops, $3 steals, $4 reaps")
		   else cells+=("$after$2 ops, $3 steals, $4 reaps"); fi ;;
		esac
		return
	fi
	name=${2#-}
	shift 2
	sig="$*"
	sig="${sig//$variants/<variants>}${name:+ (known: $name)}"
	[[ $found == *"$sig"* ]] || found="$found ${sig//|/\\|};"
	if [ -n "$name" ]; then
		cells+=("${after}known: $name")
	else
		cells+=("$after**found**")
		bad=1
	fi
}

table=() bad=0 t0=$(date +%s)
for r in "${rows[@]}"; do
	selected "$r" || continue
	file=$variants/$r/htable.c
	date=${r#*/}; date=${date%-*}
	era=$(shim/era/probe.sh "$file" 2>/dev/null) || era=none
	echo "== $r: era $era" >&2
	case $era in
	kpti|2015|2007|2005) ;;
	*) table+=("| $r | $date | $era | not built: htbed builds no era '$era' | - | - | - | - | - | - | - |")
	   continue ;;
	esac
	id=${r//\//-}
	if ! { rel=$(build "$r" "$file" "$era" release htstress htreplay) &&
	    tsan=$(build "$r" "$file" "$era" tsan htstress) &&
	    acc=$(build "$r" "$file" "$era" access htstress) &&
	    fz=$(build "$r" "$file" "$era" fuzz htfuzz_sched) &&
	    asan=$(build "$r" "$file" "$era" asan htreplay); }; then
		why=$(cat "$work/$id-"*.build | grep -m1 -E 'error|Error')
		table+=("| $r | $date | $era | **no**: ${why//|/\\|} | - | - | - | - | - | - | - |")
		bad=1
		continue
	fi
	found= cells=()
	while read -r res; do
		# shellcheck disable=SC2086
		cell $res
	done < <(
	    run "$id-free" "$rel/htstress" --seconds "$seconds" --seed 1 --walkers 0
	    run "$id-walk" "$rel/htstress" --seconds "$seconds" --seed 1 --walkers 1
	    run "$id-tsan" "$tsan/htstress" --seconds "$seconds" --seed 3 --walkers 0
	    run "$id-tsanwalk" "$tsan/htstress" --seconds "$seconds" --seed 3 --walkers 1
	    run "$id-ctl" env HTBED_CHECK_VERIFY=1 "$acc/htstress" \
		--mode controlled --kpm --walkers 1 --seconds "$seconds" --seed 2
	    fuzz "$id" "$fz" "$asan")
	row="| $r | $date | $era | yes |"
	for c in "${cells[@]}"; do row="$row $c |"; done
	table+=("$row ${found:--} |")
done
secs=$(( $(date +%s) - t0 ))

tmp=$(mktemp "$out.XXXXXX") || exit 2
{
	echo "# The version matrix"
	echo
	echo "Every \`htable.c\` of \`$variants\`, run by \`ci/versions.sh\`"
	echo "(\`make versions\`) on $(date -u +%Y-%m-%d), $(nproc) cores, $seconds s per run;"
	echo "the whole matrix took $secs s."
	echo
	echo "Runs, each as long: **free** \`htstress --walkers 0 --seed 1\`"
	echo "(release, window mode, no MMU walkers); **+MMU** the same with"
	echo "\`--walkers 1\` (the emulated MMU walks the tables); **TSan** and"
	echo "**TSan+MMU** \`--seed 3\` without and with walkers in the"
	echo "ThreadSanitizer build; **controlled** \`htstress --mode controlled"
	echo "--kpm --walkers 1 --seed 2\` in the access-seams build (every"
	echo "shared load and store of the file a preemption point); **fuzz**"
	echo "htfuzz_sched from corpus/htfuzz_sched, its first crash replayed"
	echo "by the ASan build's htreplay.  Each gives its work or what it found; findings that"
	echo "a finding of \`corpus/findings/\` accounts for are marked known."
	echo
	echo "| version | date | era | builds | free | +MMU | TSan | TSan+MMU | controlled | fuzz | findings |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	printf '%s\n' "${table[@]}"
} >"$tmp" && mv "$tmp" "$out" || { rm -f "$tmp"; exit 2; }
echo "ci/versions.sh: ${#table[@]} rows in $secs s, written to $out" >&2
exit $bad
