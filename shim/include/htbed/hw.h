/*
 * The emulated MMU (shim/hw): the page tables' second, lock-free user.
 *
 * Each vCPU has --walkers walkers (threads in free-running mode, fibers
 * under the scheduler in controlled mode) and one software TLB that caches
 * leaf translations and paging-structure entries (pointers to lower
 * tables).  A walker translates an address of a context -- an address
 * space the vCPUs run, named by its hat (the TLB tag, as a PCID) and its
 * top table (the CR3) -- as the processor does: from its TLB, or by
 * walking the real table memory from the deepest cached table down,
 * setting REF (and MOD for a write) with an atomic compare-and-swap, and
 * caching what it read.  A translation is made inside a read-side
 * critical section of the MMU's grace periods (liburcu in free-running
 * mode, the scheduler's bookkeeping in controlled mode).
 *
 * A shootdown (hat_tlb_inval) removes a hat's entries covering an address
 * from every vCPU's TLB and returns only when no walker can still use
 * them: it removes, waits for a grace period, and removes what walkers in
 * flight cached meanwhile.  Freed page-table frames are reused only after
 * a grace period.
 *
 * What the MMU itself reports (kind "mmu"): a walker reading a freed,
 * poisoned or never-zeroed page-table frame; a frame freed while a TLB
 * still caches a pointer to it; a MOD bit a walker set that the unmapper's
 * old PTE value did not carry.  The harness compares each translation
 * with the shadow model (harness/walkers.c).
 */
#ifndef _HTBED_HW_H
#define	_HTBED_HW_H

#include <sys/types.h>
#include <vm/hat_pte.h>
#include <htbed/config.h>

#define	HW_MAX_CTX	128	/* contexts */
#define	HW_MAX_WALKERS	64	/* walkers, all vCPUs together */

/* what one translation found */
typedef struct hw_xlate {
	int		hx_ctx_ok;	/* the context was loaded */
	pfn_t		hx_pfn;		/* 4K frame of the va, or PFN_INVALID */
	int		hx_level;	/* of the leaf */
	int		hx_from_tlb;	/* a TLB hit, not a walk */
	int		hx_denied;	/* a write to a read-only mapping */
	x86pte_t	hx_pte;		/* the leaf, as read or cached */
	uint64_t	hx_pte_pa;	/* where the leaf lives */
	uint64_t	hx_when;	/* TLB: when it was cached */
} hw_xlate_t;

/* the machine: from shim_init(); 0 walkers is no MMU at all */
extern int	hw_init(const struct shim_config *);
extern int	hw_nwalkers(void);
extern int	hw_walker_cpu(int w);
extern void	hw_stats(struct shim_stats *);

/* walkers run (from now on, shootdowns and frees wait for them) or not */
extern void	hw_set_running(int on);
extern int	hw_running(void);

/* contexts: what the vCPUs run; unload returns once no walker uses it */
extern void	hw_ctx_load(int ctx, const void *tag, pfn_t top);
extern void	hw_ctx_unload(int ctx);

/* one translation by walker w of the calling thread; see hw_xlate_t */
extern void	hw_translate(int w, int ctx, uintptr_t va, int write,
    hw_xlate_t *);

/* hat_tlb_inval(): tag NULL is every tag; va DEMAP_ALL_ADDR everything */
extern void	hw_shootdown(const void *tag, uintptr_t va);

/* the HAT removed a mapping and got back old: its MOD must be there */
extern void	hw_pte_cleared(pfn_t table, uint_t entry, x86pte_t old);

/* the HAT loaded an entry again with its page: MOD must have stayed */
extern void	hw_pte_reloaded(pfn_t table, uint_t entry);

/* page_free(): reuse(pfn) once no walker can still be reading the frame */
extern void	hw_frame_retire(pfn_t, void (*reuse)(pfn_t));

#endif	/* _HTBED_HW_H */
