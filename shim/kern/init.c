/*
 * Bringing up the emulated machine: the configuration, vCPUs, physical
 * memory and windows, schedule perturbation and crash handling.  The HAT
 * boots on top of it (hat_init()).
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/machparam.h>
#include <sys/cpuvar.h>
#include <vm/seg_kmem.h>
#include <vm/seg_kpm.h>
#include <htbed/era.h>
#include <htbed/hw.h>
#include <htbed/seam.h>
#include <htbed/shim.h>

uintptr_t kernelbase = 0xfffffd8000000000ul;
char *panicstr;
vmem_t *hat_memload_arena;

static struct shim_config config;

extern void shim_cpus_init(int);
extern int shim_phys_init(const struct shim_config *, char **, unsigned);
extern void shim_windows_init(char *, unsigned);
extern void shim_windows_use(int);
extern void seam_configure(const struct shim_config *);
extern void shim_page_stats(struct shim_stats *);
extern uint64_t shim_kmem_fail_count(void);

const struct shim_config *
shim_cfg(void)
{
	return (&config);
}

int
shim_init(const struct shim_config *c)
{
	char *windows;

	if (c->sc_ncpus < 1 || c->sc_ncpus > NCPU_EMULATED ||
	    c->sc_ptframes < HTBED_BOOT_FRAMES) {
		host_eprintf("htbed: bad machine: %d vCPUs (1..%d), %llu "
		    "page-table frames (at least %d for this era's boot)\n",
		    c->sc_ncpus, NCPU_EMULATED,
		    (unsigned long long)c->sc_ptframes, HTBED_BOOT_FRAMES);
		return (-1);
	}
	config = *c;
	shim_cpus_init(c->sc_ncpus);
	if (shim_phys_init(c, &windows, SHIM_WINDOWS_PER_CPU * (unsigned)ncpus +
	    SHIM_BOOT_WINDOWS) != 0)
		return (-1);
	shim_windows_init(windows, SHIM_WINDOWS_PER_CPU * (unsigned)ncpus +
	    SHIM_BOOT_WINDOWS);
	if (hw_init(c) != 0)
		return (-1);
	shim_set_windows(!c->sc_kpm);
	seam_configure(c);
	bug_install_handlers(c->sc_abort_on_bug);
	return (0);
}

/*
 * Reach page tables through the per-CPU windows (on) or kpm (off) from
 * now on: both are there on every machine, and nothing but kpm_vbase
 * says which is used -- but for files until 2007-07, whose
 * x86pte_mapout() asks mmu.pwin_base instead: startup set the windows up
 * only where there was no kpm (HTBED_PWIN_IFF_NO_KPM); the 2005 files
 * ask kpm_enable.
 */
#if HTBED_ERA == 2005
int	kpm_enable;
#endif

void
shim_set_windows(int on)
{
	kpm_vbase = on ? NULL : shim_physmap;
#if HTBED_ERA == 2005
	kpm_enable = !on;
#endif
	if (HTBED_PWIN_IFF_NO_KPM)
		shim_windows_use(on);
}

/* the seed of every thread's random stream registered from now on */
void
shim_set_seed(uint64_t seed)
{
	config.sc_seed = seed;
}

/* failure injection and schedule perturbation, once the machine is up */
void
shim_set_injection(const struct shim_config *c)
{
	config.sc_kmem_fail_ppm = c->sc_kmem_fail_ppm;
	config.sc_page_fail_ppm = c->sc_page_fail_ppm;
	config.sc_upgrade_fail_ppm = c->sc_upgrade_fail_ppm;
	config.sc_migrate_ppm = c->sc_migrate_ppm;
	config.sc_yield_ppm = c->sc_yield_ppm;
	config.sc_access = c->sc_access;
	config.sc_access_yield_ppm = c->sc_access_yield_ppm;
	seam_configure(&config);
}

void
shim_stats(struct shim_stats *s)
{
	int i, n = shim_nthreads();

	__builtin_memset(s, 0, sizeof (*s));
	for (i = 0; i < n; i++) {
		kthread_t *t = shim_thread(i);

		s->ss_cas_fail += T_STAT(t, TS_CAS_FAIL);
		s->ss_window_remaps += T_STAT(t, TS_WIN_REMAP);
		s->ss_migrations += T_STAT(t, TS_MIGRATE);
		s->ss_mapins += T_STAT(t, TS_MAPIN);
	}
	shim_page_stats(s);
	s->ss_kmem_fail = shim_kmem_fail_count();
	hw_stats(s);
}
