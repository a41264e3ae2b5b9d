/*
 * Booting the workload's world: the emulated machine, the kernel hat, the
 * ISM segment, the user address spaces and their models; and the
 * machinery the drivers share: the quiescence gate, the reaper, pressure,
 * statistics.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kmem.h>
#include <sys/vmsystm.h>
#include <sys/proc.h>
#include <vm/as.h>
#include <vm/hat.h>
#include <vm/hat_i86.h>
#include <htbed/seam.h>
#include <htbed/shim.h>
#include "world.h"
#include "hat_testbed.h"

extern uint_t htable_reserve_amount;
extern uint_t htable_steal_passes;
#if HTBED_FORCE_STEAL
extern ulong_t force_steal;
#endif
extern kmem_cache_t *htable_cache;

hb_world_t hb_world;

#define	R2M(n)	((uintptr_t)(n) << 21)
#define	R1G(n)	((uintptr_t)(n) << 30)
#define	BELOW_HOLE	0x0000800000000000ul
#define	KBASE		0xfffffd8000000000ul

const uintptr_t hb_user_base[HB_USER_ALL] = {
	0x40000000 + R2M(0), 0x40000000 + R2M(1), 0x40000000 + R2M(2),
	0x40000000 + R2M(3), 0x40000000 + R2M(4), 0x40000000 + R2M(5),
	0x40000000 + R2M(6), 0x40000000 + R2M(7), 0x40000000 + R2M(8),
	0x40000000 + R2M(9), 0x40000000 + R2M(10), 0x40000000 + R2M(11),
	0x40000000 + R2M(12), 0x40000000 + R2M(13), 0x40000000 + R2M(14),
	0x40000000 + R2M(15),
	0x8000000000 + R1G(0), 0x8000000000 + R1G(1), 0x8000000000 + R1G(2),
	0x8000000000 + R1G(3), 0x8000000000 + R1G(4), 0x8000000000 + R1G(5),
	0x8000000000 + R1G(6), 0x8000000000 + R1G(7),
	BELOW_HOLE - R2M(4), BELOW_HOLE - R2M(3), BELOW_HOLE - R2M(2),
	BELOW_HOLE - R2M(1),
	KBASE - R2M(4), KBASE - R2M(3), KBASE - R2M(2), KBASE - R2M(1),
	/* the ISM attach area */
	0x10000000000 + R2M(0), 0x10000000000 + R2M(1), 0x10000000000 + R2M(2),
};

const uintptr_t hb_kernel_base[HB_KERNEL_REGIONS] = {
	KBASE + R1G(64) + R2M(0), KBASE + R1G(64) + R2M(1),
	KBASE + R1G(64) + R2M(2), KBASE + R1G(64) + R2M(3),
	KBASE + R1G(65) + R2M(0), KBASE + R1G(65) + R2M(1),
	KBASE + R1G(512) + R2M(0), KBASE + R1G(512) + R2M(1),
	HAT_KIMAGE_VA,
};

/* a vCPU's own hat maps part of the kernel image, nothing else */
static const uintptr_t hb_kimage_base[1] = { HAT_KIMAGE_VA };

/* the ISM segment lives in the ISM hat at this address */
#define	ISM_SRC		0x20000000000ul

void
hb_default_config(struct hb_config *c)
{
	static const uint32_t weights[HB_NOPS] = {
		[HB_MAP] = 30, [HB_UNMAP] = 20, [HB_MAP_LARGE] = 3,
		[HB_LOCK] = 3, [HB_UNLOCK] = 3, [HB_LOOKUP] = 25,
		[HB_WALK] = 2, [HB_SHARE] = 1, [HB_UNSHARE] = 1,
		[HB_PAGEUNLOAD] = 3, [HB_SWAPOUT] = 1, [HB_EXIT] = 1,
		[HB_REAP] = 1, [HB_PRESSURE] = 0, [HB_SWITCH] = 3,
	};

	__builtin_memset(c, 0, sizeof (*c));
	c->hc_shim.sc_ncpus = 4;
	c->hc_shim.sc_kpm = 0;
	c->hc_shim.sc_ptframes = 768;
	c->hc_shim.sc_seed = 1;
	c->hc_shim.sc_migrate_ppm = 2000;
	c->hc_shim.sc_yield_ppm = 0;
	c->hc_shim.sc_kmem_fail_ppm = 1000;
	c->hc_shim.sc_page_fail_ppm = 1000;
	c->hc_shim.sc_upgrade_fail_ppm = 10000;
	c->hc_shim.sc_write_ppm = 250000;	/* of walker accesses, if any */
	c->hc_workers = 8;
	c->hc_hats = 8;
	c->hc_hash_cnt = 32;
	c->hc_reserve = 8;
	c->hc_steal_passes = 8;
	c->hc_reservoir = HB_USER_REGIONS;
	c->hc_small_pages = 32768;
	c->hc_large_runs = 8;
	c->hc_outdir = "htbed-out";
	c->hc_repeat = "";
	__builtin_memcpy(c->hc_weights, weights, sizeof (weights));
}

