/*
 * htfuzz_ops: libFuzzer over single-threaded op programs, for logic bugs.
 * An input decodes (harness/fuzzin.c, hb_fuzz_decode_ops()) into one
 * fiber's ops over 1-3 hats -- pressure, reap and exit among them -- run
 * in controlled mode on the fuzz machine (the one htfuzz_sched uses),
 * from the machine saved after boot.  There is no schedule to fuzz: the
 * reaper fiber and the worker take turns by the `bytes' strategy's
 * default.  Every lookup and walk is checked against the shadow model
 * and the run ends with the full invariant check; any bug-found event
 * aborts, so libFuzzer keeps the input.  Replay one with
 * `htreplay --fuzz-input=ops FILE'.
 */
#include <stdio.h>
#include <stdlib.h>

#include "boot.h"
#include "harness.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct strategy *st;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	st = fuzz_boot();
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hb_program p;
	struct sched_params sp;
	struct hb_run r;

	(void) hb_fuzz_decode_ops(data, size, &p);
	hb_fuzz_params(&sp, NULL, 0);
	sp.sp_no_hash = 1;
	hb_ctl_run(&p, st, &sp, &r);
	return (0);
}
