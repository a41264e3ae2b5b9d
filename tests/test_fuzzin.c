/*
 * test_fuzzin: htfuzz_sched's inputs (harness/fuzzin.c).  An input
 * decodes into the shape, the op records and the schedule its layout
 * says; a record cut short is schedule; and a schedule-only mutation
 * leaves the program as it was while a whole one may change it.
 */
#include "unit.h"
#include "harness.h"

#define	REC	(1 + HB_OP_BYTES)

/* shape 4: 3 fibers, 2 hats, kpm, walkers idle; 2 records; 3 schedule bytes */
static const uint8_t input[] = {
	4, 2,
	1, 0, 0, 0, 0, 0, 0, 0, 0,
	2, 1, 0, 0, 0, 0, 0, 0, 0,
	0xa5, 0x0f, 0xf0,
};

static void
decode(const uint8_t *in, size_t len, struct hb_program *p, size_t *off,
    size_t *nsched)
{
	const uint8_t *sched;

	memset(p, 0, sizeof (*p));
	*off = hb_fuzz_decode(in, len, p, &sched, nsched);
	assert_ptr_equal(sched, in + *off);
}

static void
test_layout(void **state)
{
	struct hb_program p;
	size_t off, nsched;

	(void) state;
	decode(input, sizeof (input), &p, &off, &nsched);
	assert_int_equal(p.hp_nfibers, 3);
	assert_int_equal(p.hp_windows, 0);
	assert_int_equal(p.hp_no_walkers, 1);
	assert_int_equal(off, 2 + 2 * REC);
	assert_int_equal(nsched, 3);
	/* record 0 goes to fiber 1, record 1 to fiber 2 */
	assert_int_equal(p.hp_nops[0], 0);
	assert_int_equal(p.hp_nops[1], 1);
	assert_int_equal(p.hp_nops[2], 1);
}

/* a record cut short is no op: its bytes are the schedule */
static void
test_cut_short(void **state)
{
	struct hb_program p;
	size_t off, nsched;

	(void) state;
	decode(input, 2 + REC + 4, &p, &off, &nsched);
	assert_int_equal(p.hp_nops[1] + p.hp_nops[2], 1);
	assert_int_equal(off, 2 + REC);
	assert_int_equal(nsched, 4);
}

/* a stand-in for libFuzzer's mutation: every byte inverted, one added */
static size_t
invert_and_grow(uint8_t *d, size_t n, size_t max)
{
	size_t i;

	for (i = 0; i < n; i++)
		d[i] ^= 0xff;
	if (n < max)
		d[n++] = 0x5a;
	return (n);
}

static void
test_schedule_only(void **state)
{
	uint8_t buf[64];
	struct hb_program before, after;
	size_t len, off, noff, nsched;

	(void) state;
	memcpy(buf, input, sizeof (input));
	decode(buf, sizeof (input), &before, &off, &nsched);
	len = hb_fuzz_mutate(buf, sizeof (input), sizeof (buf), 1,
	    invert_and_grow);
	assert_int_equal(len, sizeof (input) + 1);
	assert_memory_equal(buf, input, off);
	assert_int_equal(buf[off], input[off] ^ 0xff);
	assert_int_equal(buf[len - 1], 0x5a);
	decode(buf, len, &after, &noff, &nsched);
	assert_int_equal(noff, off);
	assert_int_equal(nsched, 4);
	assert_memory_equal(&after, &before, sizeof (before));
}

static void
test_whole(void **state)
{
	uint8_t buf[64];
	struct hb_program before, after;
	size_t len, off, nsched;

	(void) state;
	memcpy(buf, input, sizeof (input));
	decode(buf, sizeof (input), &before, &off, &nsched);
	len = hb_fuzz_mutate(buf, sizeof (input), sizeof (buf), 0,
	    invert_and_grow);
	assert_int_equal(len, sizeof (input) + 1);
	assert_int_equal(buf[0], input[0] ^ 0xff);
	decode(buf, len, &after, &off, &nsched);
	assert_memory_not_equal(&after, &before, sizeof (before));
}

/* no room after the program: the whole input is mutated */
static void
test_no_room(void **state)
{
	uint8_t buf[sizeof (input)];
	size_t off = 2 + 2 * REC;

	(void) state;
	memcpy(buf, input, sizeof (input));
	(void) hb_fuzz_mutate(buf, off, off, 1, invert_and_grow);
	assert_int_equal(buf[0], input[0] ^ 0xff);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_cut_short),
		cmocka_unit_test(test_schedule_only),
		cmocka_unit_test(test_whole),
		cmocka_unit_test(test_no_room),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
