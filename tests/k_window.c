/*
 * Kernel half of test_window: how page tables are reached, on a machine
 * the harness booted (hb_init(): kernel hat up, khat_running set).
 *
 * Window mode: x86pte_mapin() points this vCPU's table window at a frame
 * (disabling preemption and taking the vCPU's hci_mutex) and the shim
 * remaps the window page when its PTE is flushed, checking the protocol.
 * kpm mode: every frame is at kpm_vbase + pfn * 4K, checked per access.
 *
 * The frames these functions map are fresh ones from page_get_physical(),
 * owned by no page table, so writing to them disturbs nothing; they are
 * given back before the harness checks its invariants.
 */
#include <sys/types.h>
#include <sys/thread.h>
#include <sys/cpuvar.h>
#include <sys/disp.h>
#include <sys/archsystm.h>
#include <vm/page.h>
#include <vm/as.h>
#include <vm/hat.h>
#include <vm/hat_i86.h>
#include <vm/seg_kpm.h>
#include <htbed/shim.h>

uint64_t
kw_frame_alloc(void)
{
	page_t *pp = page_get_physical(0);

	return (pp != NULL ? pp->p_pagenum : 0);
}

void
kw_frame_free(uint64_t pfn)
{
	page_t *pp = page_numtopp_nolock((pfn_t)pfn);

	if (!page_tryupgrade(pp))
		BUG("test", "frame 0x%llx is held by someone else",
		    (unsigned long long)pfn);
	page_hashout(pp, NULL);
	page_free(pp, 1);
	page_unresv(1);
}

/* a page-table frame that was allocated and is free again */
uint64_t
kw_freed_frame(void)
{
	uint64_t pfn = kw_frame_alloc();

	kw_frame_free(pfn);
	return (pfn);
}

uint64_t
kw_data_frame(void)
{
	return (shim_data_first);
}

uint64_t *
kw_physmap(uint64_t pfn)
{
	return ((uint64_t *)(void *)SHIM_FRAME_VA(pfn));
}

void *
kw_mapin(uint64_t pfn, unsigned index)
{
	return (x86pte_mapin((pfn_t)pfn, index, NULL));
}

void
kw_mapout(void)
{
	x86pte_mapout();
}

int
kw_cpu(void)
{
	return (CPU->cpu_id);
}

int
kw_preempt(void)
{
	return (curthread->t_preempt);
}

int
kw_hci_held(void)
{
	return (MUTEX_HELD(&CPU->cpu_hat_info->hci_mutex));
}

/* this vCPU's table window (0) or source window (1) */
void *
kw_window_va(int src)
{
	int c = CPU->cpu_id;

	return (PWIN_VA(src ? PWIN_SRC(c) : PWIN_TABLE(c)));
}

void
kw_stats(struct shim_stats *s)
{
	shim_stats(s);
}

int
kw_kpm_mode(void)
{
	return (kpm_vbase != NULL);
}

void *
kw_kpm_vbase(void)
{
	return (kpm_vbase);
}

void *
kw_kpm_va(uint64_t pfn)
{
	return (hat_kpm_pfn2va((pfn_t)pfn));
}

/*
 * Point window x at pfn the way x86pte_mapin() does: write its PTE, then
 * flush its address.
 */
static void
window_point(unsigned x, pfn_t pfn, x86pte_t bits)
{
	x86pte_t *pte = (x86pte_t *)(void *)PWIN_PTE_VA(x);

	*pte = bits != 0 ? (MAKEPTE(pfn, 0) | bits) : 0;
	mmu_tlbflush_entry(PWIN_VA(x));
}

#define	WIN_BITS	(PT_WRITABLE | PT_NX | PT_GLOBAL)

