/*
 * The HAT of the 2015 era (core/hat_era.h): as hat_i86.c of 2015 does it
 * for a 64-bit process.  A user hat's top table is a page of its own,
 * whose entries at and above kernelbase are copies of the kernel hat's
 * (which never change after boot), and a CPU that runs the hat loads that
 * page into CR3.  There are no per-CPU page tables and no per-CPU hats;
 * 32-bit (VLP) processes, the era's only copied top tables, are not
 * built.
 */
#include <sys/types.h>
#include <sys/debug.h>
#include <sys/cpuvar.h>
#include <vm/hat_i86.h>
#include <htbed/hw.h>
#include "hat_era.h"
#include "hat_testbed.h"

void
hati_mmu_init(void)
{
	mmu.vlp_hash_cnt = mmu.hash_cnt;
}

void
hati_hat_setup(hat_t *hat, enum hati_kind kind)
{
	(void) hat;
	ASSERT(kind != HATI_CPU);
}

/* hat_alloc(): the kernel's top-level entries, copied into the new top */
void
hati_hat_ready(hat_t *hat)
{
	uint_t first = (uint_t)(kernelbase >> LEVEL_SHIFT(mmu.max_level)) &
	    (mmu.ptes_per_table - 1);
	htable_t *ktop;

	ktop = htable_lookup(kas.a_hat, 0, (level_t)mmu.max_level);
	x86pte_copy(ktop, hat->hat_htable, first, mmu.ptes_per_table - first);
	htable_release(ktop);
}

void
hati_cpu_setup(cpu_t *cp)
{
	(void) cp;
}

/* CR3 is the hat's top table, in kernel and in user mode alike */
void
hati_cpu_load(cpu_t *cp, hat_t *hat)
{
	pfn_t top = hat->hat_htable->ht_pfn;

	hw_cpu_load(cp->cpu_id, hat, top, hat == kas.a_hat ? PFN_INVALID : top);
}

void
hati_demap_all(cpu_t *cp, hat_t *hat)
{
	(void) cp;
	(void) hat;
}

hat_t *
hat_cpu_hat(int c)
{
	(void) c;
	return (NULL);
}

uint_t
hat_cpu_copies(int c, const x86pte_t **kernel, const x86pte_t **user)
{
	(void) c;
	*kernel = *user = NULL;
	return (0);
}

uint_t
hat_cpu_frames(void)
{
	return (0);
}
