/*
 * The shadow model: what every 4K slot of every address space maps, kept
 * by the ops that change it, and by the HAT's observer for the removals
 * the owner does not make (steals, hat_pageunload).
 *
 * Each slot has one 64-bit word (world.h: SW_*), changed only by CAS.  The
 * owner moves it UNMAPPED -> PEND_MAP -> MAPPED around a load and MAPPED ->
 * PEND_UNMAP -> UNMAPPED around an unload.  A remover marks FOREIGN before
 * it clears the PTE and settles the state after, so that:
 *   - a reader that sees the PTE gone while the word, unchanged around its
 *     probe, says MAPPED without FOREIGN, has found a lost mapping;
 *   - a reader that sees a PTE where the word says UNMAPPED has found a
 *     phantom mapping;
 *   - a remover that finds the word UNMAPPED, locked, or naming another
 *     frame, is removing a mapping that should not exist.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/cpuvar.h>
#include <vm/hat_i86.h>
#include <htbed/seam.h>
#include "world.h"
#include "hat_testbed.h"

static const char *const state_name[] = {
	"unmapped", "mapped", "being mapped", "being unmapped"
};

/*
 * The words of region reg may change: the checker compares them again
 * (every word a writer changes it reaches through shadow_word())
 */
static void
region_written(hb_slot_t *sl, int reg)
{
	if (__atomic_load_n(&sl->sl_written[reg], __ATOMIC_RELAXED) == 0)
		__atomic_store_n(&sl->sl_written[reg], 1, __ATOMIC_RELAXED);
}

/*
 * The model word of a slot's page.  The region is marked touched: a
 * region never touched since boot has every word zero (unmapped), which
 * the checker and teardown then need not read.
 */
uint64_t *
shadow_word(hb_slot_t *sl, int reg, int pg)
{
	uint64_t bit = 1ull << reg;

	if ((__atomic_load_n(&sl->sl_touched, __ATOMIC_RELAXED) & bit) == 0)
		(void) __atomic_fetch_or(&sl->sl_touched, bit,
		    __ATOMIC_RELAXED);
	region_written(sl, reg);
	return (&sl->sl_shadow[reg * HB_PAGES + pg]);
}

/* the word, without marking the region used (a walker only looks) */
const uint64_t *
shadow_peek(const hb_slot_t *sl, int reg, int pg)
{
	return (&sl->sl_shadow[reg * HB_PAGES + pg]);
}

int
shadow_touched(const hb_slot_t *sl, int reg)
{
	return ((__atomic_load_n(&sl->sl_touched, __ATOMIC_RELAXED) &
	    (1ull << reg)) != 0);
}

/*
 * The address space is gone (its writer lock held, every mapping of it
 * unloaded): each word becomes unmapped, its generation bumped.
 */
void
shadow_clear(hb_slot_t *sl)
{
	uint64_t w;
	int reg, i;

	for (reg = 0; reg < sl->sl_nreg; reg++) {
		if (!shadow_touched(sl, reg))
			continue;
		region_written(sl, reg);
		for (i = reg * HB_PAGES; i < (reg + 1) * HB_PAGES; i++) {
			w = __atomic_load_n(&sl->sl_shadow[i],
			    __ATOMIC_RELAXED);
			__atomic_store_n(&sl->sl_shadow[i],
			    (w & ~(SW_GEN_ONE - 1)) + SW_GEN_ONE,
			    __ATOMIC_RELAXED);
		}
	}
}

static uint64_t mk(int state, pfn_t pfn, uint64_t flags);

/* boot: a mapping the HAT made for good (hb_region_fixed()) */
void
shadow_fixed(hb_slot_t *sl, int reg, int pg, pfn_t pfn)
{
	__atomic_store_n(shadow_word(sl, reg, pg), mk(SW_MAPPED, pfn, 0),
	    __ATOMIC_RELAXED);
}

