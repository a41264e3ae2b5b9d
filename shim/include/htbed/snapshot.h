/*
 * Saving the emulated machine and putting it back (shim/testing/snapshot.c):
 * what lets controlled mode run many executions in one process, each from
 * the same boot state.
 */
#ifndef _HTBED_SNAPSHOT_H
#define	_HTBED_SNAPSHOT_H

#include <sys/types.h>

extern void	snap_save(void);		/* after boot, quiescent */
extern void	snap_restore(void);		/* no workload thread runs */
extern void	snap_frame_used(pfn_t);		/* page_get_physical() */
extern size_t	snap_bytes(void);		/* copied per restore */

#endif	/* _HTBED_SNAPSHOT_H */
