/*
 * The machine saved after boot and put back, for a driver that runs many
 * programs in one process and wants each to start from the same state
 * (the differential test, fuzz/diff.c); hb_ctl_init() and hb_ctl_run()
 * do the same for controlled mode.  The machine is the snapshot's
 * (shim/testing/snapshot.c) plus the shadow model, which lives outside it
 * and is put back region by region (harness/shadow.c).
 */
#include <sys/types.h>
#include <htbed/snapshot.h>
#include "world.h"
#include "dump.h"

void
hb_machine_save(void)
{
	shadow_save();		/* first: its own record is machine state */
	snap_save();
}

void
hb_machine_restore(void)
{
	uint64_t touched[HB_MAX_SLOTS];

	shadow_touched_masks(touched);
	snap_restore();
	shadow_restore(touched);
}
