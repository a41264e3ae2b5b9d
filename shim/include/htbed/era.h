/*
 * What differs between the eras of illumos htable.c, in one place.
 *
 * One tree of shim headers serves every era; the headers that htable.c
 * includes by illumos name (vm/hat_i86.h, vm/htable.h, vm/hat_pte.h) take
 * the items below from here.  The era of a build is HTBED_ERA, the year
 * it began, set by the Makefile from a probe of the htable.c under test
 * (shim/era/probe.sh; HTABLE_ERA= overrides it):
 *
 *	2005	x86pte_invalidate_pfn(): every PTE is cleared by a
 *		cross-call (xc_wait_sync(), hat_switch_mutex); the HAT
 *		flushes after x86pte_set() itself (hat_demap()); page
 *		tables come from the boot loader until the kernel hat
 *		runs, and each CPU's window caches the frame it shows
 *		(illumos 2005-06 to 2006-10, before dboot)
 *	2007	the 5-argument hat_pte_unmap(), which always flushes the
 *		TLB, the 4-argument x86pte_inval(), and a top table as in
 *		2015 (illumos 2007-01-19 to 2014-11: the files of the Xen
 *		era, built without __xpv; those of 2007-02 to 2007-05-04
 *		clear a PTE by cross-call, xc_wait_sync(), holding
 *		hat_switch_mutex: HTBED_SWITCH_MUTEX below)
 *	2015	the 6-argument hat_pte_unmap() and htable_steal_active()
 *		(illumos 5514, 2015-01, to the KPTI change)
 *	2018	"kpti": copied top-level tables, per-CPU page tables and
 *		per-CPU hats (illumos 9208, 2018-03 on; every later file)
 *
 * Arranged as Linux tools/testing/vma arranges its shim: what is the
 * kernel's own, per era (DUPLICATED); what exists in every era because
 * one tree or another of an era uses it (DUPLICATED, ALL ERAS); and the
 * testbed's era-blind view of the same things, for the HAT, the harness
 * and the project's own htable.c (CUSTOMISED).
 *
 *  The 2007 era is the 2015 column but for the TLB flag (below).  The
 *  2005 era is the 2007 column with these besides:
 *
 *  struct htable                uint16_t ht_num_ptes (HT_ERA_FIELDS)
 *  struct hat_cpu_info          hci_mapped_pfn, hci_pagetable_va,
 *                               hci_kernel_pte: the CPU's window, which
 *                               htable.c sets up and remaps itself
 *  PTE access                   ATOMIC_LOAD64(), cas64() (vm/hat_pte.h)
 *  x86pte_cpu_init(cpu, pages), x86pte_zero(), x86pte_invalidate_pfn()
 *                               (vm/htable.h); hat_demap(), the boot
 *                               window (ptable_va, hat_boot_remap/demap),
 *                               hat_mempte_kern_setup() (vm/hat_i86.h)
 *
 *  item                         2015                  2018 (kpti)
 *  ---------------------------  --------------------  ---------------------
 *  hat_flags bits               FREEING 1, VLP 2,     FREEING 1, VICTIM 2,
 *                               VICTIM 4, SHARED 8,   SHARED 4, PINNED 8,
 *                               PINNED 0x10           COPIED 0x10,
 *                                                     COPIED_32 0x20,
 *                                                     PCP 0x40
 *  struct hat, top table        hat_vlp_ptes[4]       hat_max_level,
 *                                                     hat_num_copied,
 *                                                     hat_copied_ptes[512]
 *  TOP_LEVEL(hat)               VLP ? 2 : max_level   hat->hat_max_level
 *  VLP_LEVEL, VLP_NUM_PTES,     yes                   -
 *    VLP_SIZE, VLP_COPY()
 *  MAX_COPIED_PTES              -                     512
 *  ht_flags 0x01                HTABLE_VLP            HTABLE_COPIED
 *  HTABLE_NUM_PTES(ht)          VLP ? 4 : 512         COPIED below the top
 *                                                     ? 4 : 512
 *  struct hat_cpu_info          hci_vlp_pfn,          hci_pcp_l3pfn/l2pfn,
 *    (besides hci_mutex)        hci_vlp_l3ptes,       hci_pcp_l3ptes/l2ptes,
 *                               hci_vlp_l2ptes        hci_user_hat,
 *                                                     hci_user_l3pfn,
 *                                                     hci_user_l3ptes
 *  struct hat_mmu_info          vlp_hash_cnt          top_level_uslots,
 *                                                     num_copied_ents,
 *                                                     top_level_uslots32,
 *                                                     max_level32,
 *                                                     num_copied_ents32,
 *                                                     hat32_hash_cnt
 *  struct hatstats              -                     hs_hat_copied64,
 *                                                     hs_hat_copied32,
 *                                                     hs_hat_normal64
 *  MAKECR3()                    (pfn)                 (pfn, pcid)
 *  MIN_PAGE_LEVEL               -                     0
 *  hat_switch() of a user hat   loads its top table   copies its top-level
 *    (core/hat_<era>.c)                               entries into the
 *                                                     CPU's per-CPU tables
 *
 *  ALL ERAS (declared whatever the era):
 *  mmu_tlbflush_entry(caddr_t)  2015 files, and the first KPTI file
 *                               (SmartOS 2018-03-12)
 *  mmu_flush_tlb_page(),        KPTI files from illumos 2018-04
 *    mmu_flush_tlb_kpage()
 *  getcr4(), CR4_PCIDE          KPTI files assert PCID is off on the
 *                               window paths (sys/archsystm.h,
 *                               sys/controlregs.h)
 *  ASSERT3U/S/P and friends     sys/debug.h of every era
 */
