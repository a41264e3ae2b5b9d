/*
 * The HAT layer: address spaces on top of htable.c, driving it the way
 * illumos hat_i86.c does (KERNEL-API.md section 5).  It is the code under
 * test's only caller in every mode, so it must work unchanged with the
 * project's core/htable.c and with an unmodified illumos htable.c.
 *
 * What it keeps, and the rules it follows:
 *  - every htable_lookup/create/acquire/getpte/getpage and every
 *    successful htable_walk gives a hold that ends with htable_release;
 *  - a mapping's valid count is raised after its PTE is installed and
 *    lowered only by the thread whose CAS cleared the PTE;
 *  - hat_pages_mapped[] counts leaf mappings per level (htable_walk uses
 *    it to skip levels);
 *  - locked mappings count in ht_lock_cnt (not for the kernel hat);
 *  - consistent mappings have an hment on their page, added and removed
 *    under the page's mapping-list lock, which is taken before any bucket
 *    mutex and never across htable_create();
 *  - the hat list and the VICTIM and FREEING flags change under
 *    hat_list_lock; flags are changed atomically because htable.c reads
 *    them without the lock.
 */
#include <sys/types.h>
#include <sys/sysmacros.h>
#include <sys/kmem.h>
#include <sys/atomic.h>
#include <sys/systm.h>
#include <sys/cpuvar.h>
#include <sys/thread.h>
#include <sys/mman.h>
#include <sys/proc.h>
#include <vm/as.h>
#include <vm/hat.h>
#include <vm/hat_i86.h>
#include <htbed/hw.h>
#include <htbed/seam.h>
#include <htbed/shim.h>
#include "hat_testbed.h"
#include "hat_era.h"

struct as		kas;
struct hat_mmu_info	mmu;
struct hatstats		hatstat;
uint_t			khat_running;
cpuset_t		khat_cpuset;	/* every vCPU, from boot */
uint_t			can_steal_post_boot;
uint_t			use_boot_reserve = 1;
kmutex_t		hat_list_lock;
kcondvar_t		hat_list_cv;
kthread_t		*hat_reserves_thread;	/* files until 2007-02 */

uint_t			hat_hash_cnt = 64;
uint_t			hat_boot_reserve = 16;
const struct hat_observer *hat_observer;

extern void		hment_init(void);

#define	VALID_OF(ht)	ATOMIC_READ((ht)->ht_valid_cnt)

/*
 * ------------------------------------------------------------------------
 * Boot
 * ------------------------------------------------------------------------
 */

/* amd64 with NX, PGE and 1G pages, 48-bit VA (KERNEL-API.md section 2) */
static void
mmu_init(void)
{
	uint_t l;

	mmu.pt_nx = PT_NX;
	mmu.pt_global = PT_GLOBAL;
	mmu.pae_hat = 1;
	mmu.num_level = 4;
	mmu.max_level = 3;
	mmu.max_page_level = HTBED_MAX_PAGE_LEVEL;
	mmu.umax_page_level = HTBED_MAX_PAGE_LEVEL;
	mmu.ptes_per_table = 512;
	mmu.top_level_count = 512;
	mmu.pte_size = 8;
	mmu.pte_size_shift = 3;
	mmu.hole_start = 0x0000800000000000ul;
	mmu.hole_end = 0xffff7ffffffffffful;
	for (l = 0; l < mmu.num_level; l++) {
		mmu.level_shift[l] = 12 + 9 * l;
		mmu.level_size[l] = 1ul << mmu.level_shift[l];
		mmu.level_offset[l] = mmu.level_size[l] - 1;
		mmu.level_mask[l] = ~mmu.level_offset[l];
		mmu.pte_bits[l] = PT_VALID | (l > 0 ? PT_PAGESIZE : 0);
		mmu.ptp_bits[l] = (l > 0) ? PT_PTPBITS : 0;
	}
	mmu.ptp_bits[mmu.num_level] = PT_PTPBITS;
	mmu.hash_cnt = hat_hash_cnt;
	hati_mmu_init();
}

/* a new hat of a kind: what the era sets (flags, levels), then its hash */
hat_t *
hati_new(struct as *as, enum hati_kind kind)
{
	hat_t *hat = kmem_zalloc(sizeof (hat_t), KM_SLEEP);

	mutex_init(&hat->hat_mutex, NULL, MUTEX_DEFAULT, NULL);
	mutex_set_class(&hat->hat_mutex, LC_HAT);
#if HTBED_SWITCH_MUTEX
	mutex_init(&hat->hat_switch_mutex, NULL, MUTEX_DEFAULT, NULL);
	mutex_set_class(&hat->hat_switch_mutex, LC_SWITCH);
#endif
	hat->hat_as = as;
	hat->hat_num_hash = mmu.hash_cnt;
	hati_hat_setup(hat, kind);
	hat->hat_ht_hash = kmem_zalloc(hat->hat_num_hash * sizeof (htable_t *),
	    KM_SLEEP);
	return (hat);
}

/*
 * A page-table frame for a CPU's own tables, which the HAT keeps outside
 * any htable for good: junk until the caller fills it.
 */
x86pte_t *
hati_cpu_frame(cpu_t *cp, pfn_t *pfn)
{
	page_t *pp = page_get_physical(0);

	if (pp == NULL)
		panic("hat: no frame for cpu%d's tables", cp->cpu_id);
	*pfn = pp->p_pagenum;
	return ((x86pte_t *)(void *)SHIM_FRAME_VA(pp->p_pagenum));
}

