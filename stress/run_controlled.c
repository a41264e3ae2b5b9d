/*
 * Controlled mode: runs of generated op programs, each from the same
 * saved machine, one fiber at a time, every switch the strategy's.
 *
 * Run i's seed is mix(mix(--seed) + i); that one number fixes the run's
 * program, its schedule (random, PCT) and its injected failures.  Bounded
 * search instead explores every schedule of one program (within the
 * preemption bound) before it moves on to the next program.  A bug ends
 * the process with a report and a reproducer that htreplay re-executes.
 */
#define	_GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "repro.h"

static uint64_t start_ns;
static uint64_t nruns, nprograms, steps_total, decisions_total;
static uint64_t nexplored;	/* bounded: programs searched completely */
static struct hb_program prog;
static struct sched_params run_sp;
static struct hb_stats base, total;

static uint64_t
mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return (x ^ (x >> 31));
}

/* what one run counted: the machine's counters less their boot values */
static void
stats_add_run(void)
{
	struct hb_stats st;
	uint64_t *t = (uint64_t *)&total, *r = (uint64_t *)&st;
	const uint64_t *b = (const uint64_t *)&base;
	size_t i;

	hb_stats(&st);
	for (i = 0; i < sizeof (st) / sizeof (uint64_t); i++)
		t[i] += r[i] - b[i];
}

static void
write_json(const char *result)
{
	double secs = secs_since(start_ns);

	if (o.json == NULL)
		return;
	json_begin(result);
	json_str("strategy", strategy_name(o.sp.sp_kind));
	json_u64("runs", nruns);
	json_num("runs_per_sec", secs > 0 ? nruns / secs : 0);
	json_u64("programs", nprograms);
	json_u64("steps", steps_total);
	json_u64("decisions", decisions_total);
	json_stats(&total, secs);
	json_u64("checks_run", total.hs_checks);
	json_end(o.json);
}

/* the reproducer of the run in progress, next to the failure report */
static void
write_repro(const char *kind, const char *where)
{
	char path[1024];

	(void) snprintf(path, sizeof (path), "%s/repro-%" PRIu64 ".txt",
	    o.cfg.hc_outdir, o.cfg.hc_shim.sc_seed);
	if (hb_ctl_program() == NULL) {
		fprintf(stderr, "htstress: the failure happened while booting, "
		    "before any run: no reproducer (the repeat command is one)"
		    "\n");
		return;
	}
	if (hb_repro_save_run(path, &o.cfg, &run_sp, kind, where) != 0) {
		fprintf(stderr, "htstress: could not write %s\n", path);
		return;
	}
	fprintf(stderr, "reproducer: %s (run %" PRIu64 ", run seed %" PRIu64
	    ")\nreplay:    htreplay %s\n", path, nruns, run_sp.sp_seed, path);
}

static void
on_bug(const char *kind, const char *where)
{
	write_repro(kind, where);
	write_json("bug");
}

static void
progress_line(int final)
{
	double secs = secs_since(start_ns);

	fprintf(stderr, "\r[%7.1fs] runs %" PRIu64 " (%.0f/s)  steps %" PRIu64
	    "  steals %" PRIu64 "  reaps %" PRIu64 "  seed %" PRIu64 "   %s",
	    secs, nruns, secs > 0 ? nruns / secs : 0.0, steps_total,
	    total.hs_steals, total.hs_reap_attempts, o.cfg.hc_shim.sc_seed,
	    final ? "\n" : "");
}

static void
summary(void)
{
	double secs = secs_since(start_ns);

	printf("htstress: no bug found in %" PRIu64 " runs of %" PRIu64
	    " programs, %.1f s (seed %" PRIu64 ", %s, %s mode)\n", nruns,
	    nprograms, secs, o.cfg.hc_shim.sc_seed,
	    strategy_name(o.sp.sp_kind), memory_mode());
	if (o.sp.sp_kind == SK_BOUNDED)
		printf("  every schedule with at most %d preemptions run for "
		    "%" PRIu64 " of the %" PRIu64 " programs\n", o.sp.sp_bound,
		    nexplored, nprograms);
	printf("  runs           %12" PRIu64 "  %10.0f/s\n", nruns,
	    secs > 0 ? nruns / secs : 0.0);
	printf("  steps          %12" PRIu64 "   decisions      %12" PRIu64
	    "\n", steps_total, decisions_total);
	printf("  ops            %12" PRIu64 "  %10.0f/s\n", total.hs_ops,
	    secs > 0 ? total.hs_ops / secs : 0.0);
	print_op_counts(&total);
	print_counters(&total, secs);
}

static int
time_left(void)
{
	if (o.runs != 0 && nruns >= o.runs)
		return (0);
	if (o.fixed_program != NULL && nexplored > 0)
		return (0);	/* its every bounded schedule was run */
	return (o.seconds == 0 || secs_since(start_ns) < o.seconds);
}

/* one run of the current program; 0 when bounded search is exhausted */
static int
one_run(struct strategy *st, uint64_t seed)
{
	struct hb_run r;

	run_sp = o.sp;
	run_sp.sp_seed = seed;
	hb_ctl_run(&prog, st, &run_sp, &r);
	stats_add_run();
	nruns++;
	steps_total += r.hr_steps;
	decisions_total += r.hr_nchoices;
	return (strategy_end(st, r.hr_steps));
}

/*
 * A new program for every run; under bounded search, only once every
 * schedule of the last one was run, with a fresh search tree.  With
 * --program, the same program for every run.
 */
static void
next_program(struct strategy **st, uint64_t seed)
{
	if (o.sp.sp_kind == SK_BOUNDED) {
		strategy_free(*st);
		*st = strategy_new(&o.sp);
	}
	if (o.fixed_program != NULL && nprograms > 0)
		return;
	if (o.fixed_program != NULL)
		prog = *o.fixed_program;
	else
		hb_program_random(&prog, seed, o.cfg.hc_workers, o.prog_ops,
		    o.cfg.hc_weights);
	if (o.fixed_program == NULL)
		prog.hp_access = o.seams;
	nprograms++;
}

int
ctl_main(void)
{
	struct strategy *st = strategy_new(&o.sp);
	uint64_t last_progress = 0, seed = 0;
	int more = 0;

	o.cfg.hc_on_bug = on_bug;
	hb_repro_reserve(hb_ctl_max_decisions(&o.sp, o.seams));
	if (hb_ctl_init(&o.cfg) != 0)
		return (2);
	hb_stats(&base);
	start_ns = host_now_ns();
	while (time_left()) {
		/* a bounded search replays its path prefix: one seed for all */
		if (!more || o.sp.sp_kind != SK_BOUNDED)
			seed = mix(mix(o.cfg.hc_shim.sc_seed) + nruns);
		if (!more)
			next_program(&st, seed);
		more = one_run(st, seed) && o.sp.sp_kind == SK_BOUNDED;
		nexplored += o.sp.sp_kind == SK_BOUNDED && !more;
		progress_json(secs_since(start_ns), &total, nruns, 0);
		if (o.progress && host_now_ns() - last_progress > 200000000ull) {
			progress_line(0);
			last_progress = host_now_ns();
		}
	}
	if (o.progress)
		progress_line(1);
	progress_json(secs_since(start_ns), &total, nruns, 1);
	summary();
	write_json("ok");
	strategy_free(st);
	return (0);
}
