#!/bin/sh
# Every htable.c of the variants directory that is of an era htbed builds
# compiles against the shim for its era, with the kernel flags its code
# asks for (shim/era/probe.sh and --kernel), as the Makefile compiles an
# HTABLE_C file: a change to a shim header that breaks one version of
# 2005-2021 shows here in seconds, before the version matrix.  Files of
# eras not built (none left) are counted, not compiled: 40 built and
# 0 older in ../shared/variants.
#
# usage: tests/eras.sh [VARIANTS_DIR]      (from the top of the tree)
# exit: 0 every file of a built era compiles; 1 one does not; 2 no
# variants directory
set -u
variants=${1:-../shared/variants}
[ -d "$variants" ] || {
	echo "tests/eras.sh: skipped: $variants does not exist"
	exit 0
}
cc=${CC:-clang}
fail=0 built=0 older=0
for f in "$variants"/*/*/htable.c; do
	era=$(shim/era/probe.sh "$f" 2>/dev/null) || era=none
	case $era in
	kpti) year=2018 ;;
	2015|2007|2005) year=$era ;;
	*) older=$((older + 1)); continue ;;
	esac
	# shellcheck disable=SC2046
	if $cc -std=gnu11 -fsyntax-only -DDEBUG -D_KERNEL -DHTBED_ERA=$year \
	    -DHTBED_ACCESS_SEAMS=0 $(shim/era/probe.sh --kernel "$f") \
	    -Ishim/include -Wall -Wno-sign-compare -Wno-unused-parameter \
	    -Wno-unknown-pragmas -Wno-int-conversion -Werror "$f" \
	    2>/tmp/eras.$$; then
		built=$((built + 1))
	else
		echo "tests/eras.sh: FAIL: $f (era $era) does not compile:" >&2
		head -5 /tmp/eras.$$ >&2
		fail=1
	fi
done
rm -f /tmp/eras.$$
echo "tests/eras.sh: $built files of the built eras compile against the shim; $older of eras not built yet"
exit $fail
