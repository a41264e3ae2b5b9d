/*
 * Scheduling strategies of controlled mode: at a decision point, which of
 * the runnable fibers runs next.  All of them are deterministic functions
 * of their parameters and of what they were shown.
 *
 *  random   uniform over the runnable fibers, at every point; at an
 *           access seam (a plain load or store, shim/testing/access.c)
 *           only once in about `stride' points, the running fiber going
 *           on otherwise: a run has some ten times as many access seams
 *           as others, and a uniform choice at every one never leaves a
 *           fiber stopped between two of its accesses while another runs
 *           the hundred accesses of a whole operation.  For the same
 *           reason a fiber switched away from at an access seam is
 *           parked: left out of the choices for the next 1 to
 *           2^PARK_BITS points, log-uniform (unless nothing else can
 *           run, or the point is a spin), so that the uniform choices at
 *           the others' sync seams do not bring it straight back.
 *  pct      Probabilistic Concurrency Testing (Burckhardt et al., ASPLOS
 *           2010): distinct random priorities, the highest runnable runs;
 *           at d-1 random steps of the expected k the running fiber drops
 *           below every other.  A bug of depth d is found with probability
 *           at least 1/(n k^(d-1)) per run.  k counts every decision
 *           point, access seams too: a change point is as likely to fall
 *           between two plain accesses as anywhere, and k, learned from
 *           the runs, is ten times larger with them.
 *  bounded  depth-first over all schedules with at most `bound'
 *           preemptions (switching away from a fiber that could go on);
 *           one schedule per run until none is left.
 *  bytes    the input is a bit string, a bit per decision point (repeated
 *           when it runs out): 0 the default, 1 a switch to the next
 *           runnable fiber.  With access seams (sp_gaps) it is a list of
 *           gaps instead, repeated: after that many decision points, a
 *           switch (see next_gap()).  Every byte string is a valid
 *           schedule, and a small change of the input a small change of
 *           the schedule.
 *  replay   the choices recorded in an earlier run: one per decision
 *           point, in order; or (sp_switches) only the decisions that
 *           were not the default, each anchored at its fiber's own point
 *           (strategy.h), the default everywhere else.  The minimizer
 *           replays anchored: dropping one preemption then leaves the
 *           others where they were in their fibers' code.
 *
 * Spin points (a fiber waiting for another to act) always give way: to a
 * random other fiber (random), by dropping the spinner's priority (pct),
 * or as a free switch (bounded, bytes).  Otherwise a strategy that keeps
 * the spinner running would turn a wait into a livelock.
 */
#include <sys/types.h>
#include <htbed/sched.h>
#include <htbed/shim.h>

#define	MAX_DEPTH	8
#define	PARK_BITS	8		/* random: parked <= 2^PARK_BITS points */
#define	BOUNDED_MAX	(1u << 20)	/* decision points a path may have */

struct strategy {
	struct sched_params st_p;
	int		st_kind;
	uint64_t	st_rng;
	int		st_nfibers;
	/* random: the first step at which each fiber is no longer parked */
	uint64_t	st_park[SCHED_MAX_FIBERS];
	/* pct */
	int		st_prio[SCHED_MAX_FIBERS];
	uint64_t	st_change[MAX_DEPTH];	/* ascending */
	int		st_nchange, st_fired;
	int		st_low;		/* next priority given at a change */
	/* bytes, replay */
	size_t		st_pos;
	/* anchored replay: each fiber's switches, next one first */
	size_t		st_sw[SCHED_MAX_FIBERS + 1], st_sw_end[SCHED_MAX_FIBERS + 1];
	uint64_t	st_gap;		/* bytes with gaps: points to go */
	/* bounded: the current path, one entry per decision point */
	struct bpoint	*st_path;
	size_t		st_depth;	/* points on the path this run */
	size_t		st_plan;	/* points replayed from the last path */
};

struct bpoint {
	uint32_t	bp_runnable;
	uint32_t	bp_tried;	/* choices explored here, this one too */
	uint8_t		bp_choice;
	int8_t		bp_cur;		/* -1: the runner could not go on */
	uint8_t		bp_pre;		/* preemptions before this point */
};

