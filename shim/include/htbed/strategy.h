/*
 * Scheduling strategies of controlled mode (shim/testing/strategy.c).  A
 * plain interface: the drivers make and keep strategies, the scheduler
 * consults them.  A strategy lives across runs (bounded search walks its
 * tree, PCT learns the length of a run); strategy_begin() starts a run.
 */
#ifndef _HTBED_STRATEGY_H
#define	_HTBED_STRATEGY_H

#include <stdint.h>
#include "htbed/config.h"

#define	SCHED_MAX_FIBERS	16	/* fibers of one run, daemons too */

/*
 * A point is anchored at the fiber it happens in -- the running one, the
 * one that blocks or ends, SCHED_MAIN before the first -- and numbered by
 * that fiber's own count of points.  The count depends on what the fiber
 * did, not on how the others were scheduled, so an anchored decision
 * stays at its place in the fiber's code when decisions elsewhere change
 * (a global decision index would move).
 */
#define	SCHED_MAIN	SCHED_MAX_FIBERS	/* anchor: the run's start */

/* what a strategy is shown at a decision point */
struct sched_view {
	int		sv_cur;		/* the running fiber, -1 if it cannot go on */
	int		sv_prev;	/* the fiber that ran last (-1: none yet) */
	uint32_t	sv_runnable;	/* mask of fibers that could run */
	int		sv_nfibers;
	uint64_t	sv_step;
	int		sv_ev;		/* seam_ev_t of the point */
	int		sv_anchor;	/* the fiber of the point, or SCHED_MAIN */
	uint64_t	sv_point;	/* its own count of points, from 1 */
};

/*
 * A decision that is not the default (strategy_default()): at point
 * sw_point of fiber sw_fiber, sw_target ran.  sw_preempt: the running
 * fiber could have gone on.  A run's switches, replayed anchored, give
 * the run again.
 */
struct sched_switch {
	uint64_t	sw_point;
	uint8_t		sw_fiber;
	uint8_t		sw_target;
	uint8_t		sw_preempt;
};

struct strategy;
extern struct strategy *strategy_new(const struct sched_params *);
extern void	strategy_free(struct strategy *);
extern void	strategy_begin(struct strategy *, const struct sched_params *,
    int nfibers);
extern int	strategy_pick(struct strategy *, const struct sched_view *);
extern int	strategy_pick_fair(struct strategy *, const struct sched_view *);
extern int	strategy_default(const struct sched_view *);
extern uint64_t	strategy_lend(struct strategy *, uint64_t max);
extern void	strategy_unlend(struct strategy *, uint64_t unused);
extern int	sched_switch_cmp(const void *, const void *);
extern int	strategy_end(struct strategy *, uint64_t steps);
extern uint64_t	strategy_pct_steps(const struct strategy *);
extern const char *strategy_name(int kind);
extern int	strategy_by_name(const char *);

#endif	/* _HTBED_STRATEGY_H */
