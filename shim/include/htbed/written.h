/*
 * The page-table frames written since the invariant checker last compared
 * them (harness/check.c keeps a copy of each frame and compares it at
 * every check; a frame nobody wrote needs no comparing).  Every writer of
 * a frame says so:
 *
 *  - the core's plain stores, through the access callbacks, in a build
 *    whose core calls them (SEAMS=access: shim/testing/access.c);
 *  - its mem* calls, which the Makefile renames in the core's objects to
 *    written.c's, in the same builds;
 *  - the shim's atomics (sys/atomic.h), the MMU's REF/MOD updates
 *    (hw/walk.c), the fill of a frame (kern/page.c) and the machine's
 *    restore (testing/snapshot.c), in every build.
 *
 * Only where the core calls the callbacks is the record whole:
 * written_tracked is 1 there, and the checker trusts it; elsewhere it
 * compares every frame, as it does every frame at a run's last check.
 * HTBED_CHECK_VERIFY=1 compares the unwritten ones too and stops with an
 * internal error when one changed (a writer that says nothing).
 */
#ifndef _HTBED_WRITTEN_H
#define	_HTBED_WRITTEN_H

#include <sys/types.h>

extern int written_tracked;		/* the record is whole */
extern uintptr_t written_lo, written_len;	/* the frames, through kpm */
extern uintptr_t written_wlo, written_wlen;	/* the windows */
extern uint8_t *written_map;		/* by pfn - shim_pt_first */

extern void written_init(void);
extern void written_range(const volatile void *p, size_t n);
extern int written_take(pfn_t pfn);	/* written since the last take */

/* a write of n (at most a page) bytes at p */
static inline void
written_note(const volatile void *p, size_t n)
{
	uintptr_t off = (uintptr_t)p - written_lo;

	if (off < written_len && off + n <= written_len) {
		__atomic_store_n(&written_map[off >> 12], 1, __ATOMIC_RELAXED);
		__atomic_store_n(&written_map[(off + n - 1) >> 12], 1,
		    __ATOMIC_RELAXED);
	} else if ((uintptr_t)p - written_wlo < written_wlen) {
		written_range(p, n);
	}
}

#endif	/* _HTBED_WRITTEN_H */
