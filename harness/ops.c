/*
 * The op vocabulary and its interpreter.
 *
 * An op names what to do and carries selectors (which address space,
 * which of the worker's units, which page, how many, which data page); the
 * interpreter resolves the selectors to slots the worker owns and to
 * states where the op makes sense, so any op is valid for any worker (a
 * fuzz target can feed arbitrary bytes).  Ops that find nothing to do are
 * no-ops.  The table below gives each op its name and its default weight
 * in generated workloads (ztest style).
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/sysmacros.h>
#include <sys/kmem.h>
#include <sys/proc.h>
#include <sys/mman.h>
#include <vm/as.h>
#include <vm/hat.h>
#include <vm/hat_i86.h>
#include <htbed/seam.h>
#include <htbed/shim.h>
#include "world.h"
#include "ops.h"
#include "hat_testbed.h"

extern kmem_cache_t *htable_cache;

#define	QUARTER		(HB_PAGES / 4)
#define	MAX_RUN		16
#define	PROT_RWU	(PROT_READ | PROT_WRITE | PROT_USER)

static const char *const op_names[HB_NOPS] = {
	[HB_MAP] = "map", [HB_UNMAP] = "unmap", [HB_MAP_LARGE] = "map_large",
	[HB_LOCK] = "lock", [HB_UNLOCK] = "unlock", [HB_LOOKUP] = "lookup",
	[HB_WALK] = "walk", [HB_SHARE] = "share", [HB_UNSHARE] = "unshare",
	[HB_PAGEUNLOAD] = "pageunload", [HB_SWAPOUT] = "swapout",
	[HB_EXIT] = "exit", [HB_REAP] = "reap", [HB_PRESSURE] = "pressure",
	[HB_SWITCH] = "switch",
};

/* a unit: one quarter of a region, owned by one worker */
typedef struct unit {
	uint8_t		u_reg;
	uint8_t		u_q;
} unit_t;

static unit_t	user_units[HB_MAX_WORKERS][HB_USER_REGIONS * 4];
static int	n_user_units[HB_MAX_WORKERS];
static int	n_user32_units[HB_MAX_WORKERS];	/* the first ones */
static unit_t	kern_units[HB_MAX_WORKERS][HB_KERNEL_WORK * 4];
static int	n_kern_units[HB_MAX_WORKERS];
static uint64_t	op_count[HB_MAX_WORKERS][HB_NOPS];
static krwlock_t	pageunload_lock;	/* see op_pageunload() */

const char *
hb_op_name(int op)
{
	return (op >= 0 && op < HB_NOPS ? op_names[op] : "?");
}

int
hb_op_by_name(const char *name)
{
	int op;

	for (op = 0; op < HB_NOPS; op++) {
		if (__builtin_strcmp(name, op_names[op]) == 0)
			return (op);
	}
	return (-1);
}

static const char *
op_namer(uint64_t op)
{
	return (hb_op_name((int)op));
}

void
ops_init(void)
{
	const hb_slot_t *u = &hb_world.w_user[0], *k = &hb_world.w_kernel;
	int reg, q, w;

	for (reg = 0; reg < HB_USER_REGIONS; reg++) {
		for (q = 0; q < 4; q++) {
			w = hb_owner(u, reg, q * QUARTER);
			user_units[w][n_user_units[w]++] =
			    (unit_t){ (uint8_t)reg, (uint8_t)q };
			if (reg < HB_USER32_REGIONS)
				n_user32_units[w] = n_user_units[w];
		}
	}
	for (reg = 0; reg < HB_KERNEL_WORK; reg++) {
		for (q = 0; q < 4; q++) {
			w = hb_owner(k, reg, q * QUARTER);
			kern_units[w][n_kern_units[w]++] =
			    (unit_t){ (uint8_t)reg, (uint8_t)q };
		}
	}
	rw_init(&pageunload_lock, NULL, RW_DEFAULT, NULL);
	bug_set_op_namer(op_namer);
}

uint64_t
ops_count(int op)
{
	uint64_t n = 0;
	int w;

	for (w = 0; w < HB_MAX_WORKERS; w++)
		n += __atomic_load_n(&op_count[w][op], __ATOMIC_RELAXED);
	return (n);
}

