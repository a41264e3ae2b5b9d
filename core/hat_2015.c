/*
 * The HAT of the 2015 era (core/hat_era.h), as hat_i86.c of 2015 does it
 * on a 64-bit kernel:
 *
 *  - a 64-bit process's top table is a page of its own, whose entries at
 *    and above kernelbase are copies of the kernel hat's (which never
 *    change after boot); a CPU that runs the hat loads that page into
 *    CR3;
 *  - a 32-bit process (HAT_VLP) has a top table of four level-2 entries
 *    kept in the hat (hat_vlp_ptes[], HTABLE_VLP).  Each CPU has a top
 *    table of its own (hci_vlp_l3ptes: the kernel's entries, and user slot
 *    0 linking the CPU's level-2 table hci_vlp_l2ptes); hat_switch() to a
 *    VLP hat copies its four entries into that level-2 table and loads
 *    the CPU's top table, and when htable.c changes one of them it shoots
 *    the whole hat down (DEMAP_ALL_ADDR), whose cross-call copies them
 *    again on every CPU that runs the hat.
 *
 * The copies are made with interrupts off on the CPU (intr_clear()), so
 * that a cross-call's copy and hat_switch()'s do not interleave, as an
 * entry-at-a-time copy would not with respect to interrupts.  Emulation:
 * the CPU's two tables are page-table frames (the MMU walks them), where
 * the kernel takes them from kmem.
 */
#include <sys/types.h>
#include <sys/debug.h>
#include <sys/systm.h>
#include <sys/cpuvar.h>
#include <sys/kmem.h>
#include <sys/x_call.h>
#include <vm/hat_i86.h>
#include <htbed/hw.h>
#include <htbed/shim.h>
#include "hat_era.h"
#include "hat_testbed.h"

#define	HCI(c)		(cpu[c]->cpu_hat_info)

/* the first top-level slot at kernelbase */
static uint_t
kernel_slot(void)
{
	return ((uint_t)(kernelbase >> LEVEL_SHIFT(mmu.max_level)) &
	    (mmu.ptes_per_table - 1));
}

void
hati_mmu_init(void)
{
	mmu.vlp_hash_cnt = mmu.hash_cnt;
	/*
	 * files of 2007-05 and 2007-06 flush a non-leaf entry they unlink
	 * when the CPU may cache one (hat_i86.c: on Intel); the emulated
	 * MMU is taken to be such a CPU
	 */
	mmu.inval_nonleaf = 1;
}

void
hati_hat_setup(hat_t *hat, enum hati_kind kind)
{
	ASSERT(kind != HATI_CPU);
	if (kind == HATI_USER32) {
		hat->hat_flags = HAT_VLP;
		hat->hat_num_hash = mmu.vlp_hash_cnt;
	}
}

/* hat_alloc(): the kernel's top-level entries, copied into the new top */
void
hati_hat_ready(hat_t *hat)
{
	uint_t first = kernel_slot();
	htable_t *ktop;

	if (hat->hat_flags & HAT_VLP)
		return;
	ktop = htable_lookup(kas.a_hat, 0, (level_t)mmu.max_level);
	x86pte_copy(ktop, hat->hat_htable, first, mmu.ptes_per_table - first);
	htable_release(ktop);
}

/*
 * hat_vlp_setup(): the CPU's top table for 32-bit processes, a copy of the
 * kernel's with slot 0 linking the CPU's level-2 table.
 */
void
hati_cpu_setup(cpu_t *cp)
{
	struct hat_cpu_info *hci = cp->cpu_hat_info;
	const x86pte_t *ktop = (const x86pte_t *)(void *)SHIM_FRAME_VA(
	    kas.a_hat->hat_htable->ht_pfn);
	pfn_t l2pfn;

	hci->hci_vlp_l2ptes = hati_cpu_frame(cp, &l2pfn);
	hati_copy_ptes(hci->hci_vlp_l2ptes, NULL, mmu.ptes_per_table);
	hci->hci_vlp_l3ptes = hati_cpu_frame(cp, &hci->hci_vlp_pfn);
	hati_copy_ptes(hci->hci_vlp_l3ptes, ktop, mmu.top_level_count);
	ATOMIC_WRITE(hci->hci_vlp_l3ptes[0], MAKEPTP(l2pfn, 2));
}

/* CR3: a 64-bit hat's own top table; the CPU's, with a VLP hat's copied */
void
hati_cpu_load(cpu_t *cp, hat_t *hat)
{
	struct hat_cpu_info *hci = cp->cpu_hat_info;
	pfn_t top = hat->hat_htable->ht_pfn;
	ulong_t flags;

	if (ATOMIC_READ(hat->hat_flags) & HAT_VLP) {
		flags = intr_clear();
		hati_copy_ptes(hci->hci_vlp_l2ptes, hat->hat_vlp_ptes, VLP_NUM_PTES);
		intr_restore(flags);
		top = hci->hci_vlp_pfn;
	}
	hw_cpu_load(cp->cpu_id, hat, top, hat == kas.a_hat ? PFN_INVALID : top);
}

/* hati_demap_func(): a whole-hat flush copies a VLP hat's entries again */
void
hati_demap_all(cpu_t *cp, hat_t *hat)
{
	if (ATOMIC_READ(hat->hat_flags) & HAT_VLP)
		hati_copy_ptes(cp->cpu_hat_info->hci_vlp_l2ptes, hat->hat_vlp_ptes,
		    VLP_NUM_PTES);
}

hat_t *
hat_cpu_hat(int c)
{
	(void) c;
	return (NULL);
}

void
hat_cpu_tables(int c, struct hat_cpu_tables *t)
{
	t->hct_kernel = HCI(c)->hci_vlp_l3ptes;
	t->hct_user = NULL;
	t->hct_l2 = HCI(c)->hci_vlp_l2ptes;
	t->hct_l2pfn = PTE2PFN(t->hct_kernel[0], 3);
	t->hct_uslots = kernel_slot();
}

/* each CPU's top table and level-2 table for VLP hats */
uint_t
hat_cpu_frames(void)
{
	return (2 * (uint_t)ncpus);
}
