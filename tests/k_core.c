/*
 * Kernel half of test_core: single-threaded htable.c behaviour through
 * the HAT, on a machine the harness booted.  The tests drive a hat of
 * their own (hat_alloc() on a static struct as), never the harness's
 * shadow-model ops, and free it again (kc_hat_destroy) before the harness
 * checks its invariants: the checker knows only the harness's hats.
 *
 * Data pages come from the harness's pools (harness/world.c), from a part
 * no harness op touches while no worker runs: small pages far into the
 * lockable pool, and the 2M runs (p_szc == 1).
 */
#include <sys/types.h>
#include <sys/kmem.h>
#include <sys/mman.h>
#include <vm/as.h>
#include <vm/hat.h>
#include <vm/hat_i86.h>
#include <htbed/shim.h>
#include "world.h"
#include "hat_testbed.h"

extern kmem_cache_t *htable_cache;

#define	PROT_RWU	(PROT_READ | PROT_WRITE | PROT_USER)

static struct as kc_as;
static const struct hat_observer *saved_observer;
static hat_t *observed;
static int foreign_begun, foreign_removed;

void *
kc_hat_new(void)
{
	kc_as.a_userlimit = (caddr_t)kernelbase;
	return (hat_alloc(&kc_as));
}

/*
 * Tear the hat down the way as_free() does: FREEING first, then unload
 * everything (no table is freed meanwhile), then purge.
 */
void
kc_hat_destroy(void *hat)
{
	hat_free_start(hat);
	hat_unload(hat, (caddr_t)0, kernelbase, HAT_UNLOAD);
	hat_free_end(hat);
}

uint64_t
kc_small_pfn(int i)
{
	return (hb_world.w_lockable + 1000 + (pfn_t)i);
}

uint64_t
kc_large_pfn(int run)
{
	return (hb_world.w_large + (pfn_t)run * 512);
}

int
kc_nlarge(void)
{
	return ((int)hb_world.w_nlarge);
}

int
kc_szc(uint64_t pfn)
{
	return (shim_pages[pfn].p_szc);
}

unsigned
kc_share(uint64_t pfn)
{
	return (shim_pages[pfn].p_share);
}

void
kc_memload(void *hat, uint64_t va, uint64_t pfn, int lock)
{
	hat_memload(hat, (caddr_t)va, &shim_pages[pfn], PROT_RWU,
	    lock ? HAT_LOAD_LOCK : HAT_LOAD);
}

/* load the 2M of pages of a large run at va, through hat_memload_array */
void
kc_memload_run(void *hat, uint64_t va, uint64_t pfn)
{
	static page_t *pps[512];
	int i;

	for (i = 0; i < 512; i++)
		pps[i] = &shim_pages[pfn + (pfn_t)i];
	hat_memload_array(hat, (caddr_t)va, LEVEL_SIZE(1), pps, PROT_RWU,
	    HAT_LOAD);
}

void
kc_unload(void *hat, uint64_t va, uint64_t len)
{
	hat_unload(hat, (caddr_t)va, len, HAT_UNLOAD);
}

void
kc_unlock(void *hat, uint64_t va, uint64_t len)
{
	hat_unlock(hat, (caddr_t)va, len);
}

void
kc_swapout(void *hat)
{
	hat_swapout(hat);
}

/* the pfn mapped at va (-1 if none), and the level of the mapping */
int64_t
kc_probe(void *hat, uint64_t va, int *level)
{
	level_t l = -1;
	pfn_t pfn = hat_probe_level(hat, (uintptr_t)va, &l);

	if (level != NULL)
		*level = pfn == PFN_INVALID ? -1 : l;
	return (pfn == PFN_INVALID ? -1 : (int64_t)pfn);
}

uint64_t
kc_pages_mapped(void *hat, int level)
{
	return (((hat_t *)hat)->hat_pages_mapped[level]);
}

/* ---- htables ---- */

void *
kc_lookup(void *hat, uint64_t va, int level)
{
	return (htable_lookup(hat, (uintptr_t)va, (level_t)level));
}

void *
kc_create(void *hat, uint64_t va, int level)
{
	return (htable_create(hat, (uintptr_t)va, (level_t)level, NULL));
}

void
kc_release(void *ht)
{
	htable_release(ht);
}

/*
 * htable_getpte(): the table (held; the caller releases it) and the
 * entry's value, for a page of at most the given level.
 */
