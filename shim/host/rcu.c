/*
 * liburcu (urcu-memb) for the emulated MMU's grace periods in free-running
 * mode; see htbed/host.h.  Host domain.
 *
 * Registration: liburcu wants every thread that reads (rcu_read_lock) or
 * queues callbacks (call_rcu) registered.  A thread registers the first
 * time it does either; a thread-specific key's destructor unregisters it
 * when it exits, as liburcu requires.
 *
 * ThreadSanitizer: liburcu is not instrumented, so TSan cannot see that a
 * grace period orders a reader's accesses before what follows it.  Every
 * read-side critical section ends with a release on `readers_done', and
 * every grace period (synchronize_rcu's return, a callback's start) begins
 * with an acquire on it.  That is more ordering than RCU promises (a
 * section that began after the grace period is ordered too), so TSan may
 * miss a race it could otherwise report there; it never reports one that
 * RCU rules out.  Callbacks also acquire what their caller released when
 * it queued them.
 */
#define	_GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <urcu/urcu-memb.h>

#include "htbed/host.h"
#include "htbed/sanitizer.h"

static char readers_done __attribute__((unused));
static pthread_key_t reg_key;
static pthread_once_t reg_once = PTHREAD_ONCE_INIT;
static __thread int registered;

struct deferred {
	struct rcu_head	d_head;
	void		(*d_fn)(uint64_t);
	uint64_t	d_arg;
};

static void
unregister_at_exit(void *arg)
{
	(void) arg;
	urcu_memb_unregister_thread();
}

static void
key_create(void)
{
	if (pthread_key_create(&reg_key, unregister_at_exit) != 0) {
		(void) fprintf(stderr, "htbed: pthread_key_create failed\n");
		exit(2);
	}
}

static void
register_self(void)
{
	if (registered)
		return;
	(void) pthread_once(&reg_once, key_create);
	urcu_memb_register_thread();
	(void) pthread_setspecific(reg_key, &registered);
	registered = 1;
}

void
host_rcu_read_lock(void)
{
	register_self();
	urcu_memb_read_lock();
}

void
host_rcu_read_unlock(void)
{
	TSAN_RELEASE(&readers_done);
	urcu_memb_read_unlock();
}

void
host_rcu_synchronize(void)
{
	urcu_memb_synchronize_rcu();
	TSAN_ACQUIRE(&readers_done);
}

static void
deferred_run(struct rcu_head *h)
{
	struct deferred *d = caa_container_of(h, struct deferred, d_head);

	TSAN_ACQUIRE(&readers_done);
	TSAN_ACQUIRE(d);
	d->d_fn(d->d_arg);
	free(d);
}

void
host_rcu_call(void (*fn)(uint64_t), uint64_t arg)
{
	struct deferred *d = malloc(sizeof (*d));

	if (d == NULL) {
		(void) fprintf(stderr, "htbed: out of memory\n");
		abort();
	}
	d->d_fn = fn;
	d->d_arg = arg;
	register_self();
	TSAN_RELEASE(d);
	urcu_memb_call_rcu(&d->d_head, deferred_run);
}

void
host_rcu_barrier(void)
{
	register_self();
	urcu_memb_barrier();
}
