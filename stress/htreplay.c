/*
 * htreplay: re-execute a controlled-mode run from its reproducer, exactly:
 * the same machine, the same programs, the same schedule, hence the same
 * interleaving, event for event, and the same failure.
 *
 * With --fuzz-input the file is a fuzz input (a libFuzzer crash file,
 * say) instead: of htfuzz_sched (the default, or --fuzz-input=sched) or
 * of htfuzz_ops (--fuzz-input=ops).  It is decoded into its program (and
 * schedule), the program printed, and the run made the way the fuzz
 * target made it; a failure writes a reproducer, which --minimize then
 * shrinks.
 *
 * Exit status: 0 the run found no bug, or only a known finding
 * (harness/known.h), 1 it found one (the recorded one, or another: the
 * report says which), 2 usage error or a reproducer that cannot be read
 * (unreadable, corrupt, truncated, foreign), or a bad known finding.
 */
#define	_GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "htbed/host.h"
#include "harness.h"
#include "minimize.h"
#include "repro.h"
#include "known.h"

static struct {
	const char	*file;
	int		trace;		/* events to print, 0: the report's */
	const char	*html;
	const char	*minimize;
	uint64_t	repeat;
	const char	*outdir;
	int		quiet;
	const char	*fuzz_input;	/* the fuzz target, or NULL */
	const char	*findings;	/* known findings, NULL: the tree's */
	int		fail_on_known;
	int		steps;		/* --steps: events to list, 0: none */
} opt = { .repeat = 1, .outdir = "htbed-out/replay" };

static uint8_t *fuzz_bytes;		/* --fuzz-input: the file */
static size_t fuzz_len;

static struct hb_repro rep;
static struct sched_params replay_sp;

static void
usage_exit(const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		fprintf(stderr, "htreplay: ");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fprintf(stderr, " (htreplay --help for the options)\n");
		exit(2);
	}
	printf(
"usage: htreplay [options] FILE\n"
"  FILE              a reproducer written by htstress --mode controlled\n"
"  --trace[=K]       print the interleaving: the last K events (default 60),\n"
"                    one lane per thread\n"
"  --html OUT        write the interleaving as a self-contained HTML page\n"
"  --steps[=K]       list the last K events (default 200) one per line, each\n"
"                    with the file, line and function of the core it was\n"
"                    in (llvm-symbolizer)\n"
"  --minimize OUT    shrink the reproducer (ops, fibers, preemptions) while\n"
"                    its failure signature stays the same; write it to OUT\n"
"  --repeat N        replay N times in this process and compare the event\n"
"                    hashes (for a run that finds no bug)\n"
"  --fuzz-input[=T]  FILE is an input (a libFuzzer crash file) of a fuzz\n"
"                    target: T is sched (htfuzz_sched, the default) or ops\n"
"                    (htfuzz_ops); decode it, print its program, run it as\n"
"                    the target did; a failure writes a reproducer to the\n"
"                    --out dir\n"
"  --out DIR         where the failure report goes (htbed-out/replay)\n"
"  --quiet           only the verdict\n"
"  --findings DIR    known findings (default: corpus/findings of the tree\n"
"                    this binary was built in)\n"
"  --fail-on-known   a known finding is a failure too (so is it with\n"
"                    HTBED_FAIL_ON_KNOWN=1 in the environment)\n"
"exit: 0 no bug, or a known finding only, 1 bug found, 2 usage error or\n"
"      unreadable reproducer\n");
	exit(0);
}

static uint64_t
parse_u64(const char *opt_name, const char *s, uint64_t lo, uint64_t hi)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' || v < lo ||
	    v > hi)
		usage_exit("%s wants a number in [%llu, %llu], not '%s'",
		    opt_name, (unsigned long long)lo, (unsigned long long)hi, s);
	return (v);
}