/*
 * Copy top-level entries into a CPU's own tables, entry by entry, each an
 * atomic load and store, ordered as x86 orders them: the MMU reads them,
 * and a table they link was zeroed first.  from NULL: zeroes.  The 2015
 * era's, whose kernel copies a VLP hat's entries one assignment each
 * (VLP_COPY), so each is an access seam here; the KPTI era's kernel
 * bcopy()s them, which shim_copy_ptes() does in one call.
 */
void
hati_copy_ptes(x86pte_t *to, const x86pte_t *from, uint_t n)
{
	uint_t i;

	for (i = 0; i < n; i++)
		__atomic_store_n(&to[i], from == NULL ? 0 :
		    __atomic_load_n(&from[i], __ATOMIC_ACQUIRE),
		    __ATOMIC_RELEASE);
}

/*
 * The kernel image: SHIM_KIMAGE_FRAMES pages at HAT_KIMAGE_VA, mapped in
 * the kernel hat for good, as startup maps the kernel's text and data
 * (the KPTI era punches some of them into every CPU's own hat).
 */
static void
hati_kimage_map(void)
{
	int i;

	for (i = 0; i < 1 + ncpus; i++) {
		if (hati_load_common(kas.a_hat, HAT_KIMAGE_VA +
		    ((uintptr_t)i << MMU_PAGESHIFT), NULL,
		    PROT_READ | PROT_WRITE | PROT_EXEC,
		    HAT_LOAD_LOCK | HAT_LOAD_NOCONSIST, 0,
		    shim_kimage_first + (pfn_t)i) != 0)
			panic("hat_init: the kernel image does not map");
	}
}

static void
hati_switch_kernel(void *arg)
{
	(void) arg;
	hat_switch(kas.a_hat);
}

/*
 * Bring up the kernel hat: the reserve, the vCPUs' windows, the top table
 * (built through the boot window, khat_running still 0), then the tables
 * for every 512G slot at and above kernelbase, held forever so that user
 * hats can copy their entries; the kernel image; then each vCPU's own
 * state, and each starts running the kernel hat.
 */
void
hat_init(void)
{
	hat_t *khat;
	int c;

	mmu_init();
	htable_init();
	hment_init();
	khat = hati_new(&kas, HATI_KERNEL);
	kas.a_hat = khat;
#if HTBED_ERA == 2005
	ptable_va = (uintptr_t)shim_boot_window();
#endif
	htable_initial_reserve(hat_boot_reserve);
	for (c = 0; c < ncpus; c++) {
#if HTBED_ERA == 2005
		hati_cpu_init(cpu[c]);
#else
		x86pte_cpu_init(cpu[c]);
#endif
		CPUSET_ADD(khat_cpuset, c);
	}
	khat->hat_htable = htable_create(khat, 0, (level_t)mmu.max_level, NULL);
	khat_running = 1;
	hat_init_finish();
	hati_kimage_map();
	for (c = 0; c < ncpus; c++) {
		hati_cpu_setup(cpu[c]);
		shim_on_cpu(c, hati_switch_kernel, NULL);
	}
}

void
hat_init_finish(void)
{
	uintptr_t va = kernelbase & LEVEL_MASK(mmu.max_level);

	use_boot_reserve = 0;
	htable_adjust_reserve();
	do {
		(void) htable_create(kas.a_hat, va,
		    (level_t)mmu.max_level - 1, NULL);
		va += LEVEL_SIZE(mmu.max_level);
	} while (va != 0);
}

/*
 * ------------------------------------------------------------------------
 * Address spaces
 * ------------------------------------------------------------------------
 */

#if HTBED_HAT_RING
/*
 * The hat list, under hat_list_lock, until illumos 2006-04-04: a ring of
 * the user hats, which kas.a_hat->hat_next points into (NULL: none); a
 * new hat goes in before that one and becomes it.
 */
void
hati_list_append(hat_t *hat)
{
	hat_t *head;

	mutex_enter(&hat_list_lock);
	head = kas.a_hat->hat_next;
	if (head == NULL) {
		hat->hat_next = hat;
		hat->hat_prev = hat;
	} else {
		hat->hat_next = head;
		hat->hat_prev = head->hat_prev;
		head->hat_prev->hat_next = hat;
		head->hat_prev = hat;
	}
	kas.a_hat->hat_next = hat;
	mutex_exit(&hat_list_lock);
}

/* off the ring, with hat_list_lock held; the head moves on if it was hat */
static void
hati_list_unlink(hat_t *hat)
{
	hat->hat_next->hat_prev = hat->hat_prev;
	hat->hat_prev->hat_next = hat->hat_next;
	if (kas.a_hat->hat_next == hat)
		kas.a_hat->hat_next = hat->hat_next == hat ? NULL :
		    hat->hat_next;
}
#else
/*
 * The hat list, under hat_list_lock: the kernel hat is its sentinel, its
 * hat_next the newest hat and its hat_prev the oldest; the newest has no
 * hat_prev, the oldest no hat_next.  The links that point at a hat from
 * either side:
 */
static hat_t **
link_before(hat_t *hat)
{
	return (hat->hat_prev != NULL ? &hat->hat_prev->hat_next :
	    &kas.a_hat->hat_next);
}

static hat_t **
link_after(hat_t *hat)
{
	return (hat->hat_next != NULL ? &hat->hat_next->hat_prev :
	    &kas.a_hat->hat_prev);
}

/* a new hat goes first */
void
hati_list_append(hat_t *hat)
{
	mutex_enter(&hat_list_lock);
	hat->hat_prev = NULL;
	hat->hat_next = kas.a_hat->hat_next;
	*link_after(hat) = hat;
	kas.a_hat->hat_next = hat;
	mutex_exit(&hat_list_lock);
}

