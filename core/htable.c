/*
 * htable.c -- the project's own implementation of the x86 page-table
 * manager that illumos keeps in i86pc/vm/htable.c.
 *
 * Same interface, same algorithm and the same locking protocol as the
 * illumos file (so that the HAT, the harness and every check work with
 * either), written afresh, for the interface of today's file (the KPTI
 * era, 2018 on) and of the 2015 file (shim/include/htbed/era.h; the few
 * places that differ use its era-blind names).  64-bit, not Xen; 32-bit
 * address spaces (VLP, HAT_COPIED_32) are not implemented: the testbed's
 * HAT never creates one.
 *
 * The objects and who guards what:
 *
 *  - Every page table has an htable_t, hashed by (hat, base va, level) in
 *    its hat's buckets.  Bucket h of any hat is guarded by
 *    htable_mutex[h & 127]; that mutex also guards ht_busy of every table
 *    in the bucket and every decision to free one of them.
 *
 *  - ht_busy counts holds: a lookup, create or acquire not yet released,
 *    one per child table linked below (taken by the child's creation,
 *    dropped when the child is freed), and the hat's permanent hold on its
 *    top table.  ht_valid_cnt counts valid entries; it is changed
 *    atomically, without the bucket mutex, by threads holding a hold.
 *    ht_lock_cnt counts locked mappings and blocks stealing.
 *
 *  - A table is freed only by a release that finds busy == 1 and
 *    valid == 0 under the bucket mutex, or by a stealer that pinned it
 *    (busy 0 -> 1), emptied it with the mutex dropped, and finds the same
 *    under the mutex again.  Nothing is allocated or freed while a bucket
 *    mutex is held: creation drops it, allocates, and searches again.
 *
 *  - Free htables go to the hat's cache (page table kept, still zeroed),
 *    to the reserve pool (no page table), or back to kmem.  While
 *    htable_dont_cache is non-zero (a steal or reap is running) nothing is
 *    cached, so stolen tables cannot drift back into a hat.
 *
 *  - Counters that other threads change are read with ATOMIC_READ and
 *    written with atomics or ATOMIC_WRITE, so this file needs no
 *    sanitizer suppressions.
 *
 *  - KPTI era: the top table of a user hat (HAT_COPIED) has no page.  Its
 *    entries live in the hat (hat_copied_ptes[]), and the HAT copies them
 *    into the per-CPU page tables of every CPU that runs the hat.  So a
 *    link or unlink in such a table is followed by a shootdown of the
 *    whole hat (DEMAP_ALL_ADDR), whose cross-call makes each of those CPUs
 *    copy them again; until it returns, a CPU may still walk the old
 *    entry.  Per-CPU hats (HAT_PCP) are never stolen from.
 */

#include <sys/types.h>
#include <sys/sysmacros.h>
#include <sys/kmem.h>
#include <sys/atomic.h>
#include <sys/systm.h>
#include <sys/cpuvar.h>
#include <sys/thread.h>
#include <sys/proc.h>
#include <sys/disp.h>
#include <sys/vmem.h>
#include <sys/vmsystm.h>
#include <sys/machsystm.h>
#include <sys/archsystm.h>
#include <sys/dumphdr.h>
#include <sys/cmn_err.h>
#include <vm/seg_kmem.h>
#include <vm/seg_kpm.h>
#include <vm/hat.h>
#include <vm/hat_i86.h>
#include <vm/kboot_mmu.h>

/*
 * Exported state.  The names are the illumos ones: the HAT and the
 * testbed's checker reach them by name, whichever htable.c is built.
 */
kmem_cache_t	*htable_cache;
uint_t		htable_reserve_amount = 200;	/* lower it to force steals */
kmutex_t	htable_reserve_mutex;
uint_t		htable_reserve_cnt;
htable_t	*htable_reserve_pool;
uint_t		htable_steal_passes = 8;
kmutex_t	htable_mutex[128];
uint32_t	htable_dont_cache;
#ifdef DEBUG
ulong_t		force_steal;	/* > 1: every force_steal-th frame fails */
ulong_t		ptable_cnt;
#endif

#define	RESERVE_BOOT_EXTRA	200
#define	BUCKET_LOCKS		128

static uint32_t	pt_frames_active;	/* page-table frames allocated */

static void	ptp_unlink(htable_t *, htable_t *, uintptr_t);
static void	ht_dispose(htable_t *);
static htable_t	*pt_steal(uint_t, boolean_t);

/*
 * ------------------------------------------------------------------------
 * Counters and buckets
 * ------------------------------------------------------------------------
 */
#define	BUSY(ht)	ATOMIC_READ((ht)->ht_busy)
#define	VALID(ht)	ATOMIC_READ((ht)->ht_valid_cnt)
#define	LOCKED(ht)	ATOMIC_READ((ht)->ht_lock_cnt)
#define	HAT_FLAGS(hat)	ATOMIC_READ((hat)->hat_flags)

/* busy changes only under the table's bucket mutex */
static void
busy_adjust(htable_t *ht, int delta)
{
	ATOMIC_WRITE(ht->ht_busy, (int16_t)(BUSY(ht) + delta));
}

static kmutex_t *
bucket_mutex(uint_t h)
{
	return (&htable_mutex[h & (BUCKET_LOCKS - 1)]);
}

/* the va a level-l table covering va starts at */
static uintptr_t
table_base(hat_t *hat, uintptr_t va, level_t l)
{
	return (l == TOP_LEVEL(hat) ? 0 : va & LEVEL_MASK(l + 1));
}

static htable_t *
chain_find(hat_t *hat, uint_t h, uintptr_t base, level_t l)
{
	htable_t *ht = hat->hat_ht_hash[h];

	while (ht != NULL &&
	    (ht->ht_hat != hat || ht->ht_vaddr != base || ht->ht_level != l))
		ht = ht->ht_next;
	return (ht);
}

static void
chain_insert(hat_t *hat, uint_t h, htable_t *ht)
{
	htable_t *head = hat->hat_ht_hash[h];

	ASSERT(ht->ht_prev == NULL);
	ht->ht_next = head;
	if (head != NULL)
		head->ht_prev = ht;
	hat->hat_ht_hash[h] = ht;
}

static void
chain_remove(hat_t *hat, uint_t h, htable_t *ht)
{
	htable_t *after = ht->ht_next;
	htable_t *before = ht->ht_prev;

	if (after != NULL)
		after->ht_prev = before;
	if (before == NULL) {
		ASSERT(hat->hat_ht_hash[h] == ht);
		hat->hat_ht_hash[h] = after;
	} else {
		before->ht_next = after;
	}
}

/*
 * ------------------------------------------------------------------------
 * Page-table frames
 * ------------------------------------------------------------------------
 */
#ifdef DEBUG
/* the DEBUG knob force_steal: fail one frame allocation in force_steal */
static boolean_t
steal_forced(void)
{
	if (proc_pageout == NULL || ATOMIC_READ(force_steal) <= 1)
		return (B_FALSE);
	if (atomic_add_long_nv(&ptable_cnt, 1) <= ATOMIC_READ(force_steal))
		return (B_FALSE);
	ATOMIC_WRITE(ptable_cnt, 0);
	return (B_TRUE);
}
#endif