static const char *const kind_name[SK_NKINDS] = {
	[SK_RANDOM] = "random", [SK_PCT] = "pct", [SK_BOUNDED] = "bounded",
	[SK_BYTES] = "bytes", [SK_REPLAY] = "replay",
};

const char *
strategy_name(int kind)
{
	return (kind >= 0 && kind < SK_NKINDS ? kind_name[kind] : "?");
}

int
strategy_by_name(const char *name)
{
	int k;

	for (k = 0; k < SK_NKINDS; k++) {
		if (__builtin_strcmp(name, kind_name[k]) == 0)
			return (k);
	}
	return (-1);
}

static uint64_t
rng_next(uint64_t *s)
{
	uint64_t x = (*s += 0x9e3779b97f4a7c15ull);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return (x ^ (x >> 31));
}

static int
popcount(uint32_t m)
{
	return (__builtin_popcount(m));
}

/* the i-th (from 0) set bit of m */
static int
nth_bit(uint32_t m, int i)
{
	while (i-- > 0)
		m &= m - 1;
	return (__builtin_ctz(m));
}

/* the first runnable fiber after cur, round robin */
static int
next_after(uint32_t m, int cur)
{
	uint32_t above;

	if (cur < 0)
		return (__builtin_ctz(m));
	above = m & ~((2u << cur) - 1);
	return (__builtin_ctz(above != 0 ? above : m));
}

/* without a reason to switch, a running fiber goes on */
static int
keep_running(const struct sched_view *v)
{
	return (v->sv_cur >= 0 && (v->sv_runnable & (1u << v->sv_cur)) &&
	    !SEAM_IS_SPIN(v->sv_ev));
}

/*
 * The default choice: the running fiber goes on; if it cannot, the next
 * runnable one after it, round robin, so that every fiber gets its turn
 * (always the lowest would starve the others behind a spinning one).
 */
static int
default_choice(const struct sched_view *v)
{
	return (keep_running(v) ? v->sv_cur : next_after(v->sv_runnable,
	    v->sv_prev));
}

int
strategy_default(const struct sched_view *v)
{
	return (default_choice(v));
}

static int
is_access(int ev)
{
	return (ev == EV_LOAD || ev == EV_STORE);
}

/* a random fiber of mask m, the running one left out if it spins */
static int
pick_in(struct strategy *st, const struct sched_view *v, uint32_t m)
{
	if (SEAM_IS_SPIN(v->sv_ev) && v->sv_cur >= 0 &&
	    popcount(m) > 1)
		m &= ~(1u << v->sv_cur);
	return (nth_bit(m, (int)(rng_next(&st->st_rng) %
	    (uint64_t)popcount(m))));
}

/* any runnable fiber alike, a spinner excepted */
static int
pick_uniform(struct strategy *st, const struct sched_view *v)
{
	return (pick_in(st, v, v->sv_runnable));
}

/* the runnable fibers not parked at this point; all of them if none */
static uint32_t
unparked(const struct strategy *st, const struct sched_view *v)
{
	uint32_t m = v->sv_runnable, free = m;
	int f;

	if (SEAM_IS_SPIN(v->sv_ev))
		return (m);
	for (f = 0; f < st->st_nfibers; f++)
		if (st->st_park[f] > v->sv_step)
			free &= ~(1u << f);
	return (free != 0 ? free : m);
}

/* 1 to 2^PARK_BITS points: up to 2^(e+1), each e < PARK_BITS alike */
static uint64_t
park_len(struct strategy *st)
{
	uint64_t r = rng_next(&st->st_rng);

	return (1 + r % (2ull << ((r >> 59) % PARK_BITS)));
}

static int
pick_random(struct strategy *st, const struct sched_view *v)
{
	uint32_t m;
	int cur = v->sv_cur;

	if (!is_access(v->sv_ev) || st->st_p.sp_stride <= 1 ||
	    !keep_running(v))
		return (pick_in(st, v, unparked(st, v)));
	if (rng_next(&st->st_rng) % st->st_p.sp_stride != 0)
		return (cur);
	m = unparked(st, v) & ~(1u << cur);
	if (m == 0)
		return (cur);
	st->st_park[cur] = v->sv_step + 1 + park_len(st);
	return (pick_in(st, v, m));
}

