/*
 * test_core: htable.c's single-threaded behaviour, driven through the HAT
 * on a hat of the test's own, on a machine the harness booted.
 *
 * Loads create the tables a mapping needs and valid counts follow the
 * entries; unloads free empty tables below max_page_level (into the hat's
 * cache) and leave the level-2 ones; holds add up and release drops them;
 * a 2M page is a level-1 leaf unless a level-0 table is in the way; walks
 * cross the VA hole; reaping takes cached and nearly empty tables; swapout
 * keeps level-0 tables with locked mappings.  After every scenario the
 * hat is torn down and the harness's full invariant check must pass.
 */
#include "unit.h"
#include "unit_machine.h"
#include "htbed/host.h"

extern void	*kc_hat_new(void);
extern void	kc_hat_destroy(void *);
extern uint64_t	kc_small_pfn(int);
extern uint64_t	kc_large_pfn(int);
extern int	kc_nlarge(void);
extern int	kc_szc(uint64_t);
extern unsigned	kc_share(uint64_t);
extern void	kc_memload(void *, uint64_t, uint64_t, int);
extern void	kc_memload_run(void *, uint64_t, uint64_t);
extern void	kc_unload(void *, uint64_t, uint64_t);
extern void	kc_unlock(void *, uint64_t, uint64_t);
extern void	kc_swapout(void *);
extern int64_t	kc_probe(void *, uint64_t, int *);
extern uint64_t	kc_pages_mapped(void *, int);
extern void	*kc_lookup(void *, uint64_t, int);
extern void	*kc_create(void *, uint64_t, int);
extern void	kc_release(void *);
extern void	*kc_getpte(void *, uint64_t, int, uint64_t *);
extern int	kc_ht_busy(void *);
extern int	kc_ht_valid(void *);
extern unsigned	kc_ht_locked(void *);
extern int	kc_ht_level(void *);
extern uint64_t	kc_ht_vaddr(void *);
extern void	*kc_ht_parent(void *);
extern int64_t	kc_leaf_pfn(uint64_t, int);
extern int	kc_cached(void *);
extern int	kc_walk(void *, uint64_t, uint64_t, uint64_t *, uint64_t *,
    int *, int);
extern uint64_t	kc_reaped(void);
extern int	kc_reap_steals_active(void);
extern uint64_t	kc_reap_attempts(void);
extern uint64_t	kc_ptables_inuse(void);
extern void	kc_reap(void);
extern void	kc_observe(void *);
extern void	kc_observe_end(int *, int *);

#define	K4		0x1000ull
#define	M2		0x200000ull
#define	G1		0x40000000ull
#define	HOLE_START	0x0000800000000000ull
#define	KERNELBASE	0xfffffd8000000000ull
#define	T_WRITABLE	0x002ull
#define	T_PAGESIZE	0x080ull

static const char *outdir;

/* ---- per scenario: a hat of our own, torn down and checked after ---- */

static int
hat_setup(void **state)
{
	*state = kc_hat_new();
	return (*state == NULL);
}

static void
do_check(void *arg)
{
	hb_check((const char *)arg);
}

static int
hat_teardown(void **state)
{
	kc_hat_destroy(*state);
	expect_clean(do_check, "after a test_core scenario");
	return (0);
}

/* the table at (va, level) exists: its valid count, or -1 if none */
static int
valid_at(void *hat, uint64_t va, int level)
{
	void *ht = kc_lookup(hat, va, level);
	int v;

	if (ht == NULL)
		return (-1);
	v = kc_ht_valid(ht);
	kc_release(ht);
	return (v);
}