/* the address space an op works on: a user slot, or the kernel */
static hb_slot_t *
op_slot(const hb_op_t *op, int user_only)
{
	int n = hb_world.w_nslots;
	int i = op->op_hat % (user_only ? n : n + 1);

	return (i == n ? &hb_world.w_kernel : &hb_world.w_user[i]);
}

/* one of the worker's units in sl, those of a 32-bit process below 4G */
static int
op_unit(int w, const hb_slot_t *sl, uint32_t sel, unit_t *u)
{
	int n = sl->sl_kind == HK_KERNEL ? n_kern_units[w] :
	    sl->sl_ilp32 ? n_user32_units[w] : n_user_units[w];

	if (n == 0)
		return (0);
	*u = sl->sl_kind == HK_KERNEL ? kern_units[w][sel % n] :
	    user_units[w][sel % n];
	return (1);
}

static void
as_enter(hb_slot_t *sl, krw_t how)
{
	rw_enter(&sl->sl_as.a_lock, how);
}

static void
as_exit(hb_slot_t *sl)
{
	rw_exit(&sl->sl_as.a_lock);
}

static int
region_has_large(hb_slot_t *sl, int reg)
{
	return ((sw_load(shadow_word(sl, reg, 0)) & SW_LARGE) != 0);
}

/* a data page for a 4K mapping: lockable ones if it is to be locked */
static pfn_t
data_pfn(uint32_t sel, int lockable)
{
	hb_world_t *w = &hb_world;

	if (lockable)
		return (w->w_lockable + sel % w->w_nlockable);
	return (w->w_lockable + sel % (w->w_nlockable + w->w_nunloadable));
}

static int
pfn_lockable(pfn_t pfn)
{
	return (pfn >= hb_world.w_lockable &&
	    pfn < hb_world.w_lockable + hb_world.w_nlockable);
}

/*
 * Load one 4K page, holding the page shared as the kernel's callers do, so
 * that hat_pageunload() (which holds it exclusive) cannot run alongside.
 */
static void
load_page(hb_slot_t *sl, uintptr_t va, uint64_t *sw, pfn_t pfn, int lock)
{
	page_t *pp = hb_page(pfn);

	(void) page_lock(pp, SE_SHARED, NULL, P_NO_RECLAIM);
	sh_begin_map(sw, pfn, lock ? SW_LOCKED : 0);
	hat_memload(sl->sl_hat, (caddr_t)va, pp, PROT_RWU,
	    lock ? HAT_LOAD_LOCK : HAT_LOAD);
	sh_end_map(sw, sl->sl_hat, va);
	walkers_hint(sl, sw);
	page_unlock(pp);
}

/*
 * Every failed page-table allocation ends in htable_alloc()'s loop, which
 * only steals: with no table to steal it spins forever, as the kernel
 * would.  The reservoir stands for the rest of a real machine's address
 * spaces: one mapping in each of its regions, so a steal always finds
 * something.  It is refilled after every reclaim (which takes ten or more
 * tables at once) and before every burst of pressure.  Its filler acts
 * as pageout (NOMEMWAIT: memory pressure does not fail its page-table
 * allocations) and is exempt from injected failures, so that refilling
 * never needs the tables it is there to provide.
 */
void
hb_reservoir_fill(void)
{
	hb_slot_t *sl = &hb_world.w_reservoir;
	kthread_t *t = curthread;
	proc_t *p = t->t_procp;
	int reg;

	/* as writer: fillers (the reaper, pressure ops) take turns */
	as_enter(sl, RW_WRITER);
	t->t_noinject++;
	t->t_procp = proc_pageout;
	for (reg = 0; reg < hb_world.w_cfg.hc_reservoir; reg++) {
		uint64_t *sw = shadow_word(sl, reg, 0);

		if (!HB_REGION_MIXED(reg) &&
		    SW_STATE(sw_load(sw)) == SW_UNMAPPED)
			load_page(sl, hb_va(sl, reg, 0), sw,
			    data_pfn((uint32_t)reg, 0), 0);
	}
	t->t_procp = p;
	t->t_noinject--;
	as_exit(sl);
}