/*
 * A frame for a page table.  Fails once free memory is down to
 * throttlefree (except for pageout and friends), so that the caller falls
 * back to stealing instead of eating the last reserves.
 */
static pfn_t
pt_frame_alloc(uintptr_t seed)
{
	page_t *pp;

	if (!NOMEMWAIT() &&
	    ATOMIC_READ(freemem) <= ATOMIC_READ(throttlefree) + 1)
		return (PFN_INVALID);
#ifdef DEBUG
	if (steal_forced())
		return (PFN_INVALID);
#endif
	pp = page_get_physical(seed);
	if (pp == NULL)
		return (PFN_INVALID);
	ASSERT(PAGE_SHARED(pp));
	if (pp->p_pagenum == PFN_INVALID)
		panic("pt_frame_alloc: page_get_physical gave a page with "
		    "no frame");
	atomic_inc_32(&pt_frames_active);
	HATSTAT_INC(hs_ptable_allocs);
	return (pp->p_pagenum);
}

static void
pt_frame_free(pfn_t pfn)
{
	page_t *pp = page_numtopp_nolock(pfn);
	u_offset_t off;

	ASSERT(pfn != PFN_INVALID);
	if (pp == NULL)
		panic("pt_frame_free: no page_t for pfn 0x%lx", pfn);
	ASSERT(PAGE_SHARED(pp));
	ASSERT(pp->p_pagenum == pfn);
	HATSTAT_INC(hs_ptable_frees);
	atomic_dec_32(&pt_frames_active);

	/* freeing needs the page exclusive; a kmem reader may share it */
	if (!page_tryupgrade(pp)) {
		off = pp->p_offset;
		page_unlock(pp);
		pp = page_lookup(&kvp, off, SE_EXCL);
		if (pp == NULL)
			panic("pt_frame_free: page at kvp offset 0x%llx is "
			    "gone", (unsigned long long)off);
	}
	page_hashout(pp, NULL);
	page_free(pp, 1);
	page_unresv(1);
}

/*
 * ------------------------------------------------------------------------
 * The reserve pool: htables without page tables, for threads that must
 * not recurse into kmem (USE_HAT_RESERVES()).
 * ------------------------------------------------------------------------
 */
static void
reserve_push(htable_t *ht)
{
	ASSERT(ht->ht_pfn == PFN_INVALID);
	ht->ht_hat = NULL;
	HATSTAT_INC(hs_htable_rputs);
	mutex_enter(&htable_reserve_mutex);
	ht->ht_next = htable_reserve_pool;
	htable_reserve_pool = ht;
	ATOMIC_WRITE(htable_reserve_cnt, htable_reserve_cnt + 1);
	mutex_exit(&htable_reserve_mutex);
}

static htable_t *
reserve_pop(void)
{
	htable_t *ht;

	mutex_enter(&htable_reserve_mutex);
	if ((ht = htable_reserve_pool) != NULL) {
		htable_reserve_pool = ht->ht_next;
		ATOMIC_WRITE(htable_reserve_cnt, htable_reserve_cnt - 1);
	}
	mutex_exit(&htable_reserve_mutex);
	if (ht != NULL) {
		ASSERT(ht->ht_pfn == PFN_INVALID);
		HATSTAT_INC(hs_htable_rgets);
	}
	return (ht);
}

/* an htable without a page table, for the reserve */
static htable_t *
reserve_new(int kmflags)
{
	htable_t *ht = kmem_cache_alloc(htable_cache, kmflags);

	if (ht != NULL)
		ht->ht_pfn = PFN_INVALID;
	return (ht);
}

/* boot: the reserve gets count htables plus a standing extra */
void
htable_initial_reserve(uint_t count)
{
	uint_t n;

	ASSERT(use_boot_reserve);
	for (n = 0; n < count + RESERVE_BOOT_EXTRA; n++)
		reserve_push(reserve_new(KM_SLEEP));
}

/* give back what the reserve holds beyond htable_reserve_amount */
void
htable_adjust_reserve(void)
{
	htable_t *ht;

	while (ATOMIC_READ(htable_reserve_cnt) > htable_reserve_amount &&
	    !USE_HAT_RESERVES()) {
		if ((ht = reserve_pop()) == NULL)
			return;
		kmem_cache_free(htable_cache, ht);
	}
}

/*
 * ------------------------------------------------------------------------
 * Reaching page-table entries
 * ------------------------------------------------------------------------
 */

/* a copied top table: its entries are in its hat, it has no page */
#define	COPIED(ht)	(((ht)->ht_flags & HTBED_HT_COPIED) != 0)

static x86pte_t *
pt_map(htable_t *ht, uint_t entry)
{
	if (COPIED(ht)) {
		ASSERT(entry < HTABLE_NUM_PTES(ht));
		return (PT_INDEX_PTR(HTBED_COPIED_PTES(ht->ht_hat), entry));
	}
	return (x86pte_mapin(ht->ht_pfn, entry, ht));
}

static void
pt_unmap(htable_t *ht)
{
	if (!COPIED(ht))
		x86pte_mapout();
}

/*
 * Make a page table reachable.  Before the kernel hat runs: the boot
 * window.  With kpm: its linear mapping.  Otherwise this vCPU's table
 * window, which stays ours until x86pte_mapout(): preemption off keeps us
 * on this vCPU, hci_mutex keeps other threads on the same vCPU (interrupt
 * threads) out of the window.
 */
x86pte_t *
x86pte_mapin(pfn_t pfn, uint_t index, htable_t *ht)
{
	x86pte_t *win_pte, want;
	uint_t w;

	(void) ht;
	ASSERT(pfn != PFN_INVALID);
	if (!khat_running)
		return (PT_INDEX_PTR(kbm_remap_window(pfn_to_pa(pfn), 1),
		    index));
	if (kpm_vbase != NULL)
		return (PT_INDEX_PTR(hat_kpm_pfn2va(pfn), index));

	kpreempt_disable();
	ASSERT(CPU->cpu_hat_info != NULL);
	mutex_enter(&CPU->cpu_hat_info->hci_mutex);
	w = PWIN_TABLE(CPU->cpu_id);
	win_pte = (x86pte_t *)(void *)PWIN_PTE_VA(w);
	want = MAKEPTE(pfn, 0) | mmu.pt_global | mmu.pt_nx | PT_WRITABLE;
	if (!PTE_EQUIV(want, *win_pte)) {
		*win_pte = want;
		mmu_tlbflush_entry(PWIN_VA(w));
	}
	return (PT_INDEX_PTR(PWIN_VA(w), index));
}

void
x86pte_mapout(void)
{
	if (kpm_vbase != NULL || !khat_running)
		return;
	mutex_exit(&CPU->cpu_hat_info->hci_mutex);
	kpreempt_enable();
}

void
x86pte_cpu_init(cpu_t *cp)
{
	struct hat_cpu_info *hci = kmem_zalloc(sizeof (*hci), KM_SLEEP);

	mutex_init(&hci->hci_mutex, NULL, MUTEX_DEFAULT, NULL);
	cp->cpu_hat_info = hci;
}