static void
test_memload_then_getpte(void **state)
{
	void *hat = *state, *ht, *l1;
	uint64_t va = 4 * G1 + 3 * K4, pfn = kc_small_pfn(0), pte = 0;
	int level = -2;

	kc_memload(hat, va, pfn, 0);
	ht = kc_getpte(hat, va, 0, &pte);
	assert_non_null(ht);
	assert_int_equal(kc_ht_level(ht), 0);
	assert_int_equal(kc_ht_vaddr(ht), va & ~(M2 - 1));
	assert_int_equal(kc_leaf_pfn(pte, 0), pfn);
	assert_true(pte & T_WRITABLE);
	assert_int_equal(kc_ht_valid(ht), 1);
	assert_int_equal(kc_ht_busy(ht), 1);	/* only our getpte hold */
	l1 = kc_ht_parent(ht);
	assert_int_equal(kc_ht_level(l1), 1);
	assert_int_equal(kc_ht_valid(l1), 1);
	assert_int_equal(kc_ht_busy(l1), 1);	/* its one child's hold */
	kc_release(ht);

	assert_int_equal(kc_probe(hat, va, &level), pfn);
	assert_int_equal(level, 0);
	assert_int_equal(kc_probe(hat, va + K4, NULL), -1);
	assert_int_equal(kc_pages_mapped(hat, 0), 1);
	assert_int_equal(kc_share(pfn), 1);
}

static void
test_unload_frees_empty_tables(void **state)
{
	void *hat = *state, *l2;
	uint64_t base = 8 * G1, va1 = base + K4, va1b = base + 2 * K4;
	uint64_t va2 = base + M2 + 5 * K4, inuse;

	kc_memload(hat, va1, kc_small_pfn(1), 0);
	kc_memload(hat, va1b, kc_small_pfn(2), 0);
	kc_memload(hat, va2, kc_small_pfn(3), 0);
	assert_int_equal(valid_at(hat, va1, 0), 2);
	assert_int_equal(valid_at(hat, va2, 0), 1);
	assert_int_equal(valid_at(hat, va1, 1), 2);	/* two level-0 links */
	assert_int_equal(kc_cached(hat), 0);

	kc_unload(hat, va1, K4);
	assert_int_equal(valid_at(hat, va1, 0), 1);	/* not empty: kept */
	kc_unload(hat, va1b, K4);
	assert_int_equal(valid_at(hat, va1, 0), -1);	/* empty: freed */
	assert_int_equal(valid_at(hat, va1, 1), 1);
	kc_unload(hat, va2, K4);
	assert_int_equal(valid_at(hat, va2, 0), -1);
	assert_int_equal(valid_at(hat, va1, 1), -1);	/* and its parent */
	/* level 2 is max_page_level: an empty one stays, unheld */
	l2 = kc_lookup(hat, va1, 2);
	assert_non_null(l2);
	assert_int_equal(kc_ht_valid(l2), 0);
	assert_int_equal(kc_ht_busy(l2), 1);		/* our lookup only */
	kc_release(l2);
	assert_int_equal(kc_pages_mapped(hat, 0), 0);
	assert_int_equal(kc_share(kc_small_pfn(1)), 0);
	assert_int_equal(kc_share(kc_small_pfn(3)), 0);

	/* the freed tables wait in the hat's cache, frames and all */
	assert_int_equal(kc_cached(hat), 3);
	inuse = kc_ptables_inuse();
	kc_memload(hat, va2, kc_small_pfn(3), 0);
	assert_int_equal(kc_cached(hat), 1);
	assert_int_equal(kc_ptables_inuse(), inuse);
	assert_int_equal(kc_probe(hat, va2, NULL), kc_small_pfn(3));
	kc_unload(hat, va2, K4);
	assert_int_equal(kc_cached(hat), 3);
}

