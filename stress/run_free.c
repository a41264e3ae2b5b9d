/*
 * Free-running mode: real threads on the host's cores.
 *
 * Worker threads run ops drawn from the weighted op table against their
 * own slots of every address space; a reaper thread runs the htable_cache
 * reclaim callback when kmem_reap() asks; a pressure thread raises and
 * drops memory pressure; the main thread periodically parks everyone at
 * op boundaries and runs the full invariant check; a watchdog reports a
 * hang when no op completes for --hang-secs.  With --walkers, a thread per
 * MMU walker translates, at --access-rate accesses a second or as fast as
 * it can, and parks with the workers for every check.
 */
#define	_GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

static volatile int stop_flag;
static uint64_t ops_done;
static uint64_t checks_done;
static int joined;
static uint64_t start_ns;

static int
should_stop(void)
{
	return (__atomic_load_n(&stop_flag, __ATOMIC_ACQUIRE));
}

static void
write_json(const char *result)
{
	struct hb_stats st;

	if (o.json == NULL)
		return;
	hb_stats(&st);
	json_begin(result);
	json_stats(&st, secs_since(start_ns));
	json_u64("checks_run", st.hs_checks);
	json_end(o.json);
}

static void
on_bug(const char *kind, const char *where)
{
	(void) kind;
	(void) where;
	write_json("bug");
}

/* take one op, unless the run is over */
static int
take_op(void)
{
	if (should_stop())
		return (0);
	if (o.ops != 0 && __atomic_add_fetch(&ops_done, 1,
	    __ATOMIC_RELAXED) > o.ops) {
		__atomic_store_n(&stop_flag, 1, __ATOMIC_RELEASE);
		return (0);
	}
	if (o.ops == 0)
		__atomic_add_fetch(&ops_done, 1, __ATOMIC_RELAXED);
	return (1);
}

static void
worker(void *arg)
{
	int w = (int)(intptr_t)arg;
	char name[32];

	snprintf(name, sizeof (name), "worker-%d", w);
	hb_attach(strdup(name), w);
	hb_gate_join();
	__atomic_add_fetch(&joined, 1, __ATOMIC_RELEASE);
	for (;;) {
		hb_gate(w);
		if (!take_op())
			break;
		hb_step(w);
	}
	hb_gate_leave();
	hb_detach();
}

static void
reaper(void *arg)
{
	(void) arg;
	hb_attach("reaper", 0);
	hb_gate_join();
	__atomic_add_fetch(&joined, 1, __ATOMIC_RELEASE);
	while (!should_stop()) {
		hb_gate(-1);
		hb_reaper_wait(20 * 1000000ull);
		if (!should_stop())
			hb_reaper_run();
	}
	hb_gate_leave();
	hb_detach();
}

/* pressure in bursts of 1-4 ms, for the configured share of the time */
static void
pressurer(void *arg)
{
	unsigned int r = (unsigned int)o.cfg.hc_shim.sc_seed;
	uint64_t on_ns, off_ns;

	(void) arg;
	hb_attach("pressure", 1);
	hb_gate_join();
	__atomic_add_fetch(&joined, 1, __ATOMIC_RELEASE);
	while (!should_stop()) {
		hb_set_pressure(0);
		hb_gate(-1);
		hb_reservoir_fill();
		on_ns = (1 + rand_r(&r) % 4) * 1000000ull;
		off_ns = (uint64_t)((double)on_ns * (1 - o.pressure) /
		    o.pressure);
		hb_set_pressure(1);
		host_sleep_ns(on_ns);
		hb_set_pressure(0);
		host_sleep_ns(off_ns);
	}
	hb_set_pressure(0);
	hb_gate_leave();
	hb_detach();
}

/*
 * An MMU walker.  With a rate, it sleeps off what its batch of accesses
 * took less than the rate allows.
 */
#define	WALK_BATCH	64

static void
walker(void *arg)
{
	int w = (int)(intptr_t)arg, k;
	uint64_t next = host_now_ns(), gap, now;
	char name[32];

	snprintf(name, sizeof (name), "mmu-%d", w);
	hb_walker_attach(w, strdup(name));
	gap = o.access_rate > 0 ? (uint64_t)(WALK_BATCH * 1e9 /
	    o.access_rate) : 0;
	while (!should_stop()) {
		hb_walker_gate();
		for (k = 0; k < WALK_BATCH; k++)
			hb_walker_access(w);
		next += gap;
		now = host_now_ns();
		if (now < next)
			host_sleep_ns(next - now);
	}
	hb_walker_detach();
}

