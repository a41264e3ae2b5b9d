/*
 * kmem caches.
 *
 * New objects are filled with KMEM_JUNK, so a field the caller forgets to
 * set is visibly wrong.  Freed objects are filled with KMEM_POISON and kept
 * in a per-cache quarantine of QUARANTINE objects before their memory is
 * reused; when an object leaves quarantine its poison is checked, so a
 * write through a stale pointer is caught.  A stale read sees poison, and a
 * poisoned pointer faults at 0xdeadbeef....  Under AddressSanitizer objects
 * go straight back to malloc, whose own quarantine is better.
 *
 * KM_NOSLEEP allocations fail with the configured probability (the
 * kernel's can, whenever memory is short).  kmem_reap() asks the reaper
 * thread to run every cache's reclaim callback, asynchronously as in the
 * kernel; that is the only way htable.c's static htable_reap() is reached.
 */
#include <sys/types.h>
#include <sys/kmem.h>
#include <sys/thread.h>
#include <htbed/sanitizer.h>
#include <htbed/seam.h>
#include <htbed/shim.h>

#define	QUARANTINE	256
#define	MAX_CACHES	16

struct kmem_cache {
	char		kc_name[32];
	size_t		kc_size;
	void		(*kc_reclaim)(void *);
	void		*kc_private;
	uint64_t	kc_outstanding;		/* allocated, not freed */
	uint32_t	kc_spin;		/* guards the quarantine */
	uint32_t	kc_qhead;
	void		*kc_quarantine[QUARANTINE];
};

static kmem_cache_t *caches[MAX_CACHES];
static int ncaches;
static uint64_t kmem_fail_cnt;
static void (*reap_hook)(void);

static void
fill(void *p, size_t size, uint64_t pattern)
{
	uint64_t *w = p;
	size_t i;

	for (i = 0; i < size / 8; i++)
		w[i] = pattern;
}

kmem_cache_t *
kmem_cache_create(char *name, size_t size, size_t align,
    int (*ctor)(void *, void *, int), void (*dtor)(void *, void *),
    void (*reclaim)(void *), void *priv, vmem_t *vmp, int cflags)
{
	kmem_cache_t *cp = host_zalloc(sizeof (*cp));

	(void) align;
	(void) vmp;
	(void) cflags;
	if (ctor != NULL || dtor != NULL)
		htbed_internal_error("kmem_cache_create(%s): constructors are "
		    "not emulated", name);
	(void) host_snprintf(cp->kc_name, sizeof (cp->kc_name), "%s", name);
	cp->kc_size = (size + 7) & ~(size_t)7;
	cp->kc_reclaim = reclaim;
	cp->kc_private = priv;
	if (ncaches == MAX_CACHES)
		htbed_internal_error("more than %d kmem caches", MAX_CACHES);
	caches[ncaches++] = cp;
	return (cp);
}

void
kmem_cache_destroy(kmem_cache_t *cp)
{
	(void) cp;
}

static int
kmem_fails(int kmflag)
{
	if ((kmflag & KM_NOSLEEP) == 0 ||
	    !shim_chance_ppm(shim_cfg()->sc_kmem_fail_ppm))
		return (0);
	__atomic_add_fetch(&kmem_fail_cnt, 1, __ATOMIC_RELAXED);
	return (1);
}

void *
kmem_cache_alloc(kmem_cache_t *cp, int kmflag)
{
	void *p;

	lockdep_forbid(LCM(LC_BUCKET) | LCM(LC_HCI), "kmem_cache_alloc");
	seam(EV_YIELD, (const void *)cp, 0, 0);
	if (kmem_fails(kmflag))
		return (NULL);
	p = host_alloc(cp->kc_size);
	fill(p, cp->kc_size, KMEM_JUNK);
	__atomic_add_fetch(&cp->kc_outstanding, 1, __ATOMIC_RELAXED);
	return (p);
}

#ifndef HTBED_ASAN
static void
quarantine_check(kmem_cache_t *cp, uint64_t *w)
{
	size_t i;

	for (i = 0; i < cp->kc_size / 8; i++) {
		if (w[i] != KMEM_POISON)
			BUG("use-after-free", "%s object %p was written after "
			    "it was freed: word %zu is 0x%llx", cp->kc_name,
			    (void *)w, i, (unsigned long long)w[i]);
	}
}

/* poison p, keep it, and release the object it displaces */
static void
quarantine_put(kmem_cache_t *cp, void *p)
{
	void *old;

	fill(p, cp->kc_size, KMEM_POISON);
	while (__atomic_exchange_n(&cp->kc_spin, 1, __ATOMIC_ACQUIRE) != 0)
		__builtin_ia32_pause();
	old = cp->kc_quarantine[cp->kc_qhead];
	cp->kc_quarantine[cp->kc_qhead] = p;
	cp->kc_qhead = (cp->kc_qhead + 1) % QUARANTINE;
	__atomic_store_n(&cp->kc_spin, 0, __ATOMIC_RELEASE);
	if (old != NULL) {
		quarantine_check(cp, old);
		host_free(old);
	}
}
#endif

void
kmem_cache_free(kmem_cache_t *cp, void *p)
{
	lockdep_forbid(LCM(LC_BUCKET) | LCM(LC_HCI), "kmem_cache_free");
	if (p == NULL)
		BUG("kmem", "kmem_cache_free(%s, NULL)", cp->kc_name);
	__atomic_sub_fetch(&cp->kc_outstanding, 1, __ATOMIC_RELAXED);
#ifdef HTBED_ASAN
	host_free(p);
#else
	quarantine_put(cp, p);
#endif
}

void *
kmem_alloc(size_t size, int kmflag)
{
	void *p;

	lockdep_forbid(LCM(LC_BUCKET) | LCM(LC_HCI), "kmem_alloc");
	if (kmem_fails(kmflag))
		return (NULL);
	p = host_alloc(size);
	fill(p, size & ~(size_t)7, KMEM_JUNK);
	return (p);
}

void *
kmem_zalloc(size_t size, int kmflag)
{
	void *p;

	lockdep_forbid(LCM(LC_BUCKET) | LCM(LC_HCI), "kmem_zalloc");
	if (kmem_fails(kmflag))
		return (NULL);
	p = host_zalloc(size);
	return (p);
}

void
kmem_free(void *p, size_t size)
{
	(void) size;
	lockdep_forbid(LCM(LC_BUCKET) | LCM(LC_HCI), "kmem_free");
	host_free(p);
}

void
kmem_reap(void)
{
	if (reap_hook != NULL)
		reap_hook();
}

void
kmem_cache_reap_now(kmem_cache_t *cp)
{
	if (cp->kc_reclaim != NULL)
		cp->kc_reclaim(cp->kc_private);
}

void
shim_kmem_set_reap_hook(void (*hook)(void))
{
	reap_hook = hook;
}

void
shim_kmem_reap_all(void)
{
	int i;

	for (i = 0; i < ncaches; i++)
		kmem_cache_reap_now(caches[i]);
}

uint64_t
shim_kmem_outstanding(kmem_cache_t *cp)
{
	return (__atomic_load_n(&cp->kc_outstanding, __ATOMIC_RELAXED));
}

kmem_cache_t *
shim_kmem_cache_by_name(const char *name)
{
	int i;

	for (i = 0; i < ncaches; i++) {
		if (__builtin_strcmp(caches[i]->kc_name, name) == 0)
			return (caches[i]);
	}
	return (NULL);
}

uint64_t
shim_kmem_fail_count(void)
{
	return (__atomic_load_n(&kmem_fail_cnt, __ATOMIC_RELAXED));
}