static void
pct_begin(struct strategy *st)
{
	uint64_t k = st->st_p.sp_pct_steps ? st->st_p.sp_pct_steps : 1;
	int d = st->st_p.sp_pct_depth, n = st->st_nfibers, i, j, t;

	d = d < 1 ? 1 : d > MAX_DEPTH ? MAX_DEPTH : d;
	for (i = 0; i < n; i++)
		st->st_prio[i] = d + i;
	for (i = n - 1; i > 0; i--) {		/* Fisher-Yates */
		j = (int)(rng_next(&st->st_rng) % (uint64_t)(i + 1));
		t = st->st_prio[i];
		st->st_prio[i] = st->st_prio[j];
		st->st_prio[j] = t;
	}
	st->st_nchange = d - 1;
	for (i = 0; i < st->st_nchange; i++)
		st->st_change[i] = 1 + rng_next(&st->st_rng) % k;
	for (i = 1; i < st->st_nchange; i++) {	/* ascending */
		for (j = i; j > 0 && st->st_change[j - 1] > st->st_change[j];
		    j--) {
			uint64_t c = st->st_change[j];

			st->st_change[j] = st->st_change[j - 1];
			st->st_change[j - 1] = c;
		}
	}
	st->st_fired = 0;
	st->st_low = d - 1;
}

static int
pick_pct(struct strategy *st, const struct sched_view *v)
{
	int i, best = -1;

	/* a change point falls due at the first decision point at or after it */
	while (st->st_fired < st->st_nchange &&
	    st->st_change[st->st_fired] <= v->sv_step) {
		if (v->sv_cur >= 0)
			st->st_prio[v->sv_cur] = st->st_low--;
		st->st_fired++;
	}
	if (SEAM_IS_SPIN(v->sv_ev) && v->sv_cur >= 0)
		st->st_prio[v->sv_cur] = -(int)(v->sv_step & 0x3fffffff) - 1;
	for (i = 0; i < v->sv_nfibers; i++) {
		if ((v->sv_runnable & (1u << i)) &&
		    (best < 0 || st->st_prio[i] > st->st_prio[best]))
			best = i;
	}
	return (best);
}

/*
 * The next gap of a gap list, read round and round (0: an empty list, no
 * preemption): a byte b below 0x80 is a gap of 1 + b points, one of 0x80
 * or more and the byte after it 1 + ((b & 0x7f) << 8 | next), up to
 * 32768 -- dense preemptions and sparse ones in one encoding.
 */
static uint64_t
next_gap(struct strategy *st)
{
	const uint8_t *b = st->st_p.sp_bytes;
	size_t n = st->st_p.sp_nbytes, i = st->st_pos % (n ? n : 1);
	uint64_t g;

	if (n == 0)
		return (0);
	g = b[i];
	st->st_pos = i + 1;
	if (g >= 0x80 && i + 1 < n) {
		g = ((g & 0x7f) << 8) | b[i + 1];
		st->st_pos = i + 2;
	}
	return (1 + g);
}

static int
pick_gaps(struct strategy *st, const struct sched_view *v)
{
	int from;

	if (st->st_gap == 0 || --st->st_gap != 0)
		return (default_choice(v));
	st->st_gap = next_gap(st);
	from = v->sv_cur >= 0 ? v->sv_cur : v->sv_prev;
	return (next_after(v->sv_runnable, from));
}

/*
 * Lend the scheduler up to max decision points at which this strategy
 * would take the default, as if it had been asked at each; returns how
 * many (0: it cannot tell without being asked).  A gap list can: the
 * points before its next switch are known.  strategy_unlend() takes back
 * the points not used.
 */
uint64_t
strategy_lend(struct strategy *st, uint64_t max)
{
	uint64_t n;

	if (st->st_kind != SK_BYTES || !st->st_p.sp_gaps)
		return (0);
	if (st->st_gap == 0)	/* an empty list: never a switch */
		return (max);
	n = st->st_gap - 1 < max ? st->st_gap - 1 : max;
	st->st_gap -= n;
	return (n);
}

