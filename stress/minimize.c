/*
 * Shrinking a reproducer while its failure signature (kind and location)
 * stays the same: fewer fibers, fewer ops, fewer preemptions.
 *
 * Every candidate runs in a child process that boots its own machine and
 * replays the candidate guided by the best run's switches (the decisions
 * that were not the default), each anchored at its fiber's own point
 * (strategy.h): where one no longer fits (an op was removed, its target
 * cannot run), the scheduler takes the default, and dropping a preemption
 * leaves the others at their places in their fibers' code.  (Guided by
 * decision index instead, every decision after a dropped preemption moved
 * to another place: with access seams, runs of thousands of preemptions
 * kept a thousand.)  A child that fails with the same signature writes the
 * reproducer of the run it made -- an exact schedule again -- and its
 * switches; that becomes the new best.  Passes repeat until none makes
 * progress:
 *   1. empty whole fibers, last first;
 *   2. remove runs of ops from each fiber, halving the run length;
 *   3. drop preemptions: all of them, then, by halves, quarters, ...
 *      one, all but one chunk, else one chunk at a time;
 *   4. search the (now small) program systematically for a schedule with
 *      fewer preemptions: bounded search with bound 0, 1, ... in a child,
 *      which stops at the first run that fails the same way.
 * A fuzz input is first run as the fuzz target ran it, in a child; its
 * failure, and the reproducer of that run, are what is then minimized.
 */
#define	_GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "htbed/host.h"
#include "harness.h"
#include "minimize.h"
#include "repro.h"

#define	MAX_TRIES	3000

static struct {
	struct hb_repro	best;
	struct sched_switch *sw;	/* the best run's switches, in the
					 * order of its decisions */
	size_t		nsw;
	size_t		npre;		/* of them, preemptions */
	uint64_t	steps;
	int		tries;
	char		tmp[64];
	char		sig[256];
	const struct sched_params *orig_sp;
} M;

/*
 * ------------------------------------------------------------------------
 * The child: boot, replay the candidate, report a failure
 * ------------------------------------------------------------------------
 */
static struct hb_config child_cfg;

static void
child_on_bug(const char *kind, const char *where)
{
	char info[80];
	const struct sched_switch *sw;
	size_t n, npre, i;
	FILE *f;

	(void) hb_repro_save_run(M.tmp, &child_cfg, M.orig_sp, kind, where);
	(void) snprintf(info, sizeof (info), "%s.info", M.tmp);
	sw = hb_ctl_switches(&n, &npre);
	if ((f = fopen(info, "w")) == NULL)
		return;
	fprintf(f, "%" PRIu64 " %zu\n", hb_ctl_steps(), n);
	for (i = 0; i < n; i++)
		fprintf(f, "%u %" PRIu64 " %u %u\n", sw[i].sw_fiber,
		    sw[i].sw_point, sw[i].sw_target, sw[i].sw_preempt);
	fclose(f);
}

/*
 * Replay c guided by the switches sw (in (fiber, point) order), or by its
 * own schedule if sw is NULL; or, with bound >= 0, search its program's
 * schedules with at most `bound' preemptions, BOUNDED_RUNS at most; or
 * (AS_RECORDED) run it with its own strategy (a fuzz input's bytes).
 * Either way the first failure ends the child (child_on_bug).
 */
#define	BOUNDED_RUNS	4000
#define	AS_RECORDED	(-2)	/* bound: the candidate's own strategy */

