/*
 * Emulated physical memory: frames, page_t, and the page-table frame
 * allocator behind page_get_physical() / page_free().
 *
 * Layout by pfn:  [0, 16) unused | page-table pool | data frames |
 * kernel image (SHIM_KIMAGE_FRAMES: the pages the HAT maps into the
 * kernel hat at boot, as startup maps the kernel's text and data).
 * Page-table frames live in a memfd (see host/physmem.c); a new one is
 * filled with PTE_JUNK (htable.c must zero it), a freed one with PTE_POISON,
 * and goes back on the free stack once no MMU walker can read it
 * (hw_frame_retire(): at once without walkers).
 *
 * Invariants (checked by the harness at quiescent points):
 *  - a pool frame is on the free stack only if p_use == 0, and every
 *    frame with p_use == 0 is on it or waiting for a grace period;
 *  - freemem == number of frames on the free stack (minus frames held
 *    back for pressure), and resv == frames allocated by
 *    page_get_physical() not yet given back with page_unresv().
 * The free stack is guarded by a host spinlock, never held across a seam
 * point, so it is invisible to the scheduler.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/vmsystm.h>
#include <sys/thread.h>
#include <vm/page.h>
#include <sys/bootconf.h>
#include <vm/hat_pte.h>
#include <htbed/era.h>
#include <htbed/hw.h>
#include <htbed/seam.h>
#include <htbed/shim.h>
#include <htbed/written.h>
#include <htbed/snapshot.h>

#define	PT_FIRST_PFN	16
#define	PAGE_LOCKS	64

pgcnt_t physmem;
pgcnt_t freemem;
pgcnt_t throttlefree;
struct vnode kvp = { "kvp" };

char *shim_physmap;
page_t *shim_pages;
pfn_t shim_pt_first, shim_pt_last;
pfn_t shim_data_first, shim_data_last;
pfn_t shim_kimage_first;

static pfn_t *free_stack;
static uint64_t nfree;
static uint32_t phys_spin;
static uint64_t resv_cnt;
static uint64_t ptable_allocs, ptable_frees, page_fail_cnt;
static kmutex_t page_lock_mtx[PAGE_LOCKS];

static void
phys_lock(void)
{
	host_spin_lock(&phys_spin);
}

static void
phys_unlock(void)
{
	host_spin_unlock(&phys_spin);
}

static void
frame_fill(pfn_t pfn, uint64_t pattern)
{
	uint64_t *p = (uint64_t *)(void *)SHIM_FRAME_VA(pfn);
	int i;

	written_range(p, MMU_PAGESIZE);
	for (i = 0; i < 512; i++)
		__atomic_store_n(&p[i], pattern, __ATOMIC_RELAXED);
}

/* the kvp offset that names a page-table frame: inside the VA hole */
#define	PT_OFFSET(pfn)	(0x0000800000000000ull + ((u_offset_t)(pfn) << 12))

int
shim_phys_init(const struct shim_config *c, char **windows, unsigned nwin)
{
	pfn_t n = PT_FIRST_PFN + c->sc_ptframes + c->sc_dataframes +
	    SHIM_KIMAGE_FRAMES, pfn;

	if (host_phys_init(n, nwin, &shim_physmap, windows) != 0)
		return (-1);
	shim_pages = shim_boot_zalloc(sizeof (page_t) * n);
	free_stack = shim_boot_zalloc(sizeof (pfn_t) * c->sc_ptframes);
	shim_pt_first = PT_FIRST_PFN;
	shim_pt_last = PT_FIRST_PFN + c->sc_ptframes - 1;
	shim_data_first = shim_pt_last + 1;
	shim_data_last = shim_data_first + c->sc_dataframes - 1;
	shim_kimage_first = shim_data_last + 1;
	for (pfn = 0; pfn < n; pfn++)
		shim_pages[pfn].p_pagenum = pfn;
	for (pfn = shim_pt_last; pfn >= shim_pt_first; pfn--) {
		shim_pages[pfn].p_kind = PK_PTABLE;
		frame_fill(pfn, PTE_POISON);
		free_stack[nfree++] = pfn;
	}
	for (pfn = shim_data_first; pfn <= shim_data_last; pfn++)
		shim_pages[pfn].p_kind = PK_DATA;
	for (pfn = shim_kimage_first; pfn < n; pfn++)
		shim_pages[pfn].p_kind = PK_KIMAGE;
	physmem = n;
	freemem = nfree;
	throttlefree = 0;
	lock_register_array(page_lock_mtx, PAGE_LOCKS, LC_PAGE, "page_lock");
	return (0);
}