static void
parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "trace", 2, NULL, 't' }, { "html", 1, NULL, 'h' },
		{ "steps", 2, NULL, 's' },
		{ "minimize", 1, NULL, 'm' }, { "repeat", 1, NULL, 'r' },
		{ "out", 1, NULL, 'o' }, { "quiet", 0, NULL, 'q' },
		{ "fuzz-input", 2, NULL, 'f' },
		{ "findings", 1, NULL, 'k' }, { "fail-on-known", 0, NULL, 'K' },
		{ "help", 0, NULL, 'H' }, { NULL, 0, NULL, 0 }
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 't': opt.trace = optarg == NULL ? 60 :
		    (int)parse_u64("--trace", optarg, 1, 65536); break;
		case 'h': opt.html = optarg; break;
		case 's': opt.steps = optarg == NULL ? 200 :
		    (int)parse_u64("--steps", optarg, 1, 65536); break;
		case 'm': opt.minimize = optarg; break;
		case 'r': opt.repeat = parse_u64("--repeat", optarg, 1,
		    1000000); break;
		case 'o': opt.outdir = optarg; break;
		case 'q': opt.quiet = 1; break;
		case 'f': opt.fuzz_input = optarg == NULL ? "sched" : optarg;
		    break;
		case 'k': opt.findings = optarg; break;
		case 'K': opt.fail_on_known = 1; break;
		case 'H': usage_exit(NULL); break;
		default: usage_exit("unknown or incomplete option '%s'",
		    argv[optind - 1]);
		}
	}
	if (opt.fuzz_input != NULL && strcmp(opt.fuzz_input, "sched") != 0 &&
	    strcmp(opt.fuzz_input, "ops") != 0)
		usage_exit("--fuzz-input wants sched or ops, not '%s'",
		    opt.fuzz_input);
	if (optind != argc - 1)
		usage_exit(optind == argc ? "name a reproducer file" :
		    "one reproducer file at a time");
	opt.file = argv[optind];
	opt.fail_on_known = known_init("htreplay", opt.findings,
	    opt.fail_on_known);
}

/*
 * For --steps: "file:line function" of a return address in the core, by
 * llvm-symbolizer (package llvm-14) on this executable -- a PIE: the
 * address less the load base, less one to land in the call -- from the
 * innermost inlined frame outward, the first one that is not a shim
 * header's inline; cached, since a trace names few places many times.
 */
static void
where_in_core(uint64_t pc, char *buf, size_t len)
{
	static struct { uint64_t pc; char s[200]; } cache[512];
	static int ncache;
	extern char __executable_start[];
	char exe[1024], cmd[1300], fn[256], loc[512];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof (exe) - 1);
	FILE *p;
	int i;

	for (i = 0; i < ncache; i++)
		if (cache[i].pc == pc) {
			(void) snprintf(buf, len, "%s", cache[i].s);
			return;
		}
	(void) snprintf(buf, len, "pc 0x%llx", (unsigned long long)pc);
	if (n <= 0)
		return;
	exe[n] = '\0';
	(void) snprintf(cmd, sizeof (cmd), "%s --obj='%s' 0x%llx 2>/dev/null",
	    access("/usr/bin/llvm-symbolizer-14", X_OK) == 0 ?
	    "llvm-symbolizer-14" : "llvm-symbolizer", exe,
	    (unsigned long long)(pc - 1 - (uintptr_t)__executable_start));
	if ((p = popen(cmd, "r")) == NULL)
		return;
	while (fgets(fn, sizeof (fn), p) != NULL && fn[0] != '\n' &&
	    fgets(loc, sizeof (loc), p) != NULL) {
		fn[strcspn(fn, "\n")] = '\0';
		loc[strcspn(loc, "\n")] = '\0';
		if (strrchr(loc, ':') != NULL)
			*strrchr(loc, ':') = '\0';	/* the column */
		if (strstr(loc, "/shim/include/") == NULL) {
			(void) snprintf(buf, len, "%s %s", host_relpath(loc),
			    fn);
			break;
		}
	}
	(void) pclose(p);
	if (ncache < 512) {
		cache[ncache].pc = pc;
		(void) snprintf(cache[ncache++].s, sizeof (cache[0].s), "%s",
		    buf);
	}
}

