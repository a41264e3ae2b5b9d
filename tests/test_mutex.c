/*
 * test_mutex: the shim's kmutex_t, kcondvar_t and krwlock_t.
 *
 * What htable.c relies on: a zeroed mutex is a valid, free one; MUTEX_HELD
 * answers for the calling thread only; mutual exclusion holds; cv_wait()
 * drops the mutex while it sleeps and wakes on a broadcast.  What the
 * testbed relies on: misuse (recursive enter, exit by a non-owner or of a
 * free mutex, cv_wait without the mutex, rw_exit by a non-holder) is a
 * reported bug, never a silent success or a hang.
 */
#include "unit.h"
#include <pthread.h>

extern int	km_boot(void);
extern void	km_attach(const char *);
extern void	km_detach(void);
extern int	km_tid(void);
extern int	km_nheld(void);
extern void	km_preempt_disable(void);
extern void	km_preempt_enable(void);
extern void	*km_static_mutex(void);
extern void	*km_mutex_new(void);
extern void	km_mutex_enter(void *);
extern int	km_mutex_tryenter(void *);
extern void	km_mutex_exit(void *);
extern int	km_mutex_held(void *);
extern int	km_mutex_owner(void *);
extern unsigned	km_mutex_word(void *);
extern void	km_mutex_fill(void *, int freed);
extern void	*km_cv_new(void);
extern int	km_cv_wait_for(void *, void *, int *);
extern void	km_cv_wait(void *, void *);
extern void	km_cv_broadcast(void *);
extern void	km_cv_signal(void *);
extern unsigned	km_cv_waiters(void *);
extern void	*km_rw_new(void);
extern void	km_rw_enter(void *, int);
extern void	km_rw_exit(void *);
extern int	km_rw_write_held(void *);
extern int	km_rw_readers(void *);

/*
 * A second kernel thread: runs one step function, with flags the main
 * thread polls.  Every field another thread reads is accessed atomically.
 */
struct peer {
	pthread_t	p_tid;
	void		(*p_fn)(struct peer *);
	void		*p_obj;		/* the mutex, cv or rwlock */
	void		*p_obj2;
	int		*p_pred;
	int		p_ktid;		/* its kernel thread id */
	int		p_started;
	int		p_done;		/* its step happened */
	int		p_go;		/* the main thread lets it go on */
	int		p_result;
	int		p_result2;
};

static void *
peer_main(void *arg)
{
	struct peer *p = arg;

	km_attach("peer");
	__atomic_store_n(&p->p_ktid, km_tid(), __ATOMIC_RELEASE);
	__atomic_store_n(&p->p_started, 1, __ATOMIC_RELEASE);
	p->p_fn(p);
	km_detach();
	return (NULL);
}

static void
peer_start(struct peer *p, void (*fn)(struct peer *), void *obj)
{
	p->p_fn = fn;
	p->p_obj = obj;
	if (pthread_create(&p->p_tid, NULL, peer_main, p) != 0 ||
	    !unit_wait_int(&p->p_started, 1, 5000)) {
		if (unit_in_child)
			_exit(4);
		fail_msg("the peer thread did not start");
	}
}

static void
peer_join(struct peer *p)
{
	(void) pthread_join(p->p_tid, NULL);
}

