/*
 * krwlock_t on kmutex_t and kcondvar_t, so that it blocks the way they do
 * in either scheduling mode.  Writers have priority over new readers.
 * rw_readers: > 0 readers, -1 a writer, 0 free.
 */
#include <sys/types.h>
#include <sys/rwlock.h>
#include <sys/thread.h>
#include <htbed/shim.h>

void
rw_init(krwlock_t *rw, const char *name, krw_type_t type, void *arg)
{
	(void) name;
	(void) type;
	(void) arg;
	mutex_init(&rw->rw_mutex, NULL, MUTEX_DEFAULT, NULL);
	cv_init(&rw->rw_cv, NULL, CV_DEFAULT, NULL);
	rw->rw_readers = 0;
	rw->rw_wwait = 0;
	rw->rw_writer = NULL;
}

void
rw_destroy(krwlock_t *rw)
{
	if (rw->rw_readers != 0)
		BUG("mutex-misuse", "rw_destroy() of a held rwlock");
	mutex_destroy(&rw->rw_mutex);
	cv_destroy(&rw->rw_cv);
}

void
rw_enter(krwlock_t *rw, krw_t how)
{
	mutex_enter(&rw->rw_mutex);
	if (rw->rw_writer == curthread)
		BUG("mutex-misuse", "rw_enter() of an rwlock the caller "
		    "write-holds");
	if (how == RW_WRITER) {
		rw->rw_wwait++;
		while (rw->rw_readers != 0)
			cv_wait(&rw->rw_cv, &rw->rw_mutex);
		rw->rw_wwait--;
		rw->rw_readers = -1;
		rw->rw_writer = curthread;
	} else {
		while (rw->rw_readers < 0 || rw->rw_wwait > 0)
			cv_wait(&rw->rw_cv, &rw->rw_mutex);
		rw->rw_readers++;
	}
	mutex_exit(&rw->rw_mutex);
}

void
rw_exit(krwlock_t *rw)
{
	mutex_enter(&rw->rw_mutex);
	if (rw->rw_readers < 0) {
		if (rw->rw_writer != curthread)
			BUG("mutex-misuse", "rw_exit() by a thread that does "
			    "not write-hold the rwlock");
		rw->rw_readers = 0;
		rw->rw_writer = NULL;
	} else if (rw->rw_readers > 0) {
		rw->rw_readers--;
	} else {
		BUG("mutex-misuse", "rw_exit() of a free rwlock");
	}
	if (rw->rw_readers == 0)
		cv_broadcast(&rw->rw_cv);
	mutex_exit(&rw->rw_mutex);
}

int
rw_write_held(krwlock_t *rw)
{
	return (__atomic_load_n(&rw->rw_writer, __ATOMIC_RELAXED) ==
	    curthread);
}
