/*
 * How the kernel reaches page tables: kpm, the per-CPU windows, the boot
 * window, and atomic PTE updates.
 *
 * Window mode (kpm_vbase == NULL).  Window x is a real virtual page at
 * mmu.pwin_base + x * 4K; its "PTE" is the x-th entry of the array at
 * mmu.pwin_pte_va.  Writing that entry changes nothing by itself, as on
 * hardware, where the TLB keeps the old translation: only
 * mmu_tlbflush_entry() of the window address remaps the page (mmap
 * MAP_FIXED) to the frame the entry names.  A thread that keeps using a
 * window after another thread remapped it reads and writes the other
 * frame, really.  mmu_tlbflush_entry() of any other address is an INVLPG
 * of the vCPU's emulated TLB (shim_invlpg(), shim/kern/x_call.c).
 *
 * The shim checks the window protocol at every remap: the thread must run
 * on the window's vCPU with preemption disabled and hold that vCPU's
 * hci_mutex (KERNEL-API.md rule 13); and the frame must be an allocated
 * page-table frame.  kpm mode checks the same of every hat_kpm_pfn2va().
 *
 * Era 2005: htable.c sets each CPU's window up itself (x86pte_cpu_init():
 * the pages come from the caller for the first CPU, from heap_arena's
 * vmem_xalloc() for the others, and hat_mempte_kern_setup() names their
 * PTEs), remaps it only when the frame changes, and before the kernel
 * hat runs reaches page tables through the boot loader's window at
 * ptable_va: SHIM_BOOT_WINDOWS more window pages, after the CPUs',
 * mapped with hat_boot_remap() and unmapped with hat_boot_demap().
 */
#include <sys/types.h>
#include <sys/thread.h>
#include <sys/cpuvar.h>
#include <sys/archsystm.h>
#include <sys/systm.h>
#include <vm/hat_i86.h>
#include <vm/seg_kpm.h>
#include <vm/kboot_mmu.h>
#include <sys/bootconf.h>
#include <sys/vmem.h>
#include <sys/x86_archext.h>
#include <htbed/seam.h>
#include <htbed/shim.h>
#include <htbed/written.h>

caddr_t kpm_vbase;

static unsigned nwin;
/*
 * the windows; mmu.pwin_base is what the kernel is told (NULL while kpm
 * hides them from a file that asks it: shim_windows_use())
 */
static char *win_base;
#define	WIN_VA(x)	(win_base + ((size_t)(x) << MMU_PAGESHIFT))
static pfn_t *win_pfn;		/* frame each window shows now */
static uint32_t *win_lock;	/* orders remaps with frame frees */

static void
win_enter(unsigned x)
{
	host_spin_lock(&win_lock[x]);
}

static void
win_exit(unsigned x)
{
	host_spin_unlock(&win_lock[x]);
}

/*
 * A page-table frame was freed (in_use 0) or handed out again (1).  A
 * window still showing it stops showing anything while it is free, so
 * that using a stale window to reach a freed table faults, and shows it
 * again once it is a table again -- without the window PTE changing, as
 * x86pte_mapin() may legitimately reuse a window that names the frame.
 */
void
shim_windows_frame(pfn_t pfn, int in_use)
{
	unsigned x;

	for (x = 0; x < nwin; x++) {
		if (__atomic_load_n(&win_pfn[x], __ATOMIC_RELAXED) != pfn)
			continue;
		win_enter(x);
		if (win_pfn[x] == pfn) {
			if (in_use)
				host_phys_window_map(WIN_VA(x), pfn);
			else
				host_phys_window_unmap(WIN_VA(x));
		}
		win_exit(x);
	}
}

/*
 * The window table was put back (snapshot.c): make every window page show
 * what the table says, as shim_windows_frame() would have left it.
 */
void
shim_windows_resync(void)
{
	unsigned x;
	pfn_t pfn;

	for (x = 0; x < nwin; x++) {
		pfn = win_pfn[x];
		if (pfn != PFN_INVALID && shim_frame_in_use(pfn))
			host_phys_window_map(WIN_VA(x), pfn);
		else
			host_phys_window_unmap(WIN_VA(x));
	}
}

void
shim_windows_range(char **base, size_t *len)
{
	*base = win_base;
	*len = (size_t)nwin << MMU_PAGESHIFT;
}

/* for fault reports: which window, and what it shows */
int
shim_window_of(uintptr_t addr, unsigned *x, pfn_t *pfn)
{
	uintptr_t off = addr - (uintptr_t)win_base;

	if (off >= (uintptr_t)nwin << MMU_PAGESHIFT)
		return (0);
	*x = (unsigned)(off >> MMU_PAGESHIFT);
	*pfn = win_pfn[*x];
	return (1);
}

void
shim_windows_init(char *windows, unsigned n)
{
	unsigned x;

	nwin = n;
	win_pfn = shim_boot_zalloc(sizeof (pfn_t) * n);
	win_lock = shim_boot_zalloc(sizeof (uint32_t) * n);
	for (x = 0; x < n; x++)
		win_pfn[x] = PFN_INVALID;
	win_base = windows;
	mmu.pwin_base = windows;
	mmu.pwin_pte_va = shim_boot_zalloc(sizeof (x86pte_t) * n);
	mmu.pwin_pte_pa = 0;
}

