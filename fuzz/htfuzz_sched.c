/*
 * htfuzz_sched: libFuzzer over controlled-mode runs.  An input decodes
 * (harness/fuzzin.c) into a program of 2-4 fibers over 1-3 hats -- pressure,
 * reap and exit are ops like any other -- and a schedule for the `bytes'
 * strategy; the run starts from the machine saved after boot and ends
 * with the full invariant check.  Any bug-found event aborts, so libFuzzer
 * keeps the input; `make replay CRASH=file` replays it.
 *
 * Feedback: besides code coverage, the scheduler notes which pairs of
 * code sites handed a mutex from one thread to another
 * (shim/testing/sched.c, sched_feature()), in libFuzzer's extra
 * counters.  HTBED_NO_SCHED_FEEDBACK=1 in the
 * environment turns that off (code coverage alone), to measure what it
 * is worth (mutants/run.sh, its fuzz section).  With access seams (a
 * SEAMS=access build) the counters also take reads-from pairs
 * (shim/testing/access.c): which store site another thread's load read
 * from; HTBED_NO_RF=1 leaves them out.
 *
 * Mutation: every other mutation changes the schedule alone (the bytes
 * after the op records), so that an input whose program can fail keeps
 * that program while its interleavings are searched; the others change
 * the whole input, as libFuzzer would.  HTBED_WHOLE_MUTATION=1 in the
 * environment mutates the whole input always, to measure what the split
 * is worth.  A target with a custom mutator makes libFuzzer turn its
 * length control off, so that inputs are not held short while a schedule
 * is searched (docs/measurements.md).
 *
 * HTBED_FUZZ_SUMMARY=1 prints each run's steps, decisions and
 * preemptions as htreplay does, so that a test can see that a fuzz run
 * (which keeps no trace hash and logs no access events) and the replay
 * of its input are one run (tests/access.sh).
 */
#include <stdio.h>
#include <stdlib.h>

#include "boot.h"
#include "harness.h"

#define	FEATURES	(1 << 16)

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
size_t	LLVMFuzzerCustomMutator(uint8_t *, size_t, size_t, unsigned int);
/* libFuzzer's own mutation; weak, for an engine whose driver has none */
extern size_t LLVMFuzzerMutate(uint8_t *, size_t, size_t)
    __attribute__((weak));
extern void sched_set_features(uint8_t *, size_t);
extern int seam_rf;

__attribute__((used, section("__libfuzzer_extra_counters")))
static uint8_t features[FEATURES];

static struct strategy *st;
static int whole_mutation, summary;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	st = fuzz_boot();
	if (getenv("HTBED_NO_SCHED_FEEDBACK") == NULL)
		sched_set_features(features, FEATURES);
	seam_rf = HTBED_ACCESS_SEAMS && getenv("HTBED_NO_RF") == NULL;
	whole_mutation = getenv("HTBED_WHOLE_MUTATION") != NULL;
	summary = getenv("HTBED_FUZZ_SUMMARY") != NULL;
	return (0);
}

size_t
LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max,
    unsigned int seed)
{
	if (LLVMFuzzerMutate == NULL)
		return (size);
	return (hb_fuzz_mutate(data, size, max, !whole_mutation && seed % 2,
	    LLVMFuzzerMutate));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hb_program p;
	struct sched_params sp;
	const uint8_t *sched;
	size_t nsched;
	struct hb_run r;

	(void) hb_fuzz_decode(data, size, &p, &sched, &nsched);
	hb_fuzz_params(&sp, sched, nsched);
	sp.sp_no_hash = 1;
	hb_ctl_run(&p, st, &sp, &r);
	if (summary)
		fprintf(stderr, "htfuzz_sched: %llu steps, %zu decisions, "
		    "%zu preemptions\n", (unsigned long long)r.hr_steps,
		    r.hr_nchoices, r.hr_preemptions);
	return (0);
}