hb_slot_t *
hb_slot_of_hat(hat_t *hat)
{
	struct as *as = hat->hat_as;
	int c;

	for (c = 0; as == NULL && c < hb_world.w_ncpu; c++) {
		if (hb_world.w_cpu[c].sl_hat == hat)
			return (&hb_world.w_cpu[c]);
	}
	if (as == &kas)
		return (&hb_world.w_kernel);
	if (as == &hb_world.w_ism.sl_as)
		return (&hb_world.w_ism);
	if (as == &hb_world.w_reservoir.sl_as)
		return (&hb_world.w_reservoir);
	if (as < &hb_world.w_user[0].sl_as ||
	    as > &hb_world.w_user[HB_MAX_HATS - 1].sl_as)
		BUG("model", "hat %p belongs to no address space of the "
		    "workload", (void *)hat);
	return ((hb_slot_t *)(void *)((char *)as -
	    __builtin_offsetof(hb_slot_t, sl_as)));
}

int
hb_locate(const hb_slot_t *sl, uintptr_t va, int *reg, int *pg)
{
	int r;

	for (r = 0; r < sl->sl_nreg; r++) {
		if (va >= sl->sl_base[r] && va - sl->sl_base[r] < R2M(1)) {
			*reg = r;
			*pg = (int)((va - sl->sl_base[r]) >> MMU_PAGESHIFT);
			return (1);
		}
	}
	return (0);
}

uintptr_t
hb_va(const hb_slot_t *sl, int reg, int pg)
{
	return (sl->sl_base[reg] + ((uintptr_t)pg << MMU_PAGESHIFT));
}

/* the worker that owns a slot: mixed regions whole, others by quarter */
int
hb_owner(const hb_slot_t *sl, int reg, int pg)
{
	int n = hb_world.w_cfg.hc_workers;

	if (sl->sl_kind == HK_USER && HB_REGION_MIXED(reg))
		return (reg % n);
	return ((reg * 4 + pg / (HB_PAGES / 4)) % n);
}

/*
 * every address space there is: kernel, ISM, reservoir, the vCPUs' own,
 * then the users
 */
int
hb_all_slots(hb_slot_t **out)
{
	hb_world_t *w = &hb_world;
	int i, n = 0;

	out[n++] = &w->w_kernel;
	if (w->w_ism.sl_hat != NULL)
		out[n++] = &w->w_ism;
	if (w->w_reservoir.sl_hat != NULL)
		out[n++] = &w->w_reservoir;
	for (i = 0; i < w->w_ncpu; i++)
		out[n++] = &w->w_cpu[i];
	for (i = 0; i < w->w_nslots; i++)
		out[n++] = &w->w_user[i];
	return (n);
}

int
hb_region_fixed(const hb_slot_t *sl, int reg)
{
	return (sl->sl_kind == HK_CPU ||
	    (sl->sl_kind == HK_KERNEL && reg == HB_KIMAGE_REG));
}

page_t *
hb_page(pfn_t pfn)
{
	return (&shim_pages[pfn]);
}

pfn_t
hb_ism_pfn(uintptr_t offset)
{
	return (hb_world.w_ismpages + (pfn_t)(offset >> MMU_PAGESHIFT));
}

