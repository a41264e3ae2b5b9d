/*
 * Miscellaneous kernel globals and routines from illumos <sys/systm.h>.
 */
#ifndef _SYS_SYSTM_H
#define	_SYS_SYSTM_H

#include <sys/types.h>
#include <sys/debug.h>
#include <sys/cmn_err.h>

extern char	*panicstr;	/* always NULL: the testbed never "panics on" */
extern pgcnt_t	physmem;	/* frames of emulated physical memory */

#define	bcopy(src, dst, n)	((void)__builtin_memmove((dst), (src), (n)))
#define	bzero(p, n)		((void)__builtin_memset((p), 0, (n)))

#endif	/* _SYS_SYSTM_H */