void *
kc_getpte(void *hat, uint64_t va, int level, uint64_t *pte)
{
	x86pte_t v = 0;
	htable_t *ht = htable_getpte(hat, (uintptr_t)va, NULL, &v,
	    (level_t)level);

	*pte = v;
	return (ht);
}

int
kc_ht_busy(void *ht)
{
	return (((htable_t *)ht)->ht_busy);
}

int
kc_ht_valid(void *ht)
{
	return (((htable_t *)ht)->ht_valid_cnt);
}

unsigned
kc_ht_locked(void *ht)
{
	return (((htable_t *)ht)->ht_lock_cnt);
}

int
kc_ht_level(void *ht)
{
	return (((htable_t *)ht)->ht_level);
}

uint64_t
kc_ht_vaddr(void *ht)
{
	return (((htable_t *)ht)->ht_vaddr);
}

void *
kc_ht_parent(void *ht)
{
	return (((htable_t *)ht)->ht_parent);
}

/* the pfn of a leaf PTE at level, or -1 if it is no leaf */
int64_t
kc_leaf_pfn(uint64_t pte, int level)
{
	if (!PTE_ISPAGE(pte, level))
		return (-1);
	return ((int64_t)PTE2PFN(pte, level));
}

int
kc_cached(void *hat)
{
	htable_t *ht;
	int n = 0;

	hat_enter(hat);
	for (ht = ((hat_t *)hat)->hat_ht_cached; ht != NULL; ht = ht->ht_next)
		n++;
	hat_exit(hat);
	return (n);
}

/*
 * htable_walk() over [start, end): the address, pfn and level of each
 * page found, in order; returns how many (at most max).
 */
int
kc_walk(void *hat, uint64_t start, uint64_t end, uint64_t *vas,
    uint64_t *pfns, int *levels, int max)
{
	htable_t *ht = NULL;
	uintptr_t va = (uintptr_t)start;
	x86pte_t pte;
	int n = 0;

	while (va < end) {
		pte = htable_walk(hat, &ht, &va, (uintptr_t)end);
		if (ht == NULL)
			break;
		if (n < max) {
			vas[n] = va;
			pfns[n] = PTE2PFN(pte, ht->ht_level);
			levels[n] = ht->ht_level;
		}
		n++;
		va += LEVEL_SIZE(ht->ht_level);
	}
	if (ht != NULL)
		htable_release(ht);
	return (n);
}

/* ---- reaping ---- */

/* the era's own core reaps tables in use, not only cached ones */
int
kc_reap_steals_active(void)
{
	return (HTBED_REAP_STEALS_ACTIVE);
}

uint64_t
kc_reaped(void)
{
	return (__atomic_load_n(&hatstat.hs_reaped, __ATOMIC_RELAXED));
}

uint64_t
kc_reap_attempts(void)
{
	return (__atomic_load_n(&hatstat.hs_reap_attempts, __ATOMIC_RELAXED));
}

uint64_t
kc_ptables_inuse(void)
{
	struct shim_stats s;

	shim_stats(&s);
	return (s.ss_ptable_inuse);
}

/* the reclaim callback kmem runs when memory is short */
void
kc_reap(void)
{
	kmem_cache_reap_now(htable_cache);
}

/*
 * Mappings a steal removes from our hat are announced to the observer;
 * the harness's shadow model knows only its own hats, so ours are counted
 * here and everything else is passed on to it.
 */
static void
obs_begin(htable_t *ht, uint_t entry, pfn_t pfn)
{
	if (ht->ht_hat == observed) {
		foreign_begun++;
		return;
	}
	saved_observer->ho_foreign_begin(ht, entry, pfn);
}

static void
obs_end(htable_t *ht, uint_t entry, int removed)
{
	if (ht->ht_hat == observed) {
		foreign_removed += removed;
		return;
	}
	saved_observer->ho_foreign_end(ht, entry, removed);
}

static const struct hat_observer kc_observer = { obs_begin, obs_end };

void
kc_observe(void *hat)
{
	saved_observer = hat_observer;
	observed = hat;
	foreign_begun = foreign_removed = 0;
	hat_observer = &kc_observer;
}

void
kc_observe_end(int *begun, int *removed)
{
	hat_observer = saved_observer;
	observed = NULL;
	*begun = foreign_begun;
	*removed = foreign_removed;
}