static void
child_run(const struct hb_repro *c, int bound, const struct sched_switch *sw,
    size_t nsw)
{
	struct sched_params sp = c->r_sp;
	struct strategy *st;
	struct hb_run r;
	int fd = open("/dev/null", O_WRONLY), n = 0;

	(void) dup2(fd, 1);
	(void) dup2(fd, 2);
	child_cfg = c->r_cfg;
	child_cfg.hc_outdir = "/tmp";
	child_cfg.hc_on_bug = child_on_bug;
	child_cfg.hc_fail_on_known = 1;	/* a known failure is kept too */
	child_cfg.hc_repeat = "";
	hb_repro_reserve(hb_ctl_max_decisions(&sp, c->r_prog.hp_access));
	if (bound != AS_RECORDED)
		sp.sp_kind = bound < 0 ? SK_REPLAY : SK_BOUNDED;
	sp.sp_bound = bound;
	sp.sp_guided = 1;
	sp.sp_choices = c->r_choices;
	sp.sp_nchoices = c->r_nchoices;
	sp.sp_switches = bound < 0 ? sw : NULL;
	sp.sp_nswitches = bound < 0 ? nsw : 0;
	if (hb_ctl_init(&child_cfg) != 0)
		_exit(2);
	st = strategy_new(&sp);
	do {
		hb_ctl_run(&c->r_prog, st, &sp, &r);
	} while (bound >= 0 && strategy_end(st, r.hr_steps) &&
	    ++n < BOUNDED_RUNS);
	_exit(0);
}

/*
 * ------------------------------------------------------------------------
 * The parent: candidates in, verdicts out
 * ------------------------------------------------------------------------
 */
static int
read_switch(FILE *f, struct sched_switch *sw)
{
	unsigned fiber, target, preempt;

	if (fscanf(f, "%u %" SCNu64 " %u %u", &fiber, &sw->sw_point,
	    &target, &preempt) != 4 ||
	    fiber > SCHED_MAIN || target >= SCHED_MAX_FIBERS || preempt > 1)
		return (-1);
	sw->sw_fiber = (uint8_t)fiber;
	sw->sw_target = (uint8_t)target;
	sw->sw_preempt = (uint8_t)preempt;
	return (0);
}

/* the child's run: its switches, how many were preemptions, its steps */
static int
read_info(struct sched_switch **sw, size_t *nsw, size_t *npre,
    uint64_t *steps)
{
	char info[80];
	size_t i;
	FILE *f;
	int ok;

	(void) snprintf(info, sizeof (info), "%s.info", M.tmp);
	if ((f = fopen(info, "r")) == NULL)
		return (-1);
	ok = fscanf(f, "%" SCNu64 " %zu", steps, nsw) == 2;
	*sw = ok ? calloc(*nsw + 1, sizeof (**sw)) : NULL;
	*npre = 0;
	for (i = 0; ok && i < *nsw; i++) {
		ok = read_switch(f, &(*sw)[i]) == 0;
		*npre += ok && (*sw)[i].sw_preempt;
	}
	fclose(f);
	(void) unlink(info);
	if (!ok)
		free(*sw);
	return (ok ? 0 : -1);
}

static int
active_fibers(const struct hb_program *p)
{
	int i, n = 0;

	for (i = 0; i < p->hp_nfibers; i++)
		n += p->hp_nops[i] > 0;
	return (n);
}

/* smaller: fewer fibers, else fewer ops, else fewer preemptions, steps */
static int
smaller(const struct hb_repro *r, size_t npre, uint64_t steps)
{
	int f = active_fibers(&r->r_prog), bf = active_fibers(&M.best.r_prog);
	int n = hb_program_ops(&r->r_prog), bn = hb_program_ops(&M.best.r_prog);

	if (M.steps == 0 || f != bf)
		return (M.steps == 0 || f < bf);
	if (n != bn)
		return (n < bn);
	if (npre != M.npre)
		return (npre < M.npre);
	return (steps < M.steps);
}

/*
 * Run c (replayed, or searched with a preemption bound); if it fails as
 * the original did and its run is smaller than the best's, it becomes the
 * best.
 */