/* off the list, with hat_list_lock held */
static void
hati_list_unlink(hat_t *hat)
{
	*link_before(hat) = hat->hat_next;
	*link_after(hat) = hat->hat_prev;
}
#endif

/* wait out a stealer working on hat, with hat_list_lock held */
static void
hati_victim_wait(hat_t *hat)
{
	while (ATOMIC_READ(hat->hat_flags) & HAT_VICTIM)
		cv_wait(&hat_list_cv, &hat_list_lock);
}

/*
 * A process's hat, 32-bit if the current process is; its top table is
 * held for the hat's life.
 */
hat_t *
hat_alloc(struct as *as)
{
	hat_t *hat;

	ATOMIC_WRITE(can_steal_post_boot, 1);
	hat = hati_new(as, ttoproc(curthread)->p_model == DATAMODEL_ILP32 ?
	    HATI_USER32 : HATI_USER);
	hat->hat_htable = htable_create(hat, 0, TOP_LEVEL(hat), NULL);
	hati_hat_ready(hat);
	hati_list_append(hat);
	return (hat);
}

/*
 * hat_mutex, which htable.c holds around the hat's cache of free tables:
 * hat_enter() takes it, hat_exit() (below) drops it.
 */
void
hat_enter(hat_t *hat)
{
	mutex_enter(&hat->hat_mutex);
}

/*
 * teardown begins: wait out any stealer (on a ring, hat_free_end() does),
 * then no more TLB work or frees
 */
void
hat_free_start(hat_t *hat)
{
	mutex_enter(&hat_list_lock);
	if (!HTBED_HAT_RING)
		hati_victim_wait(hat);
	atomic_or_16(&hat->hat_flags, HAT_FREEING);
	mutex_exit(&hat_list_lock);
}

void
hat_exit(hat_t *hat)
{
	mutex_exit(&hat->hat_mutex);
}

/* teardown ends: off the list, every table purged, the hat freed */
void
hat_free_end(hat_t *hat)
{
	int c;

	ASSERT(ATOMIC_READ(hat->hat_flags) & HAT_FREEING);
	for (c = 0; c < ncpus; c++) {
		if (ATOMIC_READ(cpu[c]->cpu_current_hat) == hat ||
		    CPU_IN_SET(hat->hat_cpus, c))
			panic("hat_free_end: hat %p is still running on cpu%d",
			    (void *)hat, c);
	}
	mutex_enter(&hat_list_lock);
	if (HTBED_HAT_RING)
		hati_victim_wait(hat);
	hati_list_unlink(hat);
	mutex_exit(&hat_list_lock);
	htable_purge_hat(hat);
	kmem_free(hat->hat_ht_hash, hat->hat_num_hash * sizeof (htable_t *));
	mutex_destroy(&hat->hat_mutex);
#if HTBED_SWITCH_MUTEX
	mutex_destroy(&hat->hat_switch_mutex);
#endif
	kmem_free(hat, sizeof (hat_t));
}

/* cp joins the CPU set of a user hat (under hat_switch_mutex if it has one) */
static void
hati_join(hat_t *hat, cpu_t *cp)
{
#if HTBED_SWITCH_MUTEX
	mutex_enter(&hat->hat_switch_mutex);
#endif
	CPUSET_ATOMIC_ADD(hat->hat_cpus, cp->cpu_id);
#if HTBED_SWITCH_MUTEX
	mutex_exit(&hat->hat_switch_mutex);
#endif
}

/*
 * This CPU runs hat from now on.  The caller is the CPU's dispatcher: one
 * switch at a time per CPU, preemption off.  The CPU joins the hat's CPU
 * set before it copies or loads anything, so that no cross-call for the
 * hat can miss it; the MMU stops walking the old hat first, as the old
 * thread's user code stops before the switch.  Where x86pte_inval() holds
 * hat_switch_mutex around its cross-call (HTBED_SWITCH_MUTEX), the CPU
 * joins under it: it waits for a PTE being cleared before it can walk it.
 */
void
hat_switch(hat_t *hat)
{
	cpu_t *cp = CPU;
	hat_t *old = ATOMIC_READ(cp->cpu_current_hat);

	ASSERT(curthread->t_preempt > 0);
	if (old == hat)
		return;
	seam_note(EV_HAT_SWITCH, (uint64_t)(uintptr_t)hat,
	    (uint64_t)cp->cpu_id, 0);
	hw_cpu_unload(cp->cpu_id);
	if (old != NULL && old != kas.a_hat)
		CPUSET_ATOMIC_DEL(old->hat_cpus, cp->cpu_id);
	if (hat != kas.a_hat)
		hati_join(hat, cp);
	ATOMIC_WRITE(cp->cpu_current_hat, hat);
	hati_cpu_load(cp, hat);
}


/*
 * The cross-call handler of a shootdown, on each CPU that may run hat:
 * nothing to do on a CPU that runs another hat by now (it flushed its TLB
 * when it switched); otherwise, for a whole-hat flush, what the era does
 * for its per-CPU tables, then the CPU's TLB.
 */
static int
hati_demap_func(xc_arg_t a1, xc_arg_t a2, xc_arg_t a3)
{
	hat_t *hat = (hat_t *)a1;
	uintptr_t va = (uintptr_t)a2;

	(void) a3;
	if (hat != kas.a_hat && hat != ATOMIC_READ(CPU->cpu_current_hat))
		return (0);
	if (va == DEMAP_ALL_ADDR)
		hati_demap_all(CPU, hat);
	hw_tlb_flush(CPU->cpu_id, hat == kas.a_hat ? NULL : hat, va);
	return (0);
}

