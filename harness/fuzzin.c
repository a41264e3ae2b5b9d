/*
 * Fuzz inputs: how a byte string becomes a controlled-mode run (a program
 * and a schedule) on the fuzz machine.  Every byte string is a valid
 * input, and a small change of the input makes a small change of the run.
 *
 * htfuzz_sched (hb_fuzz_decode()):
 *
 *	byte 0		shape: 2 + b % 3 fibers, 1 + (b / 3) % 3 hats,
 *			(b / 9) % 2: page tables through the windows (else
 *			kpm, the fuzz machine's own mode), and (b / 18) % 2:
 *			the MMU's walkers run (one per vCPU; else they sit
 *			the run out)
 *	byte 1		n = b % (HB_FUZZ_OPS + 1): op records that follow
 *	n x 9 bytes	an op record: the fiber (byte % fibers), then the op
 *			(8 bytes, hb_op_decode()); records of one fiber run
 *			in the order they appear
 *	the rest	the schedule: the `bytes' strategy's input, a bit per
 *			decision point, repeated (shim/testing/strategy.c);
 *			in a SEAMS=access build, gaps between preemptions
 *			instead (1 to 128 points in a byte, up to 32768 in
 *			two), repeated: a run has ten times as many decision
 *			points, most of them plain accesses
 *
 * An input cut short has fewer records and an empty schedule.  Changing a
 * record's first byte moves one op to another fiber; changing an op byte
 * changes one op; changing a schedule byte moves one preemption.
 * hb_fuzz_mutate() can keep the records and change the schedule alone.
 *
 * htfuzz_ops (hb_fuzz_decode_ops()): one fiber, no schedule bytes (the
 * reaper and the worker take turns by the strategy's default), the
 * walkers idle, always kpm (a run through the windows costs some 20
 * times as much where a remap is a system call; htfuzz_sched explores
 * the windows):
 *
 *	byte 0		1 + b % 3 hats
 *	the rest	op records of 8 bytes (hb_op_decode()), run in order;
 *			the first HB_FUZZ_OPS count (as many as the fibers
 *			of an htfuzz_sched input have: the run has the
 *			same step budget), a trailing partial record is
 *			ignored
 *
 * In both, an op's hat selector is folded onto the input's hats (and the
 * kernel).
 */
#include <sys/types.h>
#include <htbed/sched.h>
#include "harness.h"

#define	REC	(1 + HB_OP_BYTES)

void
hb_fuzz_config(struct hb_config *c)
{
	hb_default_config(c);
	c->hc_workers = HB_FUZZ_FIBERS;
	c->hc_hats = HB_FUZZ_HATS;
	c->hc_small_pages = 1024;
	c->hc_large_runs = 2;
	c->hc_reservoir = 8;
	c->hc_shim.sc_kpm = 1;
	c->hc_shim.sc_ptframes = 512;
	c->hc_shim.sc_seed = 1;
	c->hc_shim.sc_walkers = 1;
	/*
	 * Four hash buckets per hat, not 32: a steal visits every bucket of
	 * every hat under its mutex, two scheduling points each, and made
	 * most of a run's steps; with four, a run costs a fifth less
	 * (docs/measurements.md) and chains hold several tables each.
	 */
	c->hc_hash_cnt = 4;
	c->hc_outdir = "fuzz-out";
}

void
hb_fuzz_params(struct sched_params *sp, const uint8_t *sched, size_t nsched)
{
	*sp = (struct sched_params){ .sp_kind = SK_BYTES, .sp_seed = 1,
	    .sp_max_steps = HB_FUZZ_MAX_STEPS, .sp_bytes = sched,
	    .sp_nbytes = nsched, .sp_gaps = HTBED_ACCESS_SEAMS };
}

/* the input's hats, then the kernel: as harness/ops.c selects them */
static uint8_t
fold_hat(uint8_t raw, int nhats)
{
	int h = raw % (nhats + 1);

	return ((uint8_t)(h == nhats ? HB_FUZZ_HATS : h));
}

/*
 * A program of nf fibers, none with ops yet, in kpm or window mode, with
 * or without the MMU's walkers.
 */
static void
empty(struct hb_program *p, int nf, int windows, int walkers)
{
	__builtin_memset(p, 0, sizeof (*p));
	p->hp_nfibers = nf;
	p->hp_windows = windows;
	p->hp_no_walkers = !walkers;
	p->hp_access = HTBED_ACCESS_SEAMS;
}

/* the op of a record, appended to fiber f while it has room */
static void
add_op(struct hb_program *p, int f, const uint8_t *rec, int nhats)
{
	hb_op_t op;

	(void) hb_op_decode(rec, HB_OP_BYTES, &op);
	op.op_hat = fold_hat(op.op_hat, nhats);
	if (p->hp_nops[f] < HB_PROG_OPS)
		p->hp_ops[f][p->hp_nops[f]++] = op;
}

size_t
hb_fuzz_decode(const uint8_t *in, size_t len, struct hb_program *p,
    const uint8_t **sched, size_t *nsched)
{
	uint8_t shape = len > 0 ? in[0] : 0;
	int nf = 2 + shape % 3, nh = 1 + (shape / 3) % HB_FUZZ_HATS;
	size_t n = len > 1 ? in[1] % (HB_FUZZ_OPS + 1) : 0, off = 2, i;

	empty(p, nf, (shape / 9) % 2, (shape / 18) % 2);
	for (i = 0; i < n && off + REC <= len; i++, off += REC)
		add_op(p, in[off] % nf, &in[off + 1], nh);
	off = off > len ? len : off;
	*sched = in + off;
	*nsched = len - off;
	return (off);
}

size_t
hb_fuzz_decode_ops(const uint8_t *in, size_t len, struct hb_program *p)
{
	int nh = 1 + (len > 0 ? in[0] : 0) % HB_FUZZ_HATS;
	size_t off = 1;

	empty(p, 1, 0, 0);
	for (; off + HB_OP_BYTES <= len && p->hp_nops[0] < HB_FUZZ_OPS;
	    off += HB_OP_BYTES)
		add_op(p, 0, &in[off], nh);
	return (off > len ? len : off);
}

/*
 * A mutation of an htfuzz_sched input by `mutate' (libFuzzer's
 * LLVMFuzzerMutate in the target): of the schedule alone, the bytes before
 * it left as they are, if `schedule_only' and the schedule may grow; of
 * the whole input otherwise.  Returns the new length (at most max).
 */
size_t
hb_fuzz_mutate(uint8_t *in, size_t len, size_t max, int schedule_only,
    size_t (*mutate)(uint8_t *, size_t, size_t))
{
	static struct hb_program p;
	const uint8_t *sched;
	size_t nsched, off = hb_fuzz_decode(in, len, &p, &sched, &nsched);

	if (!schedule_only || off >= max)
		return (mutate(in, len, max));
	return (off + mutate(in + off, nsched, max - off));
}
