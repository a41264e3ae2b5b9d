/*
 * kcondvar_t on a futex sequence word (free-running mode).
 *
 * A waiter samples cv_seq while it still holds the mutex; a signaller bumps
 * cv_seq before waking.  A signal between the waiter's mutex_exit() and its
 * futex wait therefore changes the word and the wait returns at once: no
 * wakeup is lost.  Wakeups may be spurious, as the kernel's may.
 */
#include <sys/types.h>
#include <sys/condvar.h>
#include <sys/thread.h>
#include <htbed/sanitizer.h>
#include <htbed/seam.h>
#include <htbed/shim.h>

void
cv_init(kcondvar_t *cv, const char *name, kcv_type_t type, void *arg)
{
	(void) name;
	(void) type;
	(void) arg;
	cv->cv_seq = 0;
	cv->cv_waiters = 0;
}

void
cv_destroy(kcondvar_t *cv)
{
	if (__atomic_load_n(&cv->cv_waiters, __ATOMIC_RELAXED) != 0)
		BUG("mutex-misuse", "cv_destroy() with waiters");
}

void
cv_wait(kcondvar_t *cv, kmutex_t *m)
{
	kthread_t *t = curthread;
	uint32_t seq;

	if (!mutex_owned(m))
		BUG("mutex-misuse", "cv_wait() without holding its mutex");
	if (t->t_preempt != 0)
		BUG("preemption", "cv_wait() with preemption disabled "
		    "(t_preempt %d)", t->t_preempt);
	lockdep_forbid(LCM(LC_HCI) | LCM(LC_BUCKET), "cv_wait");
	seam(EV_CV_WAIT, cv, (uint64_t)(uintptr_t)m, 0);
	seq = __atomic_load_n(&cv->cv_seq, __ATOMIC_ACQUIRE);
	(void) __atomic_add_fetch(&cv->cv_waiters, 1, __ATOMIC_SEQ_CST);
	mutex_exit(m);
	shim_futex_wait(&cv->cv_seq, seq);
	(void) __atomic_sub_fetch(&cv->cv_waiters, 1, __ATOMIC_SEQ_CST);
	TSAN_ACQUIRE(cv);
	seam_note(EV_CV_WAKE, (uint64_t)(uintptr_t)cv, 0, 0);
	mutex_enter(m);
}

static void
cv_wake(kcondvar_t *cv, int all)
{
	seam(EV_CV_SIGNAL, cv, (uint64_t)all, 0);
	TSAN_RELEASE(cv);
	(void) __atomic_add_fetch(&cv->cv_seq, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&cv->cv_waiters, __ATOMIC_SEQ_CST) != 0)
		shim_futex_wake(&cv->cv_seq, all ? 0x7fffffff : 1);
}

void
cv_signal(kcondvar_t *cv)
{
	cv_wake(cv, 0);
}

void
cv_broadcast(kcondvar_t *cv)
{
	cv_wake(cv, 1);
}
