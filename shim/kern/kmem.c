/*
 * kmem caches and kmem_alloc(), on the kernel arena.
 *
 * All memory of the emulated kernel -- kmem objects and the shim's boot
 * tables -- comes from one arena, a single 2 MiB-aligned reservation
 * carved by a bump pointer.  Two things follow.  An object's address
 * depends only on the sequence of allocations before it, so the same
 * program puts its hats and htables at the same addresses (htable.c hashes
 * hat addresses) in every run and every process.  And the whole kernel
 * heap is one range, which shim/testing/snapshot.c saves after boot and
 * puts back before every controlled-mode run.
 *
 * Objects: new ones are filled with KMEM_JUNK, so a field the caller
 * forgets to set is visibly wrong.  Freed ones are filled with KMEM_POISON
 * and kept in a per-cache quarantine before their memory is reused; when
 * an object leaves quarantine its poison is checked, so a write through a
 * stale pointer is caught, and a stale read sees poison (a poisoned
 * pointer faults at 0xdeadbeef...).  Under AddressSanitizer a freed object
 * is also poisoned for ASan, which then catches the stale access itself.
 * kmem_alloc() and kmem_free() use one cache per power-of-two size.
 *
 * Invariants: kc_free and the quarantine change only under kc_lock, a
 * spinlock never held across a seam point; kmem state lives in kernel data
 * and the arena, nowhere else.
 *
 * KM_NOSLEEP allocations fail with the configured probability (the
 * kernel's can, whenever memory is short).  kmem_reap() asks the reaper
 * to run every cache's reclaim callback, asynchronously as in the kernel;
 * that is the only way htable.c's static htable_reap() is reached.
 */
#include <sys/types.h>
#include <sys/kmem.h>
#include <sys/thread.h>
#include <htbed/sanitizer.h>
#include <htbed/seam.h>
#include <htbed/shim.h>
#include <htbed/written.h>

#define	QUARANTINE	256
#define	MAX_CACHES	40
#define	ARENA_SIZE	(4ull << 30)	/* address space only */
#define	ARENA_ALIGN	(2ull << 20)
#define	MIN_CLASS	4		/* kmem_alloc sizes: 16 bytes ... */
#define	MAX_CLASS	30		/* ... 1 GiB */

struct kmem_cache {
	char		kc_name[32];
	size_t		kc_size;
	void		(*kc_reclaim)(void *);
	void		*kc_private;
	uint64_t	kc_outstanding;		/* allocated, not freed */
	uint32_t	kc_lock;
	uint32_t	kc_qhead;
	void		*kc_free;		/* reusable objects, linked */
	void		*kc_quarantine[QUARANTINE];
};

static kmem_cache_t caches[MAX_CACHES];
static int ncaches;
static kmem_cache_t *size_class[MAX_CLASS + 1];
static uint64_t kmem_fail_cnt;
static void (*reap_hook)(void);

static char *arena_base;
static char *arena_brk;
static char *arena_hwm;			/* highest brk since boot or restore */
static uint32_t arena_lock;

/* size bytes of the arena, align a power of two; never given back */
static void *
arena_grab(size_t size, size_t align)
{
	char *p;

	host_spin_lock(&arena_lock);
	if (arena_base == NULL) {
		arena_brk = arena_hwm = host_reserve(ARENA_SIZE, ARENA_ALIGN);
		__atomic_store_n(&arena_base, arena_brk, __ATOMIC_RELEASE);
	}
	p = (char *)(((uintptr_t)arena_brk + align - 1) & ~(align - 1));
	if (p + size > arena_base + ARENA_SIZE)
		htbed_internal_error("the kernel arena (%llu MiB) is exhausted",
		    ARENA_SIZE >> 20);
	arena_brk = p + size;
	if (arena_brk > arena_hwm)
		arena_hwm = arena_brk;
	host_spin_unlock(&arena_lock);
	ASAN_UNPOISON(p, size);
	return (p);
}

void *
shim_boot_zalloc(size_t size)
{
	void *p = arena_grab(size, 64);

	__builtin_memset(p, 0, size);
	return (p);
}