/* a hang: no op and no check completed for hang_secs */
static void
watchdog(void *arg)
{
	uint64_t last = (uint64_t)-1, since = host_now_ns(), now, cur;

	(void) arg;
	while (!should_stop()) {
		host_sleep_ns(100 * 1000000ull);
		cur = __atomic_load_n(&ops_done, __ATOMIC_RELAXED) +
		    __atomic_load_n(&checks_done, __ATOMIC_RELAXED);
		now = host_now_ns();
		if (cur != last) {
			last = cur;
			since = now;
		} else if ((double)(now - since) / 1e9 > o.hang_secs) {
			hb_report_hang(now - since);
		}
	}
}

static void
progress_line(int final)
{
	struct hb_stats st;
	double secs = secs_since(start_ns);

	hb_stats(&st);
	fprintf(stderr, "\r[%7.1fs] ops %" PRIu64 " (%.0f/s)  steals %" PRIu64
	    "  reaps %" PRIu64 "  checks %" PRIu64 "  seed %" PRIu64 "   %s",
	    secs, st.hs_ops, secs > 0 ? st.hs_ops / secs : 0.0, st.hs_steals,
	    st.hs_reap_attempts, st.hs_checks, o.cfg.hc_shim.sc_seed,
	    final ? "\n" : "");
}

static void
progress_sample(int final)
{
	struct hb_stats st;

	if (o.progress_json == NULL)
		return;
	hb_stats(&st);
	progress_json(secs_since(start_ns), &st, 0, final);
}

static void
summary(void)
{
	struct hb_stats st;
	double secs = secs_since(start_ns);

	hb_stats(&st);
	printf("htstress: no bug found in %.1f s (seed %" PRIu64 ", %s mode)\n",
	    secs, o.cfg.hc_shim.sc_seed, memory_mode());
	print_op_counts(&st);
	print_counters(&st, secs);
	if (st.hs_steals == 0 || st.hs_reap_attempts == 0)
		printf("  note: %s never happened in this run; raise "
		    "--pressure or run longer\n", st.hs_steals == 0 ?
		    "stealing" : "reaping");
}

/* every check_secs, park the workers at op boundaries and check */
static void
main_loop(void)
{
	uint64_t next_check = host_now_ns() + (uint64_t)(o.check_secs * 1e9);

	while (!should_stop()) {
		host_sleep_ns(50 * 1000000ull);
		if (o.seconds > 0 && host_now_ns() - start_ns >=
		    (uint64_t)(o.seconds * 1e9))
			__atomic_store_n(&stop_flag, 1, __ATOMIC_RELEASE);
		if (host_now_ns() >= next_check && !should_stop()) {
			hb_pause_all();
			hb_check("periodic check");
			__atomic_add_fetch(&checks_done, 1, __ATOMIC_RELAXED);
			hb_resume_all();
			next_check = host_now_ns() +
			    (uint64_t)(o.check_secs * 1e9);
		}
		if (o.progress)
			progress_line(0);
		progress_sample(0);
	}
}

int
free_main(void)
{
	host_thread_t *th[MAX_HOST_THREADS], *wd;
	int nth = 0, w, members;

	o.cfg.hc_on_bug = on_bug;
	if (hb_init(&o.cfg) != 0)
		return (2);
	start_ns = host_now_ns();
	hb_attach("checker", 0);
	members = o.cfg.hc_workers + 1 + (o.pressure > 0);
	for (w = 0; w < o.cfg.hc_workers; w++)
		th[nth++] = host_thread_create(worker, (void *)(intptr_t)w);
	th[nth++] = host_thread_create(reaper, NULL);
	if (o.pressure > 0)
		th[nth++] = host_thread_create(pressurer, NULL);
	hb_walkers_running(1);
	for (w = 0; w < hb_walkers(); w++)
		th[nth++] = host_thread_create(walker, (void *)(intptr_t)w);
	wd = host_thread_create(watchdog, NULL);
	while (__atomic_load_n(&joined, __ATOMIC_ACQUIRE) < members)
		host_sleep_ns(1000000);
	main_loop();
	hb_resume_all();
	for (w = 0; w < nth; w++)
		host_thread_join(th[w]);
	hb_walkers_running(0);
	host_thread_join(wd);
	if (o.progress)
		progress_line(1);
	progress_sample(1);
	hb_detach();
	hb_finish();
	summary();
	write_json("ok");
	return (0);
}