/* index: of a user slot (-1: the reservoir), or the vCPU of an HK_CPU */
static void
slot_setup(hb_slot_t *sl, enum hb_slot_kind kind, int index)
{
	char *name = kmem_alloc(32, KM_SLEEP);

	sl->sl_kind = kind;
	sl->sl_index = kind == HK_CPU ? -1 : index;
	sl->sl_cpu = kind == HK_CPU ? index : -1;
	sl->sl_nreg = kind == HK_KERNEL ? HB_KERNEL_REGIONS :
	    kind == HK_CPU ? 1 : HB_USER_ALL;
	sl->sl_base = kind == HK_KERNEL ? hb_kernel_base :
	    kind == HK_CPU ? hb_kimage_base : hb_user_base;
	/* outside the machine's memory: see shadow_save() */
	sl->sl_shadow = host_zalloc(sizeof (uint64_t) * HB_PAGES *
	    (size_t)sl->sl_nreg);
	sl->sl_written = host_alloc((size_t)sl->sl_nreg);
	__builtin_memset(sl->sl_written, 1, (size_t)sl->sl_nreg);
	rw_init(&sl->sl_as.a_lock, NULL, RW_DEFAULT, NULL);
	sl->sl_as.a_userlimit = (caddr_t)kernelbase;
	(void) host_snprintf(name, 32, kind == HK_KERNEL ? "as_lock(kernel)" :
	    kind == HK_ISM ? "as_lock(ism)" : kind == HK_CPU ?
	    "as_lock(cpu%d)" : index < 0 ? "as_lock(reservoir)" :
	    "as_lock(hat %d)", index);
	lock_register_array(&sl->sl_as.a_lock.rw_mutex, 1, LC_NONE, name);
}

/*
 * The kernel image as the HAT mapped it at boot: all of it in the kernel
 * hat, the trampoline and each vCPU's page in that vCPU's own hat (KPTI
 * era).  Nothing changes these mappings.
 */
static void
kimage_setup(void)
{
	hb_world_t *w = &hb_world;
	int c;

	for (c = 0; c < 1 + ncpus; c++)
		shadow_fixed(&w->w_kernel, HB_KIMAGE_REG, c,
		    shim_kimage_first + (pfn_t)c);
	for (c = 0; c < ncpus && hat_cpu_hat(c) != NULL; c++) {
		slot_setup(&w->w_cpu[c], HK_CPU, c);
		w->w_cpu[c].sl_hat = hat_cpu_hat(c);
		shadow_fixed(&w->w_cpu[c], 0, 0, shim_kimage_first);
		shadow_fixed(&w->w_cpu[c], 0, 1 + c,
		    shim_kimage_first + 1 + (pfn_t)c);
		w->w_ncpu = c + 1;
	}
}

/*
 * ------------------------------------------------------------------------
 * What the vCPUs run.  hat_switch() runs on the vCPU it switches, one at
 * a time per vCPU: under the vCPU's dispatcher lock, which also keeps
 * hb_cpu_slot[c] and the vCPU's hat in step.
 * ------------------------------------------------------------------------
 */
hb_slot_t *hb_cpu_slot[NCPU_EMULATED];
static kmutex_t disp_lock[NCPU_EMULATED];
static char disp_names[NCPU_EMULATED][16];

static void
cpu_switch(void *hat)
{
	hat_switch(hat);
}

void
hb_cpu_run(int c, hb_slot_t *sl)
{
	mutex_enter(&disp_lock[c]);
	shim_on_cpu(c, cpu_switch, sl != NULL ? sl->sl_hat : kas.a_hat);
	__atomic_store_n(&hb_cpu_slot[c], sl, __ATOMIC_RELEASE);
	mutex_exit(&disp_lock[c]);
}

/* the process stops running: every vCPU that ran it runs the kernel */
void
hb_ctx_stop(hb_slot_t *sl)
{
	int c;

	for (c = 0; c < ncpus; c++) {
		mutex_enter(&disp_lock[c]);
		if (hb_cpu_slot[c] == sl) {
			shim_on_cpu(c, cpu_switch, kas.a_hat);
			__atomic_store_n(&hb_cpu_slot[c], NULL,
			    __ATOMIC_RELEASE);
		}
		mutex_exit(&disp_lock[c]);
	}
}

static void
cpus_setup(void)
{
	int c;

	for (c = 0; c < ncpus; c++) {
		(void) host_snprintf(disp_names[c], sizeof (disp_names[c]),
		    "disp(cpu%d)", c);
		lock_register_array(&disp_lock[c], 1, LC_NONE, disp_names[c]);
		hb_cpu_run(c, &hb_world.w_user[c % hb_world.w_nslots]);
	}
}

