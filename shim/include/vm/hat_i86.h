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
#include <htbed/era.h>

/*
 * One per address space.  hat_mutex guards hat_ht_cached only.
 * hat_list_lock guards the list links and the VICTIM and FREEING flags.
 * hat_htable, the top table, is also in the hash.  hat_switch_mutex
 * (HTBED_SWITCH_MUTEX: files of 2007-02 to 2007-05-04) orders a CPU
 * joining hat_cpus with x86pte_inval(), which holds it from reading
 * hat_cpus until its cross-call is done.
 */
struct hat {
	kmutex_t	hat_mutex;
#if HTBED_SWITCH_MUTEX
	kmutex_t	hat_switch_mutex;
#endif
	struct as	*hat_as;
	uint_t		hat_stats;
	pgcnt_t		hat_pages_mapped[MAX_PAGE_LEVEL + 1];
	pgcnt_t		hat_ism_pgcnt;
	cpuset_t	hat_cpus;
	uint16_t	hat_flags;
	HAT_ERA_LEVEL_FIELDS
	htable_t	*hat_htable;
	struct hat	*hat_next;
	struct hat	*hat_prev;
	uint_t		hat_num_hash;	/* a power of two */
	htable_t	**hat_ht_hash;
	htable_t	*hat_ht_cached;	/* free tables, page still zeroed */
	HAT_ERA_TOP_FIELDS
};
typedef struct hat hat_t;

/* hat_flags, TOP_LEVEL() and the top table's fields: htbed/era.h */

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
	HATSTAT_ERA_FIELDS
};
extern struct hatstats hatstat;

/* the kernel's ++hatstat.x, made a relaxed atomic so it is no data race */
#define	HATSTAT_INC(x)	\
	((void)__atomic_add_fetch(&hatstat.x, 1, __ATOMIC_RELAXED))

extern uint_t	khat_running;
extern cpuset_t	khat_cpuset;	/* the CPUs a kernel shootdown reaches */
extern uint_t	can_steal_post_boot;
extern uint_t	use_boot_reserve;
extern kmutex_t	hat_list_lock;
extern kcondvar_t hat_list_cv;

/*
 * Files until 2007-02 let one thread at a time use the reserves: the one
 * hat_i86.c's hati_reserves_enter() names here when a load nests (a kmem
 * allocation inside the HAT).  No load of the testbed nests, so the HAT
 * never names one (core/hat.c) and it stays NULL, as USE_HAT_RESERVES()
 * below stays false after boot in every era.
 */
extern kthread_t *hat_reserves_thread;

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
extern void	hat_switch(struct hat *);
extern void	hat_pte_unmap(htable_t *, uint_t, uint_t, x86pte_t, void *
    HTBED_TLB_PARAM);
extern hment_t	*hati_page_unmap(page_t *, htable_t *, uint_t);
extern void	hat_init_finish(void);
extern caddr_t	hat_kpm_pfn2va(pfn_t);

#if HTBED_ERA == 2005
/*
 * Era 2005: the HAT's shootdown is hat_demap() (core/hat_2005.c).  Until
 * the kernel hat runs, htable.c reaches page tables through the boot
 * window, ptable_va (2 pages, which htable.c defines and the HAT points
 * at the shim's boot window), mapped with hat_boot_remap() and unmapped
 * with hat_boot_demap() (shim/kern/mmu.c); hat_mempte_kern_setup() gives
 * the PTE that maps a CPU's window.
 */
extern void	hat_demap(struct hat *, uintptr_t);
extern uintptr_t ptable_va;
extern size_t	ptable_sz;
extern pfn_t	hat_boot_remap(uintptr_t, pfn_t);
extern void	hat_boot_demap(uintptr_t);
extern void	*hat_mempte_kern_setup(caddr_t, void *);
#endif

#endif	/* _VM_HAT_I86_H */
