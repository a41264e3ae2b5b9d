/*
 * The invariant checker (harness/check.c) must fail on each kind of
 * corruption it claims to see, and pass on the machine the corruption was
 * planted in.  The machine: the harness booted, user address space 0
 * given mappings by map ops; each test plants one corruption in a forked
 * child and expects the child's full check to end in an "invariant" bug
 * report naming it.  The child checks once before it plants, so that the
 * checker's memo holds what it found for the intact machine: a memo must
 * not hide a change made since.  A controlled run's checks trust the
 * record of writes (htbed/written.h): a noted write is compared or
 * walked, and an unnoted one is caught by HTBED_CHECK_VERIFY.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "htbed/host.h"
#include "unit.h"
#include "unit_machine.h"
#include "k_check.h"


static const char *outdir;

/* the child: plant the corruption, then run the whole check */
static void
plant_and_check(void *arg)
{
	enum kk_corruption what = (enum kk_corruption)(uintptr_t)arg;

	host_phys_private();
	hb_check("test_check before the corruption");
	if (kk_plant(what) != 0)
		_exit(3);	/* nothing to plant it in: a setup error */
	hb_check("test_check");
}

static void
check_only(void *arg)
{
	(void) arg;
	hb_check("test_check control");
}

static void
test_intact_machine_passes(void **state)
{
	(void) state;
	expect_clean(check_only, NULL);
}

#define	CORRUPTION(name, kind, what)				\
static void							\
name(void **state)						\
{								\
	(void) state;						\
	expect_bug(plant_and_check, (void *)(uintptr_t)(kind), "invariant", \
	    (what));						\
	expect_clean(check_only, NULL);				\
}

CORRUPTION(test_stray_invalid_entry, KK_STRAY_ENTRY,
    "an invalid entry must be 0")
CORRUPTION(test_leaf_to_another_page, KK_LEAF_MOVED, "the model says")
CORRUPTION(test_leaf_lost, KK_LEAF_DROPPED, "valid entries")
CORRUPTION(test_leaf_without_hment, KK_LEAF_NOCONSIST,
    "consistent mappings")
CORRUPTION(test_top_entry_not_copied, KK_TOP_COPY, "copy of")
CORRUPTION(test_child_table_unlinked, KK_LINK_LOST, "holds must exist")
CORRUPTION(test_model_forgets_mapping, KK_MODEL_UNMAPPED, "the model says")
CORRUPTION(test_lock_count_off, KK_LOCK_COUNT, "locked mappings")
CORRUPTION(test_hment_names_another_entry, KK_HMENT_ENTRY, "which holds")

static void
plant_noted(void *arg)
{
	(void) arg;
	host_phys_private();
	(void) unsetenv("HTBED_CHECK_VERIFY");
	kk_trusted_check(KK_LEAF_MOVED, 1);
}

static void
plant_noted_hment(void *arg)
{
	(void) arg;
	host_phys_private();
	(void) unsetenv("HTBED_CHECK_VERIFY");
	kk_trusted_check(KK_HMENT_ENTRY, 1);
}

static void
plant_unnoted_hment(void *arg)
{
	(void) arg;
	host_phys_private();
	(void) setenv("HTBED_CHECK_VERIFY", "1", 1);
	kk_trusted_check(KK_HMENT_ENTRY, 0);
}

static void
plant_unnoted(void *arg)
{
	(void) arg;
	host_phys_private();
	(void) setenv("HTBED_CHECK_VERIFY", "1", 1);
	kk_trusted_check(KK_LEAF_MOVED, 0);
}

/*
 * A trusting check compares the frames whose writes were noted, and walks
 * the hment lists that lie in arena pages noted written
 */
static void
test_trusted_check_sees_noted_write(void **state)
{
	(void) state;
	expect_bug(plant_noted, NULL, "invariant", "the model says");
	expect_bug(plant_noted_hment, NULL, "invariant", "which holds");
}

/* HTBED_CHECK_VERIFY walks the lists it trusts as well */
static void
test_verify_walks_unnoted_hment(void **state)
{
	(void) state;
	expect_bug(plant_unnoted_hment, NULL, "invariant", "which holds");
}

/*
 * HTBED_CHECK_VERIFY: a frame changed without a note is an internal error
 * (where the checker keeps its memo: not under ThreadSanitizer, where it
 * compares nothing and so trusts nothing)
 */
static void
test_verify_catches_unnoted_write(void **state)
{
	struct unit_child *c;

	(void) state;
	if (!kk_check_memo())
		skip();
	c = unit_run_child(plant_unnoted, NULL);
	if (!WIFEXITED(c->uc_status) || WEXITSTATUS(c->uc_status) != 2 ||
	    strstr(c->uc_err, "no write of it was noted") == NULL) {
		print_error("---- stderr of the child ----\n%s---- end ----\n",
		    c->uc_err);
		fail_msg("expected an internal error (exit 2) naming the "
		    "unnoted write");
	}
}

static int
setup(void **state)
{
	struct hb_config c;

	(void) state;
	unit_machine(&c, 1, outdir);
	if (unit_boot(&c) != 0)
		return (-1);
	kk_map_some();
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intact_machine_passes),
		cmocka_unit_test(test_stray_invalid_entry),
		cmocka_unit_test(test_leaf_to_another_page),
		cmocka_unit_test(test_leaf_lost),
		cmocka_unit_test(test_leaf_without_hment),
		cmocka_unit_test(test_top_entry_not_copied),
		cmocka_unit_test(test_child_table_unlinked),
		cmocka_unit_test(test_model_forgets_mapping),
		cmocka_unit_test(test_lock_count_off),
		cmocka_unit_test(test_trusted_check_sees_noted_write),
		cmocka_unit_test(test_verify_catches_unnoted_write),
		cmocka_unit_test(test_hment_names_another_entry),
		cmocka_unit_test(test_verify_walks_unnoted_hment),
	};
	int failed;

	outdir = unit_outdir_create();
	failed = cmocka_run_group_tests_name("check", tests, setup, NULL);
	unit_outdir_remove(outdir);
	return (failed != 0);
}
