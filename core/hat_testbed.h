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

#endif	/* _CORE_HAT_TESTBED_H */
