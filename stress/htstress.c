/*
 * htstress: stress of the HAT and htable code, free-running (real threads,
 * seeded schedule perturbation) or controlled (fibers, one at a time, a
 * strategy choosing every switch; every bug comes with a reproducer).
 *
 * Exit status: 0 nothing found, or only a known finding (harness/known.h),
 * 1 bug found (report printed and written), 2 usage or configuration
 * error.
 */
#define	_GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"
#include "repro.h"
#include "known.h"

struct opts o;

static void
usage_exit(const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		fprintf(stderr, "htstress: ");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fprintf(stderr, " (htstress --help for the options)\n");
		exit(2);
	}
	printf(
"usage: htstress [options]\n"
"  --mode M          free (real threads, default) or controlled (fibers,\n"
"                    one at a time, a strategy picks every switch)\n"
"  --threads N       workers (free: default 4 per host core; controlled:\n"
"                    fibers per run, default 3, at most 8)\n"
"  --hats N          user address spaces (free 8, controlled 1)\n"
"  --cpus N          emulated vCPUs (default 4)\n"
"  --seconds S       run time (default 30; 0: until --ops / --runs)\n"
"  --ops N           free: stop after N ops (default: no limit)\n"
"  --seed N          run seed (default: from the clock; always printed)\n"
"  --kpm             reach page tables through kpm (default: windows)\n"
"  --pressure F      free: share of time under memory pressure (0.1)\n"
"  --yield-prob P    free: yield/delay at a scheduler seam (0.002)\n"
"  --migrate-prob P  vCPU migration at a seam (default 0.002)\n"
"  --kmem-fail P     KM_NOSLEEP allocation failure (default 0.001)\n"
"  --page-fail P     page_get_physical failure (default 0.001)\n"
"  --frames N        page-table frames (free 1024, controlled 512)\n"
"  --reserve N       htable_reserve_amount (default 8)\n"
"  --hash N          hash buckets per hat, power of two (default 32)\n"
"  --force-steal N   DEBUG force_steal: fail every Nth frame (default 0)\n"
"  --weights LIST    op weights, e.g. map=30,walk=0 (ops: map unmap\n"
"                    map_large lock unlock lookup walk share unshare\n"
"                    pageunload swapout exit reap pressure)\n"
"  --check-every S   free: seconds between full invariant checks (1)\n"
"  --hang-secs S     free: report a hang after S s without progress (60)\n"
"emulated MMU (docs/ARCHITECTURE.md):\n"
"  --walkers N       MMU walkers per vCPU (default 0: no MMU)\n"
"  --access-rate R   free: accesses per second per walker (default 20000;\n"
"                    0: as fast as it can)\n"
"  --write-frac F    share of walker accesses that write (default 0.25)\n"
"controlled mode:\n"
"  --strategy S      random (default), pct, bounded\n"
"  --pct-depth D     PCT bug depth (default 3)\n"
"  --bound B         bounded: preemptions per schedule (default 2)\n"
"  --stride N        random: at an access seam, switch once in about N\n"
"                    (default 16; 1: at every one, as at the other seams)\n"
"  --runs N          runs (default: as many as --seconds allows)\n"
"  --program-ops N   ops per fiber in a run (default 20)\n"
"  --program FILE    every run runs the program of this reproducer, on its\n"
"                    machine, under the strategy's schedules (does a\n"
"                    failure come back under other schedules, on another\n"
"                    core?); with --kpm, in kpm mode even if it was\n"
"                    recorded through the windows\n"
"  --max-steps N     scheduling steps per run; more is a hang (2000000)\n"
"seams (where threads may switch):\n"
"  --seams S         sync: locks, atomics, CAS, preemption, windows; access:\n"
"                    also every load and store the core makes of shared\n"
"                    memory (a SEAMS=access build; its default)\n"
"  --access-yield-prob P  free: yield at an access seam (default 0.0002)\n"
"output:\n"
"  --out DIR         failure reports and reproducers (default htbed-out)\n"
"  --json FILE       write a summary in JSON\n"
"  --quiet           no progress line\n"
"  --progress-json F write the counters to F, a JSON line a second\n"
"known findings (corpus/findings/*/finding):\n"
"  --findings DIR    where they are (default: corpus/findings of the tree\n"
"                    this binary was built in)\n"
"  --fail-on-known   a known finding fails the run too (so does\n"
"                    HTBED_FAIL_ON_KNOWN=1 in the environment)\n"
"exit: 0 nothing found, or a known finding only, 1 bug found, 2 usage or\n"
"      configuration error\n");
	exit(0);
}