void
x86pte_cpu_fini(cpu_t *cp)
{
	struct hat_cpu_info *hci = cp->cpu_hat_info;

	cp->cpu_hat_info = NULL;
	kmem_free(hci, sizeof (*hci));
}

/* zero entries of a table no other thread can see yet (not atomic) */
static void
pt_zero(htable_t *ht, uint_t entry, uint_t count)
{
	size_t len = (size_t)count << mmu.pte_size_shift;

	ASSERT(!(ht->ht_flags & HTABLE_SHARED_PFN));
	ASSERT(len > BLOCKZEROALIGN);
	ASSERT(!COPIED(ht));
	block_zero_no_xmm(pt_map(ht, entry), (int)len);
	pt_unmap(ht);
}

x86pte_t
x86pte_get(htable_t *ht, uint_t entry)
{
	x86pte_t pte;

	ASSERT(entry < mmu.ptes_per_table);
	pte = GET_PTE(pt_map(ht, entry));
	pt_unmap(ht);
	return (pte);
}

/* compare-and-swap one entry; no TLB work (used for table links) */
static x86pte_t
pt_cas(htable_t *ht, uint_t entry, x86pte_t old, x86pte_t new)
{
	x86pte_t found = CAS_PTE(pt_map(ht, entry), old, new);

	pt_unmap(ht);
	return (found);
}

/*
 * Install new in an entry and return what it replaced.  If the frame does
 * not change, the REF and MOD bits the hardware set are kept.  An entry
 * already equal to new (another thread got there first) only needs this
 * CPU's TLB flushed.  A large page over a link to a lower table is
 * refused with LPAGE_ERROR, so the HAT retries with smaller pages.
 */
x86pte_t
x86pte_set(htable_t *ht, uint_t entry, x86pte_t new, void *ptr)
{
	level_t l = ht->ht_level;
	x86pte_t frame = (l != 0) ? PT_PADDR_LGPG : PT_PADDR;
	uintptr_t va = htable_e2va(ht, entry);
	x86pte_t *ptep = (ptr != NULL) ? ptr : pt_map(ht, entry);
	x86pte_t cur, want, result;

	ASSERT(new != 0);
	ASSERT(!(ht->ht_flags & HTABLE_SHARED_PFN));
	for (;;) {
		cur = GET_PTE(ptep);
		want = new;
		if (PTE_ISVALID(want) && (cur & frame) == (new & frame))
			want |= cur & (PT_REF | PT_MOD);
		if (cur == want) {
			mmu_tlbflush_entry((caddr_t)va);
			result = new;
			break;
		}
		if (l > 0 && PTE_ISVALID(cur) && !(cur & PT_PAGESIZE)) {
			result = LPAGE_ERROR;
			break;
		}
		if (CAS_PTE(ptep, cur, want) == cur) {
			/* a TLB may hold the old entry only if it was used */
			if (cur & PT_REF)
				hat_tlb_inval(ht->ht_hat, va);
			result = cur;
			break;
		}
	}
	if (ptr == NULL)
		pt_unmap(ht);
	return (result);
}

/*
 * Clear *ptep unless it maps a frame other than expect's (expect 0: clear
 * whatever is there).  The loop absorbs REF/MOD updates by the hardware.
 * Returns the value seen last; it was cleared iff it was valid and
 * matched.
 */
static x86pte_t
pte_clear_matching(x86pte_t *ptep, x86pte_t expect, boolean_t *cleared)
{
	x86pte_t cur;

	*cleared = B_FALSE;
	for (;;) {
		cur = GET_PTE(ptep);
		if (expect != 0 && (cur & PT_PADDR) != (expect & PT_PADDR))
			return (cur);
		if (CAS_PTE(ptep, cur, 0) == cur) {
			*cleared = B_TRUE;
			return (cur);
		}
	}
}

x86pte_t
x86pte_inval(htable_t *ht, uint_t entry, x86pte_t expect, x86pte_t *pte_ptr,
    boolean_t tlb)
{
	x86pte_t *ptep = (pte_ptr != NULL) ? pte_ptr : pt_map(ht, entry);
	boolean_t cleared;
	x86pte_t old;

	ASSERT(!(ht->ht_flags & HTABLE_SHARED_PFN));
	ASSERT(ht->ht_level <= mmu.max_page_level);
	old = pte_clear_matching(ptep, expect, &cleared);
	if (cleared && tlb && (old & (PT_REF | PT_MOD)))
		hat_tlb_inval(ht->ht_hat, htable_e2va(ht, entry));
	if (pte_ptr == NULL)
		pt_unmap(ht);
	return (old);
}

/*
 * Replace expect with new.  When the change takes write permission away
 * from a clean page, a CPU still holding the old TLB entry may have
 * written (setting MOD) before the shootdown finished; then write
 * permission is given back and the call reports failure, as if the swap
 * had not happened.
 */
x86pte_t
x86pte_update(htable_t *ht, uint_t entry, x86pte_t expect, x86pte_t new)
{
	x86pte_t *ptep, found, cur;
	boolean_t revokes_write;

	ASSERT(new != 0);
	ASSERT(!(ht->ht_flags & HTABLE_SHARED_PFN));
	ASSERT(ht->ht_level <= mmu.max_page_level);
	revokes_write = (expect & (PT_WRITABLE | PT_MOD)) == PT_WRITABLE &&
	    (new & (PT_WRITABLE | PT_MOD)) == 0;
	ptep = pt_map(ht, entry);
	found = CAS_PTE(ptep, expect, new);
	if (found == expect) {
		hat_tlb_inval(ht->ht_hat, htable_e2va(ht, entry));
		if (revokes_write && (GET_PTE(ptep) & PT_MOD) != 0) {
			do {
				cur = GET_PTE(ptep);
			} while (CAS_PTE(ptep, cur, cur | PT_WRITABLE) != cur);
			found = cur | PT_WRITABLE;
		}
	}
	pt_unmap(ht);
	return (found);
}

/*
 * Copy entries of src into dest (not atomic: dest is a new top table no
 * other thread uses yet).  Without kpm, src is reached through this vCPU's
 * second window, under the hci_mutex that mapping dest took.
 */
static x86pte_t *
src_window(pfn_t pfn, uint_t entry)
{
	uint_t w = PWIN_SRC(CPU->cpu_id);

	*(x86pte_t *)(void *)PWIN_PTE_VA(w) =
	    MAKEPTE(pfn, 0) | mmu.pt_global | mmu.pt_nx;
	mmu_tlbflush_entry(PWIN_VA(w));
	return (PT_INDEX_PTR(PWIN_VA(w), entry));
}

void
x86pte_copy(htable_t *src, htable_t *dest, uint_t entry, uint_t count)
{
	x86pte_t *to, *from;

	ASSERT(khat_running);
	ASSERT(!((src->ht_flags | dest->ht_flags) &
	    (HTBED_HT_COPIED | HTABLE_SHARED_PFN)));
	to = pt_map(dest, entry);
	if (kpm_vbase != NULL)
		from = PT_INDEX_PTR(hat_kpm_pfn2va(src->ht_pfn), entry);
	else
		from = src_window(src->ht_pfn, entry);
	bcopy(from, to, (size_t)count << mmu.pte_size_shift);
	pt_unmap(dest);
}

