/*
 * Controlled-mode runs of op programs (see harness.h).
 *
 * The machine is booted once, saved, and put back before every run, so a
 * run depends only on its program, its strategy and its seed: replaying
 * those in any process gives the same interleaving, event for event.
 *
 * A quiescent point is a moment when no worker is inside an op and the
 * reaper is parked: no kernel lock is held and every count is settled, as
 * at the end of the run.  The worker that finishes an op and finds the
 * machine quiescent runs the whole invariant check there (unless no op is
 * left: the end of the run checks); the check takes no lock, so no other
 * fiber runs in the middle of it.  Not under ThreadSanitizer: to it the
 * fibers are threads switched without synchronisation, so a check made in
 * one worker's fiber "races" with every other fiber's later write (and
 * ordering them would hide real races between ops on either side); the
 * check at the end of the run, from the controller, stays.
 *
 * Fiber i of a run executes the program's list i as worker i; a daemon
 * fiber plays the kmem reaper, woken by kmem_reap(); the MMU's walkers,
 * if any and unless the program leaves them out, are daemon fibers after
 * it, on their vCPUs.
 */
#include <sys/types.h>
#include <sys/thread.h>
#include <htbed/hw.h>
#include <htbed/sched.h>
#include <htbed/sanitizer.h>
#include <htbed/shim.h>
#include <htbed/snapshot.h>
#include "world.h"

static struct {
	const struct hb_program	*c_prog;
	const struct sched_params *c_params;
	kthread_t		c_thread;	/* the controller's own */
	struct fr_ring		c_ring;
	int			c_worker[HB_PROG_FIBERS];
	char			c_name[HB_PROG_FIBERS][16];
	/*
	 * Bookkeeping shared by every fiber of a run, with no lock: only one
	 * fiber runs at a time, but ThreadSanitizer sees fibers as threads
	 * switched without synchronisation, so these go through CTL_ADD.
	 */
	int			c_busy;		/* workers in an op, reaper */
	int			c_left;		/* ops not yet started */
	int			c_walker[SCHED_MAX_FIBERS];
	char			c_wname[SCHED_MAX_FIBERS][16];
} ctl;

#ifdef HTBED_TSAN
#define	CHECK_IN_FIBERS_RACES	1
#else
#define	CHECK_IN_FIBERS_RACES	0
#endif

#define	CTL_ADD(f, n)	__atomic_add_fetch(&ctl.f, (n), __ATOMIC_RELAXED)

int
hb_ctl_init(const struct hb_config *c)
{
	int f;

	if (c->hc_workers > HB_PROG_FIBERS) {
		host_eprintf("htbed: controlled mode runs at most %d worker "
		    "fibers, not %d\n", HB_PROG_FIBERS, c->hc_workers);
		return (-1);
	}
	if (c->hc_workers + 1 + c->hc_shim.sc_walkers * c->hc_shim.sc_ncpus >
	    SCHED_MAX_FIBERS) {
		host_eprintf("htbed: controlled mode runs at most %d fibers: "
		    "%d workers, the reaper and %d walkers on each of %d vCPUs "
		    "are too many\n", SCHED_MAX_FIBERS, c->hc_workers,
		    c->hc_shim.sc_walkers, c->hc_shim.sc_ncpus);
		return (-1);
	}
	if (hb_init(c) != 0)
		return (-1);
	shadow_save();		/* first: its own record is machine state */
	snap_save();
	sched_init();
	for (f = 0; f < HB_PROG_FIBERS; f++) {
		ctl.c_worker[f] = f;
		(void) host_snprintf(ctl.c_name[f], sizeof (ctl.c_name[f]),
		    "worker-%d", f);
	}
	for (f = 0; f < hw_nwalkers(); f++) {
		ctl.c_walker[f] = f;
		(void) host_snprintf(ctl.c_wname[f], sizeof (ctl.c_wname[f]),
		    "mmu-%d.%d", hw_walker_cpu(f), f % c->hc_shim.sc_walkers);
	}
	return (0);
}

static void
worker_body(void *arg)
{
	int w = *(int *)arg, i;

	for (i = 0; i < ctl.c_prog->hp_nops[w]; i++) {
		CTL_ADD(c_busy, 1);
		CTL_ADD(c_left, -1);
		hb_exec(w, &ctl.c_prog->hp_ops[w][i]);
		if (CTL_ADD(c_busy, -1) == 0 && CTL_ADD(c_left, 0) > 0 &&
		    !CHECK_IN_FIBERS_RACES)
			hb_check_run("quiescent point");
	}
}