static double
parse_num(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		usage_exit("%s wants a number in [%g, %g], not '%s'", opt, lo,
		    hi, s);
	return (v);
}

static uint64_t
parse_u64(const char *opt, const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || *s == '-')
		usage_exit("%s wants a whole number, not '%s'", opt, s);
	return (v);
}

static uint32_t
ppm(const char *opt, const char *s)
{
	return ((uint32_t)(parse_num(opt, s, 0, 1) * 1e6 + 0.5));
}

static void
parse_weights(char *list)
{
	char *item, *save = NULL, *eq;
	int op;

	for (item = strtok_r(list, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		if ((eq = strchr(item, '=')) == NULL)
			usage_exit("--weights wants op=weight, not '%s'", item);
		*eq = '\0';
		if ((op = hb_op_by_name(item)) < 0)
			usage_exit("--weights: no op named '%s'", item);
		o.cfg.hc_weights[op] = (uint32_t)parse_num("--weights", eq + 1,
		    0, 1000000);
	}
	for (op = 0; op < HB_NOPS; op++)
		if (o.cfg.hc_weights[op] != 0)
			return;
	usage_exit("--weights: every op has weight 0");
}

enum { O_THREADS = 256, O_HATS, O_CPUS, O_SECONDS, O_OPS, O_SEED, O_KPM,
	O_PRESSURE, O_YIELD, O_MIGRATE, O_KMEMFAIL, O_PAGEFAIL, O_FRAMES,
	O_RESERVE, O_HASH, O_FORCE, O_WEIGHTS, O_CHECK, O_HANG, O_OUT, O_JSON,
	O_QUIET, O_HELP, O_MODE, O_STRATEGY, O_DEPTH, O_BOUND, O_STRIDE, O_RUNS,
	O_PROGOPS, O_MAXSTEPS, O_PROGJSON, O_WALKERS, O_RATE, O_WRITE,
	O_PROGRAM, O_FINDINGS, O_FAILKNOWN, O_SEAMS, O_ACCESSYIELD };

static const struct option longopts[] = {
	{ "threads", 1, NULL, O_THREADS }, { "hats", 1, NULL, O_HATS },
	{ "cpus", 1, NULL, O_CPUS }, { "seconds", 1, NULL, O_SECONDS },
	{ "ops", 1, NULL, O_OPS }, { "seed", 1, NULL, O_SEED },
	{ "kpm", 0, NULL, O_KPM }, { "pressure", 1, NULL, O_PRESSURE },
	{ "yield-prob", 1, NULL, O_YIELD },
	{ "migrate-prob", 1, NULL, O_MIGRATE },
	{ "kmem-fail", 1, NULL, O_KMEMFAIL },
	{ "page-fail", 1, NULL, O_PAGEFAIL }, { "frames", 1, NULL, O_FRAMES },
	{ "reserve", 1, NULL, O_RESERVE }, { "hash", 1, NULL, O_HASH },
	{ "force-steal", 1, NULL, O_FORCE },
	{ "weights", 1, NULL, O_WEIGHTS },
	{ "check-every", 1, NULL, O_CHECK }, { "hang-secs", 1, NULL, O_HANG },
	{ "out", 1, NULL, O_OUT }, { "json", 1, NULL, O_JSON },
	{ "quiet", 0, NULL, O_QUIET }, { "help", 0, NULL, O_HELP },
	{ "mode", 1, NULL, O_MODE }, { "strategy", 1, NULL, O_STRATEGY },
	{ "pct-depth", 1, NULL, O_DEPTH }, { "bound", 1, NULL, O_BOUND },
	{ "stride", 1, NULL, O_STRIDE },
	{ "runs", 1, NULL, O_RUNS }, { "program-ops", 1, NULL, O_PROGOPS },
	{ "max-steps", 1, NULL, O_MAXSTEPS },
	{ "program", 1, NULL, O_PROGRAM },
	{ "walkers", 1, NULL, O_WALKERS },
	{ "access-rate", 1, NULL, O_RATE },
	{ "write-frac", 1, NULL, O_WRITE },
	{ "progress-json", 1, NULL, O_PROGJSON },
	{ "findings", 1, NULL, O_FINDINGS },
	{ "seams", 1, NULL, O_SEAMS },
	{ "access-yield-prob", 1, NULL, O_ACCESSYIELD },
	{ "fail-on-known", 0, NULL, O_FAILKNOWN },
	{ NULL, 0, NULL, 0 }
};

/*
 * Controlled runs are short programs: their mix leans towards the ops
 * that make tables go away (exit, reap, pressure, pageunload), so that
 * creation races with stealing, reaping and teardown in most runs.
 */
static const uint32_t ctl_weights[HB_NOPS] = {
	[HB_MAP] = 20, [HB_UNMAP] = 15, [HB_MAP_LARGE] = 3, [HB_LOCK] = 3,
	[HB_UNLOCK] = 3, [HB_LOOKUP] = 8, [HB_WALK] = 2, [HB_SHARE] = 2,
	[HB_UNSHARE] = 2, [HB_PAGEUNLOAD] = 4, [HB_SWAPOUT] = 2, [HB_EXIT] = 6,
	[HB_REAP] = 6, [HB_PRESSURE] = 6, [HB_SWITCH] = 4,
};

/* --seams: "access" only where the core was built with the callbacks */
static int
parse_seams(const char *s)
{
	if (strcmp(s, "sync") == 0)
		return (0);
	if (strcmp(s, "access") != 0)
		usage_exit("--seams is sync or access, not '%s'", s);
	if (!HTBED_ACCESS_SEAMS)
		usage_exit("--seams access: this build has no access seams; "
		    "build with SEAMS=access (make SEAMS=access "
		    "build/release-access/htstress)");
	return (1);
}

/* the first pass finds the mode, whose defaults the second overrides */
static void
set_defaults(int argc, char **argv)
{
	struct shim_config *sc = &o.cfg.hc_shim;
	int i;

	o.mode = MODE_FREE;
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--mode=controlled") == 0 ||
		    (strcmp(argv[i], "--mode") == 0 && i + 1 < argc &&
		    strcmp(argv[i + 1], "controlled") == 0))
			o.mode = MODE_CONTROLLED;
	hb_default_config(&o.cfg);
	o.seconds = 30;
	o.pressure = 0.1;
	o.check_secs = 1;
	o.hang_secs = 60;
	o.progress = isatty(STDERR_FILENO);
	o.access_rate = 20000;
	o.seams = HTBED_ACCESS_SEAMS;
	sc->sc_access_yield_ppm = 200;
	sc->sc_seed = ((uint64_t)time(NULL) * 2654435761u) ^
	    ((uint64_t)getpid() << 16);
	if (o.mode == MODE_FREE) {
		o.cfg.hc_workers = 4 * host_ncores();
		sc->sc_ptframes = 1024;
		sc->sc_yield_ppm = 2000;
		return;
	}
	o.cfg.hc_workers = 3;
	o.cfg.hc_hats = 1;
	o.cfg.hc_small_pages = 1024;
	o.cfg.hc_large_runs = 2;
	memcpy(o.cfg.hc_weights, ctl_weights, sizeof (ctl_weights));
	sc->sc_ptframes = 512;
	o.prog_ops = 20;
	o.sp.sp_kind = SK_RANDOM;
	o.sp.sp_pct_depth = 3;
	o.sp.sp_bound = 2;
	o.sp.sp_stride = 16;
	o.sp.sp_max_steps = 2000000;
}

