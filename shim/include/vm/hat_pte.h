/*
 * x86 page table entries and the MMU description (illumos <vm/hat_pte.h>),
 * with the amd64 values: four levels of 512 64-bit entries, 48-bit virtual
 * addresses with the hole between 0x0000800000000000 and
 * 0xffff7fffffffffff, 4K, 2M and 1G pages.
 */
#ifndef _VM_HAT_PTE_H
#define	_VM_HAT_PTE_H

#include <sys/types.h>
#include <sys/machparam.h>
#include <sys/mach_mmu.h>
#include <htbed/era.h>

typedef uint64_t	x86pte_t;
typedef uint32_t	x86pte32_t;
typedef int8_t		level_t;

/* hardware bits */
#define	PT_VALID	(0x001)
#define	PT_WRITABLE	(0x002)
#define	PT_USER		(0x004)
#define	PT_WRITETHRU	(0x008)
#define	PT_NOCACHE	(0x010)
#define	PT_REF		(0x020)
#define	PT_MOD		(0x040)
#define	PT_PAGESIZE	(0x080)		/* a leaf above level 0 */
#define	PT_PAT_4K	(0x080)		/* the same bit at level 0 */
#define	PT_GLOBAL	(0x100)
#define	PT_PAT_LARGE	(0x1000)
#define	PT_NX		(0x8000000000000000ull)

/* software bits, compared by magnitude */
#define	PT_SOFTWARE	(0xe00)
#define	PT_NOSYNC	(0x200)
#define	PT_NOCONSIST	(0x400)
#define	PT_FOREIGN	(0x600)

#define	PT_PADDR	(0x000ffffffffff000ull)
#define	PT_PADDR_LGPG	(0x000fffffffffe000ull)
#define	PT_IGNORE	(0)
#define	PT_PTPBITS	(PT_VALID | PT_USER | PT_WRITABLE | PT_REF)

#define	PTE_GET(p, f)		((p) & (f))
#define	PTE_SET(p, f)		((p) |= (f))
#define	PTE_CLR(p, f)		((p) &= ~(x86pte_t)(f))
#define	PTE_ISVALID(p)		((p) & PT_VALID)
#define	PTE_IS_LGPG(p, l)	((l) > 0 && PTE_GET((p), PT_PAGESIZE))
#define	PTE_ISPAGE(p, l)	\
	(PTE_ISVALID(p) && ((l) == 0 || PTE_GET((p), PT_PAGESIZE)))
#define	PTE_EQUIV(a, b)		\
	(((a) | (PT_IGNORE | PT_REF | PT_MOD)) == \
	((b) | (PT_IGNORE | PT_REF | PT_MOD)))
#define	PTE2PFN(p, l)		\
	((pfn_t)mmu_btop(PTE_GET((p), \
	PTE_IS_LGPG((p), (l)) ? PT_PADDR_LGPG : PT_PADDR)))

#define	MAX_NUM_LEVEL		4
#define	MAX_PAGE_LEVEL		2

/*
 * What mmu_init() computes for this machine; see KERNEL-API.md section 2.
 * pwin_* describe the per-CPU page-table windows used when kpm_vbase is
 * NULL: window x is the page at pwin_base + x * 4K, and its PTE is the x-th
 * entry of the array at pwin_pte_va.
 */
struct hat_mmu_info {
	x86pte_t	pt_nx;
	x86pte_t	pt_global;
	uint_t		pae_hat;
	uint_t		num_level;
	uint_t		max_level;
	uint_t		max_page_level;
	uint_t		umax_page_level;
	uint_t		ptes_per_table;
	uint_t		top_level_count;
	uint_t		pte_size;
	uint_t		pte_size_shift;
	uintptr_t	hole_start;
	uintptr_t	hole_end;	/* the last byte of the hole */
	uint_t		level_shift[MAX_NUM_LEVEL];
	uintptr_t	level_size[MAX_NUM_LEVEL];
	uintptr_t	level_offset[MAX_NUM_LEVEL];
	uintptr_t	level_mask[MAX_NUM_LEVEL];
	x86pte_t	pte_bits[MAX_NUM_LEVEL];
	x86pte_t	ptp_bits[MAX_NUM_LEVEL + 1];
	MMU_ERA_FIELDS		/* hash_cnt and the era's own: htbed/era.h */
	caddr_t		pwin_base;
	caddr_t		pwin_pte_va;
	paddr_t		pwin_pte_pa;
};
extern struct hat_mmu_info mmu;

#define	LEVEL_SHIFT(l)		(mmu.level_shift[l])
#define	LEVEL_SIZE(l)		(mmu.level_size[l])
#define	LEVEL_OFFSET(l)		(mmu.level_offset[l])
#define	LEVEL_MASK(l)		(mmu.level_mask[l])

#define	IN_VA_HOLE(va)		(mmu.hole_start <= (va) && (va) < mmu.hole_end)

#define	MAKEPTE(pfn, l)	\
	(((x86pte_t)(pfn) << MMU_PAGESHIFT) | mmu.pte_bits[l])
#define	MAKEPTP(pfn, l)	\
	(((x86pte_t)(pfn) << MMU_PAGESHIFT) | mmu.ptp_bits[(l) + 1])

#define	pfn_to_pa(pfn)		(mmu_ptob((paddr_t)(pfn)))

#define	PT_INDEX_PTR(p, x)	\
	((x86pte_t *)((uintptr_t)(p) + ((uintptr_t)(x) << mmu.pte_size_shift)))
#define	PT_INDEX_PHYSADDR(p, x)	\
	((paddr_t)(p) + ((paddr_t)(x) << mmu.pte_size_shift))

/*
 * PTE reads and writes.  GET_PTE is a single 64-bit load (made an atomic
 * load so that it is no race for a sanitizer); CAS_PTE is a real
 * lock cmpxchg on the page-table memory, a scheduler-seam point, and
 * returns the value it found.
 */
extern x86pte_t	shim_cas_pte(x86pte_t *ptep, x86pte_t old, x86pte_t new);
#define	GET_PTE(ptr)		__atomic_load_n((x86pte_t *)(ptr), \
				    __ATOMIC_RELAXED)
#define	CAS_PTE(ptr, x, y)	shim_cas_pte((x86pte_t *)(ptr), (x), (y))
#if HTBED_ERA == 2005
/*
 * the 2005 files' names for the same: an 8-byte atomic load, and cas64()
 * (sys/atomic.h), which they use on PTEs only
 */
#define	ATOMIC_LOAD64(ptr, pte)	((pte) = GET_PTE(ptr))
#define	cas64(ptr, x, y)	CAS_PTE(ptr, x, y)
/* for a non-PAE 32-bit kernel's PTEs: dead code on amd64 (pae_hat) */
#define	cas32(ptr, x, y)	atomic_cas_32((ptr), (x), (y))
#endif

/* per-CPU page-table windows (window mode) */
#define	PWIN_TABLE(cpuid)	((cpuid) * 2)
#define	PWIN_SRC(cpuid)		((cpuid) * 2 + 1)
#define	PWIN_VA(x)		(mmu.pwin_base + ((x) << MMU_PAGESHIFT))
#define	PWIN_PTE_VA(x)		(mmu.pwin_pte_va + ((x) << mmu.pte_size_shift))
#define	PWIN_PTE_PA(x)		(mmu.pwin_pte_pa + ((x) << mmu.pte_size_shift))

#define	FMT_PTE			"0x%lx"

#endif	/* _VM_HAT_PTE_H */