#ifndef _HTBED_ERA_H
#define	_HTBED_ERA_H

#ifndef HTBED_ERA
#error "HTBED_ERA is not set: the Makefile sets it from shim/era/probe.sh"
#endif

#if HTBED_ERA != 2005 && HTBED_ERA != 2007 && HTBED_ERA != 2015 && \
	HTBED_ERA != 2018
#error "HTBED_ERA must be 2005, 2007, 2015 or 2018 (kpti)"
#endif

/*
 * hat_pte_unmap() and x86pte_inval() take a flag that says whether to
 * flush the TLB from 2015 on (illumos 5514: hat_unload() flushes whole
 * ranges at the end); before, they always flush.  HTBED_TLB_ARG(tlb)
 * is that last argument where it exists.
 */
#if HTBED_ERA >= 2015
#define	HTBED_TLB_ARG(tlb)	, tlb
#define	HTBED_TLB_PARAM		, boolean_t
#else
#define	HTBED_TLB_ARG(tlb)
#define	HTBED_TLB_PARAM
#endif

/*
 * ------------------------------------------------------------------------
 * DUPLICATED: the kernel's definitions, per era
 * ------------------------------------------------------------------------
 */
#if HTBED_ERA >= 2018

#define	HAT_FREEING	(0x0001)	/* being torn down */
#define	HAT_VICTIM	(0x0002)	/* a stealer is working on it */
#define	HAT_SHARED	(0x0004)	/* exports ISM page tables */
#define	HAT_PINNED	(0x0008)	/* Xen */
#define	HAT_COPIED	(0x0010)	/* top table copied to per-CPU tables */
#define	HAT_COPIED_32	(0x0020)	/* the same, for an ILP32 process */
#define	HAT_PCP		(0x0040)	/* a CPU's own (user) hat */

#define	MAX_COPIED_PTES	512
#define	TOP_LEVEL(h)	((h)->hat_max_level)
/* struct hat: after hat_flags, and last */
#define	HAT_ERA_LEVEL_FIELDS						\
	uint8_t		hat_max_level;	/* top level of this hat */	\
	uint_t		hat_num_copied;	/* entries of hat_copied_ptes */
#define	HAT_ERA_TOP_FIELDS						\
	x86pte_t	hat_copied_ptes[MAX_COPIED_PTES];

#define	HTABLE_COPIED	(0x01)	/* a copied top table: no page of its own */
#define	HTABLE_NUM_PTES(ht)	(((ht)->ht_flags & HTABLE_COPIED) ?	\
	(((ht)->ht_level == mmu.max_level) ? 512 : 4) : 512)