int
shim_frame_in_use(pfn_t pfn)
{
	return (pfn >= shim_pt_first && pfn <= shim_pt_last &&
	    __atomic_load_n(&shim_pages[pfn].p_use, __ATOMIC_ACQUIRE) != 0);
}

/*
 * Memory pressure: throttlefree raised to freemem makes ptable_alloc()
 * fail (KERNEL-API.md rule 12), so page-table allocation falls back to
 * stealing, as on a machine short of memory.
 */
void
shim_set_pressure(int on)
{
	__atomic_store_n(&throttlefree, on ? physmem : 0, __ATOMIC_RELAXED);
}

/*
 * A frame off the free stack, filled with junk, in use, unlocked and
 * nameless: NULL if the pool is empty or a failure is injected (inject).
 */
static page_t *
frame_take(int inject, const void *where)
{
	const struct shim_config *c = shim_cfg();
	pfn_t pfn;
	page_t *pp;

	lockdep_forbid(LCM(LC_BUCKET) | LCM(LC_HCI), "page_get_physical");
	seam(EV_YIELD, where, 0, 0);
	if (inject && shim_inject(c->sc_page_fail_ppm)) {
		__atomic_add_fetch(&page_fail_cnt, 1, __ATOMIC_RELAXED);
		return (NULL);
	}
	phys_lock();
	if (nfree == 0) {
		phys_unlock();
		return (NULL);
	}
	pfn = free_stack[--nfree];
	__atomic_sub_fetch(&freemem, 1, __ATOMIC_RELAXED);
	phys_unlock();

	snap_frame_used(pfn);
	pp = &shim_pages[pfn];
	frame_fill(pfn, PTE_JUNK);
	shim_windows_frame(pfn, 1);
	pp->p_selock = 0;
	pp->p_vnode = NULL;
	pp->p_offset = PT_OFFSET(pfn);
	__atomic_store_n(&pp->p_use, 1, __ATOMIC_RELEASE);
	__atomic_add_fetch(&ptable_allocs, 1, __ATOMIC_RELAXED);
	return (pp);
}

/* the page comes reserved (page_resv()), and locked and named per era */
page_t *
page_get_physical(uintptr_t seed)
{
	page_t *pp;

	(void) seed;
	pp = frame_take(1, (const void *)page_get_physical);
	if (pp == NULL)
		return (NULL);
	pp->p_selock = HTBED_PGP_EXCL ? -1 : 1;
	pp->p_vnode = HTBED_PGP_HASHED ? &kvp : NULL;
	__atomic_add_fetch(&resv_cnt, 1, __ATOMIC_RELAXED);
	return (pp);
}

#if HTBED_ERA == 2005
/*
 * The boot loader's physical pages (BOP_EALLOC() with
 * BOPF_X86_ALLOC_PHYS): a frame of the pool, unlocked and unreserved
 * (ptable_alloc() reserves and locks it), never failing but when the pool
 * is empty, which at boot is a machine too small: --frames.
 */
caddr_t
BOP_EALLOC(struct bootops *bop, caddr_t virthint, size_t size, int align,
    int flags)
{
	page_t *pp;

	(void) bop;
	if (virthint != NULL || size != MMU_PAGESIZE ||
	    !(flags & BOPF_X86_ALLOC_PHYS))
		panic("BOP_EALLOC: only single physical pages are emulated");
	(void) align;
	pp = frame_take(0, (const void *)BOP_EALLOC);
	if (pp == NULL)
		panic("BOP_EALLOC: the boot loader ran out of page-table "
		    "frames (give htstress more --frames)");
	return ((caddr_t)(uintptr_t)mmu_ptob((uint64_t)pp->p_pagenum));
}

