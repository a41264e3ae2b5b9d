/*
 * The controlled-mode scheduler: workload threads as fibers on one OS
 * thread, exactly one running, a strategy choosing at every seam point.
 *
 * Invariants:
 *  - exactly one fiber (or the scheduler's own context, "main") runs, and
 *    curthread is its kthread;
 *  - a fiber changes state only here: RUNNABLE -> BLOCKED in
 *    sched_futex_wait() (by itself), BLOCKED -> RUNNABLE in
 *    sched_futex_wake() (by the waker) or at the run's end (daemons),
 *    RUNNABLE -> SLEEPING in sched_sleep() (by itself), SLEEPING ->
 *    RUNNABLE once the step count reaches its wake-up step (or at the
 *    run's end), RUNNABLE -> DONE when its body returns;
 *  - a switch between two fibers is direct; a fiber whose body returns
 *    ends into main, which picks the next one, so that the end of one
 *    fiber never orders (for ThreadSanitizer) what another does after it;
 *  - the strategy is asked only at decision points, where more than one
 *    fiber could run; its answer is recorded, and that record replays the
 *    run.
 * Main takes control back when every worker fiber is done, when nothing
 * can run (a deadlock; hardware fibers, which wake nobody, do not count
 * until the run ends) or when the run exceeds its step budget (a hang);
 * the last two are bug-found events.
 *
 * Built without ThreadSanitizer instrumentation (see the Makefile): the
 * scheduler's bookkeeping is shared by all fibers on purpose and is not
 * the code under test.
 */
#include <sys/types.h>
#include <sys/thread.h>
#include <sys/cpuvar.h>
#include <sys/mutex.h>
#include <sys/sysmacros.h>
#include <htbed/fiber.h>
#include <htbed/sched.h>
#include <htbed/shim.h>

enum { FS_IDLE, FS_RUNNABLE, FS_BLOCKED, FS_DONE, FS_SLEEPING };

typedef struct slot {
	fiber_t		*sl_fiber;
	kthread_t	sl_thread;
	struct fr_ring	sl_ring;
	sched_body_t	sl_body;
	int		sl_state;
	uint32_t	*sl_wait;	/* futex word it is blocked on */
	uint64_t	sl_last_event;	/* 1 + its last event's log index */
	uint64_t	sl_since;	/* blocked: when (a count of blocks) */
	int		sl_woken;	/* a futex wake made it runnable */
	uint32_t	sl_rewaits;	/* woken and blocked again, with no
					 * event between (starving) */
	struct fr_event	sl_blocked_at;	/* its last event when it blocked */
	uint64_t	sl_until;	/* sleeping: the step it wakes at */
	char		sl_name[32];
} slot_t;

#define	TRACE_SIZE	(1u << 16)	/* events kept for --trace */

static struct {
	slot_t		s_slot[SCHED_MAX_FIBERS];
	int		s_n;
	uint32_t	s_runnable;	/* mask of fibers in FS_RUNNABLE */
	uint32_t	s_hw;		/* mask of hardware fibers */
	uint32_t	s_sleeping;	/* mask of fibers in FS_SLEEPING */
	int		s_cur;		/* running fiber, -1: main */
	int		s_last;		/* the fiber that ran last */
	fiber_t		*s_main;
	struct strategy	*s_st;
	uint64_t	s_max_steps;
	uint64_t	s_fair_from;	/* from this step every pick is fair */
	uint32_t	s_migrate_ppm;
	int		s_stopping;
	int		s_stalled;	/* why a fiber handed control to main */
	int		s_favour;	/* a starving fiber to run next, or -1 */
	uint64_t	s_lent;		/* access points lent to the running
					 * fiber (lend()) */
	int		s_lent_solo;	/* ... with nobody else runnable: the
					 * strategy is not asked */
	int		s_no_lend;	/* HTBED_NO_LEND: lend nothing */
	uint64_t	s_nblocks;	/* blocks so far, for FIFO wakes */
	struct sched_switch *s_switch;	/* decisions that were not the
					 * default (strategy.h) */
	size_t		s_nswitch;
	size_t		s_npreempt;	/* of them, switches away from a
					 * fiber that could have gone on */
	uint64_t	s_points[SCHED_MAX_FIBERS + 1];	/* per anchor */
	uint8_t		*s_choice;	/* the schedule: one byte a decision */
	size_t		s_nchoice;
	uint64_t	s_cap;		/* of both logs */
	struct fr_event	*s_trace;	/* every event, oldest overwritten */
	uint8_t		*s_trace_tid;
	uint64_t	s_ntrace;
	uint64_t	s_hash;
	int		s_hashing;	/* keep s_hash (not when fuzzing) */
	uint8_t		*s_feat;	/* interleaving feedback, or NULL */
	size_t		s_nfeat;
} S;

enum { STALL_NONE, STALL_DEADLOCK, STALL_HANG };

