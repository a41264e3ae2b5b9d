/*
 * The workload of the emulated MMU (shim/hw): which address spaces the
 * vCPUs run, what the walkers touch, and what each translation must agree
 * with.
 *
 * Contexts.  Every user address space and the reservoir run on every
 * vCPU, as a process whose threads are everywhere: slot i is context i,
 * the reservoir context HB_MAX_HATS.  A process stops running before its
 * hat is torn down (hb_ctx_stop(): no walker uses it, no TLB holds its
 * entries, as once its last thread is off every CPU) and its successor
 * starts running once its hat exists.  The ISM and kernel hats run
 * nowhere by themselves: their tables are reached through the user hats'.
 *
 * An access goes, one time in two, to one of the last RECENT addresses
 * the walker found mapped (so TLB entries get used again, after whatever
 * happened to their mappings meanwhile); one time in four, to one of the
 * last HINTS pages the workload loaded (a program touches what it has
 * just mapped); otherwise it picks a context, then an address the model
 * knows: one of that address space's regions (or, one time in eight, a
 * kernel region, translated through the same context), preferring a
 * mapped page.  It writes with the configured probability.  The model
 * word is read before and after the translation; if it did not change
 * and no removal was in flight, the translation must agree with it
 * (sh_verify_xlate()).
 *
 * Free-running mode: each walker is a thread pinned to its vCPU
 * (preemption disabled for life: a vCPU's MMU never migrates), and parks
 * between accesses while the checker runs.  Controlled mode: each is a
 * daemon fiber that passes a spin point after every access.
 */
#include <sys/types.h>
#include <sys/thread.h>
#include <vm/hat_i86.h>
#include <htbed/hw.h>
#include <htbed/seam.h>
#include <htbed/shim.h>
#include "world.h"

#define	CTX_RESERVOIR	HB_MAX_HATS
#define	PAGE_SCAN	32	/* pages looked at for a mapped one */
#define	RECENT		8
#define	HINTS		64
#define	HINT_KERNEL	(HB_MAX_HATS + 1)	/* slot codes of hints */
#define	HINT_RESERVOIR	HB_MAX_HATS

static int wk_pause, wk_members, wk_parked;

static int
slot_ctx(const hb_slot_t *sl)
{
	return (sl->sl_index >= 0 ? sl->sl_index : CTX_RESERVOIR);
}

void
hb_ctx_run(hb_slot_t *sl)
{
	hw_ctx_load(slot_ctx(sl), sl->sl_hat, sl->sl_hat->hat_htable->ht_pfn);
}

void
hb_ctx_stop(hb_slot_t *sl)
{
	hw_ctx_unload(slot_ctx(sl));
}

int
hb_walkers(void)
{
	return (hw_nwalkers());
}

/*
 * ------------------------------------------------------------------------
 * One access
 * ------------------------------------------------------------------------
 */
typedef struct access {
	hb_slot_t	*a_sl;		/* whose model the address is in */
	int		a_ctx;
	uintptr_t	a_va;
	const uint64_t	*a_word;	/* NULL: the ISM area, no model */
} access_t;

static access_t wk_recent[HW_MAX_WALKERS][RECENT];
static int wk_nrecent[HW_MAX_WALKERS];
static uint64_t wk_hint[HINTS];		/* slot code << 32 | word index */
static uint32_t wk_nhint;

/* a region of sl, among those the model has used if there are any */
static int
pick_region(const hb_slot_t *sl, uint64_t r)
{
	uint64_t used = __atomic_load_n(&sl->sl_touched, __ATOMIC_RELAXED);
	int n = __builtin_popcountll(used), k;

	if (n == 0)
		return ((int)(r % (uint64_t)sl->sl_nreg));
	for (k = (int)(r % (uint64_t)n); k > 0; k--)
		used &= used - 1;
	return (__builtin_ctzll(used));
}

/* from a random page on, the first mapped one (or the random one) */
static int
pick_page(const hb_slot_t *sl, int reg, uint64_t r)
{
	int pg = (int)(r % HB_PAGES), k;

	for (k = 0; k < PAGE_SCAN; k++) {
		if (SW_STATE(sw_load(shadow_peek(sl, reg,
		    (pg + k) % HB_PAGES))) == SW_MAPPED)
			return ((pg + k) % HB_PAGES);
	}
	return (pg);
}

static void
pick_new(access_t *a)
{
	hb_world_t *wd = &hb_world;
	uint64_t r = shim_rand();
	int i = (int)(r % (uint64_t)(wd->w_nslots + 1)), reg, pg;

	a->a_sl = i < wd->w_nslots ? &wd->w_user[i] : &wd->w_reservoir;
	a->a_ctx = slot_ctx(a->a_sl);
	if ((r >> 32) % 8 == 0)
		a->a_sl = &wd->w_kernel;
	reg = pick_region(a->a_sl, r >> 40);
	pg = pick_page(a->a_sl, reg, shim_rand());
	a->a_word = reg < HB_ISM_FIRST ? shadow_peek(a->a_sl, reg, pg) : NULL;
	a->a_va = hb_va(a->a_sl, reg, pg);
}

