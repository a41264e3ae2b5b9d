/*
 * htfuzz_diff: libFuzzer target of the differential test.  An input is an
 * op program (HB_OP_BYTES-byte records, fuzz/diff.h); it runs on the
 * project's htable.c and on the reference htable.c, and any difference in
 * what they leave observable aborts with both dumps around it, so that
 * libFuzzer saves the input.  Replay a saved input with
 * `htdiff crash-...` (or this binary given the file).
 */
#include <stdio.h>
#include <stdlib.h>

#include "diff.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	if (hd_boot() != 0)
		exit(2);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hd_result r;

	if (hd_run(data, size, &r) > 0) {
		(void) fputs(r.hr_report, stderr);
		abort();
	}
	hd_result_free(&r);
	return (0);
}

/* the instances' sanitizer defaults are renamed away; these are the run's */
const char	*__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return ("detect_leaks=0");
}