static int
parse_mode(const char *s)
{
	if (strcmp(s, "free") != 0 && strcmp(s, "controlled") != 0)
		usage_exit("--mode is free or controlled, not '%s'", s);
	return (strcmp(s, "controlled") == 0 ? MODE_CONTROLLED : MODE_FREE);
}

static int
parse_strategy(const char *s)
{
	int k = strategy_by_name(s);

	if (k != SK_RANDOM && k != SK_PCT && k != SK_BOUNDED)
		usage_exit("--strategy is random, pct or bounded, not '%s'", s);
	return (k);
}

static void
parse_option(int c, const char *arg, const char *raw)
{
	struct shim_config *sc = &o.cfg.hc_shim;

	switch (c) {
	case O_THREADS: o.cfg.hc_workers = (int)parse_num("--threads", arg,
	    1, o.mode == MODE_FREE ? 64 : HB_PROG_FIBERS); break;
	case O_HATS: o.cfg.hc_hats = (int)parse_num("--hats", arg, 1, 64);
	    break;
	case O_CPUS: sc->sc_ncpus = (int)parse_num("--cpus", arg, 1, 64);
	    break;
	case O_SECONDS: o.seconds = parse_num("--seconds", arg, 0, 1e7); break;
	case O_OPS: o.ops = parse_u64("--ops", arg); break;
	case O_SEED: sc->sc_seed = parse_u64("--seed", arg);
	    o.seed_given = 1; break;
	case O_KPM: sc->sc_kpm = 1; break;
	case O_PRESSURE: o.pressure = parse_num("--pressure", arg, 0, 1);
	    break;
	case O_YIELD: sc->sc_yield_ppm = ppm("--yield-prob", arg); break;
	case O_MIGRATE: sc->sc_migrate_ppm = ppm("--migrate-prob", arg); break;
	case O_KMEMFAIL: sc->sc_kmem_fail_ppm = ppm("--kmem-fail", arg); break;
	case O_PAGEFAIL: sc->sc_page_fail_ppm = ppm("--page-fail", arg); break;
	case O_FRAMES: sc->sc_ptframes = (uint64_t)parse_num("--frames", arg,
	    64, 1 << 22); break;
	case O_RESERVE: o.cfg.hc_reserve = (uint32_t)parse_num("--reserve",
	    arg, 0, 100000); break;
	case O_HASH: o.cfg.hc_hash_cnt = (uint32_t)parse_num("--hash", arg, 1,
	    65536); break;
	case O_FORCE: o.cfg.hc_force_steal = (uint64_t)parse_num(
	    "--force-steal", arg, 0, 1e9); break;
	case O_WEIGHTS: parse_weights(strdup(arg)); break;
	case O_CHECK: o.check_secs = parse_num("--check-every", arg, 0.01,
	    1e6); break;
	case O_HANG: o.hang_secs = parse_num("--hang-secs", arg, 1, 1e6); break;
	case O_OUT: o.cfg.hc_outdir = arg; break;
	case O_JSON: o.json = arg; break;
	case O_QUIET: o.progress = 0; break;
	case O_PROGJSON: o.progress_json = fopen(arg, "w");
	    if (o.progress_json == NULL)
		usage_exit("--progress-json: cannot open %s: %s", arg,
		    strerror(errno));
	    break;
	case O_HELP: usage_exit(NULL); break;
	case O_MODE: o.mode = parse_mode(arg); break;
	case O_STRATEGY: o.sp.sp_kind = parse_strategy(arg); break;
	case O_DEPTH: o.sp.sp_pct_depth = (int)parse_num("--pct-depth", arg, 1,
	    8); break;
	case O_BOUND: o.sp.sp_bound = (int)parse_num("--bound", arg, 0, 100);
	    break;
	case O_STRIDE: o.sp.sp_stride = (uint32_t)parse_num("--stride", arg, 1,
	    1000000); break;
	case O_RUNS: o.runs = parse_u64("--runs", arg); break;
	case O_PROGOPS: o.prog_ops = (int)parse_num("--program-ops", arg, 1,
	    HB_PROG_OPS); break;
	case O_MAXSTEPS: o.sp.sp_max_steps = parse_u64("--max-steps", arg);
	    break;
	case O_WALKERS: sc->sc_walkers = (int)parse_num("--walkers", arg, 0,
	    16); break;
	case O_RATE: o.access_rate = parse_num("--access-rate", arg, 0, 1e9);
	    break;
	case O_WRITE: sc->sc_write_ppm = ppm("--write-frac", arg); break;
	case O_PROGRAM: o.program = arg; break;
	case O_FINDINGS: o.findings = arg; break;
	case O_SEAMS: o.seams = parse_seams(arg); break;
	case O_ACCESSYIELD: sc->sc_access_yield_ppm = ppm(
	    "--access-yield-prob", arg); break;
	case O_FAILKNOWN: o.fail_on_known = 1; break;
	default:
		usage_exit("unknown or incomplete option '%s'", raw);
	}
}

