/*
 * The HAT of the KPTI era (core/hat_era.h), as hat_i86.c of 2018 on does
 * it with kernel page-table isolation on and PCID off (the big theory
 * statement at the top of that file explains the design):
 *
 *  - a user hat is HAT_COPIED: its top table (HTABLE_COPIED) has no page;
 *    its entries, all user slots, live in hat_copied_ptes[];
 *  - each CPU has two top tables of its own: a kernel one (hci_pcp_l3ptes:
 *    the kernel's top-level entries, copied once at boot, and the user
 *    slots) and a user one (hci_user_l3ptes, the top table of the CPU's
 *    own hat, HAT_PCP, into which the kernel pages user mode needs are
 *    punched: the trampoline and the CPU's KPTI data);
 *  - hat_switch() to a copied hat copies its entries into the user slots
 *    of both (hat_pcp_update()) and loads them: the CPU walks its own
 *    tables, never the hat's;
 *  - when htable.c changes an entry of a copied top table, it shoots down
 *    the whole hat (DEMAP_ALL_ADDR), and the cross-call copies the entries
 *    again on every CPU that runs the hat: until it returns, those CPUs
 *    may still walk the old entry;
 *  - a 32-bit process (HAT_COPIED_32 too) has a top table of four level-2
 *    entries: they are copied into the CPU's level-2 table
 *    (hci_pcp_l2ptes), which user slot 0 of both CPU top tables links.
 *
 * The copies are made with interrupts off on the CPU (intr_clear()), so
 * that a cross-call's copy and hat_switch()'s do not interleave: the
 * kernel's bcopy moves an entry at a time, atomically with respect to
 * interrupts, which comes to the same.  Emulation: the per-CPU kernel top
 * table and level-2 table are page-table frames (the MMU walks them),
 * where the kernel takes them from kmem.
 */
#include <sys/types.h>
#include <sys/debug.h>
#include <sys/systm.h>
#include <sys/cpuvar.h>
#include <sys/kmem.h>
#include <sys/mman.h>
#include <sys/x_call.h>
#include <vm/hat.h>
#include <vm/hat_i86.h>
#include <htbed/hw.h>
#include <htbed/shim.h>
#include "hat_era.h"
#include "hat_testbed.h"

#define	HCI(c)		(cpu[c]->cpu_hat_info)

void
hati_mmu_init(void)
{
	/* user slots: up to the last one below kernelbase */
	mmu.top_level_uslots = (uint_t)((kernelbase - 1) >>
	    LEVEL_SHIFT(mmu.max_level)) % mmu.top_level_count + 1;
	mmu.num_copied_ents = mmu.top_level_uslots;
	mmu.top_level_uslots32 = 1;
	mmu.max_level32 = mmu.max_level - 1;
	mmu.num_copied_ents32 = 4;
	mmu.hat32_hash_cnt = mmu.hash_cnt;
}

void
hati_hat_setup(hat_t *hat, enum hati_kind kind)
{
	hat->hat_max_level = (uint8_t)mmu.max_level;
	hat->hat_num_copied = 0;
	if (kind == HATI_USER) {
		hat->hat_flags = HAT_COPIED;
		hat->hat_num_copied = mmu.num_copied_ents;
		HATSTAT_INC(hs_hat_copied64);
	} else if (kind == HATI_USER32) {
		hat->hat_flags = HAT_COPIED | HAT_COPIED_32;
		hat->hat_max_level = (uint8_t)mmu.max_level32;
		hat->hat_num_copied = mmu.num_copied_ents32;
		hat->hat_num_hash = mmu.hat32_hash_cnt;
		HATSTAT_INC(hs_hat_copied32);
	} else if (kind == HATI_CPU) {
		hat->hat_flags = HAT_PCP;
	}
}

/* a copied hat's top table holds user entries only */
void
hati_hat_ready(hat_t *hat)
{
	(void) hat;
}

/*
 * The CPU's copies of a copied hat's entries (interrupts are off): a
 * 32-bit hat's four into the CPU's level-2 table, which user slot 0
 * links, the other user slots empty; a 64-bit hat's into the user slots.
 * Each entry is written once, so that the CPU, back from the cross-call,
 * walks the old entry or the new one, never an empty one between.  The
 * kernel bcopy()s and bzero()s them: shim_copy_ptes(), one call each.
 */
static void
hat_pcp_update(cpu_t *cp, hat_t *hat)
{
	struct hat_cpu_info *hci = cp->cpu_hat_info;
	x86pte_t *top[2] = { hci->hci_pcp_l3ptes, hci->hci_user_l3ptes };
	uint_t n = mmu.top_level_uslots;
	int i;

	ASSERT(ATOMIC_READ(hat->hat_flags) & HAT_COPIED);
	if (!(ATOMIC_READ(hat->hat_flags) & HAT_COPIED_32)) {
		shim_copy_ptes(hci->hci_pcp_l2ptes, NULL, 4);
		for (i = 0; i < 2; i++)
			shim_copy_ptes(top[i], hat->hat_copied_ptes, n);
		return;
	}
	shim_copy_ptes(hci->hci_pcp_l2ptes, hat->hat_copied_ptes, 4);
	for (i = 0; i < 2; i++) {
		__atomic_store_n(&top[i][0], MAKEPTP(hci->hci_pcp_l2pfn, 2),
		    __ATOMIC_RELEASE);
		shim_copy_ptes(top[i] + 1, NULL, n - 1);
	}
}

