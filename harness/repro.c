/*
 * Reproducer files: writing and strict parsing (the format is in
 * repro.h).  Host domain.  The parser never trusts its input: every
 * number is range-checked, every line accounted for, and the checksum
 * covers every byte before it.
 */
#define	_GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "htbed/host.h"
#include "repro.h"

#define	MAX_FILE	(64u << 20)

/* the numeric fields of the config line, by name */
struct field {
	const char	*f_name;
	size_t		f_off;
	int		f_size;		/* 4 or 8 bytes */
	uint64_t	f_max;
};

#define	SC(f)	offsetof(struct hb_config, hc_shim.f)
#define	HC(f)	offsetof(struct hb_config, f)
static const struct field cfg_fields[] = {
	{ "cpus", SC(sc_ncpus), 4, 64 },
	{ "kpm", SC(sc_kpm), 4, 1 },
	{ "frames", SC(sc_ptframes), 8, 1 << 22 },
	{ "boot_seed", SC(sc_seed), 8, UINT64_MAX },
	{ "migrate_ppm", SC(sc_migrate_ppm), 4, 1000000 },
	{ "kmem_fail_ppm", SC(sc_kmem_fail_ppm), 4, 1000000 },
	{ "page_fail_ppm", SC(sc_page_fail_ppm), 4, 1000000 },
	{ "upgrade_fail_ppm", SC(sc_upgrade_fail_ppm), 4, 1000000 },
	{ "workers", HC(hc_workers), 4, HB_PROG_FIBERS },
	{ "hats", HC(hc_hats), 4, 64 },
	{ "hash", HC(hc_hash_cnt), 4, 65536 },
	{ "reserve", HC(hc_reserve), 4, 100000 },
	{ "steal_passes", HC(hc_steal_passes), 4, 512 },
	{ "force_steal", HC(hc_force_steal), 8, 1000000000 },
	{ "small_pages", HC(hc_small_pages), 4, 1 << 20 },
	{ "large_runs", HC(hc_large_runs), 4, 64 },
	{ "reservoir", HC(hc_reservoir), 4, 32 },
	/* the MMU's: absent (no walkers) in files written before it */
	{ "walkers", SC(sc_walkers), 4, 16 },
	{ "write_ppm", SC(sc_write_ppm), 4, 1000000 },
};
#define	NFIELDS	(sizeof (cfg_fields) / sizeof (cfg_fields[0]))
#define	NMMU	2	/* the last NMMU fields */

/*
 * A program's run-wide choices, each a line of two words that is present
 * when its flag is set.
 */
static const struct {
	const char	*pf_item, *pf_value;
	size_t		pf_off;
} prog_flags[] = {
	{ "memory", "windows", offsetof(struct hb_program, hp_windows) },
	{ "walkers", "idle", offsetof(struct hb_program, hp_no_walkers) },
	{ "seams", "access", offsetof(struct hb_program, hp_access) },
};
#define	NFLAGS	(sizeof (prog_flags) / sizeof (prog_flags[0]))

static int
prog_flag_get(const struct hb_program *p, size_t i)
{
	return (*(const int *)(const void *)((const char *)p +
	    prog_flags[i].pf_off));
}

static void
prog_flag_set(struct hb_program *p, size_t i)
{
	*(int *)(void *)((char *)p + prog_flags[i].pf_off) = 1;
}

static uint64_t
field_get(const struct hb_config *c, const struct field *f)
{
	const char *p = (const char *)c + f->f_off;
	uint32_t v4;
	uint64_t v8;

	if (f->f_size == 4) {
		memcpy(&v4, p, 4);
		return (v4);
	}
	memcpy(&v8, p, 8);
	return (v8);
}

static void
field_set(struct hb_config *c, const struct field *f, uint64_t v)
{
	char *p = (char *)c + f->f_off;
	uint32_t v4 = (uint32_t)v;

	if (f->f_size == 4)
		memcpy(p, &v4, 4);
	else
		memcpy(p, &v, 8);
}

/* the checksum line's value: 64-bit FNV-1a */
uint64_t
hb_repro_checksum(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n-- > 0)
		h = (h ^ (uint8_t)*p++) * 0x100000001b3ull;
	return (h);
}

/*
 * ------------------------------------------------------------------------
 * Writing.  A failure may be reported from a sanitizer's death callback,
 * where nothing may allocate: reproducers are formatted into a buffer set
 * aside beforehand (hb_repro_reserve()).
 * ------------------------------------------------------------------------
 */
