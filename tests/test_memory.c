/*
 * test_memory: emulated physical memory and kmem.
 *
 * A new page-table frame is locked shared, hashed on kvp and full of
 * junk (so a table htable.c forgot to zero is visibly wrong); giving it
 * back (upgrade, hash out, free, unreserve) poisons it and restores
 * freemem and the counters the checker compares.  kmem objects are junk
 * when new and poison when freed, and a write to a freed object is
 * reported when it leaves quarantine.  Injected failures make exactly the
 * allocations they should fail.
 */
#include "unit.h"
#include "htbed/config.h"

extern int	kmm_boot(void);
extern void	kmm_stats(struct shim_stats *);
extern uint64_t	kmm_freemem(void);
extern uint64_t	kmm_nptframes(void);
extern void	*kmm_page_get(void);
extern uint64_t	kmm_pfn(void *);
extern int	kmm_selock(void *);
extern int	kmm_is_ptable_frame(void *);
extern int	kmm_hashed(void *);
extern int	kmm_in_use(uint64_t);
extern int	kmm_frame_is(uint64_t, uint64_t);
extern void	kmm_frame_write(uint64_t, int, uint64_t);
extern int	kmm_tryupgrade(void *);
extern void	kmm_lock_shared(void *);
extern void	kmm_unlock(void *);
extern void	*kmm_lookup_excl(void *);
extern void	kmm_hashout(void *);
extern void	kmm_page_free(void *);
extern void	kmm_unresv(uint64_t);
extern void	kmm_give_back(void *);
extern void	kmm_inject(uint32_t, uint32_t, uint32_t);
extern void	kmm_free_shared(void);
extern void	kmm_free_unupgraded(void);
extern void	kmm_free_twice(void);
extern void	kmm_free_data(void);
extern int	kmm_under_asan(void);
extern void	*kmm_obj_alloc(int);
extern void	kmm_obj_free(void *);
extern uint64_t	kmm_obj_outstanding(void);
extern int	kmm_obj_cache_named(void);
extern int	kmm_words_are(const void *, int, uint64_t);
extern int	kmm_obj_size(void);
extern void	*kmm_alloc(uint64_t, int, int);
extern void	kmm_free(void *, uint64_t);
extern void	kmm_write_after_free(int);
extern void	kmm_free_null(void);
extern uint64_t	kmm_pattern(int);

#define	PTE_JUNK	kmm_pattern(0)
#define	PTE_POISON	kmm_pattern(1)
#define	KMEM_JUNK	kmm_pattern(2)
#define	KMEM_POISON	kmm_pattern(3)
#define	ALWAYS		1000000u

static struct shim_stats
stats(void)
{
	struct shim_stats s;

	kmm_stats(&s);
	return (s);
}

static void
test_get_physical(void **state)
{
	struct shim_stats s0 = stats(), s;
	uint64_t f0 = kmm_freemem(), pfn;
	void *pp;

	(void) state;
	assert_int_equal(s0.ss_freemem, f0);
	pp = kmm_page_get();
	assert_non_null(pp);
	pfn = kmm_pfn(pp);
	assert_true(kmm_is_ptable_frame(pp));
	assert_int_equal(kmm_selock(pp), 1);	/* locked shared, once */
	assert_true(kmm_hashed(pp));
	assert_true(kmm_in_use(pfn));
	assert_true(kmm_frame_is(pfn, PTE_JUNK));
	assert_int_equal(kmm_freemem(), f0 - 1);
	s = stats();
	assert_int_equal(s.ss_freemem, f0 - 1);
	assert_int_equal(s.ss_ptable_inuse, s0.ss_ptable_inuse + 1);
	assert_int_equal(s.ss_ptable_allocs, s0.ss_ptable_allocs + 1);
	assert_int_equal(s.ss_page_resv, s0.ss_page_resv + 1);

	/* give it back the way htable.c does, step by step */
	kmm_frame_write(pfn, 7, 0);
	assert_int_equal(kmm_tryupgrade(pp), 1);
	assert_int_equal(kmm_selock(pp), -1);
	kmm_hashout(pp);
	assert_false(kmm_hashed(pp));
	kmm_page_free(pp);
	assert_true(kmm_frame_is(pfn, PTE_POISON));
	assert_false(kmm_in_use(pfn));
	assert_int_equal(kmm_selock(pp), 0);
	assert_int_equal(kmm_freemem(), f0);
	s = stats();
	assert_int_equal(s.ss_ptable_inuse, s0.ss_ptable_inuse);
	assert_int_equal(s.ss_ptable_frees, s0.ss_ptable_frees + 1);
	assert_int_equal(s.ss_page_resv, s0.ss_page_resv + 1);
	kmm_unresv(1);
	assert_int_equal(stats().ss_page_resv, s0.ss_page_resv);
}

