/*
 * The workload of the emulated MMU (shim/hw): what the walkers touch, and
 * what each translation must agree with.
 *
 * A vCPU's walkers are its MMU: they translate for whatever the vCPU runs
 * (hb_cpu_slot[c], changed by hat_switch() under the vCPU's dispatcher
 * lock): addresses of the process it runs, in user mode (through the
 * CPU's user top table) or in kernel mode (copyin: the kernel one);
 * kernel addresses, in kernel mode; and, in the KPTI era, the kernel
 * image in user mode, where only what the CPU's own hat punched in may
 * translate (its trampoline above all: a CPU that cannot translate it
 * would triple-fault on its next trap).  A translation is made only while
 * the vCPU still runs the context it was chosen for (hw_translate()).
 *
 * An access goes, one time in two, to one of the last RECENT addresses
 * the walker found mapped (so TLB entries get used again, after whatever
 * happened to their mappings meanwhile); one time in four, to one of the
 * last HINTS pages the workload loaded, if the vCPU runs their address
 * space (a program touches what it has just mapped); otherwise it picks:
 * one time in eight a kernel region, one time in sixteen the kernel image
 * in user mode, else a region of the process the vCPU runs (preferring a
 * mapped page).  It writes with the configured probability.  The model
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

#define	PAGE_SCAN	32	/* pages looked at for a mapped one */
#define	RECENT		8
#define	HINTS		64
#define	HINT_KERNEL	(HB_MAX_HATS + 1)	/* slot codes of hints */
#define	HINT_RESERVOIR	HB_MAX_HATS

static int wk_pause, wk_members, wk_parked;

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
	const void	*a_ctx;		/* the hat the vCPU must run, or NULL */
	const void	*a_tag;		/* the hat whose tables map a_va */
	uintptr_t	a_va;
	const uint64_t	*a_word;	/* NULL: the ISM area, no model */
	int		a_user;		/* in user mode */
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

/*
 * From a random page on, the first mapped one (or the random one); in
 * the kernel image, any page of it (those of the vCPUs included).
 */
static int
pick_page(const hb_slot_t *sl, int reg, uint64_t r)
{
	int pg = (int)(r % HB_PAGES), k;

	if (hb_region_fixed(sl, reg))
		return ((int)(r % (uint64_t)(1 + ncpus)));
	for (k = 0; k < PAGE_SCAN; k++) {
		if (SW_STATE(sw_load(shadow_peek(sl, reg,
		    (pg + k) % HB_PAGES))) == SW_MAPPED)
			return ((pg + k) % HB_PAGES);
	}
	return (pg);
}

static void
pick_in(access_t *a, hb_slot_t *sl, const void *ctx, int user, uint64_t r)
{
	int reg = pick_region(sl, r >> 8), pg = pick_page(sl, reg, shim_rand());

	a->a_sl = sl;
	a->a_ctx = ctx;
	a->a_tag = ATOMIC_READ(sl->sl_hat);
	a->a_user = user;
	a->a_word = reg < HB_ISM_FIRST ? shadow_peek(sl, reg, pg) : NULL;
	a->a_va = hb_va(sl, reg, pg);
}

static void
pick_new(int c, access_t *a)
{
	hb_world_t *wd = &hb_world;
	hb_slot_t *run = __atomic_load_n(&hb_cpu_slot[c], __ATOMIC_ACQUIRE);
	uint64_t r = shim_rand();
	hat_t *hat = run != NULL ? ATOMIC_READ(run->sl_hat) : NULL;

	if (hat != NULL && (r & 15) == 0 && c < wd->w_ncpu)
		pick_in(a, &wd->w_cpu[c], hat, 1, r >> 4);
	else if (hat == NULL || (r & 7) == 1)
		pick_in(a, &wd->w_kernel, NULL, 0, r >> 4);
	else
		pick_in(a, run, hat, (r >> 4) & 1, r >> 5);
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

/* a hint of the kernel, or of the process vCPU c runs */
static int
pick_hint(int c, access_t *a, uint64_t r)
{
	hb_world_t *wd = &hb_world;
	uint32_t n = __atomic_load_n(&wk_nhint, __ATOMIC_RELAXED);
	hb_slot_t *sl, *run = __atomic_load_n(&hb_cpu_slot[c],
	    __ATOMIC_ACQUIRE);
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
	sl = code == HINT_KERNEL ? &wd->w_kernel :
	    code == HINT_RESERVOIR ? &wd->w_reservoir : &wd->w_user[code];
	if (sl != &wd->w_kernel && sl != run)
		return (0);
	a->a_sl = sl;
	a->a_ctx = sl == run ? ATOMIC_READ(run->sl_hat) : NULL;
	a->a_tag = ATOMIC_READ(sl->sl_hat);
	a->a_user = sl == run && ((r >> 40) & 1);
	a->a_word = shadow_peek(sl, idx / HB_PAGES, idx % HB_PAGES);
	a->a_va = hb_va(sl, idx / HB_PAGES, idx % HB_PAGES);
	return (1);
}

static void
pick(int w, access_t *a)
{
	uint64_t r = shim_rand();
	int c = hw_walker_cpu(w);

	if ((r & 3) < 2 && wk_nrecent[w] > 0)
		*a = wk_recent[w][(r >> 2) % (uint64_t)wk_nrecent[w]];
	else if ((r & 3) != 2 || !pick_hint(c, a, r >> 2))
		pick_new(c, a);
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
	hw_access_begin(w);
	if (a.a_word != NULL)
		w1 = sw_load(a.a_word);
	hw_translate(w, a.a_ctx, a.a_tag, a.a_va, write, a.a_user, &x);
	if (a.a_word != NULL)
		w2 = sw_load(a.a_word);
	if (a.a_word != NULL && x.hx_ctx_ok)
		sh_verify_xlate(a.a_va, w1, &x, w2, hw_walker_cpu(w));
	hw_access_end(w);
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