#define	HCI_ERA_FIELDS							\
	pfn_t		hci_pcp_l3pfn;	/* the CPU's kernel top table */ \
	pfn_t		hci_pcp_l2pfn;					\
	x86pte_t	*hci_pcp_l3ptes;				\
	x86pte_t	*hci_pcp_l2ptes;				\
	struct hat	*hci_user_hat;	/* the CPU's own hat (HAT_PCP) */ \
	pfn_t		hci_user_l3pfn;	/* its top table: the user CR3 */ \
	x86pte_t	*hci_user_l3ptes;

#define	MMU_ERA_FIELDS							\
	uint_t		top_level_uslots;	/* user slots at the top */ \
	uint_t		num_copied_ents;	/* copied per process */ \
	uint_t		top_level_uslots32;				\
	uint_t		max_level32;					\
	uint_t		num_copied_ents32;				\
	uint_t		hash_cnt;					\
	uint_t		hat32_hash_cnt;

#define	HATSTAT_ERA_FIELDS						\
	ulong_t		hs_hat_copied64;				\
	ulong_t		hs_hat_copied32;				\
	ulong_t		hs_hat_normal64;

#define	MAKECR3(pfn, pcid)	(mmu_ptob((uint64_t)(pfn)) | (pcid))
#define	MIN_PAGE_LEVEL		0
#define	HT_ERA_FIELDS

#else	/* HTBED_ERA 2015, 2007 and 2005 */

#define	HAT_FREEING	(0x0001)	/* being torn down */
#define	HAT_VLP		(0x0002)	/* 32-bit address space */
#define	HAT_VICTIM	(0x0004)	/* a stealer is working on it */
#define	HAT_SHARED	(0x0008)	/* exports ISM page tables */
#define	HAT_PINNED	(0x0010)	/* Xen */

#define	VLP_LEVEL	(2)
#define	VLP_NUM_PTES	(4)
#define	VLP_SIZE	(VLP_NUM_PTES * sizeof (x86pte_t))
/*
 * hat_flags is read here without hat_list_lock while stealers set and
 * clear HAT_VICTIM under it; HAT_VLP never changes, so the read is made a
 * relaxed atomic load rather than a data race.
 */
#define	TOP_LEVEL(h)							\
	((__atomic_load_n(&(h)->hat_flags, __ATOMIC_RELAXED) & HAT_VLP) ?	\
	VLP_LEVEL : mmu.max_level)
#define	VLP_COPY(from, to)	{					\
	(to)[0] = (from)[0]; (to)[1] = (from)[1];			\
	(to)[2] = (from)[2]; (to)[3] = (from)[3];			\
}
#define	HAT_ERA_LEVEL_FIELDS
#define	HAT_ERA_TOP_FIELDS						\
	x86pte_t	hat_vlp_ptes[VLP_NUM_PTES];

#define	HTABLE_VLP	(0x01)	/* the top table lives in the hat */
#define	HTABLE_NUM_PTES(ht)	(((ht)->ht_flags & HTABLE_VLP) ? 4 : 512)

#define	HCI_VLP_FIELDS							\
	pfn_t		hci_vlp_pfn;					\
	x86pte_t	*hci_vlp_l3ptes;				\
	x86pte_t	*hci_vlp_l2ptes;
#if HTBED_ERA == 2005
/* the window of the CPU: its VA, the PTE that maps it, what it shows */
#define	HCI_ERA_FIELDS							\
	pfn_t		hci_mapped_pfn;					\
	void		*hci_pagetable_va;				\
	x86pte_t	*hci_kernel_pte;				\
	HCI_VLP_FIELDS
#define	HT_ERA_FIELDS	uint16_t ht_num_ptes;	/* set, not used */
#else
#define	HCI_ERA_FIELDS	HCI_VLP_FIELDS
#define	HT_ERA_FIELDS
#endif

#define	MMU_ERA_FIELDS							\
	uint_t		hash_cnt;					\
	uint_t		vlp_hash_cnt;					\
	uint_t		inval_nonleaf;	/* files of 2007-05 and 2007-06 */

#define	HATSTAT_ERA_FIELDS

#define	MAKECR3(pfn)		mmu_ptob((uint64_t)(pfn))

#endif	/* HTBED_ERA */

