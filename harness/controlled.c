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
 * fiber runs in the middle of it.
 *
 * Fiber i of a run executes the program's list i as worker i; a daemon
 * fiber plays the kmem reaper, woken by kmem_reap().
 */
#include <sys/types.h>
#include <sys/thread.h>
#include <htbed/sched.h>
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
	int			c_busy;		/* workers in an op, reaper */
	int			c_left;		/* ops not yet started */
} ctl;

int
hb_ctl_init(const struct hb_config *c)
{
	int f;

	if (c->hc_workers > HB_PROG_FIBERS) {
		host_eprintf("htbed: controlled mode runs at most %d worker "
		    "fibers, not %d\n", HB_PROG_FIBERS, c->hc_workers);
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
	return (0);
}

static void
worker_body(void *arg)
{
	int w = *(int *)arg, i;

	for (i = 0; i < ctl.c_prog->hp_nops[w]; i++) {
		ctl.c_busy++;
		ctl.c_left--;
		hb_exec(w, &ctl.c_prog->hp_ops[w][i]);
		if (--ctl.c_busy == 0 && ctl.c_left > 0)
			hb_check("quiescent point");
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
		ctl.c_busy++;
		hb_reaper_run();
		ctl.c_busy--;
	}
}

void
hb_ctl_run(const struct hb_program *p, struct strategy *st,
    const struct sched_params *sp, struct hb_run *out)
{
	sched_body_t b[HB_PROG_FIBERS + 1];
	uint64_t touched[HB_MAX_HATS + 3];
	int f, n = 0;

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
	ctl.c_busy = 0;
	ctl.c_left = hb_program_ops(p);
	ctl.c_params = sp;
	for (f = 0; f < p->hp_nfibers; f++)
		b[n++] = (sched_body_t){ ctl.c_name[f], worker_body,
		    &ctl.c_worker[f], f, 0 };
	b[n++] = (sched_body_t){ "reaper", reaper_body, NULL, 0, 1 };
	sched_run(b, n, st, sp);
	bug_sanitizer_pending();
	hb_check("end of run");
	out->hr_steps = sched_steps();
	out->hr_hash = sched_trace_hash();
	(void) sched_preemptions(&out->hr_preemptions);
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

const size_t *
hb_ctl_preemptions(size_t *n)
{
	return (sched_preemptions(n));
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