void
sched_init(void)
{
	int i;

	if (S.s_main != NULL)
		return;
	S.s_main = fiber_self();
	for (i = 0; i < SCHED_MAX_FIBERS; i++) {
		(void) host_snprintf(S.s_slot[i].sl_name,
		    sizeof (S.s_slot[i].sl_name), "fiber-%d", i);
		S.s_slot[i].sl_fiber = fiber_create(0, S.s_slot[i].sl_name);
	}
	S.s_trace = host_alloc(sizeof (struct fr_event) * TRACE_SIZE);
	S.s_trace_tid = host_alloc(TRACE_SIZE);
	S.s_no_lend = host_env_set("HTBED_NO_LEND");
}

int
sched_stopping(void)
{
	return (S.s_stopping);
}

/*
 * ------------------------------------------------------------------------
 * The record of a run: schedule, event log, event hash
 * ------------------------------------------------------------------------
 */
/*
 * A run has at most one decision per step, so logs sized by the step
 * budget never grow during a run (and never copy: a copy would go
 * through memcpy, which ThreadSanitizer intercepts even here).  They are
 * reserved address space, backed only where a run writes: sized for a
 * budget of 40 million steps, from the sanitizers' allocator they cost
 * every fuzz process a third of a second of poisoning at its start.
 */
static void
logs_fit(uint64_t max_steps)
{
	if (S.s_cap >= max_steps + 1)
		return;
	if (S.s_cap != 0) {
		host_unreserve(S.s_choice, S.s_cap);
		host_unreserve(S.s_switch, S.s_cap * sizeof (struct sched_switch));
	}
	S.s_cap = max_steps + 1;
	S.s_choice = host_reserve(S.s_cap, 1);
	S.s_switch = host_reserve(S.s_cap * sizeof (struct sched_switch), 1);
}

static void
choice_record(int c)
{
	S.s_choice[S.s_nchoice++] = (uint8_t)c;
}

static void
switch_record(const struct sched_view *v, int c, int preempt)
{
	struct sched_switch *sw = &S.s_switch[S.s_nswitch++];

	sw->sw_point = v->sv_point;
	sw->sw_fiber = (uint8_t)v->sv_anchor;
	sw->sw_target = (uint8_t)c;
	sw->sw_preempt = (uint8_t)preempt;
	S.s_npreempt += preempt;
}

const struct sched_switch *
sched_switches(size_t *n, size_t *npreempt)
{
	*n = S.s_nswitch;
	*npreempt = S.s_npreempt;
	return (S.s_switch);
}

const uint8_t *
sched_choices(size_t *n)
{
	*n = S.s_nchoice;
	return (S.s_choice);
}

uint64_t
sched_steps(void)
{
	return (seam_step);
}



/* one 64-bit word into the hash (FNV-1a's step, a word at a time) */
static uint64_t
fnv(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x100000001b3ull;
	return (h ^ (h >> 29));
}

/*
 * Every event of the run, in the order it happened: the next slot of the
 * log.  The event hash covers the event before it (its slot is filled
 * after this returns): with addresses made process-independent, two runs
 * with the same hash had the same interleaving, event for event.
 */
/*
 * An address as the hash sees it: process-independent, and for code (a
 * yield site) only "code": the linker places each program's own startup
 * code first, so one function's offset differs between htstress and
 * htreplay.
 */
static uint64_t
hash_addr(uint64_t v)
{
	uint64_t c = shim_addr_canon(v);

	return ((c >> 56) == SHIM_CANON_TEXT ? c & ~(((uint64_t)1 << 56) - 1) :
	    c);
}

static uint64_t
hash_event(uint64_t h, uint64_t k)
{
	const struct fr_event *e = &S.s_trace[k & (TRACE_SIZE - 1)];

	h = fnv(h, ((uint64_t)S.s_trace_tid[k & (TRACE_SIZE - 1)] << 32) |
	    e->fe_kind);
	h = fnv(h, ((uint64_t)(uint16_t)e->fe_cpu << 16) |
	    (uint16_t)e->fe_preempt);
	/* only the object, and a cv_wait's mutex, are addresses */
	h = fnv(h, hash_addr(e->fe_obj));
	h = fnv(h, e->fe_kind == EV_CV_WAIT ? hash_addr(e->fe_a) : e->fe_a);
	return (fnv(h, e->fe_b));
}

void
sched_event(kthread_t *t, seam_ev_t ev, uint64_t obj, uint64_t a,
    uint64_t b, const uint64_t *pc)
{
	uint64_t i = S.s_ntrace & (TRACE_SIZE - 1);
	struct fr_event *e = &S.s_trace[i];
	int k;

	if (S.s_hashing && S.s_ntrace > 0)
		S.s_hash = hash_event(S.s_hash, S.s_ntrace - 1);
	S.s_ntrace++;
	if (S.s_cur >= 0) {
		S.s_slot[S.s_cur].sl_last_event = S.s_ntrace;
		S.s_slot[S.s_cur].sl_rewaits = 0;
	}
	S.s_trace_tid[i] = (uint8_t)t->t_tid;
	fr_fill(e, t, ev, seam_step, obj, a, b);
	for (k = 0; k < FR_PCS; k++)
		e->fe_pc[k] = pc != NULL ? pc[k] : 0;
}

