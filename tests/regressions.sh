#!/usr/bin/env bash
# The regression corpus: every file in corpus/regressions/<name>/ is an
# htfuzz_sched input (a crash file, as libFuzzer wrote it) that once made a
# core fail.  Each one must
#  - pass on the correct core (htreplay --fuzz-input, ASan build), and
#  - if <name> is a mutant (mutants/<name>.patch), fail on that mutant
#    with the signature in corpus/regressions/<name>/expect: the kind of
#    failure and the file it was found in, line numbers left out so that
#    edits elsewhere in the file do not break it.  A signature of an ASan
#    error ("asan-...") is replayed under ASan, any other in release.
# An input found with access seams (SEAMS=access: its schedule is read as
# gaps between access seams) says so in corpus/regressions/<name>/seams
# and is replayed by builds with them.
#
# usage: tests/regressions.sh [name ...]   (run from the top of the tree)
#        tests/regressions.sh --core HTREPLAY [name ...]
#            only the first check, on another core's htreplay (make
#            real-corpus: the reference htable.c must pass them all)
#        tests/regressions.sh --signature HTREPLAY FILE
#            the signature HTREPLAY fails with on FILE ("none at" if none)
# fuzz/regression.sh adds regressions.
# exit: 0 all as expected, 1 a regression failed, 2 a build or setup error
set -u
# planted bugs must fail, whatever known finding they look like
export HTBED_FAIL_ON_KNOWN=1
dir=corpus/regressions
out=build/regressions
fail=0

say() { printf '%-44s %s\n' "$1" "$2"; }

# "kind at file", line and function left out; a mutant's copy of a core
# file is named as the file of core/ it patches
signature() {
	local kind where
	kind=$(sed -n 's/^==== htbed: BUG FOUND: \(.*\) ====$/\1/p' "$1" | head -1)
	where=$(sed -n 's/^where:  //p' "$1" | head -1)
	where=${where%% *}
	where=${where%%:*}
	echo "${kind:-none} at $(echo "$where" | sed 's#^build/mutants/[^/]*/src/##')"
}

# replay BINARY FILE LOG: exit code of the replay
replay() {
	timeout 300 "$1" --fuzz-input --quiet --out "$out/r" "$2" >"$3" 2>&1
}

if [ "${1:-}" = --signature ]; then
	[ $# = 3 ] || { echo "usage: tests/regressions.sh --signature HTREPLAY FILE" >&2; exit 2; }
	mkdir -p "$out"
	replay "$2" "$3" "$out/signature.log"
	signature "$out/signature.log"
	exit 0
fi
core=build/asan/htreplay core_access=build/asan-access/htreplay only_core=0
if [ "${1:-}" = --core ]; then
	[ $# -ge 2 ] && [ -x "$2" ] ||
		{ echo "tests/regressions.sh: --core needs an htreplay binary" >&2; exit 2; }
	core=$2 only_core=1
	shift 2
else
	make -s VARIANT=asan build/asan/htreplay >/dev/null &&
	    make -s VARIANT=asan SEAMS=access $core_access >/dev/null ||
		{ echo "tests/regressions.sh: htreplay (asan) does not build" >&2; exit 2; }
fi
mkdir -p "$out"
names=("$@")
[ ${#names[@]} -gt 0 ] || names=($(ls "$dir"))
for name in "${names[@]}"; do
	[ -d "$dir/$name" ] || { echo "tests/regressions.sh: no $dir/$name" >&2; exit 2; }
	want= bin= seams=sync acc= on=$core
	[ -f "$dir/$name/seams" ] && seams=$(cat "$dir/$name/seams")
	case $seams in
	sync) ;;
	access)
		[ $only_core = 0 ] ||
			{ say "$name" "skipped on $core (access seams)"; continue; }
		acc=-access on=$core_access ;;
	*) echo "tests/regressions.sh: $dir/$name/seams says '$seams', not sync or access" >&2; exit 2 ;;
	esac
	if [ $only_core = 0 ] && [ -f "mutants/$name.patch" ]; then
		want=$(cat "$dir/$name/expect" 2>/dev/null) ||
			{ echo "tests/regressions.sh: $dir/$name/expect is missing" >&2; exit 2; }
		v=release
		[[ $want == asan-* ]] && v=asan
		make -s mutant M="$name" VARIANT=$v SEAMS=$seams >/dev/null ||
			{ echo "tests/regressions.sh: mutant $name ($v) does not build" >&2; exit 2; }
		bin=build/mutant-$name-$v$acc/htreplay
	fi
	for f in "$dir/$name"/*; do
		case ${f##*/} in expect|seams) continue ;; esac
		log=$out/${f//\//_}
		if ! replay "$on" "$f" "$log.core"; then
			say "${f#$dir/}" "FAILED on $on (see $log.core)"
			fail=1
			continue
		fi
		[ -n "$bin" ] || { say "${f#$dir/}" "passes on $on"; continue; }
		replay "$bin" "$f" "$log.mutant"
		rc=$? got=$(signature "$log.mutant")
		if [ $rc = 1 ] && [ "$got" = "$want" ]; then
			say "${f#$dir/}" "passes; on the mutant: $got"
		else
			say "${f#$dir/}" "FAILED: the mutant gave $got (exit $rc), not $want (see $log.mutant)"
			fail=1
		fi
	done
done
[ $fail = 0 ] || { echo "tests/regressions.sh: FAILED" >&2; exit 1; }
echo "tests/regressions.sh: all passed"