/*
 * --program: the reproducer's machine (its configuration but the seed,
 * which still derives every run's) and its program, for every run.
 */
static void
load_program(void)
{
	static struct hb_repro r;
	uint64_t seed = o.cfg.hc_shim.sc_seed;
	int kpm = o.cfg.hc_shim.sc_kpm;
	char err[256];

	if (hb_repro_read(o.program, &r, err, sizeof (err)) != 0)
		usage_exit("--program: %s", err);
	r.r_cfg.hc_outdir = o.cfg.hc_outdir;
	o.cfg = r.r_cfg;
	o.cfg.hc_shim.sc_seed = seed;
	if (kpm) {	/* --kpm: even a program recorded through the windows */
		o.cfg.hc_shim.sc_kpm = 1;
		r.r_prog.hp_windows = 0;
	}
	r.r_prog.hp_access = o.seams;	/* this build's, or --seams */
	o.fixed_program = &r.r_prog;
}

static void
parse_args(int argc, char **argv)
{
	int c;

	set_defaults(argc, argv);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		parse_option(c, optarg, argv[optind - 1]);
	if (optind < argc)
		usage_exit("unexpected argument '%s'", argv[optind]);
	if (o.mode == MODE_CONTROLLED && o.seconds == 0 && o.runs == 0)
		usage_exit("controlled mode needs --seconds or --runs");
	if (o.sp.sp_max_steps == 0 && o.mode == MODE_CONTROLLED)
		usage_exit("--max-steps must be at least 1");
	if (o.program != NULL && o.mode != MODE_CONTROLLED)
		usage_exit("--program needs --mode controlled");
	if (o.program != NULL)
		load_program();
	o.cfg.hc_shim.sc_access = o.mode == MODE_FREE && o.seams;
	o.fail_on_known = known_init("htstress", o.findings, o.fail_on_known);
	o.cfg.hc_fail_on_known = o.fail_on_known;
}

