/*
 * Architecture routines the HAT uses (illumos <sys/archsystm.h>).
 *
 * A TLB flush of one page is where window mode remaps a page-table
 * window.  It has had two names: mmu_tlbflush_entry() (2015 files and the
 * first KPTI file, SmartOS 2018-03-12) and mmu_flush_tlb_page() with its
 * kernel-page twin mmu_flush_tlb_kpage() (KPTI files from illumos
 * 2018-04 on, declared there in <vm/hat_i86.h>); every era gets all three
 * (htbed/era.h).  getcr4() reads CR4, whose PCIDE bit the KPTI files
 * assert clear on the window paths: the emulated CPUs run without PCID.
 */
#ifndef _SYS_ARCHSYSTM_H
#define	_SYS_ARCHSYSTM_H

#include <sys/types.h>

extern void	mmu_tlbflush_entry(caddr_t addr);
extern void	mmu_flush_tlb_page(uintptr_t addr);
extern void	mmu_flush_tlb_kpage(uintptr_t addr);
extern ulong_t	getcr4(void);
extern void	block_zero_no_xmm(void *dst, int len);
#if HTBED_ERA == 2005
/* CR3 reloaded: the vCPU's TLB loses every non-global entry */
extern void	reload_cr3(void);
/* the 2005 files' page-table zeroing by SSE2 stores (they declare it) */
extern void	hat_pte_zero(void *, size_t);
#endif

#define	BLOCKZEROALIGN	(32)	/* block_zero_no_xmm() works in 32s */

#endif	/* _SYS_ARCHSYSTM_H */
