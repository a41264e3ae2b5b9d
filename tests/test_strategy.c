/*
 * test_strategy: the strategies' choices at access seams, shown decision
 * points made up here (shim/testing/strategy.c is a pure function of its
 * parameters and what it is shown).
 *  - random switches at an access seam once in about `stride' points
 *    (to another fiber, with many runnable), and at every other seam as
 *    before;
 *  - random parks the fiber it switched away from at an access seam: it
 *    does not run at the next point, nor for some tens of points on
 *    average, unless it is all that can run or the others spin;
 *  - the bytes strategy with gaps switches exactly where its gap list
 *    says, one-byte gaps and two-byte gaps alike, round and round; an
 *    empty list never switches.
 */
#include "unit.h"
#include "htbed/strategy.h"

/* k_strategy.c */
extern const int k_ev_load, k_ev_store, k_ev_mutex, k_ev_spin;

#define	POINTS	32000

/* a view of n fibers, all runnable, fiber cur running, at a point of ev */
static struct sched_view
view(int cur, int n, int ev, uint64_t step)
{
	return ((struct sched_view){ .sv_cur = cur, .sv_prev = cur,
	    .sv_runnable = (1u << n) - 1, .sv_nfibers = n, .sv_step = step,
	    .sv_ev = ev });
}

/* how many of POINTS points of ev the strategy switched at, nf fibers */
static int
switches(const struct sched_params *p, int ev, int nf)
{
	struct strategy *st = strategy_new(p);
	int cur = 0, n = 0, c;
	uint64_t i;

	strategy_begin(st, p, nf);
	for (i = 0; i < POINTS; i++) {
		struct sched_view v = view(cur, nf, ev, i);

		c = strategy_pick(st, &v);
		n += c != cur;
		cur = c;
	}
	strategy_free(st);
	return (n);
}

static void
test_random_stride(void **state)
{
	struct sched_params p = { .sp_kind = SK_RANDOM, .sp_seed = 7,
	    .sp_stride = 16 };
	int load = switches(&p, k_ev_load, 16);
	int mutex = switches(&p, k_ev_mutex, 2);

	(void) state;
	/*
	 * expected POINTS / 16 = 2000 at loads (a few fewer: now and then
	 * every other fiber of the 16 is parked), POINTS / 2 at mutexes
	 */
	assert_in_range(load, 1700, 2200);
	assert_in_range(mutex, 15000, 17000);
	p.sp_stride = 1;
	assert_in_range(switches(&p, k_ev_store, 2), 15000, 17000);
}

/*
 * Random with three fibers, fiber 0 running loads until it is switched
 * away from; then mutex points (a uniform choice each): the points until
 * fiber 0 runs again.  Without parking that is 3 on average.
 */
static uint64_t
parked_for(uint64_t seed)
{
	struct sched_params p = { .sp_kind = SK_RANDOM, .sp_seed = seed,
	    .sp_stride = 16 };
	struct strategy *st = strategy_new(&p);
	struct sched_view v;
	uint64_t i = 0, s;
	int cur = 0;

	strategy_begin(st, &p, 3);
	while (cur == 0) {
		v = view(0, 3, k_ev_load, ++i);
		cur = strategy_pick(st, &v);
	}
	for (s = i; cur != 0 && i < s + 10000; ) {
		v = view(cur, 3, k_ev_mutex, ++i);
		cur = strategy_pick(st, &v);
	}
	strategy_free(st);
	return (i - s);
}

static void
test_random_parks(void **state)
{
	uint64_t seed, n, sum = 0, min = UINT64_MAX;

	(void) state;
	for (seed = 1; seed <= 200; seed++) {
		n = parked_for(seed);
		sum += n;
		min = n < min ? n : min;
	}
	assert_true(min >= 2);		/* never back at the next point */
	assert_true(sum / 200 >= 20);	/* log-uniform up to 256, plus 3 */
	assert_true(sum / 200 <= 100);	/* and not for good */
}

/* a parked fiber runs when the only other spins, or is all that can */
static void
test_parked_runs_if_needed(void **state)
{
	struct sched_params p = { .sp_kind = SK_RANDOM, .sp_seed = 3,
	    .sp_stride = 16 };
	struct strategy *st = strategy_new(&p);
	struct sched_view v;
	uint64_t i = 0;
	int cur = 0;

	(void) state;
	strategy_begin(st, &p, 2);
	while (cur == 0) {
		v = view(0, 2, k_ev_load, ++i);
		cur = strategy_pick(st, &v);
	}
	v = view(1, 2, k_ev_spin, ++i);		/* fiber 1 waits for 0 */
	assert_int_equal(strategy_pick(st, &v), 0);
	strategy_begin(st, &p, 2);
	for (cur = 0; cur == 0; ) {
		v = view(0, 2, k_ev_load, ++i);
		cur = strategy_pick(st, &v);
	}
	v = view(-1, 2, k_ev_mutex, ++i);	/* fiber 1 blocks */
	v.sv_runnable = 1;
	assert_int_equal(strategy_pick(st, &v), 0);
	strategy_free(st);
}

/* the points (from 1) at which a gaps schedule switched, up to max */
static int
gap_switches(const uint8_t *bytes, size_t n, uint64_t *at, int max)
{
	struct sched_params p = { .sp_kind = SK_BYTES, .sp_bytes = bytes,
	    .sp_nbytes = n, .sp_gaps = 1 };
	struct strategy *st = strategy_new(&p);
	int cur = 0, k = 0, c;
	uint64_t i;

	strategy_begin(st, &p, 3);
	for (i = 1; i <= 2000 && k < max; i++) {
		struct sched_view v = view(cur, 3, k_ev_load, i);

		c = strategy_pick(st, &v);
		if (c != cur)
			at[k++] = i;
		cur = c;
	}
	strategy_free(st);
	return (k);
}

static void
test_gaps(void **state)
{
	/* gaps 3, then 0x0102 + 1 = 259, then 1, then round again: 3 ... */
	static const uint8_t in[] = { 2, 0x81, 0x02, 0 };
	uint64_t at[6];

	(void) state;
	assert_int_equal(gap_switches(in, sizeof (in), at, 6), 6);
	assert_int_equal(at[0], 3);
	assert_int_equal(at[1], 3 + 259);
	assert_int_equal(at[2], 3 + 259 + 1);
	assert_int_equal(at[3], 3 + 259 + 1 + 3);
	assert_int_equal(at[4], 3 + 259 + 1 + 3 + 259);
	assert_int_equal(at[5], 3 + 259 + 1 + 3 + 259 + 1);
	assert_int_equal(gap_switches(NULL, 0, at, 6), 0);
}

/* a two-byte gap cut short by the end of the list is a one-byte gap */
static void
test_gap_cut_short(void **state)
{
	static const uint8_t in[] = { 0x85 };
	uint64_t at[2];

	(void) state;
	assert_int_equal(gap_switches(in, sizeof (in), at, 2), 2);
	assert_int_equal(at[0], 1 + 0x85);
	assert_int_equal(at[1], 2 * (1 + 0x85));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_stride),
		cmocka_unit_test(test_random_parks),
		cmocka_unit_test(test_parked_runs_if_needed),
		cmocka_unit_test(test_gaps),
		cmocka_unit_test(test_gap_cut_short),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
