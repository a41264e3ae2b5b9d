/*
 * test_lockdep: the lock-order checker.  The protocol's order (mlist ->
 * bucket -> hci, the leaves alone) passes; every other nesting, and any
 * kmem or page call under a bucket mutex or inside the window, is
 * reported at once as a "lock-order" bug naming both locks, whether or
 * not the interleaving that would deadlock happens.
 */
#include "unit.h"

extern int	kl_boot(void);
extern int	kl_nheld(void);
extern const char *kl_class_of(int);
extern int	kl_allowed_order(void);
extern void	kl_leaves_alone(void);
extern void	kl_kmem_under_mlist(void);
extern void	kl_two_buckets(void);
extern void	kl_bucket_under_hci(void);
extern void	kl_plain_under_hci(void);
extern void	kl_mlist_under_bucket(void);
extern void	kl_two_mlists(void);
extern void	kl_bucket_under_hat_mutex(void);
extern void	kl_hat_list_under_reserve(void);
extern void	kl_kmem_under_bucket(void);
extern void	kl_kmem_free_under_hci(void);
extern void	kl_page_under_bucket(void);

/* run a void(void) kernel sequence as a child's body */
static void
call(void *fn)
{
	((void (*)(void))fn)();
}

static void
call_allowed(void *arg)
{
	(void) arg;
	if (kl_allowed_order() != 3 || kl_nheld() != 0)
		_exit(3);
}

#define	BUG_OF(fn, what)	expect_bug(call, (void *)(fn), "lock-order", (what))
#define	CLEAN(fn)		expect_clean(call, (void *)(fn))

static void
test_classes(void **state)
{
	(void) state;
	assert_string_equal(kl_class_of(0), "bucket");
	assert_string_equal(kl_class_of(1), "bucket");
	assert_string_equal(kl_class_of(2), "hci");
	assert_string_equal(kl_class_of(3), "hat");
	assert_string_equal(kl_class_of(4), "reserve");
	assert_string_equal(kl_class_of(5), "hat_list");
	assert_string_equal(kl_class_of(6), "mlist");
	assert_string_equal(kl_class_of(7), "unclassified");
}

static void
test_allowed_order_not_reported(void **state)
{
	(void) state;
	/* in this process (a report would end it), then checked in a child */
	assert_int_equal(kl_allowed_order(), 3);
	assert_int_equal(kl_nheld(), 0);
	expect_clean(call_allowed, NULL);
	CLEAN(kl_leaves_alone);
	CLEAN(kl_kmem_under_mlist);
}

static void
test_two_buckets_reported(void **state)
{
	(void) state;
	BUG_OF(kl_two_buckets, "takes htable_mutex[1] (bucket) while holding "
	    "htable_mutex[0] (bucket)");
}

static void
test_bucket_under_hci_reported(void **state)
{
	(void) state;
	BUG_OF(kl_bucket_under_hci, "takes htable_mutex[3] (bucket) while "
	    "holding hci_mutex(cpu0) (hci)");
	/* nothing at all may be taken inside the window span */
	BUG_OF(kl_plain_under_hci, "while holding hci_mutex(cpu0) (hci)");
}

static void
test_reversed_and_leaf_orders_reported(void **state)
{
	(void) state;
	BUG_OF(kl_mlist_under_bucket, "(mlist) while holding htable_mutex[5] "
	    "(bucket)");
	BUG_OF(kl_two_mlists, "(mlist) while holding");
	BUG_OF(kl_bucket_under_hat_mutex, "takes htable_mutex[4] (bucket) "
	    "while holding");
	BUG_OF(kl_hat_list_under_reserve, "takes hat_list_lock (hat_list) "
	    "while holding htable_reserve_mutex (reserve)");
}

static void
test_kmem_under_bucket_reported(void **state)
{
	(void) state;
	BUG_OF(kl_kmem_under_bucket, "kmem_cache_alloc called by T0 while "
	    "holding htable_mutex[2] (bucket)");
	BUG_OF(kl_kmem_free_under_hci, "kmem_free called by T0 while holding "
	    "hci_mutex(cpu0) (hci)");
	BUG_OF(kl_page_under_bucket, "page_get_physical called by T0 while "
	    "holding htable_mutex[6] (bucket)");
	CLEAN(kl_kmem_under_mlist);
}

static int
setup(void **state)
{
	(void) state;
	return (kl_boot());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_allowed_order_not_reported),
		cmocka_unit_test(test_two_buckets_reported),
		cmocka_unit_test(test_bucket_under_hci_reported),
		cmocka_unit_test(test_reversed_and_leaf_orders_reported),
		cmocka_unit_test(test_kmem_under_bucket_reported),
	};

	return (cmocka_run_group_tests_name("lockdep", tests, setup, NULL));
}