/* map: a run of unmapped pages of a unit; in lockable regions, 1 in 4 locked */
static void
op_map(int w, const hb_op_t *op)
{
	hb_slot_t *sl = op_slot(op, 0);
	int user = sl->sl_kind == HK_USER;
	int i, pg, n = 1 + op->op_c % MAX_RUN;
	unit_t u;

	as_enter(sl, RW_READER);
	if (!op_unit(w, sl, op->op_a, &u) || (user &&
	    HB_REGION_MIXED(u.u_reg) && region_has_large(sl, u.u_reg)))
		goto out;
	pg = u.u_q * QUARTER + op->op_b % QUARTER;
	for (i = 0; i < n && pg + i < (u.u_q + 1) * QUARTER; i++) {
		uint64_t *sw = shadow_word(sl, u.u_reg, pg + i);
		int lock = user && HB_REGION_LOCKABLE(u.u_reg) &&
		    (op->op_d + (uint32_t)i) % 4 == 0;

		if (SW_STATE(sw_load(sw)) != SW_UNMAPPED)
			continue;
		load_page(sl, hb_va(sl, u.u_reg, pg + i), sw,
		    data_pfn(op->op_d * 7 + (uint32_t)i, lock), lock);
	}
out:
	as_exit(sl);
}

/*
 * Unload [pg, pg + n) of a region, one hat_unload() per run of slots
 * whose lock state agrees (HAT_UNLOAD_UNLOCK applies to every mapping in
 * its range).
 */
static void
unload_range(hb_slot_t *sl, int reg, int pg, int n)
{
	uint64_t *sw = shadow_word(sl, reg, 0), w;
	int i = pg, j, locked;

	while (i < pg + n) {
		locked = (sw_load(&sw[i]) & SW_LOCKED) != 0;
		for (j = i; j < pg + n; j++) {
			w = sw_load(&sw[j]);
			if (SW_STATE(w) == SW_MAPPED &&
			    ((w & SW_LOCKED) != 0) != locked)
				break;
			(void) sh_begin_unmap(&sw[j]);
		}
		hat_unload(sl->sl_hat, (caddr_t)hb_va(sl, reg, i),
		    (size_t)(j - i) << MMU_PAGESHIFT,
		    locked ? HAT_UNLOAD_UNLOCK : HAT_UNLOAD);
		for (; i < j; i++) {
			if (SW_STATE(sw_load(&sw[i])) != SW_UNMAPPED)
				sh_end_unmap(&sw[i]);
		}
	}
}

/* every region of the process the model ever used (the rest is empty) */
static void
unload_all(hb_slot_t *sl)
{
	int reg;

	for (reg = 0; reg < HB_SLOT_REGIONS(sl); reg++) {
		if (shadow_touched(sl, reg))
			unload_range(sl, reg, 0, HB_PAGES);
	}
}

/* unmap: a range of a unit, or a whole 2M page */
static void
op_unmap(int w, const hb_op_t *op)
{
	hb_slot_t *sl = op_slot(op, 0);
	int pg, n;
	unit_t u;

	as_enter(sl, RW_READER);
	if (!op_unit(w, sl, op->op_a, &u))
		goto out;
	if (sl->sl_kind == HK_USER && HB_REGION_MIXED(u.u_reg) &&
	    region_has_large(sl, u.u_reg)) {
		unload_range(sl, u.u_reg, 0, HB_PAGES);
		goto out;
	}
	pg = u.u_q * QUARTER + op->op_b % QUARTER;
	n = 1 + op->op_c % MAX_RUN;
	unload_range(sl, u.u_reg, pg, MIN(n, (u.u_q + 1) * QUARTER - pg));
out:
	as_exit(sl);
}

