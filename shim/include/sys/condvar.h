/*
 * Condition variables (illumos <sys/condvar.h>), emulated in
 * shim/kern/condvar.c.  An all-zero kcondvar_t is valid (hat_list_cv).
 * cv_wait() may wake spuriously, as the kernel's may; callers loop.
 */
#ifndef _SYS_CONDVAR_H
#define	_SYS_CONDVAR_H

#include <sys/types.h>
#include <sys/mutex.h>

typedef enum { CV_DEFAULT = 0, CV_DRIVER = 1 } kcv_type_t;

typedef struct kcondvar {
	uint32_t	cv_seq;		/* bumped by every signal/broadcast */
	uint32_t	cv_waiters;	/* threads inside cv_wait() */
} kcondvar_t;

extern void	cv_init(kcondvar_t *, const char *, kcv_type_t, void *);
extern void	cv_destroy(kcondvar_t *);
extern void	cv_wait(kcondvar_t *, kmutex_t *);
extern void	cv_signal(kcondvar_t *);
extern void	cv_broadcast(kcondvar_t *);

#endif	/* _SYS_CONDVAR_H */
