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
#   2007    it calls hat_pte_unmap() with five arguments and defines
#           x86pte_inval(): illumos 2007-01-19 to 2014-11 (those of
#           2007-02 to 2007-05-04 clear the PTE by a cross-call,
#           xc_wait_sync(), under hat_switch_mutex)
#   2005    it defines x86pte_invalidate_pfn(): illumos 2005-06 to
#           2006-10, before dboot (boot-loader page tables, per-CPU
#           windows of its own, every PTE cleared by a cross-call)
#   older   anything else (no file of the variants directory)
#
# With --kernel, prints the -D flags that make the emulated kernel
# behave as the file expects where the kernel's interfaces changed within
# an era (shim/include/htbed/era.h, HTBED_PGP_EXCL: until 2008-07
# page_get_physical() hands the page out locked SE_EXCL and ptable_alloc()
# downgrades it; from 2008-09 on the page comes shared; HTBED_PGP_HASHED:
# from 2010-06 on the page is hashed onto kvp, and ptable_free() hashes
# it out; HTBED_PWIN_IFF_NO_KPM: until 2007-07 x86pte_mapout() asks
# mmu.pwin_base whether there are windows, which startup set up only
# where there was no kpm; HTBED_MAX_PAGE_LEVEL: 1 GiB pages came with
# illumos 2007-10-28, whose hat_i86.c sets mmu.umax_page_level, which
# htable.c reads from then on: before, mmu.max_page_level is 1;
# HTBED_FREEING_KEEPS_PTES: until 2010-06 hat_i86.c's hat_pte_unmap()
# only reads the PTEs of a hat being freed -- htable.c shows it only by
# the change that came with it, illumos 2010-06-02, whose ptable_free()
# hashes the page out, so the two flags go together; HTBED_SWITCH_MUTEX:
# the file uses hat_switch_mutex, which struct hat has and hat_switch()
# takes to join hat_cpus, 2007-02 to 2007-05-04, and every file of
# 2005; HTBED_HAT_RING, era 2005 only: the user hats are a ring that
# htable_steal() walks by hat_prev, and hat_free_end(), not
# hat_free_start(), waits out a stealer -- until 2006-04-04, whose
# htable_steal() skips HAT_FREEING hats on the kernel-headed list;
# HTBED_FREEING_KEEPS_PTES in era 2005: hat_pte_unmap() only reads the
# PTEs of a hat being freed from 2005-06-21 on, the change that made
# x86pte_get() an ATOMIC_LOAD64(); HTBED_DEMAP_SWITCH, era 2005 only:
# hat_demap() holds hat_switch_mutex, not hat_mutex, from 2006-01-12 on,
# whose link_ptp() accepts an entry holding only PT_REF; HTBED_FORCE_STEAL,
# era 2005 only: the file has the DEBUG force_steal, from 2006-04-04 on).
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
case "${1:-}" in
--policy) policy=1; shift ;;
--kernel) policy=2; shift ;;
esac
f=${1:?usage: shim/era/probe.sh [--policy|--kernel] FILE}
if [ ! -f "$f" ] || [ ! -r "$f" ]; then
	echo "htbed: HTABLE_C=$f: no such readable file" >&2
	exit 2
fi
# the code without comments, then the number of arguments of each
# hat_pte_unmap() call (a comma at parenthesis depth 1 separates two)
awk -v policy=$policy '
# the body of function f, from its name at the start of a line to the
# first closing brace at the start of one ("" if there is no such f)
function body(text, f,    i, rest) {
	i = index(text, "\n" f "(")
	if (i == 0)
		return ""
	rest = substr(text, i + 1)
	i = index(rest, "\n}")
	return (i ? substr(rest, 1, i) : rest)
}
{ text = text $0 "\n" }
END {
	gsub(/\/\*([^*]|\*+[^*\/])*\*+\//, "", text)
	if (text !~ /\nhtable_create\(/) { print "not"; exit }
	if (policy == 2) {
		alloc = body(text, "ptable_alloc")
		free = body(text, "ptable_free")
		hashed = (free == "" || free ~ /page_hashout/) ? 1 : 0
		if (text ~ /\nx86pte_invalidate_pfn\(/) {
			keeps = (text ~ /ATOMIC_LOAD64/ ? 1 : 0)
			print "-DHTBED_PGP_EXCL=1 -DHTBED_PGP_HASHED=0" \
			    " -DHTBED_FREEING_KEEPS_PTES=" keeps \
			    " -DHTBED_MAX_PAGE_LEVEL=1 -DHTBED_SWITCH_MUTEX=1" \
			    " -DHTBED_HAT_RING=" \
			    (body(text, "htable_steal") ~ /HAT_FREEING/ ? 0 : 1) \
			    " -DHTBED_DEMAP_SWITCH=" \
			    (body(text, "link_ptp") ~ /~ *PT_REF/ ? 1 : 0) \
			    " -DHTBED_FORCE_STEAL=" \
			    (text ~ /[^A-Za-z0-9_]force_steal[^A-Za-z0-9_]/ ? 1 : 0)
			exit
		}
		print "-DHTBED_PGP_EXCL=" (alloc ~ /page_downgrade/ ? 1 : 0) \
		    " -DHTBED_PGP_HASHED=" hashed \
		    " -DHTBED_FREEING_KEEPS_PTES=" (1 - hashed) \
		    " -DHTBED_PWIN_IFF_NO_KPM=" \
		    (body(text, "x86pte_mapout") ~ /pwin_base/ ? 1 : 0) \
		    " -DHTBED_MAX_PAGE_LEVEL=" \
		    (text ~ /umax_page_level/ ? 2 : 1) \
		    " -DHTBED_SWITCH_MUTEX=" \
		    (text ~ /hat_switch_mutex/ ? 1 : 0)
		exit
	}
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
	if (!five && text ~ /\nhtable_steal_active\(/) { print "2015"; exit }
	if (five && text ~ /\nx86pte_inval\(/) { print "2007"; exit }
	print (text ~ /\nx86pte_invalidate_pfn\(/ ? "2005" : "older")
}' "$f" | {
	read -r out
	if [ "$out" = not ]; then
		echo "htbed: HTABLE_C=$f: not an illumos htable.c (no htable_create())" >&2
		exit 2
	fi
	echo "$out"
}
