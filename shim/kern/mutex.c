/*
 * kmutex_t on a futex word (free-running mode).
 *
 * m_lock: 0 free, 1 held, 2 held and someone may sleep on it.  m_owner is
 * written only by the holder (set after acquiring, cleared before
 * releasing), so mutex_owned() is exact for the calling thread.  m_last
 * and m_last_site (written by the holder, under the mutex) say who let
 * the mutex go, and where: a handoff from one code site to another is
 * interleaving feedback for the fuzz targets (sched_feature()).  The lock
 * order and misuse checks run before the acquisition, so a violation is
 * reported even when the interleaving that would deadlock does not happen.
 */
#include <sys/types.h>
#include <sys/mutex.h>
#include <sys/thread.h>
#include <htbed/sanitizer.h>
#include <htbed/sched.h>
#include <htbed/seam.h>
#include <htbed/shim.h>

void
mutex_init(kmutex_t *m, const char *name, kmutex_type_t type, void *arg)
{
	(void) name;
	(void) type;
	(void) arg;
	m->m_lock = 0;
	m->m_class = LC_NONE;
	m->m_owner = NULL;
#ifdef HTBED_TSAN
	__tsan_mutex_create(m, 0);
#endif
}

void
mutex_destroy(kmutex_t *m)
{
	if (m->m_lock != 0)
		BUG("mutex-misuse", "mutex_destroy() of a held mutex");
#ifdef HTBED_TSAN
	__tsan_mutex_destroy(m, 0);
#endif
}

static void
mutex_wait(kthread_t *t, kmutex_t *m, uint32_t c)
{
	kthread_t *holder;

	lockdep_check_word(t, m, "mutex_enter");
	holder = __atomic_load_n(&m->m_owner, __ATOMIC_RELAXED);
	seam_note(EV_MUTEX_WAIT, (uint64_t)(uintptr_t)m,
	    holder != NULL ? (uint64_t)holder->t_tid : ~0ull, 0);
	if (c != 2)
		c = __atomic_exchange_n(&m->m_lock, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		shim_futex_wait(&m->m_lock, 2);
		c = __atomic_exchange_n(&m->m_lock, 2, __ATOMIC_ACQUIRE);
	}
}

void
mutex_enter(kmutex_t *m)
{
	kthread_t *t = curthread;
	uint32_t c = 0;
	int cls = lockdep_enter(t, m);

	seam(EV_MUTEX_ENTER, m, 0, 0);
	TSAN_MUTEX_PRE_LOCK(m, 0);
	if (!__atomic_compare_exchange_n(&m->m_lock, &c, 1, 0,
	    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		mutex_wait(t, m, c);
	TSAN_MUTEX_POST_LOCK(m, 0);
	__atomic_store_n(&m->m_owner, t, __ATOMIC_RELAXED);
	lockdep_push(t, m, cls);
	if (m->m_last != t && m->m_last != NULL && seam_controlled)
		sched_feature(EV_MUTEX_ENTER, m->m_last_site,
		    (uint64_t)(uintptr_t)__builtin_return_address(0));
}

int
mutex_tryenter(kmutex_t *m)
{
	kthread_t *t = curthread;
	uint32_t c = 0;
	int cls = lockdep_enter(t, m);

	seam(EV_MUTEX_ENTER, m, 1, 0);
#ifdef HTBED_TSAN
	__tsan_mutex_pre_lock(m, __tsan_mutex_try_lock);
#endif
	if (!__atomic_compare_exchange_n(&m->m_lock, &c, 1, 0,
	    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		lockdep_check_word(t, m, "mutex_tryenter");
#ifdef HTBED_TSAN
		__tsan_mutex_post_lock(m, __tsan_mutex_try_lock |
		    __tsan_mutex_try_lock_failed, 0);
#endif
		return (0);
	}
#ifdef HTBED_TSAN
	__tsan_mutex_post_lock(m, __tsan_mutex_try_lock, 0);
#endif
	__atomic_store_n(&m->m_owner, t, __ATOMIC_RELAXED);
	lockdep_push(t, m, cls);
	return (1);
}

void
mutex_exit(kmutex_t *m)
{
	kthread_t *t = curthread;
	kthread_t *owner = __atomic_load_n(&m->m_owner, __ATOMIC_RELAXED);
	char name[64];

	if (owner != t) {
		lockdep_check_word(t, m, "mutex_exit");
		lock_name(m, name, sizeof (name));
		if (owner == NULL)
			BUG("mutex-misuse", "mutex_exit(%s) by T%d: the mutex "
			    "is not held", name, t->t_tid);
		BUG("mutex-misuse", "mutex_exit(%s) by T%d, but T%d holds it",
		    name, t->t_tid, owner->t_tid);
	}
	lockdep_exit(t, m);
	m->m_last = t;
	m->m_last_site = (uint64_t)(uintptr_t)__builtin_return_address(0);
	__atomic_store_n(&m->m_owner, NULL, __ATOMIC_RELAXED);
	TSAN_MUTEX_PRE_UNLOCK(m, 0);
	if (__atomic_exchange_n(&m->m_lock, 0, __ATOMIC_RELEASE) == 2)
		shim_futex_wake(&m->m_lock, 1);
	TSAN_MUTEX_POST_UNLOCK(m, 0);
	seam(EV_MUTEX_EXIT, m, 0, 0);
}

int
mutex_owned(const kmutex_t *m)
{
	return (__atomic_load_n(&m->m_owner, __ATOMIC_RELAXED) == curthread);
}

kthread_t *
mutex_owner(const kmutex_t *m)
{
	return (__atomic_load_n(&m->m_owner, __ATOMIC_RELAXED));
}
