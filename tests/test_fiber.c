/*
 * test_fiber: the fibers (htbed/fiber.h) that the controlled-mode
 * scheduler runs workload threads on.
 *
 * What the scheduler relies on: switches happen in exactly the order asked
 * for; a run ends by returning, by fiber_exit_to() or by being abandoned,
 * and goes where it was told to; a fiber is re-armed any number of times
 * without leaking; the floating-point control state is per fiber; nearly
 * all of a stack is usable, and overflowing it faults; misuse aborts with
 * a message.  Under TSan: two fibers' accesses with no synchronisation
 * between them are a reported race, and the ends of runs order them as
 * thread exit and join would.  Under ASan: the fiber stacks are known to
 * ASan, with and without fake stacks.
 *
 * Assertions are made in the thread's own fiber only (a failing cmocka
 * assertion longjmps, which must not leave a fiber's stack), and every test
 * destroys the fibers it made: under TSan a fiber is a thread, and the
 * child of a fork with more than one thread reports no race.
 */
#include "unit.h"
#include "htbed/fiber.h"
#include "htbed/sanitizer.h"

extern int	kf_count_steps(int);

#define	REARMS	10000		/* runs of one fiber in the re-arm tests */

/*
 * What the fibers did, in order.  The trace is shared by a test's fibers
 * and its thread, and a switch orders nothing for TSan: every access goes
 * through these functions, which order them as a lock would (acquire
 * before, release after), as a workload's mutexes order its accesses.
 */
static int trace[1024];
static int ntrace;

static void
trace_lock(void)
{
	TSAN_ACQUIRE(&ntrace);
}

static void
trace_unlock(void)
{
	TSAN_RELEASE(&ntrace);
}

static void
note(int v)
{
	trace_lock();
	if (ntrace < (int)(sizeof (trace) / sizeof (trace[0])))
		trace[ntrace] = v;
	ntrace++;
	trace_unlock();
}

static void
trace_reset(void)
{
	trace_lock();
	ntrace = 0;
	trace_unlock();
}

static int
trace_len(void)
{
	int n;

	trace_lock();
	n = ntrace;
	trace_unlock();
	return (n);
}

static int
trace_at(int i)
{
	int v;

	trace_lock();
	v = trace[i];
	trace_unlock();
	return (v);
}

/* the process's virtual size in pages */
static long
vm_pages(void)
{
	FILE *fp = fopen("/proc/self/statm", "r");
	long pages = -1;

	if (fp != NULL) {
		if (fscanf(fp, "%ld", &pages) != 1)
			pages = -1;
		(void) fclose(fp);
	}
	return (pages);
}

/* a recursion of depth n with a frame that cannot be optimised away */
static void __attribute__((noinline))
descend(int n, void (*at_bottom)(void *), void *arg)
{
	volatile char pad[64];

	pad[0] = (char)n;
	if (n > 0)
		descend(n - 1, at_bottom, arg);
	else
		at_bottom(arg);
	pad[1] = pad[0];
}

/* ---- order of switches ---- */

struct pingpong {
	fiber_t	*pp_me;
	fiber_t	*pp_peer;
	int	pp_id;
	int	pp_rounds;
	int	pp_not_current;	/* times fiber_current() was not pp_me */
};

static void
pingpong_body(void *arg)
{
	struct pingpong *p = arg;
	int i;

	for (i = 0; i < p->pp_rounds; i++) {
		note(p->pp_id * 1000 + i);
		if (fiber_current() != p->pp_me)
			p->pp_not_current++;
		fiber_switch(p->pp_peer);
	}
}

