/*
 * The harness machine a unit test boots (host domain): the defaults
 * without injected failures, yields or migrations, so that a test sees
 * exactly the calls it makes, with nhats address spaces and as many
 * workers.  A test may change the configuration between unit_machine()
 * and unit_boot(), which boots it and attaches the test's thread as
 * worker 0.
 */
#ifndef _TESTS_UNIT_MACHINE_H
#define	_TESTS_UNIT_MACHINE_H

#include "harness.h"

/* a failure report's "repeat:" line names the test file */
#define	unit_machine(c, nhats, outdir)	\
	unit_machine_file((c), (nhats), (outdir), "(unit test: " __FILE__ ")")

static inline void
unit_machine_file(struct hb_config *c, int nhats, const char *outdir,
    const char *repeat)
{
	hb_default_config(c);
	c->hc_shim.sc_migrate_ppm = 0;
	c->hc_shim.sc_yield_ppm = 0;
	c->hc_shim.sc_kmem_fail_ppm = 0;
	c->hc_shim.sc_page_fail_ppm = 0;
	c->hc_shim.sc_upgrade_fail_ppm = 0;
	c->hc_hats = nhats;
	c->hc_workers = nhats;
	c->hc_outdir = outdir;
	c->hc_repeat = repeat;
}

static inline int
unit_boot(const struct hb_config *c)
{
	if (hb_init(c) != 0)
		return (-1);
	hb_attach("test", 0);
	return (0);
}

#endif	/* _TESTS_UNIT_MACHINE_H */
