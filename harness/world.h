/*
 * The workload's world, inside the harness (kernel domain): address-space
 * slots, the virtual-address layout, the data page pools, the shadow
 * model's storage.
 *
 * Layout of a user address space (regions of 2M, one level-0 table each):
 *   regions  0-15  0x40000000 + r * 2M        one level-1 table, crowded;
 *                                             all a 32-bit process has
 *   regions 16-23  0x8000000000 + r * 1G      one level-2 table, 8 level-1s
 *   regions 24-27  the last 8M below the VA hole (top entry 255)
 *   regions 28-31  the last 8M below kernelbase (top entry 506)
 *   regions 32-34  the ISM attach area (hat_share only)
 * Every fourth ordinary region is "mixed": it holds either one 2M page or
 * 4K pages.  The kernel hat has 8 regions at kernelbase + 64G, and a
 * ninth, the kernel image (HAT_KIMAGE_VA), which the HAT maps at boot and
 * nobody changes.  In the KPTI era each vCPU's own hat is a slot too
 * (HK_CPU): one region, the kernel image, of which it maps the
 * trampoline (page 0) and the vCPU's page (1 + c), also for good.
 *
 * What each vCPU runs: the hat of a user slot, or the kernel hat
 * (hb_cpu_slot[c] NULL).  It changes by the switch op and when a process
 * exits, under the vCPU's dispatcher lock, always through hat_switch()
 * on that vCPU.
 *
 * Ownership: each 4K slot has exactly one worker that maps, unmaps, locks
 * and probes it (small regions by quarter, mixed regions whole), so the
 * model of a slot changes only by its owner's ops -- and by removals the
 * owner does not make (steals, hat_pageunload), which the HAT announces
 * through the observer.  Hat-wide ops (share, swapout, exit) take the
 * address space's lock as writer, the others as reader.
 */
#ifndef _HARNESS_WORLD_H
#define	_HARNESS_WORLD_H

#include <sys/types.h>
#include <sys/rwlock.h>
#include <vm/as.h>
#include <vm/hat.h>
#include <vm/hat_i86.h>
#include <htbed/hw.h>
#include <htbed/shim.h>
#include "harness.h"

#define	HB_PAGES		512		/* 4K slots per region */
#define	HB_USER_REGIONS		32
#define	HB_USER32_REGIONS	16		/* below 4G */
#define	HB_ISM_FIRST		32		/* the ISM attach area */
#define	HB_ISM_REGIONS		3
#define	HB_USER_ALL		(HB_USER_REGIONS + HB_ISM_REGIONS)
#define	HB_KERNEL_REGIONS	9
#define	HB_KERNEL_WORK		8		/* the ops' kernel regions */
#define	HB_KIMAGE_REG		8		/* the kernel image */
#define	HB_ISM_LEN		(4ul << 20)	/* ISM segment: 4M */
#define	HB_ISM_COPY_LEN		(32ul << 12)	/* the part attached unaligned */
#define	HB_MAX_WORKERS		64
#define	HB_MAX_HATS		64

#define	HB_REGION_MIXED(r)	((r) % 4 == 3 && (r) < HB_USER_REGIONS)
/* locked mappings only here, so most level-0 tables stay stealable */
#define	HB_REGION_LOCKABLE(r)	((r) % 8 == 0 && (r) < HB_USER_REGIONS)

enum hb_slot_kind { HK_USER, HK_KERNEL, HK_ISM, HK_CPU };

