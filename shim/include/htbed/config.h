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
	int		sc_abort_on_bug;	/* a bug ends in abort() (fuzz
						 * targets), not exit(1) */
	int		sc_walkers;		/* MMU walkers per vCPU (0: no
						 * MMU; shim/hw) */
	uint32_t	sc_write_ppm;		/* share of walker accesses that
						 * write */
	int		sc_access;		/* free-running: the core's loads
						 * and stores of shared memory
						 * are seams */
	uint32_t	sc_access_yield_ppm;	/* seam: yield there */
};

/*
 * Controlled mode: how the scheduler picks the next fiber at every seam
 * point (shim/testing/strategy.c).
 */
enum sched_kind {
	SK_RANDOM,	/* uniform random walk */
	SK_PCT,		/* priorities with depth-1 change points */
	SK_BOUNDED,	/* systematic, at most sp_bound preemptions */
	SK_BYTES,	/* preemptions read from a buffer (fuzzing) */
	SK_REPLAY,	/* the recorded choices of an earlier run */
	SK_NKINDS
};

struct sched_switch;

struct sched_params {
	int		sp_kind;		/* enum sched_kind */
	uint64_t	sp_seed;		/* this run's seed */
	int		sp_pct_depth;		/* PCT: bug depth d */
	uint64_t	sp_pct_steps;		/* PCT: expected steps k */
	int		sp_bound;		/* bounded: preemptions */
	uint32_t	sp_stride;		/* random: at an access seam,
						 * switch once in about this
						 * many (0, 1: at every one) */
	int		sp_gaps;		/* bytes: the input is gaps
						 * between preemptions, not a
						 * bit per point (access seams) */
	const uint8_t	*sp_bytes;		/* bytes: the schedule input */
	size_t		sp_nbytes;
	const uint8_t	*sp_choices;		/* replay: recorded choices */
	size_t		sp_nchoices;
	const struct sched_switch *sp_switches;	/* replay: anchored switches
						 * instead (strategy.h), in
						 * (fiber, point) order */
	size_t		sp_nswitches;
	int		sp_guided;		/* replay: a choice that is not
						 * runnable is no error */
	uint64_t	sp_max_steps;		/* budget: more is a hang */
	int		sp_no_hash;		/* no event-trace hash (speed) */
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
	/* the emulated MMU (shim/hw), all walkers together */
	uint64_t	ss_mmu_xlates;		/* translations */
	uint64_t	ss_mmu_tlb_hits;	/* of them, from a TLB */
	uint64_t	ss_mmu_faults;		/* no valid mapping */
	uint64_t	ss_mmu_bits_set;	/* REF/MOD updates by CAS */
	uint64_t	ss_mmu_shootdowns;
	uint64_t	ss_mmu_shootdown_ns;	/* time spent in them */
	uint64_t	ss_mmu_deferred;	/* frames reused after a grace
						 * period */
};

#endif	/* _HTBED_CONFIG_H */
