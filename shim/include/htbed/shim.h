/*
 * The testbed's control interface to the emulated kernel: set-up, thread
 * attachment, failure injection, lock classes and the bug-found event.
 * Kernel domain only (it uses kernel types).
 */
#ifndef _HTBED_SHIM_H
#define	_HTBED_SHIM_H

#include <sys/types.h>
#include <sys/thread.h>
#include <sys/mutex.h>
#include <vm/page.h>
#include <sys/kmem.h>
#include <htbed/config.h>
#include <htbed/flight.h>
#include <htbed/host.h>

/* set-up: physical memory, vCPUs and windows; before hat_init() */
extern int	shim_init(const struct shim_config *);
extern const struct shim_config *shim_cfg(void);
extern void	shim_set_injection(const struct shim_config *);
extern void	shim_set_seed(uint64_t);
extern void	shim_set_windows(int on);

/* threads: every thread that runs kernel code is attached first */
extern kthread_t *shim_thread_attach(const char *name, int cpuid);
extern void	shim_thread_init(kthread_t *, struct fr_ring *, const char *name,
    int cpuid);
extern void	shim_thread_detach(void);
extern int	shim_nthreads(void);
extern kthread_t *shim_thread(int i);
extern void	shim_migrate(kthread_t *, int cpuid);
extern void	shim_stats(struct shim_stats *);

/* seeded per-thread randomness */
extern uint64_t	shim_rand(void);
extern int	shim_chance_ppm(uint32_t ppm);
extern int	shim_inject(uint32_t ppm);

/* the dispatcher acting for vCPU c: fn(arg) runs as that vCPU */
extern void	shim_on_cpu(int c, void (*fn)(void *), void *arg);

/* an INVLPG on the current vCPU (shim/kern/x_call.c) */
extern void	shim_invlpg(uintptr_t va);

/* the kernel's bcopy()/bzero() of entries an MMU may walk (kern/mmu.c) */
extern void	shim_copy_ptes(uint64_t *to, const uint64_t *from, uint_t n);

#if HTBED_ERA == 2005
/* the boot window (ptable_va), and the PTE of a CPU's window (mmu.c) */
extern caddr_t	shim_boot_window(void);
extern uint64_t	*shim_window_pte(caddr_t va);	/* an x86pte_t */
#endif

/* physical memory */
extern char	*shim_physmap;		/* all frames, linearly */
extern pfn_t	shim_pt_first, shim_pt_last;	/* page-table pool */
extern pfn_t	shim_data_first, shim_data_last; /* workload frames */
extern page_t	*shim_pages;		/* page_t of every pfn */
/* the kernel image: one page of shared text, then one per vCPU */
#define	SHIM_KIMAGE_FRAMES	(1 + NCPU_EMULATED)
#define	NCPU_EMULATED		64	/* at most this many vCPUs */
extern pfn_t	shim_kimage_first;
#define	SHIM_FRAME_VA(pfn)	(shim_physmap + ((uint64_t)(pfn) << 12))
extern int	shim_frame_in_use(pfn_t);	/* allocated page-table frame */
extern void	shim_windows_frame(pfn_t, int in_use);
extern int	shim_window_of(uintptr_t addr, unsigned *window, pfn_t *pfn);
extern void	shim_windows_range(char **base, size_t *len);
#define	SHIM_WINDOWS_PER_CPU	2	/* windows at mmu.pwin_base, per vCPU */
/* and after them, era 2005: the boot window ptable_va, 2 pages */
#define	SHIM_BOOT_WINDOWS	(HTBED_ERA == 2005 ? 2 : 0)
extern void	shim_set_pressure(int on);

/*
 * Fill patterns.  Both read as valid PTEs naming frames far beyond
 * emulated memory, so a table that was not zeroed, or one read after it was
 * freed, yields mappings that every check rejects.
 */
#define	PTE_JUNK	0x7ff0baddcafe0001ull	/* fresh frame */
#define	PTE_POISON	0x7ff0deadbeef0001ull	/* freed frame */
#define	KMEM_JUNK	0xbaddcafebaddcafeull	/* fresh object */
#define	KMEM_POISON	0xdeadbeefdeadbeefull	/* freed object */

/*
 * The kernel arena (shim/kern/kmem.c): all kernel memory, kmem objects and
 * boot tables alike, so that it can be saved and put back as one range.
 */
