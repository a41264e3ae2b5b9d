/*
 * The vCPUs' TLBs and the contexts they run (tlb.c).  Private to shim/hw.
 *
 * An entry caches one entry of the page tables, tagged with the hat it
 * was read for: a leaf (a page of level te_level at te_pfn) or a link (the
 * entry of a level-te_level table that names the lower table te_pfn).
 * Either covers the 1 << (12 + 9 * te_level) bytes from te_va.
 */
#ifndef _HW_TLB_H
#define	_HW_TLB_H

#include <sys/types.h>
#include <vm/hat_pte.h>

typedef struct tlbe {
	const void	*te_tag;	/* the hat; NULL: an empty entry */
	uintptr_t	te_va;
	uint8_t		te_level;
	uint8_t		te_leaf;
	uint8_t		te_write;	/* leaf: writable at every level */
	uint8_t		te_dirty;	/* leaf: MOD was set */
	pfn_t		te_pfn;
	x86pte_t	te_pte;		/* the entry, as read */
	uint64_t	te_pa;		/* where it lives */
	uint64_t	te_when;	/* when it was cached */
} tlbe_t;

#define	TLBE_SPAN(l)	(1ul << (12 + 9 * (l)))

extern void	tlb_init(int ncpus);
extern int	tlb_leaf(int cpu, const void *tag, uintptr_t va, tlbe_t *);
extern int	tlb_link(int cpu, const void *tag, uintptr_t va, tlbe_t *);
extern void	tlb_fill(int cpu, const tlbe_t *);
extern void	tlb_drop(int cpu, const tlbe_t *);
extern void	tlb_check_freed(pfn_t);
extern int	ctx_get(int cpu, const void **tag, pfn_t *ktop, pfn_t *utop);
extern void	tlb_stats(uint64_t *shootdowns, uint64_t *ns);

#endif	/* _HW_TLB_H */