/* the interleaving, as asked: printed, as an HTML page, step by step */
static void
emit_trace(void)
{
	size_t len = 4u << 20;
	char *buf;

	if (opt.trace == 0 && opt.html == NULL && opt.steps == 0)
		return;
	buf = malloc(len);
	if (opt.steps != 0) {
		hb_ctl_list(buf, len, opt.steps, where_in_core);
		fputs(buf, stdout);
	}
	if (opt.trace != 0) {
		hb_ctl_trace(buf, len, opt.trace, 0);
		fputs(buf, stdout);
	}
	if (opt.html != NULL) {
		hb_ctl_trace(buf, len, opt.trace ? opt.trace : 60, 1);
		if (host_write_file_atomic(opt.html, buf, strlen(buf)) != 0)
			fprintf(stderr, "htreplay: cannot write %s: %s\n",
			    opt.html, strerror(errno));
		else
			fprintf(stderr, "htreplay: trace written to %s\n",
			    opt.html);
	}
	free(buf);
}

/* a fuzz input's failure gets a reproducer: then it replays like any */
static void
fuzz_repro(const char *kind, const char *where)
{
	char path[1024];

	(void) snprintf(path, sizeof (path), "%s/repro-fuzz.txt", opt.outdir);
	if (hb_repro_save_run(path, &rep.r_cfg, &rep.r_sp, kind, where) == 0)
		fprintf(stderr, "htreplay: reproducer written to %s\n", path);
	else
		fprintf(stderr, "htreplay: could not write %s\n", path);
}

static void
on_bug(const char *kind, const char *where)
{
	char sig[300];

	emit_trace();
	if (opt.fuzz_input != NULL) {
		fuzz_repro(kind, where);
		return;
	}
	(void) snprintf(sig, sizeof (sig), "%s at %s", kind, where);
	if (rep.r_failure[0] == '\0')
		fprintf(stderr, "htreplay: a failure; the reproducer recorded "
		    "none\n");
	else if (strcmp(sig, rep.r_failure) == 0)
		fprintf(stderr, "htreplay: reproduced: %s\n", sig);
	else
		fprintf(stderr, "htreplay: a different failure than the "
		    "recorded one (%s)\n", rep.r_failure);
}

/*
 * The machine of the reproducer, and a strategy that replays it; for a
 * fuzz input, the fuzz machine and the input's schedule bytes.
 */
static struct strategy *
replay_setup(void)
{
	rep.r_cfg.hc_outdir = opt.outdir;
	rep.r_cfg.hc_on_bug = on_bug;
	rep.r_cfg.hc_fail_on_known = opt.fail_on_known;
	rep.r_cfg.hc_repeat = "htreplay (the reproducer is the repeat)";
	replay_sp = rep.r_sp;
	if (opt.fuzz_input == NULL) {
		replay_sp.sp_kind = SK_REPLAY;
		replay_sp.sp_choices = rep.r_choices;
		replay_sp.sp_nchoices = rep.r_nchoices;
	}
	hb_repro_reserve(hb_ctl_max_decisions(&replay_sp, rep.r_prog.hp_access));
	if (strcmp(rep.r_core, HTBED_CORE) != 0) {
		fprintf(stderr, "htreplay: the reproducer was recorded on core "
		    "%s, this htreplay is built with %s: its schedule is "
		    "followed as far as this core's run matches it\n",
		    rep.r_core, HTBED_CORE);
		replay_sp.sp_guided = 1;
	}
	if (hb_ctl_init(&rep.r_cfg) != 0)
		exit(2);
	return (strategy_new(&replay_sp));
}

static int
replay(void)
{
	struct strategy *st = replay_setup();
	struct hb_run r;
	uint64_t i, first = 0;
	int distinct = 0;

	for (i = 0; i < opt.repeat; i++) {
		hb_ctl_run(&rep.r_prog, st, &replay_sp, &r);
		if (i == 0 || r.hr_hash != first)
			distinct++;
		if (i == 0)
			first = r.hr_hash;
	}
	emit_trace();
	printf("htreplay: no bug found: %llu replay%s of %s, %llu steps, "
	    "%zu decisions, %llu preemptions; %d distinct event-trace "
	    "hash%s (%016llx)\n", (unsigned long long)opt.repeat,
	    opt.repeat > 1 ? "s" : "", opt.file,
	    (unsigned long long)r.hr_steps, r.hr_nchoices,
	    (unsigned long long)r.hr_preemptions, distinct,
	    distinct > 1 ? "es" : "", (unsigned long long)first);
	if (rep.r_failure[0] != '\0')
		printf("htreplay: the recorded failure (%s) did not happen\n",
		    rep.r_failure);
	strategy_free(st);
	return (distinct > 1 ? 2 : 0);
}

