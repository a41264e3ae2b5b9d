/*
 * The HAT of the 2005 era (core/hat_era.h): what hat_i86.c of 2005-06 to
 * 2006-10 does besides what core/hat_2015.c does for the top tables.
 *
 *  - htable.c sets each CPU's page-table window up itself,
 *    x86pte_cpu_init(cpu, pages): the boot CPU's from pages the caller
 *    found, the others' from heap_arena; hat_mempte_kern_setup() gives
 *    the kernel PTE that maps a window, which htable.c rewrites and
 *    flushes to remap it.  Emulation: the windows are the shim's (the
 *    boot CPU's are the first; shim/kern/mmu.c hands the others out in
 *    the order the CPUs come up), and the kernel does real page-table
 *    work in hat_mempte_kern_setup() that the shim's window PTEs stand
 *    for.
 *  - hat_demap() is the shootdown (core/hat.c, hat_tlb_inval()).
 *  - a large page is loaded over no table: for the kernel hat and shared
 *    hats the HAT looks for one first; other hats are trusted to have
 *    none (x86pte_set() of these files overwrites a link unseen, and the
 *    HAT then panics: core/hat.c, hati_pte_map()).
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/cpuvar.h>
#include <vm/hat_i86.h>
#include <vm/seg_kpm.h>
#include <htbed/shim.h>
#include "hat_era.h"

/*
 * x86pte_cpu_init() sets a CPU's window up only if kpm_enable is 0 at
 * boot.  The testbed's machine must have the windows whatever it boots
 * with: a controlled-mode program may ask for window mode on a machine
 * booted for kpm (shim_set_windows()), which the kernel never does.  So
 * the windows are set up with kpm_enable off, and it is put back.
 */
void
hati_cpu_init(cpu_t *cp)
{
	int kpm = kpm_enable;

	kpm_enable = 0;
	x86pte_cpu_init(cp, cp->cpu_id == 0 ?
	    (void *)PWIN_VA(PWIN_TABLE(0)) : NULL);
	kpm_enable = kpm;
}

/* the PTE that maps the window at addr, and the one after it */
void *
hat_mempte_kern_setup(caddr_t addr, void *pt)
{
	(void) pt;
	return (shim_window_pte(addr));
}

void
hat_demap(hat_t *hat, uintptr_t va)
{
	hat_tlb_inval(hat, va);
}

boolean_t
hati_lower_table(hat_t *hat, uintptr_t va)
{
	htable_t *lower;

	if (hat != kas.a_hat &&
	    !(ATOMIC_READ(hat->hat_flags) & HAT_SHARED))
		return (B_FALSE);
	lower = htable_getpte(hat, va, NULL, NULL, 0);
	if (lower == NULL)
		return (B_FALSE);
	htable_release(lower);
	return (B_TRUE);
}
