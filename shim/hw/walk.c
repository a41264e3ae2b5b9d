/*
 * The walkers of the emulated MMU: translation as the processor does it,
 * REF and MOD, and the checks on what a walker reads (htbed/hw.h).
 *
 * A translation (hw_translate()) runs inside a read-side critical section
 * (gp.c).  It uses the vCPU's TLB when it holds the page, unless the
 * access is a write and the entry is not dirty: then, as the processor
 * does to set MOD, it walks again.  A walk starts at the deepest cached
 * link (or the context's top table) and reads each entry from the frame's
 * memory with one atomic load; before it caches an entry, it sets REF in
 * it (and MOD in a leaf it writes through) with a compare-and-swap, and
 * reads again if the entry changed.  So a TLB entry always comes from an
 * entry whose REF was set, and a table entry without REF is cached
 * nowhere -- which is what x86pte_inval() relies on to skip a shootdown.
 * Every read and every REF/MOD update is a scheduler-seam point.
 *
 * What a walker reads must be a live page-table frame: reading a frame
 * that is free, poisoned (freed) or still junk (never zeroed) is a bug of
 * the code under test, which let a table go while a walk could reach it.
 *
 * MOD accounting.  A byte per entry of the page-table pool says a walker
 * set MOD in that entry and no unmapping has yet got it back.  A walker
 * raises it together with its CAS, and the HAT clears it with the old
 * value of every mapping it removes (hw_pte_cleared()); both hold the
 * byte's lock bit, which is never held across a seam point.  While the
 * byte is raised, the entry must show MOD until a removal gets it back:
 * if the old value a removal gets has no MOD, or the entry loaded again
 * with the same page has none (hw_pte_reloaded()), the bit was lost --
 * something wrote the entry without keeping what the hardware set, and
 * the page's dirty state never reaches the page.  A frame freed with a
 * byte raised lost one too.
 */
#include <sys/types.h>
#include <sys/cpuvar.h>
#include <sys/thread.h>
#include <vm/hat_pte.h>
#include <htbed/hw.h>
#include <htbed/seam.h>
#include <htbed/shim.h>
#include <htbed/written.h>
#include "gp.h"
#include "tlb.h"

#define	MOD_OWED	0x01
#define	MOD_LOCK	0x80

typedef struct wstat {
	uint64_t	ws_xlates;
	uint64_t	ws_hits;
	uint64_t	ws_faults;
	uint64_t	ws_bits;
} wstat_t;

static struct {
	int		h_nwalkers;
	int		h_per_cpu;
	int		h_running;
	uint8_t		*h_mod;		/* per entry of the pool */
} hw;

static wstat_t wstats[HW_MAX_WALKERS];

#define	WSTAT_INC(w, f)	__atomic_store_n(&wstats[w].f, wstats[w].f + 1, \
	__ATOMIC_RELAXED)

int
hw_init(const struct shim_config *c)
{
	uint64_t frames = c->sc_ptframes;

	if (c->sc_walkers < 0 ||
	    (uint64_t)c->sc_walkers * (uint64_t)c->sc_ncpus > HW_MAX_WALKERS) {
		host_eprintf("htbed: bad machine: %d walkers per vCPU on %d "
		    "vCPUs (at most %d walkers in all)\n", c->sc_walkers,
		    c->sc_ncpus, HW_MAX_WALKERS);
		return (-1);
	}
	hw.h_per_cpu = c->sc_walkers;
	hw.h_nwalkers = c->sc_walkers * c->sc_ncpus;
	if (hw.h_nwalkers == 0)
		return (0);
	tlb_init(c->sc_ncpus);
	gp_init(frames);
	hw.h_mod = shim_boot_zalloc(frames * 512);
	return (0);
}

int
hw_nwalkers(void)
{
	return (hw.h_nwalkers);
}

int
hw_walker_cpu(int w)
{
	return (w / hw.h_per_cpu);
}

void
hw_set_running(int on)
{
	__atomic_store_n(&hw.h_running, on && hw.h_nwalkers > 0,
	    __ATOMIC_SEQ_CST);
}

int
hw_running(void)
{
	return (__atomic_load_n(&hw.h_running, __ATOMIC_SEQ_CST));
}

