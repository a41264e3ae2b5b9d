/*
 * Free-memory accounting read by ptable_alloc() (illumos <sys/vmsystm.h>).
 * freemem is the number of free frames of emulated physical memory; the
 * testbed's pressure knob raises throttlefree to make page-table allocation
 * fail and force htable stealing.
 */
#ifndef _SYS_VMSYSTM_H
#define	_SYS_VMSYSTM_H

#include <sys/types.h>

extern pgcnt_t	freemem;
extern pgcnt_t	throttlefree;

#endif	/* _SYS_VMSYSTM_H */
