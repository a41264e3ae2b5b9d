/*
 * illumos <sys/cpu.h>: nothing in it is used by the code under test on a
 * 64-bit, non-Xen build; the header exists so that an unmodified htable.c
 * finds it here rather than in the host's /usr/include.
 */
#ifndef _SYS_CPU_H
#define	_SYS_CPU_H

#include <sys/types.h>

#endif	/* _SYS_CPU_H */