static int
try_run(const struct hb_repro *c, int bound, const struct sched_switch *sw,
    size_t nsw)
{
	struct hb_repro got;
	char err[200];
	struct sched_switch *gsw;
	size_t gnsw, npre;
	uint64_t steps;
	pid_t pid;
	int status;

	if (M.tries++ >= MAX_TRIES)
		return (0);
	(void) unlink(M.tmp);
	fflush(NULL);
	if ((pid = fork()) == 0)
		child_run(c, bound, sw, nsw);
	if (pid < 0 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 1)
		return (0);
	if (hb_repro_read(M.tmp, &got, err, sizeof (err)) != 0)
		return (0);
	if (M.sig[0] == '\0')	/* converting a fuzz input: its failure */
		(void) snprintf(M.sig, sizeof (M.sig), "%s", got.r_failure);
	if (strcmp(got.r_failure, M.sig) != 0 ||
	    read_info(&gsw, &gnsw, &npre, &steps) != 0) {
		hb_repro_free(&got);
		return (0);
	}
	if (!smaller(&got, npre, steps)) {
		hb_repro_free(&got);
		free(gsw);
		return (0);
	}
	hb_repro_free(&M.best);
	free(M.sw);
	M.best = got;
	M.sw = gsw;
	M.nsw = gnsw;
	M.npre = npre;
	M.steps = steps;
	return (1);
}

/*
 * Replay c guided by the best run's switches, less the preemptions
 * numbered [from, from + n) in the order of the run (inside = 1) or all
 * but those (inside = 0).
 */
static int
try_anchored(const struct hb_repro *c, size_t from, size_t n, int inside)
{
	struct sched_switch *sw = calloc(M.nsw + 1, sizeof (*sw));
	size_t i, k = 0, p = 0;
	int ok;

	if (sw == NULL) {
		fprintf(stderr, "htreplay: out of memory\n");
		exit(2);
	}
	for (i = 0; i < M.nsw; i++) {
		if (M.sw[i].sw_preempt && (p >= from && p < from + n) == inside) {
			p++;
			continue;
		}
		p += M.sw[i].sw_preempt;
		sw[k++] = M.sw[i];
	}
	qsort(sw, k, sizeof (*sw), sched_switch_cmp);
	ok = try_run(c, -1, sw, k);
	free(sw);
	return (ok);
}

static int
try_candidate(const struct hb_repro *c)
{
	return (try_anchored(c, 0, 0, 1));
}

/* a schedule of the best program with fewer preemptions, if one fails */
static int
pass_search(void)
{
	int b;

	for (b = 0; (size_t)b < M.npre && M.tries < MAX_TRIES; b++) {
		if (try_run(&M.best, b, NULL, 0))
			return (1);
	}
	return (0);
}

/* a copy of r, with its own schedule */
static void
copy_repro(struct hb_repro *c, const struct hb_repro *r)
{
	*c = *r;
	c->r_choices = malloc(r->r_nchoices + 1);
	if (c->r_choices == NULL) {
		fprintf(stderr, "htreplay: out of memory\n");
		exit(2);
	}
	memcpy(c->r_choices, r->r_choices, r->r_nchoices);
}

static void
candidate(struct hb_repro *c)
{
	copy_repro(c, &M.best);
}

static int
pass_fibers(void)
{
	struct hb_repro c;
	int f, progress = 0;

	for (f = M.best.r_prog.hp_nfibers - 1; f >= 0; f--) {
		if (M.best.r_prog.hp_nops[f] == 0)
			continue;
		candidate(&c);
		c.r_prog.hp_nops[f] = 0;
		while (c.r_prog.hp_nfibers > 1 &&
		    c.r_prog.hp_nops[c.r_prog.hp_nfibers - 1] == 0)
			c.r_prog.hp_nfibers--;
		progress |= try_candidate(&c);
		free(c.r_choices);
	}
	return (progress);
}

static void
remove_ops(struct hb_program *p, int f, int at, int n)
{
	memmove(&p->hp_ops[f][at], &p->hp_ops[f][at + n],
	    sizeof (hb_op_t) * (size_t)(p->hp_nops[f] - at - n));
	p->hp_nops[f] -= n;
}

static int
pass_ops(void)
{
	struct hb_repro c;
	int f, chunk, at, progress = 0;

	for (f = 0; f < M.best.r_prog.hp_nfibers; f++) {
		for (chunk = M.best.r_prog.hp_nops[f] / 2; chunk >= 1;
		    chunk /= 2) {
			for (at = 0; at + chunk <= M.best.r_prog.hp_nops[f];
			    at += chunk) {
				candidate(&c);
				remove_ops(&c.r_prog, f, at, chunk);
				if (try_candidate(&c)) {
					progress = 1;
					at -= chunk;
				}
				free(c.r_choices);
			}
		}
	}
	return (progress);
}

