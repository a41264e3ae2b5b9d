#!/usr/bin/env bash
# Access seams end to end: a planted plain read-modify-write that no
# sync-seam run can interleave is found by controlled mode in a
# SEAMS=access build; its reproducer records the access seams, replays in
# other processes with the same event-trace hash, and is refused (exit 2,
# one line) by a build without them.  And the scheduler's loans of access
# points change no run: each input of corpus/htfuzz_sched replays to the
# same hash, steps, decisions and preemptions with HTBED_NO_LEND=1.
#
# usage: tests/access.sh [mutant]   (run from the top of the tree)
set -u
export HTBED_FAIL_ON_KNOWN=1
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

hashes=$(same_trace_hash "$b/htreplay" "$repro" "$out" "$out/find.log") ||
	exit 1

msg=$(build/release/htreplay "$repro" 2>&1)
rc=$?
[ $rc = 2 ] && [ "$(echo "$msg" | wc -l)" = 1 ] ||
	fail "a build without access seams replayed it: exit $rc, said: $msg"
make -s VARIANT=release SEAMS=access build/release-access/htreplay \
	>/dev/null || fail "build/release-access/htreplay does not build"
n=0
for f in corpus/htfuzz_sched/*; do
	lent=$(build/release-access/htreplay --fuzz-input=sched "$f" 2>&1 |
	    tail -1)
	unlent=$(HTBED_NO_LEND=1 build/release-access/htreplay \
	    --fuzz-input=sched "$f" 2>&1 | tail -1)
	case $lent in *"event-trace hash"*) ;;
	*) fail "$f did not replay cleanly: $lent" ;; esac
	[ "$lent" = "$unlent" ] ||
		fail "$f replays differently with loans: $lent / $unlent"
	n=$((n + 1))
done
echo "tests/access.sh: $m found with access seams, replayed (trace hash" \
	"$hashes), refused without them; $n fuzz inputs replay the same" \
	"with and without loans"
