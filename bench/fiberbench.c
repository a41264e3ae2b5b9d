/*
 * fiberbench: fiber switches per second (htbed/fiber.h), and the same with
 * swapcontext(3), which makes a sigprocmask system call per switch.
 *
 *	fiberbench [seconds]		(default 1 per measurement)
 *
 * A ring of n contexts passes control around: n = 2 is a ping-pong, n = 4
 * a round robin.  Every member switches to the next one forever; the
 * leader counts its rounds (n switches each), reads CLOCK_MONOTONIC every
 * BATCH rounds, and returns to the thread when the time is up.  Built by
 * `make $(B)/fiberbench' (bench/bench.mk).
 */
#define	_GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <ucontext.h>

#include "htbed/fiber.h"
#include "htbed/sanitizer.h"

#define	MAXRING		4
#define	BATCH		4096		/* rounds between clock reads */
#define	UC_STACK	(64 * 1024)

struct ring {
	int		r_n;
	uint64_t	r_ns;		/* how long to run */
	uint64_t	r_rounds;
	uint64_t	r_elapsed;	/* ns */
	fiber_t		*r_fib[MAXRING];
	ucontext_t	r_uc[MAXRING + 1];	/* [MAXRING]: the thread's */
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
}

static double
rate(const struct ring *r)
{
	return ((double)r->r_rounds * r->r_n * 1e9 / (double)r->r_elapsed);
}

/* ---- fibers ---- */

static void
fiber_member(void *arg)
{
	fiber_t *next = arg;

	for (;;)
		fiber_switch(next);
}

static void
fiber_leader(void *arg)
{
	struct ring *r = arg;
	fiber_t *next = r->r_fib[1];
	uint64_t start = now_ns(), i;

	do {
		for (i = 0; i < BATCH; i++)
			fiber_switch(next);
		r->r_rounds += BATCH;
		r->r_elapsed = now_ns() - start;
	} while (r->r_elapsed < r->r_ns);
}

static double
fiber_ring(int n, uint64_t ns)
{
	struct ring r = { .r_n = n, .r_ns = ns };
	fiber_t *self = fiber_self();
	int i;

	for (i = 0; i < n; i++)
		r.r_fib[i] = fiber_create(0, "bench");
	fiber_start(r.r_fib[0], fiber_leader, &r, self);
	for (i = 1; i < n; i++)
		fiber_start(r.r_fib[i], fiber_member, r.r_fib[(i + 1) % n],
		    self);
	fiber_switch(r.r_fib[0]);
	for (i = 0; i < n; i++)
		fiber_destroy(r.r_fib[i]);
	return (rate(&r));
}

/* ---- swapcontext (not under a sanitizer, which cannot follow it) ---- */

#if !defined(HTBED_TSAN) && !defined(HTBED_ASAN)
#define	MEASURE_UC	1

static struct ring *uc_ring;

static void
uc_member(int i)
{
	struct ring *r = uc_ring;

	for (;;)
		(void) swapcontext(&r->r_uc[i], &r->r_uc[(i + 1) % r->r_n]);
}

static void
uc_leader(void)
{
	struct ring *r = uc_ring;
	uint64_t start = now_ns(), i;

	do {
		for (i = 0; i < BATCH; i++)
			(void) swapcontext(&r->r_uc[0], &r->r_uc[1]);
		r->r_rounds += BATCH;
		r->r_elapsed = now_ns() - start;
	} while (r->r_elapsed < r->r_ns);
}

/* context i of the ring (a function of its own: getcontext returns twice) */
static void
uc_make(struct ring *r, int i, char *stack)
{
	ucontext_t *uc = &r->r_uc[i];

	(void) getcontext(uc);
	uc->uc_stack.ss_sp = stack;
	uc->uc_stack.ss_size = UC_STACK;
	uc->uc_link = &r->r_uc[MAXRING];
	if (i == 0)
		makecontext(uc, uc_leader, 0);
	else
		makecontext(uc, (void (*)(void))uc_member, 1, i);
}

static double
uc_ring_rate(int n, uint64_t ns)
{
	static struct ring r;
	char *stacks = malloc((size_t)n * UC_STACK);
	int i;

	if (stacks == NULL)
		abort();
	r.r_n = n;
	r.r_ns = ns;
	r.r_rounds = 0;
	uc_ring = &r;
	for (i = 0; i < n; i++)
		uc_make(&r, i, stacks + (size_t)i * UC_STACK);
	(void) swapcontext(&r.r_uc[MAXRING], &r.r_uc[0]);
	free(stacks);
	return (rate(&r));
}
#endif

int
main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0;
	uint64_t ns = (uint64_t)(secs * 1e9);
	double pp, rr;

	if (argc > 2 || secs <= 0) {
		(void) fprintf(stderr, "usage: fiberbench [seconds]\n");
		return (2);
	}
	pp = fiber_ring(2, ns);
	rr = fiber_ring(4, ns);
	(void) printf("fiber switches/s: ping-pong 2 fibers %.0f, "
	    "round robin 4 fibers %.0f\n", pp, rr);
#ifdef MEASURE_UC
	pp = uc_ring_rate(2, ns);
	rr = uc_ring_rate(4, ns);
	(void) printf("swapcontext switches/s: ping-pong 2 contexts %.0f, "
	    "round robin 4 contexts %.0f\n", pp, rr);
#endif
	return (0);
}
