/*
 * test_cpu: vCPUs and preemption.  The invariant the window protocol rests
 * on: a thread changes vCPU only at a scheduler-seam point, and only while
 * its preemption count is zero; migrating a thread that disabled
 * preemption is itself a reported bug ("vcpu"), and so is an unmatched
 * kpreempt_enable() ("preemption").  Runs with migration at every seam.
 */
#include "unit.h"
#include <pthread.h>

extern int	kc_boot(void);
extern void	kc_attach(const char *, int);
extern void	kc_detach(void);
extern int	kc_preempt(void);
extern void	kc_disable(void);
extern void	kc_enable(void);
extern int	kc_cpu_id(void);
extern int	kc_cpu_consistent(void);
extern void	kc_migrate(int);
extern uint64_t	kc_migrations(void);
extern int	kc_seam_rounds(int, unsigned *);
extern int	kc_preempt_rounds(int, int);
extern int	kc_xc_wait_sync(unsigned, int *, int *);

static void
test_preempt_count(void **state)
{
	(void) state;
	assert_int_equal(kc_preempt(), 0);
	kc_disable();
	assert_int_equal(kc_preempt(), 1);
	kc_disable();
	assert_int_equal(kc_preempt(), 2);
	kc_enable();
	assert_int_equal(kc_preempt(), 1);
	kc_enable();
	assert_int_equal(kc_preempt(), 0);
}

static void
do_unmatched_enable(void *arg)
{
	int extra = arg != NULL;

	if (extra) {
		kc_disable();
		kc_enable();
	}
	kc_enable();
}

static void
do_matched(void *arg)
{
	(void) arg;
	kc_disable();
	kc_disable();
	kc_enable();
	kc_enable();
	if (kc_preempt() != 0)
		_exit(3);
}

static void
test_unmatched_enable_reported(void **state)
{
	(void) state;
	expect_bug(do_unmatched_enable, NULL, "preemption",
	    "kpreempt_enable() without a matching kpreempt_disable()");
	expect_bug(do_unmatched_enable, (void *)1, "preemption",
	    "(t_preempt 0)");
	expect_clean(do_matched, NULL);
}

static void
test_migrate_moves_thread(void **state)
{
	uint64_t m0;

	(void) state;
	kc_migrate(0);			/* from wherever the last seam left us */
	assert_int_equal(kc_cpu_id(), 0);
	m0 = kc_migrations();
	kc_migrate(2);
	assert_int_equal(kc_cpu_id(), 2);
	assert_true(kc_cpu_consistent());
	assert_int_equal(kc_migrations(), m0 + 1);
	kc_migrate(6);			/* vCPU numbers wrap: 6 is 2 */
	assert_int_equal(kc_cpu_id(), 2);
	assert_int_equal(kc_migrations(), m0 + 1);
	kc_migrate(1);
	assert_int_equal(kc_cpu_id(), 1);
	assert_true(kc_cpu_consistent());
	assert_int_equal(kc_migrations(), m0 + 2);
}

static void
do_migrate_disabled(void *arg)
{
	kc_disable();
	kc_migrate((int)(intptr_t)arg);
}

static void
do_migrate_enabled(void *arg)
{
	kc_migrate((int)(intptr_t)arg);
	if (kc_cpu_id() != (int)(intptr_t)arg)
		_exit(3);
}

static void
test_migrate_while_disabled_reported(void **state)
{
	(void) state;
	expect_bug(do_migrate_disabled, (void *)3, "vcpu",
	    "migrated while preemption is disabled");
	/* even "to the vCPU it is on": the request itself is the bug */
	kc_migrate(0);
	expect_bug(do_migrate_disabled, (void *)0, "vcpu",
	    "migrated while preemption is disabled");
	expect_clean(do_migrate_enabled, (void *)3);
}

struct cpu_probe {
	int	cp_cpuid;
	int	cp_seen;
	int	cp_consistent;
};

