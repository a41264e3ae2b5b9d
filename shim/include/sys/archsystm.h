/*
 * Architecture routines the HAT uses (illumos <sys/archsystm.h>).
 * mmu_tlbflush_entry() is where window mode remaps a page-table window.
 */
#ifndef _SYS_ARCHSYSTM_H
#define	_SYS_ARCHSYSTM_H

#include <sys/types.h>

extern void	mmu_tlbflush_entry(caddr_t addr);
extern void	block_zero_no_xmm(void *dst, int len);

#define	BLOCKZEROALIGN	(32)	/* block_zero_no_xmm() works in 32s */

#endif	/* _SYS_ARCHSYSTM_H */