/*
 * An MMU walker: an access, then a sleep of 1 to WALK_GAP scheduling
 * steps (drawn from its own stream), so that walkers take a bounded share
 * of every run's steps whatever the strategy.
 */
#define	WALK_GAP	64

static void
walker_body(void *arg)
{
	int w = *(int *)arg;

	hb_walker_pin();
	while (!sched_stopping()) {
		hb_walker_access(w);
		sched_sleep(1 + shim_rand() % WALK_GAP);
	}
}

static void
reaper_body(void *arg)
{
	(void) arg;
	while (!sched_stopping()) {
		hb_reaper_park();
		if (sched_stopping())
			break;
		CTL_ADD(c_busy, 1);
		hb_reaper_run();
		CTL_ADD(c_busy, -1);
	}
}

void
hb_ctl_run(const struct hb_program *p, struct strategy *st,
    const struct sched_params *sp, struct hb_run *out)
{
	sched_body_t b[SCHED_MAX_FIBERS];
	uint64_t touched[HB_MAX_SLOTS];
	int nw = p->hp_no_walkers ? 0 : hw_nwalkers(), f, n = 0;
	size_t nsw;

	if (p->hp_nfibers < 1 || p->hp_nfibers > hb_world.w_cfg.hc_workers)
		htbed_internal_error("a program of %d fibers on a machine "
		    "booted for %d workers", p->hp_nfibers,
		    hb_world.w_cfg.hc_workers);
	shadow_touched_masks(touched);
	snap_restore();
	shadow_restore(touched);
	if (p->hp_windows)
		shim_set_windows(1);
	shim_set_seed(sp->sp_seed);
	shim_thread_init(&ctl.c_thread, &ctl.c_ring, "controller", 0);
	htbed_curthread = &ctl.c_thread;
	ctl.c_prog = p;
	__atomic_store_n(&ctl.c_busy, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&ctl.c_left, hb_program_ops(p), __ATOMIC_RELAXED);
	ctl.c_params = sp;
	for (f = 0; f < p->hp_nfibers; f++)
		b[n++] = (sched_body_t){ ctl.c_name[f], worker_body,
		    &ctl.c_worker[f], f, 0 };
	b[n++] = (sched_body_t){ "reaper", reaper_body, NULL, 0, 1 };
	for (f = 0; f < nw; f++)
		b[n++] = (sched_body_t){ ctl.c_wname[f], walker_body,
		    &ctl.c_walker[f], hw_walker_cpu(f), SCHED_HW };
	hw_set_running(1);
	seam_access = p->hp_access;
	sched_run(b, n, st, sp);
	seam_access = 0;
	hw_set_running(0);
	bug_sanitizer_pending();
	hb_check_run("end of run");
	out->hr_steps = sched_steps();
	out->hr_hash = sched_trace_hash();
	(void) sched_switches(&nsw, &out->hr_preemptions);
	(void) sched_choices(&out->hr_nchoices);
}

const struct hb_program *
hb_ctl_program(void)
{
	return (ctl.c_prog);
}

const struct sched_params *
hb_ctl_params(void)
{
	return (ctl.c_params);
}

const uint8_t *
hb_ctl_choices(size_t *n)
{
	return (sched_choices(n));
}

const struct sched_switch *
hb_ctl_switches(size_t *n, size_t *npreempt)
{
	return (sched_switches(n, npreempt));
}

uint64_t
hb_ctl_steps(void)
{
	return (sched_steps());
}

void
hb_ctl_trace(char *buf, size_t len, int nevents, int html)
{
	host_buf_t b = { buf, 0, len, 1 };

	sched_trace(&b, nevents, html);
}

void
hb_ctl_list(char *buf, size_t len, int nevents,
    void (*where)(uint64_t pc, char *buf, size_t len))
{
	host_buf_t b = { buf, 0, len, 1 };

	sched_where = where;
	sched_list(&b, nevents);
}

size_t
hb_ctl_max_decisions(const struct sched_params *sp, int access)
{
	return ((size_t)sp->sp_max_steps * (access ? SCHED_ACCESS_STEPS : 1));
}