/* the exact command line that repeats this run, seed included */
static char *
repeat_command(int argc, char **argv)
{
	size_t len = 64;
	char *s, *p;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = p = malloc(len);
	for (i = 0; i < argc; i++)
		p += sprintf(p, "%s%s", i ? " " : "", argv[i]);
	if (!o.seed_given)
		sprintf(p, " --seed %" PRIu64, o.cfg.hc_shim.sc_seed);
	return (s);
}

/*
 * ------------------------------------------------------------------------
 * Output both drivers share
 * ------------------------------------------------------------------------
 */
double
secs_since(uint64_t start_ns)
{
	return ((double)(host_now_ns() - start_ns) / 1e9);
}

void
print_op_counts(const struct hb_stats *st)
{
	int op;

	for (op = 0; op < HB_NOPS; op++)
		if (st->hs_op_count[op] != 0)
			printf("    %-12s %12" PRIu64 "\n", hb_op_name(op),
			    st->hs_op_count[op]);
}

static double
shootdown_us(const struct shim_stats *s)
{
	return (s->ss_mmu_shootdowns ? (double)s->ss_mmu_shootdown_ns /
	    (double)s->ss_mmu_shootdowns / 1e3 : 0);
}

static void
print_mmu(const struct shim_stats *s, uint64_t verified, double secs)
{
	printf("  mmu xlates     %12" PRIu64 "  %10.0f/s\n", s->ss_mmu_xlates,
	    secs > 0 ? s->ss_mmu_xlates / secs : 0.0);
	printf("  tlb hits       %12" PRIu64 "   faults         %12" PRIu64
	    "\n", s->ss_mmu_tlb_hits, s->ss_mmu_faults);
	printf("  ref/mod sets   %12" PRIu64 "   xlates checked %12" PRIu64
	    "\n", s->ss_mmu_bits_set, verified);
	printf("  shootdowns     %12" PRIu64 "   mean %.1f us; frames reused "
	    "after a grace period %" PRIu64 "\n", s->ss_mmu_shootdowns,
	    shootdown_us(s), s->ss_mmu_deferred);
}

