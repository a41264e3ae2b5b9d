/*
 * Kernel half of test_mutex: the shim's mutexes, condition variables and
 * rwlocks, through thin wrappers the host half drives from its threads.
 * Objects are handed out zeroed, never *_init()ed, as htable.c's
 * htable_mutex[] and hat_list_lock are.
 */
#include <sys/types.h>
#include <sys/mutex.h>
#include <sys/condvar.h>
#include <sys/rwlock.h>
#include <sys/thread.h>
#include <sys/disp.h>
#include <htbed/shim.h>

int
km_boot(void)
{
	struct shim_config c = { 0 };

	c.sc_ncpus = 2;
	c.sc_ptframes = 8;
	c.sc_dataframes = 8;
	c.sc_seed = 1;
	if (shim_init(&c) != 0)
		return (-1);
	(void) shim_thread_attach("main", 0);
	return (0);
}

void
km_attach(const char *name)
{
	(void) shim_thread_attach(name, 0);
}

void
km_detach(void)
{
	shim_thread_detach();
}

int
km_tid(void)
{
	return (curthread->t_tid);
}

int
km_nheld(void)
{
	return (curthread->t_nheld);
}

void
km_preempt_disable(void)
{
	kpreempt_disable();
}

void
km_preempt_enable(void)
{
	kpreempt_enable();
}

/* ---- mutexes ---- */

static kmutex_t static_mutex;	/* in .bss: all zero, like htable_mutex[] */

void *
km_static_mutex(void)
{
	return (&static_mutex);
}

void *
km_mutex_new(void)
{
	return (host_zalloc(sizeof (kmutex_t)));
}

void
km_mutex_enter(void *m)
{
	mutex_enter(m);
}

int
km_mutex_tryenter(void *m)
{
	return (mutex_tryenter(m));
}

void
km_mutex_exit(void *m)
{
	mutex_exit(m);
}

int
km_mutex_held(void *m)
{
	return (MUTEX_HELD((kmutex_t *)m));
}

/* the owner's thread id, -1 if free */
int
km_mutex_owner(void *m)
{
	kthread_t *t = mutex_owner(m);

	return (t != NULL ? t->t_tid : -1);
}

unsigned
km_mutex_word(void *m)
{
	return (__atomic_load_n(&((kmutex_t *)m)->m_lock, __ATOMIC_ACQUIRE));
}

/* a mutex as kmem leaves it: freed (poison) or never set up (junk) */
void
km_mutex_fill(void *m, int freed)
{
	uint64_t *w = m;
	size_t i;

	for (i = 0; i < sizeof (kmutex_t) / sizeof (*w); i++)
		w[i] = freed ? KMEM_POISON : KMEM_JUNK;
}

/* ---- condition variables ---- */

void *
km_cv_new(void)
{
	return (host_zalloc(sizeof (kcondvar_t)));
}

/*
 * Wait under m until *pred is non-zero (it is changed under m); returns
 * the number of times cv_wait() returned.
 */
int
km_cv_wait_for(void *cv, void *m, int *pred)
{
	int wakeups = 0;

	mutex_enter(m);
	while (__atomic_load_n(pred, __ATOMIC_RELAXED) == 0) {
		cv_wait(cv, m);
		wakeups++;
	}
	if (!MUTEX_HELD((kmutex_t *)m))
		wakeups = -1000;	/* cv_wait() must return holding m */
	mutex_exit(m);
	return (wakeups);
}

void
km_cv_wait(void *cv, void *m)
{
	cv_wait(cv, m);
}

void
km_cv_broadcast(void *cv)
{
	cv_broadcast(cv);
}

void
km_cv_signal(void *cv)
{
	cv_signal(cv);
}

unsigned
km_cv_waiters(void *cv)
{
	return (__atomic_load_n(&((kcondvar_t *)cv)->cv_waiters,
	    __ATOMIC_ACQUIRE));
}

/* ---- rwlocks ---- */

void *
km_rw_new(void)
{
	return (host_zalloc(sizeof (krwlock_t)));
}

void
km_rw_enter(void *rw, int writer)
{
	rw_enter(rw, writer ? RW_WRITER : RW_READER);
}

void
km_rw_exit(void *rw)
{
	rw_exit(rw);
}

int
km_rw_write_held(void *rw)
{
	return (RW_WRITE_HELD((krwlock_t *)rw));
}

/* the reader count (-1: write-held), read under the rwlock's mutex */
int
km_rw_readers(void *rw)
{
	krwlock_t *l = rw;
	int n;

	mutex_enter(&l->rw_mutex);
	n = l->rw_readers;
	mutex_exit(&l->rw_mutex);
	return (n);
}