struct wbuf {
	char	*w_p;
	size_t	w_len, w_cap;
	int	w_full;
};

static void
wput(struct wbuf *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->w_full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->w_p + w->w_len, w->w_cap - w->w_len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= w->w_cap - w->w_len)
		w->w_full = 1;
	else
		w->w_len += (size_t)n;
}

/* an upper bound of the formatted size */
static size_t
repro_bound(size_t nchoices)
{
	return (8192 + (size_t)HB_PROG_FIBERS * HB_PROG_OPS * 64 +
	    nchoices * 8);
}

static void
format_schedule(struct wbuf *w, const uint8_t *c, size_t n)
{
	size_t i = 0, run, col = 0;

	wput(w, "schedule %zu", n);
	while (i < n) {
		for (run = 1; i + run < n && c[i + run] == c[i]; run++)
			;
		if (col++ % 16 == 15)
			wput(w, "\nschedule");
		if (run > 1)
			wput(w, " %u*%zu", c[i], run);
		else
			wput(w, " %u", c[i]);
		i += run;
	}
	wput(w, "\n");
}

static void
format_program(struct wbuf *w, const struct hb_program *p)
{
	int fb, k;

	for (fb = 0; fb < p->hp_nfibers; fb++) {
		wput(w, "fiber %d %d\n", fb, p->hp_nops[fb]);
		for (k = 0; k < p->hp_nops[fb]; k++) {
			const hb_op_t *op = &p->hp_ops[fb][k];

			wput(w, "op %d %s %u %u %u %u %u\n", fb,
			    hb_op_name(op->op_code % HB_NOPS), op->op_hat,
			    op->op_a, op->op_b, op->op_c, op->op_d);
		}
	}
}

static int
format_into(const struct hb_repro *r, struct wbuf *w)
{
	const struct sched_params *sp = &r->r_sp;
	size_t i;

	wput(w, "%s %d\n# replay: htreplay FILE (make replay CRASH=FILE)\n",
	    REPRO_MAGIC, REPRO_VERSION);
	wput(w, "core %s\nconfig", r->r_core);
	for (i = 0; i < NFIELDS; i++)
		wput(w, " %s=%llu", cfg_fields[i].f_name,
		    (unsigned long long)field_get(&r->r_cfg, &cfg_fields[i]));
	wput(w, "\nstrategy %s seed=%llu depth=%d steps=%llu bound=%d "
	    "max_steps=%llu stride=%u\n", strategy_name(sp->sp_kind),
	    (unsigned long long)sp->sp_seed, sp->sp_pct_depth,
	    (unsigned long long)sp->sp_pct_steps, sp->sp_bound,
	    (unsigned long long)sp->sp_max_steps, sp->sp_stride);
	if (r->r_failure[0] != '\0')
		wput(w, "failure %s\n", r->r_failure);
	for (i = 0; i < NFLAGS; i++) {
		if (prog_flag_get(&r->r_prog, i))
			wput(w, "%s %s\n", prog_flags[i].pf_item,
			    prog_flags[i].pf_value);
	}
	if (r->r_prog.hp_access && access_code_hash() != 0)
		wput(w, "access_code 0x%016llx\n",
		    (unsigned long long)access_code_hash());
	format_program(w, &r->r_prog);
	format_schedule(w, r->r_choices, r->r_nchoices);
	wput(w, "checksum %016llx\n",
	    (unsigned long long)hb_repro_checksum(w->w_p, w->w_len));
	return (w->w_full ? -1 : 0);
}

int
hb_repro_format(const struct hb_repro *r, char **buf, size_t *len)
{
	struct wbuf w = { NULL, 0, repro_bound(r->r_nchoices), 0 };

	if ((w.w_p = malloc(w.w_cap)) == NULL || format_into(r, &w) != 0) {
		free(w.w_p);
		return (-1);
	}
	*buf = w.w_p;
	*len = w.w_len;
	return (0);
}

static char *reserved;
static size_t reserved_cap;

/* room for a reproducer of a run of up to max_choices decisions */
void
hb_repro_reserve(size_t max_choices)
{
	if (reserved_cap >= repro_bound(max_choices))
		return;
	free(reserved);
	reserved_cap = repro_bound(max_choices);
	if ((reserved = malloc(reserved_cap)) == NULL) {
		fprintf(stderr, "htbed: out of memory\n");
		exit(2);
	}
}

