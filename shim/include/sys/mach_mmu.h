/*
 * illumos <sys/mach_mmu.h>: pulls in <sys/pc_mmu.h>, as on the metal.
 */
#ifndef _SYS_MACH_MMU_H
#define	_SYS_MACH_MMU_H

#include <sys/types.h>
#include <sys/pc_mmu.h>

#endif	/* _SYS_MACH_MMU_H */