/*
 * ------------------------------------------------------------------------
 * Linking tables into their parents.  Both run under the child's bucket
 * mutex, with a hold on the parent.  An entry of a copied top table is
 * also in the per-CPU tables of the CPUs running the hat: every change of
 * one is followed by a shootdown of the whole hat, whose cross-call
 * copies it there.
 * ------------------------------------------------------------------------
 */
static void
ptp_link(htable_t *above, htable_t *child, uintptr_t va)
{
	x86pte_t ptp = MAKEPTP(child->ht_pfn, child->ht_level);
	x86pte_t was;

	ASSERT(BUSY(above) > 0);
	ASSERT(child->ht_level != mmu.max_level);
	HTABLE_INC(above->ht_valid_cnt);
	was = pt_cas(above, htable_va2entry(va, above), 0, ptp);
	/* only a REF bit the hardware left in the empty slot may remain */
	if ((was & ~(x86pte_t)PT_REF) != 0)
		panic("ptp_link: slot for a new table holds " FMT_PTE, was);
	if (COPIED(above))
		hat_tlb_inval(above->ht_hat, DEMAP_ALL_ADDR);
}

/*
 * Take a table out of its parent.  TLBs cache upper-level entries too, so
 * an address under the old table is flushed -- all of the hat's, if the
 * parent is a copied top table -- unless the hat is going away.
 */
static void
ptp_unlink(htable_t *above, htable_t *child, uintptr_t va)
{
	x86pte_t ptp = MAKEPTP(child->ht_pfn, child->ht_level);
	hat_t *hat = child->ht_hat;
	x86pte_t was;

	ASSERT(BUSY(above) > 0);
	ASSERT(VALID(above) > 0);
	ASSERT(VALID(child) == 0);
	was = pt_cas(above, htable_va2entry(va, above), ptp, 0);
	if (was != ptp)
		panic("ptp_unlink: parent entry " FMT_PTE ", expected "
		    FMT_PTE, was, ptp);
	if (!(HAT_FLAGS(hat) & HAT_FREEING))
		hat_tlb_inval(hat, COPIED(above) ? DEMAP_ALL_ADDR :
		    child->ht_vaddr);
	HTABLE_DEC(above->ht_valid_cnt);
}

/*
 * ------------------------------------------------------------------------
 * Stealing and reaping
 * ------------------------------------------------------------------------
 */

/* under the bucket mutex: may this table be taken on this pass? */
static boolean_t
steal_candidate(htable_t *ht, uint_t threshold)
{
	return (ht->ht_level == 0 && !(ht->ht_flags & HTABLE_SHARED_PFN) &&
	    BUSY(ht) == 0 && LOCKED(ht) == 0 &&
	    (uint_t)VALID(ht) <= threshold);
}

/*
 * Unmap entry e of a table being stolen, which held pte when read, unless
 * a locked mapping may be there.  A locked load (hati_pte_map()) raises
 * ht_lock_cnt first, then stores its PTE holding the page's mapping-list
 * lock.  So, under that lock, with the entry still mapping the same page,
 * a lock count of 0 means no locked mapping is in the entry, nor can one
 * appear there before the lock is dropped; read before the lock, as the
 * illumos loop does, it proves nothing (corpus/findings/
 * steal-unmaps-locked).  A mapping without a page_t (NOCONSIST) has no
 * such lock: it stays, and so does its table.  Returns B_FALSE when the
 * steal must give the table up.
 */
static boolean_t
steal_unmap_entry(htable_t *ht, uint_t e, x86pte_t pte)
{
	pfn_t pfn = PTE2PFN(pte, ht->ht_level);
	page_t *pp;
	hment_t *hm;

	if (PTE_GET(pte, PT_SOFTWARE) >= PT_NOCONSIST)
		return (B_FALSE);
	pp = page_numtopp_nolock(pfn);
	x86_hm_enter(pp);
	if (LOCKED(ht) != 0) {
		x86_hm_exit(pp);
		return (B_FALSE);
	}
	pte = x86pte_get(ht, e);
	if (!PTE_ISVALID(pte) || PTE2PFN(pte, ht->ht_level) != pfn) {
		x86_hm_exit(pp);	/* unmapped meanwhile */
		return (B_TRUE);
	}
	hm = hati_page_unmap(pp, ht, e);	/* drops the list lock */
	if (hm != NULL)
		hment_free(hm);
	return (B_TRUE);
}

/*
 * With the table pinned (busy == 1, ours) and the bucket mutex dropped,
 * unmap its entries (the page mapping-list locks rank above the bucket
 * mutex, hence the dropped mutex).  Stop as soon as someone else takes a
 * hold or locks a mapping.
 */
static void
steal_unload(htable_t *ht)
{
	uint_t e;
	x86pte_t pte;

	for (e = 0; e < HTABLE_NUM_PTES(ht); e++) {
		if (VALID(ht) == 0 || BUSY(ht) != 1 || LOCKED(ht) != 0)
			return;
		pte = x86pte_get(ht, e);
		if (PTE_ISVALID(pte) && !steal_unmap_entry(ht, e, pte))
			return;
	}
}

/*
 * Try to take one table from bucket h of hat.  Returns the stolen table's
 * parent, whose hold (the one the stolen child owned) the caller drops
 * after the bucket mutex is released.
 */
static htable_t *
steal_in_bucket(hat_t *hat, uint_t h, uint_t threshold, htable_t **list,
    uint_t *got)
{
	kmutex_t *m = bucket_mutex(h);
	htable_t *ht, *parent = NULL;

	mutex_enter(m);
	for (ht = hat->hat_ht_hash[h]; ht != NULL; ht = ht->ht_next) {
		if (!steal_candidate(ht, threshold))
			continue;
		busy_adjust(ht, 1);
		mutex_exit(m);
		steal_unload(ht);
		mutex_enter(m);
		if (BUSY(ht) != 1 || VALID(ht) != 0 || LOCKED(ht) != 0) {
			/* someone mapped or held it meanwhile: leave it */
			busy_adjust(ht, -1);
			continue;
		}
		parent = ht->ht_parent;
		ptp_unlink(parent, ht, ht->ht_vaddr);
		chain_remove(hat, h, ht);
		ht->ht_next = *list;
		*list = ht;
		(*got)++;
		break;
	}
	mutex_exit(m);
	return (parent);
}

/*
 * Take in-use tables of hat, at most one per bucket visited, starting at
 * a different bucket each time to spread the page faults that follow:
 * the n-th call (from 0) starts at bucket n modulo the hash size.
 */
static void
steal_active(hat_t *hat, uint_t want, uint_t threshold, htable_t **list,
    uint_t *got)
{
	static uint32_t rotor;
	uint_t n = hat->hat_num_hash;
	uint_t start = (atomic_inc_32_nv(&rotor) - 1) % n;
	uint_t i;
	htable_t *parent;

	for (i = 0; i < n && *got < want; i++) {
		parent = steal_in_bucket(hat, (start + i) % n, threshold, list,
		    got);
		if (parent != NULL)
			htable_release(parent);
	}
}

