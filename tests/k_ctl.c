/*
 * Kernel half of test_ctl: small programs of the test's own, run under
 * the controlled-mode scheduler directly (not as harness ops), each from
 * the saved machine: a lock-order inversion, a wait nobody ends, and a
 * wait that only an unfair schedule makes endless.
 */
#include <sys/types.h>
#include <sys/mutex.h>
#include <sys/thread.h>
#include <htbed/sanitizer.h>
#include <htbed/sched.h>
#include <htbed/shim.h>
#include <htbed/snapshot.h>

static kmutex_t ma, mb;
static int never, flag;

static void
take_ab(void *arg)
{
	(void) arg;
	mutex_enter(&ma);
	mutex_enter(&mb);
	mutex_exit(&mb);
	mutex_exit(&ma);
}

static void
take_ba(void *arg)
{
	(void) arg;
	mutex_enter(&mb);
	mutex_enter(&ma);
	mutex_exit(&ma);
	mutex_exit(&mb);
}

static void
wait_forever(void *arg)
{
	(void) arg;
	while (!__atomic_load_n(&never, __ATOMIC_ACQUIRE))
		SEAM_SPIN(wait_forever);
}

/* polls a flag under ma: no spin point, so no strategy must give way */
static void
poll_flag(void *arg)
{
	int seen = 0;

	(void) arg;
	while (!seen) {
		mutex_enter(&ma);
		seen = flag;
		mutex_exit(&ma);
	}
}

static void
set_flag(void *arg)
{
	(void) arg;
	mutex_enter(&ma);
	flag = 1;
	mutex_exit(&ma);
}

static void
run_bodies(const sched_body_t *b, int n, int kind, int bound,
    uint64_t max_steps, int runs)
{
	struct sched_params p = { .sp_kind = kind, .sp_bound = bound,
	    .sp_max_steps = max_steps, .sp_seed = 1 };
	struct strategy *st = strategy_new(&p);
	int i, more = 1;

	for (i = 0; i < runs && more; i++) {
		snap_restore();
		p.sp_seed = (uint64_t)i + 1;
		sched_run(b, n, st, &p);
		more = strategy_end(st, sched_steps());
	}
	strategy_free(st);
}

int
kctl_under_tsan(void)
{
#ifdef HTBED_TSAN
	return (1);
#else
	return (0);
#endif
}

/* every schedule with at most `bound' preemptions of the two orders */
void
kctl_inversion(int bound)
{
	static const sched_body_t b[2] = {
		{ "take-ab", take_ab, NULL, 0, 0 },
		{ "take-ba", take_ba, NULL, 1, 0 },
	};

	run_bodies(b, 2, SK_BOUNDED, bound, 100000, 100000);
}

/* one fiber waits for a flag that nobody sets, another is done at once */
void
kctl_livelock(void)
{
	static const sched_body_t b[1] = {
		{ "waiter", wait_forever, NULL, 0, 0 },
	};

	run_bodies(b, 1, SK_RANDOM, 0, 5000, 1);
}

/*
 * The poller runs first and, with no preemption allowed, would poll for
 * ever while the setter never starts: the fair tail must end the run.
 * Returns its steps.
 */
uint64_t
kctl_unfair_default(uint64_t max_steps)
{
	static const sched_body_t b[2] = {
		{ "poller", poll_flag, NULL, 0, 0 },
		{ "setter", set_flag, NULL, 1, 0 },
	};

	run_bodies(b, 2, SK_BOUNDED, 0, max_steps, 1);
	return (sched_steps());
}