/* map_large: a 2M page over an empty mixed region */
static void
op_map_large(int w, const hb_op_t *op)
{
	hb_slot_t *sl = op_slot(op, 1);
	hb_world_t *wd = &hb_world;
	page_t *pps[HB_PAGES];
	pfn_t base;
	level_t l = 0;
	unit_t u;
	int i;

	as_enter(sl, RW_READER);
	if (!op_unit(w, sl, op->op_a, &u) || !HB_REGION_MIXED(u.u_reg))
		goto out;
	for (i = 0; i < HB_PAGES; i++) {
		if (SW_STATE(sw_load(shadow_word(sl, u.u_reg, i))) !=
		    SW_UNMAPPED)
			goto out;
	}
	base = wd->w_large + (op->op_d % wd->w_nlarge) * HB_PAGES;
	for (i = 0; i < HB_PAGES; i++) {
		pps[i] = hb_page(base + (pfn_t)i);
		sh_begin_map(shadow_word(sl, u.u_reg, i), base + (pfn_t)i,
		    SW_LARGE);
	}
	hat_memload_array(sl->sl_hat, (caddr_t)hb_va(sl, u.u_reg, 0),
	    HB_PAGES << MMU_PAGESHIFT, pps, PROT_RWU, HAT_LOAD);
	/* a level-0 table still linked there makes it 512 4K pages */
	(void) hat_probe_level(sl->sl_hat, hb_va(sl, u.u_reg, 0), &l);
	for (i = 0; i < HB_PAGES; i++) {
		uint64_t *sw = shadow_word(sl, u.u_reg, i);

		if (l != 1)
			sh_clear_flags(sw, SW_LARGE);
		sh_end_map(sw, sl->sl_hat, hb_va(sl, u.u_reg, i));
	}
out:
	as_exit(sl);
}

/* the unit page an op names, if the worker has units in that slot */
static uint64_t *
op_page(int w, hb_slot_t *sl, const hb_op_t *op, int *reg, int *pg)
{
	unit_t u;

	if (!op_unit(w, sl, op->op_a, &u))
		return (NULL);
	*reg = u.u_reg;
	*pg = u.u_q * QUARTER + op->op_b % QUARTER;
	return (shadow_word(sl, *reg, *pg));
}

/* a 4K mapping that lock may load again: unlocked, of a lockable page */
static int
relockable(uint64_t v)
{
	return (SW_STATE(v) == SW_MAPPED && !(v & (SW_LOCKED | SW_LARGE)) &&
	    pfn_lockable(sw_pfn(v)));
}

/*
 * lock: load an existing mapping again (HAT_LOAD_LOCK), the first
 * relockable one at or after the page the op names, in its quarter of the
 * region: wherever the worker has mapped, most lock ops find one.
 */
static void
op_lock(int w, const hb_op_t *op)
{
	hb_slot_t *sl = op_slot(op, 1);
	int reg, pg, q, i;

	as_enter(sl, RW_READER);
	if (op_page(w, sl, op, &reg, &pg) != NULL && HB_REGION_LOCKABLE(reg)) {
		q = pg - pg % QUARTER;
		for (i = 0; i < QUARTER; i++) {
			int p = q + (pg + i) % QUARTER;
			uint64_t *sw = shadow_word(sl, reg, p);
			uint64_t v = sw_load(sw);

			if (relockable(v)) {
				load_page(sl, hb_va(sl, reg, p), sw, sw_pfn(v),
				    1);
				break;
			}
		}
	}
	as_exit(sl);
}

static void
op_unlock(int w, const hb_op_t *op)
{
	hb_slot_t *sl = op_slot(op, 1);
	uint64_t *sw;
	int reg, pg;

	as_enter(sl, RW_READER);
	sw = op_page(w, sl, op, &reg, &pg);
	/* the model first: once unlocked, the mapping may be stolen */
	if (sw != NULL && (sw_load(sw) & SW_LOCKED)) {
		sh_clear_flags(sw, SW_LOCKED);
		hat_unlock(sl->sl_hat, (caddr_t)hb_va(sl, reg, pg),
		    MMU_PAGESIZE);
	}
	as_exit(sl);
}

/* lookup: probe a run of the worker's own pages against the model */
static void
op_lookup(int w, const hb_op_t *op)
{
	hb_slot_t *sl = op_slot(op, 0);
	int reg, pg, i, n = 1 + op->op_c % MAX_RUN;
	uint64_t *sw, w1, w2;
	uintptr_t va;
	pfn_t found;

	as_enter(sl, RW_READER);
	if ((sw = op_page(w, sl, op, &reg, &pg)) == NULL)
		goto out;
	for (i = 0; i < n && pg + i < HB_PAGES; i++) {
		va = hb_va(sl, reg, pg + i);
		w1 = sw_load(&sw[i]);
		found = hat_probe_level(sl->sl_hat, va, NULL);
		w2 = sw_load(&sw[i]);
		sh_verify(sl, va, w1, found, w2, "lookup");
	}
out:
	as_exit(sl);
}