static void
steal_cached(hat_t *hat, uint_t want, htable_t **list, uint_t *got)
{
	htable_t *ht;

	hat_enter(hat);
	while (*got < want && (ht = hat->hat_ht_cached) != NULL) {
		ATOMIC_WRITE(hat->hat_ht_cached, ht->ht_next);
		ht->ht_next = *list;
		*list = ht;
		(*got)++;
	}
	hat_exit(hat);
}

/*
 * The first hat at or after hat that a stealer may work on: not a victim
 * already, not exporting shared tables, not being freed, not a CPU's own
 * (KPTI era: its mappings are the CPU's, punched in for good).
 */
static hat_t *
steal_next_hat(hat_t *hat)
{
	ASSERT(MUTEX_HELD(&hat_list_lock));
	while (hat != NULL && (HAT_FLAGS(hat) & HTBED_HAT_NOSTEAL) != 0)
		hat = hat->hat_next;
	return (hat);
}

/* move hat to the tail of the hat list, so the next steal starts elsewhere */
static void
victim_to_tail(hat_t *hat)
{
	hat_t *khat = kas.a_hat;

	ASSERT(MUTEX_HELD(&hat_list_lock));
	if (hat->hat_prev != NULL)
		hat->hat_prev->hat_next = hat->hat_next;
	else
		khat->hat_next = hat->hat_next;
	if (hat->hat_next != NULL)
		hat->hat_next->hat_prev = hat->hat_prev;
	else
		khat->hat_prev = hat->hat_prev;
	hat->hat_prev = khat->hat_prev;
	hat->hat_next = NULL;
	if (hat->hat_prev != NULL)
		hat->hat_prev->hat_next = hat;
	else
		khat->hat_next = hat;
	khat->hat_prev = hat;
}

/*
 * One pass over the user hats.  Each hat is marked VICTIM for the time we
 * work on it with hat_list_lock dropped, which keeps other stealers off it
 * and makes hat_free_start() wait.  A reaper forgets the hat in the tables
 * it took before the mark is cleared: after that the hat may be freed.
 */
static void
steal_pass(uint_t pass, uint_t threshold, uint_t want, boolean_t reap,
    htable_t **list, uint_t *got)
{
	hat_t *hat;
	htable_t *ht;

	mutex_enter(&hat_list_lock);
	for (hat = steal_next_hat(kas.a_hat->hat_next);
	    hat != NULL && *got < want; hat = steal_next_hat(hat->hat_next)) {
		atomic_or_16(&hat->hat_flags, HAT_VICTIM);
		mutex_exit(&hat_list_lock);

		steal_cached(hat, want, list, got);
		if (pass > 0 && *got < want)
			steal_active(hat, want, threshold, list, got);
		for (ht = *list; reap && ht != NULL; ht = ht->ht_next) {
			ASSERT(ht->ht_hat == NULL || ht->ht_hat == hat);
			ht->ht_hat = NULL;
		}

		mutex_enter(&hat_list_lock);
		if (*got == want && pass > 0 && want == 1 &&
		    kas.a_hat->hat_prev != hat)
			victim_to_tail(hat);
		ASSERT(hat != kas.a_hat);
		atomic_and_16(&hat->hat_flags, (uint16_t)~HAT_VICTIM);
		cv_broadcast(&hat_list_cv);
	}
	mutex_exit(&hat_list_lock);
}

/*
 * Steal up to want htables from user hats.  Pass 0 takes only cached
 * tables; pass p also empties in-use level-0 tables that have at most
 * p / passes of their entries valid.  A reap, which only gives memory
 * back, makes pass 0 alone where the era says so (htbed/era.h): stealing
 * tables in use from each other, processes would only fault them back.
 */
static htable_t *
pt_steal(uint_t want, boolean_t reap)
{
	uint_t passes = MIN(MAX(htable_steal_passes, 1), mmu.ptes_per_table);
	uint_t last = (reap && !HTBED_REAP_STEALS_ACTIVE) ? 0 : passes;
	htable_t *list = NULL;
	uint_t got = 0, pass;

	atomic_inc_32(&htable_dont_cache);
	for (pass = 0; pass <= last && got < want; pass++)
		steal_pass(pass, pass * mmu.ptes_per_table / passes, want,
		    reap, &list, &got);
	atomic_dec_32(&htable_dont_cache);
	return (list);
}

/*
 * The htable_cache reclaim callback, which kmem runs when memory is low:
 * steal about 5% of the page tables (at least 10) and free them.
 */
static void
htable_reclaim(void *arg)
{
	htable_t *victim, *next;
	uint_t want;

	(void) arg;
	HATSTAT_INC(hs_reap_attempts);
	if (!ATOMIC_READ(can_steal_post_boot))
		return;
	want = MAX(MIN(physmem / 20, ATOMIC_READ(pt_frames_active) / 20), 10);
	atomic_inc_32(&htable_dont_cache);
	for (victim = pt_steal(want, B_TRUE); victim != NULL; victim = next) {
		next = victim->ht_next;
		ht_dispose(victim);
		HATSTAT_INC(hs_reaped);
	}
	atomic_dec_32(&htable_dont_cache);
	htable_adjust_reserve();
	hment_adjust_reserve();
}

/*
 * ------------------------------------------------------------------------
 * Allocating and freeing htables
 * ------------------------------------------------------------------------
 */

/* a cached table: its page table is known to be all zero */
static htable_t *
ht_from_cache(hat_t *hat)
{
	htable_t *ht;

	if (ATOMIC_READ(hat->hat_ht_cached) == NULL)
		return (NULL);
	hat_enter(hat);
	ht = hat->hat_ht_cached;
	if (ht != NULL) {
		ATOMIC_WRITE(hat->hat_ht_cached, ht->ht_next);
		ASSERT(ht->ht_pfn != PFN_INVALID);
	}
	hat_exit(hat);
	return (ht);
}

/* from kmem, topping up the reserve first with what kmem gives */
static htable_t *
ht_from_kmem(int kmflags)
{
	htable_t *ht;

	for (;;) {
		if ((ht = reserve_new(kmflags)) == NULL)
			return (NULL);
		if (USE_HAT_RESERVES() ||
		    ATOMIC_READ(htable_reserve_cnt) >= htable_reserve_amount)
			return (ht);
		reserve_push(ht);
	}
}

/* a fresh htable, with a (not yet zeroed) page table unless bare */
static htable_t *
ht_fresh(hat_t *hat, boolean_t bare)
{
	int kmflags = ATOMIC_READ(can_steal_post_boot) ? KM_NOSLEEP : KM_SLEEP;
	htable_t *ht;

	ht = USE_HAT_RESERVES() ? reserve_pop() : ht_from_kmem(kmflags);
	if (ht == NULL || bare)
		return (ht);
	ht->ht_hat = hat;
	ht->ht_pfn = pt_frame_alloc((uintptr_t)ht);
	if (ht->ht_pfn != PFN_INVALID)
		return (ht);
	if (USE_HAT_RESERVES())
		reserve_push(ht);
	else
		kmem_cache_free(htable_cache, ht);
	return (NULL);
}

