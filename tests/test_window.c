/*
 * test_window: reaching page tables.
 *
 * Window mode (the default): x86pte_mapin() returns an address in this
 * vCPU's table window that aliases the frame -- the same memory, both
 * ways -- and holds preemption off and the vCPU's hci_mutex until
 * x86pte_mapout(); mapping another frame remaps the same window.  The
 * shim reports a window remapped outside that protocol ("window") and a
 * window or kpm access to a frame that is no allocated page-table frame
 * ("use-after-free").
 *
 * kpm mode needs a machine booted that way; it can boot once per
 * process, so its group runs in a child of its own, before the parent
 * boots in window mode.
 */
#include "unit.h"
#include "htbed/sanitizer.h"
#include "htbed/host.h"
#include "unit_machine.h"

extern uint64_t	kw_frame_alloc(void);
extern void	kw_frame_free(uint64_t);
extern uint64_t	kw_freed_frame(void);
extern uint64_t	kw_data_frame(void);
extern uint64_t	*kw_physmap(uint64_t);
extern void	*kw_mapin(uint64_t, unsigned);
extern void	kw_mapout(void);
extern int	kw_cpu(void);
extern int	kw_preempt(void);
extern int	kw_hci_held(void);
extern void	*kw_window_va(int);
extern void	kw_stats(struct shim_stats *);
extern int	kw_kpm_mode(void);
extern void	*kw_kpm_vbase(void);
extern void	*kw_kpm_va(uint64_t);
extern void	kw_remap_correct(void *);
extern void	kw_remap_without_hci(void *);
extern void	kw_remap_preemptible(void *);
extern void	kw_remap_other_cpu(void *);
extern void	kw_remap_invalid(void *);
extern void	kw_mapin_after_other(void *);
extern void	kw_kpm_touch(void *);
extern void	kw_stale_window(void *);
extern void	kw_window_after_realloc(void *);

static const char *outdir;

static int
boot(int kpm)
{
	struct hb_config c;

	/* (no migration: the tests compare window addresses) */
	unit_machine(&c, 2, outdir);
	c.hc_shim.sc_kpm = kpm;
	return (unit_boot(&c));
}

static uint64_t
remaps(void)
{
	struct shim_stats s;

	kw_stats(&s);
	return (s.ss_window_remaps);
}

static void
do_check(void *arg)
{
	hb_check((const char *)arg);
}

/* ---- window mode ---- */

static void
test_mapin_aliases_frame(void **state)
{
	uint64_t pfn = kw_frame_alloc(), *phys, *win;
	char *p;
	int i;

	(void) state;
	assert_int_not_equal(pfn, 0);
	assert_false(kw_kpm_mode());
	phys = kw_physmap(pfn);
	for (i = 0; i < 512; i++)
		phys[i] = 0x5a5a000000000000ull | (uint64_t)i;

	p = kw_mapin(pfn, 37);
	/* the window span: preemption off, the vCPU's hci_mutex held */
	assert_int_equal(kw_preempt(), 1);
	assert_true(kw_hci_held());
	assert_ptr_equal(p, (char *)kw_window_va(0) + 37 * 8);
	win = (uint64_t *)(void *)(p - 37 * 8);
	assert_ptr_not_equal(win, phys);
	for (i = 0; i < 512; i++)
		assert_int_equal(win[i], phys[i]);
	win[3] = 0x1111222233334444ull;		/* window -> frame */
	assert_int_equal(phys[3], 0x1111222233334444ull);
	phys[500] = 0x5555666677778888ull;	/* frame -> window */
	assert_int_equal(win[500], 0x5555666677778888ull);
	assert_int_equal(*(uint64_t *)(void *)p, phys[37]);
	kw_mapout();
	assert_int_equal(kw_preempt(), 0);
	assert_false(kw_hci_held());
	kw_frame_free(pfn);
	expect_clean(do_check, "after window aliasing");
}

static void
test_other_frame_remaps_same_window(void **state)
{
	uint64_t a = kw_frame_alloc(), b = kw_frame_alloc(), r0;
	uint64_t *wa, *wb;

	(void) state;
	assert_int_not_equal(a, 0);
	assert_int_not_equal(b, 0);
	kw_physmap(a)[5] = 0xaaaa;
	kw_physmap(b)[5] = 0xbbbb;

	wa = kw_mapin(a, 0);
	assert_int_equal(wa[5], 0xaaaa);
	kw_mapout();
	r0 = remaps();
	wb = kw_mapin(b, 0);
	assert_ptr_equal(wb, wa);
	assert_int_equal(wb[5], 0xbbbb);
	kw_mapout();
	assert_int_equal(remaps(), r0 + 1);
	/* the same frame again: the window already shows it, no remap */
	wb = kw_mapin(b, 0);
	assert_int_equal(wb[5], 0xbbbb);
	kw_mapout();
	assert_int_equal(remaps(), r0 + 1);
	wa = kw_mapin(a, 0);
	assert_int_equal(wa[5], 0xaaaa);
	kw_mapout();
	assert_int_equal(remaps(), r0 + 2);
	kw_frame_free(a);
	kw_frame_free(b);
	expect_clean(do_check, "after window remaps");
}

