/*
 * test_known: known findings (harness/known.c).  The project's own
 * entries load; a failure matches by kind, the file of its where (not the
 * line) and its message pattern, only in the cores the entry names and,
 * with a files line, only in the files it names;
 * anything else is new.  Bad entries are refused with a reason naming the
 * file and line.
 */
#include "unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "known.h"

static char dir[] = "/tmp/htbed-known-XXXXXX";

/* built with the own core, or with an HTABLE_C file (make test-real) */
static int
own_core(void)
{
	return (strcmp(HTBED_CORE, "own") == 0);
}

/* a findings directory holding one entry, name, with text */
static void
one_entry(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	(void) snprintf(path, sizeof (path), "%s/%s", dir, name);
	(void) mkdir(path, 0755);
	(void) snprintf(path, sizeof (path), "%s/%s/finding", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	(void) fputs(text, f);
	(void) fclose(f);
}

static void
test_own_entries_load(void **state)
{
	char why[600] = "";

	(void) state;
	if (known_load("corpus/findings", why, sizeof (why)) != 0)
		fail_msg("corpus/findings: %s", why);
	/* the own core carries the steal fix: its failure there is new */
	assert_ptr_equal(known_match("model", "harness/shadow.c:299",
	    "a steal or pageunload removes va 0x40000000 -> pfn 0x210, but "
	    "the model says the slot is mapped, locked (pfn 0x210)") == NULL,
	    own_core());
}

static void
test_match_by_kind_file_message(void **state)
{
	char why[600] = "";

	(void) state;
	one_entry("f", "status open\nknown-in all\n"
	    "signature model at harness/shadow.c | removes va *, locked*\n"
	    "signature assertion at htable.c\n");
	assert_int_equal(known_load(dir, why, sizeof (why)), 0);
	assert_string_equal(known_match("model", "harness/shadow.c:12",
	    "removes va 0x1, locked (pfn 2)"), "f");
	assert_null(known_match("model", "harness/shadow.c:12",
	    "removes va 0x1, unlocked"));
	assert_null(known_match("invariant", "harness/shadow.c:12",
	    "removes va 0x1, locked"));
	assert_null(known_match("model", "harness/check.c:12",
	    "removes va 0x1, locked"));
	/* a file matches as a path's last components, nothing less */
	assert_string_equal(known_match("assertion",
	    "../shared/x/htable.c:1717", "anything"), "f");
	assert_null(known_match("assertion", "../shared/x/myhtable.c:1",
	    "anything"));
	assert_string_equal(known_status("f"), "open");
}

/* a pattern can name a sanitizer report's two functions, in its where */
static void
test_pattern_of_where(void **state)
{
	char why[600] = "";

	(void) state;
	one_entry("f", "status open\nknown-in all\n"
	    "signature sanitizer at htable.c | *(purge) vs *(free)\n");
	assert_int_equal(known_load(dir, why, sizeof (why)), 0);
	assert_string_equal(known_match("sanitizer",
	    "x/htable.c:1007 (purge) vs x/htable.c:937 (free)",
	    "ThreadSanitizer: data-race"), "f");
	assert_null(known_match("sanitizer",
	    "x/htable.c:1007 (purge) vs x/htable.c:9 (steal)",
	    "ThreadSanitizer: data-race"));
}

static void
test_known_in_other_core_is_new(void **state)
{
	char why[600] = "";

	(void) state;
	one_entry("f", "status open\nknown-in own\n"
	    "signature model at shadow.c\n");
	one_entry("g", "status open\nknown-in real\n"
	    "signature model at shadow.c\n");
	assert_int_equal(known_load(dir, why, sizeof (why)), 0);
	assert_string_equal(known_match("model", "shadow.c:1", "m"),
	    own_core() ? "f" : "g");
}

/* a files line limits an entry to the code under test it names */
static void
test_files_limit_an_entry(void **state)
{
	char why[600] = "", text[600];

	(void) state;
	(void) snprintf(text, sizeof (text), "status open\nknown-in all\n"
	    "files *no-such-file* %s\nsignature model at shadow.c\n",
	    HTBED_CORE);
	one_entry("f", text);
	one_entry("g", "status open\nknown-in all\n"
	    "files *no-such-file* *nor-this*\nsignature hang at sched.c\n");
	assert_int_equal(known_load(dir, why, sizeof (why)), 0);
	assert_string_equal(known_match("model", "shadow.c:1", "m"), "f");
	assert_null(known_match("hang", "sched.c:1", "m"));
}

static void
test_bad_entries_refused(void **state)
{
	char why[600] = "";

	(void) state;
	one_entry("f", "status open\nknown-in all\nsignatur model at x.c\n");
	assert_int_equal(known_load(dir, why, sizeof (why)), -1);
	assert_non_null(strstr(why, "/f/finding:3: not a status"));
	one_entry("f", "status open\nknown-in somewhere\n"
	    "signature model at x.c\n");
	assert_int_equal(known_load(dir, why, sizeof (why)), -1);
	one_entry("f", "status open\nknown-in all\n");
	assert_int_equal(known_load(dir, why, sizeof (why)), -1);
	assert_non_null(strstr(why, "needs a status, a known-in and a "
	    "signature"));
	one_entry("f", "status open\nknown-in all\nsignature model x.c\n");
	assert_int_equal(known_load(dir, why, sizeof (why)), -1);
	assert_int_equal(known_load("/nonexistent/findings", why,
	    sizeof (why)), -1);
	assert_non_null(strstr(why, "cannot read the findings directory"));
}

static int
reset_dir(void **state)
{
	char cmd[600];

	(void) state;
	(void) snprintf(cmd, sizeof (cmd), "rm -rf %s/*", dir);
	return (system(cmd) == 0 ? 0 : -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_entries_load),
		cmocka_unit_test_setup(test_match_by_kind_file_message,
		    reset_dir),
		cmocka_unit_test_setup(test_known_in_other_core_is_new,
		    reset_dir),
		cmocka_unit_test_setup(test_files_limit_an_entry, reset_dir),
		cmocka_unit_test_setup(test_pattern_of_where, reset_dir),
		cmocka_unit_test_setup(test_bad_entries_refused, reset_dir),
	};
	int rc;

	if (mkdtemp(dir) == NULL)
		return (2);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	(void) reset_dir(NULL);
	(void) rmdir(dir);
	return (rc);
}