void
strategy_unlend(struct strategy *st, uint64_t unused)
{
	if (st->st_gap != 0)
		st->st_gap += unused;
}

/*
 * Bytes: the input is a bit string, one bit per decision point, read
 * from the first byte's low bit on and repeated when it runs out: 0 takes
 * the default, 1 switches to the next runnable fiber after the running
 * one.  A one-byte input is a periodic schedule; flipping a bit moves one
 * preemption.
 */
static int
pick_bytes(struct strategy *st, const struct sched_view *v)
{
	size_t n = st->st_p.sp_nbytes, bit;
	int from;

	if (st->st_p.sp_gaps)
		return (pick_gaps(st, v));
	if (n == 0)
		return (default_choice(v));
	bit = st->st_pos++ % (n * 8);
	if (!(st->st_p.sp_bytes[bit / 8] & (1u << (bit % 8))))
		return (default_choice(v));
	from = v->sv_cur >= 0 ? v->sv_cur : v->sv_prev;
	return (next_after(v->sv_runnable, from));
}

/* in (fiber, point) order */
int
sched_switch_cmp(const void *a, const void *b)
{
	const struct sched_switch *x = a, *y = b;

	if (x->sw_fiber != y->sw_fiber)
		return (x->sw_fiber < y->sw_fiber ? -1 : 1);
	return (x->sw_point < y->sw_point ? -1 : x->sw_point > y->sw_point);
}

/* each fiber's range of the (sorted) switches */
static void
anchored_begin(struct strategy *st)
{
	const struct sched_switch *sw = st->st_p.sp_switches;
	size_t i, n = st->st_p.sp_nswitches;
	int f;

	for (f = 0, i = 0; f <= SCHED_MAX_FIBERS; f++) {
		st->st_sw[f] = i;
		while (i < n && sw[i].sw_fiber == f)
			i++;
		st->st_sw_end[f] = i;
	}
}

static int
pick_anchored(struct strategy *st, const struct sched_view *v)
{
	const struct sched_switch *sw = st->st_p.sp_switches;
	size_t *i = &st->st_sw[v->sv_anchor];
	size_t end = st->st_sw_end[v->sv_anchor];

	while (*i < end && sw[*i].sw_point < v->sv_point)
		(*i)++;
	if (*i < end && sw[*i].sw_point == v->sv_point &&
	    (v->sv_runnable & (1u << sw[*i].sw_target)))
		return (sw[*i].sw_target);
	return (default_choice(v));
}

static int
pick_replay(struct strategy *st, const struct sched_view *v)
{
	int c;

	if (st->st_p.sp_switches != NULL)
		return (pick_anchored(st, v));
	if (st->st_pos >= st->st_p.sp_nchoices) {
		if (!st->st_p.sp_guided)
			htbed_internal_error("replay diverged: the recorded "
			    "schedule has %zu choices, the run needs more",
			    st->st_p.sp_nchoices);
		return (default_choice(v));
	}
	c = st->st_p.sp_choices[st->st_pos++];
	if (c < v->sv_nfibers && (v->sv_runnable & (1u << c)))
		return (c);
	if (!st->st_p.sp_guided)
		htbed_internal_error("replay diverged at decision %zu: "
		    "fiber %d is not runnable", st->st_pos - 1, c);
	return (default_choice(v));
}

/*
 * Bounded: at a point, the default is to keep running (or, when that is
 * not possible, the next fiber round robin).  A run replays the first
 * st_plan points of the previous path and takes the default after them;
 * strategy_end() then backtracks to the deepest point that has an untried
 * choice within the preemption bound.
 */
static int
preempts(const struct bpoint *bp, int c)
{
	return (bp->bp_cur >= 0 && c != bp->bp_cur);
}

