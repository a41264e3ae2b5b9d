/*
 * The kernel's lock types, gathered as illumos <sys/t_lock.h> gathers them.
 */
#ifndef _SYS_T_LOCK_H
#define	_SYS_T_LOCK_H

#include <sys/mutex.h>
#include <sys/rwlock.h>
#include <sys/condvar.h>

#endif	/* _SYS_T_LOCK_H */
