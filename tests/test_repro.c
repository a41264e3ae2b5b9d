/*
 * test_repro: reproducer files.  A reproducer of a real controlled-mode
 * run survives writing and parsing unchanged.  Everything else is refused
 * with a reason and no partial result (an access_code that is not a
 * number too): a foreign file, another version, a
 * file cut short anywhere, any byte changed (the checksum), and files
 * whose checksum is right but whose content is not (unknown items, out of
 * range numbers, ops of the wrong fiber, a schedule of the wrong length).
 */
#include "unit.h"
#include "htbed/host.h"
#include "harness.h"
#include "repro.h"

static char *good;
static size_t good_len;
static struct hb_config cfg;

static void
free_repro(struct hb_repro *r)
{
	hb_repro_free(r);
}

/* parse buf; it must fail, and say `why' */
static void
expect_refused(const char *buf, size_t len, const char *why)
{
	struct hb_repro r;
	char err[300] = "";

	if (hb_repro_parse(buf, len, &r, err, sizeof (err)) == 0) {
		free_repro(&r);
		fail_msg("accepted a reproducer that should say \"%s\"", why);
	}
	if (why != NULL && strstr(err, why) == NULL)
		fail_msg("refused with \"%s\", expected \"%s\"", err, why);
	assert_null(r.r_choices);
}

/* body (without checksum) with the right checksum appended */
static char *
resum(const char *body, size_t *len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i, n = strlen(body);
	char *out = malloc(n + 64);

	for (i = 0; i < n; i++)
		h = (h ^ (uint8_t)body[i]) * 0x100000001b3ull;
	memcpy(out, body, n);
	*len = n + (size_t)sprintf(out + n, "checksum %016llx\n",
	    (unsigned long long)h);
	return (out);
}

/* the good file's body with the first line starting `key' replaced */
static char *
with_line(const char *key, const char *line, size_t *len)
{
	char *body = strndup(good, (size_t)(strstr(good, "checksum ") - good));
	char *at = strstr(body, key), *end, *out;
	size_t n;

	assert_non_null(at);
	end = strchr(at, '\n');
	n = strlen(body) + strlen(line) + 2;
	out = malloc(n);
	(void) snprintf(out, n, "%.*s%s%s", (int)(at - body), body, line,
	    end);
	free(body);
	body = resum(out, len);
	free(out);
	return (body);
}

static void
test_round_trip(void **state)
{
	struct hb_repro r;
	char err[300], *again;
	size_t len;

	(void) state;
	assert_int_equal(hb_repro_parse(good, good_len, &r, err,
	    sizeof (err)), 0);
	assert_int_equal(r.r_prog.hp_nfibers, 2);
	assert_int_equal(hb_program_ops(&r.r_prog), 16);
	assert_true(r.r_nchoices > 10);
	assert_int_equal(r.r_cfg.hc_workers, cfg.hc_workers);
	assert_int_equal(r.r_cfg.hc_shim.sc_ptframes, cfg.hc_shim.sc_ptframes);
	assert_string_equal(r.r_failure, "panic at somewhere.c:1");
	assert_int_equal(hb_repro_format(&r, &again, &len), 0);
	assert_int_equal(len, good_len);
	assert_memory_equal(again, good, len);
	free(again);
	free_repro(&r);
}

/* a run's own memory mode and walker choice are written and read back */
static void
test_program_flags(void **state)
{
	struct hb_repro r, back;
	char err[300], *text;
	size_t len;

	(void) state;
	assert_int_equal(hb_repro_parse(good, good_len, &r, err,
	    sizeof (err)), 0);
	assert_int_equal(r.r_prog.hp_windows, 0);
	assert_int_equal(r.r_prog.hp_no_walkers, 0);
	r.r_prog.hp_windows = 1;
	r.r_prog.hp_no_walkers = 1;
	assert_int_equal(hb_repro_format(&r, &text, &len), 0);
	assert_non_null(strstr(text, "\nmemory windows\n"));
	assert_non_null(strstr(text, "\nwalkers idle\n"));
	assert_int_equal(hb_repro_parse(text, len, &back, err, sizeof (err)),
	    0);
	assert_int_equal(back.r_prog.hp_windows, 1);
	assert_int_equal(back.r_prog.hp_no_walkers, 1);
	free(text);
	free_repro(&back);
	free_repro(&r);
}