/* the whole reservation: fixed once made, so any thread may ask */
char *
shim_arena_base(void)
{
	return (__atomic_load_n(&arena_base, __ATOMIC_ACQUIRE));
}

size_t
shim_arena_size(void)
{
	return (ARENA_SIZE);
}

void
shim_arena_range(char **base, char **brk, char **hwm)
{
	*base = arena_base;
	*brk = arena_brk;
	*hwm = arena_hwm;
}

static void
fill(void *p, size_t size, uint64_t pattern)
{
	uint64_t *w = p;
	size_t i;

	written_range(p, size);
	for (i = 0; i < size / 8; i++)
		w[i] = pattern;
}

static kmem_cache_t *
cache_new(const char *name, size_t size, void (*reclaim)(void *), void *priv)
{
	kmem_cache_t *cp;

	if (ncaches == MAX_CACHES)
		htbed_internal_error("more than %d kmem caches", MAX_CACHES);
	cp = &caches[ncaches++];
	__builtin_memset(cp, 0, sizeof (*cp));
	(void) host_snprintf(cp->kc_name, sizeof (cp->kc_name), "%s", name);
	cp->kc_size = (size + 15) & ~(size_t)15;
	cp->kc_reclaim = reclaim;
	cp->kc_private = priv;
	return (cp);
}

kmem_cache_t *
kmem_cache_create(char *name, size_t size, size_t align,
    int (*ctor)(void *, void *, int), void (*dtor)(void *, void *),
    void (*reclaim)(void *), void *priv, vmem_t *vmp, int cflags)
{
	(void) align;
	(void) vmp;
	(void) cflags;
	if (ctor != NULL || dtor != NULL)
		htbed_internal_error("kmem_cache_create(%s): constructors are "
		    "not emulated", name);
	return (cache_new(name, size, reclaim, priv));
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
	    !shim_inject(shim_cfg()->sc_kmem_fail_ppm))
		return (0);
	__atomic_add_fetch(&kmem_fail_cnt, 1, __ATOMIC_RELAXED);
	return (1);
}

/*
 * The free list is linked through the first word of each object, which
 * ASan sees as poisoned: these two touch it with ASan looking away.
 */
NO_SANITIZE_ADDRESS static void *
free_pop(kmem_cache_t *cp)
{
	void *p = cp->kc_free;

	if (p != NULL)
		cp->kc_free = *(void **)p;
	return (p);
}

NO_SANITIZE_ADDRESS static void
free_push(kmem_cache_t *cp, void *p)
{
	*(void **)p = cp->kc_free;
	cp->kc_free = p;
}

void *
kmem_cache_alloc(kmem_cache_t *cp, int kmflag)
{
	void *p;

	lockdep_forbid(LCM(LC_BUCKET) | LCM(LC_HCI), "kmem_cache_alloc");
	seam(EV_YIELD, (const void *)cp, 0, 0);
	if (kmem_fails(kmflag))
		return (NULL);
	host_spin_lock(&cp->kc_lock);
	p = free_pop(cp);
	host_spin_unlock(&cp->kc_lock);
	if (p == NULL)
		p = arena_grab(cp->kc_size, 16);
	ASAN_UNPOISON(p, cp->kc_size);
	fill(p, cp->kc_size, KMEM_JUNK);
	__atomic_add_fetch(&cp->kc_outstanding, 1, __ATOMIC_RELAXED);
	return (p);
}

/* under ASan, a write after free is ASan's to report, at the write */
static void
quarantine_check(kmem_cache_t *cp, uint64_t *w)
{
#ifndef HTBED_ASAN
	size_t i;

	for (i = 0; i < cp->kc_size / 8; i++) {
		if (w[i] != KMEM_POISON)
			BUG("use-after-free", "%s object %p was written after "
			    "it was freed: word %zu is 0x%llx", cp->kc_name,
			    (void *)w, i, (unsigned long long)w[i]);
	}
#else
	(void) cp;
	(void) w;
#endif
}