void
hw_stats(struct shim_stats *s)
{
	int w;

	for (w = 0; w < hw.h_nwalkers; w++) {
		s->ss_mmu_xlates += __atomic_load_n(&wstats[w].ws_xlates,
		    __ATOMIC_RELAXED);
		s->ss_mmu_tlb_hits += __atomic_load_n(&wstats[w].ws_hits,
		    __ATOMIC_RELAXED);
		s->ss_mmu_faults += __atomic_load_n(&wstats[w].ws_faults,
		    __ATOMIC_RELAXED);
		s->ss_mmu_bits_set += __atomic_load_n(&wstats[w].ws_bits,
		    __ATOMIC_RELAXED);
	}
	tlb_stats(&s->ss_mmu_shootdowns, &s->ss_mmu_shootdown_ns);
	s->ss_mmu_deferred = gp_deferred();
}

static uint64_t
now(void)
{
	return (seam_controlled ? seam_step : host_now_ns());
}

/*
 * ------------------------------------------------------------------------
 * MOD accounting
 * ------------------------------------------------------------------------
 */
static uint8_t *
mod_byte(pfn_t table, uint_t entry)
{
	return (&hw.h_mod[((table - shim_pt_first) << 9) + entry]);
}

static uint8_t
mod_lock(uint8_t *b)
{
	uint8_t v;

	for (;;) {
		v = __atomic_load_n(b, __ATOMIC_RELAXED);
		if (!(v & MOD_LOCK) && __atomic_compare_exchange_n(b, &v,
		    v | MOD_LOCK, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return (v);
		__builtin_ia32_pause();
	}
}

static void
mod_unlock(uint8_t *b, uint8_t v)
{
	__atomic_store_n(b, v, __ATOMIC_RELEASE);
}

void
hw_pte_cleared(pfn_t table, uint_t entry, x86pte_t old)
{
	uint8_t *b, owed;

	if (hw.h_nwalkers == 0 || table < shim_pt_first || table > shim_pt_last)
		return;
	b = mod_byte(table, entry);
	owed = mod_lock(b) & MOD_OWED;
	mod_unlock(b, 0);
	if (owed && !(old & PT_MOD))
		BUG("mmu", "MOD lost: a walker set MOD in entry %u of pfn 0x%lx "
		    "(pa 0x%llx), but the old value its unmapping got back, "
		    "0x%lx, has no MOD: the page's dirty state is lost", entry,
		    table, (unsigned long long)((table << 12) | (entry << 3)),
		    old);
}

/*
 * The HAT loaded an entry again with the same page: x86pte_set() must
 * have kept the MOD a walker set, since nobody got it back.
 */
void
hw_pte_reloaded(pfn_t table, uint_t entry)
{
	uint8_t *b, v;
	x86pte_t pte;

	if (hw.h_nwalkers == 0 || table < shim_pt_first || table > shim_pt_last)
		return;
	b = mod_byte(table, entry);
	v = mod_lock(b);
	pte = __atomic_load_n((x86pte_t *)(void *)SHIM_FRAME_VA(table) + entry,
	    __ATOMIC_SEQ_CST);
	mod_unlock(b, v);
	if ((v & MOD_OWED) && PTE_ISVALID(pte) && !(pte & PT_MOD))
		BUG("mmu", "MOD lost: a walker set MOD in entry %u of pfn 0x%lx "
		    "(pa 0x%llx), and the entry loaded again with the same page "
		    "is 0x%lx, without it: the page's dirty state is lost",
		    entry, table, (unsigned long long)((table << 12) |
		    (entry << 3)), pte);
}

/* a frame being freed must owe no MOD: its mappings were all removed */
static void
mod_check_freed(pfn_t pfn)
{
	uint_t e;

	for (e = 0; e < 512; e++) {
		if (__atomic_load_n(mod_byte(pfn, e), __ATOMIC_ACQUIRE) &
		    MOD_OWED)
			BUG("mmu", "MOD lost: page-table frame pfn 0x%lx is freed "
			    "with entry %u still owing the MOD a walker set: the "
			    "mapping went without its old value reaching the "
			    "HAT", pfn, e);
	}
}

void
hw_frame_retire(pfn_t pfn, void (*reuse)(pfn_t))
{
	if (hw.h_nwalkers == 0) {
		reuse(pfn);
		return;
	}
	tlb_check_freed(pfn);
	mod_check_freed(pfn);
	gp_defer(pfn, reuse);
}

/*
 * ------------------------------------------------------------------------
 * Translation
 * ------------------------------------------------------------------------
 */
static uint64_t
entry_pa(pfn_t pfn, uint_t idx)
{
	return (((uint64_t)pfn << 12) | ((uint64_t)idx << 3));
}

static void
frame_live(int w, pfn_t pfn, uint_t idx, int l, uintptr_t va,
    const char *when)
{
	if (shim_frame_in_use(pfn))
		return;
	BUG("mmu", "walker %d on cpu%d, translating va 0x%lx, reads entry %u "
	    "of pfn 0x%lx as a level-%d table, but that frame is %s%s", w,
	    hw_walker_cpu(w), va, idx, pfn, l, pfn >= shim_pt_first &&
	    pfn <= shim_pt_last ? "free: the table was freed while a walk "
	    "could reach it" : "no page-table frame at all", when);
}

/* one entry of a table, from memory; the frame must be a live table */
static x86pte_t
read_entry(int w, pfn_t pfn, uint_t idx, int l, uintptr_t va)
{
	x86pte_t pte;

	seam(EV_MMU_READ, (const void *)(uintptr_t)entry_pa(pfn, idx),
	    (uint64_t)l, (uint64_t)w);
	frame_live(w, pfn, idx, l, va, "");
	pte = __atomic_load_n((x86pte_t *)(void *)SHIM_FRAME_VA(pfn) + idx,
	    __ATOMIC_ACQUIRE);
	frame_live(w, pfn, idx, l, va, " (freed during the read)");
	if (pte == PTE_POISON || pte == PTE_JUNK)
		BUG("mmu", "walker %d on cpu%d, translating va 0x%lx, reads "
		    "entry %u of the level-%d table at pfn 0x%lx: 0x%lx, %s",
		    w, hw_walker_cpu(w), va, idx, l, pfn, pte,
		    pte == PTE_POISON ? "the poison of a freed frame" :
		    "the junk of a frame that was never zeroed");
	return (pte);
}

/* REF (and MOD) into an entry, as one CAS; 0 if the entry changed */
static int
set_bits(int w, pfn_t pfn, uint_t idx, x86pte_t old, x86pte_t new)
{
	x86pte_t *ptep = (x86pte_t *)(void *)SHIM_FRAME_VA(pfn) + idx;
	uint8_t *b = NULL, v = 0;
	int ok;

	seam(EV_MMU_BITS, (const void *)(uintptr_t)entry_pa(pfn, idx), old,
	    new);
	if ((new & ~old) & PT_MOD) {
		b = mod_byte(pfn, idx);
		v = mod_lock(b);
	}
	written_note(ptep, sizeof (*ptep));
	ok = __atomic_compare_exchange_n(ptep, &old, new, 0, __ATOMIC_SEQ_CST,
	    __ATOMIC_SEQ_CST);
	if (b != NULL)
		mod_unlock(b, ok ? MOD_OWED : v);
	if (ok)
		WSTAT_INC(w, ws_bits);
	return (ok);
}

static void
use_entry(hw_xlate_t *x, const tlbe_t *e, uintptr_t va)
{
	x->hx_level = e->te_level;
	x->hx_pfn = e->te_pfn + (pfn_t)((va & (TLBE_SPAN(e->te_level) - 1)) >>
	    12);
	x->hx_pte = e->te_pte;
	x->hx_pte_pa = e->te_pa;
	x->hx_when = e->te_when;
}

static void
cache(int cpu, const void *tag, uintptr_t va, int l, int leaf, int wr,
    x86pte_t pte, uint64_t pa, tlbe_t *e)
{
	e->te_tag = tag;
	e->te_va = va & ~(TLBE_SPAN(l) - 1);
	e->te_level = (uint8_t)l;
	e->te_leaf = (uint8_t)leaf;
	e->te_write = (uint8_t)wr;
	e->te_dirty = (pte & PT_MOD) != 0;
	e->te_pfn = (pfn_t)((pte & (l > 0 && leaf ? PT_PADDR_LGPG :
	    PT_PADDR)) >> 12);
	e->te_pte = pte;
	e->te_pa = pa;
	e->te_when = now();
	tlb_fill(cpu, e);
}

/* a write to a read-only page: a fault, which caches nothing */
static void
denied(hw_xlate_t *x, int l, x86pte_t pte, uint64_t pa, uintptr_t va)
{
	x->hx_denied = 1;
	x->hx_level = l;
	x->hx_pfn = PTE2PFN(pte, l) + (pfn_t)((va & (TLBE_SPAN(l) - 1)) >> 12);
	x->hx_pte = pte;
	x->hx_pte_pa = pa;
}

/* a walk from the deepest cached link down to the leaf, or a fault */
static void
walk(int w, int cpu, const void *tag, pfn_t pfn, uintptr_t va, int write,
    hw_xlate_t *x)
{
	tlbe_t e;
	int l = 3, wr = 1, leaf;
	x86pte_t pte, want;
	uint_t idx;

	if (tlb_link(cpu, tag, va, &e)) {
		l = e.te_level - 1;
		pfn = e.te_pfn;
		wr = e.te_write;
	}
	for (;;) {
		idx = (uint_t)(va >> (12 + 9 * l)) & 511;
		pte = read_entry(w, pfn, idx, l, va);
		if (!PTE_ISVALID(pte))
			return;
		leaf = l == 0 || (pte & PT_PAGESIZE) != 0;
		wr &= (pte & PT_WRITABLE) != 0;
		if (leaf && write && !wr) {
			denied(x, l, pte, entry_pa(pfn, idx), va);
			return;
		}
		want = pte | PT_REF | (leaf && write ? PT_MOD : 0);
		if (want != pte && !set_bits(w, pfn, idx, pte, want))
			continue;
		cache(cpu, tag, va, l, leaf, wr, want, entry_pa(pfn, idx), &e);
		if (leaf) {
			use_entry(x, &e, va);
			return;
		}
		pfn = e.te_pfn;
		l--;
	}
}

static void
xlate(int w, const void *tag, pfn_t top, uintptr_t va, int write,
    hw_xlate_t *x)
{
	int cpu = hw_walker_cpu(w);
	tlbe_t e;

	if (tlb_leaf(cpu, tag, va, &e)) {
		if (!write || (e.te_write && e.te_dirty)) {
			use_entry(x, &e, va);
			x->hx_from_tlb = 1;
			WSTAT_INC(w, ws_hits);
			return;
		}
		tlb_drop(cpu, &e);
	}
	walk(w, cpu, tag, top, va, write, x);
}

void
hw_access_begin(int w)
{
	gp_enter(w);
}

void
hw_access_end(int w)
{
	gp_exit(w);
}

/*
 * The translation is made only while the vCPU runs ctx (any context, if
 * NULL) and, in user mode, runs user code at all; otherwise hx_ctx_ok
 * stays 0 and nothing is translated.
 */
void
hw_translate(int w, const void *ctx, const void *tag, uintptr_t va,
    int write, int user, hw_xlate_t *x)
{
	const void *running;
	pfn_t ktop, utop, top;

	__builtin_memset(x, 0, sizeof (*x));
	x->hx_pfn = PFN_INVALID;
	if (ctx_get(hw_walker_cpu(w), &running, &ktop, &utop) &&
	    (ctx == NULL || ctx == running)) {
		top = user ? utop : ktop;
		if (top != PFN_INVALID) {
			x->hx_ctx_ok = 1;
			xlate(w, tag, top, va, write, x);
		}
	}
	WSTAT_INC(w, ws_xlates);
	if (x->hx_ctx_ok && x->hx_pfn == PFN_INVALID)
		WSTAT_INC(w, ws_faults);
	seam_note(EV_MMU_XLATE, (uint64_t)x->hx_from_tlb, (uint64_t)va,
	    (uint64_t)x->hx_pfn);
}
