/*
 * Run-time configuration of the emulated kernel, and the counters it keeps.
 * Plain types only: both the kernel domain (shim, harness) and the host
 * domain (stress/, fuzz/) include it.
 */
#ifndef _HTBED_CONFIG_H
#define	_HTBED_CONFIG_H

#include <stdint.h>

struct shim_config {
	int		sc_ncpus;		/* vCPUs */
	int		sc_kpm;			/* 1: kpm mode, 0: windows */
	uint64_t	sc_ptframes;		/* page-table frames */
	uint64_t	sc_dataframes;		/* frames the workload maps */
	uint64_t	sc_seed;
	uint32_t	sc_yield_ppm;		/* seam: yield or delay */
	uint32_t	sc_migrate_ppm;		/* seam: vCPU migration */
	uint32_t	sc_kmem_fail_ppm;	/* KM_NOSLEEP allocation fails */
	uint32_t	sc_page_fail_ppm;	/* page_get_physical fails */
	uint32_t	sc_upgrade_fail_ppm;	/* page_tryupgrade fails */
};

struct shim_stats {
	uint64_t	ss_cas_fail;
	uint64_t	ss_window_remaps;
	uint64_t	ss_migrations;
	uint64_t	ss_mapins;
	uint64_t	ss_ptable_allocs;
	uint64_t	ss_ptable_frees;
	uint64_t	ss_ptable_inuse;	/* frames now in use */
	uint64_t	ss_page_resv;		/* page_resv - page_unresv */
	uint64_t	ss_kmem_fail;		/* injected kmem failures */
	uint64_t	ss_page_fail;		/* injected page failures */
	uint64_t	ss_freemem;
};

#endif	/* _HTBED_CONFIG_H */