/* the last (at most max) events of thread tid, oldest first */
int
sched_thread_events(int tid, const struct fr_event **out, int max)
{
	uint64_t k = S.s_ntrace, stop;
	int n = 0, i;

	stop = S.s_ntrace > TRACE_SIZE ? S.s_ntrace - TRACE_SIZE : 0;
	while (k-- > stop && n < max) {
		if (S.s_trace_tid[k & (TRACE_SIZE - 1)] == tid)
			out[n++] = &S.s_trace[k & (TRACE_SIZE - 1)];
	}
	for (i = 0; i < n / 2; i++) {
		const struct fr_event *e = out[i];

		out[i] = out[n - 1 - i];
		out[n - 1 - i] = e;
	}
	return (n);
}

/*
 * The event after which fiber tid blocked, if it is blocked now (a
 * report of a long run has only the last TRACE_SIZE events in its log,
 * and a fiber that blocked long ago has none there), or NULL.
 */
const struct fr_event *
sched_blocked_event(int tid)
{
	int i;

	for (i = 0; i < S.s_n; i++) {
		const slot_t *sl = &S.s_slot[i];

		if (sl->sl_thread.t_tid == tid)
			return (sl->sl_state == FS_BLOCKED &&
			    sl->sl_blocked_at.fe_kind != 0 ?
			    &sl->sl_blocked_at : NULL);
	}
	return (NULL);
}

/* the hash of every event so far (the last one included) */
uint64_t
sched_trace_hash(void)
{
	if (!S.s_hashing || S.s_ntrace == 0)
		return (S.s_hash);
	return (hash_event(S.s_hash, S.s_ntrace - 1));
}

/*
 * ------------------------------------------------------------------------
 * Switching
 * ------------------------------------------------------------------------
 */
/* every state change goes through here: s_runnable mirrors the states */
static void
set_state(int i, int state)
{
	S.s_slot[i].sl_state = state;
	if (state == FS_RUNNABLE)
		S.s_runnable |= 1u << i;
	else
		S.s_runnable &= ~(1u << i);
}

/* sleepers whose wake-up step has come are runnable again */
static void
wake_sleepers(void)
{
	uint32_t m = S.s_sleeping;
	int i;

	for (; m != 0; m &= m - 1) {
		i = __builtin_ctz(m);
		if (S.s_slot[i].sl_until <= seam_step) {
			S.s_sleeping &= ~(1u << i);
			set_state(i, FS_RUNNABLE);
		}
	}
}

/*
 * ------------------------------------------------------------------------
 * Lending.  Most access seams of a fuzz run fall where the choice is
 * certain: inside a gap, where the strategy lets the running fiber go on,
 * or where nobody else is runnable.  choose() lends the running fiber
 * the points to the next possible change -- from the strategy
 * (strategy_lend()), or all of them when it runs alone -- and
 * sched_point() takes each with a count and, in a gap, a log entry, as
 * choose() would have recorded it.  A loan ends before anything that
 * would decide otherwise: a sleeper's wake-up step, a migration, the step
 * budget; and anything that changes who could run -- a wake, a block, a
 * fiber's end, any decision that is not a lent access -- takes back the
 * rest (lend_cancel()).  So a run with loans is the run without them,
 * decision for decision (HTBED_NO_LEND=1 lends nothing: tests/access.sh
 * compares the two).
 * ------------------------------------------------------------------------
 */
static void
lend_cancel(void)
{
	if (S.s_lent != 0 && !S.s_lent_solo)
		strategy_unlend(S.s_st, S.s_lent);
	S.s_lent = 0;
}

/* the first step at which a sleeper wakes (one does: s_sleeping != 0) */
static uint64_t
next_wake(void)
{
	uint64_t w = UINT64_MAX;
	uint32_t m;

	for (m = S.s_sleeping; m != 0; m &= m - 1) {
		uint64_t u = S.s_slot[__builtin_ctz(m)].sl_until;

		w = u < w ? u : w;
	}
	return (w);
}

/*
 * The running fiber t goes on: alone (solo), or by the strategy's
 * default with others runnable.
 */