/*
 * Check every 4K slot of a page a walk returned.  The walk's own read of
 * the leaf may be stale by now (a 2M page replaced by a table of 4K
 * pages, say), so each slot is probed afresh between two reads of its
 * model word, as a lookup does.
 */
static void
walk_verify(hb_slot_t *sl, htable_t *ht, uintptr_t va, x86pte_t walked)
{
	uint64_t npg = LEVEL_SIZE(ht->ht_level) >> MMU_PAGESHIFT, i;
	uint64_t w1 = 0, w2 = 0;
	char how[96];
	int reg, pg;
	pfn_t found;

	(void) host_snprintf(how, sizeof (how), "walk (leaf 0x%lx at level "
	    "%d)", walked, ht->ht_level);
	for (i = 0; i < npg; i++) {
		uintptr_t v = va + (i << MMU_PAGESHIFT);
		int mine = hb_locate(sl, v, &reg, &pg) && reg < HB_ISM_FIRST;

		if (mine)
			w1 = sw_load(shadow_word(sl, reg, pg));
		found = hat_probe_level(sl->sl_hat, v, NULL);
		if (mine)
			w2 = sw_load(shadow_word(sl, reg, pg));
		sh_verify(sl, v, w1, found, w2, how);
	}
}

/* walk: every mapping of an address space, each checked */
static void
op_walk(int w, const hb_op_t *op)
{
	hb_slot_t *sl = op_slot(op, 0);
	uintptr_t va = sl->sl_base[0];
	uintptr_t end = sl->sl_kind == HK_KERNEL ?
	    hb_kernel_base[HB_KERNEL_WORK - 1] + LEVEL_SIZE(1) : kernelbase;
	htable_t *ht = NULL;
	x86pte_t pte;

	(void) w;
	as_enter(sl, RW_READER);
	if (sl->sl_kind == HK_USER) {
		va = 0;
		end = (uintptr_t)sl->sl_as.a_userlimit;
	}
	while (va < end) {
		pte = htable_walk(sl->sl_hat, &ht, &va, end);
		if (ht == NULL)
			break;
		walk_verify(sl, ht, va, pte);
		va += LEVEL_SIZE(ht->ht_level);
	}
	if (ht != NULL)
		htable_release(ht);
	as_exit(sl);
}

/* share: attach the ISM segment, aligned (shared tables) or not */
static void
op_share(int w, const hb_op_t *op)
{
	hb_slot_t *sl = op_slot(op, 1);
	int how = 1 + op->op_a % 4 / 3;

	(void) w;
	as_enter(sl, RW_WRITER);
	if (sl->sl_shared == 0 && !sl->sl_ilp32) {
		(void) hat_share(sl->sl_hat, (caddr_t)HB_ISM_ATTACH_VA(how),
		    hb_world.w_ism.sl_hat, (caddr_t)hb_world.w_ism_src,
		    HB_ISM_ATTACH_LEN(how), 0);
		sl->sl_shared = how;
	}
	as_exit(sl);
}

static void
unshare(hb_slot_t *sl)
{
	hat_unshare(sl->sl_hat, (caddr_t)HB_ISM_ATTACH_VA(sl->sl_shared),
	    HB_ISM_ATTACH_LEN(sl->sl_shared), 0);
	sl->sl_shared = 0;
}

static void
op_unshare(int w, const hb_op_t *op)
{
	hb_slot_t *sl = op_slot(op, 1);

	(void) w;
	as_enter(sl, RW_WRITER);
	if (sl->sl_shared != 0)
		unshare(sl);
	as_exit(sl);
}

/*
 * pageunload: remove every mapping of a page, in every address space.
 * pageunload_lock stands for the page locks as_free() takes to dispose
 * of a dying process's pages: it keeps a hat from being freed while a
 * hat_pageunload() still holds one of its tables (see op_exit).
 */
static void
op_pageunload(int w, const hb_op_t *op)
{
	hb_world_t *wd = &hb_world;
	page_t *pp = hb_page(wd->w_unloadable + op->op_d % wd->w_nunloadable);

	(void) w;
	rw_enter(&pageunload_lock, RW_READER);
	(void) page_lock(pp, SE_EXCL, NULL, P_NO_RECLAIM);
	(void) hat_pageunload(pp, HAT_FORCE_PGUNLOAD);
	page_unlock(pp);
	rw_exit(&pageunload_lock);
}