/* one address space: a process, the kernel, or the ISM segment */
typedef struct hb_slot {
	struct as	sl_as;		/* sl_as.a_lock: the address-space lock */
	hat_t		*sl_hat;	/* changes only under a_lock as writer */
	int		sl_index;	/* user slot number, -1 otherwise */
	int		sl_cpu;		/* HK_CPU: its vCPU */
	enum hb_slot_kind sl_kind;
	int		sl_nreg;
	const uintptr_t	*sl_base;	/* region base addresses */
	uint64_t	*sl_shadow;	/* sl_nreg * HB_PAGES model words */
	uint64_t	sl_touched;	/* regions whose words were ever used */
	uint8_t		*sl_written;	/* per region: its words may have
					 * changed since the last check (host
					 * memory, as sl_shadow: harness/check.c) */
	int		sl_shared;	/* ISM attached: 0 no, 1 aligned, 2 not */
	uint64_t	sl_incarnation;	/* processes that lived in the slot */
	int		sl_ilp32;	/* the process is a 32-bit one */
} hb_slot_t;

/* the regions a user slot's process has, 32-bit or 64-bit */
#define	HB_SLOT_REGIONS(sl)	\
	((sl)->sl_ilp32 ? HB_USER32_REGIONS : HB_USER_REGIONS)

typedef struct hb_world {
	struct hb_config w_cfg;
	int		w_nslots;
	hb_slot_t	w_user[HB_MAX_HATS];
	hb_slot_t	w_kernel;
	hb_slot_t	w_ism;
	hb_slot_t	w_reservoir;	/* always has tables to steal */
	hb_slot_t	w_cpu[NCPU_EMULATED];	/* the vCPUs' own hats */
	int		w_ncpu;		/* of them in use (KPTI era) */
	/* data pools, as pfn ranges */
	pfn_t		w_lockable, w_nlockable;	/* may be locked */
	pfn_t		w_unloadable, w_nunloadable;	/* may be pageunloaded */
	pfn_t		w_large, w_nlarge;		/* 2M runs, 512-aligned */
	pfn_t		w_ismpages;			/* HB_ISM_LEN / 4K */
	uintptr_t	w_ism_src;			/* where the ISM hat maps */
	uint64_t	w_checks;
	uint64_t	w_verified;
	uint64_t	w_xlates_verified;	/* MMU translations */
	uint64_t	w_foreign;
} hb_world_t;

extern hb_world_t hb_world;
extern const uintptr_t hb_user_base[HB_USER_ALL];
extern const uintptr_t hb_kernel_base[HB_KERNEL_REGIONS];

/*
 * The ISM segment as a slot has it attached: aligned (sl_shared 1), all
 * of it, through shared tables; unaligned (2), a page further on, only
 * its first HB_ISM_COPY_LEN, copied page by page (each page costs two
 * window remaps, which made the whole segment by far the costliest op).
 */
#define	HB_ISM_ATTACH_VA(how)	\
	(hb_user_base[HB_ISM_FIRST] + ((how) == 2 ? MMU_PAGESIZE : 0))
#define	HB_ISM_ATTACH_LEN(how)	((how) == 2 ? HB_ISM_COPY_LEN : HB_ISM_LEN)

/*
 * every slot, kernel, ISM, reservoir and vCPUs' first (at most
 * HB_MAX_SLOTS)
 */
#define	HB_MAX_SLOTS	(HB_MAX_HATS + 3 + NCPU_EMULATED)
extern int	hb_all_slots(hb_slot_t **);

/* a region whose mappings the HAT made at boot, never to change */
extern int	hb_region_fixed(const hb_slot_t *, int reg);

/*
 * What the vCPUs run (NULL: the kernel hat); hb_cpu_run() switches vCPU
 * c to a slot's hat (NULL: the kernel's), hb_ctx_stop() every vCPU
 * running a slot's hat to the kernel's (before the hat is freed).
 */
extern hb_slot_t *hb_cpu_slot[NCPU_EMULATED];
extern void	hb_cpu_run(int c, hb_slot_t *);

/* slot of a hat (through hat_as), and the region and page of a va */
extern hb_slot_t *hb_slot_of_hat(hat_t *);
extern int	hb_locate(const hb_slot_t *, uintptr_t va, int *reg, int *pg);
extern int	hb_owner(const hb_slot_t *, int reg, int pg);
extern uintptr_t hb_va(const hb_slot_t *, int reg, int pg);
extern page_t	*hb_page(pfn_t);
extern pfn_t	hb_ism_pfn(uintptr_t offset);