/* memory is short: ask kmem to reap, and steal one table */
static htable_t *
ht_steal_one(boolean_t bare)
{
	htable_t *ht;

	kmem_reap();
	ht = pt_steal(1, B_FALSE);
	HATSTAT_INC(hs_steals);
	if (ht != NULL && bare) {
		pt_frame_free(ht->ht_pfn);
		ht->ht_pfn = PFN_INVALID;
	}
	return (ht);
}

/*
 * A free htable becomes the table (hat, base, level) in frame pfn, with
 * the caller's hold as its only one.  It is not yet visible to any other
 * thread, so plain stores do.
 */
static void
ht_become(htable_t *ht, hat_t *hat, uintptr_t base, level_t level,
    htable_t *parent, htable_t *shares, pfn_t pfn, uint8_t flags)
{
	*ht = (htable_t) {
		.ht_level = level, .ht_vaddr = base, .ht_hat = hat,
		.ht_pfn = pfn, .ht_parent = parent, .ht_shares = shares,
		.ht_flags = flags, .ht_busy = 1,
	};
}

/*
 * Get an htable for (hat, vaddr, level), busy 1, not yet hashed or
 * linked.  A shared one borrows the page table of `shared`; a copied top
 * table has none (its entries are in the hat).  Tries the hat's cache,
 * then the reserve or kmem, then stealing, as long as it takes; only a
 * failure before stealing is allowed (boot) is fatal.
 */
static htable_t *
ht_obtain(hat_t *hat, uintptr_t vaddr, level_t level, htable_t *shared)
{
	boolean_t copied = HTBED_TOP_IS_COPIED(hat, level);
	boolean_t bare = (shared != NULL || copied);
	boolean_t zeroed = B_FALSE;
	htable_t *ht = NULL;
	uint8_t flags;
	pfn_t pfn;

	if (level < 0 || level > TOP_LEVEL(hat))
		panic("ht_obtain: level %d out of range", level);
	if (!bare && (ht = ht_from_cache(hat)) != NULL)
		zeroed = B_TRUE;
	if (ht == NULL)
		ht = ht_fresh(hat, bare);
	while (ht == NULL && ATOMIC_READ(can_steal_post_boot))
		ht = ht_steal_one(bare);
	if (ht == NULL)
		panic("ht_obtain: no htable to be had, not even by stealing");

	ASSERT(shared == NULL || VALID(shared) > 0);
	flags = (shared != NULL) ? HTABLE_SHARED_PFN :
	    copied ? HTBED_HT_COPIED : 0;
	pfn = (shared != NULL) ? shared->ht_pfn : ht->ht_pfn;
	ht_become(ht, hat, vaddr, level, NULL, shared, pfn, flags);
	if (!zeroed && !bare)
		pt_zero(ht, 0, mmu.ptes_per_table);
	return (ht);
}

/* may a freed table keep its page table in its hat's cache? */
static boolean_t
ht_cacheable(htable_t *ht)
{
	hat_t *hat = ht->ht_hat;

	if (hat == NULL || (ht->ht_flags & (HTABLE_SHARED_PFN | HTBED_HT_COPIED)))
		return (B_FALSE);
	if (use_boot_reserve)
		return (B_TRUE);
	return (!(HAT_FLAGS(hat) & HAT_FREEING) &&
	    ATOMIC_READ(htable_dont_cache) == 0);
}

/* free an htable: into its hat's cache, the reserve, or kmem */
static void
ht_dispose(htable_t *ht)
{
	hat_t *hat = ht->ht_hat;

	if (ht_cacheable(ht)) {
		ASSERT(ht->ht_pfn != PFN_INVALID);
		hat_enter(hat);
		ht->ht_next = hat->hat_ht_cached;
		ATOMIC_WRITE(hat->hat_ht_cached, ht);
		hat_exit(hat);
		return;
	}
	/* a shared table's page belongs to the table it shares */
	if (!(ht->ht_flags & (HTABLE_SHARED_PFN | HTBED_HT_COPIED)))
		pt_frame_free(ht->ht_pfn);
	ht->ht_pfn = PFN_INVALID;
	if (USE_HAT_RESERVES() ||
	    ATOMIC_READ(htable_reserve_cnt) < htable_reserve_amount) {
		reserve_push(ht);
	} else {
		kmem_cache_free(htable_cache, ht);
		htable_adjust_reserve();
	}
}

/*
 * A hat is being swapped out (not FREEING): give back its cached tables.
 * Or it is being destroyed (FREEING): free everything it still has, cached
 * or hashed, without unlinking or flushing anything; no other thread can
 * reach the hat any more.
 */
void
htable_purge_hat(hat_t *hat)
{
	boolean_t dying = (HAT_FLAGS(hat) & HAT_FREEING) != 0;
	htable_t *cached, *ht;
	uint_t h;

	/* a live hat's cache is taken under hat_mutex; a dying one's freely */
	if (!dying) {
		atomic_inc_32(&htable_dont_cache);
		hat_enter(hat);
	}
	cached = hat->hat_ht_cached;
	ATOMIC_WRITE(hat->hat_ht_cached, NULL);
	if (!dying)
		hat_exit(hat);
	for (; cached != NULL; cached = ht) {
		ht = cached->ht_next;
		ht_dispose(cached);
	}
	if (!dying) {
		atomic_dec_32(&htable_dont_cache);
		return;
	}
	for (h = 0; h < hat->hat_num_hash; h++) {
		while ((ht = hat->hat_ht_hash[h]) != NULL) {
			chain_remove(hat, h, ht);
			ht_dispose(ht);
		}
	}
}

/*
 * ------------------------------------------------------------------------
 * Holds: lookup, acquire, create, release
 * ------------------------------------------------------------------------
 */

/*
 * The free decision, under the bucket mutex.  An empty table with no
 * other holder is freed if it shares its page (always), or if it is below
 * max_page_level, or if it is a kernel table below kernelbase; never while
 * the hat is being torn down (hat_free_end() purges it all).
 */
static boolean_t
release_frees(htable_t *ht)
{
	hat_t *hat = ht->ht_hat;

	if (VALID(ht) > 0 || BUSY(ht) > 1)
		return (B_FALSE);
	ASSERT(LOCKED(ht) == 0);
	if (ht->ht_flags & HTABLE_SHARED_PFN)
		return (B_TRUE);
	if (HAT_FLAGS(hat) & HAT_FREEING)
		return (B_FALSE);
	return (ht->ht_level < (level_t)mmu.max_page_level ||
	    (hat == kas.a_hat && ht->ht_vaddr < kernelbase));
}

/*
 * Drop one hold on ht; free it, and then its parent the same way, while
 * each is left empty and unheld.  Returns the source table whose hold a
 * freed shared table owned (to be released in turn), or NULL.
 */
