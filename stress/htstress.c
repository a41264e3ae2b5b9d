/*
 * htstress: free-running multithreaded stress of the HAT and htable code.
 *
 * Worker threads run ops drawn from the weighted op table against their
 * own slots of every address space; a reaper thread runs the htable_cache
 * reclaim callback when kmem_reap() asks; a pressure thread raises and
 * drops memory pressure; the main thread periodically parks everyone at
 * op boundaries and runs the full invariant check; a watchdog reports a
 * hang when no op completes for --hang-secs.
 *
 * Exit status: 0 nothing found, 1 bug found (report printed and written),
 * 2 usage or configuration error.
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

#include "htbed/host.h"
#include "harness.h"

struct opts {
	struct hb_config cfg;
	double		seconds;
	uint64_t	ops;		/* 0: no limit */
	double		pressure;	/* fraction of time under pressure */
	double		check_secs;
	double		hang_secs;
	const char	*json;
	int		seed_given;
	int		progress;
};

static struct opts o;
static volatile int stop_flag;
static uint64_t ops_done;
static uint64_t checks_done;
static int joined;
static uint64_t start_ns;

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
"  --threads N       worker threads (default: 4 per host core)\n"
"  --hats N          user address spaces (default 8)\n"
"  --cpus N          emulated vCPUs (default 4)\n"
"  --seconds S       run time (default 30)\n"
"  --ops N           stop after N ops (default: no limit)\n"
"  --seed N          run seed (default: from the clock; always printed)\n"
"  --kpm             reach page tables through kpm (default: windows)\n"
"  --pressure F      fraction of time under memory pressure (default 0.1)\n"
"  --yield-prob P    yield/delay at a scheduler seam (default 0.002)\n"
"  --migrate-prob P  vCPU migration at a seam (default 0.002)\n"
"  --kmem-fail P     KM_NOSLEEP allocation failure (default 0.001)\n"
"  --page-fail P     page_get_physical failure (default 0.001)\n"
"  --frames N        page-table frames (default 1024)\n"
"  --reserve N       htable_reserve_amount (default 8)\n"
"  --hash N          hash buckets per hat, power of two (default 32)\n"
"  --force-steal N   DEBUG force_steal: fail every Nth frame (default 0)\n"
"  --weights LIST    op weights, e.g. map=30,walk=0 (ops: map unmap\n"
"                    map_large lock unlock lookup walk share unshare\n"
"                    pageunload swapout exit reap pressure)\n"
"  --check-every S   seconds between full invariant checks (default 1)\n"
"  --hang-secs S     report a hang after S s without progress (default 60)\n"
"  --out DIR         failure reports go here (default htbed-out)\n"
"  --json FILE       write a summary in JSON\n"
"  --quiet           no progress line\n"
"exit: 0 nothing found, 1 bug found, 2 usage or configuration error\n");
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
}

enum { O_THREADS = 256, O_HATS, O_CPUS, O_SECONDS, O_OPS, O_SEED, O_KPM,
	O_PRESSURE, O_YIELD, O_MIGRATE, O_KMEMFAIL, O_PAGEFAIL, O_FRAMES,
	O_RESERVE, O_HASH, O_FORCE, O_WEIGHTS, O_CHECK, O_HANG, O_OUT, O_JSON,
	O_QUIET, O_HELP };

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
	{ NULL, 0, NULL, 0 }
};

