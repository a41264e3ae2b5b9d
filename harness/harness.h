/*
 * The harness's interface to its drivers (stress/: free-running and
 * controlled runs; fuzz/: the fuzz targets and the differential test).
 * Plain types only: drivers are host-domain code.
 *
 * A run: hb_init() boots the emulated kernel and the workload's address
 * spaces on the calling thread; each worker thread calls hb_attach() and
 * then hb_step() for every op; hb_check() runs the full invariant check at
 * a quiescent point (no op in flight); hb_finish() tears every address
 * space down and checks that nothing leaked.  Any violation is a bug-found
 * event: it does not return.
 */
#ifndef _HARNESS_HARNESS_H
#define	_HARNESS_HARNESS_H

#include <stdint.h>
#include <stddef.h>
#include "htbed/config.h"
#include "htbed/strategy.h"
#include "ops.h"

/* the op vocabulary (harness/ops.c has the table with default weights) */
enum hb_opcode {
	HB_MAP,		/* map a run of 4K pages, some locked */
	HB_UNMAP,	/* unload a range */
	HB_MAP_LARGE,	/* map a 2M page (4K pages if a table is in the way) */
	HB_LOCK,	/* lock an existing mapping (load it again, LOCK) */
	HB_UNLOCK,	/* hat_unlock a locked mapping */
	HB_LOOKUP,	/* probe mappings and compare with the model */
	HB_WALK,	/* htable_walk a whole address space */
	HB_SHARE,	/* attach the ISM segment (shared page tables) */
	HB_UNSHARE,	/* detach it */
	HB_PAGEUNLOAD,	/* remove every mapping of a page */
	HB_SWAPOUT,	/* hat_swapout a process */
	HB_EXIT,	/* process exit and a new process in its slot */
	HB_REAP,	/* run the htable_cache reclaim callback */
	HB_PRESSURE,	/* memory pressure on or off */
	HB_SWITCH,	/* the worker's vCPU runs another process */
	HB_NOPS
};

struct hb_config {
	struct shim_config hc_shim;
	int		hc_workers;	/* threads running ops */
	int		hc_hats;	/* user address spaces */
	uint32_t	hc_hash_cnt;	/* htable hash buckets per hat */
	uint32_t	hc_reserve;	/* htable_reserve_amount */
	uint32_t	hc_steal_passes;
	uint64_t	hc_force_steal;	/* DEBUG force_steal (0: off) */
	uint32_t	hc_weights[HB_NOPS];	/* 0: op disabled */
	int		hc_reservoir;	/* regions of the reservoir used */
	uint32_t	hc_small_pages;	/* data pool: 4K pages */
	uint32_t	hc_large_runs;	/* data pool: 2M pages */
	const char	*hc_outdir;	/* failure artifacts go here */
	const char	*hc_repeat;	/* the command that repeats this run */
	void		(*hc_on_bug)(const char *kind, const char *where);
	int		hc_fail_on_known; /* a known finding fails the run */
};

/* after a failure: the known finding that accounts for it, or NULL */
extern const char *hb_known_finding;

/* every counter a run reports (see the --json summary in README.md) */
struct hb_stats {
	uint64_t	hs_ops;
	uint64_t	hs_op_count[HB_NOPS];
	uint64_t	hs_hat_ops;		/* calls of the HAT interface */
	uint64_t	hs_creates;		/* htable_create() by the HAT */
	uint64_t	hs_releases;		/* htable_release() by the HAT */
	uint64_t	hs_steals;		/* htable_steal(1) for allocation */
	uint64_t	hs_steal_unmaps;	/* mappings removed by stealing */
	uint64_t	hs_reap_attempts;
	uint64_t	hs_reaped;		/* htables freed by reaping */
	uint64_t	hs_tlb_invals;
	uint64_t	hs_checks;		/* full invariant checks passed */
	uint64_t	hs_lookups_verified;	/* probes compared with model */
	uint64_t	hs_foreign_removals;	/* by steal or pageunload */
	uint64_t	hs_mmu_verified;	/* translations compared with
						 * the model */
	struct shim_stats hs_shim;
};

extern void	hb_default_config(struct hb_config *);
extern int	hb_init(const struct hb_config *);
extern void	hb_attach(const char *name, int worker);
extern void	hb_detach(void);
extern void	hb_step(int worker);
extern void	hb_check(const char *when);
extern void	hb_finish(void);
extern void	hb_stats(struct hb_stats *);
extern const char *hb_op_name(int op);
extern int	hb_op_by_name(const char *name);

/* free-running support: park workers at op boundaries for a check */
extern void	hb_gate(int worker);		/* call between ops */
extern void	hb_gate_join(void);		/* a thread that will call hb_gate */
extern void	hb_gate_leave(void);
extern void	hb_pause_all(void);		/* returns with all parked */
extern void	hb_resume_all(void);

/*
 * Op programs: what each fiber of a controlled-mode run (or a fuzz input)
 * executes, op by op, as worker <fiber index>.
 */
#define	HB_PROG_FIBERS	8
#define	HB_PROG_OPS	256

