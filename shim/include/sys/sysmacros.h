/*
 * Arithmetic helpers from illumos <sys/sysmacros.h>.
 */
#ifndef _SYS_SYSMACROS_H
#define	_SYS_SYSMACROS_H

#include <sys/types.h>

#define	MIN(a, b)		((a) < (b) ? (a) : (b))
#define	MAX(a, b)		((a) < (b) ? (b) : (a))
#define	ISP2(x)			(((x) & ((x) - 1)) == 0)
#define	P2ALIGN(x, align)	((x) & -(align))
#define	P2ROUNDUP(x, align)	(-(-(x) & -(align)))
#define	IS_P2ALIGNED(v, a)	((((uintptr_t)(v)) & ((uintptr_t)(a) - 1)) == 0)
#define	howmany(x, y)		(((x) + ((y) - 1)) / (y))
#define	roundup(x, y)		((((x) + ((y) - 1)) / (y)) * (y))

#endif	/* _SYS_SYSMACROS_H */