static void
parse_args(int argc, char **argv)
{
	struct shim_config *sc = &o.cfg.hc_shim;
	int c;

	hb_default_config(&o.cfg);
	o.cfg.hc_workers = 4 * host_ncores();
	o.seconds = 30;
	o.pressure = 0.1;
	o.check_secs = 1;
	o.hang_secs = 60;
	o.progress = isatty(STDERR_FILENO);
	sc->sc_seed = ((uint64_t)time(NULL) * 2654435761u) ^
	    ((uint64_t)getpid() << 16);
	sc->sc_ptframes = 1024;
	sc->sc_yield_ppm = 2000;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_THREADS: o.cfg.hc_workers = (int)parse_num(
		    "--threads", optarg, 1, 64); break;
		case O_HATS: o.cfg.hc_hats = (int)parse_num("--hats", optarg,
		    1, 64); break;
		case O_CPUS: sc->sc_ncpus = (int)parse_num("--cpus", optarg,
		    1, 256); break;
		case O_SECONDS: o.seconds = parse_num("--seconds", optarg, 0,
		    1e7); break;
		case O_OPS: o.ops = (uint64_t)parse_num("--ops", optarg, 0,
		    1e15); break;
		case O_SEED: sc->sc_seed = strtoull(optarg, NULL, 0);
		    o.seed_given = 1; break;
		case O_KPM: sc->sc_kpm = 1; break;
		case O_PRESSURE: o.pressure = parse_num("--pressure", optarg,
		    0, 1); break;
		case O_YIELD: sc->sc_yield_ppm = ppm("--yield-prob", optarg);
		    break;
		case O_MIGRATE: sc->sc_migrate_ppm = ppm("--migrate-prob",
		    optarg); break;
		case O_KMEMFAIL: sc->sc_kmem_fail_ppm = ppm("--kmem-fail",
		    optarg); break;
		case O_PAGEFAIL: sc->sc_page_fail_ppm = ppm("--page-fail",
		    optarg); break;
		case O_FRAMES: sc->sc_ptframes = (uint64_t)parse_num(
		    "--frames", optarg, 64, 1 << 22); break;
		case O_RESERVE: o.cfg.hc_reserve = (uint32_t)parse_num(
		    "--reserve", optarg, 0, 100000); break;
		case O_HASH: o.cfg.hc_hash_cnt = (uint32_t)parse_num("--hash",
		    optarg, 1, 65536); break;
		case O_FORCE: o.cfg.hc_force_steal = (uint64_t)parse_num(
		    "--force-steal", optarg, 0, 1e9); break;
		case O_WEIGHTS: parse_weights(strdup(optarg)); break;
		case O_CHECK: o.check_secs = parse_num("--check-every", optarg,
		    0.01, 1e6); break;
		case O_HANG: o.hang_secs = parse_num("--hang-secs", optarg, 1,
		    1e6); break;
		case O_OUT: o.cfg.hc_outdir = optarg; break;
		case O_JSON: o.json = optarg; break;
		case O_QUIET: o.progress = 0; break;
		case O_HELP: usage_exit(NULL); break;
		default:
			usage_exit("unknown or incomplete option '%s'",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_exit("unexpected argument '%s'", argv[optind]);
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

static void
write_json(const char *result)
{
	struct hb_stats st;
	double secs = (double)(host_now_ns() - start_ns) / 1e9;
	char buf[4096];
	int n;

	if (o.json == NULL)
		return;
	hb_stats(&st);
	n = snprintf(buf, sizeof (buf),
	    "{\n  \"result\": \"%s\",\n  \"seed\": %" PRIu64 ",\n"
	    "  \"mode\": \"%s\",\n  \"seconds\": %.3f,\n"
	    "  \"ops\": %" PRIu64 ",\n  \"ops_per_sec\": %.0f,\n"
	    "  \"hat_ops\": %" PRIu64 ",\n  \"hat_ops_per_sec\": %.0f,\n"
	    "  \"creates\": %" PRIu64 ",\n  \"releases\": %" PRIu64 ",\n"
	    "  \"steals\": %" PRIu64 ",\n  \"steal_unmaps\": %" PRIu64 ",\n"
	    "  \"reaps\": %" PRIu64 ",\n  \"reaped\": %" PRIu64 ",\n"
	    "  \"cas_retries\": %" PRIu64 ",\n"
	    "  \"window_remaps\": %" PRIu64 ",\n"
	    "  \"migrations\": %" PRIu64 ",\n"
	    "  \"foreign_removals\": %" PRIu64 ",\n"
	    "  \"lookups_verified\": %" PRIu64 ",\n"
	    "  \"checks_run\": %" PRIu64 "\n}\n",
	    result, o.cfg.hc_shim.sc_seed, o.cfg.hc_shim.sc_kpm ? "kpm" :
	    "window", secs, st.hs_ops, secs > 0 ? st.hs_ops / secs : 0.0,
	    st.hs_hat_ops, secs > 0 ? st.hs_hat_ops / secs : 0.0,
	    st.hs_creates, st.hs_releases, st.hs_steals, st.hs_steal_unmaps,
	    st.hs_reap_attempts, st.hs_reaped, st.hs_shim.ss_cas_fail,
	    st.hs_shim.ss_window_remaps, st.hs_shim.ss_migrations,
	    st.hs_foreign_removals, st.hs_lookups_verified, st.hs_checks);
	if (host_write_file_atomic(o.json, buf, (size_t)n) != 0)
		fprintf(stderr, "htstress: cannot write %s: %s\n", o.json,
		    strerror(errno));
}

static void
on_bug(const char *kind, const char *where)
{
	(void) kind;
	(void) where;
	write_json("bug");
}

static int
should_stop(void)
{
	return (__atomic_load_n(&stop_flag, __ATOMIC_ACQUIRE));
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
	while (!should_stop()) {
		hb_gate(w);
		if (should_stop())
			break;
		if (o.ops != 0 && __atomic_add_fetch(&ops_done, 1,
		    __ATOMIC_RELAXED) > o.ops) {
			__atomic_store_n(&stop_flag, 1, __ATOMIC_RELEASE);
			break;
		}
		if (o.ops == 0)
			__atomic_add_fetch(&ops_done, 1, __ATOMIC_RELAXED);
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
	double secs = (double)(host_now_ns() - start_ns) / 1e9;

	hb_stats(&st);
	fprintf(stderr, "\r[%7.1fs] ops %" PRIu64 " (%.0f/s)  steals %" PRIu64
	    "  reaps %" PRIu64 "  checks %" PRIu64 "  seed %" PRIu64 "   %s",
	    secs, st.hs_ops, secs > 0 ? st.hs_ops / secs : 0.0, st.hs_steals,
	    st.hs_reap_attempts, st.hs_checks, o.cfg.hc_shim.sc_seed,
	    final ? "\n" : "");
}

static void
summary(void)
{
	struct hb_stats st;
	double secs = (double)(host_now_ns() - start_ns) / 1e9;
	int op;

	hb_stats(&st);
	printf("htstress: no bug found in %.1f s (seed %" PRIu64 ", %s mode)\n",
	    secs, o.cfg.hc_shim.sc_seed, o.cfg.hc_shim.sc_kpm ? "kpm" :
	    "window");
	printf("  ops            %12" PRIu64 "  %10.0f/s\n", st.hs_ops,
	    secs > 0 ? st.hs_ops / secs : 0.0);
	for (op = 0; op < HB_NOPS; op++)
		if (st.hs_op_count[op] != 0)
			printf("    %-12s %12" PRIu64 "\n", hb_op_name(op),
			    st.hs_op_count[op]);
	printf("  HAT calls      %12" PRIu64 "  %10.0f/s\n", st.hs_hat_ops,
	    secs > 0 ? st.hs_hat_ops / secs : 0.0);
	printf("  htable_create  %12" PRIu64 "   htable_release %12" PRIu64
	    "\n", st.hs_creates, st.hs_releases);
	printf("  steals         %12" PRIu64 "   steal unmaps   %12" PRIu64
	    "\n", st.hs_steals, st.hs_steal_unmaps);
	printf("  reap attempts  %12" PRIu64 "   htables reaped %12" PRIu64
	    "\n", st.hs_reap_attempts, st.hs_reaped);
	printf("  cas retries    %12" PRIu64 "   window remaps  %12" PRIu64
	    "\n", st.hs_shim.ss_cas_fail, st.hs_shim.ss_window_remaps);
	printf("  migrations     %12" PRIu64 "   tlb shootdowns %12" PRIu64
	    "\n", st.hs_shim.ss_migrations, st.hs_tlb_invals);
	printf("  removals seen  %12" PRIu64 "   probes checked %12" PRIu64
	    "\n", st.hs_foreign_removals, st.hs_lookups_verified);
	printf("  full checks    %12" PRIu64 "   injected fails %12" PRIu64
	    "\n", st.hs_checks, st.hs_shim.ss_kmem_fail +
	    st.hs_shim.ss_page_fail);
	if (st.hs_steals == 0 || st.hs_reap_attempts == 0)
		printf("  note: %s never happened in this run; raise "
		    "--pressure or run longer\n", st.hs_steals == 0 ?
		    "stealing" : "reaping");
}

int
main(int argc, char **argv)
{
	host_thread_t *th[70], *wd;
	int nth = 0, w, members;
	uint64_t next_check;

	parse_args(argc, argv);
	o.cfg.hc_repeat = repeat_command(argc, argv);
	o.cfg.hc_on_bug = on_bug;
	fprintf(stderr, "htstress: seed %" PRIu64 ", %d workers, %d hats, %d "
	    "vCPUs, %s mode; repeat with:\n  %s\n", o.cfg.hc_shim.sc_seed,
	    o.cfg.hc_workers, o.cfg.hc_hats, o.cfg.hc_shim.sc_ncpus,
	    o.cfg.hc_shim.sc_kpm ? "kpm" : "window", o.cfg.hc_repeat);
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
	wd = host_thread_create(watchdog, NULL);
	while (__atomic_load_n(&joined, __ATOMIC_ACQUIRE) < members)
		host_sleep_ns(1000000);

	next_check = host_now_ns() + (uint64_t)(o.check_secs * 1e9);
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
	}
	hb_resume_all();
	for (w = 0; w < nth; w++)
		host_thread_join(th[w]);
	host_thread_join(wd);
	if (o.progress)
		progress_line(1);
	hb_detach();
	hb_finish();
	summary();
	write_json("ok");
	return (0);
}
