/*
 * illumos <sys/bootconf.h>: the code under test on a 64-bit, non-Xen
 * build uses nothing of it but, in the 2005 files, the boot loader's
 * memory allocator (ptable_alloc() while use_boot_reserve is set):
 * BOP_ALLOC() claims a range of virtual addresses (only the boot window,
 * ptable_va, which the testbed has mapped already) and BOP_EALLOC() with
 * BOPF_X86_ALLOC_PHYS hands out a physical page, which the shim takes
 * from the page-table pool (shim/kern/page.c).
 */
#ifndef _SYS_BOOTCONF_H
#define	_SYS_BOOTCONF_H

#include <sys/types.h>

#if HTBED_ERA == 2005
struct bootops;
extern struct bootops	*bootops;

#define	BO_NO_ALIGN		0x00001000
#define	BOPF_X86_ALLOC_PHYS	0x1	/* BOP_EALLOC(): a physical page */

extern caddr_t	BOP_ALLOC(struct bootops *, caddr_t, size_t, int);
extern caddr_t	BOP_EALLOC(struct bootops *, caddr_t, size_t, int, int);
#endif

#endif	/* _SYS_BOOTCONF_H */