static void
lend(const kthread_t *t, int solo)
{
	uint64_t max = S.s_max_steps - seam_step;

	if (S.s_no_lend)
		return;
	if (S.s_sleeping != 0) {
		uint64_t before_wake = next_wake() - seam_step - 1;

		max = MIN(max, before_wake);
	}
	if (S.s_migrate_ppm != 0)
		max = t->t_migrate_in <= 1 ? 0 :
		    MIN(max, (uint64_t)t->t_migrate_in - 1);
	if (!solo)	/* past the fair point the strategy is not asked */
		max = seam_step + 1 >= S.s_fair_from ? 0 :
		    MIN(max, S.s_fair_from - seam_step - 1);
	S.s_lent_solo = solo;
	S.s_lent = max == 0 ? 0 : solo ? max : strategy_lend(S.s_st, max);
}

/* an access seam inside a loan: the point as choose() would record it */
static void
lent_point(kthread_t *t)
{
	S.s_lent--;
	seam_step++;
	if (S.s_migrate_ppm != 0 && t->t_preempt == 0)
		t->t_migrate_in--;
	S.s_points[S.s_cur]++;
	if (!S.s_lent_solo)
		choice_record(S.s_cur);
}

/*
 * Who runs next; cur is the running fiber if it could go on, else -1.
 * Nobody, if only hardware fibers could: they never wake a fiber, so the
 * workers left would wait forever (unless the run is ending).
 */
static int
choose(int cur, seam_ev_t ev)
{
	struct sched_view v;
	uint32_t m;
	int c, preempt;

	lend_cancel();
	v.sv_anchor = S.s_cur >= 0 ? S.s_cur : S.s_last >= 0 ? S.s_last :
	    SCHED_MAIN;
	v.sv_point = ++S.s_points[v.sv_anchor];
	if (S.s_sleeping != 0)
		wake_sleepers();
	m = S.s_runnable;
	if (m == 0 || ((m & ~S.s_hw) == 0 && !S.s_stopping))
		return (-1);
	if ((m & (m - 1)) == 0) {
		c = __builtin_ctz(m);
		if (c == cur)
			lend(&S.s_slot[cur].sl_thread, 1);
		return (c);
	}
	if (S.s_favour >= 0 && (m & (1u << S.s_favour))) {
		c = S.s_favour;
		S.s_favour = -1;
		return (c);
	}
	v.sv_cur = cur;
	v.sv_prev = S.s_last;
	v.sv_runnable = m;
	v.sv_nfibers = S.s_n;
	v.sv_step = seam_step;
	v.sv_ev = ev;
	c = seam_step >= S.s_fair_from ? strategy_pick_fair(S.s_st, &v) :
	    strategy_pick(S.s_st, &v);
	if (c < 0 || c >= S.s_n || !(m & (1u << c)))
		htbed_internal_error("strategy picked fiber %d, not runnable",
		    c);
	choice_record(c);
	if (c != strategy_default(&v)) {
		preempt = cur >= 0 && (m & (1u << cur)) && !SEAM_IS_SPIN(ev);
		switch_record(&v, c, preempt);
	} else if (c == cur && S.s_favour < 0) {
		lend(&S.s_slot[cur].sl_thread, 0);
	}
	return (c);
}

/*
 * Interleaving feedback (fuzzing): a counter per pair of code sites that
 * met -- the site that let a mutex go and the one that took it next in
 * another thread (shim/kern/mutex.c).  Sites are made
 * process-independent.  A counter says whether its pair met, not how
 * often: counted, every new number of handoffs between two sites was a
 * new feature to libFuzzer, and the fuzzer needed up to twice the
 * executions to find the planted bugs.  The pairs of sites met at a
 * context switch were counters too, until the fuzzer was measured to
 * need fewer executions without them for eight of the eleven mutants
 * from an empty corpus (docs/measurements.md).
 */
void
sched_set_features(uint8_t *counters, size_t n)
{
	S.s_feat = counters;
	S.s_nfeat = n;
}

void
sched_feature(int kind, uint64_t from, uint64_t to)
{
	uint64_t h;
	uint8_t *c;

	if (S.s_feat == NULL)
		return;
	h = fnv(fnv(fnv(0x9e3779b97f4a7c15ull, (uint64_t)kind),
	    shim_addr_canon(from)), shim_addr_canon(to));
	c = &S.s_feat[h % S.s_nfeat];
	*c = 1;
}

/* from fiber context: run fiber c (which may be the caller) */
static void
run_from_fiber(int c)
{
	if (c == S.s_cur)
		return;
	S.s_cur = S.s_last = c;
	htbed_curthread = &S.s_slot[c].sl_thread;
	fiber_switch(S.s_slot[c].sl_fiber);
}

/*
 * From fiber context: nothing can run, or the budget is spent.  Main
 * reports the hang; a fiber blocked with nothing else to run is resumed
 * only if the run ends anyway (a daemon, once the workers are done).
 */
static void
stall(int why)
{
	S.s_stalled = why;
	S.s_cur = -1;
	fiber_switch(S.s_main);
}

/*
 * A thread moves to another vCPU at a seam point with preemption enabled,
 * once in about 1e6 / migrate_ppm such points: the gap is drawn when it
 * moves (uniform, mean 1e6 / ppm) from its own stream.
 */
