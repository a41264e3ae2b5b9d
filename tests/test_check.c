/*
 * The invariant checker (harness/check.c) must fail on each kind of
 * corruption it claims to see, and pass on the machine the corruption was
 * planted in.  The machine: the harness booted, user address space 0
 * given mappings by map ops; each test plants one corruption in a forked
 * child and expects the child's full check to end in an "invariant" bug
 * report naming it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "htbed/host.h"
#include "unit.h"
#include "unit_machine.h"

extern void	kk_map_some(void);
extern int	kk_stray_invalid_entry(void);
extern int	kk_leaf_moved(void);
extern int	kk_leaf_dropped(void);
extern int	kk_leaf_noconsist(void);
extern int	kk_kernel_entry_differs(void);
extern int	kk_link_lost(void);

static const char *outdir;

/* the child: plant the corruption, then run the whole check */
static void
plant_and_check(void *arg)
{
	int (*plant)(void) = (int (*)(void))arg;

	host_phys_private();
	if (plant() != 0)
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

#define	CORRUPTION(name, fn, what)				\
static void							\
name(void **state)						\
{								\
	(void) state;						\
	expect_bug(plant_and_check, (void *)(fn), "invariant", (what)); \
	expect_clean(check_only, NULL);				\
}

CORRUPTION(test_stray_invalid_entry, kk_stray_invalid_entry,
    "an invalid entry must be 0")
CORRUPTION(test_leaf_to_another_page, kk_leaf_moved, "the model says")
CORRUPTION(test_leaf_lost, kk_leaf_dropped, "valid entries")
CORRUPTION(test_leaf_without_hment, kk_leaf_noconsist,
    "consistent mappings")
CORRUPTION(test_kernel_entry_not_copied, kk_kernel_entry_differs,
    "the kernel's is")
CORRUPTION(test_child_table_unlinked, kk_link_lost, "holds must exist")

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
		cmocka_unit_test(test_kernel_entry_not_copied),
		cmocka_unit_test(test_child_table_unlinked),
	};
	int failed;

	outdir = unit_outdir_create();
	failed = cmocka_run_group_tests_name("check", tests, setup, NULL);
	unit_outdir_remove(outdir);
	return (failed != 0);
}
