/*
 * The differential engine: see fuzz/diff.h.
 *
 * Two instances.  fuzz/fuzz.mk links every object of a testbed build
 * (shim, host code, HAT, harness, htable.c) into one relocatable object
 * and gives every global symbol it defines a prefix, own_ or ref_, so
 * that each instance has its own emulated kernel -- its own physical
 * memory, kernel arena, hats, hatstat -- and the two never share state.
 * This file calls each through its prefixed names.
 *
 * One program.  Each instance boots once with the same configuration
 * (one worker, which owns every slot; no injected failure; kpm mode) and
 * attaches the driver's thread (the counters of that thread, which the
 * dump sums, run on from program to program, alike in both), and saves
 * its machine (hb_machine_save: the snapshot and the shadow model); every
 * program starts from the restored boot state.  Worker 0 executes the ops, in each
 * instance in turn.  Around every op:
 *  - while memory pressure is on (a "pressure" op turns it on or off), the
 *    reservoir is refilled before the op, with pressure briefly off, so
 *    that every steal finds a table, as the stress's pressure thread
 *    refills it before each burst; the op's page-table allocations then
 *    fail and steal;
 *  - a kmem_reap() the op asked for is served after it (the reclaim
 *    callback, i.e. htable_reap, runs as the reaper thread would run it);
 *  - both instances are dumped (harness/dump.c) and the dumps compared.
 * The first difference ends the program and is reported with both dumps
 * in detail around it.
 */
#define	_GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ops.h"
#include "dump.h"
#include "diff.h"

typedef struct instance {
	const char	*in_name;
	void		(*in_default_config)(struct hb_config *);
	int		(*in_init)(const struct hb_config *);
	void		(*in_attach)(const char *, int);
	void		(*in_exec)(int, const hb_op_t *);
	void		(*in_set_pressure)(int);
	void		(*in_reservoir_fill)(void);
	void		(*in_reaper_run)(void);
	void		(*in_dump)(int, hb_dump_fn_t *, void *);
	void		(*in_set_reap_hook)(void (*)(void));
	void		(*in_reap_hook)(void);
	void		(*in_on_bug)(const char *, const char *);
	void		(*in_save)(void);
	void		(*in_restore)(void);
	int		in_reap;	/* kmem_reap() was called */
	int		in_pressure;	/* memory pressure is on */
	char		*in_text;	/* the last dump */
	size_t		in_len, in_cap;
} instance_t;

/* an instance's interface, by its prefix */
#define	INSTANCE_DECLS(p)						\
	extern void p##hb_default_config(struct hb_config *);		\
	extern int p##hb_init(const struct hb_config *);		\
	extern void p##hb_attach(const char *, int);			\
	extern void p##hb_exec(int, const hb_op_t *);			\
	extern void p##hb_set_pressure(int);				\
	extern void p##hb_reservoir_fill(void);				\
	extern void p##hb_reaper_run(void);				\
	extern void p##hb_dump(int, hb_dump_fn_t *, void *);		\
	extern void p##shim_kmem_set_reap_hook(void (*)(void));		\
	extern void p##hb_machine_save(void);				\
	extern void p##hb_machine_restore(void);

#define	INSTANCE_INIT(p, name, hook, bug) {				\
	.in_name = (name),						\
	.in_default_config = p##hb_default_config,			\
	.in_init = p##hb_init, .in_attach = p##hb_attach,		\
	.in_exec = p##hb_exec,						\
	.in_set_pressure = p##hb_set_pressure,				\
	.in_reservoir_fill = p##hb_reservoir_fill,			\
	.in_reaper_run = p##hb_reaper_run, .in_dump = p##hb_dump,	\
	.in_set_reap_hook = p##shim_kmem_set_reap_hook,			\
	.in_reap_hook = (hook), .in_on_bug = (bug),			\
	.in_save = p##hb_machine_save,					\
	.in_restore = p##hb_machine_restore }

INSTANCE_DECLS(own_)
INSTANCE_DECLS(ref_)
extern size_t	own_hb_op_decode(const uint8_t *, size_t, hb_op_t *);
extern size_t	own_hb_op_encode(const hb_op_t *, uint8_t *);
extern const char *own_hb_op_name(int);

static void	own_reap(void);
static void	ref_reap(void);
static void	own_bug(const char *, const char *);
static void	ref_bug(const char *, const char *);

static instance_t inst[2] = {
	INSTANCE_INIT(own_, "own", own_reap, own_bug),
	INSTANCE_INIT(ref_, "ref", ref_reap, ref_bug),
};

static int booted, programs_run;
static int trace;		/* HTDIFF_TRACE: each op as it runs */
static int cur_op = -1;
static char cur_desc[96];

static void
own_reap(void)
{
	inst[0].in_reap = 1;
}

static void
ref_reap(void)
{
	inst[1].in_reap = 1;
}

static void
on_bug(const instance_t *in, const char *kind)
{
	(void) fprintf(stderr, "htdiff: the %s instance found a bug (%s) in op "
	    "%d of the program: %s\n", in->in_name, kind, cur_op, cur_desc);
}

