/*
 * Which sanitizer this build runs under, and the annotations the shim uses
 * to tell it about synchronisation it cannot see (futex-based mutexes, the
 * controlled-mode scheduler).  Outside TSan/ASan builds they vanish.
 */
#ifndef _HTBED_SANITIZER_H
#define	_HTBED_SANITIZER_H

#if defined(__SANITIZE_THREAD__)
#define	HTBED_TSAN	1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define	HTBED_TSAN	1
#endif
#endif

#if defined(__SANITIZE_ADDRESS__)
#define	HTBED_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define	HTBED_ASAN	1
#endif
#endif

#ifdef HTBED_TSAN
#include <sanitizer/tsan_interface.h>
#define	TSAN_ACQUIRE(a)			__tsan_acquire((void *)(a))
#define	TSAN_RELEASE(a)			__tsan_release((void *)(a))
#define	TSAN_MUTEX_PRE_LOCK(m, f)	__tsan_mutex_pre_lock((void *)(m), (f))
#define	TSAN_MUTEX_POST_LOCK(m, f)	__tsan_mutex_post_lock((void *)(m), (f), 0)
#define	TSAN_MUTEX_PRE_UNLOCK(m, f)	__tsan_mutex_pre_unlock((void *)(m), (f))
#define	TSAN_MUTEX_POST_UNLOCK(m, f)	__tsan_mutex_post_unlock((void *)(m), (f))
#define	TSAN_IGNORE_READS_BEGIN()	\
	AnnotateIgnoreReadsBegin(__FILE__, __LINE__)
#define	TSAN_IGNORE_READS_END()		\
	AnnotateIgnoreReadsEnd(__FILE__, __LINE__)
void AnnotateIgnoreReadsBegin(const char *, int);
void AnnotateIgnoreReadsEnd(const char *, int);
#else
#define	TSAN_ACQUIRE(a)			((void)0)
#define	TSAN_RELEASE(a)			((void)0)
#define	TSAN_MUTEX_PRE_LOCK(m, f)	((void)0)
#define	TSAN_MUTEX_POST_LOCK(m, f)	((void)0)
#define	TSAN_MUTEX_PRE_UNLOCK(m, f)	((void)0)
#define	TSAN_MUTEX_POST_UNLOCK(m, f)	((void)0)
#define	TSAN_IGNORE_READS_BEGIN()	((void)0)
#define	TSAN_IGNORE_READS_END()		((void)0)
#endif

#ifdef HTBED_ASAN
#include <sanitizer/asan_interface.h>
#define	ASAN_POISON(p, n)	__asan_poison_memory_region((p), (n))
#define	ASAN_UNPOISON(p, n)	__asan_unpoison_memory_region((p), (n))
#define	NO_SANITIZE_ADDRESS	__attribute__((no_sanitize_address))
#else
#define	ASAN_POISON(p, n)	((void)(p), (void)(n))
#define	ASAN_UNPOISON(p, n)	((void)(p), (void)(n))
#define	NO_SANITIZE_ADDRESS
#endif

/*
 * A scan of the testbed's own, always mapped memory (the invariant
 * checker's inner loops): no AddressSanitizer or UBSan check per element.
 * ThreadSanitizer still sees it.
 */
#define	NO_SANITIZE_SCAN	\
	__attribute__((no_sanitize("address", "undefined")))

#endif	/* _HTBED_SANITIZER_H */