static void *
probe_thread(void *arg)
{
	struct cpu_probe *p = arg;

	kc_attach("probe", p->cp_cpuid);
	p->cp_seen = kc_cpu_id();
	p->cp_consistent = kc_cpu_consistent();
	kc_detach();
	return (NULL);
}

/* CPU is per thread: each sees the vCPU it was attached to */
static void
test_cpu_follows_curthread(void **state)
{
	struct cpu_probe p[2] = { { 3, -1, 0 }, { 6, -1, 0 } };
	pthread_t t;
	int i, mine;

	(void) state;
	kc_migrate(1);
	mine = kc_cpu_id();
	assert_int_equal(mine, 1);
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_create(&t, NULL, probe_thread, &p[i]),
		    0);
		(void) pthread_join(t, NULL);
		assert_true(p[i].cp_consistent);
	}
	assert_int_equal(p[0].cp_seen, 3);
	assert_int_equal(p[1].cp_seen, 2);
	assert_int_equal(kc_cpu_id(), mine);
}

/* seams move a thread whose preemption is enabled ... */
static void
test_seams_migrate_preemptible(void **state)
{
	uint64_t m0 = kc_migrations();
	unsigned visited = 0;
	int moves;

	(void) state;
	assert_int_equal(kc_preempt(), 0);
	moves = kc_seam_rounds(200, &visited);
	assert_true(moves > 0);
	assert_true(__builtin_popcount(visited) >= 2);
	assert_true(kc_migrations() - m0 >= (uint64_t)moves);
	assert_true(kc_cpu_consistent());
	/* and kpreempt_enable() to depth 0 is itself such a point */
	assert_true(kc_preempt_rounds(100, 0) > 0);
}

/* ... and never one that disabled it */
static void
test_seams_keep_pinned_thread(void **state)
{
	uint64_t m0;
	unsigned visited = 0;
	int c0, moves;

	(void) state;
	kc_disable();
	c0 = kc_cpu_id();
	m0 = kc_migrations();
	moves = kc_seam_rounds(200, &visited);
	assert_int_equal(moves, 0);
	assert_int_equal(visited, 1u << c0);
	assert_int_equal(kc_migrations(), m0);
	/* a nested kpreempt_enable() that leaves it disabled is no seam */
	assert_int_equal(kc_preempt_rounds(100, 1), 0);
	assert_int_equal(kc_cpu_id(), c0);
	assert_int_equal(kc_migrations(), m0);
	kc_enable();
	assert_int_equal(kc_preempt(), 0);
}

/*
 * xc_wait_sync() (files of 2007-02 to 2007-05-04) runs its handler once
 * as each target, the calling vCPU first, then the others in order, and
 * hands the thread back on its vCPU; a caller outside the set is not a
 * target.
 */
static void
test_xc_wait_sync_order(void **state)
{
	int order[64], home, n, i, want;

	(void) state;
	kc_migrate(2);
	n = kc_xc_wait_sync(0xf, order, &home);
	assert_int_equal(n, 4);
	assert_int_equal(order[0], home);
	for (i = 1, want = 0; i < n; i++, want++) {
		if (want == home)
			want++;
		assert_int_equal(order[i], want);
	}
	n = kc_xc_wait_sync(0xf & ~(1u << kc_cpu_id()), order, &home);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++)
		assert_true(order[i] != home);
	assert_int_equal(kc_preempt(), 0);
}

static int
setup(void **state)
{
	(void) state;
	return (kc_boot());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_preempt_count),
		cmocka_unit_test(test_unmatched_enable_reported),
		cmocka_unit_test(test_migrate_moves_thread),
		cmocka_unit_test(test_migrate_while_disabled_reported),
		cmocka_unit_test(test_cpu_follows_curthread),
		cmocka_unit_test(test_seams_migrate_preemptible),
		cmocka_unit_test(test_seams_keep_pinned_thread),
		cmocka_unit_test(test_xc_wait_sync_order),
	};

	return (cmocka_run_group_tests_name("cpu", tests, setup, NULL));
}