/* the protocol kept: own window, preemption off, hci_mutex held */
void
kw_remap_correct(void *arg)
{
	pfn_t pfn = (pfn_t)(uintptr_t)arg;
	kmutex_t *m;
	uint64_t *w;

	kpreempt_disable();
	m = &CPU->cpu_hat_info->hci_mutex;
	mutex_enter(m);
	window_point(PWIN_TABLE(CPU->cpu_id), pfn, WIN_BITS);
	w = (uint64_t *)(void *)PWIN_VA(PWIN_TABLE(CPU->cpu_id));
	if (w[3] != ((uint64_t *)(void *)SHIM_FRAME_VA(pfn))[3])
		BUG("test", "the window does not show the frame it was "
		    "pointed at");
	mutex_exit(m);
	kpreempt_enable();
}

void
kw_remap_without_hci(void *arg)
{
	kpreempt_disable();
	window_point(PWIN_TABLE(CPU->cpu_id), (pfn_t)(uintptr_t)arg,
	    WIN_BITS);
	kpreempt_enable();
}

void
kw_remap_preemptible(void *arg)
{
	kmutex_t *m = &CPU->cpu_hat_info->hci_mutex;

	mutex_enter(m);
	window_point(PWIN_TABLE(CPU->cpu_id), (pfn_t)(uintptr_t)arg,
	    WIN_BITS);
	mutex_exit(m);
}

/* with our own window's locks: another vCPU's window */
void
kw_remap_other_cpu(void *arg)
{
	kmutex_t *m;

	kpreempt_disable();
	m = &CPU->cpu_hat_info->hci_mutex;
	mutex_enter(m);
	window_point(PWIN_TABLE((CPU->cpu_id + 1) % ncpus),
	    (pfn_t)(uintptr_t)arg, WIN_BITS);
	mutex_exit(m);
	kpreempt_enable();
}

void
kw_remap_invalid(void *arg)
{
	kmutex_t *m;

	(void) arg;
	kpreempt_disable();
	m = &CPU->cpu_hat_info->hci_mutex;
	mutex_enter(m);
	window_point(PWIN_TABLE(CPU->cpu_id), 0, 0);
	mutex_exit(m);
	kpreempt_enable();
}

/*
 * x86pte_mapin() of pfn, after the window was pointed at another live
 * frame (the kernel's top table, only read), so the map-in really remaps
 * it.  (Allocating a frame here would hand back the one just freed.)
 */
void
kw_mapin_after_other(void *arg)
{
	volatile uint64_t *w;

	(void) kw_mapin(kas.a_hat->hat_htable->ht_pfn, 0);
	kw_mapout();
	w = kw_mapin((uint64_t)(uintptr_t)arg, 5);
	(void) *w;
	kw_mapout();
}

/* kpm access to pfn */
void
kw_kpm_touch(void *arg)
{
	volatile uint64_t *w = kw_kpm_va((uint64_t)(uintptr_t)arg);

	(void) *w;
}

/*
 * Map a frame in, free it, and map it in again while the window still
 * shows it (so x86pte_mapin() does not remap): the stale window no longer
 * reaches the freed frame, and the access faults.
 */
void
kw_stale_window(void *arg)
{
	uint64_t pfn = kw_frame_alloc();
	volatile uint64_t *w;

	(void) arg;
	bug_install_handlers(0);	/* cmocka has its own for SIGSEGV */
	(void) kw_mapin(pfn, 0);
	kw_mapout();
	kw_frame_free(pfn);
	w = kw_mapin(pfn, 3);
	(void) *w;
	kw_mapout();
}

/* the same, but the frame is a table again before the second map-in */
void
kw_window_after_realloc(void *arg)
{
	uint64_t pfn = kw_frame_alloc(), again;
	volatile uint64_t *w;

	(void) arg;
	(void) kw_mapin(pfn, 0);
	kw_mapout();
	kw_frame_free(pfn);
	again = kw_frame_alloc();
	w = kw_mapin(again, 3);
	(void) *w;
	kw_mapout();
	kw_frame_free(again);
}
