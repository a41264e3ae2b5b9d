/*
 * Reader/writer locks (illumos <sys/rwlock.h>), built on kmutex_t and
 * kcondvar_t in shim/kern/rwlock.c.  The harness uses one per address space,
 * as the kernel's a_lock, to keep hat-wide operations (exit, swapout,
 * share) apart from ordinary loads and unloads.  Zeroed is valid.
 */
#ifndef _SYS_RWLOCK_H
#define	_SYS_RWLOCK_H

#include <sys/types.h>
#include <sys/mutex.h>
#include <sys/condvar.h>

typedef enum { RW_WRITER = 0, RW_READER = 1 } krw_t;
typedef enum { RW_DEFAULT = 0, RW_DRIVER = 2 } krw_type_t;

typedef struct krwlock {
	kmutex_t		rw_mutex;
	kcondvar_t		rw_cv;
	int			rw_readers;	/* -1 while write-held */
	int			rw_wwait;	/* writers waiting */
	struct _kthread		*rw_writer;
} krwlock_t;

extern void	rw_init(krwlock_t *, const char *, krw_type_t, void *);
extern void	rw_destroy(krwlock_t *);
extern void	rw_enter(krwlock_t *, krw_t);
extern void	rw_exit(krwlock_t *);
extern int	rw_write_held(krwlock_t *);

#define	RW_WRITE_HELD(rw)	(rw_write_held(rw))

#endif	/* _SYS_RWLOCK_H */