/*
 * A process of the 32-bit or the 64-bit data model: hat_alloc() asks the
 * current process which it is, as the kernel's does.
 */
static proc_t p_ilp32 = { "user32", NULL, DATAMODEL_ILP32 };

void
hb_process_new(hb_slot_t *sl, int ilp32)
{
	kthread_t *t = curthread;
	proc_t *p = t->t_procp;

	sl->sl_ilp32 = ilp32;
	sl->sl_as.a_userlimit = (caddr_t)(ilp32 ? (1ul << 32) : kernelbase);
	if (ilp32)
		t->t_procp = &p_ilp32;
	/* walkers read it without the address space's lock */
	__atomic_store_n(&sl->sl_hat, hat_alloc(&sl->sl_as), __ATOMIC_RELEASE);
	t->t_procp = p;
}

/*
 * Data frames: lockable 4K pages, pageunloadable 4K pages, 2M runs and the
 * ISM segment's pages, in that order after the page-table pool.
 */
static void
pools_setup(uint64_t nsmall, uint64_t nlarge)
{
	hb_world_t *w = &hb_world;
	pfn_t pfn = shim_data_first, i;

	w->w_lockable = pfn;
	w->w_nlockable = nsmall / 2;
	w->w_unloadable = pfn + w->w_nlockable;
	w->w_nunloadable = nsmall - w->w_nlockable;
	pfn += nsmall;
	w->w_large = (pfn + 511) & ~(pfn_t)511;
	w->w_nlarge = nlarge;
	for (i = 0; i < nlarge * 512; i++)
		shim_pages[w->w_large + i].p_szc = 1;
	w->w_ismpages = w->w_large + nlarge * 512;
	if (w->w_ismpages + HB_ISM_LEN / MMU_PAGESIZE > shim_data_last + 1)
		htbed_internal_error("data pool layout overflows the frames");
}

/* the ISM segment: 4M of locked, shared 4K pages in their own hat */
static void
ism_setup(void)
{
	hb_slot_t *sl = &hb_world.w_ism;
	uintptr_t off;

	sl->sl_hat = hat_alloc(&sl->sl_as);
	for (off = 0; off < HB_ISM_LEN; off += MMU_PAGESIZE)
		hat_memload(sl->sl_hat, (caddr_t)(ISM_SRC + off),
		    hb_page(hb_ism_pfn(off)), PROT_READ | PROT_WRITE | PROT_USER,
		    HAT_LOAD_LOCK | HAT_LOAD_SHARE);
	hb_world.w_ism_src = ISM_SRC;
}

static void reap_request(void);