/* every frame can be had once; then none, and it is no injected failure */
static void
test_frames_run_out(void **state)
{
	uint64_t n = kmm_nptframes(), f0 = kmm_freemem(), i, j;
	struct shim_stats s0 = stats();
	void *pp[64];

	(void) state;
	assert_int_equal(f0, n);
	assert_true(n <= 64);
	for (i = 0; i < n; i++) {
		pp[i] = kmm_page_get();
		assert_non_null(pp[i]);
		for (j = 0; j < i; j++)
			assert_int_not_equal(kmm_pfn(pp[i]), kmm_pfn(pp[j]));
	}
	assert_int_equal(kmm_freemem(), 0);
	assert_null(kmm_page_get());
	assert_int_equal(stats().ss_page_fail, s0.ss_page_fail);
	for (i = 0; i < n; i++)
		kmm_give_back(pp[i]);
	assert_int_equal(kmm_freemem(), f0);
	assert_int_equal(stats().ss_ptable_inuse, s0.ss_ptable_inuse);
	assert_int_equal(stats().ss_page_resv, s0.ss_page_resv);
}

/* an upgrade needs the only shared hold; kvp names the frame */
static void
test_upgrade_and_lookup(void **state)
{
	void *pp = kmm_page_get(), *found;

	(void) state;
	assert_non_null(pp);
	kmm_lock_shared(pp);
	assert_int_equal(kmm_selock(pp), 2);
	assert_int_equal(kmm_tryupgrade(pp), 0);
	assert_int_equal(kmm_selock(pp), 2);
	kmm_unlock(pp);
	assert_int_equal(kmm_tryupgrade(pp), 1);
	kmm_unlock(pp);
	assert_int_equal(kmm_selock(pp), 0);
	found = kmm_lookup_excl(pp);
	assert_ptr_equal(found, pp);
	assert_int_equal(kmm_selock(pp), -1);
	kmm_hashout(pp);
	kmm_page_free(pp);
	kmm_unresv(1);
	assert_false(kmm_in_use(kmm_pfn(pp)));
}

static void
call(void *fn)
{
	((void (*)(void))fn)();
}

static void
do_give_back(void *arg)
{
	void *pp = kmm_page_get();

	(void) arg;
	if (pp == NULL)
		_exit(3);
	kmm_give_back(pp);
	if (!kmm_frame_is(kmm_pfn(pp), PTE_POISON))
		_exit(4);
}

static void
test_page_free_misuse_reported(void **state)
{
	(void) state;
	expect_bug(call, (void *)kmm_free_shared, "page",
	    "not exclusive and hashed out");
	expect_bug(call, (void *)kmm_free_unupgraded, "page",
	    "not exclusive and hashed out");
	expect_bug(call, (void *)kmm_free_twice, "page",
	    "which is not an allocated page-table frame");
	expect_bug(call, (void *)kmm_free_data, "page",
	    "which is not an allocated page-table frame");
	expect_clean(do_give_back, NULL);
}

static void
test_page_injection(void **state)
{
	struct shim_stats s0 = stats();
	uint64_t f0 = kmm_freemem();
	void *pp;
	int i;

	(void) state;
	kmm_inject(0, ALWAYS, 0);
	for (i = 0; i < 5; i++)
		assert_null(kmm_page_get());
	assert_int_equal(stats().ss_page_fail, s0.ss_page_fail + 5);
	assert_int_equal(kmm_freemem(), f0);
	kmm_inject(0, 0, 0);
	pp = kmm_page_get();
	assert_non_null(pp);

	/* an injected upgrade failure, even for the only holder */
	kmm_inject(0, 0, ALWAYS);
	assert_int_equal(kmm_tryupgrade(pp), 0);
	assert_int_equal(kmm_selock(pp), 1);
	kmm_inject(0, 0, 0);
	kmm_give_back(pp);
	assert_int_equal(kmm_freemem(), f0);
	assert_int_equal(stats().ss_page_fail, s0.ss_page_fail + 5);
}

