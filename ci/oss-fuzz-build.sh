#!/bin/sh
# The OSS-Fuzz / ClusterFuzzLite build script (their build.sh): every fuzz
# target this tree can build, compiled with the engine's $CC and $CFLAGS
# and linked with $LIB_FUZZING_ENGINE, copied to $OUT with its seed
# corpus, $OUT/<target>_seed_corpus.zip, from corpus/<target>/.  Objects
# go to $WORK (a temporary directory if it is unset): the source tree
# stays clean.  Sanitizers: address and undefined (the scheduler's own
# bookkeeping is built without them, as in every htbed build).
#
# Locally:
#   CC=clang CFLAGS="-fsanitize=address,fuzzer-no-link" \
#   LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/oss-out WORK=/tmp/oss-work \
#   ci/oss-fuzz-build.sh
#
# Links with $CXX $CXXFLAGS when $CXX is set (the engines other than
# libFuzzer are C++ libraries), else with $CC.  Exit 2 if a required
# variable is missing.
set -eu

for v in CC CFLAGS LIB_FUZZING_ENGINE OUT; do
	eval "val=\${$v:-}"
	if [ -z "$val" ]; then
		echo "oss-fuzz-build: \$$v is not set (needed: CC, CFLAGS," \
		    "LIB_FUZZING_ENGINE, OUT)" >&2
		exit 2
	fi
done

command -v zip >/dev/null 2>&1 || {
	echo "oss-fuzz-build: zip is missing (apt-get install -y zip)" >&2
	exit 2
}
if [ -n "${WORK:-}" ]; then
	build="$WORK/htbed-fuzz"
else
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	build="$tmp/htbed-fuzz"
fi
mkdir -p "$build" "$OUT"
build=$(cd "$build" && pwd)
OUT=$(cd "$OUT" && pwd)
cd "$(dirname "$0")/.."

make -s fuzz-oss OSS_B="$build" CC="$CC" CFLAGS="$CFLAGS" \
    FUZZ_LD="${CXX:-$CC} ${CXX:+${CXXFLAGS:-}}" \
    LIB_FUZZING_ENGINE="$LIB_FUZZING_ENGINE"

for t in $(cat "$build/targets"); do
	cp "$build/$t" "$OUT/$t"
	if [ -d "corpus/$t" ]; then
		rm -f "$OUT/${t}_seed_corpus.zip"
		zip -q -j "$OUT/${t}_seed_corpus.zip" corpus/"$t"/*
	fi
	echo "oss-fuzz-build: $OUT/$t"
done