/*
 * Delta debugging over the preemptions: at each chunk size, keep one
 * chunk alone (a failure that needs a few preemptions close together
 * -- a run with access seams has thousands -- shrinks to one chunk in
 * a step; then start over at the chunk size of the new list), then drop
 * one chunk at a time.  A success replaces the list of preemptions with
 * the child's run's; anchored, those before the dropped chunk are the
 * ones already found needed, so the sweep goes on where it was.
 */
static int
pass_preemptions(void)
{
	size_t chunk, at;
	int progress = 0, kept;

	if (M.npre == 0)
		return (0);
	if (try_anchored(&M.best, 0, M.npre, 1))
		return (1);
	for (chunk = M.npre / 2; chunk >= 1 && M.tries < MAX_TRIES;
	    chunk /= 2) {
		kept = 0;
		for (at = 0; chunk > 1 && at < M.npre && !kept &&
		    M.tries < MAX_TRIES; at += chunk)
			kept = try_anchored(&M.best, at, chunk, 0);
		if (kept) {
			progress = 1;
			chunk = M.npre;	/* halved at the loop's end */
			continue;
		}
		at = 0;
		while (at < M.npre && M.tries < MAX_TRIES) {
			if (try_anchored(&M.best, at, chunk, 1))
				progress = 1;
			else
				at += chunk;
		}
	}
	return (progress);
}

static void
describe(const char *when, FILE *f)
{
	fprintf(f, "htreplay: %-6s %d fibers with ops, %d ops, %zu "
	    "preemptions, %zu decisions, %" PRIu64 " steps\n", when,
	    active_fibers(&M.best.r_prog), hb_program_ops(&M.best.r_prog),
	    M.npre, M.best.r_nchoices, M.steps);
}

static int
minimize_best(const char *out, int quiet)
{
	int progress;

	describe("before", stderr);
	do {
		progress = pass_fibers();
		progress |= pass_ops();
		progress |= pass_preemptions();
		if (!progress)
			progress = pass_search();
		if (!quiet)
			describe("now", stderr);
	} while (progress && M.tries < MAX_TRIES);
	(void) unlink(M.tmp);
	hb_repro_reserve(M.best.r_nchoices);
	if (hb_repro_write(out, &M.best) != 0) {
		fprintf(stderr, "htreplay: cannot write %s\n", out);
		return (2);
	}
	describe("after", stdout);
	printf("htreplay: %d candidates tried; minimized reproducer (%s) "
	    "written to %s\n", M.tries, M.sig, out);
	return (0);
}

static void
minimize_begin(const struct hb_repro *in)
{
	(void) snprintf(M.tmp, sizeof (M.tmp), "/tmp/htbed-min-%d.txt",
	    (int)getpid());
	(void) snprintf(M.sig, sizeof (M.sig), "%s", in->r_failure);
	M.orig_sp = &in->r_sp;
	copy_repro(&M.best, in);
}

int
minimize(const struct hb_repro *in, const char *out, int quiet)
{
	minimize_begin(in);
	if (in->r_failure[0] == '\0' || !try_run(&M.best, -1, NULL, 0)) {
		fprintf(stderr, "htreplay: the reproducer does not fail as "
		    "recorded (%s); nothing to minimize\n",
		    in->r_failure[0] ? in->r_failure : "no failure recorded");
		return (2);
	}
	return (minimize_best(out, quiet));
}

int
minimize_fuzz(const struct hb_repro *in, const char *out, int quiet)
{
	minimize_begin(in);
	if (!try_run(&M.best, AS_RECORDED, NULL, 0)) {
		fprintf(stderr, "htreplay: the fuzz input finds no bug; nothing "
		    "to minimize\n");
		return (2);
	}
	fprintf(stderr, "htreplay: the fuzz input fails: %s\n", M.sig);
	return (minimize_best(out, quiet));
}
