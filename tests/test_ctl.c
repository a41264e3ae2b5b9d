/*
 * test_ctl: controlled mode is deterministic and finds what it claims.
 *
 * A run depends only on its program, strategy and seed: the same seed
 * gives the same event-trace hash and the same schedule, and replaying
 * the recorded schedule 100 times gives that hash 100 times (window mode,
 * so the windows' host mappings are put back correctly too).  Different
 * seeds give different interleavings.  Replaying only the decisions that
 * were not the default, each anchored at its fiber's own point (what
 * --minimize does), gives the run again.  A lock-order inversion is found by
 * bounded search with one preemption and reported as a deadlock naming
 * both waits, and is not found without preemptions (under TSan, whose
 * lock-order detector reports it in any run, that is what is checked); a
 * wait nobody ends is reported as a hang; a wait that only the schedule
 * makes endless (bounded search without preemptions keeps a poller
 * running, its setter never starts) is not: from an eighth of the step
 * budget on, every pick is at random and the setter runs.
 */
#include "unit.h"
#include "htbed/host.h"
#include "harness.h"

extern void	kctl_inversion(int bound);
extern void	kctl_livelock(void);
extern uint64_t	kctl_unfair_default(uint64_t max_steps);
extern int	kctl_under_tsan(void);

static struct hb_program prog;

static uint64_t
run_once(int kind, uint64_t seed, const uint8_t *choices, size_t n,
    struct hb_run *r, uint8_t **rec, size_t *nrec)
{
	struct sched_params p = { .sp_kind = kind, .sp_seed = seed,
	    .sp_pct_depth = 3, .sp_pct_steps = 2000, .sp_bound = 1,
	    .sp_choices = choices, .sp_nchoices = n, .sp_max_steps = 2000000 };
	struct strategy *st = strategy_new(&p);
	const uint8_t *c;

	hb_ctl_run(&prog, st, &p, r);
	strategy_free(st);
	if (rec != NULL) {
		c = hb_ctl_choices(nrec);
		*rec = malloc(*nrec + 1);
		memcpy(*rec, c, *nrec);
	}
	return (r->hr_hash);
}

static void
test_same_seed_same_run(void **state)
{
	struct hb_run a, b;
	uint8_t *ca, *cb;
	size_t na, nb;

	(void) state;
	(void) run_once(SK_RANDOM, 42, NULL, 0, &a, &ca, &na);
	(void) run_once(SK_RANDOM, 42, NULL, 0, &b, &cb, &nb);
	assert_int_equal(a.hr_hash, b.hr_hash);
	assert_int_equal(a.hr_steps, b.hr_steps);
	assert_int_equal(na, nb);
	assert_memory_equal(ca, cb, na);
	assert_true(na > 100);
	free(ca);
	free(cb);
}

static void
test_replay_100_times(void **state)
{
	struct hb_run orig, r;
	uint8_t *choices;
	size_t n;
	int i;

	(void) state;
	(void) run_once(SK_RANDOM, 7, NULL, 0, &orig, &choices, &n);
	for (i = 0; i < 100; i++) {
		(void) run_once(SK_REPLAY, 7, choices, n, &r, NULL, NULL);
		assert_int_equal(r.hr_hash, orig.hr_hash);
		assert_int_equal(r.hr_nchoices, n);
	}
	free(choices);
}

static void
test_switches_replay_run(void **state)
{
	struct sched_params p = { .sp_kind = SK_REPLAY, .sp_seed = 11,
	    .sp_max_steps = 2000000 };
	struct sched_switch *sw;
	struct strategy *st;
	struct hb_run orig, r;
	size_t n, npre, n2, npre2;

	(void) state;
	(void) run_once(SK_RANDOM, 11, NULL, 0, &orig, NULL, NULL);
	sw = malloc(sizeof (*sw) * 100000);
	memcpy(sw, hb_ctl_switches(&n, &npre), sizeof (*sw) * n);
	assert_true(npre > 10 && npre <= n && n < 100000);
	assert_int_equal(npre, orig.hr_preemptions);
	qsort(sw, n, sizeof (*sw), sched_switch_cmp);
	p.sp_switches = sw;
	p.sp_nswitches = n;
	st = strategy_new(&p);
	hb_ctl_run(&prog, st, &p, &r);
	strategy_free(st);
	(void) hb_ctl_switches(&n2, &npre2);
	assert_int_equal(r.hr_hash, orig.hr_hash);
	assert_int_equal(r.hr_nchoices, orig.hr_nchoices);
	assert_int_equal(n2, n);
	assert_int_equal(npre2, npre);
	free(sw);
}

static void
test_seeds_differ(void **state)
{
	uint64_t h[8];
	struct hb_run r;
	int i, distinct = 0, j;

	(void) state;
	for (i = 0; i < 8; i++) {
		h[i] = run_once(SK_RANDOM, 1000 + (uint64_t)i, NULL, 0, &r,
		    NULL, NULL);
		for (j = 0; j < i && h[j] != h[i]; j++)
			;
		distinct += j == i;
	}
	assert_true(distinct >= 6);
}

static void
test_pct_deterministic(void **state)
{
	struct hb_run a, b;

	(void) state;
	assert_int_equal(run_once(SK_PCT, 5, NULL, 0, &a, NULL, NULL),
	    run_once(SK_PCT, 5, NULL, 0, &b, NULL, NULL));
	assert_int_equal(a.hr_nchoices, b.hr_nchoices);
}

static void
do_inversion(void *arg)
{
	kctl_inversion((int)(intptr_t)arg);
}

static void
test_deadlock_found(void **state)
{
	(void) state;
	if (kctl_under_tsan()) {
		/* TSan's lock-order detector sees the inversion in any run */
		expect_bug(do_inversion, (void *)0, "sanitizer",
		    "lock-order-inversion");
		return;
	}
	expect_bug(do_inversion, (void *)1, "deadlock", "waits for");
	expect_bug(do_inversion, (void *)1, "deadlock", "held by T");
	/* without a preemption one order finishes before the other starts */
	expect_clean(do_inversion, (void *)0);
}

static void
do_livelock(void *arg)
{
	(void) arg;
	kctl_livelock();
}

static void
test_livelock_found(void **state)
{
	(void) state;
	expect_bug(do_livelock, NULL, "hang", "no progress");
}

static void
test_unfair_schedule_ends(void **state)
{
	uint64_t steps;

	(void) state;
	steps = kctl_unfair_default(8000);
	/* it polled up to the fair point, then the setter ran */
	assert_true(steps >= 8000 / 8);
	assert_true(steps < 8000);
}

static int
setup(void **state)
{
	struct hb_config c;

	(void) state;
	hb_default_config(&c);
	c.hc_workers = 2;
	c.hc_hats = 1;
	c.hc_small_pages = 1024;
	c.hc_large_runs = 2;
	c.hc_weights[HB_PRESSURE] = 2;
	c.hc_shim.sc_ptframes = 256;
	c.hc_outdir = "build/unit-out";
	if (hb_ctl_init(&c) != 0)
		return (-1);
	hb_program_random(&prog, 3, 2, 8, c.hc_weights);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_same_run),
		cmocka_unit_test(test_replay_100_times),
		cmocka_unit_test(test_switches_replay_run),
		cmocka_unit_test(test_seeds_differ),
		cmocka_unit_test(test_pct_deterministic),
		cmocka_unit_test(test_deadlock_found),
		cmocka_unit_test(test_livelock_found),
		cmocka_unit_test(test_unfair_schedule_ends),
	};

	return (cmocka_run_group_tests_name("ctl", tests, setup, NULL));
}