/* a, b, a, b, ...: each switch goes exactly where it was told */
static void
test_pingpong_order(void **state)
{
	fiber_t *me = fiber_self();
	struct pingpong a = { 0 }, b = { 0 };
	int i, rounds = 100;

	(void) state;
	a.pp_me = fiber_create(0, "ping");
	b.pp_me = fiber_create(0, "pong");
	a.pp_peer = b.pp_me;
	b.pp_peer = a.pp_me;
	a.pp_id = 1;
	b.pp_id = 2;
	a.pp_rounds = b.pp_rounds = rounds;
	trace_reset();
	fiber_start(a.pp_me, pingpong_body, &a, me);
	fiber_start(b.pp_me, pingpong_body, &b, me);
	assert_int_equal(trace_len(), 0);		/* arming runs nothing */

	fiber_switch(a.pp_me);			/* until a returns */
	assert_ptr_equal(fiber_current(), me);
	assert_int_equal(trace_len(), 2 * rounds);
	for (i = 0; i < rounds; i++) {
		assert_int_equal(trace_at(2 * i), 1000 + i);
		assert_int_equal(trace_at(2 * i + 1), 2000 + i);
	}
	fiber_switch(b.pp_me);			/* b's loop ends too */
	assert_int_equal(trace_len(), 2 * rounds);
	assert_int_equal(a.pp_not_current + b.pp_not_current, 0);
	fiber_destroy(a.pp_me);
	fiber_destroy(b.pp_me);
}

#define	RR_FIBERS	16
#define	RR_ROUNDS	40

struct rr {
	fiber_t	*rr_fib[RR_FIBERS];
	int	rr_id[RR_FIBERS];
};

static struct rr rr;

static void
rr_body(void *arg)
{
	int id = *(int *)arg, k;

	for (k = 0; k < RR_ROUNDS; k++) {
		note(id);
		fiber_switch(rr.rr_fib[(id + 1) % RR_FIBERS]);
	}
}

/* many fibers in a ring, twice (the second time re-armed) */
static void
test_round_robin(void **state)
{
	fiber_t *me = fiber_self();
	char name[16];
	int i, pass;

	(void) state;
	for (i = 0; i < RR_FIBERS; i++) {
		(void) snprintf(name, sizeof (name), "rr%d", i);
		rr.rr_fib[i] = fiber_create(64 * 1024, name);
		rr.rr_id[i] = i;
	}
	for (pass = 0; pass < 2; pass++) {
		trace_reset();
		for (i = 0; i < RR_FIBERS; i++)
			fiber_start(rr.rr_fib[i], rr_body, &rr.rr_id[i], me);
		/* fiber 0 returns first; then end the others' loops */
		for (i = 0; i < RR_FIBERS; i++)
			fiber_switch(rr.rr_fib[i]);
		assert_int_equal(trace_len(), RR_FIBERS * RR_ROUNDS);
		for (i = 0; i < trace_len(); i++)
			assert_int_equal(trace_at(i), i % RR_FIBERS);
	}
	for (i = 0; i < RR_FIBERS; i++)
		fiber_destroy(rr.rr_fib[i]);
}

static void
test_switch_to_self_returns(void **state)
{
	fiber_t *me = fiber_self();

	(void) state;
	fiber_switch(me);
	assert_ptr_equal(fiber_current(), me);
	assert_ptr_equal(fiber_self(), me);
	assert_int_equal(fiber_stack_size(me), 0);
}

/* ---- how runs end ---- */

static void
note_arg(void *arg)
{
	note((int)(intptr_t)arg);
}

/* fn returning goes to the fiber named at fiber_start(), whichever it is */
static void
test_return_goes_to_ret(void **state)
{
	fiber_t *me = fiber_self();
	fiber_t *a = fiber_create(0, "a"), *b = fiber_create(0, "b");

	(void) state;
	trace_reset();
	fiber_start(b, note_arg, (void *)2, me);
	fiber_start(a, note_arg, (void *)1, b);
	fiber_switch(a);
	assert_int_equal(trace_len(), 2);
	assert_int_equal(trace_at(0), 1);
	assert_int_equal(trace_at(1), 2);
	assert_ptr_equal(fiber_current(), me);
	fiber_destroy(a);
	fiber_destroy(b);
}

static fiber_t *exit_target;

static void
exit_now(void *arg)
{
	(void) arg;
	fiber_exit_to(exit_target);
}

static void
exit_from_depth(void *arg)
{
	note(1);
	descend(30, exit_now, arg);
	note(99);			/* never */
}

