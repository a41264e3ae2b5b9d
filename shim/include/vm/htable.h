/*
 * htable_t: the software description of one hardware page table
 * (illumos <vm/htable.h>), and the interfaces htable.c exports.
 *
 * The protocol, in short (KERNEL-API.md section 6 has it whole):
 *  - ht_busy counts holds: lookups, creates and acquires not yet released,
 *    one per child table linked below, and the hat's permanent hold on its
 *    top table.  It changes only under the table's bucket mutex.
 *  - ht_valid_cnt counts valid entries; a thread changes it atomically and
 *    only while it holds a busy hold.
 *  - a table is freed only by a release that sees busy == 1 and
 *    valid == 0, under the bucket mutex.
 */
#ifndef _VM_HTABLE_H
#define	_VM_HTABLE_H

#include <sys/types.h>
#include <sys/mutex.h>
#include <sys/atomic.h>
#include <sys/archsystm.h>
#include <vm/hat_pte.h>
#include <htbed/era.h>

struct hat;

struct htable {
	struct htable	*ht_next;	/* hash chain; also reserve/cache */
	struct hat	*ht_hat;
	uintptr_t	ht_vaddr;	/* first VA covered; 0 at the top */
	int8_t		ht_level;	/* 0 = 4K entries ... 3 = PML4 */
	uint8_t		ht_flags;
	int16_t		ht_busy;
	int16_t		ht_valid_cnt;
	uint32_t	ht_lock_cnt;	/* locked mappings; not for kas */
	pfn_t		ht_pfn;
	struct htable	*ht_prev;
	struct htable	*ht_parent;
	struct htable	*ht_shares;	/* source table, SHARED_PFN only */
	HT_ERA_FIELDS
};
typedef struct htable htable_t;

/* 0x01 is HTABLE_VLP or HTABLE_COPIED: htbed/era.h */
#define	HTABLE_SHARED_PFN	(0x02)	/* pfn borrowed from an ISM table */

/* bucket of (hat, va, level) in the hat's hash, also the mutex index */
#define	HTABLE_HASH(hat, va, lvl)					\
	((((va) >> LEVEL_SHIFT(1)) + ((va) >> 28) + (lvl) +		\
	((uintptr_t)(hat) >> 4)) & ((hat)->hat_num_hash - 1))

/* each vCPU's page-table window state */
struct hat_cpu_info {
	kmutex_t	hci_mutex;	/* one user of the windows at a time */
	HCI_ERA_FIELDS
};

/* HTABLE_NUM_PTES(): htbed/era.h */

/* the last page-aligned VA a table maps */
#define	HTABLE_LAST_PAGE(ht)						\
	((ht)->ht_level == mmu.max_level ?				\
	((uintptr_t)0UL - MMU_PAGESIZE) :				\
	((ht)->ht_vaddr - MMU_PAGESIZE +				\
	((uintptr_t)HTABLE_NUM_PTES(ht) << LEVEL_SHIFT((ht)->ht_level))))

/* the first VA of the next level-l entry, jumping the VA hole */
#define	NEXT_ENTRY_VA(va, l)						\
	(((va) & LEVEL_MASK(l)) + LEVEL_SIZE(l) == mmu.hole_start ?	\
	mmu.hole_end : ((va) & LEVEL_MASK(l)) + LEVEL_SIZE(l))

extern void	htable_init(void);
extern htable_t	*htable_lookup(struct hat *, uintptr_t, level_t);
extern htable_t	*htable_create(struct hat *, uintptr_t, level_t, htable_t *);
extern void	htable_acquire(htable_t *);
extern void	htable_release(htable_t *);
extern void	htable_destroy(htable_t *);
extern void	htable_purge_hat(struct hat *);
extern htable_t	*htable_getpte(struct hat *, uintptr_t, uint_t *, x86pte_t *,
    level_t);
extern htable_t	*htable_getpage(struct hat *, uintptr_t, uint_t *);
extern void	htable_initial_reserve(uint_t);
extern void	htable_reserve(uint_t);
extern void	htable_adjust_reserve(void);
extern size_t	htable_mapped(struct hat *);
extern void	htable_attach(struct hat *, uintptr_t, level_t, htable_t *,
    pfn_t);
extern x86pte_t	htable_walk(struct hat *, htable_t **, uintptr_t *,
    uintptr_t);
extern uint_t	htable_va2entry(uintptr_t, htable_t *);
extern uintptr_t htable_e2va(htable_t *, uint_t);

#define	HTABLE_WALK_TO_END	((uintptr_t)-1)

#if HTBED_ERA == 2005
/* the first CPU passes its window's pages; the others get them from vmem */
extern void	x86pte_cpu_init(cpu_t *, void *);
extern void	x86pte_zero(htable_t *, uint_t, uint_t);
extern x86pte_t	x86pte_invalidate_pfn(htable_t *, uint_t, pfn_t, void *);
#else
extern void	x86pte_cpu_init(cpu_t *);
#endif
extern void	x86pte_cpu_fini(cpu_t *);
extern x86pte_t	x86pte_get(htable_t *, uint_t);
extern x86pte_t	x86pte_set(htable_t *, uint_t, x86pte_t, void *);
extern x86pte_t	x86pte_inval(htable_t *, uint_t, x86pte_t, x86pte_t *
    HTBED_TLB_PARAM);
extern x86pte_t	x86pte_update(htable_t *, uint_t, x86pte_t, x86pte_t);
extern void	x86pte_copy(htable_t *, htable_t *, uint_t, uint_t);
extern x86pte_t	*x86pte_mapin(pfn_t, uint_t, htable_t *);
extern void	x86pte_mapout(void);

/* returned by x86pte_set() for a large page over a table link */
#define	LPAGE_ERROR		(-(x86pte_t)1)

#define	HTABLE_INC(x)		atomic_inc16((uint16_t *)&(x))
#define	HTABLE_DEC(x)		atomic_dec16((uint16_t *)&(x))
#define	HTABLE_LOCK_INC(ht)	atomic_inc_32(&(ht)->ht_lock_cnt)
#define	HTABLE_LOCK_DEC(ht)	atomic_dec_32(&(ht)->ht_lock_cnt)

#define	XPV_ALLOW_PAGETABLE_UPDATES()
#define	XPV_DISALLOW_PAGETABLE_UPDATES()

#endif	/* _VM_HTABLE_H */