/*
 * ------------------------------------------------------------------------
 * CUSTOMISED: the testbed's era-blind view.  Neither era's htable.c uses
 * these; the HAT, the harness and core/htable.c do.
 *
 *  HTBED_ERA_NAME           the era, as the probe and reports name it
 *  HTBED_HT_COPIED          the ht_flags bit of a top table kept in its
 *                           hat (HTABLE_COPIED; 2015: HTABLE_VLP)
 *  HTBED_COPIED_PTES(hat)   where such a table's entries are, the field
 *  HTBED_COPIED_FIELD       of struct hat that holds them
 *  HTBED_TOP_IS_COPIED(hat, level)
 *                           a table of hat at level is one of those
 *  HTBED_HAT_IS_32(hat)     a 32-bit process's hat (HAT_COPIED_32; 2015:
 *                           HAT_VLP): its top table has 4 level-2 entries
 *  HTBED_HAT_NOSTEAL        hat_flags that keep a stealer away
 *  HTBED_PCP                the era has per-CPU page tables (1 or 0)
 *  HTBED_REAP_STEALS_ACTIVE a reap (kmem reclaim) steals tables in use,
 *                           not only cached ones: the 2015 reference
 *                           (2015-05-18) does; from 2015-09-13 (commit
 *                           091194e6fc) on a reap takes cached tables
 *                           only, and so does every KPTI file.  Within
 *                           the 2015 era files differ; core/htable.c
 *                           follows the reference, or what -D says (the
 *                           differential test builds it so to match the
 *                           file it is compared with: shim/era/probe.sh
 *                           --policy).
 *  HTBED_PGP_EXCL           page_get_physical() hands a page out locked
 *                           SE_EXCL, for ptable_alloc() to downgrade
 *                           (files until 2008-07); later files get it
 *                           shared (shim/era/probe.sh --kernel)
 *  HTBED_PGP_HASHED         page_get_physical() hashes the page onto kvp
 *                           (files from 2010-06 on: their ptable_free()
 *                           looks it up and hashes it out); before, a
 *                           page-table page has no identity
 *  HTBED_PWIN_IFF_NO_KPM    mmu.pwin_base is NULL while page tables are
 *                           reached through kpm (files until 2007-07
 *                           ask it, not kpm_vbase, in x86pte_mapout())
 *  HTBED_FREEING_KEEPS_PTES the HAT's hat_pte_unmap() reads, and leaves,
 *                           the PTEs of a hat being freed (hat_i86.c
 *                           until 2010-06, which came with
 *                           HTBED_PGP_HASHED: the probe sets both)
 *  HTBED_MAX_PAGE_LEVEL     the largest page level (mmu.max_page_level):
 *                           2 (1 GiB) from illumos 2007-10-28 on, 1
 *                           before
 *  HTBED_SWITCH_MUTEX       struct hat has hat_switch_mutex, which
 *                           x86pte_inval() holds around its cross-call
 *                           and hat_switch() takes to join hat_cpus
 *                           (files of 2007-02 to 2007-05-04; the probe
 *                           sees the file use it; every 2005 file)
 *  HTBED_HAT_RING           era 2005 until 2006-04-04: the user hats are
 *                           a ring that kas.a_hat->hat_next points into,
 *                           which htable_steal() walks by hat_prev; a
 *                           stealer is waited out by hat_free_end(), not
 *                           hat_free_start().  Otherwise a list with the
 *                           kernel hat as its sentinel.  HTBED_HAT_NEXT()
 *                           is the walk that ends either.
 *  HTBED_FORCE_STEAL        the file has the DEBUG force_steal (all but
 *                           the era 2005 files before 2006-04-04)
 *  HTBED_BOOT_FRAMES        the fewest page-table frames a machine
 *                           boots with
 *  HTBED_DEMAP_SWITCH       era 2005: hat_demap() of a user hat holds
 *                           hat_switch_mutex (from 2006-01-12 on), or
 *                           hat_mutex (before)
 *  HTBED_PTE_INVAL(ht, e, expect, pfn, ptr, tlb)
 *                           the HAT clears a leaf PTE that holds expect
 *                           (0: whatever it holds), which maps pfn,
 *                           flushing the TLB if tlb (2015 on; always
 *                           before): x86pte_inval(), or in era 2005
 *                           x86pte_invalidate_pfn(), which clears it if
 *                           it maps pfn; either returns what it held
 * ------------------------------------------------------------------------
 */