/* fiber_exit_to() ends the run from any depth, to any armed fiber */
static void
test_exit_to(void **state)
{
	fiber_t *me = fiber_self();
	fiber_t *a = fiber_create(0, "exiter"), *x = fiber_create(0, "x");
	int pass;

	(void) state;
	for (pass = 0; pass < 3; pass++) {
		trace_reset();
		exit_target = x;
		fiber_start(x, note_arg, (void *)3, me);
		fiber_start(a, exit_from_depth, NULL, me);
		fiber_switch(a);
		assert_int_equal(trace_len(), 2);
		assert_int_equal(trace_at(0), 1);
		assert_int_equal(trace_at(1), 3);
		assert_ptr_equal(fiber_current(), me);
	}
	fiber_destroy(a);
	fiber_destroy(x);
}

struct rearm {
	fiber_t	*ra_back;
	int	ra_runs;
	int	ra_after;	/* work done after an abandoned run's switch */
};

static void
rearm_return(void *arg)
{
	struct rearm *r = arg;

	descend(8, note_arg, (void *)0);
	r->ra_runs++;
}

static void
rearm_exit_bottom(void *arg)
{
	fiber_exit_to(((struct rearm *)arg)->ra_back);
}

static void
rearm_exit(void *arg)
{
	struct rearm *r = arg;

	r->ra_runs++;
	descend(8, rearm_exit_bottom, r);
}

static void
rearm_suspend_bottom(void *arg)
{
	fiber_switch(((struct rearm *)arg)->ra_back);
}

static void
rearm_abandoned(void *arg)
{
	struct rearm *r = arg;

	r->ra_runs++;
	descend(8, rearm_suspend_bottom, r);
	r->ra_after++;
}

/*
 * REARMS runs of one fiber, each ending as `fn' ends it (every other
 * abandoned run is ended by fiber_abandon(), the rest by fiber_start());
 * the process must not grow.
 */
static void
rearm_many(void (*fn)(void *), int explicit_abandon)
{
	fiber_t *me = fiber_self();
	fiber_t *f = fiber_create(0, "rearmed");
	struct rearm r = { me, 0, 0 };
	long before = 0, after;
	int i;

	for (i = 0; i < REARMS; i++) {
		if (i == 100)
			before = vm_pages();
		if (explicit_abandon && i % 2 == 0)
			fiber_abandon(f);
		trace_reset();
		fiber_start(f, fn, &r, me);
		fiber_switch(f);
		assert_ptr_equal(fiber_current(), me);
	}
	fiber_abandon(f);		/* the last run ends: r is ours */
	assert_int_equal(r.ra_runs, REARMS);
	assert_int_equal(r.ra_after, 0);
	/* less than a page a run (the sanitizers' runtimes grow a little) */
	after = vm_pages();
	assert_true(before > 0 && after < before + REARMS);
	fiber_destroy(f);
}

static void
test_rearm_after_return(void **state)
{
	(void) state;
	rearm_many(rearm_return, 0);
}

static void
test_rearm_after_exit(void **state)
{
	(void) state;
	rearm_many(rearm_exit, 0);
}

static void
test_rearm_after_abandon(void **state)
{
	(void) state;
	rearm_many(rearm_abandoned, 1);
}

/* an armed run that never started can be abandoned, and re-armed */
static void
test_abandon_armed(void **state)
{
	fiber_t *me = fiber_self();
	fiber_t *f = fiber_create(0, "armed");

	(void) state;
	trace_reset();
	fiber_start(f, note_arg, (void *)7, me);
	fiber_abandon(f);
	fiber_abandon(f);		/* idle: nothing to do */
	fiber_start(f, note_arg, (void *)8, me);
	fiber_start(f, note_arg, (void *)9, me);
	fiber_switch(f);
	assert_int_equal(trace_len(), 1);
	assert_int_equal(trace_at(0), 9);
	fiber_destroy(f);
}

/* ---- machine state ---- */

#define	MXCSR_RC_MASK	0x6000		/* rounding control */
#define	MXCSR_FLAGS	0x003f		/* sticky exception flags */
#define	FPUCW_RC_MASK	0x0c00

static unsigned
get_mxcsr(void)
{
	unsigned v;

	__asm__ volatile("stmxcsr %0" : "=m" (v));
	return (v);
}

static void
set_mxcsr(unsigned v)
{
	__asm__ volatile("ldmxcsr %0" : : "m" (v));
}

static unsigned
get_fpucw(void)
{
	unsigned short v;

	__asm__ volatile("fnstcw %0" : "=m" (v));
	return (v);
}