static void
set_int(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static int
get_int(const int *p)
{
	return (__atomic_load_n(p, __ATOMIC_ACQUIRE));
}

/* ---- mutexes ---- */

static void
check_free(void *m)
{
	assert_false(km_mutex_held(m));
	assert_int_equal(km_mutex_owner(m), -1);
	assert_int_equal(km_mutex_word(m), 0);
}

static void
test_zeroed_mutex_is_free(void **state)
{
	void *ms[2] = { km_static_mutex(), km_mutex_new() };
	int i;

	(void) state;
	for (i = 0; i < 2; i++) {
		check_free(ms[i]);
		km_mutex_enter(ms[i]);
		assert_true(km_mutex_held(ms[i]));
		assert_int_equal(km_mutex_owner(ms[i]), km_tid());
		assert_int_equal(km_mutex_word(ms[i]), 1);
		assert_int_equal(km_nheld(), 1);
		km_mutex_exit(ms[i]);
		check_free(ms[i]);
		assert_int_equal(km_nheld(), 0);
	}
}

static void
peer_probe(struct peer *p)
{
	p->p_result = km_mutex_held(p->p_obj);
	p->p_result2 = km_mutex_owner(p->p_obj);
	set_int(&p->p_done, 1);
}

static void
peer_hold_until_go(struct peer *p)
{
	km_mutex_enter(p->p_obj);
	p->p_result = km_mutex_held(p->p_obj);
	set_int(&p->p_done, 1);
	(void) unit_wait_int(&p->p_go, 1, 10000);
	km_mutex_exit(p->p_obj);
}

/* MUTEX_HELD is true for the holder and for no other thread */
static void
test_held_only_for_owner(void **state)
{
	void *m = km_mutex_new();
	struct peer p = { 0 }, q = { 0 };

	(void) state;
	km_mutex_enter(m);
	peer_start(&p, peer_probe, m);
	peer_join(&p);
	assert_int_equal(get_int(&p.p_done), 1);
	assert_false(p.p_result);
	assert_int_equal(p.p_result2, km_tid());
	assert_true(km_mutex_held(m));
	km_mutex_exit(m);

	peer_start(&q, peer_hold_until_go, m);
	assert_true(unit_wait_int(&q.p_done, 1, 5000));
	assert_true(q.p_result);
	assert_false(km_mutex_held(m));
	assert_int_equal(km_mutex_owner(m), get_int(&q.p_ktid));
	set_int(&q.p_go, 1);
	peer_join(&q);
	check_free(m);
}

static void
peer_enter_exit(struct peer *p)
{
	km_mutex_enter(p->p_obj);
	set_int(&p->p_done, 1);
	p->p_result = km_mutex_held(p->p_obj);
	km_mutex_exit(p->p_obj);
}

/* a second thread's mutex_enter waits until the holder lets go */
static void
test_enter_excludes(void **state)
{
	void *m = km_mutex_new();
	struct peer p = { 0 };
	int i;

	(void) state;
	km_mutex_enter(m);
	peer_start(&p, peer_enter_exit, m);
	/* the waiter marks the lock word contended before it sleeps */
	for (i = 0; i < 5000 && km_mutex_word(m) != 2; i++)
		unit_sleep_ms(1);
	assert_int_equal(km_mutex_word(m), 2);
	unit_sleep_ms(20);
	assert_int_equal(get_int(&p.p_done), 0);
	km_mutex_exit(m);
	peer_join(&p);
	assert_int_equal(get_int(&p.p_done), 1);
	assert_true(p.p_result);
	check_free(m);
}

static void
peer_tryenter(struct peer *p)
{
	p->p_result = km_mutex_tryenter(p->p_obj);
	p->p_result2 = km_mutex_held(p->p_obj);
	if (p->p_result)
		km_mutex_exit(p->p_obj);
	set_int(&p->p_done, 1);
}

static void
test_tryenter(void **state)
{
	void *m = km_mutex_new();
	struct peer p = { 0 }, q = { 0 };

	(void) state;
	assert_int_equal(km_mutex_tryenter(m), 1);
	assert_true(km_mutex_held(m));
	assert_int_equal(km_mutex_owner(m), km_tid());
	assert_int_equal(km_nheld(), 1);

	/* held: another thread's tryenter fails at once, and holds nothing */
	peer_start(&p, peer_tryenter, m);
	peer_join(&p);
	assert_int_equal(p.p_result, 0);
	assert_false(p.p_result2);
	assert_true(km_mutex_held(m));
	km_mutex_exit(m);

	/* free: it succeeds */
	peer_start(&q, peer_tryenter, m);
	peer_join(&q);
	assert_int_equal(q.p_result, 1);
	assert_true(q.p_result2);
	check_free(m);
}

static void
do_recursive_enter(void *arg)
{
	void *m = km_mutex_new();

	(void) arg;
	km_mutex_enter(m);
	km_mutex_enter(m);
}

static void
do_enter_exit_twice(void *arg)
{
	void *m = km_mutex_new();

	(void) arg;
	km_mutex_enter(m);
	km_mutex_exit(m);
	km_mutex_enter(m);
	km_mutex_exit(m);
}

static void
test_recursive_enter_reported(void **state)
{
	(void) state;
	expect_bug(do_recursive_enter, NULL, "mutex-misuse",
	    "recursive mutex_enter");
	expect_clean(do_enter_exit_twice, NULL);
}

/* the child: a peer holds m; the main thread exits it (or the peer does) */
static void
do_exit_of_peers_mutex(void *arg)
{
	static struct peer p;
	void *m = km_mutex_new();
	int misuse = arg != NULL;

	peer_start(&p, peer_hold_until_go, m);
	if (!unit_wait_int(&p.p_done, 1, 5000))
		_exit(3);
	if (misuse)
		km_mutex_exit(m);
	set_int(&p.p_go, 1);
	peer_join(&p);
	km_mutex_enter(m);
	km_mutex_exit(m);
}

static void
test_exit_by_non_owner_reported(void **state)
{
	(void) state;
	expect_bug(do_exit_of_peers_mutex, (void *)1, "mutex-misuse",
	    "but T");
	expect_clean(do_exit_of_peers_mutex, NULL);
}

static void
do_exit_free(void *arg)
{
	(void) arg;
	km_mutex_exit(km_mutex_new());
}

static void
test_exit_of_free_mutex_reported(void **state)
{
	(void) state;
	expect_bug(do_exit_free, NULL, "mutex-misuse", "the mutex is not held");
	expect_clean(do_enter_exit_twice, NULL);
}

/* the child: enters (arg & 1: exits) a mutex kmem freed (arg & 2: junk) */
static void
do_use_of_garbage_mutex(void *arg)
{
	void *m = km_mutex_new();
	uintptr_t how = (uintptr_t)arg;

	km_mutex_fill(m, (how & 2) == 0);
	if (how & 1)
		km_mutex_exit(m);
	km_mutex_enter(m);
}

static void
test_use_of_freed_mutex_reported(void **state)
{
	(void) state;
	expect_bug(do_use_of_garbage_mutex, (void *)0, "mutex-misuse",
	    "mutex_enter(0x");
	expect_bug(do_use_of_garbage_mutex, (void *)0, "mutex-misuse",
	    "of freed memory (kmem poison): lock word 0xdeadbeef");
	expect_bug(do_use_of_garbage_mutex, (void *)1, "mutex-misuse",
	    "mutex_exit(0x");
	expect_bug(do_use_of_garbage_mutex, (void *)2, "mutex-misuse",
	    "of memory never initialised (kmem junk)");
}

/* ---- condition variables ---- */

static void
peer_cv_wait(struct peer *p)
{
	p->p_result = km_cv_wait_for(p->p_obj, p->p_obj2, p->p_pred);
	set_int(&p->p_done, 1);
}

/*
 * nw waiters sleep in cv_wait() for *pred; the main thread sets it under
 * the mutex and broadcasts (or signals, once per waiter).  Returns 0, or
 * a code saying what went wrong (for a child, which cannot assert).
 */
static int
cv_scenario(int nw, int broadcast, int *wakeups)
{
	void *m = km_mutex_new(), *cv = km_cv_new();
	struct peer p[4];
	int pred = 0, i, rc = 0;

	memset(p, 0, sizeof (p));
	for (i = 0; i < nw; i++) {
		p[i].p_obj2 = m;
		p[i].p_pred = &pred;
		peer_start(&p[i], peer_cv_wait, cv);
	}
	for (i = 0; i < 5000 && km_cv_waiters(cv) != (unsigned)nw; i++)
		unit_sleep_ms(1);
	if (km_cv_waiters(cv) != (unsigned)nw)
		rc = 1;
	/*
	 * The sleepers drop the mutex: a waiter is counted just before
	 * cv_wait() releases it, so poll until it is free.
	 */
	for (i = 0; rc == 0 && i < 5000 && !km_mutex_tryenter(m); i++)
		unit_sleep_ms(1);
	if (rc == 0 && i == 5000)
		rc = 2;
	if (rc == 0) {
		pred = 1;
		if (broadcast)
			km_cv_broadcast(cv);
		km_mutex_exit(m);
		for (i = 0; !broadcast && i < nw; i++)
			km_cv_signal(cv);
	} else {
		km_mutex_enter(m);
		pred = 1;
		km_cv_broadcast(cv);
		km_mutex_exit(m);
	}
	for (i = 0; i < nw; i++) {
		peer_join(&p[i]);
		wakeups[i] = p[i].p_result;
		if (rc == 0 && (p[i].p_result < 1 || !get_int(&p[i].p_done)))
			rc = 3;
	}
	if (rc == 0 && km_cv_waiters(cv) != 0)
		rc = 4;
	return (rc);
}

static void
test_cv_broadcast_wakes_waiters(void **state)
{
	int wake[4] = { 0 };

	(void) state;
	assert_int_equal(cv_scenario(2, 1, wake), 0);
	/* each returned from cv_wait() holding the mutex, at least once */
	assert_in_range(wake[0], 1, 1000);
	assert_in_range(wake[1], 1, 1000);
}

static void
test_cv_signal_wakes_waiter(void **state)
{
	int wake[4] = { 0 };

	(void) state;
	assert_int_equal(cv_scenario(1, 0, wake), 0);
	assert_in_range(wake[0], 1, 1000);
}

static void
do_cv_wait_unheld(void *arg)
{
	(void) arg;
	km_cv_wait(km_cv_new(), km_mutex_new());
}

static void
do_cv_wait_preempt_off(void *arg)
{
	void *m = km_mutex_new();

	(void) arg;
	km_mutex_enter(m);
	km_preempt_disable();
	km_cv_wait(km_cv_new(), m);
}

static void
do_cv_correct(void *arg)
{
	int wake[4];

	(void) arg;
	if (cv_scenario(1, 1, wake) != 0)
		_exit(3);
}

static void
test_cv_wait_misuse_reported(void **state)
{
	(void) state;
	expect_bug(do_cv_wait_unheld, NULL, "mutex-misuse",
	    "cv_wait() without holding its mutex");
	expect_bug(do_cv_wait_preempt_off, NULL, "preemption",
	    "cv_wait() with preemption disabled");
	expect_clean(do_cv_correct, NULL);
}

/* ---- rwlocks ---- */

static void
peer_rw_enter_exit(struct peer *p)
{
	km_rw_enter(p->p_obj, p->p_result2);
	set_int(&p->p_done, 1);
	p->p_result = p->p_result2 ? km_rw_write_held(p->p_obj) :
	    km_rw_readers(p->p_obj);
	(void) unit_wait_int(&p->p_go, 1, 10000);
	km_rw_exit(p->p_obj);
}

static void
test_rw_readers_share(void **state)
{
	void *rw = km_rw_new();
	struct peer p = { 0 };

	(void) state;
	km_rw_enter(rw, 0);
	p.p_result2 = 0;		/* as a reader */
	p.p_go = 1;
	peer_start(&p, peer_rw_enter_exit, rw);
	assert_true(unit_wait_int(&p.p_done, 1, 5000));
	peer_join(&p);
	assert_int_equal(p.p_result, 2);	/* both readers in at once */
	assert_false(km_rw_write_held(rw));
	assert_int_equal(km_rw_readers(rw), 1);
	km_rw_exit(rw);
	assert_int_equal(km_rw_readers(rw), 0);
}

/* a writer waits for readers and excludes them; a reader waits for it */
static void
test_rw_writer_excludes(void **state)
{
	void *rw = km_rw_new();
	struct peer w = { 0 }, r = { 0 };

	(void) state;
	km_rw_enter(rw, 0);
	w.p_result2 = 1;		/* as a writer */
	peer_start(&w, peer_rw_enter_exit, rw);
	unit_sleep_ms(20);
	assert_int_equal(get_int(&w.p_done), 0);
	km_rw_exit(rw);
	assert_true(unit_wait_int(&w.p_done, 1, 5000));
	assert_false(km_rw_write_held(rw));	/* held, but not by us */

	r.p_result2 = 0;
	r.p_go = 1;
	peer_start(&r, peer_rw_enter_exit, rw);
	unit_sleep_ms(20);
	assert_int_equal(get_int(&r.p_done), 0);
	set_int(&w.p_go, 1);
	peer_join(&w);
	assert_true(w.p_result);		/* RW_WRITE_HELD for the writer */
	peer_join(&r);
	assert_int_equal(get_int(&r.p_done), 1);
	assert_int_equal(r.p_result, 1);

	km_rw_enter(rw, 1);
	assert_true(km_rw_write_held(rw));
	assert_int_equal(km_rw_readers(rw), -1);
	km_rw_exit(rw);
	assert_int_equal(km_rw_readers(rw), 0);
}

static void
do_rw_exit_free(void *arg)
{
	(void) arg;
	km_rw_exit(km_rw_new());
}

/* a peer write-holds the rwlock; the main thread exits it (misuse) */
static void
do_rw_exit_peers(void *arg)
{
	static struct peer p;
	void *rw = km_rw_new();

	p.p_result2 = 1;
	peer_start(&p, peer_rw_enter_exit, rw);
	if (!unit_wait_int(&p.p_done, 1, 5000))
		_exit(3);
	if (arg != NULL)
		km_rw_exit(rw);
	set_int(&p.p_go, 1);
	peer_join(&p);
	km_rw_enter(rw, 0);
	km_rw_exit(rw);
	km_rw_enter(rw, 1);
	km_rw_exit(rw);
}

static void
do_rw_reenter(void *arg)
{
	void *rw = km_rw_new();

	(void) arg;
	km_rw_enter(rw, 1);
	km_rw_enter(rw, 0);
}

static void
test_rw_exit_by_non_holder_reported(void **state)
{
	(void) state;
	expect_bug(do_rw_exit_free, NULL, "mutex-misuse",
	    "rw_exit() of a free rwlock");
	expect_bug(do_rw_exit_peers, (void *)1, "mutex-misuse",
	    "does not write-hold");
	expect_bug(do_rw_reenter, NULL, "mutex-misuse",
	    "the caller write-holds");
	expect_clean(do_rw_exit_peers, NULL);
}

static int
setup(void **state)
{
	(void) state;
	return (km_boot());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zeroed_mutex_is_free),
		cmocka_unit_test(test_held_only_for_owner),
		cmocka_unit_test(test_enter_excludes),
		cmocka_unit_test(test_tryenter),
		cmocka_unit_test(test_recursive_enter_reported),
		cmocka_unit_test(test_exit_by_non_owner_reported),
		cmocka_unit_test(test_exit_of_free_mutex_reported),
		cmocka_unit_test(test_use_of_freed_mutex_reported),
		cmocka_unit_test(test_cv_broadcast_wakes_waiters),
		cmocka_unit_test(test_cv_signal_wakes_waiter),
		cmocka_unit_test(test_cv_wait_misuse_reported),
		cmocka_unit_test(test_rw_readers_share),
		cmocka_unit_test(test_rw_writer_excludes),
		cmocka_unit_test(test_rw_exit_by_non_holder_reported),
	};

	return (cmocka_run_group_tests_name("mutex", tests, setup, NULL));
}
