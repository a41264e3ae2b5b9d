/*
 * Kernel basic types, with the widths illumos gives them on amd64 (LP64).
 *
 * This header stands first on the include path of every kernel-domain file,
 * so that an unmodified htable.c gets the kernel's caddr_t, boolean_t and
 * friends rather than glibc's <sys/types.h>.  Only compiler-provided
 * freestanding headers are pulled in from outside the shim.
 */
#ifndef _SYS_TYPES_H
#define	_SYS_TYPES_H

#include <stdint.h>
#include <stddef.h>

typedef unsigned char		uchar_t;
typedef unsigned short		ushort_t;
typedef unsigned int		uint_t;
typedef unsigned long		ulong_t;
typedef long long		longlong_t;
typedef unsigned long long	u_longlong_t;
typedef long			ssize_t;

typedef char			*caddr_t;
typedef long long		offset_t;
typedef unsigned long long	u_offset_t;
typedef uint64_t		paddr_t;
typedef ulong_t			pfn_t;
typedef ulong_t			pgcnt_t;
typedef long			spgcnt_t;
typedef int			processorid_t;
typedef int			pid_t;
typedef uint_t			id_t;

typedef enum { B_FALSE = 0, B_TRUE = 1 } boolean_t;

typedef struct _kthread		kthread_t;
typedef struct _kthread		*kthread_id_t;
typedef struct proc		proc_t;
typedef struct cpu		cpu_t;

#endif	/* _SYS_TYPES_H */