static void
set_fpucw(unsigned v)
{
	unsigned short cw = (unsigned short)v;

	__asm__ volatile("fldcw %0" : : "m" (cw));
}

static uint64_t
tenth(void)
{
	volatile double one = 1.0, ten = 10.0;
	double q = one / ten;
	uint64_t bits;

	memcpy(&bits, &q, sizeof (bits));
	return (bits);
}

struct fpstate {
	fiber_t		*fp_back;
	unsigned	fp_mxcsr0, fp_fpucw0;	/* at the start of the run */
	unsigned	fp_mxcsr1, fp_fpucw1;	/* after a switch away */
	uint64_t	fp_tenth;
};

static void
fp_body(void *arg)
{
	struct fpstate *s = arg;

	s->fp_mxcsr0 = get_mxcsr() & ~MXCSR_FLAGS;
	s->fp_fpucw0 = get_fpucw();
	set_mxcsr((get_mxcsr() & ~MXCSR_RC_MASK) | 0x6000);	/* to zero */
	set_fpucw((get_fpucw() & ~FPUCW_RC_MASK) | 0x0c00);
	fiber_switch(s->fp_back);
	s->fp_mxcsr1 = get_mxcsr() & ~MXCSR_FLAGS;
	s->fp_fpucw1 = get_fpucw();
	s->fp_tenth = tenth();
}

/*
 * The rounding mode is per fiber: the thread rounds down, the fiber toward
 * zero, and neither sees the other's; a run starts with the defaults.
 */
static void
test_fp_state_per_fiber(void **state)
{
	fiber_t *me = fiber_self();
	fiber_t *f = fiber_create(0, "fp");
	unsigned mx = get_mxcsr(), cw = get_fpucw();
	struct fpstate s = { me, 0, 0, 0, 0, 0 };
	uint64_t nearest = tenth();

	(void) state;
	set_mxcsr((mx & ~MXCSR_RC_MASK) | 0x2000);		/* down */
	set_fpucw((cw & ~FPUCW_RC_MASK) | 0x0400);
	fiber_start(f, fp_body, &s, me);
	fiber_switch(f);
	assert_int_equal(get_mxcsr() & MXCSR_RC_MASK, 0x2000);
	assert_int_equal(get_fpucw() & FPUCW_RC_MASK, 0x0400);
	fiber_switch(f);
	assert_int_equal(get_mxcsr() & MXCSR_RC_MASK, 0x2000);
	assert_int_equal(get_fpucw() & FPUCW_RC_MASK, 0x0400);
	set_mxcsr(mx);
	set_fpucw(cw);

	assert_int_equal(s.fp_mxcsr0, 0x1f80);
	assert_int_equal(s.fp_fpucw0, 0x037f);
	assert_int_equal(s.fp_mxcsr1, 0x1f80 | 0x6000);
	assert_int_equal(s.fp_fpucw1, 0x037f | 0x0c00);
	assert_true(s.fp_tenth == nearest - 1);	/* 0.1 rounds up to nearest */
	assert_true(tenth() == nearest);
	fiber_destroy(f);
}

/* ---- stacks ---- */

struct deep {
	size_t		d_target;	/* bytes of stack to use */
	uintptr_t	d_top;
	size_t		d_used;
};

static int __attribute__((noinline))
deep_recurse(struct deep *d)
{
	volatile char buf[1024];
	uintptr_t here = (uintptr_t)&buf[0];

	buf[0] = 1;
	if (d->d_top - here < d->d_target)
		return (deep_recurse(d) + buf[0]);
	d->d_used = d->d_top - here;
	return (buf[0]);
}

static void
deep_body(void *arg)
{
	struct deep *d = arg;
	volatile char mark;

	d->d_top = (uintptr_t)&mark;
	(void) deep_recurse(d);
}

/* 7/8 of the stack is usable, in 1K frames */
static void
test_deep_recursion(void **state)
{
	fiber_t *me = fiber_self();
	fiber_t *f = fiber_create(0, "deep");
	struct deep d = { 0, 0, 0 };

	(void) state;
	assert_true(fiber_stack_size(f) >= FIBER_STACK_DEFAULT);
	d.d_target = fiber_stack_size(f) / 8 * 7;
	fiber_start(f, deep_body, &d, me);
	fiber_switch(f);
	assert_true(d.d_used >= d.d_target);
	fiber_destroy(f);
}