int
hb_repro_write(const char *path, const struct hb_repro *r)
{
	struct wbuf w = { reserved, 0, reserved_cap, 0 };

	if (reserved_cap < repro_bound(r->r_nchoices))
		return (-1);
	if (format_into(r, &w) != 0)
		return (-1);
	return (host_write_file_atomic(path, w.w_p, w.w_len));
}

/*
 * ------------------------------------------------------------------------
 * Parsing
 * ------------------------------------------------------------------------
 */
struct parse {
	const char	*p_buf, *p_end, *p_line;
	int		p_lineno;
	char		*p_err;
	size_t		p_errlen;
	struct hb_repro	*p_r;
	size_t		p_cap;		/* of r_choices */
	int		p_fiber_ops;	/* ops the last fiber line declared */
};

static int
perr(struct parse *ps, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	(void) vsnprintf(msg, sizeof (msg), fmt, ap);
	va_end(ap);
	if (ps->p_lineno > 0)
		(void) snprintf(ps->p_err, ps->p_errlen, "line %d: %s",
		    ps->p_lineno, msg);
	else
		(void) snprintf(ps->p_err, ps->p_errlen, "%s", msg);
	return (-1);
}

static int
num(struct parse *ps, const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	errno = 0;
	if (*s == '-' || *s == '\0')
		return (perr(ps, "'%s' is not a number", s));
	*v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0')
		return (perr(ps, "'%s' is not a number", s));
	if (*v > max)
		return (perr(ps, "%s is out of range (at most %llu)", s,
		    (unsigned long long)max));
	return (0);
}

/* split a line into words (in place); at most max */
static int
words(char *line, char **w, int max)
{
	int n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(line, " \t", &save); t != NULL && n < max;
	    t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	return (t != NULL ? max + 1 : n);
}

/*
 * Every field once, the MMU's all or none (a file from before the MMU:
 * no walkers).
 */
static int
parse_config(struct parse *ps, char **w, int n)
{
	uint64_t v, seen = 0;
	size_t i;
	int k;
	char *eq;

	if (n != (int)NFIELDS + 1 && n != (int)(NFIELDS - NMMU) + 1)
		return (perr(ps, "config has %d fields, not %zu (or %zu "
		    "without the MMU's)", n - 1, NFIELDS, NFIELDS - NMMU));
	for (k = 1; k < n; k++) {
		if ((eq = strchr(w[k], '=')) == NULL)
			return (perr(ps, "config: '%s' is not name=value",
			    w[k]));
		*eq = '\0';
		for (i = 0; i < NFIELDS; i++)
			if (strcmp(w[k], cfg_fields[i].f_name) == 0)
				break;
		if (i == NFIELDS)
			return (perr(ps, "config: unknown field '%s'", w[k]));
		if (seen & (1ull << i))
			return (perr(ps, "config: '%s' given twice", w[k]));
		if (n != (int)NFIELDS + 1 && i >= NFIELDS - NMMU)
			return (perr(ps, "config: '%s' without the other MMU "
			    "fields", w[k]));
		seen |= 1ull << i;
		if (num(ps, eq + 1, cfg_fields[i].f_max, &v) != 0)
			return (-1);
		field_set(&ps->p_r->r_cfg, &cfg_fields[i], v);
	}
	return (0);
}

static int
parse_strategy(struct parse *ps, char **w, int n)
{
	static const char *const keys[] = { "seed=", "depth=", "steps=",
	    "bound=", "max_steps=", "stride=" };
	static const uint64_t max[] = { UINT64_MAX, 8, UINT64_MAX, 255,
	    UINT64_MAX, 1000000 };
	struct sched_params *sp = &ps->p_r->r_sp;
	uint64_t v[6] = { 0 };
	int k;

	/* stride= came with access seams: older files have 5 fields */
	if (n != 7 && n != 8)
		return (perr(ps, "strategy wants a name and 5 or 6 fields"));
	if ((sp->sp_kind = strategy_by_name(w[1])) < 0 ||
	    sp->sp_kind == SK_REPLAY)
		return (perr(ps, "unknown strategy '%s'", w[1]));
	for (k = 0; k < n - 2; k++) {
		if (strncmp(w[k + 2], keys[k], strlen(keys[k])) != 0)
			return (perr(ps, "strategy: expected %s...", keys[k]));
		if (num(ps, w[k + 2] + strlen(keys[k]), max[k], &v[k]) != 0)
			return (-1);
	}
	sp->sp_seed = v[0];
	sp->sp_pct_depth = (int)v[1];
	sp->sp_pct_steps = v[2];
	sp->sp_bound = (int)v[3];
	sp->sp_max_steps = v[4];
	sp->sp_stride = (uint32_t)v[5];
	return (0);
}

