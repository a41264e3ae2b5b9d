/*
 * The boot-time page-table window (illumos <vm/kboot_mmu.h>), used while
 * khat_running is 0.  Only safe single-threaded, as at boot.
 */
#ifndef _VM_KBOOT_MMU_H
#define	_VM_KBOOT_MMU_H

#include <sys/types.h>

extern void	*kbm_remap_window(paddr_t physaddr, int writeable);

#endif	/* _VM_KBOOT_MMU_H */
