/*
 * Kernel threads (illumos <sys/thread.h>).
 *
 * Every workload thread of the testbed (a pthread in free-running mode, a
 * fiber in controlled mode) has a kthread_t.  curthread is a thread-local
 * pointer; in controlled mode the scheduler switches it with the fiber.
 *
 * The kernel fields htable.c and the HAT use come first.  The rest is
 * testbed state: the vCPU the thread runs on (changed only at a preemption
 * point while t_preempt is zero), the locks it holds (for the lock-order
 * checker and for reports) and its flight recorder.
 */
#ifndef _SYS_THREAD_H
#define	_SYS_THREAD_H

#include <sys/types.h>

#define	T_HELD_MAX	16

struct kmutex;
struct fr_ring;
struct xc_flush;

struct _kthread {
	int		t_preempt;	/* kpreempt_disable() depth */
	uint8_t		t_hatdepth;	/* HAT recursion depth */
	struct cpu	*t_cpu;		/* vCPU this thread runs on */
	struct proc	*t_procp;

	/* testbed state */
	int		t_tid;		/* T<n> in reports and traces */
	const char	*t_name;
	int		t_nheld;
	struct kmutex	*t_held[T_HELD_MAX];
	uint8_t		t_held_class[T_HELD_MAX];
	uint64_t	t_rng;		/* seam injection RNG */
	struct fr_ring	*t_fr;		/* flight recorder */
	void		*t_sched;	/* controlled-mode fiber, or NULL */
	int		t_noinject;	/* no injected failures (the reservoir) */
	int64_t		t_migrate_in;	/* controlled mode: points to the next
					 * migration */
	uint64_t	t_stat[12];	/* per-thread TS_* counters */
	struct xc_flush	*t_xcflush;	/* in xc_wait_sync(): its handlers'
					 * TLB flushes (shim/kern/x_call.c) */
};

/*
 * Per-thread counters, summed by shim_stats(): written by their thread
 * only, read by any, so both sides are (relaxed, uncontended) atomics.
 */
#define	T_STAT_INC(t, i)	\
	__atomic_store_n(&(t)->t_stat[i], (t)->t_stat[i] + 1, __ATOMIC_RELAXED)
#define	T_STAT(t, i)		__atomic_load_n(&(t)->t_stat[i], __ATOMIC_RELAXED)
#define	TS_CAS_FAIL	0	/* CAS_PTE that found another value */
#define	TS_WIN_REMAP	1	/* window remapped to another frame */
#define	TS_MIGRATE	2	/* vCPU changes */
#define	TS_MAPIN	3	/* x86pte_mapin through a window */
#define	TS_HT_CREATE	4	/* htable_create() calls by the HAT */
#define	TS_HT_RELEASE	5	/* htable_release() calls by the HAT */
#define	TS_TLB_INVAL	6	/* hat_tlb_inval() shootdowns */
#define	TS_STEAL_UNMAP	7	/* hat_pte_unmap() called back by steal */
#define	TS_HAT_OP	8	/* calls of the HAT's interface */

extern __thread kthread_t *htbed_curthread;
#define	curthread	(htbed_curthread)

#endif	/* _SYS_THREAD_H */