#ifndef HTBED_PGP_EXCL
#define	HTBED_PGP_EXCL		0
#endif
#ifndef HTBED_PGP_HASHED
#define	HTBED_PGP_HASHED	1
#endif
#ifndef HTBED_PWIN_IFF_NO_KPM
#define	HTBED_PWIN_IFF_NO_KPM	0
#endif
#ifndef HTBED_FREEING_KEEPS_PTES
#define	HTBED_FREEING_KEEPS_PTES 0
#endif
#ifndef HTBED_MAX_PAGE_LEVEL
#define	HTBED_MAX_PAGE_LEVEL	2
#endif
#ifndef HTBED_SWITCH_MUTEX
#define	HTBED_SWITCH_MUTEX	0
#endif
#ifndef HTBED_HAT_RING
#define	HTBED_HAT_RING		0
#endif
#ifndef HTBED_DEMAP_SWITCH
#define	HTBED_DEMAP_SWITCH	0
#endif
#ifndef HTBED_FORCE_STEAL
#define	HTBED_FORCE_STEAL	1
#endif
/*
 * the page-table frames a boot takes at once: in era 2005 the boot
 * loader's, htable_initial_reserve()'s 200 beyond hat_boot_reserve
 */
#define	HTBED_BOOT_FRAMES	(HTBED_ERA == 2005 ? 256 : 8)
/* the hat after h in the list, NULL at its end (the ring's: its start) */
#define	HTBED_HAT_NEXT(h)						\
	(HTBED_HAT_RING && (h)->hat_next == kas.a_hat->hat_next ?	\
	NULL : (h)->hat_next)
#if HTBED_ERA == 2005
#define	HTBED_PTE_INVAL(ht, e, expect, pfn, ptr, tlb)			\
	x86pte_invalidate_pfn(ht, e, pfn, ptr)
#else
#define	HTBED_PTE_INVAL(ht, e, expect, pfn, ptr, tlb)			\
	x86pte_inval(ht, e, expect, ptr HTBED_TLB_ARG(tlb))
#endif
#if HTBED_ERA >= 2018
#define	HTBED_ERA_NAME		"kpti"
#define	HTBED_HT_COPIED		HTABLE_COPIED
#define	HTBED_COPIED_FIELD	hat_copied_ptes
#define	HTBED_COPIED_PTES(hat)	((hat)->HTBED_COPIED_FIELD)
#define	HTBED_TOP_IS_COPIED(hat, level)					\
	((__atomic_load_n(&(hat)->hat_flags, __ATOMIC_RELAXED) & HAT_COPIED) && \
	(level) == (hat)->hat_max_level)
#define	HTBED_HAT_IS_32(hat)						\
	((__atomic_load_n(&(hat)->hat_flags, __ATOMIC_RELAXED) &		\
	HAT_COPIED_32) != 0)
#define	HTBED_HAT_NOSTEAL						\
	(HAT_VICTIM | HAT_SHARED | HAT_FREEING | HAT_PCP)
#define	HTBED_PCP		1
#ifndef HTBED_REAP_STEALS_ACTIVE
#define	HTBED_REAP_STEALS_ACTIVE 0
#endif
#else
#if HTBED_ERA >= 2015
#define	HTBED_ERA_NAME		"2015"
#elif HTBED_ERA >= 2007
#define	HTBED_ERA_NAME		"2007"
#else
#define	HTBED_ERA_NAME		"2005"
#endif
#define	HTBED_HT_COPIED		HTABLE_VLP
#define	HTBED_COPIED_FIELD	hat_vlp_ptes
#define	HTBED_COPIED_PTES(hat)	((hat)->HTBED_COPIED_FIELD)
#define	HTBED_TOP_IS_COPIED(hat, level)					\
	((__atomic_load_n(&(hat)->hat_flags, __ATOMIC_RELAXED) & HAT_VLP) && \
	(level) == VLP_LEVEL)
#define	HTBED_HAT_IS_32(hat)						\
	((__atomic_load_n(&(hat)->hat_flags, __ATOMIC_RELAXED) & HAT_VLP) != 0)
#define	HTBED_HAT_NOSTEAL	(HAT_VICTIM | HAT_SHARED | HAT_FREEING)
#define	HTBED_PCP		0
#ifndef HTBED_REAP_STEALS_ACTIVE
#define	HTBED_REAP_STEALS_ACTIVE 1
#endif
#endif

#endif	/* _HTBED_ERA_H */