/*
 * A shootdown of va (or everything) on every CPU that runs hat (every CPU
 * for the kernel hat, whose tables every address space walks): a
 * cross-call, then the wait for the emulated MMU's walkers in flight
 * (shim/hw), which returns once none can use what was flushed.  It waits
 * for walkers and for each CPU's handler, never for a lock a caller may
 * hold, as the kernel's cross-call spins: callers hold bucket mutexes,
 * mapping-list locks or a window.  A shared hat's tables are linked into
 * other hats, so its shootdown is every CPU's, all of it, as hat_i86.c
 * widens it.  In era 2005 (hat_demap()) a user hat's shootdown holds a
 * lock of the hat from reading hat_cpus until it is done:
 * hat_switch_mutex, which hat_switch() joins under, from 2006-01-12 on
 * (HTBED_DEMAP_SWITCH), hat_mutex before.
 */
void
hat_tlb_inval(hat_t *hat, uintptr_t va)
{
	uint64_t mask = 0;
	cpuset_t cpus;
	int c;
#if HTBED_ERA == 2005
	kmutex_t *lock = NULL;
#endif

	if (ATOMIC_READ(hat->hat_flags) & HAT_FREEING)
		return;
	T_STAT_INC(curthread, TS_TLB_INVAL);
	seam(EV_TLB_INVAL, hat, va, 0);
	if (ATOMIC_READ(hat->hat_flags) & HAT_SHARED) {
		hat = kas.a_hat;
		va = DEMAP_ALL_ADDR;
	}
#if HTBED_ERA == 2005
	if (hat != kas.a_hat) {
		lock = HTBED_DEMAP_SWITCH ? &hat->hat_switch_mutex :
		    &hat->hat_mutex;
		mutex_enter(lock);
	}
#endif
	CPUSET_ZERO(cpus);
	for (c = 0; c < ncpus; c++) {
		if (hat == kas.a_hat || CPU_IN_SET(hat->hat_cpus, c)) {
			CPUSET_ADD(cpus, c);
			mask |= 1ull << c;
		}
	}
	xc_call((xc_arg_t)hat, (xc_arg_t)va, 0, &cpus, hati_demap_func);
	hw_tlb_sync(mask, hat == kas.a_hat ? NULL : hat, va);
#if HTBED_ERA == 2005
	if (lock != NULL)
		mutex_exit(lock);
#endif
}

/*
 * ------------------------------------------------------------------------
 * Loading
 * ------------------------------------------------------------------------
 */
static x86pte_t
hati_mkpte(pfn_t pfn, uint_t attr, level_t l, uint_t flags, uintptr_t va)
{
	x86pte_t pte = MAKEPTE(pfn, l);

	if (attr & PROT_WRITE)
		pte |= PT_WRITABLE;
	if (attr & PROT_USER)
		pte |= PT_USER;
	if (!(attr & PROT_EXEC))
		pte |= mmu.pt_nx;
	if (flags & HAT_LOAD_NOCONSIST)
		pte |= PT_NOCONSIST | PT_REF | PT_MOD;
	else if (attr & HAT_NOSYNC)
		pte |= PT_NOSYNC | PT_REF | PT_MOD;
	if (va >= kernelbase)
		pte |= mmu.pt_global;
	return (pte);
}

/*
 * Install pte at entry of ht (held).  Returns -1 if a large page collided
 * with a table link (LPAGE_ERROR): the caller retries with smaller pages.
 * In era 2005 x86pte_set() neither flushes the TLB nor finds such a
 * collision: a valid entry that changes is flushed here (hat_demap()),
 * and one that is no page panics, as hat_i86.c does.
 */
