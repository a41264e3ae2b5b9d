/*
 * Kernel half of test_memory: emulated physical memory (page-table frames
 * from page_get_physical() and back through page_free()), kmem caches,
 * and failure injection.  No HAT: nothing else allocates, so every count
 * the tests read moves only by what they do.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/vmsystm.h>
#include <sys/kmem.h>
#include <sys/thread.h>
#include <vm/page.h>
#include <htbed/sanitizer.h>
#include <htbed/shim.h>

#define	OBJ_SIZE	48

static kmem_cache_t *obj_cache;

int
kmm_boot(void)
{
	struct shim_config c = { 0 };

	c.sc_ncpus = 2;
	c.sc_ptframes = 32;
	c.sc_dataframes = 16;
	c.sc_seed = 3;
	if (shim_init(&c) != 0)
		return (-1);
	(void) shim_thread_attach("main", 0);
	obj_cache = kmem_cache_create("kt_obj", OBJ_SIZE, 0, NULL, NULL, NULL,
	    NULL, NULL, 0);
	return (0);
}

void
kmm_stats(struct shim_stats *s)
{
	shim_stats(s);
}

uint64_t
kmm_freemem(void)
{
	return (__atomic_load_n(&freemem, __ATOMIC_RELAXED));
}

uint64_t
kmm_nptframes(void)
{
	return (shim_pt_last - shim_pt_first + 1);
}

/* ---- frames ---- */

void *
kmm_page_get(void)
{
	return (page_get_physical(0));
}

uint64_t
kmm_pfn(void *pp)
{
	return (((page_t *)pp)->p_pagenum);
}

int
kmm_selock(void *pp)
{
	return (((page_t *)pp)->p_selock);
}

int
kmm_is_ptable_frame(void *pp)
{
	page_t *p = pp;

	return (p->p_kind == PK_PTABLE && p->p_pagenum >= shim_pt_first &&
	    p->p_pagenum <= shim_pt_last);
}

int
kmm_hashed(void *pp)
{
	return (((page_t *)pp)->p_vnode == &kvp);
}

int
kmm_in_use(uint64_t pfn)
{
	return (shim_frame_in_use((pfn_t)pfn));
}

/* every word of the frame holds pattern */
int
kmm_frame_is(uint64_t pfn, uint64_t pattern)
{
	uint64_t *w = (uint64_t *)(void *)SHIM_FRAME_VA(pfn);
	int i;

	for (i = 0; i < 512; i++) {
		if (w[i] != pattern)
			return (0);
	}
	return (1);
}

void
kmm_frame_write(uint64_t pfn, int i, uint64_t v)
{
	((uint64_t *)(void *)SHIM_FRAME_VA(pfn))[i] = v;
}

int
kmm_tryupgrade(void *pp)
{
	return (page_tryupgrade(pp));
}

void
kmm_lock_shared(void *pp)
{
	(void) page_lock(pp, SE_SHARED, NULL, P_NO_RECLAIM);
}

void
kmm_unlock(void *pp)
{
	page_unlock(pp);
}

/* the page by its kvp name, locked exclusive (NULL: none) */
void *
kmm_lookup_excl(void *pp)
{
	return (page_lookup(&kvp, ((page_t *)pp)->p_offset, SE_EXCL));
}

void
kmm_hashout(void *pp)
{
	page_hashout(pp, NULL);
}

void
kmm_page_free(void *pp)
{
	page_free(pp, 1);
}

void
kmm_unresv(uint64_t n)
{
	page_unresv((pgcnt_t)n);
}

/* the whole give-back, as htable.c does it */
void
kmm_give_back(void *pp)
{
	if (!page_tryupgrade(pp))
		BUG("test", "page_tryupgrade() of a page held shared once");
	page_hashout(pp, NULL);
	page_free(pp, 1);
	page_unresv(1);
}

void
kmm_inject(uint32_t kmem_ppm, uint32_t page_ppm, uint32_t upgrade_ppm)
{
	struct shim_config c = { 0 };

	c.sc_kmem_fail_ppm = kmem_ppm;
	c.sc_page_fail_ppm = page_ppm;
	c.sc_upgrade_fail_ppm = upgrade_ppm;
	shim_set_injection(&c);
}

/* misuse: free a frame still held shared (not upgraded, still hashed) */
void
kmm_free_shared(void)
{
	page_free(page_get_physical(0), 1);
}

/* misuse: free a frame that is hashed out but only shared */
void
kmm_free_unupgraded(void)
{
	page_t *pp = page_get_physical(0);

	pp->p_vnode = NULL;
	page_free(pp, 1);
}

/* misuse: free a page-table frame twice */
void
kmm_free_twice(void)
{
	page_t *pp = page_get_physical(0);

	kmm_give_back(pp);
	page_free(pp, 1);
}

/* misuse: free a data frame */
void
kmm_free_data(void)
{
	page_free(&shim_pages[shim_data_first], 1);
}

/* ---- kmem ---- */

/* ASan builds poison freed objects, so a test must not read them */
int
kmm_under_asan(void)
{
#ifdef HTBED_ASAN
	return (1);
#else
	return (0);
#endif
}

void *
kmm_obj_alloc(int sleep)
{
	return (kmem_cache_alloc(obj_cache, sleep ? KM_SLEEP : KM_NOSLEEP));
}

void
kmm_obj_free(void *p)
{
	kmem_cache_free(obj_cache, p);
}

uint64_t
kmm_obj_outstanding(void)
{
	return (shim_kmem_outstanding(obj_cache));
}

int
kmm_obj_cache_named(void)
{
	return (shim_kmem_cache_by_name("kt_obj") == obj_cache);
}

/* every word of an object (of n bytes) holds pattern */
int
kmm_words_are(const void *p, int n, uint64_t pattern)
{
	const uint64_t *w = p;
	int i;

	for (i = 0; i < n / 8; i++) {
		if (w[i] != pattern)
			return (0);
	}
	return (1);
}

int
kmm_obj_size(void)
{
	return (OBJ_SIZE);
}

void *
kmm_alloc(uint64_t size, int sleep, int zero)
{
	int fl = sleep ? KM_SLEEP : KM_NOSLEEP;

	return (zero ? kmem_zalloc(size, fl) : kmem_alloc(size, fl));
}

void
kmm_free(void *p, uint64_t size)
{
	kmem_free(p, size);
}

/*
 * Free an object, maybe write to it afterwards, then push it out of the
 * quarantine with more frees of the same cache.
 */
void
kmm_write_after_free(int write)
{
	uint64_t *p = kmem_cache_alloc(obj_cache, KM_SLEEP);
	void *q;
	int i;

	kmem_cache_free(obj_cache, p);
	if (write)
		p[1] = 42;
	for (i = 0; i < 300; i++) {
		q = kmem_cache_alloc(obj_cache, KM_SLEEP);
		kmem_cache_free(obj_cache, q);
	}
}

void
kmm_free_null(void)
{
	kmem_cache_free(obj_cache, NULL);
}

/* the fill patterns of htbed/shim.h: 0 PTE_JUNK, 1 PTE_POISON, 2 KMEM_JUNK, 3 KMEM_POISON */
uint64_t
kmm_pattern(int which)
{
	static const uint64_t p[4] = { PTE_JUNK, PTE_POISON, KMEM_JUNK,
	    KMEM_POISON };

	return (p[which & 3]);
}