void
print_counters(const struct hb_stats *st, double secs)
{
	printf("  HAT calls      %12" PRIu64 "  %10.0f/s\n", st->hs_hat_ops,
	    secs > 0 ? st->hs_hat_ops / secs : 0.0);
	printf("  htable_create  %12" PRIu64 "   htable_release %12" PRIu64
	    "\n", st->hs_creates, st->hs_releases);
	printf("  steals         %12" PRIu64 "   steal unmaps   %12" PRIu64
	    "\n", st->hs_steals, st->hs_steal_unmaps);
	printf("  reap attempts  %12" PRIu64 "   htables reaped %12" PRIu64
	    "\n", st->hs_reap_attempts, st->hs_reaped);
	printf("  cas retries    %12" PRIu64 "   window remaps  %12" PRIu64
	    "\n", st->hs_shim.ss_cas_fail, st->hs_shim.ss_window_remaps);
	printf("  migrations     %12" PRIu64 "   tlb shootdowns %12" PRIu64
	    "\n", st->hs_shim.ss_migrations, st->hs_tlb_invals);
	printf("  removals seen  %12" PRIu64 "   probes checked %12" PRIu64
	    "\n", st->hs_foreign_removals, st->hs_lookups_verified);
	printf("  full checks    %12" PRIu64 "   injected fails %12" PRIu64
	    "\n", st->hs_checks, st->hs_shim.ss_kmem_fail +
	    st->hs_shim.ss_page_fail);
	if (o.cfg.hc_shim.sc_walkers > 0)
		print_mmu(&st->hs_shim, st->hs_mmu_verified, secs);
}

/* the --json summary, built in a fixed buffer (a bug may be in progress) */
static char json_buf[8192];
static size_t json_len;

static void
json_add(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (json_len >= sizeof (json_buf))
		return;
	va_start(ap, fmt);
	n = vsnprintf(json_buf + json_len, sizeof (json_buf) - json_len, fmt,
	    ap);
	va_end(ap);
	if (n > 0)
		json_len += (size_t)n;
}

/* result: "clean", or "bug" (made "known" for a known finding) */
void
json_begin(const char *result)
{
	const char *known = strcmp(result, "bug") == 0 ? hb_known_finding :
	    NULL;

	if (known != NULL && !o.fail_on_known)
		result = "known";
	json_len = 0;
	json_add("{\n  \"result\": \"%s\",\n  \"seed\": %" PRIu64 ",\n"
	    "  \"mode\": \"%s\",\n  \"memory\": \"%s\"", result,
	    o.cfg.hc_shim.sc_seed, o.mode == MODE_FREE ? "free" :
	    "controlled", memory_mode());
	if (known != NULL)
		json_str("known_finding", known);
}

void
json_u64(const char *key, uint64_t v)
{
	json_add(",\n  \"%s\": %" PRIu64, key, v);
}

void
json_num(const char *key, double v)
{
	json_add(",\n  \"%s\": %.3f", key, v);
}

void
json_str(const char *key, const char *v)
{
	json_add(",\n  \"%s\": \"%s\"", key, v);
}