/* the page of pfn, locked as se asks (waiting for it) */
page_t *
page_numtopp(pfn_t pfn, se_t se)
{
	page_t *pp = page_numtopp_nolock(pfn);

	if (pp != NULL)
		(void) page_lock(pp, se, NULL, P_NO_RECLAIM);
	return (pp);
}

/* split a large page into small ones: the pool's frames are all small */
void
page_boot_demote(page_t *pp)
{
	pp->p_szc = 0;
}

/*
 * A new page named (vp, off), locked SE_EXCL: only single pages of the
 * kernel's vnode (the 2005 files' page-table pages), which fail as
 * page_get_physical() does (--page-fail, or an empty pool).  The page is
 * not reserved: the caller has done page_resv().
 */
page_t *
page_create_va(struct vnode *vp, u_offset_t off, size_t bytes, uint_t flags,
    struct seg *seg, caddr_t vaddr)
{
	page_t *pp;

	(void) seg;
	(void) vaddr;
	if (vp != &kvp || bytes != MMU_PAGESIZE || !(flags & PG_EXCL))
		panic("page_create_va: only single PG_EXCL pages of kvp are "
		    "emulated");
	pp = frame_take(1, (const void *)page_create_va);
	if (pp == NULL)
		return (NULL);
	pp->p_selock = -1;
	(void) page_hashin(pp, vp, off, NULL);
	return (pp);
}

/* the page's i/o lock, which page_create_va() takes: not modelled */
void
page_io_unlock(page_t *pp)
{
	(void) pp;
}
#endif

page_t *
page_numtopp_nolock(pfn_t pfn)
{
	if (pfn >= physmem || pfn < shim_pt_first)
		return (NULL);
	return (&shim_pages[pfn]);
}

static kmutex_t *
page_mtx(page_t *pp)
{
	return (&page_lock_mtx[pp->p_pagenum % PAGE_LOCKS]);
}

int
page_tryupgrade(page_t *pp)
{
	kmutex_t *m = page_mtx(pp);
	int ok;

	if (shim_inject(shim_cfg()->sc_upgrade_fail_ppm))
		return (0);
	mutex_enter(m);
	ok = pp->p_selock == 1;
	if (ok)
		pp->p_selock = -1;
	mutex_exit(m);
	return (ok);
}

void
page_downgrade(page_t *pp)
{
	kmutex_t *m = page_mtx(pp);

	mutex_enter(m);
	if (pp->p_selock != -1)
		BUG("page", "page_downgrade() of page pfn 0x%lx not held "
		    "exclusive", pp->p_pagenum);
	pp->p_selock = 1;
	cv_broadcast(&pp->p_cv);
	mutex_exit(m);
}

int
page_lock(page_t *pp, se_t se, kmutex_t *lock, reclaim_t reclaim)
{
	kmutex_t *m = page_mtx(pp);

	(void) lock;
	(void) reclaim;
	mutex_enter(m);
	if (se == SE_EXCL) {
		while (pp->p_selock != 0)
			cv_wait(&pp->p_cv, m);
		pp->p_selock = -1;
	} else {
		while (pp->p_selock < 0)
			cv_wait(&pp->p_cv, m);
		pp->p_selock++;
	}
	mutex_exit(m);
	return (1);
}

void
page_unlock(page_t *pp)
{
	kmutex_t *m = page_mtx(pp);

	mutex_enter(m);
	if (pp->p_selock == 0)
		BUG("page", "page_unlock() of unlocked page pfn 0x%lx",
		    pp->p_pagenum);
	if (pp->p_selock < 0)
		pp->p_selock = 0;
	else
		pp->p_selock--;
	if (pp->p_selock == 0)
		cv_broadcast(&pp->p_cv);
	mutex_exit(m);
}

page_t *
page_lookup(struct vnode *vp, u_offset_t off, se_t se)
{
	pfn_t pfn = (pfn_t)((off - PT_OFFSET(0)) >> 12);
	page_t *pp;

	if (vp != &kvp || pfn < shim_pt_first || pfn > shim_pt_last)
		return (NULL);
	pp = &shim_pages[pfn];
	(void) page_lock(pp, se, NULL, P_NO_RECLAIM);
	if (pp->p_vnode != vp || pp->p_offset != off) {
		page_unlock(pp);
		return (NULL);
	}
	return (pp);
}