static int
pick_bounded(struct strategy *st, const struct sched_view *v)
{
	struct bpoint *bp;
	size_t d = st->st_depth;
	int c;

	if (d >= BOUNDED_MAX)
		htbed_internal_error("bounded search: a run has more than %u "
		    "decision points; use a smaller program", BOUNDED_MAX);
	bp = &st->st_path[d];
	st->st_depth++;
	if (d < st->st_plan)
		return (bp->bp_choice);
	c = default_choice(v);
	bp->bp_runnable = v->sv_runnable;
	bp->bp_cur = (int8_t)(keep_running(v) ? v->sv_cur : -1);
	bp->bp_pre = (uint8_t)(d == 0 ? 0 : st->st_path[d - 1].bp_pre +
	    preempts(&st->st_path[d - 1], st->st_path[d - 1].bp_choice));
	bp->bp_choice = (uint8_t)c;
	bp->bp_tried = 1u << c;
	return (c);
}

/* the next path: 1, or 0 when every path within the bound was run */
static int
bounded_next(struct strategy *st)
{
	struct bpoint *bp;
	uint32_t alt;
	size_t d;
	int c;

	for (d = st->st_depth; d-- > 0; ) {
		bp = &st->st_path[d];
		for (alt = bp->bp_runnable & ~bp->bp_tried; alt != 0;
		    alt &= alt - 1) {
			c = __builtin_ctz(alt);
			bp->bp_tried |= 1u << c;
			if (bp->bp_pre + preempts(bp, c) > st->st_p.sp_bound)
				continue;
			bp->bp_choice = (uint8_t)c;
			st->st_plan = d + 1;
			return (1);
		}
	}
	return (0);
}

struct strategy *
strategy_new(const struct sched_params *p)
{
	struct strategy *st = host_zalloc(sizeof (*st));

	st->st_p = *p;
	st->st_kind = p->sp_kind;
	if (st->st_kind == SK_BOUNDED)
		st->st_path = host_alloc(sizeof (struct bpoint) * BOUNDED_MAX);
	return (st);
}

void
strategy_free(struct strategy *st)
{
	host_free(st->st_path);
	host_free(st);
}

/* a new run; the parameters (seed) may change from run to run */
void
strategy_begin(struct strategy *st, const struct sched_params *p,
    int nfibers)
{
	uint64_t k = st->st_p.sp_pct_steps;

	st->st_p = *p;
	if (k > p->sp_pct_steps)
		st->st_p.sp_pct_steps = k;	/* learned, see strategy_end */
	st->st_rng = p->sp_seed ^ 0x5bd1e9955bd1e995ull;
	st->st_nfibers = nfibers;
	st->st_pos = 0;
	st->st_depth = 0;
	__builtin_memset(st->st_park, 0, sizeof (st->st_park));
	if (st->st_kind == SK_PCT)
		pct_begin(st);
	if (st->st_kind == SK_BYTES && p->sp_gaps)
		st->st_gap = next_gap(st);
	if (st->st_kind == SK_REPLAY && p->sp_switches != NULL)
		anchored_begin(st);
}

int
strategy_pick(struct strategy *st, const struct sched_view *v)
{
	switch (st->st_kind) {
	case SK_PCT:
		return (pick_pct(st, v));
	case SK_BOUNDED:
		return (pick_bounded(st, v));
	case SK_BYTES:
		return (pick_bytes(st, v));
	case SK_REPLAY:
		return (pick_replay(st, v));
	default:
		return (pick_random(st, v));
	}
}

/*
 * The pick past a run's fair point (sched.c, "fairness"): at random,
 * whatever the strategy; a replay's recorded choices were made so.
 */
int
strategy_pick_fair(struct strategy *st, const struct sched_view *v)
{
	return (st->st_kind == SK_REPLAY ? pick_replay(st, v) :
	    pick_uniform(st, v));
}

/*
 * The run is over after `steps' seam points.  Returns 0 if the strategy
 * has nothing left to try (bounded search exhausted), 1 otherwise.
 * PCT learns k, the length of a run, from the runs it has seen.
 */
int
strategy_end(struct strategy *st, uint64_t steps)
{
	if (st->st_kind == SK_PCT && steps > st->st_p.sp_pct_steps)
		st->st_p.sp_pct_steps = steps;
	if (st->st_kind == SK_BOUNDED)
		return (bounded_next(st));
	return (1);
}

uint64_t
strategy_pct_steps(const struct strategy *st)
{
	return (st->st_p.sp_pct_steps);
}
