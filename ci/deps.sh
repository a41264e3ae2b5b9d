#!/bin/sh
# Check (and on a Debian machine, install) what htbed needs to build and
# test.  Usage: ci/deps.sh [check|install|optional]
#   check    exit 0 if everything is there, 1 (with a list) if not
#   install  as root: apt-get install what is missing; otherwise print the
#            exact command to run and exit 2
#   optional install what only optional checks use, as install does:
#            chromium, for tests/nightly_html.py (skipped without it)
set -u
PKGS="make clang llvm-14 libclang-rt-14-dev libfuzzer-14-dev libcmocka-dev liburcu-dev libck-dev patch python3"
OPTIONAL="chromium"

missing() {
	for p in $PKGS; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || echo "$p"
	done
}

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "htbed: cannot check dependencies: this is not a Debian machine;" \
	    "install the equivalents of: $PKGS" >&2
	exit 2
fi

mode=${1:-check}
[ "$mode" = optional ] && PKGS=$OPTIONAL mode=install
need=$(missing | tr '\n' ' ')
case "$mode" in
check)
	[ -z "$need" ] && exit 0
	echo "htbed: missing Debian packages: $need" >&2
	exit 1 ;;
install)
	[ -z "$need" ] && exit 0
	if [ "$(id -u)" != 0 ]; then
		echo "htbed: missing Debian packages: $need" >&2
		echo "htbed: run as root:  apt-get install -y $need" >&2
		exit 2
	fi
	echo "htbed: installing $need" >&2
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get update -qq && apt-get install -y -qq $need; } >&2 || {
		echo "htbed: apt-get install failed for: $need" >&2
		exit 2
	}
	need=$(missing | tr '\n' ' ')
	[ -z "$need" ] || { echo "htbed: still missing: $need" >&2; exit 2; }
	exit 0 ;;
*)
	echo "usage: ci/deps.sh [check|install|optional]" >&2
	exit 2 ;;
esac