page_t *
page_exists(struct vnode *vp, u_offset_t off)
{
	pfn_t pfn = (pfn_t)((off - PT_OFFSET(0)) >> 12);

	if (vp != &kvp || pfn < shim_pt_first || pfn > shim_pt_last ||
	    shim_pages[pfn].p_vnode != vp)
		return (NULL);
	return (&shim_pages[pfn]);
}

int
page_hashin(page_t *pp, struct vnode *vp, u_offset_t off, kmutex_t *hold)
{
	(void) hold;
	pp->p_vnode = vp;
	pp->p_offset = off;
	return (1);
}

void
page_hashout(page_t *pp, kmutex_t *phm)
{
	(void) phm;
	if (!PAGE_EXCL(pp))
		BUG("page", "page_hashout() of page pfn 0x%lx not held "
		    "exclusive", pp->p_pagenum);
	pp->p_vnode = NULL;
}

/* a freed frame can be handed out again (once no walker reads it) */
static void
frame_reuse(pfn_t pfn)
{
	phys_lock();
	free_stack[nfree++] = pfn;
	__atomic_add_fetch(&freemem, 1, __ATOMIC_RELAXED);
	phys_unlock();
}

void
page_free(page_t *pp, int dontneed)
{
	pfn_t pfn = pp->p_pagenum;

	(void) dontneed;
	lockdep_forbid(LCM(LC_BUCKET) | LCM(LC_HCI), "page_free");
	if (pp->p_kind != PK_PTABLE || !shim_frame_in_use(pfn))
		BUG("page", "page_free() of pfn 0x%lx, which is not an "
		    "allocated page-table frame", pfn);
	if (!PAGE_EXCL(pp) || pp->p_vnode != NULL)
		BUG("page", "page_free() of pfn 0x%lx not exclusive and "
		    "hashed out", pfn);
	frame_fill(pfn, PTE_POISON);
	shim_windows_frame(pfn, 0);
	pp->p_selock = 0;
	__atomic_store_n(&pp->p_use, 0, __ATOMIC_RELEASE);
	__atomic_add_fetch(&ptable_frees, 1, __ATOMIC_RELAXED);
	hw_frame_retire(pfn, frame_reuse);
}

/*
 * free a page-table frame held shared, as ptable_free() of 2008-09 does
 * (the later files do the same steps themselves)
 */
void
page_free_physical(page_t *pp)
{
	if (!page_tryupgrade(pp)) {
		page_unlock(pp);
		while (!page_lock(pp, SE_EXCL, NULL, P_RECLAIM))
			continue;
	}
	if (pp->p_vnode != NULL)
		page_hashout(pp, NULL);
	page_free(pp, 1);
	page_unresv(1);
}

int
page_resv(pgcnt_t npages, uint_t flags)
{
	(void) flags;
	__atomic_add_fetch(&resv_cnt, npages, __ATOMIC_RELAXED);
	return (1);
}

void
page_unresv(pgcnt_t npages)
{
	__atomic_sub_fetch(&resv_cnt, npages, __ATOMIC_RELAXED);
}

/* htable_attach() of boot page tables; the testbed boots without them */
page_t *
boot_claim_page(pfn_t pfn)
{
	page_t *pp = page_numtopp_nolock(pfn);

	if (pp != NULL)
		pp->p_selock = -1;
	return (pp);
}

void
shim_page_stats(struct shim_stats *s)
{
	s->ss_ptable_allocs = __atomic_load_n(&ptable_allocs,
	    __ATOMIC_RELAXED);
	s->ss_ptable_frees = __atomic_load_n(&ptable_frees, __ATOMIC_RELAXED);
	s->ss_ptable_inuse = s->ss_ptable_allocs - s->ss_ptable_frees;
	s->ss_page_resv = __atomic_load_n(&resv_cnt, __ATOMIC_RELAXED);
	s->ss_page_fail = __atomic_load_n(&page_fail_cnt, __ATOMIC_RELAXED);
	s->ss_freemem = __atomic_load_n(&freemem, __ATOMIC_RELAXED);
}
