/*
 * The page-table frames written since the invariant checker last compared
 * them (harness/check.c keeps a copy of each frame and compares it at
 * every check; a frame nobody wrote needs no comparing), and the pages of
 * the kmem arena written since its last check (page_t, hments, htables,
 * hats: a page's hment list nobody touched needs no walking).  Every
 * writer of either says so:
 *
 *  - the core's plain stores, through the access callbacks, in a build
 *    whose core calls them (SEAMS=access: shim/testing/access.c);
 *  - its mem* calls, which the Makefile renames in the core's objects to
 *    written.c's, in the same builds;
 *  - the shim's atomics (sys/atomic.h), CAS_PTE and block zeroing
 *    (kern/mmu.c), the MMU's REF/MOD updates (hw/walk.c), the fill of a
 *    frame (kern/page.c) and of a kmem object, new or freed (kern/kmem.c),
 *    and the machine's restore (testing/snapshot.c), in every build.
 *
 * Only where the core calls the callbacks is the record whole:
 * written_tracked is 1 there, and the checker trusts it; elsewhere it
 * compares every frame and walks every list, as it does at a run's last
 * check.  HTBED_CHECK_VERIFY=1 compares and walks the unwritten ones too
 * and stops with an internal error when one changed (a writer that says
 * nothing).
 */
#ifndef _HTBED_WRITTEN_H
#define	_HTBED_WRITTEN_H

#include <sys/types.h>

extern int written_tracked;		/* the record is whole */
extern uintptr_t written_lo, written_len;	/* the frames, through kpm */
extern uintptr_t written_wlo, written_wlen;	/* the windows */
extern uint8_t *written_map;		/* by pfn - shim_pt_first */
extern uintptr_t written_alo, written_alen;	/* the kmem arena */
extern uint8_t *written_amap;		/* by page of the arena */

extern void written_init(void);
extern void written_range(const volatile void *p, size_t n);
extern int written_take(pfn_t pfn);	/* written since the last take */
extern void written_arena_clear(void);	/* the checker looked */

static inline void
written_mark(uint8_t *map, uintptr_t off, size_t n)
{
	__atomic_store_n(&map[off >> 12], 1, __ATOMIC_RELAXED);
	__atomic_store_n(&map[(off + n - 1) >> 12], 1, __ATOMIC_RELAXED);
}

/*
 * A write of n (at most a page) bytes at p; nothing where the record is
 * not whole, as nothing trusts it there (a stress worker's atomics pay one
 * branch).
 */
static inline void
written_note(const volatile void *p, size_t n)
{
	uintptr_t off = (uintptr_t)p - written_lo;

	if (!written_tracked)
		return;
	if (off < written_len && off + n <= written_len)
		written_mark(written_map, off, n);
	else if ((off = (uintptr_t)p - written_alo) < written_alen &&
	    off + n <= written_alen)
		written_mark(written_amap, off, n);
	else if ((uintptr_t)p - written_wlo < written_wlen)
		written_range(p, n);
}

#endif	/* _HTBED_WRITTEN_H */
