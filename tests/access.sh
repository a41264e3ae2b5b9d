#!/usr/bin/env bash
# Access seams end to end: a planted plain read-modify-write that no
# sync-seam run can interleave is found by controlled mode in a
# SEAMS=access build; its reproducer records the access seams, replays in
# other processes with the same event-trace hash, and is refused (exit 2,
# one line) by a build without them and by one that compiled the core's
# accesses otherwise (the fuzz build: ASan and the fuzzer's coverage).  Each input of corpus/htfuzz_sched
# is one run in the fuzzer and in the fuzz build's htreplay (steps,
# decisions, preemptions), and the scheduler's loans of access points
# change no run: it replays to the same hash, steps, decisions and
# preemptions with HTBED_NO_LEND=1.  Every run here checks that the
# record of writes is whole (HTBED_CHECK_VERIFY=1: htbed/written.h); the
# version matrix checks it on every illumos file (ci/versions.sh).
#
# usage: tests/access.sh [mutant]   (run from the top of the tree)
set -u
export HTBED_FAIL_ON_KNOWN=1 HTBED_CHECK_VERIFY=1
m=${1:-load-counts-plainly}
out=build/access-test
b=build/mutant-$m-release-access
fail() { echo "tests/access.sh: FAILED: $*" >&2; exit 1; }
. tests/replay_lib.sh

make -s mutant M="$m" VARIANT=release SEAMS=access >/dev/null ||
	fail "mutant $m (access seams) does not build"
make -s VARIANT=release build/release/htreplay >/dev/null ||
	fail "build/release/htreplay does not build"
rm -rf "$out" && mkdir -p "$out"

"$b/htstress" --mode controlled --kpm --seconds 60 --seed 1 --quiet \
	--out "$out/find" >"$out/find.log" 2>&1
[ $? = 1 ] || fail "controlled mode with access seams did not find $m" \
	"(see $out/find.log)"
repro=$out/find/repro-1.txt
grep -qx 'seams access' "$repro" || fail "$repro does not record its seams"
grep -q '^access_code 0x' "$repro" ||
	fail "$repro does not record what its build compiled"

hashes=$(same_trace_hash "$b/htreplay" "$repro" "$out" "$out/find.log") ||
	exit 1

msg=$(build/release/htreplay "$repro" 2>&1)
rc=$?
[ $rc = 2 ] && [ "$(echo "$msg" | wc -l)" = 1 ] ||
	fail "a build without access seams replayed it: exit $rc, said: $msg"
fz=build/fuzz-access
make -s SEAMS=access CC=clang VARIANT=asan B=$fz \
	EXTRA_CFLAGS="$(make -s fuzz-flags)" FUZZ_LINK=-fsanitize=fuzzer \
	$fz/htfuzz_sched $fz/htreplay >/dev/null ||
	fail "$fz (the fuzz build with access seams) does not build"
msg=$($fz/htreplay "$repro" 2>&1)
rc=$?
[ $rc = 2 ] && [ "$(echo "$msg" | wc -l)" = 1 ] ||
	fail "a build that compiled other access seams replayed it: exit" \
	    "$rc, said: $msg"
n=0
for f in corpus/htfuzz_sched/*; do
	lent=$($fz/htreplay --fuzz-input=sched "$f" 2>&1 | tail -1)
	unlent=$(HTBED_NO_LEND=1 $fz/htreplay --fuzz-input=sched "$f" 2>&1 |
	    tail -1)
	fuzzed=$(HTBED_FUZZ_SUMMARY=1 $fz/htfuzz_sched -runs=1 "$f" 2>&1 |
	    sed -n 's/^htfuzz_sched: //p')
	case $lent in *"event-trace hash"*) ;;
	*) fail "$f did not replay cleanly: $lent" ;; esac
	[ "$lent" = "$unlent" ] ||
		fail "$f replays differently with loans: $lent / $unlent"
	case $lent in *", $fuzzed;"*) ;;
	*) fail "$f: the fuzz run ($fuzzed) is not its replay ($lent)" ;; esac
	n=$((n + 1))
done
echo "tests/access.sh: $m found with access seams, replayed (trace hash" \
	"$hashes), refused without them and by another build; $n fuzz inputs replay as the" \
	"fuzzer ran them, the same with and without loans"