static void
do_overflow(void *arg)
{
	static struct deep d;
	fiber_t *f = fiber_create(0, "overflow");

	(void) arg;
	d.d_target = SIZE_MAX / 2;		/* more than any stack */
	fiber_start(f, deep_body, &d, fiber_self());
	fiber_switch(f);
}

/* running off the bottom of a stack hits the guard page */
static void
test_overflow_faults(void **state)
{
	struct unit_child *c;
	char how[96];

	(void) state;
	c = unit_run_child(do_overflow, NULL);
	unit_describe(c, how, sizeof (how));
	if ((WIFSIGNALED(c->uc_status) && WTERMSIG(c->uc_status) == SIGSEGV) ||
	    (WIFEXITED(c->uc_status) && WEXITSTATUS(c->uc_status) != 0 &&
	    (strstr(c->uc_err, "stack-overflow") != NULL ||
	    strstr(c->uc_err, "SEGV") != NULL)))
		return;
	fail_msg("the overflowing child ended with %s:\n%s", how, c->uc_err);
}

/* ---- misuse ---- */

static void
do_switch_to_idle(void *arg)
{
	(void) arg;
	fiber_switch(fiber_create(0, "never-armed"));
}

static void
do_start_own(void *arg)
{
	(void) arg;
	fiber_start(fiber_self(), note_arg, NULL, fiber_create(0, "x"));
}

static void
do_exit_own(void *arg)
{
	(void) arg;
	fiber_exit_to(fiber_create(0, "x"));
}

static void
do_return_to_self(void *arg)
{
	fiber_t *f = fiber_create(0, "loop");

	(void) arg;
	fiber_start(f, note_arg, NULL, f);
}

static void
expect_abort(void (*fn)(void *), const char *what)
{
	struct unit_child *c = unit_run_child(fn, NULL);
	char how[96];

	unit_describe(c, how, sizeof (how));
	if (WIFSIGNALED(c->uc_status) && WTERMSIG(c->uc_status) == SIGABRT &&
	    strstr(c->uc_err, "htbed: fiber: ") != NULL &&
	    strstr(c->uc_err, what) != NULL)
		return;
	fail_msg("expected an abort saying \"%s\"; the child ended with "
	    "%s:\n%s", what, how, c->uc_err);
}

static void
test_misuse_aborts(void **state)
{
	(void) state;
	expect_abort(do_switch_to_idle, "to never-armed, which is idle");
	expect_abort(do_start_own, "cannot abandon thread, itself");
	expect_abort(do_exit_own, "thread cannot exit to x");
	expect_abort(do_return_to_self, "loop cannot return to itself");
}

/* ---- the kernel domain ---- */

static void
test_kernel_domain(void **state)
{
	(void) state;
	assert_int_equal(kf_count_steps(100), 100);
}

/* ---- ThreadSanitizer ---- */

/*
 * A child that must end cleanly: exit 0, and no sanitizer said anything
 * (ASan's warnings about stacks it does not know do not stop a program).
 */
static void
expect_quiet(void (*fn)(void *), void *arg)
{
	struct unit_child *c = unit_run_child(fn, arg);
	char how[96];

	unit_describe(c, how, sizeof (how));
	if (WIFEXITED(c->uc_status) && WEXITSTATUS(c->uc_status) == 0 &&
	    strstr(c->uc_err, "Sanitizer") == NULL &&
	    strstr(c->uc_err, "WARNING") == NULL)
		return;
	fail_msg("expected a quiet child; it ended with %s:\n%s", how,
	    c->uc_err);
}

/* a child that must end in a sanitizer report containing each of what[] */
static void
expect_report(void (*fn)(void *), void *arg, const char *const *what)
{
	struct unit_child *c = unit_run_child(fn, arg);
	char how[96];
	int i;

	unit_describe(c, how, sizeof (how));
	for (i = 0; what[i] != NULL; i++)
		if (strstr(c->uc_err, what[i]) == NULL)
			break;
	if (WIFEXITED(c->uc_status) && WEXITSTATUS(c->uc_status) != 0 &&
	    what[i] == NULL)
		return;
	fail_msg("expected a report with \"%s\"; the child ended with %s:\n%s",
	    what[i] != NULL ? what[i] : "", how, c->uc_err);
}