static void
migrate_gap(kthread_t *t)
{
	t->t_migrate_in = 1 + (int64_t)(shim_rand() %
	    (2000000 / S.s_migrate_ppm));
}

static void
migrate(kthread_t *t)
{
	shim_migrate(t, (int)(shim_rand() % (uint64_t)ncpus));
	migrate_gap(t);
}

static void
sched_point(seam_ev_t ev)
{
	kthread_t *t = curthread;
	int c;

	if (S.s_lent != 0 && SEAM_IS_ACCESS(ev)) {
		lent_point(t);
		return;
	}
	if (++seam_step > S.s_max_steps)
		stall(STALL_HANG);
	if (S.s_migrate_ppm != 0 && t->t_preempt == 0 &&
	    --t->t_migrate_in <= 0)
		migrate(t);
	c = choose(S.s_cur, ev);
	if (c < 0) {
		stall(STALL_DEADLOCK);
		return;
	}
	run_from_fiber(c);
}

/*
 * A seam point in controlled mode (seam()): the event, then the point, in
 * one call -- with access seams, most of a run.  A fuzz run keeps no
 * access events in its log (it keeps no trace hash either): nothing that
 * decides reads them, and a failure's input is replayed for the whole
 * log.  What an event does to the scheduler's state is done.
 */
void
sched_seam(kthread_t *t, seam_ev_t ev, uint64_t obj, uint64_t a, uint64_t b)
{
	uint64_t pc[FR_PCS];

	if (S.s_hashing || !SEAM_IS_ACCESS(ev)) {
		if (seam_callers)
			fr_core_callers(pc);
		sched_event(t, ev, obj, a, b, seam_callers ? pc : NULL);
	} else if (S.s_cur >= 0) {
		S.s_slot[S.s_cur].sl_rewaits = 0;
	}
	sched_point(ev);
}

void
sched_futex_wait(uint32_t *addr, uint32_t val)
{
	slot_t *me = &S.s_slot[S.s_cur];
	int c;

	if (__atomic_load_n(addr, __ATOMIC_ACQUIRE) != val)
		return;
	set_state(S.s_cur, FS_BLOCKED);
	me->sl_wait = addr;
	me->sl_since = ++S.s_nblocks;
	if (me->sl_woken && me->sl_rewaits < UINT32_MAX)
		me->sl_rewaits++;
	me->sl_woken = 0;
	me->sl_blocked_at.fe_kind = EV_NONE;
	if (me->sl_last_event != 0 &&
	    S.s_ntrace - me->sl_last_event < TRACE_SIZE)
		me->sl_blocked_at = S.s_trace[(me->sl_last_event - 1) &
		    (TRACE_SIZE - 1)];
	c = choose(-1, EV_MUTEX_WAIT);
	if (c < 0)
		stall(STALL_DEADLOCK);
	run_from_fiber(c);
}

/*
 * The running fiber sleeps for `steps' scheduling steps, as on a timer:
 * it is not runnable until the run has made that many steps.  Once the
 * run is ending, nobody makes steps: it does not sleep.
 */
void
sched_sleep(uint64_t steps)
{
	int me = S.s_cur, c;

	if (S.s_stopping)
		return;

	S.s_slot[me].sl_until = seam_step + steps;
	S.s_sleeping |= 1u << me;
	set_state(me, FS_SLEEPING);
	c = choose(-1, EV_YIELD);
	if (c < 0) {
		stall(STALL_DEADLOCK);
		return;
	}
	run_from_fiber(c);
}

/*
 * Fairness.  A schedule may starve a fiber: woken from a mutex, it runs
 * only while another fiber holds the mutex again, blocks again, and the
 * others take turns with the mutex for ever (a steal loop does).  That
 * is no interleaving hardware keeps up, and a run that ends so would be
 * a false hang.  A fiber woken and blocked again STARVING times in a row,
 * with no event of its own between, runs next when it is woken again,
 * and so finds the mutex free.  The rule depends only on the run, so a
 * replay makes the same forced decisions; they are not recorded, as a
 * decision with one runnable fiber is not.
 */
#define	STARVING	256

/*
 * Fairness, the second rule.  A run still going after 1/FAIR_TAIL of its
 * step budget is a livelock, or a schedule that keeps one fiber from
 * the progress the others wait for: a gap list read round and round can
 * fall into step with a retry loop (a map stealing for ever, each pass
 * over the hats finding the only one with tables to give marked VICTIM
 * by a reaper that the period lets run only in the middle of its work
 * on it), bounded search's default keeps a spinner running, PCT's
 * priorities stay.  From that step on every strategy picks at random
 * (strategy_pick_fair()), which no loop stays in step with for long, so
 * a hang is reported only when the run does not end under a fair
 * schedule either.  The random picks come from the run's seed and are
 * recorded like any others: a replay gives them again.
 */
