# Sourced by tests/replay.sh and tests/access.sh (which define fail()).

# same_trace_hash HTREPLAY REPRO OUT FINDLOG: replay REPRO in three more
# processes (their reports in OUT/r1..r3); each must print the event-trace
# hash the finding run printed in FINDLOG.  Prints the hash.
same_trace_hash() {
	local hashes
	hashes=$(for i in 1 2 3; do
		"$1" --out "$3/r$i" "$2" 2>&1 | sed -n 's/^trace hash: //p'
	done | sort -u)
	[ "$(echo "$hashes" | wc -l)" = 1 ] && [ -n "$hashes" ] ||
		fail "replays of $2 differ: $hashes"
	grep -q "trace hash: $hashes" "$4" ||
		fail "replays differ from the original run ($hashes)"
	echo "$hashes"
}