struct hb_program {
	int		hp_windows;	/* reach page tables through the
					 * windows, even on a kpm machine */
	int		hp_no_walkers;	/* the MMU's walkers, if the machine
					 * has any, sit this run out */
	int		hp_access;	/* the core's loads and stores of
					 * shared memory are seams (a
					 * SEAMS=access build) */
	int		hp_nfibers;
	int		hp_nops[HB_PROG_FIBERS];
	hb_op_t		hp_ops[HB_PROG_FIBERS][HB_PROG_OPS];
};

extern void	hb_program_random(struct hb_program *, uint64_t seed,
    int nfibers, int nops, const uint32_t *weights);
extern int	hb_program_ops(const struct hb_program *);

/*
 * Controlled mode (harness/controlled.c): boot once with hb_ctl_init(),
 * then any number of runs, each from the same saved machine: every fiber
 * runs its ops, a reaper fiber serves kmem_reap(), and the full invariant
 * check runs at the end.  A bug ends the process as in free-running mode
 * (after hc_on_bug, which writes the reproducer).
 */
struct strategy;
struct hb_run {
	uint64_t	hr_steps;	/* seam points */
	uint64_t	hr_hash;	/* of every event, process-independent */
	size_t		hr_nchoices;	/* decision points */
	size_t		hr_preemptions;	/* switches away from a runnable fiber */
};

extern int	hb_ctl_init(const struct hb_config *);
extern void	hb_ctl_run(const struct hb_program *, struct strategy *,
    const struct sched_params *, struct hb_run *);
extern const struct hb_program *hb_ctl_program(void);
extern const struct sched_params *hb_ctl_params(void);
extern const uint8_t *hb_ctl_choices(size_t *n);
extern const struct sched_switch *hb_ctl_switches(size_t *n,
    size_t *npreempt);
extern uint64_t	hb_ctl_steps(void);
/* the decisions a run of sp may take: more with access seams */
extern size_t	hb_ctl_max_decisions(const struct sched_params *, int access);
extern void	hb_ctl_trace(char *buf, size_t len, int nevents, int html);
/*
 * The same, one event per line with where in the core (sched_list()),
 * named by where (NULL: as an address).
 */
extern void	hb_ctl_list(char *buf, size_t len, int nevents,
    void (*where)(uint64_t pc, char *buf, size_t len));

/*
 * Fuzz inputs (harness/fuzzin.c), on the machine hb_fuzz_config()
 * describes: for htfuzz_sched every byte string decodes into a program
 * of 2..HB_FUZZ_FIBERS fibers over 1..HB_FUZZ_HATS hats and a schedule
 * for the `bytes' strategy (hb_fuzz_decode()); for htfuzz_ops into a
 * program of one fiber over 1..HB_FUZZ_HATS hats (hb_fuzz_decode_ops()).
 * Both return how many bytes the program took.  hb_fuzz_mutate() is
 * htfuzz_sched's mutation: of the schedule alone, or of the whole input.
 */
#define	HB_FUZZ_FIBERS	4
#define	HB_FUZZ_HATS	3
#define	HB_FUZZ_OPS	32
/*
 * A fuzz run's step budget: more is a hang.  Through the windows a walk
 * of a well-filled address space takes some 15,000 steps, and 32 ops can
 * all be walks: 200,000 was reported as a hang on the correct core.
 */
#define	HB_FUZZ_MAX_STEPS	2000000

extern void	hb_fuzz_config(struct hb_config *);
/* a fuzz run's scheduling: the bytes strategy over sched, seed 1 */
extern void	hb_fuzz_params(struct sched_params *, const uint8_t *sched,
    size_t nsched);
extern size_t	hb_fuzz_decode(const uint8_t *, size_t, struct hb_program *,
    const uint8_t **sched, size_t *nsched);
extern size_t	hb_fuzz_decode_ops(const uint8_t *, size_t,
    struct hb_program *);
extern size_t	hb_fuzz_mutate(uint8_t *, size_t len, size_t max,
    int schedule_only, size_t (*mutate)(uint8_t *, size_t, size_t));

/*
 * The emulated MMU's walkers (harness/walkers.c), --walkers per vCPU:
 * hb_walkers() of them, numbered from 0.  Free-running: a thread per
 * walker calls hb_walker_attach(), then hb_walker_gate() and
 * hb_walker_access() until the run ends, then hb_walker_detach();
 * hb_walkers_running() brackets their lives.  Controlled mode runs them
 * as fibers by itself.
 */
extern int	hb_walkers(void);
extern void	hb_walkers_running(int on);
extern void	hb_walker_attach(int w, const char *name);
extern void	hb_walker_detach(void);
extern void	hb_walker_gate(void);
extern void	hb_walker_access(int w);
extern void	hb_walker_pin(void);

/* background duties: the kmem reaper and the memory-pressure toggler */
extern void	hb_reaper_wait(uint64_t max_ns);	/* until kmem_reap() */
extern void	hb_reaper_run(void);
extern void	hb_reaper_park(void);
extern void	hb_set_pressure(int on);
extern void	hb_reservoir_fill(void);
extern void	hb_report_hang(uint64_t idle_ns);

#endif	/* _HARNESS_HARNESS_H */