/* replace the word by f(old), bumping the generation */
static uint64_t
sh_update(uint64_t *p, uint64_t (*f)(uint64_t, void *), void *arg)
{
	uint64_t old = sw_load(p), new;

	do {
		new = (f(old, arg) & (SW_GEN_ONE - 1)) |
		    ((old & ~(SW_GEN_ONE - 1)) + SW_GEN_ONE);
	} while (!__atomic_compare_exchange_n(p, &old, new, 0,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	return (new);
}

static uint64_t
mk(int state, pfn_t pfn, uint64_t flags)
{
	return (((uint64_t)state << 40) | ((uint64_t)pfn & SW_PFN) | flags);
}

struct setarg {
	int		state;
	pfn_t		pfn;
	uint64_t	flags;
};

static uint64_t
f_set(uint64_t old, void *a)
{
	struct setarg *s = a;

	return (mk(s->state, s->pfn, s->flags) | (old & SW_FOREIGN));
}

static void
sh_set(uint64_t *p, int state, pfn_t pfn, uint64_t flags)
{
	struct setarg s = { state, pfn, flags };

	(void) sh_update(p, f_set, &s);
}

struct maparg {
	pfn_t		pfn;
	uint64_t	flags;
};

static uint64_t
f_begin_map(uint64_t old, void *a)
{
	struct maparg *m = a;
	uint64_t prior = SW_STATE(old) == SW_MAPPED ? SW_PRIOR : 0;

	if (SW_STATE(old) != SW_UNMAPPED &&
	    (SW_STATE(old) != SW_MAPPED || sw_pfn(old) != m->pfn))
		htbed_internal_error("load over a slot that is %s",
		    state_name[SW_STATE(old)]);
	return (mk(SW_PEND_MAP, m->pfn, m->flags | prior) |
	    (old & SW_FOREIGN));
}

void
sh_begin_map(uint64_t *p, pfn_t pfn, uint64_t flags)
{
	struct maparg m = { pfn, flags };

	(void) sh_update(p, f_begin_map, &m);
}

/* the load is done: mapped, unless a remover took it meanwhile */
static uint64_t
f_end_map(uint64_t old, void *a)
{
	(void) a;
	if (old & SW_REMOVED)
		return (mk(SW_UNMAPPED, 0, 0) | (old & SW_FOREIGN));
	return (mk(SW_MAPPED, sw_pfn(old), old & (SW_LOCKED | SW_LARGE)) |
	    (old & SW_FOREIGN));
}

/*
 * Settle a load.  Each transition is one CAS on the word, so a removal
 * that lands at any moment is either before it (and seen) or after it
 * (and applied to the settled state).  A removal during a load over an
 * existing mapping (PRIOR) may have come before the load reinstalled it:
 * then the page tables decide, read while no removal is in flight, and
 * the word must not have changed meanwhile.
 */
void
sh_end_map(uint64_t *p, hat_t *hat, uintptr_t va)
{
	uint64_t old, new;
	pfn_t pfn;

	for (;;) {
		old = sw_load(p);
		if ((old & (SW_REMOVED | SW_PRIOR)) !=
		    (SW_REMOVED | SW_PRIOR)) {
			(void) sh_update(p, f_end_map, NULL);
			return;
		}
		if (old & SW_FOREIGN) {
			SEAM_SPIN(sh_end_map);
			continue;
		}
		pfn = sw_pfn(old);
		new = hat_probe_level(hat, va, NULL) == pfn ?
		    mk(SW_MAPPED, pfn, old & (SW_LOCKED | SW_LARGE)) :
		    mk(SW_UNMAPPED, 0, 0);
		new |= (old & ~(SW_GEN_ONE - 1)) + SW_GEN_ONE;
		if (__atomic_compare_exchange_n(p, &old, new, 0,
		    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return;
	}
}

static uint64_t
f_begin_unmap(uint64_t old, void *a)
{
	(void) a;
	if (SW_STATE(old) != SW_MAPPED)
		return (old);
	return (mk(SW_PEND_UNMAP, sw_pfn(old), old & (SW_LOCKED | SW_LARGE)) |
	    (old & SW_FOREIGN));
}

/* returns 0 if there is nothing to unload */
int
sh_begin_unmap(uint64_t *p)
{
	if (SW_STATE(sw_load(p)) != SW_MAPPED)
		return (0);
	return (SW_STATE(sh_update(p, f_begin_unmap, NULL)) == SW_PEND_UNMAP);
}

void
sh_end_unmap(uint64_t *p)
{
	sh_set(p, SW_UNMAPPED, 0, 0);
}

static uint64_t
f_clear(uint64_t old, void *a)
{
	return (old & ~*(uint64_t *)a);
}

/* drop flags (SW_LOCKED, SW_LARGE) without losing a remover's marks */
void
sh_clear_flags(uint64_t *p, uint64_t flags)
{
	(void) sh_update(p, f_clear, &flags);
}

static uint64_t *
foreign_word(htable_t *ht, uint_t entry, uintptr_t *vap)
{
	hb_slot_t *sl = hb_slot_of_hat(ht->ht_hat);
	uintptr_t va = htable_e2va(ht, entry);
	int reg, pg;

	if (ht->ht_level != 0)
		BUG("model", "a level-%d mapping at va 0x%lx is being removed "
		    "by a steal or pageunload; only 4K mappings can be",
		    ht->ht_level, va);
	if (!hb_locate(sl, va, &reg, &pg) || reg >= HB_ISM_FIRST)
		BUG("model", "a steal or pageunload removes a mapping at va "
		    "0x%lx, where the workload never maps", va);
	if (hb_region_fixed(sl, reg))
		BUG("model", "a steal or pageunload removes va 0x%lx of %s: "
		    "the HAT mapped it at boot for good%s", va,
		    sl->sl_kind == HK_CPU ? "a vCPU's own hat (HAT_PCP)" :
		    "the kernel image", sl->sl_kind == HK_CPU ? ", and the "
		    "CPU needs it in user mode; per-CPU hats are never "
		    "stolen from" : "");
	*vap = va;
	return (shadow_word(sl, reg, pg));
}

static uint64_t
f_foreign_begin(uint64_t old, void *a)
{
	(void) a;
	if ((old & SW_FOREIGN) == SW_FOREIGN)
		htbed_internal_error("more than 3 removers on one slot");
	return (old + SW_FOREIGN_ONE);
}

/*
 * A remover is about to clear entry of ht if it still maps pfn.  It holds
 * pfn's mapping-list lock, which every load and unload of a consistent
 * mapping of pfn takes too: if the entry maps pfn now, the owner cannot be
 * past its own unload of it, nor before its load, so the model must say
 * the slot maps pfn (mapped, or an op on it in progress) and be unlocked
 * unless a lock is being added.  If the entry no longer maps pfn, the
 * removal will find nothing: only the in-flight count is raised.
 */
static void
foreign_begin(htable_t *ht, uint_t entry, pfn_t pfn)
{
	uintptr_t va;
	uint64_t *p = foreign_word(ht, entry, &va);
	x86pte_t pte = x86pte_get(ht, entry);
	uint64_t w = sw_load(p);

	if (PTE_ISVALID(pte) && PTE2PFN(pte, 0) == pfn &&
	    (SW_STATE(w) == SW_UNMAPPED || sw_pfn(w) != pfn ||
	    (SW_STATE(w) == SW_MAPPED && (w & SW_LOCKED))))
		BUG("model", "a steal or pageunload removes va 0x%lx -> pfn "
		    "0x%lx, but the model says the slot is %s%s (pfn 0x%lx)",
		    va, pfn, state_name[SW_STATE(w)],
		    (w & SW_LOCKED) ? ", locked" : "", sw_pfn(w));
	(void) sh_update(p, f_foreign_begin, NULL);
}

static uint64_t
f_foreign_end(uint64_t old, void *a)
{
	int removed = *(int *)a;
	uint64_t w = old - SW_FOREIGN_ONE;

	if (!removed)
		return (w);
	switch (SW_STATE(w)) {
	case SW_MAPPED:
		return (mk(SW_UNMAPPED, 0, 0) | (w & SW_FOREIGN));
	case SW_PEND_MAP:
		return (w | SW_REMOVED);
	default:
		return (w);
	}
}

static void
foreign_end(htable_t *ht, uint_t entry, int removed)
{
	uintptr_t va;

	(void) sh_update(foreign_word(ht, entry, &va), f_foreign_end,
	    &removed);
	if (removed)
		__atomic_add_fetch(&hb_world.w_foreign, 1, __ATOMIC_RELAXED);
}

const struct hat_observer shadow_observer = {
	foreign_begin,
	foreign_end,
};

/* what a slot of the ISM attach area must map, PFN_INVALID for nothing */
static pfn_t
ism_expect(const hb_slot_t *sl, uintptr_t va)
{
	uintptr_t start = HB_ISM_ATTACH_VA(sl->sl_shared);

	if (sl->sl_shared == 0 || va < start ||
	    va >= start + HB_ISM_ATTACH_LEN(sl->sl_shared))
		return (PFN_INVALID);
	return (hb_ism_pfn(va - start));
}

void
sh_verify(const hb_slot_t *sl, uintptr_t va, uint64_t w1, pfn_t found,
    uint64_t w2, const char *how)
{
	int reg, pg, st = SW_STATE(w1);

	if (!hb_locate(sl, va, &reg, &pg)) {
		if (found != PFN_INVALID)
			BUG("model", "%s: va 0x%lx maps pfn 0x%lx, but the "
			    "workload never maps that address", how, va, found);
		return;
	}
	if (reg >= HB_ISM_FIRST) {
		if (found != ism_expect(sl, va))
			BUG("model", "%s: ISM area va 0x%lx maps pfn 0x%lx, "
			    "expected 0x%lx (attached: %d)", how, va, found,
			    ism_expect(sl, va), sl->sl_shared);
		return;
	}
	if (w1 != w2 || (w1 & SW_FOREIGN))
		return;		/* changing under us: nothing to conclude */
	__atomic_add_fetch(&hb_world.w_verified, 1, __ATOMIC_RELAXED);
	if (found == PFN_INVALID) {
		if (st == SW_MAPPED)
			BUG("model", "%s: lost mapping: va 0x%lx should map "
			    "pfn 0x%lx%s (model word 0x%llx), but no page table "
			    "maps it", how, va, sw_pfn(w1),
			    (w1 & SW_LOCKED) ? " (locked)" : "",
			    (unsigned long long)w1);
		return;
	}
	if (st == SW_UNMAPPED)
		BUG("model", "%s: phantom mapping: va 0x%lx maps pfn 0x%lx, but "
		    "the model says it was never mapped or was removed", how,
		    va, found);
	if (found != sw_pfn(w1))
		BUG("model", "%s: va 0x%lx maps pfn 0x%lx, the model says pfn "
		    "0x%lx (%s)", how, va, found, sw_pfn(w1), state_name[st]);
}

/*
 * What an MMU walker's translation of va found (x), against the model word
 * read before (w1) and after (w2) it.  If the word did not change and no
 * removal was in flight, the owner had finished any load or unload of the
 * slot before the translation began, so:
 *  - an unload had returned, and with it its shootdown: no TLB may still
 *    translate va (a TLB entry that does is stale);
 *  - the page tables said what the model says: a walk finding another
 *    page, or a page where the model has none, found a phantom mapping,
 *    and a walk finding nothing for a mapped slot lost it.
 * Slots being loaded or unloaded may or may not translate, but only to
 * the page the model names.
 */
/*
 * Why a vCPU's walk of va may differ from its hat's tables: the vCPU
 * walks its own copy of the hat's top-level entries (hat_cpu_tables()),
 * and the copy of the one for va is not the hat's.  "" if it is.  Called
 * by a walker inside its access (hw_access_begin()): the hat the vCPU
 * runs stays.
 */
static void
pcp_note(int c, uintptr_t va, char *buf, size_t len)
{
	hat_t *hat = ATOMIC_READ(cpu[c]->cpu_current_hat);
	struct hat_cpu_tables t;
	const x86pte_t *copy;
	x86pte_t mine, its;
	uint_t e;

	buf[0] = '\0';
	if (hat == NULL || !(hat->hat_htable->ht_flags & HTBED_HT_COPIED))
		return;
	hat_cpu_tables(c, &t);
	if (HTBED_HAT_IS_32(hat)) {
		e = (uint_t)(va >> LEVEL_SHIFT(2)) & 3;
		copy = t.hct_l2;
	} else {
		e = (uint_t)(va >> LEVEL_SHIFT(3)) & 511;
		copy = t.hct_kernel;
	}
	if (copy == NULL || e >= HTABLE_NUM_PTES(hat->hat_htable))
		return;
	mine = ATOMIC_READ(copy[e]);
	its = ATOMIC_READ(HTBED_COPIED_PTES(hat)[e]);
	if (mine != its)
		(void) host_snprintf(buf, len, "; cpu%d walks its per-CPU copy "
		    "of top-level entry %u of hat %p, 0x%lx, where the hat's "
		    "entry is 0x%lx: the per-CPU update is missing", c, e,
		    (void *)hat, mine, its);
}

void
sh_verify_xlate(uintptr_t va, uint64_t w1, const hw_xlate_t *x, uint64_t w2,
    int cpu)
{
	int st = SW_STATE(w1);
	char why[192];

	if (w1 != w2 || (w1 & SW_FOREIGN))
		return;
	__atomic_add_fetch(&hb_world.w_xlates_verified, 1, __ATOMIC_RELAXED);
	if (x->hx_pfn == PFN_INVALID) {
		if (st != SW_MAPPED)
			return;
		pcp_note(cpu, va, why, sizeof (why));
		BUG("mmu", "lost mapping: cpu%d's MMU finds no mapping of va "
		    "0x%lx, but the model says it maps pfn 0x%lx (model word "
		    "0x%llx)%s", cpu, va, sw_pfn(w1), (unsigned long long)w1,
		    why);
	}
	if (st != SW_UNMAPPED && x->hx_pfn == sw_pfn(w1))
		return;
	if (x->hx_from_tlb)
		BUG("mmu", "stale translation: cpu%d used its TLB entry va "
		    "0x%lx -> pfn 0x%lx (level-%d PTE 0x%lx at pa 0x%llx, "
		    "cached at %llu), but the model says the slot is %s (pfn "
		    "0x%lx): the mapping was removed, and the shootdown that "
		    "should have removed the entry did not", cpu, va,
		    x->hx_pfn, x->hx_level, x->hx_pte,
		    (unsigned long long)x->hx_pte_pa,
		    (unsigned long long)x->hx_when, state_name[st], sw_pfn(w1));
	pcp_note(cpu, va, why, sizeof (why));
	BUG("mmu", "phantom mapping: cpu%d's MMU walk of va 0x%lx finds pfn "
	    "0x%lx (level-%d PTE 0x%lx at pa 0x%llx), but the model says the "
	    "slot is %s (pfn 0x%lx): a mapping never made or fully removed%s",
	    cpu, va, x->hx_pfn, x->hx_level, x->hx_pte,
	    (unsigned long long)x->hx_pte_pa, state_name[st], sw_pfn(w1), why);
}

/*
 * Controlled mode puts the machine back before every run, and the model
 * must go back with it.  It is most of the machine's memory but a run
 * touches a few of its regions, so it lives outside the saved machine
 * (host memory) and goes back region by region: shadow_save() keeps a
 * copy after boot; shadow_restore() copies back every region a run used,
 * going by the touched masks the run left (read before the machine, and
 * with it the masks, is put back).
 */
static uint64_t *shadow_boot[HB_MAX_SLOTS];

void
shadow_save(void)
{
	hb_slot_t *sl[HB_MAX_SLOTS];
	size_t len;
	int n = hb_all_slots(sl), i;

	for (i = 0; i < n; i++) {
		len = sizeof (uint64_t) * HB_PAGES * (size_t)sl[i]->sl_nreg;
		shadow_boot[i] = host_alloc(len);
		__builtin_memcpy(shadow_boot[i], sl[i]->sl_shadow, len);
	}
}

void
shadow_touched_masks(uint64_t *masks)
{
	hb_slot_t *sl[HB_MAX_SLOTS];
	int n = hb_all_slots(sl), i;

	for (i = 0; i < n; i++)
		masks[i] = sl[i]->sl_touched;
}

void
shadow_restore(const uint64_t *masks)
{
	hb_slot_t *sl[HB_MAX_SLOTS];
	size_t len = sizeof (uint64_t) * HB_PAGES;
	int n = hb_all_slots(sl), i, reg;

	for (i = 0; i < n; i++) {
		for (reg = 0; reg < sl[i]->sl_nreg; reg++) {
			if (!(masks[i] & (1ull << reg)))
				continue;
			region_written(sl[i], reg);
			__builtin_memcpy(&sl[i]->sl_shadow[reg * HB_PAGES],
			    &shadow_boot[i][reg * HB_PAGES], len);
		}
	}
}
