/*
 * Pages of emulated physical memory (illumos <vm/page.h>).
 *
 * Every frame has a page_t, addressed by pfn.  Frames come in three
 * kinds: page-table frames (handed out by page_get_physical(), backed by
 * real memory, poisoned when freed), data frames (the pages the workload
 * maps; never freed) and frames held back to model memory pressure.
 *
 * p_selock follows the kernel: > 0 shared holders, -1 exclusive, 0 free.
 */
#ifndef _VM_PAGE_H
#define	_VM_PAGE_H

#include <sys/types.h>
#include <sys/mutex.h>
#include <sys/condvar.h>
#include <sys/vnode.h>

#define	PFN_INVALID	((pfn_t)-1)

typedef int se_t;
#define	SE_SHARED	0
#define	SE_EXCL		1
#define	SE_EWANTED	0x40000000

typedef enum { P_NO_RECLAIM = 0, P_RECLAIM = 1 } reclaim_t;

typedef struct page {
	pfn_t		p_pagenum;
	u_offset_t	p_offset;
	struct vnode	*p_vnode;
	int		p_selock;
	uint8_t		p_szc;		/* page size code: 0 = 4K, 1 = 2M */
	uint8_t		p_nrm;		/* REF/MOD synced from PTEs */
	uint8_t		p_embed;
	uint8_t		p_mlentry;
	uint8_t		p_index;	/* 2007-2014: a boot page table (kpm) */
	uint_t		p_share;	/* number of mappings */
	void		*p_mapping;	/* hment list */

	/* testbed state */
	uint8_t		p_kind;		/* PK_* below */
	uint8_t		p_use;		/* page-table frame allocated */
	kcondvar_t	p_cv;		/* page_lock() waiters */
} page_t;

#define	PK_PTABLE	1
#define	PK_DATA		2
#define	PK_KIMAGE	3	/* the kernel's own text and data */

#define	P_REF		0x1
#define	P_MOD		0x2

#define	PAGE_LOCKED(pp)	((pp)->p_selock != 0)
#define	PAGE_SHARED(pp)	(((pp)->p_selock & ~SE_EWANTED) > 0)
#define	PAGE_EXCL(pp)	((pp)->p_selock < 0)

extern struct vnode kvp;

extern page_t	*page_get_physical(uintptr_t seed);
extern void	page_free_physical(page_t *);
extern page_t	*page_numtopp_nolock(pfn_t);
extern int	page_tryupgrade(page_t *);
extern void	page_downgrade(page_t *);
extern int	page_lock(page_t *, se_t, kmutex_t *, reclaim_t);
extern void	page_unlock(page_t *);
extern page_t	*page_lookup(struct vnode *, u_offset_t, se_t);
extern page_t	*page_exists(struct vnode *, u_offset_t);
extern int	page_hashin(page_t *, struct vnode *, u_offset_t, kmutex_t *);
extern void	page_hashout(page_t *, kmutex_t *);
extern void	page_free(page_t *, int dontneed);
extern int	page_resv(pgcnt_t, uint_t);
extern void	page_unresv(pgcnt_t);
extern page_t	*boot_claim_page(pfn_t);

#if HTBED_ERA == 2005
/*
 * The 2005 files' page-table pages: at boot, page_numtopp() locks the
 * page of a frame the boot loader handed out (page_boot_demote() would
 * split a large one: the pool has none); after boot, page_create_va()
 * makes a page hashed onto (vp, off), locked SE_EXCL and "i/o locked"
 * (page_io_unlock()).
 */
#define	PG_EXCL		0x0001
#define	PG_NORELOC	0x0020

struct seg;
extern page_t	*page_numtopp(pfn_t, se_t);
extern void	page_boot_demote(page_t *);
extern page_t	*page_create_va(struct vnode *, u_offset_t, size_t, uint_t,
    struct seg *, caddr_t);
extern void	page_io_unlock(page_t *);
#endif

#endif	/* _VM_PAGE_H */