static int
parse_fiber(struct parse *ps, char **w, int n)
{
	struct hb_program *p = &ps->p_r->r_prog;
	uint64_t f, nops;

	if (n != 3 || num(ps, w[1], HB_PROG_FIBERS - 1, &f) != 0 ||
	    num(ps, w[2], HB_PROG_OPS, &nops) != 0)
		return (n != 3 ? perr(ps, "fiber wants an index and a count") :
		    -1);
	if ((int)f != p->hp_nfibers)
		return (perr(ps, "fiber %llu out of order",
		    (unsigned long long)f));
	if (f > 0 && p->hp_nops[f - 1] != ps->p_fiber_ops)
		return (perr(ps, "fiber %d has %d of its %d ops", (int)f - 1,
		    p->hp_nops[f - 1], ps->p_fiber_ops));
	p->hp_nfibers++;
	p->hp_nops[f] = 0;
	ps->p_fiber_ops = (int)nops;
	return (0);
}

static int
parse_op(struct parse *ps, char **w, int n)
{
	struct hb_program *p = &ps->p_r->r_prog;
	static const uint64_t max[] = { 255, 65535, 65535, 65535, 0xffffffff };
	uint64_t f, v[5];
	hb_op_t *op;
	int code, k;

	if (n != 8)
		return (perr(ps, "op wants a fiber, a name and 5 numbers"));
	if (num(ps, w[1], HB_PROG_FIBERS - 1, &f) != 0)
		return (-1);
	if ((int)f != p->hp_nfibers - 1 || p->hp_nops[f] >= ps->p_fiber_ops)
		return (perr(ps, "op of fiber %llu out of place",
		    (unsigned long long)f));
	if ((code = hb_op_by_name(w[2])) < 0)
		return (perr(ps, "unknown op '%s'", w[2]));
	for (k = 0; k < 5; k++)
		if (num(ps, w[k + 3], max[k], &v[k]) != 0)
			return (-1);
	op = &p->hp_ops[f][p->hp_nops[f]++];
	*op = (hb_op_t){ (uint8_t)code, (uint8_t)v[0], (uint16_t)v[1],
	    (uint16_t)v[2], (uint16_t)v[3], (uint32_t)v[4] };
	return (0);
}

static int
choice_add(struct parse *ps, uint64_t c, uint64_t count)
{
	struct hb_repro *r = ps->p_r;
	uint8_t *nc;

	if (count > MAX_FILE || r->r_nchoices + count > MAX_FILE)
		return (perr(ps, "schedule too long"));
	while (r->r_nchoices + count > ps->p_cap) {
		ps->p_cap = ps->p_cap ? 2 * ps->p_cap : 4096;
		if ((nc = realloc(r->r_choices, ps->p_cap)) == NULL)
			return (perr(ps, "out of memory"));
		r->r_choices = nc;
	}
	memset(r->r_choices + r->r_nchoices, (int)c, count);
	r->r_nchoices += count;
	return (0);
}

static int
parse_schedule(struct parse *ps, char **w, int n, uint64_t *declared)
{
	uint64_t c, count;
	char *star;
	int k = 1;

	if (*declared == UINT64_MAX) {
		if (n < 2 || num(ps, w[1], MAX_FILE, declared) != 0)
			return (n < 2 ? perr(ps, "schedule wants a length") :
			    -1);
		k = 2;
	}
	for (; k < n; k++) {
		count = 1;
		if ((star = strchr(w[k], '*')) != NULL) {
			*star = '\0';
			if (num(ps, star + 1, MAX_FILE, &count) != 0)
				return (-1);
			if (count == 0)
				return (perr(ps, "a run of no choices"));
		}
		if (num(ps, w[k], SCHED_MAX_FIBERS - 1, &c) != 0 ||
		    choice_add(ps, c, count) != 0)
			return (-1);
	}
	return (0);
}

/* a program flag's line: 1 if the n words w are one (its flag now set) */
static int
parse_flag(struct hb_program *p, char **w, int n)
{
	size_t i;

	for (i = 0; n == 2 && i < NFLAGS; i++) {
		if (strcmp(w[0], prog_flags[i].pf_item) == 0 &&
		    strcmp(w[1], prog_flags[i].pf_value) == 0) {
			prog_flag_set(p, i);
			return (1);
		}
	}
	return (0);
}

