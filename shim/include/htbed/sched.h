/*
 * Controlled mode (shim/testing/sched.c, strategy.c): every workload
 * thread is a fiber on one OS thread, exactly one runs at a time, and at
 * every scheduler-seam point a strategy picks which runs next.  Blocking is
 * modelled: a fiber that waits on a futex word (a held mutex, a condvar)
 * is not runnable until that word is woken.  The same program, strategy
 * and seed give the same schedule, event for event.
 *
 * A decision point is a seam point at which more than one fiber could run;
 * the schedule of a run is the fiber chosen at each decision point, and is
 * all a reproducer needs to replay the run (SK_REPLAY).
 */
#ifndef _HTBED_SCHED_H
#define	_HTBED_SCHED_H

#include <sys/types.h>
#include <htbed/config.h>
#include <htbed/host.h>
#include <htbed/seam.h>
#include <htbed/strategy.h>

typedef struct sched_body {
	const char	*sb_name;
	void		(*sb_fn)(void *);
	void		*sb_arg;
	int		sb_cpu;		/* vCPU it starts on */
	int		sb_daemon;	/* a service (the reaper): the run ends
					 * when only daemons are left; or
					 * SCHED_HW */
} sched_body_t;

/*
 * A daemon that is emulated hardware (an MMU walker): it wakes no fiber,
 * so a run in which only such daemons can run is deadlocked.
 */
#define	SCHED_HW	2

/*
 * A run's step budget (sched_params.sp_max_steps: more is a hang) is of
 * sync seams; with access seams a run has some twenty times as many
 * steps, and the budget is that much larger.
 */
#define	SCHED_ACCESS_STEPS	20

/* spin points: the fiber waits for another to act, so it must give way */
#define	SEAM_IS_SPIN(ev)	((ev) == EV_SPIN)
#define	SEAM_IS_ACCESS(ev)	((ev) == EV_LOAD || (ev) == EV_STORE)

extern void	sched_init(void);
extern void	sched_run(const sched_body_t *, int n, struct strategy *,
    const struct sched_params *);
extern int	sched_stopping(void);
extern void	sched_futex_wait(uint32_t *addr, uint32_t val);
extern void	sched_futex_wake(uint32_t *addr, int n);
extern void	sched_sleep(uint64_t steps);
extern int	sched_thread_events(int tid, const struct fr_event **, int max);
extern const struct fr_event *sched_blocked_event(int tid);
extern void	sched_set_features(uint8_t *counters, size_t n);
extern void	sched_feature(int kind, uint64_t from, uint64_t to);

/* the run so far */
extern const uint8_t *sched_choices(size_t *n);
extern uint64_t	sched_steps(void);
extern const struct sched_switch *sched_switches(size_t *n,
    size_t *npreempt);
extern uint64_t	sched_trace_hash(void);
extern void	sched_trace(host_buf_t *, int nevents, int html);

/*
 * sched_list(): the last nevents events one per line, in order, each with
 * where the thread was in the core and from where that was called (struct
 * fr_event's fe_pc), each place named by sched_where if it is set
 * ("htable.c:474 htable_steal_active"), else as an address.
 */
extern void	sched_list(host_buf_t *, int nevents);
extern void	(*sched_where)(uint64_t pc, char *buf, size_t len);
extern void	sched_describe(host_buf_t *);

#endif	/* _HTBED_SCHED_H */