/*
 * What hat_swapout() leaves: a level-0 table (a region here) with a
 * locked entry keeps everything; all else is unloaded.
 */
static void
swapout_model(hb_slot_t *sl, int begin)
{
	uint64_t *sw;
	int reg, pg, keep;

	for (reg = 0; reg < HB_SLOT_REGIONS(sl); reg++) {
		if (!shadow_touched(sl, reg))
			continue;
		sw = shadow_word(sl, reg, 0);
		for (keep = 0, pg = 0; pg < HB_PAGES; pg++)
			keep |= (sw_load(&sw[pg]) & SW_LOCKED) != 0;
		for (pg = 0; pg < HB_PAGES && !keep; pg++) {
			if (begin)
				(void) sh_begin_unmap(&sw[pg]);
			else if (SW_STATE(sw_load(&sw[pg])) != SW_UNMAPPED)
				sh_end_unmap(&sw[pg]);
		}
	}
}

static void
op_swapout(int w, const hb_op_t *op)
{
	hb_slot_t *sl = op_slot(op, 1);

	(void) w;
	as_enter(sl, RW_WRITER);
	swapout_model(sl, 1);
	hat_swapout(sl->sl_hat);
	swapout_model(sl, 0);
	as_exit(sl);
}

/*
 * exit: tear the process down as as_free() does, then start a new one in
 * the slot, 32-bit or 64-bit as the op says.  The process stops running first: every vCPU that runs it
 * switches to the kernel hat (no MMU uses its hat any more).
 * Before the hat is freed, pageunloads in flight are waited out, as
 * as_free() waits for the page locks they hold.
 */
static void
op_exit(int w, const hb_op_t *op)
{
	hb_slot_t *sl = op_slot(op, 1);

	(void) w;
	as_enter(sl, RW_WRITER);
	hb_ctx_stop(sl);
	hat_free_start(sl->sl_hat);
	if (sl->sl_shared != 0)
		unshare(sl);
	unload_all(sl);
	rw_enter(&pageunload_lock, RW_WRITER);
	rw_exit(&pageunload_lock);
	hat_free_end(sl->sl_hat);
	shadow_clear(sl);
	hb_process_new(sl, op->op_b & 1);
	sl->sl_incarnation++;
	as_exit(sl);
}

/*
 * switch: the worker's vCPU runs another process, the reservoir or the
 * kernel, as a context switch does: its per-CPU copies of the process's
 * top-level entries (KPTI era) change while other vCPUs link, unlink,
 * steal and reap.  The address space's lock, as reader, keeps the
 * process from exiting meanwhile.
 */
static void
op_switch(int w, const hb_op_t *op)
{
	hb_world_t *wd = &hb_world;
	int i = op->op_hat % (wd->w_nslots + 2);
	hb_slot_t *sl = i < wd->w_nslots ? &wd->w_user[i] :
	    i == wd->w_nslots ? &wd->w_reservoir : NULL;

	(void) w;
	if (sl != NULL)
		as_enter(sl, RW_READER);
	hb_cpu_run(CPU->cpu_id, sl);
	if (sl != NULL)
		as_exit(sl);
}

static void
op_reap(int w, const hb_op_t *op)
{
	(void) w;
	(void) op;
	kmem_cache_reap_now(htable_cache);
	hb_reservoir_fill();
}

/* pressure on: the reservoir is filled first, so a steal can succeed */
static void
op_pressure(int w, const hb_op_t *op)
{
	(void) w;
	if (op->op_a & 1)
		hb_reservoir_fill();
	hb_set_pressure(op->op_a & 1);
}

static void (*const op_exec[HB_NOPS])(int, const hb_op_t *) = {
	[HB_MAP] = op_map, [HB_UNMAP] = op_unmap,
	[HB_MAP_LARGE] = op_map_large, [HB_LOCK] = op_lock,
	[HB_UNLOCK] = op_unlock, [HB_LOOKUP] = op_lookup,
	[HB_WALK] = op_walk, [HB_SHARE] = op_share,
	[HB_UNSHARE] = op_unshare, [HB_PAGEUNLOAD] = op_pageunload,
	[HB_SWAPOUT] = op_swapout, [HB_EXIT] = op_exit,
	[HB_REAP] = op_reap, [HB_PRESSURE] = op_pressure,
	[HB_SWITCH] = op_switch,
};