static int racy;

struct racer {
	fiber_t	*rc_next;	/* NULL: return */
	int	rc_value;
	int	rc_sync;	/* hand racy over with release/acquire */
};

static void
racer_body(void *arg)
{
	struct racer *r = arg;

	if (r->rc_sync)
		TSAN_ACQUIRE(&racy);
	racy = r->rc_value;
	if (r->rc_sync)
		TSAN_RELEASE(&racy);
	if (r->rc_next != NULL)
		fiber_switch(r->rc_next);
}

/* fiber racer-a writes racy, switches to racer-b, which writes it too */
static void
do_two_writers(void *arg)
{
	fiber_t *me = fiber_self();
	fiber_t *a = fiber_create(0, "racer-a"), *b = fiber_create(0, "racer-b");
	struct racer ra = { b, 1, arg != NULL }, rb = { NULL, 2, arg != NULL };

	fiber_start(a, racer_body, &ra, me);
	fiber_start(b, racer_body, &rb, me);
	fiber_switch(a);
	fiber_destroy(a);
	fiber_destroy(b);
}

static void
test_tsan_race_between_fibers(void **state)
{
	static const char *const race[] = { "ThreadSanitizer: data race",
	    "racer_body", "racer-a", "racer-b", NULL };

	(void) state;
#ifndef HTBED_TSAN
	skip();
#endif
	expect_report(do_two_writers, NULL, race);
	expect_quiet(do_two_writers, (void *)1);
}

/*
 * What orders runs: the data a run is given before fiber_start(), what it
 * did once it ended (by return, exit or abandonment) for the fiber it
 * ended into, and its stack for its next run, even if another fiber wrote
 * there.  A fiber that is merely suspended is not ordered (the positive
 * control, arg != NULL).
 */
struct boundary {
	fiber_t	*bd_main;
	int	bd_input;	/* written by the thread before the run */
	int	bd_output;	/* written by the run, then by the thread */
	int	*bd_slot;	/* a's stack slot, written by b */
	int	*bd_slots[2];	/* that slot's address in each run */
	int	bd_run;
};

static struct boundary bd;

static void
boundary_a(void *arg)
{
	int slot = 0;

	(void) arg;
	bd.bd_slots[bd.bd_run] = &slot;
	bd.bd_output = bd.bd_input + 1;
	if (bd.bd_run == 0) {
		bd.bd_slot = &slot;		/* handed to b */
		TSAN_RELEASE(&bd.bd_slot);
		fiber_switch(bd.bd_main);	/* abandoned here */
	}
	slot = 1;
}

static void
boundary_b(void *arg)
{
	(void) arg;
	TSAN_ACQUIRE(&bd.bd_slot);
	*bd.bd_slot = 2;
	fiber_exit_to(bd.bd_main);
}

static void
do_run_boundaries(void *arg)
{
	fiber_t *a = fiber_create(0, "bound-a"), *b = fiber_create(0, "bound-b");

	bd.bd_main = fiber_self();
	bd.bd_input = 41;
	fiber_start(a, boundary_a, NULL, bd.bd_main);
	fiber_switch(a);			/* a suspends */
	if (arg != NULL)
		bd.bd_output = 0;		/* a's run has not ended: race */
	fiber_start(b, boundary_b, NULL, bd.bd_main);
	fiber_switch(b);			/* b writes a's slot, exits */
	fiber_abandon(a);
	bd.bd_output = 0;			/* ordered after a's run */
	bd.bd_run = 1;
	fiber_start(a, boundary_a, NULL, bd.bd_main);
	fiber_switch(a);			/* a's slot is fresh */
	bd.bd_output = 0;			/* a returned */
	if (bd.bd_slots[0] != bd.bd_slots[1])
		_exit(3);
	fiber_destroy(a);
	fiber_destroy(b);
}

static void
test_tsan_run_boundaries(void **state)
{
	static const char *const race[] = { "ThreadSanitizer: data race",
	    "do_run_boundaries", "boundary_a", NULL };

	(void) state;
#ifndef HTBED_TSAN
	skip();
#endif
	expect_quiet(do_run_boundaries, NULL);
	expect_report(do_run_boundaries, (void *)1, race);
}