static void
own_bug(const char *kind, const char *where)
{
	(void) where;
	on_bug(&inst[0], kind);
}

static void
ref_bug(const char *kind, const char *where)
{
	(void) where;
	on_bug(&inst[1], kind);
}

/*
 * The machine both instances run: small, so that dumps are short and
 * tables collide in buckets (8 per hat); kpm mode, which behaves as
 * window mode does but costs no remapping.
 */
static void
diff_config(const instance_t *in, struct hb_config *c)
{
	in->in_default_config(c);
	c->hc_shim.sc_ncpus = 2;
	c->hc_shim.sc_kpm = 1;
	c->hc_shim.sc_ptframes = 512;
	c->hc_shim.sc_seed = 1;
	c->hc_shim.sc_yield_ppm = 0;
	c->hc_shim.sc_migrate_ppm = 0;
	c->hc_shim.sc_kmem_fail_ppm = 0;
	c->hc_shim.sc_page_fail_ppm = 0;
	c->hc_shim.sc_upgrade_fail_ppm = 0;
	c->hc_workers = 1;
	c->hc_hats = 3;
	c->hc_hash_cnt = 8;
	c->hc_reserve = 4;
	c->hc_outdir = getenv("HTDIFF_OUT") != NULL ? getenv("HTDIFF_OUT") :
	    "htbed-out";
	c->hc_repeat = "(htdiff: see the program file reported above)";
	c->hc_on_bug = in->in_on_bug;
}

int
hd_boot(void)
{
	struct hb_config c;
	int i;

	for (i = 0; i < 2; i++) {
		diff_config(&inst[i], &c);
		if (inst[i].in_init(&c) != 0) {
			(void) fprintf(stderr, "htdiff: the %s instance does not "
			    "boot\n", inst[i].in_name);
			return (-1);
		}
		/* one thread for every program: it is part of the saved state */
		inst[i].in_attach("htdiff", 0);
		inst[i].in_save();
	}
	booted = 1;
	trace = getenv("HTDIFF_TRACE") != NULL;
	return (0);
}

static void
emit(void *arg, const char *line)
{
	instance_t *in = arg;
	size_t n = strlen(line);

	if (in->in_len + n + 2 > in->in_cap) {
		in->in_cap = (in->in_len + n + 2) * 2;
		in->in_text = realloc(in->in_text, in->in_cap);
		if (in->in_text == NULL) {
			(void) fprintf(stderr, "htdiff: out of memory\n");
			exit(2);
		}
	}
	memcpy(in->in_text + in->in_len, line, n);
	in->in_len += n;
	in->in_text[in->in_len++] = '\n';
	in->in_text[in->in_len] = '\0';
}

static void
dump(instance_t *in, int detail)
{
	in->in_len = 0;
	if (in->in_text != NULL)
		in->in_text[0] = '\0';
	in->in_dump(detail, emit, in);
}

/* one op, under pressure with a full reservoir if it is on; the reaper */
static void
step(instance_t *in, const hb_op_t *op)
{
	if (in->in_pressure) {
		in->in_set_pressure(0);
		in->in_reservoir_fill();
		in->in_set_pressure(1);
	}
	in->in_exec(0, op);
	if (op->op_code % HB_NOPS == HB_PRESSURE)
		in->in_pressure = op->op_a & 1;
	if (in->in_reap) {
		in->in_reap = 0;
		in->in_reaper_run();
	}
}

/* the n-th line of text (0-based), its length in *len */
static const char *
nth_line(const char *text, int n, size_t *len)
{
	const char *p = text, *e;

	while (n-- > 0 && (p = strchr(p, '\n')) != NULL)
		p++;
	if (p == NULL || *p == '\0')
		return (NULL);
	e = strchr(p, '\n');
	*len = e != NULL ? (size_t)(e - p) : strlen(p);
	return (p);
}

static int
first_difference(const char *a, const char *b)
{
	const char *la, *lb;
	size_t na = 0, nb = 0;
	int i;

	for (i = 0; ; i++) {
		la = nth_line(a, i, &na);
		lb = nth_line(b, i, &nb);
		if (la == NULL || lb == NULL || na != nb ||
		    memcmp(la, lb, na) != 0)
			return (i);
	}
}

static void
append(char **buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		exit(2);
	*buf = realloc(*buf, *len + (size_t)n + 1);
	memcpy(*buf + *len, s, (size_t)n + 1);
	*len += (size_t)n;
	free(s);
}

#define	CONTEXT_BEFORE	4
#define	CONTEXT_AFTER	16

