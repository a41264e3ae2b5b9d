/*
 * htstress: the options (htstress.c) and the two drivers that run them,
 * free-running (run_free.c) and controlled (run_controlled.c).  Host domain.
 */
#ifndef _STRESS_DRIVER_H
#define	_STRESS_DRIVER_H

#include <stdint.h>
#include <stdio.h>
#include "htbed/host.h"
#include "harness.h"

enum { MODE_FREE, MODE_CONTROLLED };

#define	MAX_HOST_THREADS	134	/* 64 workers, reaper, pressure,
					 * 64 walkers */

struct opts {
	struct hb_config cfg;
	int		mode;
	double		seconds;	/* 0: no time limit */
	uint64_t	ops;		/* free: stop after N ops (0: none) */
	double		pressure;	/* free: share of time under pressure */
	double		check_secs;	/* free: between full checks */
	double		hang_secs;	/* free: no progress for this long */
	double		access_rate;	/* free: accesses/s per walker (0:
					 * as fast as it can) */
	uint64_t	runs;		/* controlled: runs (0: until time) */
	int		prog_ops;	/* controlled: ops per fiber */
	const char	*program;	/* controlled: --program FILE */
	const struct hb_program *fixed_program;	/* its program */
	struct sched_params sp;		/* controlled: strategy, budget */
	const char	*json;
	FILE		*progress_json;	/* --progress-json, or NULL */
	int		seed_given;
	int		progress;	/* a live progress line on stderr */
	const char	*findings;	/* --findings DIR, or NULL */
	int		seams;		/* 1: access seams (--seams access) */
	int		fail_on_known;	/* --fail-on-known */
};

extern struct opts o;

extern int	free_main(void);
extern const char *memory_mode(void);
extern int	ctl_main(void);

/* shared output */
extern double	secs_since(uint64_t start_ns);
extern void	print_op_counts(const struct hb_stats *);
extern void	print_counters(const struct hb_stats *, double secs);
extern void	json_begin(const char *result);
extern void	json_u64(const char *key, uint64_t v);
extern void	json_num(const char *key, double v);
extern void	json_str(const char *key, const char *v);
extern void	json_stats(const struct hb_stats *, double secs);
extern void	json_end(const char *path);
extern void	progress_json(double secs, const struct hb_stats *,
		    uint64_t runs, int final);

#endif	/* _STRESS_DRIVER_H */