static void
test_create_twice_same_table(void **state)
{
	void *hat = *state, *a, *b, *c;
	uint64_t va = 12 * G1 + 7 * M2 + 9 * K4;

	a = kc_create(hat, va, 0);
	b = kc_create(hat, va, 0);
	assert_non_null(a);
	assert_ptr_equal(a, b);
	assert_int_equal(kc_ht_level(a), 0);
	assert_int_equal(kc_ht_vaddr(a), va & ~(M2 - 1));
	assert_int_equal(kc_ht_busy(a), 2);
	assert_int_equal(kc_ht_valid(a), 0);
	/* the parent: one hold, the child's; one valid entry, its link */
	assert_int_equal(kc_ht_busy(kc_ht_parent(a)), 1);
	assert_int_equal(kc_ht_valid(kc_ht_parent(a)), 1);

	kc_release(b);
	assert_int_equal(kc_ht_busy(a), 1);
	c = kc_lookup(hat, va, 0);
	assert_ptr_equal(c, a);
	assert_int_equal(kc_ht_busy(a), 2);
	kc_release(c);
	kc_release(a);			/* the last hold on an empty table */
	assert_null(kc_lookup(hat, va, 0));
	assert_null(kc_lookup(hat, va, 1));
}

static void
test_large_page_is_level1_leaf(void **state)
{
	void *hat = *state, *ht;
	uint64_t va = 16 * G1, pfn = kc_large_pfn(0), pte = 0;
	int level = -2;

	assert_true(kc_nlarge() >= 2);
	assert_int_equal(pfn % 512, 0);
	assert_int_equal(kc_szc(pfn), 1);
	assert_int_equal(kc_szc(pfn + 511), 1);
	kc_memload_run(hat, va, pfn);

	assert_null(kc_lookup(hat, va, 0));
	ht = kc_getpte(hat, va, 1, &pte);
	assert_non_null(ht);
	assert_int_equal(kc_ht_level(ht), 1);
	assert_true(pte & T_PAGESIZE);
	assert_int_equal(kc_leaf_pfn(pte, 1), pfn);
	assert_int_equal(kc_ht_valid(ht), 1);
	kc_release(ht);
	assert_int_equal(kc_pages_mapped(hat, 1), 1);
	assert_int_equal(kc_pages_mapped(hat, 0), 0);
	assert_int_equal(kc_probe(hat, va + 5 * K4, &level), pfn + 5);
	assert_int_equal(level, 1);
	assert_int_equal(kc_share(pfn), 1);	/* one hment, on the first */
	assert_int_equal(kc_share(pfn + 1), 0);

	kc_unload(hat, va, M2);
	assert_int_equal(kc_probe(hat, va + 5 * K4, NULL), -1);
	assert_int_equal(kc_pages_mapped(hat, 1), 0);
	assert_int_equal(kc_share(pfn), 0);
	assert_null(kc_lookup(hat, va, 1));
}

static void
test_large_page_falls_back_to_4k(void **state)
{
	void *hat = *state, *ht;
	uint64_t va = 20 * G1 + 6 * M2, pfn = kc_large_pfn(1), pte = 0;
	int level = -2;

	/* a level-0 table is already there: the 2M load cannot be one leaf */
	kc_memload(hat, va + 7 * K4, pfn + 7, 0);
	kc_memload_run(hat, va, pfn);

	assert_int_equal(valid_at(hat, va, 0), 512);
	ht = kc_getpte(hat, va, 1, &pte);
	assert_non_null(ht);
	assert_int_equal(kc_ht_level(ht), 0);
	assert_int_equal(kc_leaf_pfn(pte, 0), pfn);
	kc_release(ht);
	assert_int_equal(kc_pages_mapped(hat, 0), 512);
	assert_int_equal(kc_pages_mapped(hat, 1), 0);
	assert_int_equal(kc_probe(hat, va + 100 * K4, &level), pfn + 100);
	assert_int_equal(level, 0);
	assert_int_equal(kc_share(pfn + 7), 1);		/* loaded once */
	assert_int_equal(kc_share(pfn + 511), 1);

	kc_unload(hat, va, M2);
	assert_int_equal(kc_pages_mapped(hat, 0), 0);
	assert_int_equal(valid_at(hat, va, 0), -1);
	assert_int_equal(kc_share(pfn + 7), 0);
}