#define	FAIR_TAIL	8

/* the fiber blocked longest on addr, or -1 */
static int
longest_waiter(const uint32_t *addr)
{
	int i, w = -1;

	for (i = 0; i < S.s_n; i++) {
		const slot_t *sl = &S.s_slot[i];

		if (sl->sl_state == FS_BLOCKED && sl->sl_wait == addr &&
		    (w < 0 || sl->sl_since < S.s_slot[w].sl_since))
			w = i;
	}
	return (w);
}

/* wake n fibers blocked on addr, first come first woken, as a turnstile */
void
sched_futex_wake(uint32_t *addr, int n)
{
	int i;

	lend_cancel();
	while (n-- > 0 && (i = longest_waiter(addr)) >= 0) {
		set_state(i, FS_RUNNABLE);
		S.s_slot[i].sl_wait = NULL;
		S.s_slot[i].sl_woken = 1;
		if (S.s_slot[i].sl_rewaits >= STARVING && S.s_favour < 0)
			S.s_favour = i;
	}
}

/* the body of every fiber; returning ends the run into main */
static void
fiber_body(void *arg)
{
	slot_t *sl = arg;

	sl->sl_body.sb_fn(sl->sl_body.sb_arg);
	set_state((int)(sl - S.s_slot), FS_DONE);
	S.s_cur = -1;
}

/*
 * ------------------------------------------------------------------------
 * Deadlocks and hangs
 * ------------------------------------------------------------------------
 */

/*
 * What a blocked fiber waits for, from its last event: a mutex (then the
 * fiber holding it, or -1) or a condition variable.
 */
static int
wait_holder(const slot_t *sl, char *buf, size_t len)
{
	const struct fr_event *e;
	kmutex_t *m;
	kthread_t *owner;
	int i;

	if (sched_thread_events(sl->sl_thread.t_tid, &e, 1) != 1 ||
	    e->fe_kind != EV_MUTEX_WAIT) {
		(void) host_snprintf(buf, len, "a condition variable");
		return (-1);
	}
	m = (kmutex_t *)(uintptr_t)e->fe_obj;
	lock_name(m, buf, len);
	owner = mutex_owner(m);
	for (i = 0; i < S.s_n; i++) {
		if (&S.s_slot[i].sl_thread == owner)
			return (i);
	}
	return (-1);
}

/* every fiber's state, for a report: running, runnable, blocked, done */
void
sched_describe(host_buf_t *b)
{
	static const char *const state[] = { "idle", "runnable", "blocked",
	    "done", "sleeping" };
	char what[96];
	int i, h;

	for (i = 0; i < S.s_n; i++) {
		const slot_t *sl = &S.s_slot[i];

		hbuf_printf(b, "T%d %-12s %s%s", sl->sl_thread.t_tid,
		    sl->sl_body.sb_name, i == S.s_cur ? "running" :
		    state[sl->sl_state], sl->sl_body.sb_daemon ? " (daemon)" :
		    "");
		if (sl->sl_state == FS_BLOCKED) {
			h = wait_holder(sl, what, sizeof (what));
			hbuf_printf(b, " on %s", what);
			if (h >= 0)
				hbuf_printf(b, ", held by T%d",
				    S.s_slot[h].sl_thread.t_tid);
		}
		hbuf_printf(b, "\n");
	}
}

/* the wait-for cycle through fiber `from', or every blocked fiber */
static void
report_deadlock(void)
{
	char what[96], msg[1024];
	size_t off = 0;
	int i, h;

	for (i = 0; i < S.s_n; i++) {
		const slot_t *sl = &S.s_slot[i];

		if (sl->sl_state != FS_BLOCKED || off >= sizeof (msg) - 1)
			continue;
		h = wait_holder(sl, what, sizeof (what));
		off += (size_t)host_snprintf(msg + off, sizeof (msg) - off,
		    "%sT%d (%s) waits for %s", off ? "; " : "",
		    sl->sl_thread.t_tid, sl->sl_body.sb_name, what);
		if (h >= 0 && off < sizeof (msg) - 1)
			off += (size_t)host_snprintf(msg + off,
			    sizeof (msg) - off, ", held by T%d (%s)",
			    S.s_slot[h].sl_thread.t_tid,
			    S.s_slot[h].sl_body.sb_name);
	}
	BUG("deadlock", "no fiber can run: %s", msg);
}

/*
 * ------------------------------------------------------------------------
 * A run
 * ------------------------------------------------------------------------
 */
