/*
 * The HAT's era-specific half: what each era's hat_i86.c does differently
 * around htable.c.  core/hat.c is era-blind and calls these; the Makefile
 * builds the file of the era of the code under test:
 *
 *  core/hat_kpti.c   2018 on: user hats have a copied top table; each CPU
 *                    has per-CPU top tables and a hat of its own (HAT_PCP)
 *                    into which kernel pages are punched; hat_switch()
 *                    copies a hat's top-level entries into the CPU's
 *                    tables, and so does every DEMAP_ALL_ADDR cross-call
 *  core/hat_2015.c   a user hat's top table is a page holding copies of
 *                    the kernel's entries, loaded into CR3 as it is
 *                    (also the 2007 era's, and the 2005 era's with:)
 *  core/hat_2005.c   what the 2005 era's hat_i86.c does besides: each
 *                    CPU's window set up by htable.c, hat_demap(), the
 *                    check for a lower table before a large page
 *
 * Everything here runs with the same locks and in the same places as in
 * hat_i86.c: read the function there before changing one here.
 */
#ifndef _CORE_HAT_ERA_H
#define	_CORE_HAT_ERA_H

#include <sys/types.h>
#include <sys/cpuvar.h>
#include <vm/as.h>
#include <vm/hat_i86.h>

/* the kinds of hat hati_hat_setup() sets up */
enum hati_kind { HATI_KERNEL, HATI_USER, HATI_USER32, HATI_CPU };

/* what the era adds to mmu_init() */
extern void	hati_mmu_init(void);
/*
 * flags, top level and hash size of a new hat, before its hash and its
 * top table exist
 */
extern void	hati_hat_setup(hat_t *, enum hati_kind);
/* a user hat's top table exists (the 2015 era copies kas into it) */
extern void	hati_hat_ready(hat_t *);
/* a CPU comes up (after hat_init_finish(), CPU 0 first) */
extern void	hati_cpu_setup(cpu_t *);
/* hat_switch() on cpu: make it walk hat's tables (its CR3) */
extern void	hati_cpu_load(cpu_t *, hat_t *);
/* a DEMAP_ALL_ADDR cross-call reached cpu, which runs hat */
extern void	hati_demap_all(cpu_t *, hat_t *);

#if HTBED_ERA == 2005
/* x86pte_cpu_init() of a CPU: the first one's window pages, the others' */
extern void	hati_cpu_init(cpu_t *);
/* a large page at va of hat would cover a table linked there */
extern boolean_t hati_lower_table(hat_t *, uintptr_t);
#endif

/* hat.c, for the era's half */
extern hat_t	*hati_new(struct as *, enum hati_kind);
extern x86pte_t	*hati_cpu_frame(cpu_t *, pfn_t *);
extern void	hati_copy_ptes(x86pte_t *, const x86pte_t *, uint_t);
extern void	hati_list_append(hat_t *);
extern int	hati_load_common(hat_t *, uintptr_t, page_t *, uint_t, uint_t,
    level_t, pfn_t);

#endif	/* _CORE_HAT_ERA_H */