/* both detailed dumps around their first differing line */
static char *
describe_difference(int op, const char *desc)
{
	char *r = NULL;
	size_t rlen = 0, n;
	const char *l;
	int i, at, k;

	dump(&inst[0], 1);
	dump(&inst[1], 1);
	at = first_difference(inst[0].in_text, inst[1].in_text);
	append(&r, &rlen, "==== htdiff: DIFFERENCE after op %d (%s) ====\n",
	    op, desc);
	append(&r, &rlen, "first differing line of the detailed dumps: %d\n",
	    at + 1);
	for (k = 0; k < 2; k++) {
		append(&r, &rlen, "---- %s (%s htable.c) ----\n",
		    inst[k].in_name, k == 0 ? "the project's" : "the reference");
		for (i = at < CONTEXT_BEFORE ? 0 : at - CONTEXT_BEFORE;
		    i <= at + CONTEXT_AFTER; i++) {
			if ((l = nth_line(inst[k].in_text, i, &n)) == NULL)
				break;
			append(&r, &rlen, "%c %.*s\n", i == at ? '>' : ' ',
			    (int)n, l);
		}
	}
	return (r);
}

void
hd_op_describe(const uint8_t *rec, char *buf, size_t len)
{
	hb_op_t op;

	(void) own_hb_op_decode(rec, HB_OP_BYTES, &op);
	(void) snprintf(buf, len, "%s hat %u a %u b %u c %u d %u",
	    own_hb_op_name(op.op_code % HB_NOPS), op.op_hat, op.op_a, op.op_b,
	    op.op_c, op.op_d);
}

int
hd_run(const uint8_t *prog, size_t len, struct hd_result *res)
{
	hb_op_t op;
	size_t off, used;
	int i, n = 0;

	memset(res, 0, sizeof (*res));
	res->hr_diff_op = -1;
	if (!booted)
		return (-1);
	for (i = 0; i < 2; i++) {
		if (programs_run > 0)
			inst[i].in_restore();
		inst[i].in_set_reap_hook(inst[i].in_reap_hook);
		inst[i].in_reap = 0;
		inst[i].in_pressure = 0;
	}
	programs_run++;
	for (off = 0; n < HD_MAX_OPS &&
	    (used = own_hb_op_decode(prog + off, len - off, &op)) != 0;
	    off += used, n++) {
		cur_op = n;
		hd_op_describe(prog + off, cur_desc, sizeof (cur_desc));
		for (i = 0; i < 2; i++) {
			if (trace)
				(void) fprintf(stderr, "htdiff: op %d on %s: %s\n",
				    n, inst[i].in_name, cur_desc);
			step(&inst[i], &op);
			dump(&inst[i], 0);
			if (trace)
				(void) fprintf(stderr, "%.*s", (int)strcspn(
				    strstr(inst[i].in_text, "frames"), "\n") + 1,
				    strstr(inst[i].in_text, "frames"));
		}
		if (inst[0].in_len != inst[1].in_len ||
		    memcmp(inst[0].in_text, inst[1].in_text, inst[0].in_len)) {
			res->hr_diff_op = n;
			res->hr_report = describe_difference(n, cur_desc);
			n++;
			break;
		}
	}
	for (i = 0; i < 2; i++)
		inst[i].in_set_pressure(0);
	cur_op = -1;
	res->hr_ops = n;
	if (inst[0].in_text != NULL)
		(void) sscanf(inst[0].in_text, "hatstat reap_attempts %lu "
		    "reaped %lu steals %lu", &res->hr_reap_attempts,
		    &res->hr_reaped, &res->hr_steals);
	return (res->hr_diff_op >= 0);
}

void
hd_result_free(struct hd_result *res)
{
	free(res->hr_report);
	res->hr_report = NULL;
}

/* the op mix of generated programs: every op, pressure and reaps often */
static const uint32_t mix_weights[HB_NOPS] = {
	[HB_MAP] = 30, [HB_UNMAP] = 15, [HB_MAP_LARGE] = 4, [HB_LOCK] = 4,
	[HB_UNLOCK] = 4, [HB_LOOKUP] = 3, [HB_WALK] = 2, [HB_SHARE] = 3,
	[HB_UNSHARE] = 2, [HB_PAGEUNLOAD] = 4, [HB_SWAPOUT] = 3, [HB_EXIT] = 3,
	[HB_REAP] = 6, [HB_PRESSURE] = 8, [HB_SWITCH] = 2,
};

static uint64_t
splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (z ^ (z >> 31));
}

size_t
hd_program_random(uint64_t seed, int nops, uint8_t *buf)
{
	uint32_t total = 0, x;
	uint64_t s = seed, r;
	hb_op_t op;
	int i, code;

	for (code = 0; code < HB_NOPS; code++)
		total += mix_weights[code];
	for (i = 0; i < nops; i++) {
		x = (uint32_t)(splitmix(&s) % total);
		for (code = 0; x >= mix_weights[code]; code++)
			x -= mix_weights[code];
		r = splitmix(&s);
		op.op_code = (uint8_t)code;
		op.op_hat = (uint8_t)r;
		op.op_a = (uint8_t)(r >> 8);
		op.op_b = (uint8_t)(r >> 16);
		op.op_c = (uint8_t)(r >> 24);
		op.op_d = (uint32_t)(r >> 32) & 0xffffff;
		(void) own_hb_op_encode(&op, buf + (size_t)i * HB_OP_BYTES);
	}
	return ((size_t)nops * HB_OP_BYTES);
}