void
hb_exec(int w, const hb_op_t *op)
{
	int code = op->op_code % HB_NOPS;

	seam(EV_OP, NULL, (uint64_t)code, op->op_hat);
	op_exec[code](w, op);
	__atomic_add_fetch(&op_count[w][code], 1, __ATOMIC_RELAXED);
}

/*
 * The op that three random words make: the opcode drawn by weight (wt[],
 * not all zero), the selectors from the bits.
 */
void
hb_op_make(hb_op_t *op, const uint32_t *wt, uint64_t r1, uint64_t r2,
    uint64_t r3)
{
	uint32_t total = 0, x;
	int code = 0;

	for (code = 0; code < HB_NOPS; code++)
		total += wt[code];
	x = (uint32_t)(r1 % total);
	for (code = 0; x >= wt[code]; code++)
		x -= wt[code];
	op->op_code = (uint8_t)code;
	op->op_hat = (uint8_t)(r2 >> 56);
	op->op_a = (uint16_t)r2;
	op->op_b = (uint16_t)(r2 >> 16);
	op->op_c = (uint16_t)(r2 >> 32);
	op->op_d = (uint32_t)(r3 >> 32);
}

/* a random op of the configured mix, from the thread's random stream */
void
hb_op_random(hb_op_t *op)
{
	uint64_t r1 = shim_rand(), r2 = shim_rand();

	hb_op_make(op, hb_world.w_cfg.hc_weights, r1, r2, shim_rand());
}

size_t
hb_op_decode(const uint8_t *p, size_t len, hb_op_t *op)
{
	if (len < HB_OP_BYTES)
		return (0);
	op->op_code = p[0];
	op->op_hat = p[1];
	op->op_a = p[2];
	op->op_b = p[3];
	op->op_c = p[4];
	op->op_d = (uint32_t)p[5] | (uint32_t)p[6] << 8 | (uint32_t)p[7] << 16;
	return (HB_OP_BYTES);
}

size_t
hb_op_encode(const hb_op_t *op, uint8_t *p)
{
	p[0] = op->op_code;
	p[1] = op->op_hat;
	p[2] = (uint8_t)op->op_a;
	p[3] = (uint8_t)op->op_b;
	p[4] = (uint8_t)op->op_c;
	p[5] = (uint8_t)op->op_d;
	p[6] = (uint8_t)(op->op_d >> 8);
	p[7] = (uint8_t)(op->op_d >> 16);
	return (HB_OP_BYTES);
}

void
hb_step(int w)
{
	hb_op_t op;

	hb_op_random(&op);
	hb_exec(w, &op);
}

/*
 * End of run: every process exits, the ISM segment goes, the kernel's
 * workload mappings are unloaded; then nothing may be left over.
 */
void
hb_finish(void)
{
	hb_world_t *wd = &hb_world;
	hb_slot_t *k = &wd->w_kernel, *ism = &wd->w_ism;
	int i, reg;

	(void) shim_thread_attach("teardown", 0);
	check_world("end of run", 0);
	for (i = 0; i < wd->w_nslots; i++) {
		hb_slot_t *sl = &wd->w_user[i];

		hb_ctx_stop(sl);
		hat_free_start(sl->sl_hat);
		if (sl->sl_shared != 0)
			unshare(sl);
		unload_all(sl);
		hat_free_end(sl->sl_hat);
		shadow_clear(sl);
	}
	wd->w_nslots = 0;
	hb_ctx_stop(&wd->w_reservoir);
	hat_free_start(wd->w_reservoir.sl_hat);
	unload_all(&wd->w_reservoir);
	hat_free_end(wd->w_reservoir.sl_hat);
	wd->w_reservoir.sl_hat = NULL;
	hat_free_start(ism->sl_hat);
	hat_unload(ism->sl_hat, (caddr_t)wd->w_ism_src, HB_ISM_LEN,
	    HAT_UNLOAD_UNLOCK);
	hat_free_end(ism->sl_hat);
	ism->sl_hat = NULL;
	for (reg = 0; reg < HB_KERNEL_WORK; reg++)
		unload_range(k, reg, 0, HB_PAGES);
	check_final();
	shim_thread_detach();
}
