/*
 * What the testbed's HAT offers beyond the illumos HAT interface: tunables
 * set before hat_init(), and the observer through which the harness's
 * shadow model learns of mappings removed behind the owner's back (by a
 * steal or by hat_pageunload()).
 */
#ifndef _CORE_HAT_TESTBED_H
#define	_CORE_HAT_TESTBED_H

#include <sys/types.h>
#include <vm/hat_i86.h>

/* tunables, read by hat_init() and hat_alloc() */
extern uint_t	hat_hash_cnt;		/* buckets per hat, a power of two */
extern uint_t	hat_boot_reserve;	/* htables put on the boot reserve */

/*
 * Removal of a mapping the caller does not own, of entry of ht (held),
 * with pfn's mapping-list lock held.  begin() runs before the PTE is
 * cleared (so a reader that sees the PTE gone also sees the removal
 * announced), end() after, saying whether this call cleared it.
 */
struct hat_observer {
	void	(*ho_foreign_begin)(htable_t *, uint_t entry, pfn_t);
	void	(*ho_foreign_end)(htable_t *, uint_t entry, int removed);
};
extern const struct hat_observer *hat_observer;

/* the pfn mapped at addr (PFN_INVALID if none), and its page size level */
extern pfn_t	hat_probe_level(hat_t *, uintptr_t, level_t *);

/*
 * The kernel image (shim_kimage_first on): page 0 is text every CPU
 * runs, page 1 + c belongs to vCPU c.  The kernel hat maps it all here
 * from boot on; in the KPTI era each CPU's own hat maps page 0 and its
 * own page too (the trampoline and the CPU's KPTI data), at the same
 * addresses.
 */
#define	HAT_KIMAGE_VA	(0xfffffd8000000000ul + (2ul << 30))

/*
 * The per-CPU page tables of the era, for the checker: what vCPU c walks
 * while it runs a hat whose top table is copied (a 32-bit process in the
 * 2015 era, every process in the KPTI era).  The top table it walks in
 * kernel mode and the one in user mode (NULL: the same), whose first
 * hct_uslots entries are the user slots, copies of the hat's entries; and
 * for a 32-bit hat, the level-2 table that takes its four entries instead,
 * which user slot 0 links.  All NULL where the era keeps none.
 */
struct hat_cpu_tables {
	const x86pte_t	*hct_kernel;
	const x86pte_t	*hct_user;
	const x86pte_t	*hct_l2;
	pfn_t		hct_l2pfn;
	uint_t		hct_uslots;
};

/*
 * vCPU c's own hat (NULL: the era has none), its per-CPU tables, and the
 * page-table frames the HAT holds outside any htable.
 */
extern hat_t	*hat_cpu_hat(int c);
extern void	hat_cpu_tables(int c, struct hat_cpu_tables *);
extern uint_t	hat_cpu_frames(void);

#endif	/* _CORE_HAT_TESTBED_H */
