/*
 * Kernel physical mapping (illumos <vm/seg_kpm.h>).  kpm_vbase non-NULL is
 * kpm mode: every frame is reachable at kpm_vbase + pa.  NULL is window
 * mode, the testbed's default.
 */
#ifndef _VM_SEG_KPM_H
#define	_VM_SEG_KPM_H

#include <sys/types.h>

extern caddr_t	kpm_vbase;
#if HTBED_ERA == 2005
/* the 2005 files ask this instead: kpm_vbase != NULL (shim/kern/init.c) */
extern int	kpm_enable;
#endif

#endif	/* _VM_SEG_KPM_H */