/* the windows are there (on) or mmu.pwin_base says there are none */
void
shim_windows_use(int on)
{
	mmu.pwin_base = on ? win_base : NULL;
}

static void
frame_check(pfn_t pfn, const char *how)
{
	if (!shim_frame_in_use(pfn))
		BUG("use-after-free", "%s of pfn 0x%lx, which is not an "
		    "allocated page-table frame%s", how, pfn,
		    pfn >= shim_pt_first && pfn <= shim_pt_last ?
		    " (it was freed)" : "");
}

caddr_t
hat_kpm_pfn2va(pfn_t pfn)
{
	frame_check(pfn, "kpm access");
	return (kpm_vbase + ((uintptr_t)pfn << MMU_PAGESHIFT));
}

void *
kbm_remap_window(paddr_t pa, int writeable)
{
	(void) writeable;
	frame_check((pfn_t)(pa >> MMU_PAGESHIFT), "boot window map");
	return (shim_physmap + pa);
}

static void
window_check_owner(kthread_t *t, unsigned x)
{
	int c = (int)(x / 2);
	struct hat_cpu_info *hci = cpu[c]->cpu_hat_info;

	if (t->t_cpu->cpu_id != c)
		BUG("window", "T%d on cpu%d remaps window %u of cpu%d", t->t_tid,
		    t->t_cpu->cpu_id, x, c);
	if (t->t_preempt <= 0)
		BUG("window", "T%d remaps window %u with preemption enabled",
		    t->t_tid, x);
	if (hci == NULL || !mutex_owned(&hci->hci_mutex))
		BUG("window", "T%d remaps window %u without holding "
		    "hci_mutex(cpu%d)", t->t_tid, x, c);
}

static void
window_reload(kthread_t *t, unsigned x)
{
	x86pte_t pte = ((x86pte_t *)(void *)mmu.pwin_pte_va)[x];
	pfn_t pfn = (pfn_t)((pte & PT_PADDR) >> MMU_PAGESHIFT);

	window_check_owner(t, x);
	if (!PTE_ISVALID(pte))
		BUG("window", "window %u flushed with an invalid PTE 0x%lx", x,
		    pte);
	frame_check(pfn, "window map");
	T_STAT_INC(t, TS_MAPIN);
	if (__atomic_load_n(&win_pfn[x], __ATOMIC_RELAXED) == pfn)
		return;
	win_enter(x);
	host_phys_window_map(WIN_VA(x), pfn);
	__atomic_store_n(&win_pfn[x], pfn, __ATOMIC_RELAXED);
	win_exit(x);
	T_STAT_INC(t, TS_WIN_REMAP);
	seam(EV_WINDOW_REMAP, WIN_VA(x), x, pfn);
}

void
mmu_tlbflush_entry(caddr_t addr)
{
	uintptr_t off = (uintptr_t)addr - (uintptr_t)win_base;

	if (off < (uintptr_t)nwin << MMU_PAGESHIFT) {
		window_reload(curthread, (unsigned)(off >> MMU_PAGESHIFT));
		return;
	}
	seam_note(EV_TLB_INVAL, 0, (uint64_t)(uintptr_t)addr, 0);
	shim_invlpg((uintptr_t)addr);
}

/* the KPTI files' names of the same flush (sys/archsystm.h) */
void
mmu_flush_tlb_page(uintptr_t addr)
{
	mmu_tlbflush_entry((caddr_t)addr);
}

void
mmu_flush_tlb_kpage(uintptr_t addr)
{
	mmu_tlbflush_entry((caddr_t)addr);
}

/* the emulated CPUs run without PCID (sys/controlregs.h) */
ulong_t
getcr4(void)
{
	return (0);
}

/* the physical address behind a PTE pointer, for traces */
static uint64_t
ptep_to_pa(const x86pte_t *ptep)
{
	uintptr_t p = (uintptr_t)ptep;
	uintptr_t off = p - (uintptr_t)shim_physmap;

	if (off < (uintptr_t)physmem << MMU_PAGESHIFT)
		return (off);
	off = p - (uintptr_t)win_base;
	if (off < (uintptr_t)nwin << MMU_PAGESHIFT)
		return (((uint64_t)__atomic_load_n(&win_pfn[off >>
		    MMU_PAGESHIFT], __ATOMIC_RELAXED) <<
		    MMU_PAGESHIFT) | (off & MMU_PAGEOFFSET));
	return (p);
}