/* the shadow model (harness/shadow.c) */
extern void	shadow_init(void);
extern void	shadow_clear(hb_slot_t *);
extern void	shadow_fixed(hb_slot_t *, int reg, int pg, pfn_t);
extern uint64_t	*shadow_word(hb_slot_t *, int reg, int pg);
extern const uint64_t *shadow_peek(const hb_slot_t *, int reg, int pg);
extern int	shadow_touched(const hb_slot_t *, int reg);
extern void	shadow_save(void);
extern void	shadow_touched_masks(uint64_t *);
extern void	shadow_restore(const uint64_t *);
extern const struct hat_observer shadow_observer;

/*
 * A model word: pfn, state, flags and a generation that every change
 * bumps, so that a reader can tell whether the word changed around a
 * probe of the page tables.
 */
#define	SW_PFN		((1ull << 40) - 1)
#define	SW_STATE(w)	((int)(((w) >> 40) & 7))
#define	SW_UNMAPPED	0
#define	SW_MAPPED	1
#define	SW_PEND_MAP	2	/* the owner is loading it */
#define	SW_PEND_UNMAP	3	/* the owner is unloading it */
#define	SW_LOCKED	(1ull << 43)
#define	SW_LARGE	(1ull << 44)	/* part of a 2M page */
#define	SW_FOREIGN_ONE	(1ull << 45)	/* removers in flight: 2 bits */
#define	SW_FOREIGN	(3ull << 45)
#define	SW_REMOVED	(1ull << 47)	/* one removed it during PEND_MAP */
#define	SW_PRIOR	(1ull << 48)	/* PEND_MAP over an existing mapping */
#define	SW_GEN_ONE	(1ull << 49)

static inline pfn_t
sw_pfn(uint64_t w)
{
	return ((pfn_t)(w & SW_PFN));
}

static inline uint64_t
sw_load(const uint64_t *p)
{
	return (__atomic_load_n(p, __ATOMIC_SEQ_CST));
}

/* owner transitions; each keeps a concurrent remover's FOREIGN mark */
extern void	sh_begin_map(uint64_t *, pfn_t, uint64_t flags);
extern void	sh_end_map(uint64_t *, hat_t *, uintptr_t va);
extern int	sh_begin_unmap(uint64_t *);
extern void	sh_end_unmap(uint64_t *);
extern void	sh_clear_flags(uint64_t *, uint64_t flags);

/* compare a probe (pfn or PFN_INVALID) read between w1 and w2 */
extern void	sh_verify(const hb_slot_t *, uintptr_t va, uint64_t w1,
    pfn_t found, uint64_t w2, const char *how);

/* an MMU translation of va, against the model (see shadow.c) */
extern void	sh_verify_xlate(uintptr_t va, uint64_t w1, const hw_xlate_t *,
    uint64_t w2, int cpu);

/* the MMU's walkers (harness/walkers.c) */
extern void	hb_ctx_stop(hb_slot_t *);
extern void	walkers_hint(const hb_slot_t *, const uint64_t *sw);
extern void	walkers_pause(void);
extern void	walkers_resume(void);

/* the checker (harness/check.c) */
extern void	check_world(const char *when, int trust);
extern void	hb_check_run(const char *when);	/* controlled.c */
extern void	check_final(void);

/* a new process in a user slot (its writer lock held, or booting) */
extern void	hb_process_new(hb_slot_t *, int ilp32);

/* the ops (harness/ops.c) */
extern void	ops_init(void);
extern void	hb_reservoir_fill(void);
extern uint64_t	ops_count(int op);

/* reports (harness/report.c) */
extern void	report_init(void);

#endif	/* _HARNESS_WORLD_H */
