/*
 * Failure artifacts.  When a bug is found, the report the shim assembled
 * gets the interleaving (controlled mode), the run's seed and the command
 * that repeats the run, and is written whole (temporary file, then rename)
 * to <outdir>/failure-<seed>.txt before the process exits; the driver's
 * hook then writes its own artifacts (the reproducer, the JSON summary).
 */
#include <sys/types.h>
#include <htbed/sched.h>
#include <htbed/shim.h>
#include "world.h"

#define	TRACE_EVENTS	60	/* the interleaving shown in a report */

static void
report_hook(const char *kind, const char *where, host_buf_t *b)
{
	const struct hb_config *c = &hb_world.w_cfg;
	char path[1024];

	if (seam_controlled) {
		hbuf_printf(b, "---- the fibers ----\n");
		sched_describe(b);
		hbuf_printf(b, "---- the interleaving: last %d events, one "
		    "lane per thread ----\n", TRACE_EVENTS);
		sched_trace(b, TRACE_EVENTS, 0);
		hbuf_printf(b, "trace hash: %016llx after %llu steps\n",
		    (unsigned long long)sched_trace_hash(),
		    (unsigned long long)sched_steps());
	}
	hbuf_printf(b, "---- run ----\n");
	hbuf_printf(b, "signature: %s at %s\n", kind, where);
	hbuf_printf(b, "seed:      %llu\n",
	    (unsigned long long)c->hc_shim.sc_seed);
	hbuf_printf(b, "repeat:    %s\n", c->hc_repeat);
	(void) host_snprintf(path, sizeof (path), "%s/failure-%llu.txt",
	    c->hc_outdir, (unsigned long long)c->hc_shim.sc_seed);
	hbuf_printf(b, "report:    %s\n", path);
	if (host_mkdir_p(c->hc_outdir) != 0 ||
	    host_write_file_atomic(path, b->hb_data, b->hb_len) != 0)
		hbuf_printf(b, "htbed: could not write %s\n", path);
	if (c->hc_on_bug != NULL)
		c->hc_on_bug(kind, where);
}

void
report_init(void)
{
	bug_set_hook(report_hook);
}