static int
hati_pte_map(htable_t *ht, uint_t entry, page_t *pp, x86pte_t pte,
    uint_t flags)
{
	hat_t *hat = ht->ht_hat;
	level_t l = ht->ht_level;
	boolean_t lock = (flags & HAT_LOAD_LOCK) && hat != kas.a_hat;
	boolean_t consist = pp != NULL && !(flags & HAT_LOAD_NOCONSIST);
	hment_t *hm = consist ? hment_prepare(ht, entry, pp) : NULL;
	x86pte_t old;
	int rv = 0;

	if (lock)
		HTABLE_LOCK_INC(ht);
	if (consist)
		x86_hm_enter(pp);
	old = x86pte_set(ht, entry, pte, NULL);
#if HTBED_ERA == 2005
	if (PTE_ISVALID(old) && !PTE_ISPAGE(old, l))
		panic("hati_pte_map: va 0x%lx: non-null/page mapping "
		    "pte=" FMT_PTE, htable_e2va(ht, entry), old);
	if (!PTE_ISVALID(old)) {
#else
	if (old == LPAGE_ERROR) {
		if (lock)
			HTABLE_LOCK_DEC(ht);
		rv = -1;
	} else if (!PTE_ISVALID(old)) {
#endif
		if (consist) {
			hment_assign(ht, entry, pp, hm);
			hm = NULL;
		}
		HTABLE_INC(ht->ht_valid_cnt);
		PGCNT_INC(hat, l);
	} else if (PTE2PFN(old, l) == PTE2PFN(pte, l)) {
		hw_pte_reloaded(ht->ht_pfn, entry);
	} else if (!(flags & HAT_LOAD_REMAP)) {
		panic("hati_pte_map: va 0x%lx maps pfn 0x%lx, not 0x%lx, and "
		    "HAT_LOAD_REMAP is not set", htable_e2va(ht, entry),
		    PTE2PFN(old, l), PTE2PFN(pte, l));
	}
#if HTBED_ERA == 2005
	if (PTE_ISVALID(old) && !PTE_EQUIV(old, pte))
		hat_demap(hat, htable_e2va(ht, entry));
#endif
	if (consist)
		x86_hm_exit(pp);
	if (hm != NULL)
		hment_free(hm);
	return (rv);
}

int
hati_load_common(hat_t *hat, uintptr_t va, page_t *pp, uint_t attr,
    uint_t flags, level_t level, pfn_t pfn)
{
	htable_t *ht;
	int rv;

	curthread->t_hatdepth++;
	if (flags & HAT_LOAD_SHARE) {
		mutex_enter(&hat_list_lock);
		atomic_or_16(&hat->hat_flags, HAT_SHARED);
		mutex_exit(&hat_list_lock);
	}
	ht = htable_lookup(hat, va, level);
	if (ht == NULL) {
		T_STAT_INC(curthread, TS_HT_CREATE);
		ht = htable_create(hat, va, level, NULL);
	}
	rv = hati_pte_map(ht, htable_va2entry(va, ht), pp,
	    hati_mkpte(pfn, attr, level, flags, va), flags);
	T_STAT_INC(curthread, TS_HT_RELEASE);
	htable_release(ht);
	curthread->t_hatdepth--;
	return (rv);
}

static void
hati_memload(hat_t *hat, uintptr_t va, page_t *pp, uint_t attr, uint_t flags)
{
	ASSERT((va & MMU_PAGEOFFSET) == 0);
	ASSERT(hat == kas.a_hat || va < kernelbase);
	if (hati_load_common(hat, va, pp, attr, flags, 0, pp->p_pagenum) != 0)
		panic("hat_memload: a 4K load at va 0x%lx failed", va);
}

void
hat_memload(hat_t *hat, caddr_t addr, page_t *pp, uint_t attr, uint_t flags)
{
	T_STAT_INC(curthread, TS_HAT_OP);
	hati_memload(hat, (uintptr_t)addr, pp, attr, flags);
}

/*
 * Load len bytes of pages.  Where pps[] holds a 2M page (p_szc 1) at a
 * 2M-aligned address, one large mapping is tried; if a level-0 table is
 * still linked there (LPAGE_ERROR), its 4K pages are loaded instead.  In
 * era 2005 there is no LPAGE_ERROR: the HAT looks for such a table first
 * (hati_lower_table()), and only for the kernel hat and shared hats.
 */
void
hat_memload_array(hat_t *hat, caddr_t addr, size_t len, page_t **pps,
    uint_t attr, uint_t flags)
{
	uintptr_t va = (uintptr_t)addr, end = va + len;
	size_t i = 0, n;

	T_STAT_INC(curthread, TS_HAT_OP);
	while (va < end) {
		n = 1;
		if (pps[i]->p_szc == 1 && (va & LEVEL_OFFSET(1)) == 0 &&
		    end - va >= LEVEL_SIZE(1)) {
			n = LEVEL_SIZE(1) >> MMU_PAGESHIFT;
#if HTBED_ERA == 2005
			if (hati_lower_table(hat, va))
				n = 1;
			else
#endif
			if (hati_load_common(hat, va, pps[i], attr, flags, 1,
			    pps[i]->p_pagenum) != 0)
				n = 1;
		}
		if (n == 1)
			hati_memload(hat, va, pps[i], attr, flags);
		va += n << MMU_PAGESHIFT;
		i += n;
	}
}

/*
 * ------------------------------------------------------------------------
 * Unloading
 * ------------------------------------------------------------------------
 */

/* the page_t behind a PTE, NULL for a mapping without hments */
static page_t *
pte_page(x86pte_t pte, level_t l)
{
	page_t *pp;

	if (pte & PT_NOCONSIST)
		return (NULL);
	pp = page_numtopp_nolock(PTE2PFN(pte, l));
	if (pp == NULL || pp->p_kind != PK_DATA)
		panic("hat: PTE " FMT_PTE " maps pfn 0x%lx, which is not a "
		    "page of the workload", pte, PTE2PFN(pte, l));
	return (pp);
}

static void
observe_begin(boolean_t foreign, htable_t *ht, uint_t entry, pfn_t pfn)
{
	if (foreign && hat_observer != NULL)
		hat_observer->ho_foreign_begin(ht, entry, pfn);
}

static void
observe_end(boolean_t foreign, htable_t *ht, uint_t entry, int removed)
{
	if (foreign && hat_observer != NULL)
		hat_observer->ho_foreign_end(ht, entry, removed);
}

/*
 * Clear entry of ht, which held old_pte, and return what it held.  Until
 * illumos 2010-06 (HTBED_FREEING_KEEPS_PTES) hat_pte_unmap() leaves the
 * PTEs of a hat being freed as they are, only reading them: no thread
 * uses its mappings any more, and htable_purge_hat() frees its tables
 * whole (which is why htable_steal() keeps away from such a hat; until
 * 2006-04-04 it does not).  In era 2005 the clear is a cross-call that
 * clears the entry only while it maps the old page (HTBED_PTE_INVAL).
 */
static x86pte_t
pte_clear(htable_t *ht, uint_t entry, x86pte_t old_pte, void *pte_ptr,
    boolean_t tlb)
{
	(void) tlb;	/* before 2015 no flag: the clear flushes */
	if (HTBED_FREEING_KEEPS_PTES &&
	    (ATOMIC_READ(ht->ht_hat->hat_flags) & HAT_FREEING))
		return (x86pte_get(ht, entry));
	return (HTBED_PTE_INVAL(ht, entry, old_pte,
	    PTE2PFN(old_pte, ht->ht_level), pte_ptr, tlb));
}

/*
 * Remove the mapping old_pte at entry of ht (held by the caller).  Only
 * the thread whose CAS clears the PTE adjusts the counts; if another
 * thread remapped the entry meanwhile, try again with what it installed;
 * if it was unmapped, there is nothing left to do.  `foreign` says the
 * mapping is not the caller's own (a steal), for the observer.
 */
static void
hati_pte_unmap(htable_t *ht, uint_t entry, uint_t flags, x86pte_t old_pte,
    void *pte_ptr, boolean_t tlb, boolean_t foreign)
{
	hat_t *hat = ht->ht_hat;
	level_t l = ht->ht_level;
	uintptr_t va = htable_e2va(ht, entry);
	page_t *pp;
	hment_t *hm = NULL;
	x86pte_t found;

	lockdep_forbid(LCM(LC_BUCKET) | LCM(LC_HCI), "hat_pte_unmap");
	if ((flags & HAT_UNLOAD_UNLOCK) && hat != kas.a_hat) {
		if (ATOMIC_READ(ht->ht_lock_cnt) == 0)
			panic("hat_pte_unmap: unlocking va 0x%lx, but its table "
			    "has no locked mappings", va);
		HTABLE_LOCK_DEC(ht);
	}
	for (;;) {
		if (!PTE_ISVALID(old_pte))
			return;
		pp = pte_page(old_pte, l);
		if (pp != NULL)
			x86_hm_enter(pp);
		observe_begin(foreign, ht, entry, PTE2PFN(old_pte, l));
		found = pte_clear(ht, entry, old_pte, pte_ptr, tlb);
		if (PTE_ISVALID(found) &&
		    PTE2PFN(found, l) == PTE2PFN(old_pte, l))
			break;
		observe_end(foreign, ht, entry, 0);
		if (pp != NULL)
			x86_hm_exit(pp);
		old_pte = found;
	}
	observe_end(foreign, ht, entry, 1);
	hw_pte_cleared(ht->ht_pfn, entry, found);
	if (pp != NULL) {
		if (!(flags & HAT_UNLOAD_NOSYNC))
			pp->p_nrm |= ((found & PT_REF) ? P_REF : 0) |
			    ((found & PT_MOD) ? P_MOD : 0);
		hm = hment_remove(pp, ht, entry);
		x86_hm_exit(pp);
	}
	HTABLE_DEC(ht->ht_valid_cnt);
	PGCNT_DEC(hat, l);
	if (hm != NULL)
		hment_free(hm);
}

/* called back by htable.c while it steals a table */
static void
hati_steal_unmap(htable_t *ht, uint_t entry, uint_t flags, x86pte_t old_pte,
    void *pte_ptr, boolean_t tlb)
{
	T_STAT_INC(curthread, TS_STEAL_UNMAP);
	seam_note(EV_STEAL_UNMAP, (uint64_t)(uintptr_t)ht->ht_hat,
	    htable_e2va(ht, entry), old_pte);
	hati_pte_unmap(ht, entry, flags, old_pte, pte_ptr, tlb, B_TRUE);
}

#if HTBED_ERA >= 2015
void
hat_pte_unmap(htable_t *ht, uint_t entry, uint_t flags, x86pte_t old_pte,
    void *pte_ptr, boolean_t tlb)
{
	hati_steal_unmap(ht, entry, flags, old_pte, pte_ptr, tlb);
}
#else
/* before 2015 without the flag: the unmap flushes the TLB */
void
hat_pte_unmap(htable_t *ht, uint_t entry, uint_t flags, x86pte_t old_pte,
    void *pte_ptr)
{
	hati_steal_unmap(ht, entry, flags, old_pte, pte_ptr, B_TRUE);
}
#endif

static void
hati_unload(hat_t *hat, caddr_t addr, size_t len, uint_t flags)
{
	uintptr_t start = (uintptr_t)addr, va = start, end = start + len;
	htable_t *ht = NULL;
	boolean_t unloaded = B_FALSE;
	uint_t entry;
	x86pte_t pte;

	ASSERT(hat == kas.a_hat || end <= kernelbase);
	if (len == MMU_PAGESIZE) {
		ht = htable_getpte(hat, va, &entry, &pte, 0);
		if (ht == NULL)
			return;
		if (PTE_ISVALID(pte))
			hati_pte_unmap(ht, entry, flags, pte, NULL, B_TRUE,
			    B_FALSE);
		htable_release(ht);
		return;
	}
	while (va < end) {
		pte = htable_walk(hat, &ht, &va, end);
		if (ht == NULL)
			break;
		if (va < start)
			panic("hat_unload: the large page at 0x%lx begins "
			    "before 0x%lx", va, start);
		hati_pte_unmap(ht, htable_va2entry(va, ht), flags, pte, NULL,
		    B_FALSE, B_FALSE);
		unloaded = B_TRUE;
		va += LEVEL_SIZE(ht->ht_level);
	}
	if (ht != NULL)
		htable_release(ht);
	/*
	 * the walk left the TLBs alone: one flush covers the range (before
	 * 2015 each unmap flushed its page)
	 */
	if (unloaded && HTBED_ERA >= 2015)
		hat_tlb_inval(hat, DEMAP_ALL_ADDR);
}

void
hat_unload(hat_t *hat, caddr_t addr, size_t len, uint_t flags)
{
	T_STAT_INC(curthread, TS_HAT_OP);
	hati_unload(hat, addr, len, flags);
}

void
hat_unlock(hat_t *hat, caddr_t addr, size_t len)
{
	uintptr_t va = (uintptr_t)addr, end = va + len;
	htable_t *ht = NULL;

	T_STAT_INC(curthread, TS_HAT_OP);
	if (hat == kas.a_hat)
		return;
	while (va < end) {
		(void) htable_walk(hat, &ht, &va, end);
		if (ht == NULL)
			break;
		if (ATOMIC_READ(ht->ht_lock_cnt) == 0)
			panic("hat_unlock: va 0x%lx is not locked", va);
		HTABLE_LOCK_DEC(ht);
		va += LEVEL_SIZE(ht->ht_level);
	}
	if (ht != NULL)
		htable_release(ht);
}

/*
 * The process is swapped out: unload what may be unloaded.  Shared tables
 * are skipped whole; a level-0 table with locked entries is skipped whole;
 * any other entry is unloaded if its table has no locked entry.  Then the
 * hat's cached tables are given back.
 */
void
hat_swapout(hat_t *hat)
{
	uintptr_t va = 0, end = MIN(kernelbase,
	    (uintptr_t)hat->hat_as->a_userlimit);
	htable_t *ht = NULL;
	level_t l;

	T_STAT_INC(curthread, TS_HAT_OP);
	while (va < end) {
		(void) htable_walk(hat, &ht, &va, end);
		if (ht == NULL)
			break;
		l = ht->ht_level;
		if (ht->ht_flags & HTABLE_SHARED_PFN) {
			va = ht->ht_vaddr + LEVEL_SIZE(l + 1);
			htable_release(ht);
			ht = NULL;
			continue;
		}
		if (ATOMIC_READ(ht->ht_lock_cnt) == 0)
			hati_unload(hat, (caddr_t)va, LEVEL_SIZE(l), HAT_UNLOAD);
		if (ATOMIC_READ(ht->ht_lock_cnt) > 0 && l == 0)
			va = ht->ht_vaddr + LEVEL_SIZE(1);
		else
			va += LEVEL_SIZE(l);
	}
	if (ht != NULL)
		htable_release(ht);
	htable_purge_hat(hat);
}

/*
 * Remove the mapping of pp at entry of ht, with the page's mapping-list
 * lock held: that lock keeps the entry mapping pp and the table alive
 * (an unmap removes the hment before it releases the table) until
 * htable_acquire() holds it.  Drops the list lock before the release,
 * which may free tables.
 */
static hment_t *
page_unmap_one(page_t *pp, htable_t *ht, uint_t entry)
{
	hat_t *hat = ht->ht_hat;
	level_t l = ht->ht_level;
	uintptr_t va = htable_e2va(ht, entry);
	x86pte_t old;
	hment_t *hm;

	htable_acquire(ht);
	observe_begin(B_TRUE, ht, entry, pp->p_pagenum);
	old = HTBED_PTE_INVAL(ht, entry, 0, pp->p_pagenum, NULL, B_TRUE);
	if (!PTE_ISVALID(old) || PTE2PFN(old, l) != pp->p_pagenum)
		panic("hati_page_unmap: va 0x%lx holds " FMT_PTE ", not a "
		    "mapping of pfn 0x%lx", va, old, pp->p_pagenum);
	observe_end(B_TRUE, ht, entry, 1);
	hw_pte_cleared(ht->ht_pfn, entry, old);
	HTABLE_DEC(ht->ht_valid_cnt);
	PGCNT_DEC(hat, l);
	pp->p_nrm |= ((old & PT_REF) ? P_REF : 0) | ((old & PT_MOD) ? P_MOD : 0);
	hm = hment_remove(pp, ht, entry);
	x86_hm_exit(pp);
	htable_release(ht);
	return (hm);
}

/* remove every mapping of pp, which the caller holds exclusive */
int
hat_pageunload(page_t *pp, uint_t forceflag)
{
	htable_t *ht;
	uint_t entry;
	hment_t *hm;

	T_STAT_INC(curthread, TS_HAT_OP);
	(void) forceflag;
	ASSERT(PAGE_EXCL(pp));
	for (;;) {
		x86_hm_enter(pp);
		if (hment_walk(pp, &ht, &entry, NULL) == NULL) {
			x86_hm_exit(pp);
			return (0);
		}
		hm = page_unmap_one(pp, ht, entry);
		hment_free(hm);
	}
}

/*
 * The same, for htable.c: a steal that unmaps an entry under the page's
 * mapping-list lock (corpus/findings/steal-unmaps-locked; illumos's
 * hment_steal() calls it too, but the testbed's hments are not stolen).
 */
hment_t *
hati_page_unmap(page_t *pp, htable_t *ht, uint_t entry)
{
	T_STAT_INC(curthread, TS_STEAL_UNMAP);
	seam_note(EV_STEAL_UNMAP, (uint64_t)(uintptr_t)ht->ht_hat,
	    htable_e2va(ht, entry), x86pte_get(ht, entry));
	return (page_unmap_one(pp, ht, entry));
}

/*
 * ------------------------------------------------------------------------
 * Shared page tables (ISM)
 * ------------------------------------------------------------------------
 */

/* may ism_ht's page table be shared at vaddr for what remains to map? */
static boolean_t
hati_can_share(htable_t *ism_ht, uintptr_t ism_va, uintptr_t vaddr,
    uintptr_t end)
{
	level_t l = ism_ht->ht_level;
	uint_t e;

	if (l >= (level_t)mmu.max_level || ism_va != ism_ht->ht_vaddr ||
	    (vaddr & LEVEL_OFFSET(l + 1)) != 0 ||
	    end - vaddr < LEVEL_SIZE(l + 1))
		return (B_FALSE);
	for (e = 0; l > 0 && e < HTABLE_NUM_PTES(ism_ht); e++) {
		x86pte_t pte = x86pte_get(ism_ht, e);

		if (PTE_ISVALID(pte) && !PTE_ISPAGE(pte, l))
			return (B_FALSE);
	}
	return (B_TRUE);
}

/*
 * The table of hat sharing ism_ht's page at vaddr, held: the one there
 * already, or a new one if it may be shared; NULL if it may not be.
 */
static htable_t *
hati_shared_table(hat_t *hat, uintptr_t vaddr, htable_t *ism_ht,
    uintptr_t iva, uintptr_t end)
{
	htable_t *ht = htable_lookup(hat, vaddr, ism_ht->ht_level);

	if (ht != NULL && (ht->ht_flags & HTABLE_SHARED_PFN))
		return (ht);
	htable_release(ht);
	if (!hati_can_share(ism_ht, iva, vaddr, end))
		return (NULL);
	return (htable_create(hat, vaddr, ism_ht->ht_level, ism_ht));
}

/*
 * Map [addr, addr + len) of hat to what ism_hat maps at src: by sharing
 * whole page tables where they line up, by locked per-page loads where
 * they do not.
 */
int
hat_share(hat_t *hat, caddr_t addr, hat_t *ism_hat, caddr_t src, size_t len,
    uint_t ismszc)
{
	uintptr_t delta = (uintptr_t)addr - (uintptr_t)src;
	uintptr_t iva = (uintptr_t)src, iend = iva + len;
	htable_t *ism_ht = NULL, *ht;
	x86pte_t pte;
	level_t l;

	T_STAT_INC(curthread, TS_HAT_OP);
	(void) ismszc;
	while (iva < iend) {
		pte = htable_walk(ism_hat, &ism_ht, &iva, iend);
		if (ism_ht == NULL)
			break;
		l = ism_ht->ht_level;
		ht = hati_shared_table(hat, iva + delta, ism_ht, iva,
		    iend + delta);
		if (ht == NULL) {
			(void) hati_load_common(hat, iva + delta, NULL,
			    PROT_READ | PROT_USER |
			    ((pte & PT_WRITABLE) ? PROT_WRITE : 0),
			    HAT_LOAD_LOCK | HAT_LOAD_NOCONSIST, l,
			    PTE2PFN(pte, l));
			iva += LEVEL_SIZE(l);
			continue;
		}
		atomic_add_long(&hat->hat_ism_pgcnt,
		    (long)(VALID_OF(ism_ht) - VALID_OF(ht)) <<
		    (LEVEL_SHIFT(l) - MMU_PAGESHIFT));
		ATOMIC_WRITE(ht->ht_valid_cnt, VALID_OF(ism_ht));
		htable_release(ht);
		iva = ism_ht->ht_vaddr + LEVEL_SIZE(l + 1);
		htable_release(ism_ht);
		ism_ht = NULL;
	}
	htable_release(ism_ht);
	return (0);
}

/*
 * Undo hat_share(): free the shared tables (each release drops the hold
 * on its source), then unload what was loaded page by page.
 */
void
hat_unshare(hat_t *hat, caddr_t addr, size_t len, uint_t ismszc)
{
	uintptr_t start = (uintptr_t)addr, end = start + len, va;
	boolean_t flush = B_FALSE;
	htable_t *ht;
	int l;

	T_STAT_INC(curthread, TS_HAT_OP);
	(void) ismszc;
	for (l = (int)MIN(mmu.max_page_level, 2); l >= 0; l--) {
		for (va = start & LEVEL_MASK(l + 1); va < end;
		    va += LEVEL_SIZE(l + 1)) {
			ht = htable_lookup(hat, va, (level_t)l);
			if (ht == NULL)
				continue;
			if (ht->ht_flags & HTABLE_SHARED_PFN) {
				atomic_add_long(&hat->hat_ism_pgcnt,
				    -((long)VALID_OF(ht) <<
				    (LEVEL_SHIFT(l) - MMU_PAGESHIFT)));
				ATOMIC_WRITE(ht->ht_valid_cnt, 0);
				flush = B_TRUE;
			}
			htable_release(ht);
		}
	}
	if (flush)
		hat_tlb_inval(hat, DEMAP_ALL_ADDR);
	hati_unload(hat, addr, len, HAT_UNLOAD_UNMAP | HAT_UNLOAD_UNLOCK);
}

/*
 * ------------------------------------------------------------------------
 * Lookups
 * ------------------------------------------------------------------------
 */
pfn_t
hat_probe_level(hat_t *hat, uintptr_t va, level_t *lp)
{
	htable_t *ht;
	uint_t entry;
	x86pte_t pte;
	level_t l;

	T_STAT_INC(curthread, TS_HAT_OP);
	ht = htable_getpage(hat, va, &entry);
	if (ht == NULL)
		return (PFN_INVALID);
	l = ht->ht_level;
	pte = x86pte_get(ht, entry);
	htable_release(ht);
	if (!PTE_ISPAGE(pte, l))
		return (PFN_INVALID);
	if (lp != NULL)
		*lp = l;
	return (PTE2PFN(pte, l) + ((va & LEVEL_OFFSET(l)) >> MMU_PAGESHIFT));
}

pfn_t
hat_getpfnum(hat_t *hat, caddr_t addr)
{
	return (hat_probe_level(hat, (uintptr_t)addr, NULL));
}