static void
test_walk_crosses_va_hole(void **state)
{
	void *hat = *state;
	uint64_t va[3] = { K4, HOLE_START - K4, KERNELBASE - K4 };
	uint64_t pfn[3] = { kc_small_pfn(10), kc_small_pfn(11),
	    kc_small_pfn(12) };
	uint64_t vas[8], pfns[8];
	int levels[8], i, n;

	for (i = 0; i < 3; i++)
		kc_memload(hat, va[i], pfn[i], 0);

	n = kc_walk(hat, 0, KERNELBASE, vas, pfns, levels, 8);
	assert_int_equal(n, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(vas[i], va[i]);
		assert_int_equal(pfns[i], pfn[i]);
		assert_int_equal(levels[i], 0);
	}
	/* from the last page below the hole, over it */
	n = kc_walk(hat, va[1], KERNELBASE, vas, pfns, levels, 8);
	assert_int_equal(n, 2);
	assert_int_equal(vas[0], va[1]);
	assert_int_equal(vas[1], va[2]);
	/* a range that ends where the hole begins */
	n = kc_walk(hat, 2 * K4, HOLE_START, vas, pfns, levels, 8);
	assert_int_equal(n, 1);
	assert_int_equal(vas[0], va[1]);

	kc_unload(hat, 0, KERNELBASE);
	assert_int_equal(kc_walk(hat, 0, KERNELBASE, vas, pfns, levels, 8), 0);
	assert_int_equal(kc_pages_mapped(hat, 0), 0);
}

static void
test_reap_takes_cached_tables(void **state)
{
	void *hat = *state, *ht[12];
	uint64_t r0, a0, inuse0, reaped;
	int i, cached;

	for (i = 0; i < 12; i++)
		ht[i] = kc_create(hat, 24 * G1 + (uint64_t)i * G1, 0);
	for (i = 0; i < 12; i++)
		kc_release(ht[i]);
	cached = kc_cached(hat);
	assert_int_equal(cached, 24);		/* 12 level-0, 12 level-1 */

	r0 = kc_reaped();
	a0 = kc_reap_attempts();
	inuse0 = kc_ptables_inuse();
	kc_reap();
	reaped = kc_reaped() - r0;
	assert_int_equal(kc_reap_attempts(), a0 + 1);
	/* at least 10 per reap; ours is the first hat on the list */
	assert_true(reaped >= 10);
	assert_int_equal(kc_cached(hat), cached - (int)reaped);
	/* reaped tables give their frames back */
	assert_int_equal(kc_ptables_inuse(), inuse0 - reaped);
}

static void
test_reap_steals_nearly_empty_tables(void **state)
{
	void *hat = *state;
	uint64_t base = 28 * G1, r0, reaped;
	int begun, removed, k, left = 0;

	/*
	 * 16 level-0 tables, one mapping each, in 16 consecutive buckets (of
	 * 32); a reap wants 10, takes at most one per bucket, and starts with
	 * our hat, the newest on the list -- where a reap steals tables in
	 * use at all: files from 2015-09-13 on reap cached tables only
	 * (shim/include/htbed/era.h), and then nothing may go.  The own core
	 * does what its era's reference does.
	 */
	for (k = 0; k < 16; k++)
		kc_memload(hat, base + (uint64_t)k * M2, kc_small_pfn(100 + k),
		    0);
	assert_int_equal(kc_cached(hat), 0);

	kc_observe(hat);
	r0 = kc_reaped();
	kc_reap();
	reaped = kc_reaped() - r0;
	kc_observe_end(&begun, &removed);

	assert_true(reaped >= 10 || reaped == 0);
	if (strcmp(HTBED_CORE, "own") == 0)
		assert_int_equal(reaped >= 10, kc_reap_steals_active());
	/* each stolen table's one mapping was removed, and announced */
	assert_int_equal(removed, (int)reaped);
	assert_int_equal(begun, removed);
	for (k = 0; k < 16; k++) {
		uint64_t va = base + (uint64_t)k * M2;
		int64_t got = kc_probe(hat, va, NULL);

		if (got < 0) {
			assert_int_equal(valid_at(hat, va, 0), -1);
			assert_int_equal(kc_share(kc_small_pfn(100 + k)), 0);
		} else {
			assert_int_equal(got, kc_small_pfn(100 + k));
			assert_int_equal(valid_at(hat, va, 0), 1);
			left++;
		}
	}
	assert_int_equal(left, 16 - removed);
	assert_int_equal(kc_pages_mapped(hat, 0), (uint64_t)left);
	assert_int_equal(valid_at(hat, base, 1), left);
}

