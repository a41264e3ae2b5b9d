/*
 * hments: for every data page, the list of (htable, entry) pairs that map
 * it, guarded by the page's mapping-list lock (x86_hm_enter()).  The list
 * is what lets hat_pageunload() find and remove every mapping of a page,
 * and an hment on it keeps its htable alive: a table with a valid entry is
 * never freed, and the entry is cleared before the hment is removed.
 *
 * Simplified from illumos hment.c: no embedded first hment, no hash, no
 * reserve (hment allocation sleeps, so it cannot fail); the mapping-list
 * locks are a hashed array as in illumos.
 */
#include <sys/types.h>
#include <sys/kmem.h>
#include <sys/systm.h>
#include <vm/hat_i86.h>
#include <htbed/shim.h>

#define	MLIST_LOCKS	256

struct hment {
	struct hment	*hm_next;
	htable_t	*hm_htable;
	uint_t		hm_entry;
};

static kmutex_t mlist_lock[MLIST_LOCKS];
static kmem_cache_t *hment_cache;

void
hment_init(void)
{
	lock_register_array(mlist_lock, MLIST_LOCKS, LC_MLIST, "mlist_lock");
	hment_cache = kmem_cache_create("hment_t", sizeof (hment_t), 0, NULL,
	    NULL, NULL, NULL, NULL, 0);
}

static kmutex_t *
mlist_of(page_t *pp)
{
	return (&mlist_lock[pp->p_pagenum % MLIST_LOCKS]);
}

void
x86_hm_enter(page_t *pp)
{
	mutex_enter(mlist_of(pp));
}

void
x86_hm_exit(page_t *pp)
{
	mutex_exit(mlist_of(pp));
}

int
x86_hm_held(page_t *pp)
{
	return (MUTEX_HELD(mlist_of(pp)));
}

/* an hment for a mapping about to be made; taken before the list lock */
hment_t *
hment_prepare(htable_t *ht, uint_t entry, page_t *pp)
{
	(void) ht;
	(void) entry;
	(void) pp;
	return (kmem_cache_alloc(hment_cache, KM_SLEEP));
}

void
hment_assign(htable_t *ht, uint_t entry, page_t *pp, hment_t *hm)
{
	ASSERT(x86_hm_held(pp));
	hm->hm_htable = ht;
	hm->hm_entry = entry;
	hm->hm_next = pp->p_mapping;
	pp->p_mapping = hm;
	pp->p_share++;
}

hment_t *
hment_remove(page_t *pp, htable_t *ht, uint_t entry)
{
	hment_t **hpp, *hm;

	ASSERT(x86_hm_held(pp));
	for (hpp = (hment_t **)&pp->p_mapping; (hm = *hpp) != NULL;
	    hpp = &hm->hm_next) {
		if (hm->hm_htable == ht && hm->hm_entry == entry) {
			*hpp = hm->hm_next;
			pp->p_share--;
			return (hm);
		}
	}
	panic("hment_remove: pfn 0x%lx has no hment for htable %p entry %u",
	    pp->p_pagenum, (void *)ht, entry);
}

void
hment_free(hment_t *hm)
{
	kmem_cache_free(hment_cache, hm);
}

/* the mapping after prev (NULL: the first one) */
hment_t *
hment_walk(page_t *pp, htable_t **ht, uint_t *entry, hment_t *prev)
{
	hment_t *hm = (prev == NULL) ? pp->p_mapping : prev->hm_next;

	ASSERT(x86_hm_held(pp));
	if (hm != NULL) {
		*ht = hm->hm_htable;
		*entry = hm->hm_entry;
	}
	return (hm);
}

/* nothing to trim: there is no hment reserve */
void
hment_adjust_reserve(void)
{
}

/* for the testbed's leak check */
kmem_cache_t *
hment_cache_for_check(void)
{
	return (hment_cache);
}