static void
slots_arm(const sched_body_t *b, int n)
{
	slot_t *sl;
	int i;

	S.s_n = n;
	S.s_runnable = 0;
	S.s_hw = 0;
	S.s_sleeping = 0;
	for (i = 0; i < n; i++) {
		sl = &S.s_slot[i];
		sl->sl_body = b[i];
		S.s_hw |= (b[i].sb_daemon == SCHED_HW ? 1u : 0u) << i;
		set_state(i, FS_RUNNABLE);
		sl->sl_wait = NULL;
		sl->sl_last_event = 0;
		sl->sl_woken = 0;
		sl->sl_rewaits = 0;
		shim_thread_init(&sl->sl_thread, &sl->sl_ring, b[i].sb_name,
		    b[i].sb_cpu);
		sl->sl_thread.t_sched = sl;
		if (S.s_migrate_ppm != 0)
			migrate_gap(&sl->sl_thread);
		fiber_start(sl->sl_fiber, fiber_body, sl, S.s_main);
	}
}

static int
workers_left(void)
{
	int i, n = 0;

	for (i = 0; i < S.s_n; i++) {
		if (S.s_slot[i].sl_state != FS_DONE &&
		    !S.s_slot[i].sl_body.sb_daemon)
			n++;
	}
	return (n);
}

/* every worker is done: let the daemons see it and finish */
static void
daemons_stop(void)
{
	int i;

	S.s_stopping = 1;
	S.s_sleeping = 0;
	for (i = 0; i < S.s_n; i++) {
		if (S.s_slot[i].sl_state == FS_BLOCKED ||
		    S.s_slot[i].sl_state == FS_SLEEPING) {
			set_state(i, FS_RUNNABLE);
			S.s_slot[i].sl_wait = NULL;
		}
	}
}

void
sched_run(const sched_body_t *b, int n, struct strategy *st,
    const struct sched_params *p)
{
	kthread_t *self = curthread;
	int c;

	if (n < 1 || n > SCHED_MAX_FIBERS)
		htbed_internal_error("sched_run: %d fibers (1..%d)", n,
		    SCHED_MAX_FIBERS);
	S.s_st = st;
	S.s_max_steps = p->sp_max_steps *
	    (seam_access ? SCHED_ACCESS_STEPS : 1);
	S.s_fair_from = S.s_max_steps / FAIR_TAIL;
	logs_fit(S.s_max_steps);
	S.s_migrate_ppm = ncpus > 1 ? shim_cfg()->sc_migrate_ppm : 0;
	S.s_stopping = 0;
	S.s_last = -1;
	S.s_stalled = STALL_NONE;
	S.s_favour = -1;
	S.s_lent = 0;
	S.s_nblocks = 0;
	S.s_nchoice = 0;
	S.s_nswitch = 0;
	S.s_npreempt = 0;
	for (c = 0; c <= SCHED_MAX_FIBERS; c++)
		S.s_points[c] = 0;
	S.s_ntrace = 0;
	S.s_hash = 0xcbf29ce484222325ull;
	S.s_hashing = !p->sp_no_hash;
	seam_callers = S.s_hashing;
	seam_step = 0;
	access_run_begin();
	strategy_begin(st, p, n);
	slots_arm(b, n);
	seam_controlled = 1;
	seam_active = 1;
	for (;;) {
		if (workers_left() == 0 && !S.s_stopping)
			daemons_stop();
		c = choose(-1, EV_NONE);
		if (c < 0)
			break;
		S.s_cur = S.s_last = c;
		htbed_curthread = &S.s_slot[c].sl_thread;
		fiber_switch(S.s_slot[c].sl_fiber);
		htbed_curthread = self;
		if (S.s_stalled == STALL_HANG)
			BUG("hang", "no progress: the run took more than %llu "
			    "scheduling steps (a livelock; the last events of "
			    "every fiber follow)",
			    (unsigned long long)S.s_max_steps);
		if (S.s_stalled == STALL_DEADLOCK && workers_left() > 0)
			report_deadlock();
		S.s_stalled = STALL_NONE;
	}
	if (workers_left() > 0)
		report_deadlock();
	seam_controlled = 0;
}

/*
 * ------------------------------------------------------------------------
 * The trace: the last events of the run as one timeline with a lane per
 * thread, so that the steps where threads interleave stand side by side.
 * ------------------------------------------------------------------------
 */
#define	LANE	46
#define	MAX_LANES	(SCHED_MAX_FIBERS + 2)

static void
trace_lanes(uint64_t first, int *lane_of, int *tids, int *nlanes)
{
	uint64_t k;
	int tid;

	*nlanes = 0;
	for (tid = 0; tid < 256; tid++)
		lane_of[tid] = -1;
	for (k = first; k < S.s_ntrace; k++) {
		tid = S.s_trace_tid[k & (TRACE_SIZE - 1)];
		if (lane_of[tid] < 0 && *nlanes < MAX_LANES) {
			lane_of[tid] = (*nlanes)++;
			tids[lane_of[tid]] = tid;
		}
	}
}

static const char *
thread_name(int tid)
{
	kthread_t *t = tid < shim_nthreads() ? shim_thread(tid) : NULL;

	return (t != NULL && t->t_name != NULL ? t->t_name : "?");
}

