/*
 * The x86 HAT's data structures (illumos <vm/hat_i86.h>).  The HAT itself
 * is the project's core/hat.c; these are the parts htable.c sees.
 */
#ifndef _VM_HAT_I86_H
#define	_VM_HAT_I86_H

#include <sys/types.h>
#include <sys/t_lock.h>
#include <sys/cpuvar.h>
#include <sys/x_call.h>
#include <sys/proc.h>
#include <vm/seg.h>
#include <vm/page.h>
#include <sys/vmparam.h>
#include <sys/vm_machparam.h>
#include <sys/promif.h>
#include <vm/hat_pte.h>
#include <vm/htable.h>
#include <vm/hment.h>

#define	VLP_LEVEL	(2)
#define	VLP_NUM_PTES	(4)
#define	VLP_SIZE	(VLP_NUM_PTES * sizeof (x86pte_t))
/*
 * hat_flags is read here without hat_list_lock while stealers set and
 * clear HAT_VICTIM under it; HAT_VLP never changes, so the read is made a
 * relaxed atomic load rather than a data race.
 */
#define	TOP_LEVEL(h)							\
	((__atomic_load_n(&(h)->hat_flags, __ATOMIC_RELAXED) & HAT_VLP) ?	\
	VLP_LEVEL : mmu.max_level)

/*
 * One per address space.  hat_mutex guards hat_ht_cached only.
 * hat_list_lock guards the list links and the VICTIM and FREEING flags.
 * hat_htable, the top table, is also in the hash.
 */
struct hat {
	kmutex_t	hat_mutex;
	struct as	*hat_as;
	uint_t		hat_stats;
	pgcnt_t		hat_pages_mapped[MAX_PAGE_LEVEL + 1];
	pgcnt_t		hat_ism_pgcnt;
	cpuset_t	hat_cpus;
	uint16_t	hat_flags;
	htable_t	*hat_htable;
	struct hat	*hat_next;
	struct hat	*hat_prev;
	uint_t		hat_num_hash;	/* a power of two */
	htable_t	**hat_ht_hash;
	htable_t	*hat_ht_cached;	/* free tables, page still zeroed */
	x86pte_t	hat_vlp_ptes[VLP_NUM_PTES];
};
typedef struct hat hat_t;

#define	HAT_FREEING	(0x0001)	/* being torn down */
#define	HAT_VLP		(0x0002)	/* 32-bit address space */
#define	HAT_VICTIM	(0x0004)	/* a stealer is working on it */
#define	HAT_SHARED	(0x0008)	/* exports ISM page tables */
#define	HAT_PINNED	(0x0010)

#define	PGCNT_INC(hat, level)	\
	atomic_add_long(&(hat)->hat_pages_mapped[level], 1)
#define	PGCNT_DEC(hat, level)	\
	atomic_add_long(&(hat)->hat_pages_mapped[level], -1)

struct hatstats {
	ulong_t	hs_reap_attempts;
	ulong_t	hs_reaped;
	ulong_t	hs_steals;
	ulong_t	hs_ptable_allocs;
	ulong_t	hs_ptable_frees;
	ulong_t	hs_htable_rgets;
	ulong_t	hs_htable_rputs;
	ulong_t	hs_htable_shared;
	ulong_t	hs_htable_unshared;
	ulong_t	hs_hm_alloc;
	ulong_t	hs_hm_free;
	ulong_t	hs_hm_put_reserve;
	ulong_t	hs_hm_get_reserve;
	ulong_t	hs_hm_steals;
	ulong_t	hs_hm_steal_exam;
	ulong_t	hs_tlb_inval_delayed;
};
extern struct hatstats hatstat;

/* the kernel's ++hatstat.x, made a relaxed atomic so it is no data race */
#define	HATSTAT_INC(x)	\
	((void)__atomic_add_fetch(&hatstat.x, 1, __ATOMIC_RELAXED))

extern uint_t	khat_running;
extern uint_t	can_steal_post_boot;
extern uint_t	use_boot_reserve;
extern kmutex_t	hat_list_lock;
extern kcondvar_t hat_list_cv;

/* recomputed every time: it can change after any kmem call */
#define	USE_HAT_RESERVES()						\
	(use_boot_reserve || curthread->t_hatdepth > 1 ||		\
	panicstr != NULL || vmem_is_populator())

/* pageout, fsflush and sched may dig into the last free pages */
#define	NOMEMWAIT()							\
	(ttoproc(curthread) == proc_pageout ||				\
	ttoproc(curthread) == proc_fsflush ||				\
	ttoproc(curthread) == proc_sched)

#define	DEMAP_ALL_ADDR	(~(uintptr_t)0)

extern void	hat_tlb_inval(struct hat *, uintptr_t);
extern void	hat_pte_unmap(htable_t *, uint_t, uint_t, x86pte_t, void *,
    boolean_t);
extern void	hat_init_finish(void);
extern caddr_t	hat_kpm_pfn2va(pfn_t);

#endif	/* _VM_HAT_I86_H */
