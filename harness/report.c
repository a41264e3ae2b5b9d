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
#include "known.h"

#define	TRACE_EVENTS	60	/* the interleaving shown in a report */

/* the known finding that accounts for the failure (harness/known.h) */
const char *hb_known_finding;

static int
report_hook(const char *kind, const char *where, const char *msg,
    host_buf_t *b)
{
	const struct hb_config *c = &hb_world.w_cfg;
	char path[1024];

	/* a controlled run, or the check at its end */
	if (seam_controlled || sched_steps() > 0) {
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
	hb_known_finding = known_match(kind, where, msg);
	if (hb_known_finding != NULL)
		hbuf_printf(b, "known:     %s (%s), corpus/findings/%s%s\n",
		    hb_known_finding, known_status(hb_known_finding),
		    hb_known_finding, c->hc_fail_on_known ? "" :
		    "; not a failure of this run (--fail-on-known makes it "
		    "one)");
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
	return (hb_known_finding != NULL && !c->hc_fail_on_known ? 0 : 1);
}

void
report_init(void)
{
	bug_set_hook(report_hook);
}
