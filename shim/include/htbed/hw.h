/*
 * The emulated MMU (shim/hw): the page tables' second, lock-free user.
 *
 * Each vCPU has --walkers walkers (threads in free-running mode, fibers
 * under the scheduler in controlled mode) and one software TLB that caches
 * leaf translations and paging-structure entries (pointers to lower
 * tables).  Each vCPU runs one context at a time, loaded by the HAT's
 * hat_switch() as a CR3 load: the hat it runs (the context's tag) and two
 * top tables, the one the CPU walks in kernel mode and the one it walks
 * in user mode (KPTI era: the CPU's per-CPU tables, which hold copies of
 * the hat's top-level entries; 2015 era: the hat's own top table, both
 * times).  A walker translates an address through one of them as the
 * processor does: from its TLB, or by walking the real table memory from
 * the deepest cached table down, setting REF (and MOD for a write) with an
 * atomic compare-and-swap, and caching what it read.  A translation is
 * made inside a read-side critical section of the MMU's grace periods
 * (liburcu in free-running mode, the scheduler's bookkeeping in controlled
 * mode).
 *
 * A shootdown (hat_tlb_inval) is a cross-call to the vCPUs running the
 * hat: each handler removes the hat's entries covering an address from its
 * vCPU's TLB (hw_tlb_flush()), and the shootdown returns only when no
 * walker can still use them (hw_tlb_sync(): a grace period, then what
 * walkers in flight cached meanwhile is removed again).  Freed page-table
 * frames are reused only after a grace period.
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

/*
 * What vCPU cpu runs (hat_switch()): the hat tag, the top tables it walks
 * in kernel and in user mode (PFN_INVALID: it never runs user code, as
 * the kernel hat).  Unloading (while the switch is made) returns once no
 * walker of the vCPU uses the old context and its TLB is empty.
 */
extern void	hw_cpu_load(int cpu, const void *tag, pfn_t ktop, pfn_t utop);
extern void	hw_cpu_unload(int cpu);

/*
 * An access of walker w: its translations, and whatever it does with
 * them, between hw_access_begin() and hw_access_end(), one read-side
 * critical section of the grace periods.  While it lasts the vCPU keeps
 * running its context (hw_cpu_unload() waits for it), so the hat it runs
 * cannot be freed.
 */
extern void	hw_access_begin(int w);
extern void	hw_access_end(int w);

/*
 * One translation of va by walker w (in an access), in user or kernel
 * mode, if its vCPU runs the context ctx (NULL: whatever it runs); what
 * it caches is tagged tag (the hat whose tables map va).  See hw_xlate_t.
 */
extern void	hw_translate(int w, const void *ctx, const void *tag,
    uintptr_t va, int write, int user, hw_xlate_t *);

/*
 * A shootdown of the entries of tag (NULL: every tag) covering va
 * (DEMAP_ALL_ADDR: all of them): on one vCPU, by its cross-call handler;
 * then, for the vCPUs of cpumask, the wait for the walkers in flight.
 */
extern void	hw_tlb_flush(int cpu, const void *tag, uintptr_t va);
extern void	hw_tlb_sync(uint64_t cpumask, const void *tag, uintptr_t va);

/* the HAT removed a mapping and got back old: its MOD must be there */
extern void	hw_pte_cleared(pfn_t table, uint_t entry, x86pte_t old);

/* the HAT loaded an entry again with its page: MOD must have stayed */
extern void	hw_pte_reloaded(pfn_t table, uint_t entry);

/* page_free(): reuse(pfn) once no walker can still be reading the frame */
extern void	hw_frame_retire(pfn_t, void (*reuse)(pfn_t));

#endif	/* _HTBED_HW_H */