static int
parse_line(struct parse *ps, char *line, uint64_t *declared)
{
	char *w[NFIELDS + 2];
	int n;

	if (strncmp(line, "failure ", 8) == 0) {
		size_t len = strlen(line + 8);

		if (len >= sizeof (ps->p_r->r_failure))
			return (perr(ps, "failure too long"));
		memcpy(ps->p_r->r_failure, line + 8, len + 1);
		return (0);
	}
	if ((n = words(line, w, (int)NFIELDS + 1)) == 0 || w[0][0] == '#')
		return (0);
	if (n > (int)NFIELDS + 1)
		return (perr(ps, "too many words"));
	if (strcmp(w[0], "core") == 0 && n == 2) {
		(void) snprintf(ps->p_r->r_core, sizeof (ps->p_r->r_core),
		    "%s", w[1]);
		return (0);
	}
	if (strcmp(w[0], "config") == 0)
		return (parse_config(ps, w, n));
	if (strcmp(w[0], "strategy") == 0)
		return (parse_strategy(ps, w, n));
	if (parse_flag(&ps->p_r->r_prog, w, n))
		return (0);
	if (strcmp(w[0], "access_code") == 0 && n == 2)
		return (num(ps, w[1], UINT64_MAX, &ps->p_r->r_access_code));
	if (strcmp(w[0], "fiber") == 0)
		return (parse_fiber(ps, w, n));
	if (strcmp(w[0], "op") == 0)
		return (parse_op(ps, w, n));
	if (strcmp(w[0], "schedule") == 0)
		return (parse_schedule(ps, w, n, declared));
	return (perr(ps, "unknown item '%s'", w[0]));
}

/* the checksum line ends the file; it covers every byte before it */
static int
check_sum(struct parse *ps, size_t *body)
{
	const char *b = ps->p_buf, *e = ps->p_end, *last;
	unsigned long long want;
	char tail[40], expect[20];
	size_t n;

	if (e == b || e[-1] != '\n')
		return (perr(ps, "truncated: the last line is incomplete"));
	for (last = e - 1; last > b && last[-1] != '\n'; last--)
		;
	n = (size_t)(e - last);		/* the buffer is not a string */
	if (n >= sizeof (tail) || n <= 9 || memcmp(last, "checksum ", 9) != 0)
		return (perr(ps, "truncated: no checksum line at the end"));
	memcpy(tail, last, n);
	tail[n - 1] = '\0';
	want = hb_repro_checksum(b, (size_t)(last - b));
	(void) snprintf(expect, sizeof (expect), "%016llx", want);
	if (strlen(tail + 9) != 16 || strspn(tail + 9, "0123456789abcdef") != 16)
		return (perr(ps, "malformed checksum line"));
	if (strcmp(tail + 9, expect) != 0)
		return (perr(ps, "corrupt: the checksum does not match"));
	*body = (size_t)(last - b);
	return (0);
}

static int
check_magic(struct parse *ps)
{
	size_t ml = strlen(REPRO_MAGIC);
	char vers[16];
	const char *p = ps->p_buf + ml, *nl;
	size_t n;

	if ((size_t)(ps->p_end - ps->p_buf) < ml + 2 ||
	    memcmp(ps->p_buf, REPRO_MAGIC, ml) != 0 || *p != ' ')
		return (perr(ps, "not an htbed reproducer (no '%s' header)",
		    REPRO_MAGIC));
	nl = memchr(p, '\n', (size_t)(ps->p_end - p));
	n = nl == NULL ? 0 : (size_t)(nl - p - 1);
	if (nl == NULL || n == 0 || n >= sizeof (vers))
		return (perr(ps, "malformed header line"));
	memcpy(vers, p + 1, n);
	vers[n] = '\0';
	if (strcmp(vers, "1") != 0)
		return (perr(ps, "reproducer format version %s; this htbed "
		    "reads version %d", vers, REPRO_VERSION));
	return (0);
}

