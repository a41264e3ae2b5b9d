#!/usr/bin/env bash
# Reproducers end to end: controlled mode finds a planted bug and writes a
# reproducer; htreplay reproduces the failure in other processes with the
# same event-trace hash; --minimize shrinks it and keeps the signature;
# htstress --program finds it again under other schedules; damaged
# reproducers are refused with exit 2 and one line, by both.
#
# usage: tests/replay.sh [mutant]   (run from the top of the tree)
set -u
m=${1:-steal-ignores-locks}
out=build/replay-test
b=build/mutant-$m-release
fail() { echo "tests/replay.sh: FAILED: $*" >&2; exit 1; }
. tests/replay_lib.sh

make -s mutant M="$m" VARIANT=release >/dev/null || fail "mutant $m does not build"
make -s CORE="build/mutants/$m/src/core" B="$b" "$b/htreplay" >/dev/null ||
	fail "htreplay for $m does not build"
rm -rf "$out" && mkdir -p "$out"

"$b/htstress" --mode controlled --kpm --seconds 60 --seed 1 --quiet \
	--out "$out/find" >"$out/find.log" 2>&1
[ $? = 1 ] || fail "controlled mode did not find $m (see $out/find.log)"
repro=$out/find/repro-1.txt
sig=$(sed -n 's/^failure //p' "$repro")
[ -n "$sig" ] || fail "no failure line in $repro"

# the same failure and the same interleaving, in three more processes
hashes=$(same_trace_hash "$b/htreplay" "$repro" "$out" "$out/find.log") ||
	exit 1
"$b/htreplay" --out "$out/r0" "$repro" >"$out/replay.log" 2>&1
[ $? = 1 ] && grep -q "reproduced: $sig" "$out/replay.log" ||
	fail "htreplay did not reproduce $sig"

# minimized: smaller, same signature, and it replays
"$b/htreplay" --minimize "$out/min.txt" "$repro" >"$out/min.log" 2>&1 ||
	fail "--minimize failed (see $out/min.log)"
before=$(grep -c '^op ' "$repro")
after=$(grep -c '^op ' "$out/min.txt")
[ "$after" -lt "$before" ] || fail "--minimize left $after of $before ops"
[ "$(sed -n 's/^failure //p' "$out/min.txt")" = "$sig" ] ||
	fail "the minimized reproducer records another failure"
"$b/htreplay" --out "$out/rmin" "$out/min.txt" >"$out/rmin.log" 2>&1
[ $? = 1 ] && grep -q "reproduced: $sig" "$out/rmin.log" ||
	fail "the minimized reproducer does not reproduce $sig"

# --program: the minimized program fails again under other schedules
"$b/htstress" --mode controlled --program "$out/min.txt" --runs 5000 \
	--seconds 0 --seed 2 --quiet --out "$out/prog" >"$out/prog.log" 2>&1
[ $? = 1 ] || fail "htstress --program $out/min.txt found nothing in 5000 runs"

# damaged files: exit 2, one line
head -c 200 "$repro" >"$out/cut.txt"
printf 'hello\n' >"$out/foreign.txt"
sed 's/ cpus=4 / cpus=5 /' "$repro" >"$out/edited.txt"
cmp -s "$repro" "$out/edited.txt" && fail "could not edit $repro"
for f in cut foreign edited missing; do
	msg=$("$b/htreplay" "$out/$f.txt" 2>&1)
	rc=$?
	[ $rc = 2 ] && [ "$(echo "$msg" | wc -l)" = 1 ] ||
		fail "htreplay $f.txt: exit $rc, said: $msg"
	msg=$("$b/htstress" --mode controlled --runs 1 --program \
	    "$out/$f.txt" 2>&1)
	rc=$?
	[ $rc = 2 ] && [ "$(echo "$msg" | wc -l)" = 1 ] ||
		fail "htstress --program $f.txt: exit $rc, said: $msg"
done
echo "tests/replay.sh: $m found, replayed (trace hash $hashes), minimized" \
	"from $before to $after ops, found again by --program; damaged" \
	"reproducers refused"