static void
stale_frame_bottom(void *arg)
{
	fiber_t *to = arg;

	if (fiber_current() != to)
		fiber_exit_to(to);
}

static void
stale_frame_run(void *arg)
{
	descend(5, stale_frame_bottom, arg);
}

static void
stale_frame_suspend(void *arg)
{
	descend(5, rearm_suspend_bottom, arg);
}

/*
 * Runs that end by exit or abandonment leave nothing on the fiber's TSan
 * shadow stack: a race in a later run is reported with that run's frames
 * only, each stack ending in one fiber_main() (the caller of racer_body()),
 * without the frames of the runs before.
 */
static void
do_race_after_many_runs(void *arg)
{
	fiber_t *me = fiber_self();
	fiber_t *a = fiber_create(0, "racer-a"), *b = fiber_create(0, "racer-b");
	struct racer ra = { b, 1, 0 }, rb = { NULL, 2, 0 };
	struct rearm r = { me, 0, 0 };
	int i;

	(void) arg;
	for (i = 0; i < 200; i++) {
		fiber_start(a, stale_frame_run, me, me);
		fiber_switch(a);
		fiber_start(b, stale_frame_suspend, &r, me);
		fiber_switch(b);
		fiber_start(a, stale_frame_suspend, &r, me);
		fiber_switch(a);
	}
	fiber_start(a, racer_body, &ra, me);
	fiber_start(b, racer_body, &rb, me);
	fiber_switch(a);
}

static void
test_tsan_no_stale_frames(void **state)
{
	struct unit_child *c;
	const char *p;
	int mains;

	(void) state;
#ifndef HTBED_TSAN
	skip();
#endif
	c = unit_run_child(do_race_after_many_runs, NULL);
	for (p = c->uc_err, mains = 0; (p = strstr(p, " fiber_main ")); p++)
		mains++;
	if (strstr(c->uc_err, "ThreadSanitizer: data race") == NULL ||
	    strstr(c->uc_err, "racer_body") == NULL || mains != 2 ||
	    strstr(c->uc_err, "fiber_transfer") != NULL ||
	    strstr(c->uc_err, "descend") != NULL ||
	    strstr(c->uc_err, "stale_frame_") != NULL)
		fail_msg("expected a race report without stale frames:\n%s",
		    c->uc_err);
}

/* ---- AddressSanitizer ---- */

/*
 * ASan warns about a stack it does not know once per process, and reads
 * its options at start-up, so most of these tests run this program afresh:
 * re-executed as `test_fiber --asan MODE' with the given ASAN_OPTIONS.
 */
struct asan_exec {
	const char	*ae_mode;
	const char	*ae_options;
};

#define	ASAN_FAKE_STACKS	"detect_stack_use_after_return=1"

static void
exec_self(void *arg)
{
	const struct asan_exec *e = arg;
	char *argv[] = { "test_fiber", "--asan", (char *)e->ae_mode, NULL };

	(void) setenv("ASAN_OPTIONS", e->ae_options, 1);
	(void) execv("/proc/self/exe", argv);
	_exit(4);
}

static void
asan_bottom(void *arg)
{
	volatile char buf[256];		/* on the fake stack, if there is one */

	buf[0] = 1;
	buf[1] = buf[0];
	fiber_exit_to(arg);
}

static void
asan_exit_run(void *arg)
{
	descend(6, asan_bottom, arg);
}

/* n times each way a run ends: return, exit and abandonment, from depth */
static void
asan_workload(int n)
{
	fiber_t *me = fiber_self();
	fiber_t *a = fiber_create(0, "asan-a"), *b = fiber_create(0, "asan-b");
	struct rearm r = { me, 0, 0 };
	int i;

	for (i = 0; i < n; i++) {
		fiber_start(a, rearm_return, &r, me);
		fiber_switch(a);
		fiber_start(a, asan_exit_run, me, me);
		fiber_switch(a);
		fiber_start(b, rearm_abandoned, &r, me);
		fiber_switch(b);
	}
	fiber_destroy(a);
	fiber_destroy(b);
}

static volatile char *escaped;

static void __attribute__((noinline))
keep(volatile char *p)
{
	escaped = p;
}

