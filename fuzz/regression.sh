#!/usr/bin/env bash
# Turn an htfuzz_sched crash into a regression test (corpus/regressions/).
#
# usage: fuzz/regression.sh add NAME FILE
#            minimize FILE with the build it crashed (NAME a mutant: that
#            mutant's target; otherwise build/fuzz/htfuzz_sched, the tree
#            as it is, before the fix) and store it as
#            corpus/regressions/NAME/crash-<sha1>; for a mutant also
#            record the signature it fails with in .../expect
#        fuzz/regression.sh find MUTANT [SECONDS]
#            fuzz the mutant from the seed corpus until it crashes (at
#            most SECONDS, default 300), then add the crash
# SEAMS=access in the environment: the access-seams builds (the input's
# schedule is read as gaps between access seams), and the regression says
# so in corpus/regressions/NAME/seams.
# tests/regressions.sh (make test) replays them all.
# exit: 0 stored, 1 nothing found or the crash did not reproduce, 2 usage
set -u
cd "$(dirname "$0")/.."
die() { echo "fuzz/regression.sh: $*" >&2; exit "${2:-2}"; }
seams=${SEAMS:-sync}
case $seams in
sync) acc= ;;
access) acc=-access ;;
*) die "SEAMS=$seams: sync or access" ;;
esac

target() {
	if [ -f "mutants/$1.patch" ]; then
		make -s SEAMS=$seams fuzz-mutant M="$1" >&2 ||
			die "mutant $1 does not build"
		echo "build/fuzz-mutant-$1$acc/htfuzz_sched"
	else
		make -s SEAMS=$seams fuzz-build >&2 ||
			die "the fuzz targets do not build"
		echo "build/fuzz$acc/htfuzz_sched"
	fi
}

# the mutant's signature on FILE: ASan's if it has one, else release's
expect() {
	local m=$1 f=$2 v sig
	for v in asan release; do
		make -s mutant M="$m" VARIANT=$v SEAMS=$seams >/dev/null ||
			die "mutant $m ($v) does not build"
		sig=$(tests/regressions.sh --signature \
		    "build/mutant-$m-$v$acc/htreplay" "$f")
		case $v:$sig in
		asan:asan-*) break ;;
		release:none*) die "$f does not fail on $m" 1 ;;
		esac
	done
	echo "$sig"
}

add() {
	local name=$1 file=$2 bin work sha dir
	[ -r "$file" ] || die "cannot read $file"
	[ "$seams" = access ] || [ ! -f "corpus/regressions/$name/seams" ] ||
		die "corpus/regressions/$name holds access-seams inputs: SEAMS=access"
	bin=$(target "$name") || exit 2
	work=$(mktemp -d build/regression.XXXXXX)
	"$bin" -minimize_crash=1 -max_total_time=60 \
	    -exact_artifact_path="$work/min" "$file" >"$work/log" 2>&1
	[ -s "$work/min" ] || cp "$file" "$work/min"
	sha=$(sha1sum "$work/min" | cut -c1-40)
	dir=corpus/regressions/$name
	mkdir -p "$dir"
	if [ -f "mutants/$name.patch" ]; then
		expect "$name" "$work/min" >"$work/expect" || exit $?
		mv "$work/expect" "$dir/expect"
	fi
	[ "$seams" = access ] && echo access >"$dir/seams"
	mv "$work/min" "$dir/crash-$sha"
	rm -rf "$work"
	echo "fuzz/regression.sh: $dir/crash-$sha ($(wc -c <"$dir/crash-$sha") bytes)"
	[ -f "$dir/expect" ] && echo "fuzz/regression.sh: expected on the mutant: $(cat "$dir/expect")"
	return 0
}

find_crash() {
	local m=$1 secs=${2:-300} bin work
	[ -f "mutants/$m.patch" ] || die "no mutant $m"
	bin=$(target "$m") || exit 2
	work=$(mktemp -d build/regression.XXXXXX)
	mkdir -p "$work/corpus"
	"$bin" -max_total_time="$secs" -artifact_prefix="$work/" \
	    "$work/corpus" corpus/htfuzz_sched >"$work/log" 2>&1
	set -- "$work"/crash-*
	[ -f "$1" ] || die "no crash of $m in $secs s (see $work/log)" 1
	add "$m" "$1"
}

case "${1:-}" in
add) [ $# = 3 ] || die "usage: fuzz/regression.sh add NAME FILE"; add "$2" "$3" ;;
find) [ $# -ge 2 ] || die "usage: fuzz/regression.sh find MUTANT [SECONDS]"
	find_crash "$2" "${3:-300}" ;;
*) die "usage: fuzz/regression.sh add NAME FILE | find MUTANT [SECONDS]" ;;
esac
