#!/usr/bin/env bash
# Findings with a fix are regression tests.  For every corpus/findings/
# NAME/ with a fix.patch (the own core carries the fix):
#  - on the own core, each crash-* fuzz input replays clean (htreplay
#    --fuzz-input, ASan build, as the regression corpus replays), and the
#    program repro-min.txt passes --runs new schedules in window and kpm
#    memory;
#  - each repro-<version>.txt recorded on an illumos file still fails on
#    that file, unpatched, with this finding (exact replay; the report's
#    "known:" line names it): the finding is still there to fix upstream.
#    repro-<version>-access.txt was recorded by a SEAMS=access build, and
#    replays in one.
# Every run fails on known findings too (HTBED_FAIL_ON_KNOWN=1).
#
# usage: tests/findings.sh [--runs N] [name ...]   (from the top of the tree)
# exit: 0 all as expected, 1 a check failed, 2 a build or setup error
set -u
export HTBED_FAIL_ON_KNOWN=1
runs=2000
[ "${1:-}" = --runs ] && { runs=$2; shift 2; }
out=build/findings-test
mkdir -p "$out"
fail=0
say() { printf '%-52s %s\n' "$1" "$2"; }
mk() { make -s "$@" >>"$out/build.log" 2>&1 ||
	{ echo "tests/findings.sh: make $* failed (see $out/build.log)" >&2; exit 2; }; }

# the illumos file a repro-<version>.txt was recorded on
file_of() {
	case $1 in
	reference) echo ../shared/reference/htable.c ;;
	*) ls -d ../shared/variants/*/"$1"-*/htable.c 2>/dev/null | head -1 ;;
	esac
}

mk VARIANT=asan build/asan/htreplay
mk build/release/htstress
names=("$@")
[ ${#names[@]} -gt 0 ] || names=($(cd corpus/findings && ls))
for name in "${names[@]}"; do
	d=corpus/findings/$name
	[ -d "$d" ] || { echo "tests/findings.sh: no $d" >&2; exit 2; }
	[ -f "$d/fix.patch" ] || continue
	for f in "$d"/crash-*; do
		[ -f "$f" ] || continue
		if build/asan/htreplay --fuzz-input --quiet --out "$out/r" "$f" \
		    >"$out/$name.crash.log" 2>&1; then
			say "$name/${f##*/}" "ok: clean on the own core"
		else
			say "$name/${f##*/}" "FAILED on the own core ($out/$name.crash.log)"
			fail=1
		fi
	done
	for mem in window kpm; do
		if build/release/htstress --mode controlled --program \
		    "$d/repro-min.txt" --runs "$runs" --seconds 0 --seed 1 \
		    $([ $mem = kpm ] && echo --kpm) --quiet --out "$out/p" \
		    >"$out/$name.$mem.log" 2>&1; then
			say "$name program, $mem" "ok: $runs schedules clean on the own core"
		else
			say "$name program, $mem" "FAILED on the own core ($out/$name.$mem.log)"
			fail=1
		fi
	done
	for r in "$d"/repro-*.txt; do
		v=${r##*/repro-}; v=${v%.txt} seams=sync acc=
		[ "$v" = min ] && continue
		case $v in *-access) v=${v%-access} seams=access acc=-access ;; esac
		file=$(file_of "$v")
		if [ -z "$file" ] || [ ! -f "$file" ]; then
			say "$name/${r##*/}" "skipped: no file for '$v'"
			continue
		fi
		era=$(shim/era/probe.sh "$file") || exit 2
		b=build/release-ext$([ "$era" = kpti ] || echo "-$era")$acc
		mk HTABLE_C="$file" SEAMS=$seams "$b/htreplay"
		"$b/htreplay" --quiet --out "$out/r" "$r" >"$out/$name.$v.log" 2>&1
		if grep -q "^known: *$name " "$out/$name.$v.log"; then
			say "$name/${r##*/}" "ok: still fails on $file"
		else
			say "$name/${r##*/}" "FAILED: $file no longer shows it ($out/$name.$v.log)"
			fail=1
		fi
	done
done
exit $fail