static htable_t *
release_chain(htable_t *ht)
{
	htable_t *source = NULL, *parent;
	kmutex_t *m;
	uint_t h;

	for (;;) {
		h = HTABLE_HASH(ht->ht_hat, ht->ht_vaddr, ht->ht_level);
		m = bucket_mutex(h);
		mutex_enter(m);
		ASSERT(VALID(ht) >= 0);
		ASSERT(BUSY(ht) > 0);
		if (!release_frees(ht)) {
			busy_adjust(ht, -1);
			mutex_exit(m);
			return (source);
		}
		parent = ht->ht_parent;
		ASSERT(parent != NULL);
		ptp_unlink(parent, ht, ht->ht_vaddr);
		chain_remove(ht->ht_hat, h, ht);
		mutex_exit(m);
		/* only the table freed first can be a shared one */
		ASSERT(source == NULL || !(ht->ht_flags & HTABLE_SHARED_PFN));
		if (ht->ht_flags & HTABLE_SHARED_PFN) {
			HATSTAT_INC(hs_htable_unshared);
			source = ht->ht_shares;
		}
		ht_dispose(ht);
		ht = parent;
	}
}

void
htable_release(htable_t *ht)
{
	while (ht != NULL)
		ht = release_chain(ht);
}

htable_t *
htable_lookup(hat_t *hat, uintptr_t vaddr, level_t level)
{
	uintptr_t base;
	htable_t *ht;
	uint_t h;

	ASSERT(level >= 0);
	ASSERT(level <= TOP_LEVEL(hat));
	/* a 32-bit process's top table covers its 4G and no more */
	if (level == TOP_LEVEL(hat) && HTBED_HAT_IS_32(hat) &&
	    vaddr >= (1ul << 32))
		return (NULL);
	base = table_base(hat, vaddr, level);
	h = HTABLE_HASH(hat, base, level);
	mutex_enter(bucket_mutex(h));
	ht = chain_find(hat, h, base, level);
	if (ht != NULL)
		busy_adjust(ht, 1);
	mutex_exit(bucket_mutex(h));
	return (ht);
}

/* a new hold on a table known to exist (found through an hment) */
void
htable_acquire(htable_t *ht)
{
	uint_t h = HTABLE_HASH(ht->ht_hat, ht->ht_vaddr, ht->ht_level);

	mutex_enter(bucket_mutex(h));
	ASSERT(chain_find(ht->ht_hat, h, ht->ht_vaddr, ht->ht_level) == ht);
	busy_adjust(ht, 1);
	mutex_exit(bucket_mutex(h));
}

/*
 * Find or make the level-l table covering vaddr, the caller holding a
 * hold on `above` (the table one level up, NULL at the top).  Returns the
 * table with a hold for the caller.  The hold on `above` is dropped if the
 * table already existed, or handed to the new table (as its parent hold)
 * if it was made here.  Allocation happens with the bucket mutex dropped;
 * whoever links first wins and a loser disposes of its spare.
 */
static htable_t *
create_level(hat_t *hat, uintptr_t vaddr, level_t l, htable_t *shared,
    htable_t *above)
{
	uintptr_t base = table_base(hat, vaddr, l);
	uint_t h = HTABLE_HASH(hat, base, l);
	kmutex_t *m = bucket_mutex(h);
	htable_t *spare = NULL, *ht;

	for (;;) {
		mutex_enter(m);
		ht = (l == TOP_LEVEL(hat)) ? hat->hat_htable :
		    chain_find(hat, h, base, l);
		if (ht != NULL || spare != NULL)
			break;
		mutex_exit(m);
		spare = ht_obtain(hat, base, l, shared);
	}

	if (ht == NULL) {
		if (above != NULL) {
			ptp_link(above, spare, base);
			spare->ht_parent = above;
		}
		chain_insert(hat, h, spare);
		mutex_exit(m);
		if (shared != NULL) {
			/* pin the source: an empty one must not be stolen */
			(void) htable_lookup(shared->ht_hat, shared->ht_vaddr,
			    shared->ht_level);
			HATSTAT_INC(hs_htable_shared);
		}
		return (spare);
	}

	if (shared != NULL && ht->ht_shares != NULL && ht->ht_shares != shared)
		panic("create_level: table %p shares %p, not %p", (void *)ht,
		    (void *)ht->ht_shares, (void *)shared);
	busy_adjust(ht, 1);
	mutex_exit(m);
	if (spare != NULL)
		ht_dispose(spare);
	if (above != NULL)
		htable_release(above);
	return (ht);
}

/* find or make every table from the top down to level, for vaddr */
htable_t *
htable_create(hat_t *hat, uintptr_t vaddr, level_t level, htable_t *shared)
{
	htable_t *ht = NULL;
	level_t l;

	if (level < 0 || level > TOP_LEVEL(hat))
		panic("htable_create: level %d out of range", level);
	for (l = TOP_LEVEL(hat); l >= level; l--)
		ht = create_level(hat, vaddr, l, l == level ? shared : NULL, ht);
	return (ht);
}

/*
 * Boot: adopt page tables built before the kernel hat ran, starting at the
 * table in frame pfn, and count their entries.  Each adopted table holds
 * its parent, as a created one does.
 */
void
htable_attach(hat_t *hat, uintptr_t base, level_t level, htable_t *parent,
    pfn_t pfn)
{
	htable_t *ht = reserve_pop();
	x86pte_t *ptes, pte;
	uintptr_t end;
	page_t *pp;
	uint_t h, e;

	ASSERT(ht != NULL);
	ht_become(ht, hat, base, level, parent, NULL, pfn, 0);
	if (level == (level_t)mmu.max_level)
		kas.a_hat->hat_htable = ht;
	if (parent != NULL)
		busy_adjust(parent, 1);
	h = HTABLE_HASH(hat, base, level);
	mutex_enter(bucket_mutex(h));
	chain_insert(hat, h, ht);
	mutex_exit(bucket_mutex(h));

	if (page_resv(1, KM_NOSLEEP) == 0)
		panic("htable_attach: no page reservation for pfn 0x%lx", pfn);
	pp = boot_claim_page(pfn);
	ASSERT(pp != NULL);
	if (pp->p_vnode == NULL)
		(void) page_hashin(pp, &kvp, mmu.hole_start +
		    ((u_offset_t)(uintptr_t)ht << MMU_PAGESHIFT), NULL);
	page_downgrade(pp);

	for (e = 0; e < HTABLE_NUM_PTES(ht); e++) {
		ptes = kbm_remap_window(pfn_to_pa(pfn), 0);
		pte = ptes[e];
		if (PTE_ISVALID(pte)) {
			HTABLE_INC(ht->ht_valid_cnt);
			if (!PTE_ISPAGE(pte, level))
				htable_attach(hat, htable_e2va(ht, e),
				    level - 1, ht, PTE2PFN(pte, level));
		}
	}
	/* keep the hold only on a table that reaches kernelbase */
	end = htable_e2va(ht, HTABLE_NUM_PTES(ht) - 1) + LEVEL_SIZE(level);
	if (end < kernelbase)
		htable_release(ht);
}

/*
 * ------------------------------------------------------------------------
 * Walking
 * ------------------------------------------------------------------------
 */
uint_t
htable_va2entry(uintptr_t va, htable_t *ht)
{
	ASSERT(va >= ht->ht_vaddr);
	ASSERT(va <= HTABLE_LAST_PAGE(ht));
	return ((va >> LEVEL_SHIFT(ht->ht_level)) &
	    (HTABLE_NUM_PTES(ht) - 1));
}

