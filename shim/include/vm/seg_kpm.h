/*
 * Kernel physical mapping (illumos <vm/seg_kpm.h>).  kpm_vbase non-NULL is
 * kpm mode: every frame is reachable at kpm_vbase + pa.  NULL is window
 * mode, the testbed's default.
 */
#ifndef _VM_SEG_KPM_H
#define	_VM_SEG_KPM_H

#include <sys/types.h>

extern caddr_t	kpm_vbase;

#endif	/* _VM_SEG_KPM_H */