static void
print_program(const struct hb_program *p)
{
	int f, k;

	for (f = 0; f < p->hp_nfibers; f++) {
		printf("  fiber %d:", f);
		for (k = 0; k < p->hp_nops[f]; k++)
			printf(" %s(hat %u)", hb_op_name(p->hp_ops[f][k].op_code %
			    HB_NOPS), p->hp_ops[f][k].op_hat);
		printf("%s\n", p->hp_nops[f] == 0 ? " (no ops)" : "");
	}
}

/* --fuzz-input: the input decoded onto the fuzz machine, as its target did */
static int
fuzz_setup(char *err, size_t errlen)
{
	FILE *f = fopen(opt.file, "rb");
	size_t cap = 1 << 20;

	if (f == NULL) {
		(void) snprintf(err, errlen, "cannot read it: %s",
		    strerror(errno));
		return (-1);
	}
	fuzz_bytes = malloc(cap);
	fuzz_len = fread(fuzz_bytes, 1, cap, f);
	fclose(f);
	memset(&rep, 0, sizeof (rep));
	(void) snprintf(rep.r_core, sizeof (rep.r_core), "%s", HTBED_CORE);
	hb_fuzz_config(&rep.r_cfg);
	hb_fuzz_params(&rep.r_sp, NULL, 0);
	if (strcmp(opt.fuzz_input, "ops") == 0)
		(void) hb_fuzz_decode_ops(fuzz_bytes, fuzz_len, &rep.r_prog);
	else
		(void) hb_fuzz_decode(fuzz_bytes, fuzz_len, &rep.r_prog,
		    &rep.r_sp.sp_bytes, &rep.r_sp.sp_nbytes);
	printf("htreplay: %s: an htfuzz_%s input of %zu bytes: %d fiber%s, "
	    "%d ops, %zu schedule bytes, %s, walkers %s\n", opt.file,
	    opt.fuzz_input, fuzz_len, rep.r_prog.hp_nfibers,
	    rep.r_prog.hp_nfibers > 1 ? "s" : "", hb_program_ops(&rep.r_prog),
	    rep.r_sp.sp_nbytes, rep.r_prog.hp_windows ? "windows" : "kpm",
	    rep.r_prog.hp_no_walkers ? "idle" : "running");
	print_program(&rep.r_prog);
	return (0);
}

int
main(int argc, char **argv)
{
	char err[300];
	int rc;

	parse_args(argc, argv);
	rc = opt.fuzz_input != NULL ? fuzz_setup(err, sizeof (err)) :
	    hb_repro_read(opt.file, &rep, err, sizeof (err));
	if (rc != 0) {
		fprintf(stderr, "htreplay: %s: %s%s\n", opt.file, err,
		    strstr(err, "not an htbed reproducer") ? " (a fuzz input? "
		    "use --fuzz-input[=ops])" : "");
		return (2);
	}
	if (rep.r_prog.hp_access && !HTBED_ACCESS_SEAMS) {
		fprintf(stderr, "htreplay: %s: recorded with access seams; "
		    "this build has none: make SEAMS=access replay CRASH=%s\n",
		    opt.file, opt.file);
		return (2);
	}
	if (rep.r_access_code != 0 && rep.r_access_code != access_code_hash()) {
		fprintf(stderr, "htreplay: %s: its access seams are another "
		    "build's (access_code 0x%016llx, this build's 0x%016llx: "
		    "another VARIANT, sanitizer or fuzz build, or another "
		    "core); replay it with the htreplay beside the program "
		    "that wrote it\n", opt.file,
		    (unsigned long long)rep.r_access_code,
		    (unsigned long long)access_code_hash());
		return (2);
	}
	if (opt.minimize != NULL)
		return (opt.fuzz_input != NULL ?
		    minimize_fuzz(&rep, opt.minimize, opt.quiet) :
		    minimize(&rep, opt.minimize, opt.quiet));
	return (replay());
}