/* a CPU's own hat: never stolen from, running on that CPU only */
static hat_t *
hat_cpu_alloc(cpu_t *cp)
{
	hat_t *hat = hati_new(NULL, HATI_CPU);

	CPUSET_ADD(hat->hat_cpus, cp->cpu_id);
	hat->hat_htable = htable_create(hat, 0, TOP_LEVEL(hat), NULL);
	hati_list_append(hat);
	return (hat);
}

/* a kernel page the CPU needs in user mode, mapped in its own hat */
static void
hati_cpu_punchin(cpu_t *cp, uintptr_t va, uint_t attrs)
{
	hat_t *cpu_hat = cp->cpu_hat_info->hci_user_hat;
	pfn_t pfn = hat_getpfnum(kas.a_hat, (caddr_t)va);

	VERIFY3U(pfn, !=, PFN_INVALID);
	VERIFY0(hati_load_common(cpu_hat, va, NULL, attrs, HAT_LOAD_NOCONSIST,
	    0, pfn));
}

/*
 * hat_pcp_setup(): the CPU's level-2 table and kernel top table (a copy of
 * the kernel's), its own hat and that hat's top table, and the
 * punched-in pages.
 */
void
hati_cpu_setup(cpu_t *cp)
{
	struct hat_cpu_info *hci = cp->cpu_hat_info;
	const x86pte_t *kernel_top = (const x86pte_t *)(void *)SHIM_FRAME_VA(
	    kas.a_hat->hat_htable->ht_pfn);

	hci->hci_pcp_l2ptes = hati_cpu_frame(cp, &hci->hci_pcp_l2pfn);
	shim_copy_ptes(hci->hci_pcp_l2ptes, NULL, mmu.ptes_per_table);
	hci->hci_pcp_l3ptes = hati_cpu_frame(cp, &hci->hci_pcp_l3pfn);
	shim_copy_ptes(hci->hci_pcp_l3ptes, kernel_top, mmu.top_level_count);

	hci->hci_user_hat = hat_cpu_alloc(cp);
	hci->hci_user_l3pfn = hci->hci_user_hat->hat_htable->ht_pfn;
	hci->hci_user_l3ptes = (x86pte_t *)(void *)SHIM_FRAME_VA(
	    hci->hci_user_l3pfn);
	hati_cpu_punchin(cp, HAT_KIMAGE_VA, PROT_READ | PROT_EXEC);
	hati_cpu_punchin(cp, HAT_KIMAGE_VA +
	    ((uintptr_t)(1 + cp->cpu_id) << MMU_PAGESHIFT),
	    PROT_READ | PROT_WRITE);
}

/* a copied hat runs from the CPU's tables; the kernel hat from its own */
void
hati_cpu_load(cpu_t *cp, hat_t *hat)
{
	struct hat_cpu_info *hci = cp->cpu_hat_info;
	ulong_t flags;

	if (ATOMIC_READ(hat->hat_flags) & HAT_COPIED) {
		flags = intr_clear();
		hat_pcp_update(cp, hat);
		intr_restore(flags);
		hw_cpu_load(cp->cpu_id, hat, hci->hci_pcp_l3pfn,
		    hci->hci_user_l3pfn);
	} else {
		ASSERT(hat == kas.a_hat);
		hw_cpu_load(cp->cpu_id, hat, hat->hat_htable->ht_pfn,
		    PFN_INVALID);
	}
}

/* hati_demap_func(): a whole-hat flush copies a copied hat's entries */
void
hati_demap_all(cpu_t *cp, hat_t *hat)
{
	if (ATOMIC_READ(hat->hat_flags) & HAT_COPIED)
		hat_pcp_update(cp, hat);
}

hat_t *
hat_cpu_hat(int c)
{
	return (HCI(c)->hci_user_hat);
}

void
hat_cpu_tables(int c, struct hat_cpu_tables *t)
{
	t->hct_kernel = HCI(c)->hci_pcp_l3ptes;
	t->hct_user = HCI(c)->hci_user_l3ptes;
	t->hct_l2 = HCI(c)->hci_pcp_l2ptes;
	t->hct_l2pfn = HCI(c)->hci_pcp_l2pfn;
	t->hct_uslots = mmu.top_level_uslots;
}

/* each CPU's kernel top table and level-2 table */
uint_t
hat_cpu_frames(void)
{
	return (2 * (uint_t)ncpus);
}
