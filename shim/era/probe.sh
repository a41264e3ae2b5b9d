#!/bin/sh
# shim/era/probe.sh FILE: the era of an illumos htable.c, found from its
# code (comments left out), as shim/include/htbed/era.h names them:
#
#   kpti    it uses HTABLE_COPIED: copied top-level tables and per-CPU
#           page tables (illumos 9208, 2018-03, on)
#   2015    it has htable_steal_active() and calls hat_pte_unmap() with
#           six arguments (the tlb flag of illumos 5514, 2015-01), never
#           five (a file whose steal no longer calls it, as with the fix
#           of corpus/findings/steal-unmaps-locked, is still of its era)
#   older   anything else: 2005-2014, not built yet
#
# Prints the era on stdout.  With --policy, prints instead the -D flags
# that make core/htable.c behave as FILE does where files of one era
# differ (shim/include/htbed/era.h, HTBED_REAP_STEALS_ACTIVE: whether a
# reap steals tables in use; from 2015-09-13 on, "passes = reap ? 0 :
# htable_steal_passes" makes it take cached ones only).  A file that
# cannot be read, or that is not an htable.c, gets one line on stderr
# and exit 2.
set -u
policy=0
[ "${1:-}" = --policy ] && { policy=1; shift; }
f=${1:?usage: shim/era/probe.sh [--policy] FILE}
if [ ! -f "$f" ] || [ ! -r "$f" ]; then
	echo "htbed: HTABLE_C=$f: no such readable file" >&2
	exit 2
fi
# the code without comments, then the number of arguments of each
# hat_pte_unmap() call (a comma at parenthesis depth 1 separates two)
awk -v policy=$policy '
{ text = text $0 "\n" }
END {
	gsub(/\/\*([^*]|\*+[^*\/])*\*+\//, "", text)
	if (text !~ /\nhtable_create\(/) { print "not"; exit }
	if (policy) {
		print "-DHTBED_REAP_STEALS_ACTIVE=" \
		    (text ~ /reap *\? *0 *: *htable_steal_passes/ ? 0 : 1)
		exit
	}
	if (text ~ /[^A-Za-z0-9_]HTABLE_COPIED[^A-Za-z0-9_]/) { print "kpti"; exit }
	five = 0
	rest = text
	while ((i = index(rest, "hat_pte_unmap(")) > 0) {
		rest = substr(rest, i + 14)
		depth = 1; commas = 0
		for (j = 1; j <= length(rest) && depth > 0; j++) {
			c = substr(rest, j, 1)
			if (c == "(") depth++
			else if (c == ")") depth--
			else if (c == "," && depth == 1) commas++
		}
		if (commas == 4) five = 1
	}
	print ((!five && text ~ /\nhtable_steal_active\(/) ? "2015" : "older")
}' "$f" | {
	read -r out
	if [ "$out" = not ]; then
		echo "htbed: HTABLE_C=$f: not an illumos htable.c (no htable_create())" >&2
		exit 2
	fi
	echo "$out"
}