static void
test_remap_protocol_violations_reported(void **state)
{
	uint64_t pfn = kw_frame_alloc();
	void *arg = (void *)(uintptr_t)pfn;

	(void) state;
	assert_int_not_equal(pfn, 0);
	assert_int_equal(kw_cpu(), 0);
	expect_bug(kw_remap_without_hci, arg, "window",
	    "remaps window 0 without holding hci_mutex(cpu0)");
	expect_bug(kw_remap_preemptible, arg, "window",
	    "remaps window 0 with preemption enabled");
	expect_bug(kw_remap_other_cpu, arg, "window",
	    "on cpu0 remaps window 2 of cpu1");
	expect_bug(kw_remap_invalid, NULL, "window",
	    "window 0 flushed with an invalid PTE");
	expect_clean(kw_remap_correct, arg);
	kw_frame_free(pfn);
}

static void
test_mapin_of_non_table_frame_reported(void **state)
{
	uint64_t live = kw_frame_alloc();

	(void) state;
	assert_int_not_equal(live, 0);
	expect_bug(kw_mapin_after_other, (void *)(uintptr_t)kw_freed_frame(),
	    "use-after-free", "which is not an allocated page-table frame "
	    "(it was freed)");
	expect_bug(kw_mapin_after_other, (void *)(uintptr_t)kw_data_frame(),
	    "use-after-free", "window map of pfn");
	expect_clean(kw_mapin_after_other, (void *)(uintptr_t)live);
	kw_frame_free(live);
	expect_clean(do_check, "after the map-in tests");
}

/*
 * A window that still names a freed frame: the access faults, and the
 * shim's fault handler reports a use-after-free through the window.
 * Sanitizer builds leave faults to the sanitizer's own handler, which
 * cmocka's (inherited by the child) would pre-empt here: the check runs
 * in the release build.
 */
static void
test_stale_window_to_freed_frame_reported(void **state)
{
	(void) state;
	expect_clean(kw_window_after_realloc, NULL);
#if defined(HTBED_ASAN) || defined(HTBED_TSAN)
	skip();
#else
	expect_bug(kw_stale_window, NULL, "use-after-free",
	    "a freed page-table frame");
#endif
}

static int
setup_window(void **state)
{
	(void) state;
	return (boot(0));
}

/* ---- kpm mode ---- */

static void
test_kpm_address(void **state)
{
	uint64_t pfn = kw_frame_alloc();
	char *va, *p;

	(void) state;
	assert_true(kw_kpm_mode());
	assert_int_not_equal(pfn, 0);
	va = kw_kpm_va(pfn);
	assert_ptr_equal(va, (char *)kw_kpm_vbase() + pfn * 4096);
	assert_ptr_equal(va, (char *)kw_physmap(pfn));
	/* map-in is the kpm address: no window, no lock, preemption on */
	p = kw_mapin(pfn, 9);
	assert_ptr_equal(p, va + 9 * 8);
	assert_int_equal(kw_preempt(), 0);
	assert_false(kw_hci_held());
	kw_mapout();
	assert_int_equal(kw_preempt(), 0);
	kw_frame_free(pfn);
	expect_clean(do_check, "after kpm access");
}

static void
test_kpm_of_free_frame_reported(void **state)
{
	uint64_t live = kw_frame_alloc();

	(void) state;
	expect_bug(kw_kpm_touch, (void *)(uintptr_t)kw_freed_frame(),
	    "use-after-free", "kpm access of pfn");
	expect_bug(kw_kpm_touch, (void *)(uintptr_t)kw_data_frame(),
	    "use-after-free", "kpm access of pfn");
	expect_clean(kw_kpm_touch, (void *)(uintptr_t)live);
	kw_frame_free(live);
}

static int
setup_kpm(void **state)
{
	(void) state;
	return (boot(1));
}

static int
kpm_group(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kpm_address),
		cmocka_unit_test(test_kpm_of_free_frame_reported),
	};

	return (cmocka_run_group_tests_name("window (kpm mode)", tests,
	    setup_kpm, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mapin_aliases_frame),
		cmocka_unit_test(test_other_frame_remaps_same_window),
		cmocka_unit_test(test_remap_protocol_violations_reported),
		cmocka_unit_test(test_mapin_of_non_table_frame_reported),
		cmocka_unit_test(test_stale_window_to_freed_frame_reported),
	};
	int failed;

	outdir = unit_outdir_create();
	failed = unit_group_in_child(kpm_group);
	failed += cmocka_run_group_tests_name("window", tests, setup_window,
	    NULL);
	unit_outdir_remove(outdir);
	return (failed);
}
