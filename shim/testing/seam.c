/*
 * The free-running side of the scheduler seam: seeded schedule
 * perturbation for real threads on a 2-core host.
 *
 * At a seam point a thread may, with the configured probabilities,
 *  - move to another vCPU (only while t_preempt == 0: see cpu.c);
 *  - give up its host CPU (sched_yield), or spin for up to 1023 pause
 *    instructions, which stretches the window in which another thread can
 *    interleave.
 * The random stream is the thread's own (seeded from --seed), so a run's
 * perturbation decisions are reproducible even though the OS scheduling
 * around them is not.
 *
 * In controlled mode the seam hands every point to the scheduler
 * (sched.c), and futex waits block fibers instead of OS threads.
 */
#include <sys/types.h>
#include <sys/thread.h>
#include <sys/cpuvar.h>
#include <htbed/seam.h>
#include <htbed/sched.h>
#include <htbed/shim.h>

int seam_active;
int htbed_frozen;
int seam_controlled;
int seam_callers;
uint64_t seam_step;

static uint32_t yield_ppm;
static uint32_t migrate_ppm;
static uint32_t access_yield_ppm;

void
seam_configure(const struct shim_config *c)
{
	yield_ppm = c->sc_yield_ppm;
	migrate_ppm = ncpus > 1 ? c->sc_migrate_ppm : 0;
	access_yield_ppm = c->sc_access ? c->sc_access_yield_ppm : 0;
	access_ranges_init();
	seam_access = c->sc_access;
	seam_active = yield_ppm != 0 || migrate_ppm != 0 ||
	    access_yield_ppm != 0;
}

/* a bug is being reported (or a sanitizer's report waits to be) */
void
seam_freeze(void)
{
	if (!bug_in_progress())
		bug_sanitizer_pending();
	for (;;)
		host_sleep_ns(1000000000ull);
}

void
shim_futex_wait(uint32_t *addr, uint32_t val)
{
	if (seam_controlled)
		sched_futex_wait(addr, val);
	else
		host_futex_wait(addr, val);
}

void
shim_futex_wake(uint32_t *addr, int nwake)
{
	if (seam_controlled)
		sched_futex_wake(addr, nwake);
	else
		host_futex_wake(addr, nwake);
}

void
seam_schedule(seam_ev_t ev)
{
	kthread_t *t = curthread;
	uint64_t r;
	uint32_t spins;

	r = shim_rand();
	if (ev == EV_LOAD || ev == EV_STORE) {
		/* far more of them: a probability of their own, no migration */
		if ((uint32_t)((r >> 40) % 1000000) < access_yield_ppm)
			host_yield();
		return;
	}
	if (t->t_preempt == 0 && (uint32_t)(r % 1000000) < migrate_ppm)
		shim_migrate(t, (int)((r >> 20) % (uint64_t)ncpus));
	if ((uint32_t)((r >> 40) % 1000000) >= yield_ppm)
		return;
	if ((r & 3) != 0) {
		host_yield();
		return;
	}
	for (spins = (uint32_t)(r >> 2) & 0x3ff; spins > 0; spins--)
		__builtin_ia32_pause();
}