extern void	*shim_boot_zalloc(size_t);	/* never freed */
extern void	shim_arena_range(char **base, char **brk, char **hwm);
extern char	*shim_arena_base(void);
extern size_t	shim_arena_size(void);
extern void	shim_kmem_repoison(char *hwm);

/*
 * An address as the same number in every process (snapshot.c): the range
 * it is in (SHIM_CANON_*) in the top byte, its offset in the range below.
 */
#define	SHIM_CANON_KDATA	1
#define	SHIM_CANON_KBSS		2
#define	SHIM_CANON_ARENA	3
#define	SHIM_CANON_PHYS		4
#define	SHIM_CANON_TEXT		5
#define	SHIM_CANON_WINDOW	6
extern uint64_t	shim_addr_canon(uint64_t);

/* kmem: the reaper side of kmem_reap(); outstanding objects */
extern void	shim_kmem_set_reap_hook(void (*)(void));
extern void	shim_kmem_reap_all(void);
extern uint64_t	shim_kmem_outstanding(kmem_cache_t *);
extern kmem_cache_t *shim_kmem_cache_by_name(const char *);

/*
 * Lock classes for the order checker (shim/testing/lockdep.c).  The rules
 * are those of KERNEL-API.md section 6, rule 7 and rule 13.
 */
enum lock_class {
	LC_NONE = 0,	/* unclassified: no rules */
	LC_PAGE,	/* page identity lock */
	LC_MLIST,	/* per-page mapping list lock */
	LC_BUCKET,	/* htable_mutex[] */
	LC_HCI,		/* hat_cpu_info.hci_mutex */
	LC_HAT,		/* hat_mutex */
	LC_RESERVE,	/* htable_reserve_mutex */
	LC_HATLIST,	/* hat_list_lock */
	LC_INTR,	/* a vCPU's mcpu_intr: interrupts off (sys/x_call.h) */
	LC_SWITCH,	/* hat_switch_mutex (HTBED_SWITCH_MUTEX files) */
	LC_NCLASSES
};
#define	LCM(c)		(1u << (c))

extern void	mutex_set_class(kmutex_t *, enum lock_class);
extern void	lock_register_array(kmutex_t *base, int n, enum lock_class,
    const char *name);
extern int	lock_class_of(kmutex_t *);
extern void	lock_name(const kmutex_t *, char *buf, size_t len);
extern void	lockdep_check_word(kthread_t *, const kmutex_t *,
    const char *op);
extern int	lockdep_enter(kthread_t *, kmutex_t *);
extern void	lockdep_push(kthread_t *, kmutex_t *, int cls);
extern void	lockdep_exit(kthread_t *, kmutex_t *);
extern void	lockdep_forbid(uint32_t class_mask, const char *what);
extern const char *const lock_class_name[LC_NCLASSES];

/*
 * The bug-found event (DESIGN.md, failure handling): prints the report
 * (what, where, thread, vCPU, locks held, last events of every thread),
 * lets the harness write its artifacts, and exits with the status the
 * harness chose (1, or 0 for a known finding: harness/known.h).
 */
extern void	htbed_bug(const char *kind, const char *file, int line,
    const char *fmt, ...)
    __attribute__((noreturn, format(printf, 4, 5)));
#define	BUG(kind, ...)	htbed_bug((kind), __FILE__, __LINE__, __VA_ARGS__)

/*
 * Called with the finished report; writes files, adds the repeat command,
 * and returns the process's exit status (1, or 0 for a known finding).
 */
typedef int (*bug_hook_t)(const char *kind, const char *where,
    const char *msg, host_buf_t *report);
extern void	bug_set_hook(bug_hook_t);
extern int	bug_in_progress(void);
extern void	bug_dump_threads(host_buf_t *, int nevents);
extern void	fr_format_event(const struct fr_event *, char *, size_t);
extern void	bug_set_op_namer(const char *(*)(uint64_t));
extern void	bug_signal(int sig, void *addr);
extern void	bug_sanitizer_died(void);
extern void	bug_sanitizer_pending(void);
extern void	bug_install_handlers(int abort_on_bug);

/* a testbed (not kernel) failure: exit 2, never reported as a bug */
extern void	htbed_internal_error(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

#endif	/* _HTBED_SHIM_H */