int
hb_init(const struct hb_config *c)
{
	struct shim_config sc = c->hc_shim;
	hb_world_t *w = &hb_world;
	int i;

	if (c->hc_workers < 1 || c->hc_workers > HB_MAX_WORKERS ||
	    c->hc_hats < 1 || c->hc_hats > HB_MAX_HATS ||
	    c->hc_hash_cnt < 1 || (c->hc_hash_cnt & (c->hc_hash_cnt - 1)) ||
	    c->hc_reservoir < 1 || c->hc_reservoir > HB_USER_REGIONS) {
		host_eprintf("htbed: bad workload: %d workers (1..%d), %d hats "
		    "(1..%d), hash %u (a power of two), %d reservoir regions "
		    "(1..%d)\n", c->hc_workers, HB_MAX_WORKERS, c->hc_hats,
		    HB_MAX_HATS, c->hc_hash_cnt, c->hc_reservoir,
		    HB_USER_REGIONS);
		return (-1);
	}
	if (c->hc_force_steal != 0 && !HTBED_FORCE_STEAL) {
		host_eprintf("htbed: --force-steal: this htable.c has no "
		    "DEBUG force_steal (before illumos 2006-04-04)\n");
		return (-1);
	}
	w->w_cfg = *c;
	sc.sc_dataframes = c->hc_small_pages + (c->hc_large_runs + 1) * 512 +
	    HB_ISM_LEN / MMU_PAGESIZE;
	/*
	 * Booting is neither perturbed nor failed: the kernel must come up,
	 * and a bug is to show in the workload, where it has a reproducer.
	 */
	sc.sc_kmem_fail_ppm = sc.sc_page_fail_ppm = sc.sc_upgrade_fail_ppm = 0;
	sc.sc_migrate_ppm = sc.sc_yield_ppm = 0;
	if (shim_init(&sc) != 0)
		return (-1);
	(void) shim_thread_attach("boot", 0);
	report_init();
	pools_setup(c->hc_small_pages, c->hc_large_runs);

	hat_hash_cnt = c->hc_hash_cnt;
	hat_init();
	htable_reserve_amount = c->hc_reserve;
	htable_steal_passes = c->hc_steal_passes;
	hat_observer = &shadow_observer;

	slot_setup(&w->w_kernel, HK_KERNEL, -1);
	w->w_kernel.sl_hat = kas.a_hat;
	kimage_setup();
	slot_setup(&w->w_ism, HK_ISM, -1);
	ism_setup();
	w->w_nslots = c->hc_hats;
	for (i = 0; i < c->hc_hats; i++) {
		slot_setup(&w->w_user[i], HK_USER, i);
		hb_process_new(&w->w_user[i], i % 2);
	}
	slot_setup(&w->w_reservoir, HK_USER, -1);
	w->w_reservoir.sl_hat = hat_alloc(&w->w_reservoir.sl_as);
	cpus_setup();
	ops_init();
	hb_reservoir_fill();
	check_world("after boot", 0);

	/*
	 * From here on, the configured injection and perturbation apply, and
	 * DEBUG force_steal (a kernel's applies once pageout runs: forced
	 * failures at boot, with nothing to steal yet, would spin forever in
	 * htable_alloc()'s steal loop)
	 */
	shim_set_injection(&c->hc_shim);
#if HTBED_FORCE_STEAL
	force_steal = (ulong_t)c->hc_force_steal;
#endif
	shim_kmem_set_reap_hook(reap_request);
	shim_thread_detach();
	return (0);
}

void
hb_attach(const char *name, int worker)
{
	(void) shim_thread_attach(name, worker);
}

void
hb_detach(void)
{
	shim_thread_detach();
}

/*
 * The check reads tables through the core's own functions (x86pte_get(),
 * ...): with access seams, their loads would be seams, and another fiber
 * could run in the middle of a check that must see the machine still.
 */
static void
check_at(const char *when, int trust)
{
	int access = seam_access;

	bug_sanitizer_pending();
	seam_access = 0;
	check_world(when, trust);
	seam_access = access;
	__atomic_add_fetch(&hb_world.w_checks, 1, __ATOMIC_RELAXED);
}

void
hb_check(const char *when)
{
	check_at(when, 0);
}

/*
 * A controlled run's check: it trusts the record of what was written
 * since the last check (htbed/written.h), but every CHECK_WHOLE-th
 * (harness/check.c).
 */
void
hb_check_run(const char *when)
{
	check_at(when, 1);
}

/*
 * ------------------------------------------------------------------------
 * The quiescence gate (free-running): workers park at op boundaries while
 * a checker runs.  Built on the shim's own mutex and condvar.
 * ------------------------------------------------------------------------
 */
static kmutex_t gate_mutex;
static kcondvar_t gate_cv;
static int gate_pause;
static int gate_members;
static int gate_parked;

void
hb_gate_join(void)
{
	mutex_enter(&gate_mutex);
	gate_members++;
	mutex_exit(&gate_mutex);
}

void
hb_gate_leave(void)
{
	mutex_enter(&gate_mutex);
	gate_members--;
	cv_broadcast(&gate_cv);
	mutex_exit(&gate_mutex);
}

void
hb_gate(int worker)
{
	(void) worker;
	if (!__atomic_load_n(&gate_pause, __ATOMIC_ACQUIRE))
		return;
	mutex_enter(&gate_mutex);
	gate_parked++;
	cv_broadcast(&gate_cv);
	while (gate_pause)
		cv_wait(&gate_cv, &gate_mutex);
	gate_parked--;
	mutex_exit(&gate_mutex);
}

void
hb_pause_all(void)
{
	mutex_enter(&gate_mutex);
	__atomic_store_n(&gate_pause, 1, __ATOMIC_RELEASE);
	while (gate_parked < gate_members)
		cv_wait(&gate_cv, &gate_mutex);
	mutex_exit(&gate_mutex);
	walkers_pause();
}