x86pte_t
shim_cas_pte(x86pte_t *ptep, x86pte_t old, x86pte_t new)
{
	uint64_t pa = ptep_to_pa(ptep);
	x86pte_t found = old;

	seam(EV_CAS_PTE, (const void *)(uintptr_t)pa, old, new);
	written_note(ptep, sizeof (*ptep));
	if (!__atomic_compare_exchange_n(ptep, &found, new, 0,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		T_STAT_INC(curthread, TS_CAS_FAIL);
		seam_note(EV_CAS_FAIL, pa, old, found);
	}
	return (found);
}

void
block_zero_no_xmm(void *dst, int len)
{
	written_range(dst, (size_t)len);
	__builtin_memset(dst, 0, (size_t)len);
}

/*
 * The kernel's bcopy() and bzero() of entries an MMU may be walking
 * (KPTI's hat_pcp_update() copies a hat's user slots into the CPU's top
 * tables so): one call, as in the kernel, not an access seam per entry;
 * each entry stored whole and atomically, as a free-running walker reads
 * them.  from NULL: zeroes.
 */
void
shim_copy_ptes(x86pte_t *to, const x86pte_t *from, uint_t n)
{
	uint_t i;

	written_range(to, n * sizeof (*to));
	for (i = 0; i < n; i++)
		__atomic_store_n(&to[i], from == NULL ? 0 :
		    __atomic_load_n(&from[i], __ATOMIC_ACQUIRE),
		    __ATOMIC_RELEASE);
}

#if HTBED_ERA == 2005
/* the boot window (ptable_va) and the page after it */
caddr_t
shim_boot_window(void)
{
	return (WIN_VA(nwin - SHIM_BOOT_WINDOWS));
}

static unsigned
boot_window_of(uintptr_t va)
{
	uintptr_t off = va - (uintptr_t)shim_boot_window();

	if (off >= (uintptr_t)SHIM_BOOT_WINDOWS << MMU_PAGESHIFT ||
	    khat_running)
		panic("hat_boot_remap/demap of 0x%lx: not a boot window, or "
		    "after boot", va);
	return (nwin - SHIM_BOOT_WINDOWS + (unsigned)(off >> MMU_PAGESHIFT));
}

/* map the boot window at va to pfn; what it showed before */
pfn_t
hat_boot_remap(uintptr_t va, pfn_t pfn)
{
	unsigned x = boot_window_of(va);
	pfn_t was = win_pfn[x];

	frame_check(pfn, "boot window map");
	host_phys_window_map(WIN_VA(x), pfn);
	win_pfn[x] = pfn;
	return (was);
}

void
hat_boot_demap(uintptr_t va)
{
	unsigned x = boot_window_of(va);

	host_phys_window_unmap(WIN_VA(x));
	win_pfn[x] = PFN_INVALID;
}

/* the boot loader's memory: its only range of VAs is the boot window */
struct bootops *bootops;

caddr_t
BOP_ALLOC(struct bootops *bop, caddr_t va, size_t size, int align)
{
	(void) bop;
	(void) align;
	if (va != shim_boot_window() ||
	    size > (size_t)SHIM_BOOT_WINDOWS << MMU_PAGESHIFT)
		panic("BOP_ALLOC: only the boot window is emulated");
	return (va);
}

/*
 * heap_arena, for x86pte_cpu_init() of every CPU but the first: the
 * window pages of those CPUs, in the order they come up (the HAT brings
 * CPU 1 up first); a CPU's span is its SHIM_WINDOWS_PER_CPU windows and
 * the page after them, which htable.c never touches (the kernel maps the
 * window PTEs there: hat_mempte_kern_setup()).
 */
struct vmem {
	unsigned	vm_next_cpu;	/* the next CPU's windows */
};
static struct vmem heap_windows = { 1 };
vmem_t *heap_arena = &heap_windows;

void *
vmem_xalloc(vmem_t *vmp, size_t size, size_t align, size_t phase,
    size_t nocross, void *minaddr, void *maxaddr, int vmflag)
{
	unsigned c;

	(void) align;
	(void) phase;
	(void) nocross;
	(void) minaddr;
	(void) maxaddr;
	(void) vmflag;
	if (vmp != heap_arena || (c = vmp->vm_next_cpu++) >= (unsigned)ncpus ||
	    size != (SHIM_WINDOWS_PER_CPU + 1) << MMU_PAGESHIFT)
		panic("vmem_xalloc: only heap_arena's windows of CPUs 1 to "
		    "%d are emulated", ncpus - 1);
	return (WIN_VA(SHIM_WINDOWS_PER_CPU * c));
}

/* the PTE of the window at va (hat_mempte_kern_setup()) */
uint64_t *
shim_window_pte(caddr_t va)
{
	uintptr_t off = (uintptr_t)va - (uintptr_t)win_base;

	if (off >= (uintptr_t)(nwin - SHIM_BOOT_WINDOWS) << MMU_PAGESHIFT)
		panic("hat_mempte_kern_setup: 0x%p is no CPU's window",
		    (void *)va);
	return ((x86pte_t *)(void *)mmu.pwin_pte_va + (off >> MMU_PAGESHIFT));
}

/* the CPU: every feature the 2005 files ask about (SSE2) */
uint_t x86_feature = X86_SSE2;

void
hat_pte_zero(void *dst, size_t size)
{
	written_range(dst, size);
	__builtin_memset(dst, 0, size);
}

/* a CR3 reload: every entry of the vCPU's TLB goes (global ones too) */
void
reload_cr3(void)
{
	seam_note(EV_TLB_INVAL, 0, DEMAP_ALL_ADDR, 0);
	shim_invlpg(DEMAP_ALL_ADDR);
}
#endif