static void
test_kmem_injection(void **state)
{
	struct shim_stats s0 = stats();
	uint64_t out0 = kmm_obj_outstanding();
	void *p, *q;
	int i;

	(void) state;
	kmm_inject(ALWAYS, 0, 0);
	for (i = 0; i < 3; i++)
		assert_null(kmm_obj_alloc(0));
	assert_null(kmm_alloc(64, 0, 0));
	assert_null(kmm_alloc(64, 0, 1));
	assert_int_equal(stats().ss_kmem_fail, s0.ss_kmem_fail + 5);
	assert_int_equal(kmm_obj_outstanding(), out0);
	/* KM_SLEEP never fails */
	p = kmm_obj_alloc(1);
	q = kmm_alloc(64, 1, 1);
	assert_non_null(p);
	assert_non_null(q);
	assert_int_equal(kmm_obj_outstanding(), out0 + 1);
	assert_int_equal(stats().ss_kmem_fail, s0.ss_kmem_fail + 5);
	kmm_inject(0, 0, 0);
	kmm_obj_free(p);
	kmm_free(q, 64);
	p = kmm_obj_alloc(0);
	assert_non_null(p);
	kmm_obj_free(p);
	assert_int_equal(kmm_obj_outstanding(), out0);
}

static void
test_kmem_junk_and_poison(void **state)
{
	uint64_t out0 = kmm_obj_outstanding();
	int size = kmm_obj_size();
	uint64_t *p, *z;

	(void) state;
	assert_true(kmm_obj_cache_named());
	p = kmm_obj_alloc(1);
	assert_non_null(p);
	assert_true(kmm_words_are(p, size, KMEM_JUNK));
	assert_int_equal(kmm_obj_outstanding(), out0 + 1);
	p[0] = 1;
	kmm_obj_free(p);
	assert_int_equal(kmm_obj_outstanding(), out0);
	if (!kmm_under_asan()) {
		/* still in quarantine: a stale reader sees poison */
		assert_true(kmm_words_are(p, size, KMEM_POISON));
	}

	p = kmm_alloc(100, 1, 0);
	z = kmm_alloc(100, 1, 1);
	assert_true(kmm_words_are(p, 96, KMEM_JUNK));
	assert_true(kmm_words_are(z, 96, 0));
	kmm_free(p, 100);
	kmm_free(z, 100);
}

static void
do_write_after_free(void *arg)
{
	kmm_write_after_free(arg != NULL);
}

static void
test_write_after_free_reported(void **state)
{
	(void) state;
	if (kmm_under_asan()) {
		/* freed objects are poisoned for ASan: it reports the write */
		expect_bug(do_write_after_free, (void *)1,
		    "asan-use-after-poison",
		    "use-after-poison");
	} else {
		expect_bug(do_write_after_free, (void *)1, "use-after-free",
		    "word 1 is 0x2a");
		expect_bug(do_write_after_free, (void *)1, "use-after-free",
		    "kt_obj object");
	}
	expect_clean(do_write_after_free, NULL);
}

static void
test_free_null_reported(void **state)
{
	(void) state;
	expect_bug(call, (void *)kmm_free_null, "kmem",
	    "kmem_cache_free(kt_obj, NULL)");
}

static int
setup(void **state)
{
	(void) state;
	return (kmm_boot());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_physical),
		cmocka_unit_test(test_frames_run_out),
		cmocka_unit_test(test_upgrade_and_lookup),
		cmocka_unit_test(test_page_free_misuse_reported),
		cmocka_unit_test(test_page_injection),
		cmocka_unit_test(test_kmem_injection),
		cmocka_unit_test(test_kmem_junk_and_poison),
		cmocka_unit_test(test_write_after_free_reported),
		cmocka_unit_test(test_free_null_reported),
	};

	return (cmocka_run_group_tests_name("memory", tests, setup, NULL));
}