void
hb_resume_all(void)
{
	walkers_resume();
	mutex_enter(&gate_mutex);
	__atomic_store_n(&gate_pause, 0, __ATOMIC_RELEASE);
	cv_broadcast(&gate_cv);
	mutex_exit(&gate_mutex);
}

/*
 * ------------------------------------------------------------------------
 * The reaper: kmem_reap() wakes it; it runs every cache's reclaim callback
 * (htable_reap among them), asynchronously, as the kernel's does.
 * ------------------------------------------------------------------------
 */
static uint32_t reap_pending;

/*
 * Memory pressure passes, as it does on a real machine once pageout has
 * run: after PRESSURE_REAPS requests to reap, pressure is dropped.  So a
 * burst of pressure that no op turns off (a fiber of a controlled run
 * that ends with pressure on) cannot leave every thread stealing forever
 * from address spaces that have nothing left to steal.
 */
#define	PRESSURE_REAPS	8
static uint32_t pressure_left;

static void
reap_request(void)
{
	__atomic_store_n(&reap_pending, 1, __ATOMIC_RELEASE);
	shim_futex_wake(&reap_pending, 1);
	if (__atomic_load_n(&pressure_left, __ATOMIC_RELAXED) != 0 &&
	    __atomic_sub_fetch(&pressure_left, 1, __ATOMIC_RELAXED) == 0)
		shim_set_pressure(0);
}

/* controlled mode: the reaper fiber sleeps until kmem_reap() */
void
hb_reaper_park(void)
{
	shim_futex_wait(&reap_pending, 0);
}

void
hb_reaper_wait(uint64_t max_ns)
{
	uint64_t until = host_now_ns() + max_ns;

	while (!__atomic_load_n(&reap_pending, __ATOMIC_ACQUIRE) &&
	    host_now_ns() < until)
		host_sleep_ns(1000000);
}

void
hb_reaper_run(void)
{
	__atomic_store_n(&reap_pending, 0, __ATOMIC_RELEASE);
	shim_kmem_reap_all();
	hb_reservoir_fill();
}

void
hb_set_pressure(int on)
{
	__atomic_store_n(&pressure_left, on ? PRESSURE_REAPS : 0,
	    __ATOMIC_RELAXED);
	shim_set_pressure(on);
}

void
hb_report_hang(uint64_t idle_ns)
{
	BUG("hang", "no op has completed for %.1f s: a deadlock or a "
	    "livelock (the last events of every thread follow)",
	    (double)idle_ns / 1e9);
}

void
hb_stats(struct hb_stats *s)
{
	int op, i, n = shim_nthreads();

	__builtin_memset(s, 0, sizeof (*s));
	for (op = 0; op < HB_NOPS; op++) {
		s->hs_op_count[op] = ops_count(op);
		s->hs_ops += s->hs_op_count[op];
	}
	for (i = 0; i < n; i++) {
		kthread_t *t = shim_thread(i);

		s->hs_hat_ops += T_STAT(t, TS_HAT_OP);
		s->hs_creates += T_STAT(t, TS_HT_CREATE);
		s->hs_releases += T_STAT(t, TS_HT_RELEASE);
		s->hs_tlb_invals += T_STAT(t, TS_TLB_INVAL);
		s->hs_steal_unmaps += T_STAT(t, TS_STEAL_UNMAP);
	}
	s->hs_steals = __atomic_load_n(&hatstat.hs_steals, __ATOMIC_RELAXED);
	s->hs_reap_attempts = __atomic_load_n(&hatstat.hs_reap_attempts,
	    __ATOMIC_RELAXED);
	s->hs_reaped = __atomic_load_n(&hatstat.hs_reaped, __ATOMIC_RELAXED);
	s->hs_checks = __atomic_load_n(&hb_world.w_checks, __ATOMIC_RELAXED);
	s->hs_lookups_verified = __atomic_load_n(&hb_world.w_verified,
	    __ATOMIC_RELAXED);
	s->hs_foreign_removals = __atomic_load_n(&hb_world.w_foreign,
	    __ATOMIC_RELAXED);
	s->hs_mmu_verified = __atomic_load_n(&hb_world.w_xlates_verified,
	    __ATOMIC_RELAXED);
	shim_stats(&s->hs_shim);
}