static void __attribute__((noinline))
escape_local(void)
{
	volatile char local[64];

	local[0] = 1;
	keep(local);
}

static void
use_after_return(void *arg)
{
	(void) arg;
	escape_local();
	escaped[0] = 2;
}

/*
 * The re-executed program: 0 if all went well.  A siglongjmp() makes ASan
 * unpoison the stack it believes current, so after the workload one on
 * the thread's stack checks that ASan knows that stack again.
 */
static int
asan_main(const char *mode)
{
	static sigjmp_buf env;
	fiber_t *f = fiber_create(0, "uar");
	long before;

	if (strcmp(mode, "use-after-return") == 0) {
		fiber_start(f, use_after_return, NULL, fiber_self());
		fiber_switch(f);
		return (0);
	}
	asan_workload(100);
	if (sigsetjmp(env, 0) == 0)
		siglongjmp(env, 1);
	if (strcmp(mode, "workload") == 0)
		return (0);
	/* "no-leak": an ended run's fake stack (megabytes) is freed */
	before = vm_pages();
	asan_workload(1000);
	return (vm_pages() - before < 16384 ? 0 : 3);
}

static void
test_asan_knows_fiber_stacks(void **state)
{
	struct asan_exec plain = { "workload", "" };
	struct asan_exec fake = { "workload", ASAN_FAKE_STACKS };

	(void) state;
#ifndef HTBED_ASAN
	skip();
#endif
	expect_quiet(exec_self, &plain);
	expect_quiet(exec_self, &fake);
}

/* with fake stacks, a use after return in a fiber is reported */
static void
test_asan_fake_stacks(void **state)
{
	static const char *const report[] = { "stack-use-after-return",
	    "use_after_return", NULL };
	struct asan_exec noleak = { "no-leak", ASAN_FAKE_STACKS };
	struct asan_exec uar = { "use-after-return", ASAN_FAKE_STACKS };

	(void) state;
#ifndef HTBED_ASAN
	skip();
#endif
	expect_quiet(exec_self, &noleak);
	expect_report(exec_self, &uar, report);
}

static void
overflow_buffer(void *arg)
{
	volatile char buf[32];
	volatile char *volatile p = buf;	/* past UBSan's checks */

	p[(intptr_t)arg] = 1;
}

static void
do_stack_buffer_overflow(void *arg)
{
	fiber_t *f = fiber_create(0, "smasher");

	fiber_start(f, overflow_buffer, arg, fiber_self());
	fiber_switch(f);
}

static void
test_asan_stack_buffer_overflow(void **state)
{
	static const char *const report[] = { "stack-buffer-overflow",
	    "overflow_buffer", NULL };

	(void) state;
#ifndef HTBED_ASAN
	skip();
#endif
	expect_quiet(do_stack_buffer_overflow, (void *)31);
	expect_report(do_stack_buffer_overflow, (void *)32, report);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pingpong_order),
		cmocka_unit_test(test_round_robin),
		cmocka_unit_test(test_switch_to_self_returns),
		cmocka_unit_test(test_return_goes_to_ret),
		cmocka_unit_test(test_exit_to),
		cmocka_unit_test(test_rearm_after_return),
		cmocka_unit_test(test_rearm_after_exit),
		cmocka_unit_test(test_rearm_after_abandon),
		cmocka_unit_test(test_abandon_armed),
		cmocka_unit_test(test_fp_state_per_fiber),
		cmocka_unit_test(test_deep_recursion),
		cmocka_unit_test(test_overflow_faults),
		cmocka_unit_test(test_misuse_aborts),
		cmocka_unit_test(test_kernel_domain),
		cmocka_unit_test(test_tsan_race_between_fibers),
		cmocka_unit_test(test_tsan_run_boundaries),
		cmocka_unit_test(test_tsan_no_stale_frames),
		cmocka_unit_test(test_asan_knows_fiber_stacks),
		cmocka_unit_test(test_asan_fake_stacks),
		cmocka_unit_test(test_asan_stack_buffer_overflow),
	};

	if (argc == 3 && strcmp(argv[1], "--asan") == 0)
		return (asan_main(argv[2]));
	return (cmocka_run_group_tests_name("fiber", tests, NULL, NULL));
}
