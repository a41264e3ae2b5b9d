/*
 * The scheduler seam.  Every shim primitive at which a real kernel could
 * switch threads calls seam() before it acts: mutex enter and exit, condvar
 * wait and signal, kpreempt_enable, atomic read-modify-write, CAS on a PTE,
 * window map-in, and explicit yield points.
 *
 * seam() records the event in the thread's flight recorder and, when any
 * schedule perturbation is on (seam_active), hands control to
 * seam_schedule(): it may migrate the thread to another vCPU (only while
 * t_preempt == 0), yield the host CPU or delay, with seeded
 * probabilities.  In controlled mode it makes one call, sched_seam(),
 * which logs the event and lets the strategy pick who runs next.
 */
#ifndef _HTBED_SEAM_H
#define	_HTBED_SEAM_H

#include <sys/types.h>
#include <sys/thread.h>
#include <sys/cpuvar.h>
#include <htbed/flight.h>

typedef enum seam_ev {
	EV_NONE = 0,
	EV_OP,			/* harness op begins: a = op, b = arg */
	EV_MUTEX_ENTER,		/* obj = mutex */
	EV_MUTEX_WAIT,		/* enter found it held: a = owner tid */
	EV_MUTEX_EXIT,
	EV_CV_WAIT,		/* obj = cv, a = mutex */
	EV_CV_WAKE,
	EV_CV_SIGNAL,		/* a = 1 for broadcast */
	EV_PREEMPT_ENABLE,
	EV_MIGRATE,		/* a = old vCPU, b = new vCPU */
	EV_ATOMIC,		/* obj = address */
	EV_CAS_PTE,		/* obj = PTE physaddr, a = old, b = new */
	EV_CAS_FAIL,		/* obj = PTE physaddr, a = expected, b = found */
	EV_MAPIN,		/* obj = window va, a = pfn */
	EV_WINDOW_REMAP,	/* a = window, b = pfn */
	EV_TLB_INVAL,		/* obj = hat, a = va */
	EV_YIELD,		/* explicit yield point, obj = site */
	EV_STEAL_UNMAP,		/* obj = hat, a = va, b = old pte */
	EV_SPIN,		/* waiting for another thread to act: obj = site */
	EV_MMU_READ,		/* a walker reads an entry: obj = its physaddr,
				 * a = table level, b = walker */
	EV_MMU_BITS,		/* a walker sets REF/MOD: obj = physaddr,
				 * a = old, b = new */
	EV_MMU_XLATE,		/* a translation: obj = 1 if from the TLB,
				 * a = va, b = pfn (or -1) */
	EV_XCALL,		/* a cross-call handler runs: obj = from
				 * vCPU, a = target vCPU, b = argument */
	EV_HAT_SWITCH,		/* hat_switch(): obj = hat, a = vCPU */
	EV_LOAD,		/* the core loads shared memory (access
				 * seams): obj = address, a = bytes */
	EV_STORE,		/* the core stores to it: obj, a as load */
	EV_NKINDS
} seam_ev_t;

extern const char *const seam_ev_name[EV_NKINDS];

extern int seam_active;		/* any perturbation or controlled mode on */
extern int seam_controlled;	/* controlled mode: fibers, one at a time */
extern int seam_access;		/* the core's loads and stores of shared
				 * memory are seams too (shim/testing/access.c) */
extern void access_ranges_init(void);	/* where shared memory is */
extern int seam_rf;		/* reads-from feedback (fuzzing): access.c */
extern void access_run_begin(void);	/* sched_run(): a run begins */
extern uint64_t seam_step;	/* controlled mode: global step counter */

extern void seam_schedule(seam_ev_t ev);

/*
 * Set once a bug is being reported: every other thread stops at its next
 * seam point, so the report shows the interleaving as it was.
 */
extern int htbed_frozen;
extern void seam_freeze(void) __attribute__((noreturn));

/*
 * Controlled mode keeps one log of every thread's events, in the order
 * they happened (shim/testing/sched.c), instead of the per-thread rings:
 * sched_event() writes the event there, stamped with the step, from its
 * fields (pc: the callers, or NULL for none) -- not from a copy on the
 * caller's stack, whose narrow stores a wide load would wait for on every
 * access seam.  It is written there, uninstrumented: the log is the
 * scheduler's, written by every fiber in turn, and ThreadSanitizer, which
 * sees fibers as threads switched without synchronisation, must not see
 * it.
 */
extern void sched_event(kthread_t *t, seam_ev_t ev, uint64_t obj,
    uint64_t a, uint64_t b, const uint64_t *pc);
/* a seam point in controlled mode: the event, then the choice */
extern void sched_seam(kthread_t *t, seam_ev_t ev, uint64_t obj, uint64_t a,
    uint64_t b);