/*
 * The workload loaded a page of sl (its model word sw): walkers may
 * touch it soon.
 */
void
walkers_hint(const hb_slot_t *sl, const uint64_t *sw)
{
	uint64_t code = sl->sl_kind == HK_KERNEL ? HINT_KERNEL :
	    sl->sl_index < 0 ? HINT_RESERVOIR : (uint64_t)sl->sl_index;
	uint32_t i;

	if (hw_nwalkers() == 0)
		return;
	i = __atomic_fetch_add(&wk_nhint, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&wk_hint[i % HINTS], code << 32 |
	    (uint64_t)(sw - sl->sl_shadow), __ATOMIC_RELAXED);
}

static int
pick_hint(access_t *a, uint64_t r)
{
	hb_world_t *wd = &hb_world;
	uint32_t n = __atomic_load_n(&wk_nhint, __ATOMIC_RELAXED);
	uint64_t h, code;
	int idx;

	if (n == 0)
		return (0);
	h = __atomic_load_n(&wk_hint[r % (n < HINTS ? n : HINTS)],
	    __ATOMIC_RELAXED);
	code = h >> 32;
	idx = (int)(uint32_t)h;
	if (code < HB_MAX_HATS && (int)code >= wd->w_nslots)
		return (0);
	a->a_sl = code == HINT_KERNEL ? &wd->w_kernel :
	    code == HINT_RESERVOIR ? &wd->w_reservoir : &wd->w_user[code];
	a->a_ctx = code == HINT_KERNEL ?
	    (int)((r >> 32) % (uint64_t)(wd->w_nslots + 1)) : slot_ctx(a->a_sl);
	if (a->a_ctx == wd->w_nslots)
		a->a_ctx = CTX_RESERVOIR;
	a->a_word = shadow_peek(a->a_sl, idx / HB_PAGES, idx % HB_PAGES);
	a->a_va = hb_va(a->a_sl, idx / HB_PAGES, idx % HB_PAGES);
	return (1);
}

static void
pick(int w, access_t *a)
{
	uint64_t r = shim_rand();

	if ((r & 3) < 2 && wk_nrecent[w] > 0)
		*a = wk_recent[w][(r >> 2) % (uint64_t)wk_nrecent[w]];
	else if ((r & 3) != 2 || !pick_hint(a, r >> 2))
		pick_new(a);
}

static void
remember(int w, const access_t *a)
{
	if (wk_nrecent[w] < RECENT)
		wk_recent[w][wk_nrecent[w]++] = *a;
	else
		wk_recent[w][shim_rand() % RECENT] = *a;
}

void
hb_walker_access(int w)
{
	access_t a;
	hw_xlate_t x;
	uint64_t w1 = 0, w2 = 0;
	int write = shim_chance_ppm(shim_cfg()->sc_write_ppm);

	pick(w, &a);
	if (a.a_word != NULL)
		w1 = sw_load(a.a_word);
	hw_translate(w, a.a_ctx, a.a_va, write, &x);
	if (a.a_word != NULL)
		w2 = sw_load(a.a_word);
	if (a.a_word != NULL && x.hx_ctx_ok)
		sh_verify_xlate(a.a_va, w1, &x, w2, hw_walker_cpu(w));
	if (x.hx_pfn != PFN_INVALID && !x.hx_from_tlb)
		remember(w, &a);
}

/*
 * ------------------------------------------------------------------------
 * Walker threads and fibers
 * ------------------------------------------------------------------------
 */

/* the calling thread is walker w's: on its vCPU for good */
void
hb_walker_pin(void)
{
	curthread->t_preempt = 1;
}

void
hb_walker_attach(int w, const char *name)
{
	(void) shim_thread_attach(name, hw_walker_cpu(w));
	hb_walker_pin();
	__atomic_add_fetch(&wk_members, 1, __ATOMIC_ACQ_REL);
}

void
hb_walker_detach(void)
{
	__atomic_sub_fetch(&wk_members, 1, __ATOMIC_ACQ_REL);
	shim_thread_detach();
}

/* free-running: walkers run from now on, or have all stopped */
void
hb_walkers_running(int on)
{
	hw_set_running(on);
}

/* between two accesses: park while the checker runs */
void
hb_walker_gate(void)
{
	if (!__atomic_load_n(&wk_pause, __ATOMIC_ACQUIRE))
		return;
	__atomic_add_fetch(&wk_parked, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&wk_pause, __ATOMIC_ACQUIRE))
		host_sleep_ns(100000);
	__atomic_sub_fetch(&wk_parked, 1, __ATOMIC_ACQ_REL);
}

/* returns with every walker thread parked between two accesses */
void
walkers_pause(void)
{
	__atomic_store_n(&wk_pause, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&wk_parked, __ATOMIC_ACQUIRE) <
	    __atomic_load_n(&wk_members, __ATOMIC_ACQUIRE))
		host_sleep_ns(100000);
}

void
walkers_resume(void)
{
	__atomic_store_n(&wk_pause, 0, __ATOMIC_RELEASE);
}
