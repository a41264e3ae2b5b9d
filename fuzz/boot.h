/*
 * The start-up the fuzz targets share: boot the fuzz machine
 * (hb_fuzz_config(): the configuration a fuzz input's reproducer names),
 * make any bug-found event abort so libFuzzer keeps the input, save the
 * machine for controlled runs, and return the `bytes' strategy every run
 * uses.  A machine that does not boot ends the process with exit 2.
 */
#ifndef _FUZZ_BOOT_H
#define	_FUZZ_BOOT_H

#include <stdlib.h>

#include "harness.h"

static struct strategy *
fuzz_boot(void)
{
	struct sched_params sp = { .sp_kind = SK_BYTES };
	struct hb_config c;

	hb_fuzz_config(&c);
	c.hc_shim.sc_abort_on_bug = 1;
	if (hb_ctl_init(&c) != 0)
		exit(2);
	return (strategy_new(&sp));
}

#endif	/* _FUZZ_BOOT_H */