void
kmem_cache_free(kmem_cache_t *cp, void *p)
{
	void *old;

	lockdep_forbid(LCM(LC_BUCKET) | LCM(LC_HCI), "kmem_cache_free");
	if (p == NULL)
		BUG("kmem", "kmem_cache_free(%s, NULL)", cp->kc_name);
	__atomic_sub_fetch(&cp->kc_outstanding, 1, __ATOMIC_RELAXED);
	fill(p, cp->kc_size, KMEM_POISON);
	ASAN_POISON(p, cp->kc_size);
	host_spin_lock(&cp->kc_lock);
	old = cp->kc_quarantine[cp->kc_qhead];
	cp->kc_quarantine[cp->kc_qhead] = p;
	cp->kc_qhead = (cp->kc_qhead + 1) % QUARANTINE;
	host_spin_unlock(&cp->kc_lock);
	if (old == NULL)
		return;
	quarantine_check(cp, old);
	host_spin_lock(&cp->kc_lock);
	free_push(cp, old);
	host_spin_unlock(&cp->kc_lock);
}

/* the cache behind kmem_alloc(size): one per power of two */
static kmem_cache_t *
class_cache(size_t size)
{
	kmem_cache_t *cp;
	char name[32];
	int c = MIN_CLASS;

	while (c < MAX_CLASS && ((size_t)1 << c) < size)
		c++;
	if (((size_t)1 << c) < size)
		htbed_internal_error("kmem_alloc(%zu): too large", size);
	if ((cp = __atomic_load_n(&size_class[c], __ATOMIC_ACQUIRE)) != NULL)
		return (cp);
	host_spin_lock(&arena_lock);
	if ((cp = size_class[c]) == NULL) {
		(void) host_snprintf(name, sizeof (name), "kmem_alloc_%zu",
		    (size_t)1 << c);
		cp = cache_new(name, (size_t)1 << c, NULL, NULL);
		__atomic_store_n(&size_class[c], cp, __ATOMIC_RELEASE);
	}
	host_spin_unlock(&arena_lock);
	return (cp);
}

void *
kmem_alloc(size_t size, int kmflag)
{
	lockdep_forbid(LCM(LC_BUCKET) | LCM(LC_HCI), "kmem_alloc");
	return (kmem_cache_alloc(class_cache(size), kmflag));
}

void *
kmem_zalloc(size_t size, int kmflag)
{
	void *p;

	lockdep_forbid(LCM(LC_BUCKET) | LCM(LC_HCI), "kmem_zalloc");
	p = kmem_cache_alloc(class_cache(size), kmflag);
	if (p != NULL)
		__builtin_memset(p, 0, size);
	return (p);
}

void
kmem_free(void *p, size_t size)
{
	lockdep_forbid(LCM(LC_BUCKET) | LCM(LC_HCI), "kmem_free");
	kmem_cache_free(class_cache(size), p);
}

/* called by an allocator that found memory short and will try again */
void
kmem_reap(void)
{
	if (reap_hook != NULL)
		reap_hook();
	SEAM_SPIN(kmem_reap);
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
		kmem_cache_reap_now(&caches[i]);
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
		if (__builtin_strcmp(caches[i].kc_name, name) == 0)
			return (&caches[i]);
	}
	return (NULL);
}

uint64_t
shim_kmem_fail_count(void)
{
	return (__atomic_load_n(&kmem_fail_cnt, __ATOMIC_RELAXED));
}

/*
 * After the arena's bytes were put back (snapshot.c), tell ASan again
 * which of them are free: the unused tail and every freed object.
 */
NO_SANITIZE_ADDRESS void
shim_kmem_repoison(char *hwm)
{
#ifdef HTBED_ASAN
	void *p;
	int i, q;

	ASAN_UNPOISON(arena_base, (size_t)(arena_brk - arena_base));
	ASAN_POISON(arena_brk, (size_t)(hwm - arena_brk));
	for (i = 0; i < ncaches; i++) {
		for (p = caches[i].kc_free; p != NULL; p = *(void **)p)
			ASAN_POISON(p, caches[i].kc_size);
		for (q = 0; q < QUARANTINE; q++)
			if (caches[i].kc_quarantine[q] != NULL)
				ASAN_POISON(caches[i].kc_quarantine[q],
				    caches[i].kc_size);
	}
#else
	(void) hwm;
#endif
}