/* the access_code a build with access seams records is read back */
static void
test_access_code(void **state)
{
	struct hb_repro r;
	char err[300], *text;
	size_t len;

	(void) state;
	assert_int_equal(hb_repro_parse(good, good_len, &r, err,
	    sizeof (err)), 0);
	assert_true(r.r_access_code == 0);
	free_repro(&r);
	text = with_line("core ", "core own\nseams access\n"
	    "access_code 0x00000000deadbeef", &len);
	assert_int_equal(hb_repro_parse(text, len, &r, err, sizeof (err)), 0);
	assert_true(r.r_access_code == 0xdeadbeefull);
	assert_int_equal(r.r_prog.hp_access, 1);
	free(text);
	free_repro(&r);
}

static void
test_foreign_and_versions(void **state)
{
	static const char elf[] = "\177ELF\2\1\1";
	size_t len;
	char *v2;

	(void) state;
	expect_refused("", 0, "not an htbed reproducer");
	expect_refused(elf, sizeof (elf), "not an htbed reproducer");
	expect_refused("htbed-reproducer 1\n", 19, "not an htbed reproducer");
	v2 = with_line("htbed-repro 1", "htbed-repro 2", &len);
	expect_refused(v2, len, "version 2");
	free(v2);
}

static void
test_truncated_anywhere(void **state)
{
	size_t n;

	(void) state;
	for (n = 0; n < good_len; n++)
		expect_refused(good, n, NULL);
}

static void
test_any_byte_changed(void **state)
{
	char *bad = malloc(good_len);
	size_t i, n = 0;

	(void) state;
	for (i = 0; i < good_len; i += 7, n++) {
		memcpy(bad, good, good_len);
		bad[i] ^= 0x20;
		expect_refused(bad, good_len, NULL);
	}
	assert_true(n > 20);
	free(bad);
}

static void
test_bad_content_checksummed(void **state)
{
	static const struct { const char *key, *line, *why; } cases[] = {
		{ "config ", "config cpus=0 kpm=0", "config has" },
		{ "strategy ", "strategy fast seed=1 depth=3 steps=0 bound=0 "
		    "max_steps=9", "unknown strategy" },
		{ "strategy ", "strategy pct seed=1 depth=99 steps=0 bound=0 "
		    "max_steps=9", "out of range" },
		{ "op 0 ", "op 0 fly 1 2 3 4 5", "unknown op" },
		{ "op 0 ", "op 1 map 1 2 3 4 5", "out of place" },
		{ "op 0 ", "op 0 map 1 2 3 4 99999999999", "out of range" },
		{ "schedule ", "schedule 3 0 1", "schedule has" },
		{ "fiber 0 ", "fiber 0 300", "out of range" },
		{ "core ", "kernel own", "unknown item" },
		{ "core ", "core own\naccess_code beef", "not a number" },
	};
	size_t i, len;
	char *bad;

	(void) state;
	for (i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
		bad = with_line(cases[i].key, cases[i].line, &len);
		expect_refused(bad, len, cases[i].why);
		free(bad);
	}
}

/* a real run's reproducer, with a made-up failure line */
static int
setup(void **state)
{
	struct hb_program prog;
	struct sched_params sp = { .sp_kind = SK_RANDOM, .sp_seed = 9,
	    .sp_max_steps = 1000000 };
	struct strategy *st;
	struct hb_run r;
	struct hb_repro rep;

	(void) state;
	hb_default_config(&cfg);
	cfg.hc_workers = 2;
	cfg.hc_hats = 1;
	cfg.hc_small_pages = 1024;
	cfg.hc_large_runs = 2;
	cfg.hc_shim.sc_kpm = 1;
	cfg.hc_shim.sc_ptframes = 256;
	cfg.hc_outdir = "build/unit-out";
	if (hb_ctl_init(&cfg) != 0)
		return (-1);
	hb_program_random(&prog, 4, 2, 8, cfg.hc_weights);
	st = strategy_new(&sp);
	hb_ctl_run(&prog, st, &sp, &r);
	strategy_free(st);
	memset(&rep, 0, sizeof (rep));
	(void) snprintf(rep.r_core, sizeof (rep.r_core), "own");
	rep.r_cfg = cfg;
	rep.r_sp = sp;
	(void) snprintf(rep.r_failure, sizeof (rep.r_failure),
	    "panic at somewhere.c:1");
	rep.r_prog = prog;
	rep.r_choices = (uint8_t *)hb_ctl_choices(&rep.r_nchoices);
	return (hb_repro_format(&rep, &good, &good_len));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_program_flags),
		cmocka_unit_test(test_access_code),
		cmocka_unit_test(test_foreign_and_versions),
		cmocka_unit_test(test_truncated_anywhere),
		cmocka_unit_test(test_any_byte_changed),
		cmocka_unit_test(test_bad_content_checksummed),
	};

	return (cmocka_run_group_tests_name("repro", tests, setup, NULL));
}