/*
 * The code of the core -- htable.c and the HAT, the files of core/ -- is
 * linked in its own section (the Makefile renames their .text), so that an
 * event can say where in it the thread was: the innermost FR_PCS return
 * addresses in that section, found along the frame pointers (everything
 * is built with -fno-omit-frame-pointer) within a few frames of the shim
 * primitive -- the function that called the primitive and its callers.
 * None where the core is not on the stack (the harness's own locks, say)
 * or in a build that does not place the core apart.  Only controlled mode
 * pays for it, and not when fuzzing (seam_callers 0: a fuzz run is
 * replayed for its trace); it is left out of the trace hash (addresses
 * change from run to run).
 */
extern int seam_callers;
extern const char __start_htbed_core_text[] __attribute__((weak));
extern const char __stop_htbed_core_text[] __attribute__((weak));

static inline void
fr_core_callers(uint64_t pc[FR_PCS])
{
	uintptr_t lo = (uintptr_t)__start_htbed_core_text;
	uintptr_t hi = (uintptr_t)__stop_htbed_core_text;
	uintptr_t *fp = (uintptr_t *)__builtin_frame_address(0), *next;
	int depth, n = 0;

	for (depth = 0; depth < 10 && n < FR_PCS && lo < hi; depth++) {
		if (fp[1] >= lo && fp[1] < hi)
			pc[n++] = fp[1];
		next = (uintptr_t *)fp[0];
		if (next <= fp || (uintptr_t)next - (uintptr_t)fp > (1u << 20) ||
		    ((uintptr_t)next & 7) != 0)
			break;
		fp = next;
	}
	while (n < FR_PCS)
		pc[n++] = 0;
}

/* an event's fields, written one by one (no struct on the stack) */
static inline void
fr_fill(struct fr_event *e, const kthread_t *t, seam_ev_t ev, uint64_t when,
    uint64_t obj, uint64_t a, uint64_t b)
{
	e->fe_when = when;
	e->fe_kind = ev;
	e->fe_cpu = t->t_cpu != NULL ? (int16_t)t->t_cpu->cpu_id : -1;
	e->fe_preempt = (int16_t)t->t_preempt;
	e->fe_obj = obj;
	e->fe_a = a;
	e->fe_b = b;
}

static inline void
fr_record(kthread_t *t, seam_ev_t ev, uint64_t obj, uint64_t a, uint64_t b)
{
	struct fr_ring *r = t->t_fr;
	struct fr_event *e;
	uint64_t pc[FR_PCS];

	if (seam_controlled) {
		if (seam_callers)
			fr_core_callers(pc);
		sched_event(t, ev, obj, a, b, seam_callers ? pc : NULL);
		return;
	}
	e = &r->fr_ev[r->fr_head & (FR_SIZE - 1)];
	fr_fill(e, t, ev, __builtin_ia32_rdtsc(), obj, a, b);
	/* published whole (flight.h) */
	__atomic_store_n(&r->fr_head, r->fr_head + 1, __ATOMIC_RELEASE);
}

/* Record an event without making it a scheduling point. */
static inline void
seam_note(seam_ev_t ev, uint64_t obj, uint64_t a, uint64_t b)
{
	kthread_t *t = curthread;

	if (t != NULL)
		fr_record(t, ev, obj, a, b);
}

/* A scheduling point: record, then let the schedule perturber act. */
static inline void
seam(seam_ev_t ev, const void *obj, uint64_t a, uint64_t b)
{
	kthread_t *t = curthread;

	if (t == NULL)
		return;
	if (__builtin_expect(__atomic_load_n(&htbed_frozen, __ATOMIC_RELAXED),
	    0))
		seam_freeze();
	if (seam_controlled) {
		sched_seam(t, ev, (uint64_t)(uintptr_t)obj, a, b);
		return;
	}
	fr_record(t, ev, (uint64_t)(uintptr_t)obj, a, b);
	if (seam_active)
		seam_schedule(ev);
}

/* An explicit yield point for code that wants one (harness, HAT). */
#define	SEAM_YIELD(site)	seam(EV_YIELD, (site), 0, 0)

/* A wait for another thread to act (a retry loop): it must give way. */
#define	SEAM_SPIN(site)		seam(EV_SPIN, (site), 0, 0)

/*
 * Futex waits of the shim's blocking primitives: a system call in
 * free-running mode, a blocked fiber in controlled mode.
 */
extern void	shim_futex_wait(uint32_t *addr, uint32_t val);
extern void	shim_futex_wake(uint32_t *addr, int nwake);

#endif	/* _HTBED_SEAM_H */