/* what a complete reproducer must have said */
static int
check_complete(struct parse *ps, uint64_t declared)
{
	const struct hb_repro *r = ps->p_r;
	int f;

	ps->p_lineno = 0;
	if (r->r_core[0] == '\0')
		return (perr(ps, "incomplete: no core line"));
	if (r->r_cfg.hc_workers == 0 || r->r_cfg.hc_shim.sc_ncpus == 0)
		return (perr(ps, "incomplete: no config line"));
	if (r->r_sp.sp_max_steps == 0)
		return (perr(ps, "incomplete: no strategy line"));
	if (r->r_prog.hp_nfibers == 0 ||
	    r->r_prog.hp_nfibers > r->r_cfg.hc_workers)
		return (perr(ps, "incomplete: %d fibers for %d workers",
		    r->r_prog.hp_nfibers, r->r_cfg.hc_workers));
	f = r->r_prog.hp_nfibers - 1;
	if (r->r_prog.hp_nops[f] != ps->p_fiber_ops)
		return (perr(ps, "incomplete: fiber %d has %d of its %d ops",
		    f, r->r_prog.hp_nops[f], ps->p_fiber_ops));
	if (declared == UINT64_MAX || declared != r->r_nchoices)
		return (perr(ps, "incomplete: the schedule has %zu choices, "
		    "not the %llu declared", r->r_nchoices,
		    (unsigned long long)declared));
	return (0);
}

/* the n bytes at p as a string, if they can be a line */
static int
copy_line(struct parse *ps, const char *p, size_t n, char *line, size_t cap)
{
	if (n >= cap)
		return (perr(ps, "line too long"));
	if (memchr(p, '\0', n) != NULL)
		return (perr(ps, "NUL byte in the file"));
	memcpy(line, p, n);
	line[n] = '\0';
	return (0);
}

/*
 * Every refusal after the first line has been read goes through the one
 * exit that frees the schedule: a refused reproducer holds no memory.
 */
int
hb_repro_parse(const char *buf, size_t len, struct hb_repro *r, char *err,
    size_t errlen)
{
	struct parse ps = { buf, buf + len, buf, 0, err, errlen, r, 0, 0 };
	uint64_t declared = UINT64_MAX;
	size_t body;
	char line[512];
	const char *p, *nl;

	memset(r, 0, sizeof (*r));
	if (len > MAX_FILE)
		return (perr(&ps, "larger than %u MiB", MAX_FILE >> 20));
	if (check_magic(&ps) != 0 || check_sum(&ps, &body) != 0)
		return (-1);
	for (p = buf; p < buf + body; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(buf + body - p));
		ps.p_lineno++;
		if (copy_line(&ps, p, (size_t)(nl - p), line,
		    sizeof (line)) != 0 || (ps.p_lineno > 1 &&
		    parse_line(&ps, line, &declared) != 0))
			break;
	}
	if (p < buf + body || check_complete(&ps, declared) != 0) {
		hb_repro_free(r);
		return (-1);
	}
	return (0);
}

int
hb_repro_read(const char *path, struct hb_repro *r, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t len;
	int rv;

	memset(r, 0, sizeof (*r));
	if (f == NULL) {
		(void) snprintf(err, errlen, "cannot read %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	buf = malloc(MAX_FILE + 1);
	len = buf == NULL ? 0 : fread(buf, 1, MAX_FILE + 1, f);
	if (buf == NULL || ferror(f)) {
		(void) snprintf(err, errlen, "cannot read %s: %s", path,
		    buf == NULL ? "out of memory" : strerror(errno));
		fclose(f);
		free(buf);
		return (-1);
	}
	fclose(f);
	rv = hb_repro_parse(buf, len, r, err, errlen);
	free(buf);
	return (rv);
}

void
hb_repro_free(struct hb_repro *r)
{
	free(r->r_choices);
	r->r_choices = NULL;
	r->r_nchoices = 0;
}

/*
 * The reproducer of the controlled-mode run in progress (or just ended):
 * its program and schedule so far, with the machine and strategy it ran
 * on; kind and where name its failure (NULL: none).  -1 if no run has
 * begun (a failure while booting: the command repeats it).
 */
int
hb_repro_save_run(const char *path, const struct hb_config *cfg,
    const struct sched_params *sp, const char *kind, const char *where)
{
	struct hb_repro r;

	if (hb_ctl_program() == NULL)
		return (-1);
	memset(&r, 0, sizeof (r));
	(void) snprintf(r.r_core, sizeof (r.r_core), "%s", HTBED_CORE);
	r.r_cfg = *cfg;
	r.r_sp = *sp;
	if (kind != NULL)
		(void) snprintf(r.r_failure, sizeof (r.r_failure), "%s at %s",
		    kind, where);
	r.r_prog = *hb_ctl_program();
	r.r_choices = (uint8_t *)hb_ctl_choices(&r.r_nchoices);
	return (hb_repro_write(path, &r));
}
