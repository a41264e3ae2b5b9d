/*
 * amd64 machine parameters: MMU page geometry and the kernel's base address.
 */
#ifndef _SYS_MACHPARAM_H
#define	_SYS_MACHPARAM_H

#include <sys/types.h>

#define	NCPU		256

#define	MMU_PAGESHIFT	12
#define	MMU_PAGESIZE	(1UL << MMU_PAGESHIFT)
#define	MMU_PAGEOFFSET	(MMU_PAGESIZE - 1)
#define	MMU_PAGEMASK	(~MMU_PAGEOFFSET)

#define	PAGESHIFT	MMU_PAGESHIFT
#define	PAGESIZE	MMU_PAGESIZE
#define	PAGEOFFSET	MMU_PAGEOFFSET
#define	PAGEMASK	MMU_PAGEMASK

#define	mmu_ptob(x)	((x) << MMU_PAGESHIFT)
#define	mmu_btop(x)	(((x)) >> MMU_PAGESHIFT)
#define	ptob(x)		mmu_ptob(x)
#define	btop(x)		mmu_btop(x)

/* the lowest kernel address: 0xfffffd8000000000 on amd64 */
extern uintptr_t kernelbase;

#endif	/* _SYS_MACHPARAM_H */
