#!/usr/bin/env bash
# ci/versions.sh: the version matrix.  Every htable.c under the variants
# directory (../shared/variants: illumos-gate 2005-2021, OmniOS, SmartOS,
# Delphix, each beside its tree's headers), in date order: the era its
# code says it is (shim/era/probe.sh), whether it builds (release and
# ThreadSanitizer), and three short runs -- free-running stress with the
# emulated MMU, controlled mode (kpm, random schedules, the MMU), and
# free-running stress under ThreadSanitizer -- each with its work (ops,
# steals, reaps; runs) and the signature of anything found.  Written to
# docs/versions.md (a temporary file, then renamed).
#
# usage: ci/versions.sh [--only GLOBS] [--seconds S] [--out FILE]
#                       [--variants DIR]
#   --only      comma-separated globs over the rows' names
#               (lineage/directory, e.g. 'illumos-gate/2021-*,smartos/*')
#   --seconds   each run's length (default 30)
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

only= seconds=30 out=docs/versions.md variants=../shared/variants
while [ $# -gt 0 ]; do
	case "$1" in
	--only) only=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--variants) variants=$2; shift 2 ;;
	*) echo "ci/versions.sh: unknown option $1" >&2; exit 2 ;;
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

# shared objects per era and variant, then each version's own
build() {	# row file era variant -> prints the htstress path, or fails
	local id=${1//\//-} v=$4 share=$work/share-$3-$4
	make -s VARIANT="$v" B="$share" HTABLE_C="$2" lib-objects \
	    >"$work/$id-$v.build" 2>&1 &&
	make -s VARIANT="$v" B="$work/$id-$v" SHARE="$share" HTABLE_C="$2" \
	    "$work/$id-$v/htstress" >>"$work/$id-$v.build" 2>&1 &&
	echo "$work/$id-$v/htstress"
}

# one run: prints "ok <counters>" or "bug <known finding, or -> <signature>"
run() {	# name binary args...
	local name=$1 bin=$2 log json sig known rc
	shift 2
	log=$work/$name.log json=$work/$name.json
	rm -f "$json"
	"$bin" "$@" --quiet --out "$work/out-$name" --json "$json" \
	    --fail-on-known >"$log" 2>&1
	rc=$?
	case $rc in
	0) tr -d ' \n' <"$json" | sed 's/.*"ops":\([0-9]*\).*"steals":\([0-9]*\).*"reaps":\([0-9]*\).*/ok \1 \2 \3/'
	   tr -d ' \n' <"$json" | sed -n 's/.*"runs":\([0-9]*\).*/ \1/p' ;;
	1) sig=$(sed -n 's/^signature: *//p' "$log" | head -1)
	   known=$(sed -n 's/^known: *\([^ ]*\).*/\1/p' "$log" | head -1)
	   echo "bug ${known:--} ${sig:-(no signature: see $log)}" ;;
	*) echo "bug - exit $rc ($(tail -1 "$log"))" ;;
	esac
}

table=() findings=() bad=0 t0=$(date +%s)
for r in "${rows[@]}"; do
	selected "$r" || continue
	file=$variants/$r/htable.c
	date=${r#*/}; date=${date%-*}
	commit=${r##*-}
	era=$(shim/era/probe.sh "$file" 2>/dev/null) || era=none
	echo "== $r: era $era" >&2
	case $era in
	kpti|2015) ;;
	*) table+=("| $r | $date | $era | not built: era '$era' (2005-2014) is not supported yet | - | - | - | - |")
	   continue ;;
	esac
	rel=$(build "$r" "$file" "$era" release) &&
	    tsan=$(build "$r" "$file" "$era" tsan)
	if [ -z "${tsan:-}" ] || [ -z "$rel" ]; then
		why=$(grep -m1 -E 'error|Error' "$work/${r//\//-}-"*.build)
		table+=("| $r | $date | $era | **no**: ${why//|/\\|} | - | - | - | - |")
		bad=1
		continue
	fi
	id=${r//\//-}
	free=$(run "$id-free" "$rel" --seconds "$seconds" --seed 1 --walkers 1)
	ctl=$(run "$id-ctl" "$rel" --mode controlled --kpm --walkers 1 \
	    --seconds "$seconds" --seed 2)
	ts=$(run "$id-tsan" "$tsan" --seconds "$seconds" --seed 3)
	cells=() found=
	for res in "$free" "$ctl" "$ts"; do
		set -- $res
		if [ "$1" = ok ]; then
			if [ $# -ge 5 ]; then
				cells+=("$5 runs, $2 ops, $3 steals, $4 reaps")
			else
				cells+=("$2 ops, $3 steals, $4 reaps")
			fi
			continue
		fi
		name=${2#-}
		shift 2
		sig="$*"
		if [ -n "$name" ]; then
			cells+=("known: $name")
		else
			cells+=("**found**")
			bad=1
		fi
		sig="${sig//$variants/<variants>}${name:+ (known: $name)}"
		[[ $found == *"$sig"* ]] || found="$found ${sig//|/\\|};"
	done
	table+=("| $r | $date | $era | yes | ${cells[0]} | ${cells[1]} | ${cells[2]} | ${found:--} |")
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
	echo "Runs: **free** \`htstress --walkers 1 --seed 1\` (release, window"
	echo "mode, with the emulated MMU); **controlled** \`htstress --mode"
	echo "controlled --kpm --walkers 1 --seed 2\`; **TSan** \`htstress --seed 3\`"
	echo "(ThreadSanitizer build, window mode, with tests/tsan_reference.c's"
	echo "policy).  Each gives its work or what it found; findings that a"
	echo "finding of \`corpus/findings/\` accounts for are marked known."
	echo
	echo "| version | date | era | builds | free | controlled | TSan | findings |"
	echo "|---|---|---|---|---|---|---|---|"
	printf '%s\n' "${table[@]}"
} >"$tmp" && mv "$tmp" "$out" || { rm -f "$tmp"; exit 2; }
echo "ci/versions.sh: ${#table[@]} rows in $secs s, written to $out" >&2
exit $bad