static void
test_swapout_keeps_locked_tables(void **state)
{
	void *hat = *state, *ht;
	uint64_t x = 32 * G1;
	uint64_t a = x, b = x + M2, c = x + M2 + K4, d = x + G1;

	kc_memload(hat, a, kc_small_pfn(200), 0);
	kc_memload(hat, b, kc_small_pfn(201), 1);	/* locked */
	kc_memload(hat, c, kc_small_pfn(202), 0);
	kc_memload(hat, d, kc_small_pfn(203), 0);
	ht = kc_lookup(hat, b, 0);
	assert_int_equal(kc_ht_locked(ht), 1);
	kc_release(ht);

	kc_swapout(hat);
	assert_int_equal(kc_probe(hat, a, NULL), -1);
	assert_int_equal(kc_probe(hat, d, NULL), -1);
	assert_int_equal(kc_probe(hat, b, NULL), kc_small_pfn(201));
	/* unlocked, but in a level-0 table with a locked mapping: kept */
	assert_int_equal(kc_probe(hat, c, NULL), kc_small_pfn(202));
	assert_int_equal(valid_at(hat, a, 0), -1);
	assert_int_equal(valid_at(hat, d, 0), -1);
	assert_int_equal(valid_at(hat, b, 0), 2);
	assert_int_equal(kc_pages_mapped(hat, 0), 2);
	assert_int_equal(kc_cached(hat), 0);	/* the cache is given back */

	kc_unlock(hat, b, K4);
	ht = kc_lookup(hat, b, 0);
	assert_int_equal(kc_ht_locked(ht), 0);
	kc_release(ht);
	kc_swapout(hat);
	assert_int_equal(kc_probe(hat, b, NULL), -1);
	assert_int_equal(kc_probe(hat, c, NULL), -1);
	assert_int_equal(kc_pages_mapped(hat, 0), 0);
}

static void
do_finish(void *arg)
{
	(void) arg;
	hb_finish();
}

/* the whole machine tears down without leaks after all of the above */
static void
test_teardown_leaves_nothing(void **state)
{
	(void) state;
	expect_clean(do_finish, NULL);
}

static int
setup(void **state)
{
	struct hb_config c;

	(void) state;
	unit_machine(&c, 2, outdir);
	c.hc_hash_cnt = 32;	/* the reap test spreads 16 tables over buckets */
	return (unit_boot(&c));
}

#define	SCENARIO(f)	cmocka_unit_test_setup_teardown(f, hat_setup, \
			    hat_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		SCENARIO(test_memload_then_getpte),
		SCENARIO(test_unload_frees_empty_tables),
		SCENARIO(test_create_twice_same_table),
		SCENARIO(test_large_page_is_level1_leaf),
		SCENARIO(test_large_page_falls_back_to_4k),
		SCENARIO(test_walk_crosses_va_hole),
		SCENARIO(test_reap_takes_cached_tables),
		SCENARIO(test_reap_steals_nearly_empty_tables),
		SCENARIO(test_swapout_keeps_locked_tables),
		cmocka_unit_test(test_teardown_leaves_nothing),
	};
	int failed;

	outdir = unit_outdir_create();
	failed = cmocka_run_group_tests_name("core", tests, setup, NULL);
	unit_outdir_remove(outdir);
	return (failed);
}
