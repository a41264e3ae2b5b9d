/*
 * Kernel mutexes (illumos <sys/mutex.h>), emulated in shim/kern/mutex.c.
 *
 * Invariants the emulation keeps, because htable.c relies on them:
 *  - an all-zero kmutex_t is a valid, unlocked mutex (htable_mutex[],
 *    htable_reserve_mutex and hat_list_lock are never mutex_init()ed);
 *  - m_owner is the thread that holds the mutex, so MUTEX_HELD() answers for
 *    the caller, as the kernel's does;
 *  - entering a mutex one already holds, and exiting one held by another
 *    thread, are bugs and are reported as such.
 * Every enter and exit is a scheduler-seam point.
 */
#ifndef _SYS_MUTEX_H
#define	_SYS_MUTEX_H

#include <sys/types.h>

typedef enum {
	MUTEX_ADAPTIVE = 0,
	MUTEX_SPIN = 1,
	MUTEX_DRIVER = 4,
	MUTEX_DEFAULT = 6
} kmutex_type_t;

typedef struct kmutex {
	uint32_t		m_lock;		/* 0 free, 1 held, 2 contended */
	uint8_t			m_class;	/* lock class, 0 = by address */
	struct _kthread		*m_owner;	/* holder, NULL when free */
	struct _kthread		*m_last;	/* the last holder, and where */
	uint64_t		m_last_site;	/* it released the mutex */
} kmutex_t;

extern void	mutex_init(kmutex_t *, const char *, kmutex_type_t, void *);
extern void	mutex_destroy(kmutex_t *);
extern void	mutex_enter(kmutex_t *);
extern int	mutex_tryenter(kmutex_t *);
extern void	mutex_exit(kmutex_t *);
extern int	mutex_owned(const kmutex_t *);
extern struct _kthread *mutex_owner(const kmutex_t *);

#define	MUTEX_HELD(m)		(mutex_owned(m))
#define	MUTEX_NOT_HELD(m)	(!mutex_owned(m))

#endif	/* _SYS_MUTEX_H */