void
json_stats(const struct hb_stats *st, double secs)
{
	json_num("seconds", secs);
	json_u64("ops", st->hs_ops);
	json_num("ops_per_sec", secs > 0 ? st->hs_ops / secs : 0);
	json_u64("hat_ops", st->hs_hat_ops);
	json_num("hat_ops_per_sec", secs > 0 ? st->hs_hat_ops / secs : 0);
	json_u64("creates", st->hs_creates);
	json_u64("releases", st->hs_releases);
	json_u64("steals", st->hs_steals);
	json_u64("steal_unmaps", st->hs_steal_unmaps);
	json_u64("reaps", st->hs_reap_attempts);
	json_u64("reaped", st->hs_reaped);
	json_u64("cas_retries", st->hs_shim.ss_cas_fail);
	json_u64("window_remaps", st->hs_shim.ss_window_remaps);
	json_u64("migrations", st->hs_shim.ss_migrations);
	json_u64("foreign_removals", st->hs_foreign_removals);
	json_u64("lookups_verified", st->hs_lookups_verified);
	json_u64("walkers", (uint64_t)o.cfg.hc_shim.sc_walkers);
	json_u64("mmu_translations", st->hs_shim.ss_mmu_xlates);
	json_num("mmu_translations_per_sec", secs > 0 ?
	    st->hs_shim.ss_mmu_xlates / secs : 0);
	json_u64("mmu_tlb_hits", st->hs_shim.ss_mmu_tlb_hits);
	json_u64("mmu_faults", st->hs_shim.ss_mmu_faults);
	json_u64("mmu_bits_set", st->hs_shim.ss_mmu_bits_set);
	json_u64("mmu_verified", st->hs_mmu_verified);
	json_u64("shootdowns", st->hs_shim.ss_mmu_shootdowns);
	json_num("shootdown_us_mean", shootdown_us(&st->hs_shim));
	json_u64("frames_deferred", st->hs_shim.ss_mmu_deferred);
}

/*
 * --progress-json: the counters so far, one JSON object a line, at most
 * once a second and once at the end; each line is one write of a whole
 * line, so a reader that takes whole lines sees only complete samples.
 */
void
progress_json(double secs, const struct hb_stats *st, uint64_t runs,
    int final)
{
	static double next;

	if (o.progress_json == NULL || (!final && secs < next))
		return;
	next = secs + 1;
	fprintf(o.progress_json, "{\"t\": %.3f, \"ops\": %" PRIu64 ", "
	    "\"hat_ops\": %" PRIu64 ", \"runs\": %" PRIu64 ", \"steals\": %"
	    PRIu64 ", \"reaps\": %" PRIu64 "}\n", secs, st->hs_ops,
	    st->hs_hat_ops, runs, st->hs_steals, st->hs_reap_attempts);
	fflush(o.progress_json);
}

void
json_end(const char *path)
{
	json_add("\n}\n");
	if (host_write_file_atomic(path, json_buf, json_len) != 0)
		fprintf(stderr, "htstress: cannot write %s: %s\n", path,
		    strerror(errno));
}

/* how runs reach page tables: a --program's own choice, or the option's */
const char *
memory_mode(void)
{
	if (o.fixed_program != NULL && o.fixed_program->hp_windows)
		return ("window");
	return (o.cfg.hc_shim.sc_kpm ? "kpm" : "window");
}

int
main(int argc, char **argv)
{
	parse_args(argc, argv);
	o.cfg.hc_repeat = repeat_command(argc, argv);
	fprintf(stderr, "htstress: seed %" PRIu64 ", %d %s, %d hats, %d "
	    "vCPUs, %s mode, %s, %s seams; repeat with:\n  %s\n",
	    o.cfg.hc_shim.sc_seed, o.cfg.hc_workers, o.mode == MODE_FREE ?
	    "workers" : "fibers", o.cfg.hc_hats, o.cfg.hc_shim.sc_ncpus,
	    memory_mode(), o.mode == MODE_FREE ? "free-running" :
	    strategy_name(o.sp.sp_kind), (o.fixed_program != NULL ?
	    o.fixed_program->hp_access : o.seams) ? "access" : "sync",
	    o.cfg.hc_repeat);
	return (o.mode == MODE_FREE ? free_main() : ctl_main());
}