static void
html_escape(host_buf_t *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '<')
			hbuf_printf(b, "&lt;");
		else if (*s == '>')
			hbuf_printf(b, "&gt;");
		else if (*s == '&')
			hbuf_printf(b, "&amp;");
		else
			hbuf_printf(b, "%c", *s);
	}
}

static void
trace_head(host_buf_t *b, const int *tids, int nlanes, int html)
{
	char name[64];
	int l;

	if (html) {
		hbuf_printf(b, "<!DOCTYPE html>\n<html><head><meta charset=\""
		    "utf-8\"><title>htbed trace</title><style>body{font-family:"
		    "monospace;font-size:12px}table{border-collapse:collapse}"
		    "td,th{border-left:1px solid #ccc;padding:1px 6px;"
		    "white-space:nowrap;vertical-align:top}th{background:#eee;"
		    "position:sticky;top:0}td.s{color:#888;text-align:right}"
		    "tr:hover{background:#ffd}</style></head><body>\n"
		    "<table><tr><th>step</th>");
		for (l = 0; l < nlanes; l++)
			hbuf_printf(b, "<th>T%d %s</th>", tids[l],
			    thread_name(tids[l]));
		hbuf_printf(b, "</tr>\n");
		return;
	}
	hbuf_printf(b, "%8s ", "step");
	for (l = 0; l < nlanes; l++) {
		(void) host_snprintf(name, sizeof (name), "T%d %s", tids[l],
		    thread_name(tids[l]));
		hbuf_printf(b, "%-*.*s", LANE, LANE - 1, name);
	}
	hbuf_printf(b, "\n");
}

void
sched_trace(host_buf_t *b, int nevents, int html)
{
	uint64_t first = 0, k;
	int lane_of[256], tids[MAX_LANES], nlanes, l;
	char ev[160], cell[200];

	if (S.s_ntrace > (uint64_t)nevents)
		first = S.s_ntrace - (uint64_t)nevents;
	if (S.s_ntrace - first > TRACE_SIZE)
		first = S.s_ntrace - TRACE_SIZE;
	trace_lanes(first, lane_of, tids, &nlanes);
	trace_head(b, tids, nlanes, html);
	for (k = first; k < S.s_ntrace; k++) {
		const struct fr_event *e = &S.s_trace[k & (TRACE_SIZE - 1)];
		int lane = lane_of[S.s_trace_tid[k & (TRACE_SIZE - 1)]];

		fr_format_event(e, ev, sizeof (ev));
		(void) host_snprintf(cell, sizeof (cell), "cpu%d %s",
		    e->fe_cpu, ev);
		if (html) {
			hbuf_printf(b, "<tr><td class=s>%llu</td>",
			    (unsigned long long)e->fe_when);
			for (l = 0; l < lane; l++)
				hbuf_printf(b, "<td></td>");
			hbuf_printf(b, "<td>");
			html_escape(b, cell);
			hbuf_printf(b, "</td></tr>\n");
			continue;
		}
		hbuf_printf(b, "%8llu %*s%.*s\n", (unsigned long long)e->fe_when,
		    lane * LANE, "", LANE - 1 + (lane == nlanes - 1 ? 100 : 0),
		    cell);
	}
	if (html)
		hbuf_printf(b, "</table></body></html>\n");
}

void (*sched_where)(uint64_t pc, char *buf, size_t len);

/* "where < its caller < ...", each named by sched_where */
static void
where_chain(const struct fr_event *e, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < FR_PCS && e->fe_pc[i] != 0 && n + 4 < len; i++) {
		if (i > 0)
			n += (size_t)host_snprintf(buf + n, len - n, " < ");
		if (sched_where != NULL)
			sched_where(e->fe_pc[i], buf + n, len - n);
		else
			(void) host_snprintf(buf + n, len - n, "pc 0x%llx",
			    (unsigned long long)e->fe_pc[i]);
		n += __builtin_strlen(buf + n);
	}
}

void
sched_list(host_buf_t *b, int nevents)
{
	uint64_t first = 0, k;
	char ev[160], where[600];

	if (S.s_ntrace > (uint64_t)nevents)
		first = S.s_ntrace - (uint64_t)nevents;
	if (S.s_ntrace - first > TRACE_SIZE)
		first = S.s_ntrace - TRACE_SIZE;
	for (k = first; k < S.s_ntrace; k++) {
		const struct fr_event *e = &S.s_trace[k & (TRACE_SIZE - 1)];
		int tid = S.s_trace_tid[k & (TRACE_SIZE - 1)];

		fr_format_event(e, ev, sizeof (ev));
		where_chain(e, where, sizeof (where));
		hbuf_printf(b, "%8llu T%d %s cpu%d | %s | %s\n",
		    (unsigned long long)e->fe_when, tid, thread_name(tid),
		    e->fe_cpu, ev, where);
	}
}