/* the va of entry; above the top table's middle entry, skip the hole */
uintptr_t
htable_e2va(htable_t *ht, uint_t entry)
{
	uintptr_t va;

	ASSERT(entry < HTABLE_NUM_PTES(ht));
	va = ht->ht_vaddr + ((uintptr_t)entry << LEVEL_SHIFT(ht->ht_level));
	if (ht->ht_level == (level_t)mmu.max_level && va >= mmu.hole_start)
		va += mmu.hole_end - mmu.hole_start + 1;
	return (va);
}

/*
 * The first valid entry of ht at or after *vap, below eaddr: returned,
 * with *vap set to its address.  If there is none, returns 0 with *vap at
 * the first address not examined (translated past the VA hole at the
 * top level).
 */
static x86pte_t
pt_scan(htable_t *ht, uintptr_t *vap, uintptr_t eaddr)
{
	level_t l = ht->ht_level;
	uintptr_t va = *vap & LEVEL_MASK(l);
	uint_t e, last = HTABLE_NUM_PTES(ht) - 1;
	x86pte_t *table, pte = 0, cur;

	ASSERT(va >= ht->ht_vaddr);
	ASSERT(va <= HTABLE_LAST_PAGE(ht));
	e = htable_va2entry(va, ht);
	table = pt_map(ht, 0);
	for (;;) {
		cur = GET_PTE(&table[e]);
		if (PTE_ISVALID(cur)) {
			pte = cur;
			break;
		}
		va += LEVEL_SIZE(l);
		if (va >= eaddr || e == last)
			break;
		e++;
	}
	pt_unmap(ht);
	if (l == (level_t)mmu.max_level && va >= mmu.hole_start &&
	    va <= mmu.hole_end)
		va = mmu.hole_end + (va - mmu.hole_start);
	*vap = va;
	return (pte);
}

/* the largest page size the hat may have mapped anywhere */
static level_t
largest_mapped_level(hat_t *hat)
{
	level_t l;

	if (ATOMIC_READ(hat->hat_ism_pgcnt) > 0)
		return ((level_t)mmu.umax_page_level);
	for (l = (level_t)mmu.max_page_level; l > 0; l--) {
		if (ATOMIC_READ(hat->hat_pages_mapped[l]) != 0)
			return (l);
	}
	return (0);
}

/*
 * One step of a walk: scan the lowest table that covers *vap.  Levels with
 * no table let the walk jump to the next entry of the level above, as long
 * as no page that large could be mapped.  Returns a leaf (with a hold, in
 * *htp) or 0 with *vap advanced.
 */
static x86pte_t
walk_step(hat_t *hat, uintptr_t *vap, uintptr_t eaddr, level_t largest,
    htable_t **htp)
{
	level_t l = 0;
	htable_t *ht;
	x86pte_t pte;

	while ((ht = htable_lookup(hat, *vap, l)) == NULL) {
		ASSERT(l < TOP_LEVEL(hat));
		if (l >= largest) {
			*vap = NEXT_ENTRY_VA(*vap, l + 1);
			if (*vap >= eaddr)
				return (0);
		}
		l++;
	}
	pte = pt_scan(ht, vap, eaddr);
	if (PTE_ISPAGE(pte, l)) {
		*htp = ht;
		return (pte);
	}
	htable_release(ht);
	return (0);
}

/*
 * The next mapped page at or above *vaddr and below eaddr.  The table the
 * caller holds from the previous call (*htp) is searched first; a walk
 * that moves on releases it.  Returns the leaf with a hold on its table,
 * or 0 with *htp NULL at the end.
 */
x86pte_t
htable_walk(hat_t *hat, htable_t **htp, uintptr_t *vaddr, uintptr_t eaddr)
{
	uintptr_t start = *vaddr, va = *vaddr;
	htable_t *prev = *htp, *ht = NULL;
	level_t largest;
	x86pte_t pte;

	ASSERT(eaddr > va);
	if (hat != kas.a_hat) {
		/* user walks end at kernelbase at the latest */
		ASSERT(eaddr <= kernelbase || eaddr == HTABLE_WALK_TO_END);
		eaddr = MIN(eaddr, kernelbase);
	}

	if (prev != NULL) {
		ASSERT(BUSY(prev) > 0);
		ASSERT(prev->ht_vaddr <= va);
		if (va <= HTABLE_LAST_PAGE(prev)) {
			pte = pt_scan(prev, &va, eaddr);
			if (PTE_ISPAGE(pte, prev->ht_level)) {
				*vaddr = va;
				return (pte);
			}
		}
		htable_release(prev);
	}

	largest = largest_mapped_level(hat);
	while (va < eaddr && va >= start) {
		pte = walk_step(hat, &va, eaddr, largest, &ht);
		if (pte != 0) {
			VERIFY(!IN_VA_HOLE(va));
			*vaddr = va;
			*htp = ht;
			return (pte);
		}
	}
	*vaddr = 0;
	*htp = NULL;
	return (0);
}

/*
 * The table and entry mapping vaddr with a page of at most the given
 * level, and the entry's value; NULL if no such table exists.
 */
htable_t *
htable_getpte(hat_t *hat, uintptr_t vaddr, uint_t *entry, x86pte_t *pte,
    level_t level)
{
	htable_t *ht = NULL;
	level_t l;
	uint_t e;

	ASSERT(level <= (level_t)mmu.max_page_level);
	for (l = 0; ht == NULL && l <= level; l++)
		ht = htable_lookup(hat, vaddr, l);
	if (ht == NULL)
		return (NULL);
	e = htable_va2entry(vaddr, ht);
	if (pte != NULL)
		*pte = x86pte_get(ht, e);
	if (entry != NULL)
		*entry = e;
	return (ht);
}

/* as htable_getpte(), but only a valid page mapping counts */
htable_t *
htable_getpage(hat_t *hat, uintptr_t vaddr, uint_t *entry)
{
	htable_t *ht;
	x86pte_t pte;
	uint_t e;

	ht = htable_getpte(hat, vaddr, &e, &pte, (level_t)mmu.max_page_level);
	if (ht == NULL)
		return (NULL);
	if (entry != NULL)
		*entry = e;
	if (PTE_ISPAGE(pte, ht->ht_level))
		return (ht);
	htable_release(ht);
	return (NULL);
}

/*
 * ------------------------------------------------------------------------
 * Set-up and dumps
 * ------------------------------------------------------------------------
 */
void
htable_init(void)
{
	htable_cache = kmem_cache_create("htable_t", sizeof (htable_t), 0,
	    NULL, NULL, htable_reclaim, NULL, hat_memload_arena, KMC_NOHASH);
}

/* mark every page table for a crash dump */
void
hat_dump(void)
{
	hat_t *hat;
	htable_t *ht;
	uint_t h;

	for (hat = kas.a_hat; hat != NULL; hat = hat->hat_next) {
		for (h = 0; h < hat->hat_num_hash; h++) {
			for (ht = hat->hat_ht_hash[h]; ht != NULL;
			    ht = ht->ht_next) {
				if (!COPIED(ht))
					dump_page(ht->ht_pfn);
			}
		}
	}
}
