/*
 * The invariant checker.  It runs at quiescent points (no op in flight, no
 * thread inside the HAT) and at the end, reads every structure and every
 * page table directly (through the physmap, not through htable.c), and
 * reports the first violation as a bug.  What it checks:
 *
 *  hat list    kas.a_hat's list holds exactly the live hats, links agree,
 *              no hat is left VICTIM or FREEING
 *  hashes      chains well formed (prev/next), every table in the bucket
 *              its (hat, va, level) hashes to, no (hat, va, level) twice,
 *              no table hashed twice or both hashed and cached
 *  tables      each non-top table is linked by exactly one entry of its
 *              parent, equal to MAKEPTP; every PTP points at a hashed
 *              table; invalid entries are zero (a table was zeroed);
 *              valid counts equal the valid entries in memory; busy counts
 *              equal the holds that must exist (children, shares, the
 *              hat's hold on its top, the kernel's on its level-2
 *              tables); lock counts equal the locked mappings
 *  frames      each table frame allocated and owned by one table; frames
 *              in use = hashed + cached tables; reservations agree
 *  reserve     count equals list length; kmem objects outstanding equal
 *              hashed + cached + reserve htables
 *  model       every leaf is a mapping the shadow model has, and every
 *              mapping the model has is what an MMU walk of the tables
 *              translates to; ISM attach areas map the ISM segment;
 *              hat_pages_mapped and hat_ism_pgcnt agree
 *  hments      each page's mapping list names exactly its consistent
 *              mappings
 *  threads     no thread holds a mutex or has preemption disabled
 *  vCPUs       each runs the hat its dispatcher says, is in that hat's
 *              CPU set and in no other; KPTI era: its per-CPU top tables
 *              hold exactly the running hat's copied entries (user slots)
 *              and the kernel's (the rest of the kernel one)
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/sysmacros.h>
#include <sys/kmem.h>
#include <sys/cpuvar.h>
#include <vm/as.h>
#include <vm/hat.h>
#include <vm/hat_i86.h>
#include <htbed/sanitizer.h>
#include <htbed/shim.h>
#include <htbed/written.h>
#include "world.h"
#include "hat_testbed.h"

extern kmem_cache_t *htable_cache;
extern uint_t htable_reserve_cnt;
extern htable_t *htable_reserve_pool;
extern uint32_t htable_dont_cache;

struct hment {
	struct hment	*hm_next;
	htable_t	*hm_htable;
	uint_t		hm_entry;
};

typedef struct tinfo {
	htable_t	*ti_ht;
	hb_slot_t	*ti_slot;
	int		ti_cached;
	int		ti_holds;	/* holds that must exist */
	int		ti_locked;	/* locked mappings found */
} tinfo_t;

static const char *chk_when;
static tinfo_t *tab;		/* every table seen */
static int ntab, captab;
static int *by_ptr, *by_key;	/* open-addressed indexes into tab */
static uint64_t bucket_mask;	/* buckets - 1: a power of two */

#define	FAIL(...)	BUG("invariant", __VA_ARGS__)

static x86pte_t *
frame(pfn_t pfn)
{
	return ((x86pte_t *)(void *)SHIM_FRAME_VA(pfn));
}

/* where a table's entries are: its frame, or its hat for a copied top */
static const x86pte_t *
ptes_of(const htable_t *ht)
{
	if (ht->ht_flags & HTBED_HT_COPIED)
		return (HTBED_COPIED_PTES(ht->ht_hat));
	return (frame(ht->ht_pfn));
}

/*
 * Entry e of a table.  Read atomically: the emulated MMU sets REF and MOD
 * with atomic updates even while the checker runs (in controlled mode the
 * walkers are fibers, to ThreadSanitizer threads).
 */
static x86pte_t
pte_at(const x86pte_t *ptes, uint_t e)
{
	return (__atomic_load_n(&ptes[e], __ATOMIC_RELAXED));
}

/*
 * A word the checker's scans read.  Under ThreadSanitizer an atomic load
 * (an MMU walker may set REF or MOD meanwhile, and to TSan fibers are
 * threads); elsewhere a plain one, so that the compiler reads a block of
 * eight with vector loads.  A scan only skips what is plainly nothing:
 * whatever it stops at is read again with pte_at() or sw_load().
 */
#ifdef HTBED_TSAN
#define	SCAN_WORD(p)	__atomic_load_n((p), __ATOMIC_RELAXED)
#else
#define	SCAN_WORD(p)	(*(p))
#endif
#define	SCAN_BLOCK	8

/* entries [e, e + SCAN_BLOCK) of f equal those of l (or 0, l NULL) */
static NO_SANITIZE_SCAN int
same_block(const x86pte_t *f, const x86pte_t *l, uint_t e)
{
	x86pte_t d = 0;
	int k;

	for (k = 0; k < SCAN_BLOCK; k++)
		d |= SCAN_WORD(&f[e + k]) ^
		    (l != NULL ? SCAN_WORD(&l[e + k]) : 0);
	return (d == 0);
}

/*
 * The first entry at or after e of the table ptes that differs from the
 * same entry of the table like (or from 0, if like is NULL); n if none
 * does below n.  Most entries of most tables are 0, and the checker reads
 * every table at every check: this is its inner loop, kept out of
 * AddressSanitizer's instrumentation (frames are always mapped), and it
 * steps over equal blocks whole.
 */
static NO_SANITIZE_SCAN uint_t
next_diff(const x86pte_t *f, const x86pte_t *l, uint_t e, uint_t n)
{
	while (e < n) {
		if (e % SCAN_BLOCK == 0 && e + SCAN_BLOCK <= n &&
		    same_block(f, l, e)) {
			e += SCAN_BLOCK;
			continue;
		}
		if (SCAN_WORD(&f[e]) != (l != NULL ? SCAN_WORD(&l[e]) : 0))
			break;
		e++;
	}
	return (e);
}

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	return (x ^ (x >> 33));
}

static uint64_t
key_of(const hat_t *hat, uintptr_t va, level_t l)
{
	return (mix((uint64_t)(uintptr_t)hat ^ mix(va) ^ (uint64_t)l));
}

/* the table ht, or NULL; reads only the checker's own index */
static NO_SANITIZE_SCAN tinfo_t *
find_ptr(const htable_t *ht)
{
	uint64_t i = mix((uint64_t)(uintptr_t)ht);

	for (;; i++) {
		int x = by_ptr[i & bucket_mask];

		if (x < 0)
			return (NULL);
		if (tab[x].ti_ht == ht)
			return (&tab[x]);
	}
}

/* the hashed table (hat, va, level), or NULL */
static tinfo_t *
find_key(const hat_t *hat, uintptr_t va, level_t l)
{
	uint64_t i = key_of(hat, va, l);

	for (;; i++) {
		int x = by_key[i & bucket_mask];
		htable_t *ht;

		if (x < 0)
			return (NULL);
		ht = tab[x].ti_ht;
		if (ht->ht_hat == hat && ht->ht_vaddr == va &&
		    ht->ht_level == l)
			return (&tab[x]);
	}
}

static tinfo_t *
add_table(htable_t *ht, hb_slot_t *sl, int cached)
{
	uint64_t i;
	tinfo_t *t;

	if (find_ptr(ht) != NULL)
		FAIL("%s: htable %p (va 0x%lx level %d) is on two lists "
		    "(hashed twice, or both hashed and cached)", chk_when,
		    (void *)ht, ht->ht_vaddr, ht->ht_level);
	if (ntab == captab)
		FAIL("%s: more tables than frames can back (%d)", chk_when,
		    captab);
	t = &tab[ntab];
	__builtin_memset(t, 0, sizeof (*t));
	t->ti_ht = ht;
	t->ti_slot = sl;
	t->ti_cached = cached;
	for (i = mix((uint64_t)(uintptr_t)ht); by_ptr[i & bucket_mask]
	    >= 0; i++)
		continue;
	by_ptr[i & bucket_mask] = ntab;
	if (!cached) {
		if (find_key(ht->ht_hat, ht->ht_vaddr, ht->ht_level) != NULL)
			FAIL("%s: two hashed tables for hat %p va 0x%lx "
			    "level %d", chk_when, (void *)ht->ht_hat,
			    ht->ht_vaddr, ht->ht_level);
		for (i = key_of(ht->ht_hat, ht->ht_vaddr, ht->ht_level);
		    by_key[i & bucket_mask] >= 0; i++)
			continue;
		by_key[i & bucket_mask] = ntab;
	}
	ntab++;
	return (t);
}

static void
scratch_init(void)
{
	captab = (int)shim_cfg()->sc_ptframes + 4 * HB_MAX_HATS + 64;
	/* at least four buckets per table */
	for (bucket_mask = 63; bucket_mask + 1 < (uint64_t)captab * 4;
	    bucket_mask = bucket_mask * 2 + 1)
		continue;
	/* the checker's own memory, not the kernel's (nor restored) */
	if (tab == NULL) {
		tab = host_zalloc(sizeof (tinfo_t) * (size_t)captab);
		by_ptr = host_zalloc(sizeof (int) * (bucket_mask + 1));
		by_key = host_zalloc(sizeof (int) * (bucket_mask + 1));
	}
	/* every bucket -1: all bytes 0xff, one memset each */
	__builtin_memset(by_ptr, 0xff, sizeof (int) * (bucket_mask + 1));
	__builtin_memset(by_key, 0xff, sizeof (int) * (bucket_mask + 1));
	ntab = 0;
}

/* every live address space, each with its hat */
static void
check_hat_list(hb_slot_t **sl, int nsl)
{
	hat_t *khat = kas.a_hat, *hat, *prev = NULL, *tail;
	int n = 0, i, found;

	for (hat = khat->hat_next; hat != NULL;
	    prev = hat, hat = HTBED_HAT_NEXT(hat)) {
		if (prev != NULL && hat->hat_prev != prev)
			FAIL("%s: hat list: %p's hat_prev is %p, not %p",
			    chk_when, (void *)hat, (void *)hat->hat_prev,
			    (void *)prev);
		if (hat->hat_flags & (HAT_VICTIM | HAT_FREEING))
			FAIL("%s: hat %p is left with flags 0x%x", chk_when,
			    (void *)hat, hat->hat_flags);
		for (found = 0, i = 1; i < nsl; i++)
			found |= sl[i]->sl_hat == hat;
		if (!found || ++n > nsl - 1)
			FAIL("%s: hat list holds hat %p, which is no live "
			    "address space", chk_when, (void *)hat);
	}
	/* the first hat's hat_prev: none, or on a ring the last hat */
	if (khat->hat_next != NULL &&
	    khat->hat_next->hat_prev != (HTBED_HAT_RING ? prev : NULL))
		FAIL("%s: hat list: the first hat %p has hat_prev %p",
		    chk_when, (void *)khat->hat_next,
		    (void *)khat->hat_next->hat_prev);
	/* the tail the kernel hat names (a ring has none: it stays NULL) */
	tail = HTBED_HAT_RING ? NULL : prev;
	if (khat->hat_prev != tail || n != nsl - 1)
		FAIL("%s: hat list has %d hats (expected %d), tail %p (expected "
		    "%p)", chk_when, n, nsl - 1, (void *)khat->hat_prev,
		    (void *)tail);
}

static void
check_chains(hb_slot_t *sl)
{
	hat_t *hat = sl->sl_hat;
	htable_t *ht, *prev;
	uint_t h;

	for (h = 0; h < hat->hat_num_hash; h++) {
		for (prev = NULL, ht = hat->hat_ht_hash[h]; ht != NULL;
		    prev = ht, ht = ht->ht_next) {
			if (ht->ht_prev != prev || ht->ht_hat != hat ||
			    HTABLE_HASH(hat, ht->ht_vaddr, ht->ht_level) != h ||
			    ht->ht_level < 0 || ht->ht_level > 3)
				FAIL("%s: hash chain %u of hat %p is malformed "
				    "at htable %p (va 0x%lx level %d)", chk_when,
				    h, (void *)hat, (void *)ht, ht->ht_vaddr,
				    ht->ht_level);
			(void) add_table(ht, sl, 0);
		}
	}
	if (find_ptr(hat->hat_htable) == NULL ||
	    hat->hat_htable->ht_level != TOP_LEVEL(hat))
		FAIL("%s: hat %p's top table is not hashed", chk_when,
		    (void *)hat);
	for (ht = hat->hat_ht_cached; ht != NULL; ht = ht->ht_next)
		(void) add_table(ht, sl, 1);
}

/* the frame of each table: allocated, owned once; cached ones zeroed */
static void
check_frames(void)
{
	static htable_t **owner;
	uint64_t npt = shim_pt_last + 1, used = 0;
	struct shim_stats ss;
	uint_t e;
	int i;

	if (owner == NULL)
		owner = host_zalloc(sizeof (htable_t *) * npt);
	__builtin_memset(owner, 0, sizeof (htable_t *) * npt);
	for (i = 0; i < ntab; i++) {
		htable_t *ht = tab[i].ti_ht;

		if (ht->ht_flags & (HTABLE_SHARED_PFN | HTBED_HT_COPIED))
			continue;
		if (!shim_frame_in_use(ht->ht_pfn))
			FAIL("%s: htable %p (va 0x%lx level %d) has pfn 0x%lx, "
			    "which is not an allocated page-table frame",
			    chk_when, (void *)ht, ht->ht_vaddr, ht->ht_level,
			    ht->ht_pfn);
		if (owner[ht->ht_pfn] != NULL)
			FAIL("%s: htables %p and %p share frame 0x%lx", chk_when,
			    (void *)owner[ht->ht_pfn], (void *)ht, ht->ht_pfn);
		owner[ht->ht_pfn] = ht;
		used++;
		e = tab[i].ti_cached ? next_diff(ptes_of(ht), NULL, 0, 512) :
		    512;
		if (e < 512)
			FAIL("%s: cached htable %p has entry %u = 0x%lx: "
			    "cached tables must be zero", chk_when,
			    (void *)ht, e, pte_at(ptes_of(ht), e));
	}
	used += hat_cpu_frames();
	shim_stats(&ss);
	if (ss.ss_ptable_inuse == used && ss.ss_page_resv > used)
		FAIL("%s: %llu page-table frames reserved, but %llu allocated, "
		    "each owned by a table (or a vCPU's own top table): a "
		    "page_resv() was never undone", chk_when,
		    (unsigned long long)ss.ss_page_resv,
		    (unsigned long long)used);
	if (ss.ss_ptable_inuse != used || ss.ss_page_resv != used)
		FAIL("%s: %llu page-table frames allocated and %llu reserved, "
		    "but %llu tables (and the vCPUs' own top tables) own one",
		    chk_when,
		    (unsigned long long)ss.ss_ptable_inuse,
		    (unsigned long long)ss.ss_page_resv,
		    (unsigned long long)used);
}

static void
check_reserve(void)
{
	uint64_t n = 0, outstanding;
	htable_t *ht;

	for (ht = htable_reserve_pool; ht != NULL; ht = ht->ht_next) {
		if (ht->ht_pfn != PFN_INVALID || ht->ht_hat != NULL ||
		    find_ptr(ht) != NULL)
			FAIL("%s: reserve htable %p has pfn 0x%lx hat %p or is "
			    "also in use", chk_when, (void *)ht, ht->ht_pfn,
			    (void *)ht->ht_hat);
		if (++n > (uint64_t)htable_reserve_cnt)
			break;
	}
	if (n != htable_reserve_cnt)
		FAIL("%s: htable_reserve_cnt is %u, the list holds %llu",
		    chk_when, htable_reserve_cnt, (unsigned long long)n);
	outstanding = shim_kmem_outstanding(htable_cache);
	if (outstanding != (uint64_t)ntab + n)
		FAIL("%s: %llu htables allocated from kmem, but %d hashed or "
		    "cached and %llu in the reserve", chk_when,
		    (unsigned long long)outstanding, ntab,
		    (unsigned long long)n);
	if (htable_dont_cache != 0)
		FAIL("%s: htable_dont_cache is %u with no steal running",
		    chk_when, htable_dont_cache);
}

/*
 * ------------------------------------------------------------------------
 * The memo: what the last checks found for each level-0 table (its
 * leaves against the model) and each region of the model (its words
 * against the translation), keyed by the content it was found for.  The
 * 512 entries of a table and the 512 words of a region each have a
 * version, new whenever they differ from a copy kept of them at the
 * check before.  A result is a pure function of its key, so a check
 * reads again only the tables and regions whose content changed (or that
 * it has not seen), and a memo hit is what a full scan would find.
 * Content, not a record of writes: nothing that writes the tables --
 * htable.c, the MMU, a bug -- need tell the checker.  Not under
 * ThreadSanitizer, where a copy would race with a free-running walker's
 * atomic REF/MOD update.
 *
 * The memo is host memory, named from a section of its own, which the
 * machine's restore does not put back (it restores .data and .bss:
 * shim/testing/snapshot.c): the runs of a process share it, and no
 * version is given twice.
 * ------------------------------------------------------------------------
 */
#ifdef HTBED_TSAN
#define	CHECK_MEMO	0
#else
#define	CHECK_MEMO	1
#endif
#define	MEMO_REGIONS	1024	/* region copies, by address */

struct copy {
	const uint64_t	*c_src;		/* what it is a copy of */
	uint64_t	c_ver;
	uint64_t	c_epoch;	/* the check that last compared it */
	uint64_t	c_words[HB_PAGES];
};

struct table_memo {
	uint64_t	tm_frame_ver, tm_region_ver;
	const htable_t	*tm_ht;
	const hat_t	*tm_hat;
	uintptr_t	tm_va;
	const hb_slot_t	*tm_slot;
	int		tm_valid, tm_locked, tm_leaves; /* its share */
	uint64_t	tm_consistent;
};

struct frame_memo {
	uint64_t	fm_ver;		/* of the frame, when made */
	uint64_t	fm_kver;	/* the kernel top's, if it copies it */
	int		fm_n;
	uint16_t	fm_idx[HB_PAGES];	/* the entries not 0 */
};

struct region_memo {
	uint64_t	rm_ver, rm_l0_ver;	/* words, level-0 table */
	pfn_t		rm_l0, rm_first;	/* where the walk ended */
	int		rm_agreed;
};

static struct memo {
	uint64_t	m_epoch, m_ver;
	int		m_trust;	/* this check trusts written.h */
	uint64_t	m_asked;	/* checks that asked to trust it */
	int		m_verify;	/* HTBED_CHECK_VERIFY: and checks it */
	struct copy	*m_frame;		/* by pfn - shim_pt_first */
	struct table_memo *m_table;		/* likewise */
	struct frame_memo *m_nz;		/* likewise */
	struct copy	*m_region;		/* by the words' address */
	struct region_memo *m_rmemo;		/* likewise */
} *memo __attribute__((section("htbed_check_memo")));

/*
 * A check begins: every copy is to be compared again and every hment list
 * walked, but (trust) where the record of writes (htbed/written.h) says
 * nobody wrote them -- and every CHECK_WHOLE-th check walks and compares
 * all the same, so that a writer the record does not know costs at most
 * that many checks.
 */
#define	CHECK_WHOLE	16

static void
memo_begin(int trust)
{
	size_t n = (size_t)(shim_pt_last - shim_pt_first + 1);

	if (!CHECK_MEMO)
		return;
	if (memo == NULL) {
		memo = host_zalloc(sizeof (*memo));
		memo->m_frame = host_zalloc(sizeof (struct copy) * n);
		memo->m_table = host_zalloc(sizeof (struct table_memo) * n);
		memo->m_nz = host_zalloc(sizeof (struct frame_memo) * n);
		memo->m_region = host_zalloc(sizeof (struct copy) *
		    MEMO_REGIONS);
		memo->m_rmemo = host_zalloc(sizeof (struct region_memo) *
		    MEMO_REGIONS);
	}
	memo->m_verify = host_env_set("HTBED_CHECK_VERIFY");
	memo->m_epoch++;
	memo->m_asked += trust != 0;
	memo->m_trust = trust && written_tracked &&
	    memo->m_asked % CHECK_WHOLE != 0;
}

/*
 * The HB_PAGES words at a and b are equal: all read, by vectors, outside
 * the sanitizers' checks (both are the testbed's memory, and the
 * interceptor of memcmp() checked both ranges at every call).
 */
typedef uint64_t words_vec_t __attribute__((vector_size(32), aligned(8)));

static NO_SANITIZE_SCAN int
words_equal(const uint64_t *a, const uint64_t *b)
{
	words_vec_t d = { 0, 0, 0, 0 };
	int i;

	for (i = 0; i < HB_PAGES; i += 4)
		d |= *(const words_vec_t *)(const void *)&a[i] ^
		    *(const words_vec_t *)(const void *)&b[i];
	return ((d[0] | d[1] | d[2] | d[3]) == 0);
}

/* the version of the words at src, of which c keeps a copy */
static uint64_t
version_of(struct copy *c, const uint64_t *src)
{
	if (c->c_src == src && c->c_epoch == memo->m_epoch)
		return (c->c_ver);
	if (c->c_src != src || !words_equal(c->c_words, src)) {
		__builtin_memcpy(c->c_words, src, sizeof (c->c_words));
		c->c_src = src;
		c->c_ver = ++memo->m_ver;
	}
	c->c_epoch = memo->m_epoch;
	return (c->c_ver);
}

/*
 * The version of the words at src (copy c), without comparing them where
 * this check trusts the record of writes, the copy is of src and nobody
 * wrote src since it was made (!written).  HTBED_CHECK_VERIFY: compared
 * all the same; what changed unnoted (what, id) is an internal error.
 */
static uint64_t
told_version(struct copy *c, const uint64_t *src, int written,
    const char *what, unsigned long id)
{
	uint_t e;

	if (c->c_epoch == memo->m_epoch || written || !memo->m_trust ||
	    c->c_src != src)
		return (version_of(c, src));
	if (memo->m_verify && !words_equal(c->c_words, src)) {
		for (e = 0; c->c_words[e] == src[e]; e++)
			continue;
		htbed_internal_error("the checker: word %u of %s 0x%lx changed "
		    "from 0x%llx to 0x%llx, and no write of it was noted (a "
		    "writer htbed/written.h or shadow_word() does not know)",
		    e, what, id, (unsigned long long)c->c_words[e],
		    (unsigned long long)src[e]);
	}
	c->c_epoch = memo->m_epoch;
	return (c->c_ver);
}

/* a frame's version (its flag in the record is taken at every check) */
static uint64_t
frame_version(pfn_t pfn)
{
	return (told_version(&memo->m_frame[pfn - shim_pt_first],
	    (const uint64_t *)frame(pfn), written_take(pfn),
	    "page-table frame", pfn));
}

/*
 * The version of a region's model words, and its memo (*rm); marked
 * written by shadow_word() (harness/shadow.c).
 */
static uint64_t
region_version(const hb_slot_t *sl, int reg, struct region_memo **rm)
{
	const uint64_t *sw = &sl->sl_shadow[reg * HB_PAGES];
	size_t i = mix((uint64_t)(uintptr_t)sw) % MEMO_REGIONS;

	*rm = &memo->m_rmemo[i];
	return (told_version(&memo->m_region[i], sw, sl->sl_written[reg] != 0,
	    "model region at", (unsigned long)(uintptr_t)sw));
}

/* a check is done: every region's words are as it saw them */
static void
regions_seen(hb_slot_t **sl, int nsl)
{
	int i;

	for (i = 0; i < nsl; i++)
		__builtin_memset(sl[i]->sl_written, 0,
		    (size_t)sl[i]->sl_nreg);
}

/*
 * The memo of a region whose walk ends at l0 or first: rm_agreed if it
 * agreed with the model when both had the content they have now.
 */
static struct region_memo *
region_memo(const hb_slot_t *sl, int reg, pfn_t l0, pfn_t first)
{
	struct region_memo *rm;
	uint64_t v, l0v;

	if (!CHECK_MEMO)
		return (NULL);
	v = region_version(sl, reg, &rm);
	l0v = l0 != PFN_INVALID ? frame_version(l0) : 0;
	if (rm->rm_ver != v || rm->rm_l0_ver != l0v || rm->rm_l0 != l0 ||
	    rm->rm_first != first)
		*rm = (struct region_memo){ v, l0v, l0, first, 0 };
	return (rm);
}

/* the kernel-hat entries every user top table of the 2015 era copies */
static uint_t
kernel_first_entry(void)
{
	return ((uint_t)(kernelbase >> LEVEL_SHIFT(3)) & 511);
}

/* leaves with an hment (not PT_NOCONSIST), counted by scan_entries() */
static uint64_t consistent;

/*
 * Entry e of a table, not 0: a link to a child, a leaf, or an invalid
 * entry (which must be 0 but for REF).  Counts the hold a child owns on
 * the table; returns 1 if the entry is valid.
 */
static int
scan_entry(tinfo_t *t, uint_t e, void (*leaf)(tinfo_t *, uint_t, x86pte_t))
{
	htable_t *ht = t->ti_ht;
	x86pte_t pte = pte_at(ptes_of(ht), e);
	tinfo_t *c;

	if (!PTE_ISVALID(pte)) {
		if ((pte & ~(x86pte_t)PT_REF) != 0)
			FAIL("%s: htable %p (va 0x%lx level %d) entry %u is "
			    "0x%lx: an invalid entry must be 0 (table not "
			    "zeroed, or freed memory?)", chk_when, (void *)ht,
			    ht->ht_vaddr, ht->ht_level, e, pte);
		return (0);
	}
	if (PTE_ISPAGE(pte, ht->ht_level)) {
		consistent += ht->ht_level <= 2 && !(pte & PT_NOCONSIST);
		leaf(t, e, pte);
		return (1);
	}
	c = find_key(ht->ht_hat, htable_e2va(ht, e), ht->ht_level - 1);
	if (c == NULL || pte != MAKEPTP(c->ti_ht->ht_pfn,
	    c->ti_ht->ht_level) || c->ti_ht->ht_parent != ht)
		FAIL("%s: htable %p (va 0x%lx level %d) entry %u = 0x%lx links "
		    "no hashed child table that names it as parent", chk_when,
		    (void *)ht, ht->ht_vaddr, ht->ht_level, e, pte);
	t->ti_holds++;
	return (1);
}

/* the frame whose content a table's entries are (memo), or PFN_INVALID */
static pfn_t
memo_frame(const htable_t *ht)
{
	return (CHECK_MEMO && !(ht->ht_flags & HTBED_HT_COPIED) ?
	    ht->ht_pfn : PFN_INVALID);
}

/*
 * The entries of a table that are not 0, in order, into *out: the memo's
 * list for its frame's content when there is one, else buf, filled by a
 * scan.  Returns how many.
 */
static int
nonzero_entries(const htable_t *ht, uint16_t *buf, const uint16_t **out)
{
	const x86pte_t *ptes = ptes_of(ht);
	pfn_t pfn = memo_frame(ht);
	struct frame_memo *fm;
	uint64_t v;
	int n = 0;
	uint_t e;

	if (pfn != PFN_INVALID) {
		fm = &memo->m_nz[pfn - shim_pt_first];
		v = frame_version(pfn);
		*out = fm->fm_idx;
		if (fm->fm_ver == v)
			return (fm->fm_n);
		buf = fm->fm_idx;
		fm->fm_ver = v;
		fm->fm_kver = 0;
	}
	for (e = next_diff(ptes, NULL, 0, 512); e < 512;
	    e = next_diff(ptes, NULL, e + 1, 512))
		buf[n++] = (uint16_t)e;
	*out = buf;
	if (pfn != PFN_INVALID)
		memo->m_nz[pfn - shim_pt_first].fm_n = n;
	return (n);
}

/*
 * A user top table's copies of the kernel's entries, from kfirst on: not
 * compared again while both tables have the content they had when they
 * were found equal.
 */
static void
check_kernel_copy(const htable_t *ht, uint_t kfirst)
{
	const x86pte_t *ptes = ptes_of(ht);
	const htable_t *ktable = kas.a_hat->hat_htable;
	const x86pte_t *ktop = ptes_of(ktable);
	pfn_t pfn = memo_frame(ht), kpfn = memo_frame(ktable);
	struct frame_memo *fm = NULL;
	uint64_t kv = 0;
	uint_t e;

	if (pfn != PFN_INVALID && kpfn != PFN_INVALID) {
		fm = &memo->m_nz[pfn - shim_pt_first];
		kv = frame_version(kpfn);
		if (fm->fm_ver == frame_version(pfn) && fm->fm_kver == kv)
			return;
	}
	e = next_diff(ptes, ktop, kfirst, 512);
	if (e < 512)
		FAIL("%s: user top table %p's copy of the kernel's entry %u is "
		    "0x%lx, the kernel's is 0x%lx", chk_when, (void *)ht, e,
		    pte_at(ptes, e), pte_at(ktop, e));
	if (fm != NULL && fm->fm_ver == frame_version(pfn))
		fm->fm_kver = kv;
}

/*
 * One table's entries: links to children, leaves, zeros.  Counts the
 * holds the children own on it and the valid entries; returns the valid
 * count found in memory.
 */
static int
scan_entries(tinfo_t *t, void (*leaf)(tinfo_t *, uint_t, x86pte_t))
{
	htable_t *ht = t->ti_ht;
	hat_t *hat = ht->ht_hat;
	int top = ht == hat->hat_htable, cpu = t->ti_slot->sl_kind == HK_CPU;
	struct hat_cpu_tables pcp;
	uint_t first = 0, kfirst = HTABLE_NUM_PTES(ht);
	uint16_t buf[512];
	const uint16_t *nz;
	int valid = 0, n, k;

	/*
	 * A user top table of its own page holds copies of the kernel's
	 * entries from kfirst on; a vCPU's own top table is its user top
	 * table, whose user slots hold copies of the running hat's (both
	 * checked elsewhere).
	 */
	if (top && cpu) {
		hat_cpu_tables(t->ti_slot->sl_cpu, &pcp);
		first = pcp.hct_uslots;
	} else if (top && hat != kas.a_hat &&
	    !(ht->ht_flags & HTBED_HT_COPIED)) {
		kfirst = kernel_first_entry();
	}
	n = nonzero_entries(ht, buf, &nz);
	for (k = 0; k < n; k++) {
		if (nz[k] >= first && nz[k] < kfirst)
			valid += scan_entry(t, nz[k], leaf);
	}
	if (kfirst < HTABLE_NUM_PTES(ht))
		check_kernel_copy(ht, kfirst);
	return (valid);
}

static uint64_t leaves[HB_MAX_SLOTS][3];	/* per slot, per level */
static hb_slot_t **cur_slots;
static int cur_nslots;

static int
slot_number(const hb_slot_t *sl)
{
	int i;

	for (i = 0; i < cur_nslots; i++) {
		if (cur_slots[i] == sl)
			return (i);
	}
	return (0);
}

static int
is_ism_area(const hb_slot_t *sl, uintptr_t va)
{
	int reg, pg;

	return (sl->sl_kind == HK_USER && hb_locate(sl, va, &reg, &pg) &&
	    reg >= HB_ISM_FIRST);
}

/*
 * A leaf of a table the hat owns: it must be in the model, or be the ISM
 * segment (in the ISM hat, or loaded page by page into an attach area).
 */
static void
check_leaf(tinfo_t *t, uint_t e, x86pte_t pte)
{
	htable_t *ht = t->ti_ht;
	hb_slot_t *sl = t->ti_slot;
	level_t l = ht->ht_level;
	uintptr_t va = htable_e2va(ht, e);
	uint64_t i, npg = LEVEL_SIZE(l) >> MMU_PAGESHIFT;
	int reg, pg, locked = 0;

	leaves[slot_number(sl)][l]++;
	if (sl->sl_kind == HK_ISM) {
		if (PTE2PFN(pte, l) != hb_ism_pfn(va - hb_world.w_ism_src))
			FAIL("%s: the ISM hat maps 0x%lx to pfn 0x%lx",
			    chk_when, va, PTE2PFN(pte, l));
		t->ti_locked++;
		return;
	}
	if (is_ism_area(sl, va)) {
		/* a page-by-page share: checked by translation below */
		t->ti_locked++;
		return;
	}
	for (i = 0; i < npg; i++) {
		uintptr_t v = va + (i << MMU_PAGESHIFT);
		uint64_t w;

		if (!hb_locate(sl, v, &reg, &pg))
			FAIL("%s: va 0x%lx is mapped (pfn 0x%lx level %d) "
			    "where the workload never maps", chk_when, v,
			    PTE2PFN(pte, l), l);
		w = sw_load(shadow_word(sl, reg, pg));
		if (SW_STATE(w) != SW_MAPPED ||
		    sw_pfn(w) != PTE2PFN(pte, l) + (pfn_t)i ||
		    ((w & SW_LARGE) != 0) != (l == 1))
			FAIL("%s: va 0x%lx maps pfn 0x%lx at level %d; the "
			    "model says state %d pfn 0x%lx%s", chk_when, v,
			    PTE2PFN(pte, l) + (pfn_t)i, l, SW_STATE(w),
			    sw_pfn(w), (w & SW_LARGE) ? " (2M)" : "");
		locked |= (w & SW_LOCKED) != 0;
	}
	t->ti_locked += locked;
}

/*
 * A table's entries, as scan_entries(t, check_leaf) does, but for a
 * level-0 table of a region of the model (or of the ISM hat), what the
 * memo has when its entries and the region's words are what they were
 * then.
 */
static int
scan_table(tinfo_t *t)
{
	htable_t *ht = t->ti_ht;
	hb_slot_t *sl = t->ti_slot;
	struct table_memo *m;
	struct region_memo *rm;
	uint64_t fv, rv, cons = consistent;
	int n = slot_number(sl), locked = t->ti_locked, reg, pg, valid;
	uint64_t lv = leaves[n][0];

	if (!CHECK_MEMO || ht->ht_level != 0 || ht == ht->ht_hat->hat_htable ||
	    (ht->ht_flags & HTBED_HT_COPIED) || (sl->sl_kind != HK_ISM &&
	    (!hb_locate(sl, ht->ht_vaddr, &reg, &pg) || pg != 0)))
		return (scan_entries(t, check_leaf));
	m = &memo->m_table[ht->ht_pfn - shim_pt_first];
	fv = frame_version(ht->ht_pfn);
	/* the ISM hat's leaves are checked against the segment, not a model */
	rv = sl->sl_kind == HK_ISM ? 0 : region_version(sl, reg, &rm);
	if (m->tm_frame_ver == fv && m->tm_region_ver == rv &&
	    m->tm_ht == ht && m->tm_hat == ht->ht_hat &&
	    m->tm_va == ht->ht_vaddr && m->tm_slot == sl) {
		t->ti_locked += m->tm_locked;
		leaves[n][0] += (uint64_t)m->tm_leaves;
		consistent += m->tm_consistent;
		return (m->tm_valid);
	}
	valid = scan_entries(t, check_leaf);
	*m = (struct table_memo){ fv, rv, ht, ht->ht_hat, ht->ht_vaddr, sl,
	    valid, t->ti_locked - locked, (int)(leaves[n][0] - lv),
	    consistent - cons };
	return (valid);
}

static void
check_tables(void)
{
	int i, valid;

	__builtin_memset(leaves, 0, sizeof (leaves));
	consistent = 0;
	for (i = 0; i < ntab; i++) {
		tinfo_t *t = &tab[i];
		htable_t *ht = t->ti_ht;
		tinfo_t *src;

		if (t->ti_cached)
			continue;
		if (ht->ht_flags & HTABLE_SHARED_PFN) {
			src = find_ptr(ht->ht_shares);
			if (src == NULL || ht->ht_pfn != ht->ht_shares->ht_pfn)
				FAIL("%s: shared htable %p shares %p, which is "
				    "not a live table with its frame", chk_when,
				    (void *)ht, (void *)ht->ht_shares);
			src->ti_holds++;
			if (ht->ht_valid_cnt != ht->ht_shares->ht_valid_cnt)
				FAIL("%s: shared htable %p counts %d valid, its "
				    "source %d", chk_when, (void *)ht,
				    ht->ht_valid_cnt,
				    ht->ht_shares->ht_valid_cnt);
			continue;
		}
		valid = scan_table(t);
		if (valid != ht->ht_valid_cnt)
			FAIL("%s: htable %p (hat %p va 0x%lx level %d) has "
			    "ht_valid_cnt %d, but %d valid entries", chk_when,
			    (void *)ht, (void *)ht->ht_hat, ht->ht_vaddr,
			    ht->ht_level, ht->ht_valid_cnt, valid);
	}
}

/* parents, and the holds and locks every table must show */
static void
check_counts(void)
{
	int i;

	for (i = 0; i < ntab; i++) {
		tinfo_t *t = &tab[i];
		htable_t *ht = t->ti_ht;
		hat_t *hat = ht->ht_hat;
		int holds = t->ti_holds;
		uint32_t locks;

		if (t->ti_cached)
			continue;
		if (ht == hat->hat_htable) {
			if (ht->ht_parent != NULL)
				FAIL("%s: top table %p has a parent", chk_when,
				    (void *)ht);
			holds++;
		} else if (ht->ht_parent == NULL ||
		    find_ptr(ht->ht_parent) == NULL ||
		    ht->ht_parent->ht_level != ht->ht_level + 1 ||
		    ht->ht_parent->ht_hat != hat) {
			FAIL("%s: htable %p (va 0x%lx level %d) has no valid "
			    "parent", chk_when, (void *)ht, ht->ht_vaddr,
			    ht->ht_level);
		}
		if (hat == kas.a_hat && ht->ht_level == 2 &&
		    ht->ht_vaddr >= kernelbase)
			holds++;
		if (ht->ht_busy != holds)
			FAIL("%s: htable %p (hat %p va 0x%lx level %d) has "
			    "ht_busy %d at a quiescent point; %d holds must "
			    "exist", chk_when, (void *)ht, (void *)hat,
			    ht->ht_vaddr, ht->ht_level, ht->ht_busy, holds);
		locks = hat == kas.a_hat ? 0 : (uint32_t)t->ti_locked;
		if ((ht->ht_flags & HTABLE_SHARED_PFN) == 0 &&
		    ht->ht_lock_cnt != locks)
			FAIL("%s: htable %p (va 0x%lx level %d) has ht_lock_cnt "
			    "%u, but %u locked mappings", chk_when, (void *)ht,
			    ht->ht_vaddr, ht->ht_level, ht->ht_lock_cnt, locks);
	}
}

/* where an MMU walk of va stops, for a failure message */
static void
translate_explain(hat_t *hat, uintptr_t va, char *buf, size_t len)
{
	htable_t *top = hat->hat_htable;
	const x86pte_t *ptes = ptes_of(top);
	pfn_t pfn = top->ht_pfn;
	int l;

	if (va > HTABLE_LAST_PAGE(top)) {
		(void) host_snprintf(buf, len, "beyond its top table");
		return;
	}
	for (l = top->ht_level; l >= 0; l--) {
		uint_t e = (uint_t)(va >> LEVEL_SHIFT(l)) &
		    (l == top->ht_level ? HTABLE_NUM_PTES(top) - 1 : 511);
		x86pte_t pte = pte_at(ptes, e);

		if (!PTE_ISVALID(pte) || PTE_ISPAGE(pte, l)) {
			(void) host_snprintf(buf, len, "the level-%d table in "
			    "pfn 0x%lx has entry %u = 0x%lx", l, pfn, e, pte);
			return;
		}
		pfn = PTE2PFN(pte, l);
		ptes = frame(pfn);
	}
}

static pfn_t
ism_expected(const hb_slot_t *sl, uintptr_t va)
{
	uintptr_t start = HB_ISM_ATTACH_VA(sl->sl_shared);

	if (sl->sl_shared == 0 || va < start ||
	    va >= start + HB_ISM_ATTACH_LEN(sl->sl_shared))
		return (PFN_INVALID);
	return (hb_ism_pfn(va - start));
}

/*
 * The pfn of each 4K page of a 2M region that a level-0 table l0 maps, or
 * that a large page starting at pfn first maps (PFN_INVALID: neither).
 * Outside AddressSanitizer's instrumentation, as next_diff().
 */
static NO_SANITIZE_SCAN void
fill_translation(pfn_t l0, pfn_t first, pfn_t *out)
{
	const x86pte_t *f = l0 != PFN_INVALID ? frame(l0) : NULL;
	int pg;

	for (pg = 0; pg < HB_PAGES; pg++) {
		x86pte_t pte = f != NULL ? SCAN_WORD(&f[pg]) : 0;

		if (first != PFN_INVALID)
			out[pg] = first + (pfn_t)pg;
		else if (PTE_ISVALID(pte))
			out[pg] = PTE2PFN(pte, 0);
		else
			out[pg] = PFN_INVALID;
	}
}

/*
 * Where an MMU walk of the 2M region at base ends: the level-0 table that
 * maps it (*l0), or the large page that does (*first, its pfn at base),
 * or neither (both PFN_INVALID).  fill_translation() makes the pages'
 * translations of it.
 */
static void
walk_region(hat_t *hat, uintptr_t base, pfn_t *l0, pfn_t *first)
{
	htable_t *top = hat->hat_htable;
	const x86pte_t *ptes = ptes_of(top);
	x86pte_t pte;
	pfn_t pfn;
	int l;

	*l0 = *first = PFN_INVALID;
	for (l = top->ht_level; base <= HTABLE_LAST_PAGE(top) && l >= 1 &&
	    *first == PFN_INVALID && *l0 == PFN_INVALID; l--) {
		pte = pte_at(ptes, (base >> LEVEL_SHIFT(l)) &
		    (l == top->ht_level ? HTABLE_NUM_PTES(top) - 1 : 511));
		if (!PTE_ISVALID(pte))
			break;
		if (PTE_ISPAGE(pte, l)) {
			*first = PTE2PFN(pte, l) +
			    (pfn_t)((base & LEVEL_OFFSET(l)) >> MMU_PAGESHIFT);
			break;
		}
		pfn = PTE2PFN(pte, l);
		if (!shim_frame_in_use(pfn))
			FAIL("%s: translating 0x%lx leads to pfn 0x%lx, not a "
			    "live page-table frame", chk_when, base, pfn);
		ptes = frame(pfn);
		if (l == 1)
			*l0 = pfn;
	}
}

/*
 * Page pg of a region agrees plainly: the model says unmapped and nothing
 * translates, or mapped to the pfn the tables translate to, with no
 * remover in flight.
 */
static NO_SANITIZE_SCAN int
agrees(uint64_t w, pfn_t got)
{
	if (w & SW_FOREIGN)
		return (0);
	if (SW_STATE(w) == SW_UNMAPPED)
		return (got == PFN_INVALID);
	return (SW_STATE(w) == SW_MAPPED && got == sw_pfn(w));
}

/*
 * The first page at or after pg of a region where the model and the
 * translation do not plainly agree (HB_PAGES if none): the checker
 * compares every page of every touched region at every check, so this is
 * an inner loop, outside the sanitizers' checks as next_diff().
 */
static NO_SANITIZE_SCAN int
next_disagreement(const uint64_t *sw, const pfn_t *got, int pg)
{
	for (; pg < HB_PAGES; pg++) {
		if (!agrees(SCAN_WORD(&sw[pg]), got[pg]))
			break;
	}
	return (pg);
}

/*
 * Region reg of a slot, whose pages translate to got: every page the
 * model has, and (ism) every page of an ISM attach area, as
 * ism_expected() says.
 */
static void
check_region(hb_slot_t *sl, int reg, const pfn_t *got_pfn, int ism)
{
	const uint64_t *sw = &sl->sl_shadow[reg * HB_PAGES];
	uintptr_t base = hb_va(sl, reg, 0);
	int pg;

	for (pg = ism ? 0 : next_disagreement(sw, got_pfn, 0); pg < HB_PAGES;
	    pg = ism ? pg + 1 : next_disagreement(sw, got_pfn, pg + 1)) {
		uintptr_t va = base + ((uintptr_t)pg << MMU_PAGESHIFT);
		uint64_t w = sw_load(&sw[pg]);
		pfn_t want, got = got_pfn[pg];

		if (ism)
			want = ism_expected(sl, va);
		else if (SW_STATE(w) == SW_MAPPED)
			want = sw_pfn(w);
		else if (SW_STATE(w) == SW_UNMAPPED)
			want = PFN_INVALID;
		else
			FAIL("%s: va 0x%lx is still %s at a quiescent "
			    "point", chk_when, va, "in an op");
		if ((w & SW_FOREIGN) || got != want) {
			char why[128];

			translate_explain(sl->sl_hat, va, why, sizeof (why));
			FAIL("%s: address space %d (hat %p): va 0x%lx "
			    "translates to pfn 0x%lx (%s); the model says "
			    "0x%lx (word 0x%llx, owner worker %d)",
			    chk_when, sl->sl_index, (void *)sl->sl_hat,
			    va, got, why, want, (unsigned long long)w,
			    hb_owner(sl, reg, pg));
		}
	}
}

/* every slot of the model against what the tables translate it to */
static void
check_model(hb_slot_t *sl)
{
	pfn_t got_pfn[HB_PAGES], l0, first;
	struct region_memo *rm;
	int reg, ism;

	if (sl->sl_kind == HK_ISM)
		return;
	/*
	 * An untouched region maps nothing (nor does an ISM attach area of a
	 * process that has not attached): any leaf there fails check_leaf().
	 */
	for (reg = 0; reg < sl->sl_nreg; reg++) {
		if (!shadow_touched(sl, reg) &&
		    (reg < HB_ISM_FIRST || sl->sl_shared == 0))
			continue;
		walk_region(sl->sl_hat, hb_va(sl, reg, 0), &l0, &first);
		ism = reg >= HB_ISM_FIRST && sl->sl_kind == HK_USER;
		rm = ism ? NULL : region_memo(sl, reg, l0, first);
		if (rm != NULL && rm->rm_agreed)
			continue;
		fill_translation(l0, first, got_pfn);
		check_region(sl, reg, got_pfn, ism);
		if (rm != NULL)
			rm->rm_agreed = 1;
	}
}

static void
check_hat_counts(hb_slot_t *sl)
{
	hat_t *hat = sl->sl_hat;
	long ism = 0;
	int i, l, n = slot_number(sl);

	for (l = 0; l <= 2; l++) {
		if (hat->hat_pages_mapped[l] != leaves[n][l])
			FAIL("%s: hat %p hat_pages_mapped[%d] is %lu, it maps "
			    "%llu pages of that size", chk_when, (void *)hat, l,
			    hat->hat_pages_mapped[l],
			    (unsigned long long)leaves[n][l]);
	}
	for (i = 0; i < ntab; i++) {
		htable_t *ht = tab[i].ti_ht;

		if (ht->ht_hat == hat && !tab[i].ti_cached &&
		    (ht->ht_flags & HTABLE_SHARED_PFN))
			ism += (long)ht->ht_valid_cnt <<
			    (LEVEL_SHIFT(ht->ht_level) - MMU_PAGESHIFT);
	}
	if ((long)hat->hat_ism_pgcnt != ism)
		FAIL("%s: hat %p hat_ism_pgcnt is %lu, its shared tables map "
		    "%ld pages", chk_when, (void *)hat, hat->hat_ism_pgcnt, ism);
}

/*
 * The first data page at or after pfn, below end, with an hment or a
 * share count: most have neither.  Outside AddressSanitizer's
 * instrumentation (the page_t array is never freed), as next_diff().
 */
static NO_SANITIZE_SCAN pfn_t
next_page_mapped(pfn_t pfn, pfn_t end)
{
	for (; pfn < end; pfn++) {
		const page_t *pp = &shim_pages[pfn];

		if (SCAN_WORD(&pp->p_mapping) != NULL ||
		    SCAN_WORD(&pp->p_share) != 0)
			break;
	}
	return (pfn);
}

/*
 * ------------------------------------------------------------------------
 * The hment lists.  Each hment names a live leaf mapping its page; each
 * leaf has one (the leaves: counted by check_tables()).  The lists are
 * walked a chunk at a time: the data pages whose page_t begin in one page
 * of the kmem arena.  A chunk's walk reads its page_t, the hments on
 * their lists, the tables those name and the tables' entries; what it
 * found is kept (struct chunk_memo) with the arena pages of page_t and
 * hments it read, the tables' frames and levels and the frames'
 * versions, and a check that trusts the record of writes
 * (htbed/written.h) walks again only a chunk where one of those arena
 * pages was written since the last check, or a table is no longer live,
 * or its frame, level or the frame's content changed.  Most lists are
 * the ISM hat's, made at boot and never changed, a few tables and arena
 * pages for each chunk.  A chunk whose walk read more than CM_DEPS arena
 * pages or CM_TABLES tables, or a copied top table, is walked at every
 * check.
 * ------------------------------------------------------------------------
 */
#define	CM_DEPS		8
#define	CM_TABLES	4

struct chunk_memo {
	int		cm_ok;		/* the rest is what its walk found */
	uint32_t	cm_n;		/* hments */
	int		cm_ndep, cm_ntab;
	uint32_t	cm_dep[CM_DEPS];	/* arena pages read */
	const htable_t	*cm_ht[CM_TABLES];	/* tables named */
	pfn_t		cm_pfn[CM_TABLES];	/* their frames */
	level_t		cm_level[CM_TABLES];
	uint64_t	cm_fver[CM_TABLES];	/* and their versions */
};

static struct {
	struct chunk_memo *h_chunk;	/* by arena page - h_first */
	uintptr_t	h_first;	/* the arena page of the first page_t */
	const htable_t	*h_last;	/* find_ptr(h_last) is h_t */
	tinfo_t		*h_t;
} hm_memo __attribute__((section("htbed_check_memo")));

static tinfo_t *
find_live(const htable_t *ht)
{
	if (ht != hm_memo.h_last) {
		hm_memo.h_last = ht;
		hm_memo.h_t = find_ptr(ht);
	}
	return (hm_memo.h_t != NULL && !hm_memo.h_t->ti_cached ?
	    hm_memo.h_t : NULL);
}

static uint32_t
arena_page(const void *p)
{
	return ((uint32_t)(((uintptr_t)p - written_alo) >> MMU_PAGESHIFT));
}

/* the n bytes at p were read by the chunk's walk */
static void
memo_dep(struct chunk_memo *cm, const void *p, size_t n)
{
	uint32_t a, last = arena_page((const char *)p + n - 1);
	int k;

	for (a = arena_page(p); cm->cm_ok && a <= last; a++) {
		for (k = 0; k < cm->cm_ndep && cm->cm_dep[k] != a; k++)
			continue;
		if (k < cm->cm_ndep)
			continue;
		if (cm->cm_ndep == CM_DEPS)
			cm->cm_ok = 0;
		else
			cm->cm_dep[cm->cm_ndep++] = a;
	}
}

/*
 * The chunk's walk read table ht's entries (and its level, frame and
 * flags, which memo_holds() reads again: a table's object lies among
 * others whose counts change at every op)
 */
static void
memo_table(struct chunk_memo *cm, const htable_t *ht)
{
	int k;

	for (k = 0; cm->cm_ok && k < cm->cm_ntab; k++) {
		if (cm->cm_ht[k] == ht)
			return;
	}
	if (!cm->cm_ok || cm->cm_ntab == CM_TABLES ||
	    memo_frame(ht) == PFN_INVALID) {
		cm->cm_ok = 0;
		return;
	}
	cm->cm_ht[cm->cm_ntab] = ht;
	cm->cm_level[cm->cm_ntab] = ht->ht_level;
	cm->cm_pfn[cm->cm_ntab] = ht->ht_pfn;
	cm->cm_fver[cm->cm_ntab++] = frame_version(ht->ht_pfn);
}

/* page pfn's hment list; returns its length */
static uint_t
walk_hments(pfn_t pfn, struct chunk_memo *cm)
{
	page_t *pp = hb_page(pfn);
	struct hment *hm;
	uint_t n = 0;

	for (hm = pp->p_mapping; hm != NULL; hm = hm->hm_next, n++) {
		htable_t *ht = hm->hm_htable;
		x86pte_t pte;

		if (find_live(ht) == NULL || hm->hm_entry >= 512)
			FAIL("%s: pfn 0x%lx has an hment for htable %p, "
			    "which is not a live table", chk_when, pfn,
			    (void *)ht);
		pte = pte_at(ptes_of(ht), hm->hm_entry);
		if (!PTE_ISPAGE(pte, ht->ht_level) ||
		    PTE2PFN(pte, ht->ht_level) != pfn)
			FAIL("%s: pfn 0x%lx has an hment for htable %p "
			    "entry %u, which holds 0x%lx", chk_when, pfn,
			    (void *)ht, hm->hm_entry, pte);
		memo_dep(cm, hm, sizeof (*hm));
		memo_table(cm, ht);
	}
	if (n != pp->p_share)
		FAIL("%s: pfn 0x%lx has %u hments, p_share says %u",
		    chk_when, pfn, n, pp->p_share);
	return (n);
}

/* the lists of [pfn, end), into cm; returns how many hments */
static uint32_t
walk_chunk(pfn_t pfn, pfn_t end, struct chunk_memo *cm)
{
	uint32_t n = 0;

	cm->cm_ok = CHECK_MEMO && written_tracked;	/* else never trusted */
	cm->cm_ndep = cm->cm_ntab = 0;
	memo_dep(cm, hb_page(pfn), (size_t)(end - pfn) * sizeof (page_t));
	for (pfn = next_page_mapped(pfn, end); pfn < end;
	    pfn = next_page_mapped(pfn + 1, end))
		n += walk_hments(pfn, cm);
	cm->cm_n = n;
	return (n);
}

/* cm is what a walk of its chunk would find now, as the record says */
static int
memo_holds(const struct chunk_memo *cm)
{
	int k;

	if (!cm->cm_ok)
		return (0);
	for (k = 0; k < cm->cm_ndep; k++) {
		if (written_amap[cm->cm_dep[k]] != 0)
			return (0);
	}
	for (k = 0; k < cm->cm_ntab; k++) {
		const htable_t *ht = cm->cm_ht[k];

		if (find_live(ht) == NULL || ht->ht_pfn != cm->cm_pfn[k] ||
		    ht->ht_level != cm->cm_level[k] ||
		    memo_frame(ht) == PFN_INVALID ||
		    frame_version(cm->cm_pfn[k]) != cm->cm_fver[k])
			return (0);
	}
	return (1);
}

/* the pfns, from pfn on, whose page_t begin in the same arena page */
static pfn_t
chunk_end(pfn_t pfn)
{
	uintptr_t next = written_alo +
	    ((uintptr_t)(arena_page(hb_page(pfn)) + 1) << MMU_PAGESHIFT);
	pfn_t end = (pfn_t)((next - (uintptr_t)shim_pages + sizeof (page_t) -
	    1) / sizeof (page_t));

	return (MIN(MAX(end, pfn + 1), shim_data_last + 1));
}

static void
hments_begin(void)
{
	uintptr_t first = arena_page(hb_page(shim_data_first));
	size_t n = arena_page(hb_page(shim_data_last)) - first + 1;

	if (hm_memo.h_chunk == NULL) {
		hm_memo.h_chunk = host_zalloc(n * sizeof (struct chunk_memo));
		hm_memo.h_first = first;
	}
	hm_memo.h_last = NULL;
	hm_memo.h_t = NULL;
}

/*
 * Every data page's list, a chunk at a time, from the chunk's memo where
 * the check trusts the record and the memo holds (HTBED_CHECK_VERIFY:
 * walked as well, and the two must agree).
 */
static void
check_hments(int trust)
{
	uint64_t hments = 0;
	struct chunk_memo *cm, now;
	pfn_t pfn, end;

	hments_begin();
	for (pfn = shim_data_first; pfn <= shim_data_last; pfn = end) {
		end = chunk_end(pfn);
		cm = &hm_memo.h_chunk[arena_page(hb_page(pfn)) -
		    hm_memo.h_first];
		if (!trust || !memo_holds(cm)) {
			hments += walk_chunk(pfn, end, cm);
			continue;
		}
		hments += cm->cm_n;
		if (memo->m_verify && walk_chunk(pfn, end, &now) != cm->cm_n)
			htbed_internal_error("the checker: the hment lists of "
			    "pfns 0x%lx-0x%lx changed, and no write of them "
			    "was noted (a writer htbed/written.h does not "
			    "know)", pfn, end - 1);
	}
	if (hments != consistent)
		FAIL("%s: %llu hments for %llu consistent mappings", chk_when,
		    (unsigned long long)hments,
		    (unsigned long long)consistent);
}

/* the first of n entries at or after e of ptes that is not 0 */
static uint_t
nonzero(const x86pte_t *ptes, uint_t e, uint_t n)
{
	return (next_diff(ptes, NULL, e, n));
}

/*
 * A vCPU runs a hat whose top table is copied (hat_cpu_tables()): its top
 * tables' user slots hold the hat's entries, or, for a 32-bit hat, slot 0
 * links its level-2 table, which holds them, and the other slots are
 * empty.  Both top tables hold the kernel's entries above.  Anything else
 * is an entry changed without the per-CPU update: the CPU walks the old
 * one.
 */
static void
check_cpu_copies(int c, hat_t *hat, const struct hat_cpu_tables *t)
{
	const x86pte_t *copied = HTBED_COPIED_PTES(hat);
	const x86pte_t *top[2] = { t->hct_kernel, t->hct_user };
	static const char *const mode[2] = { "kernel", "user" };
	uint_t n = t->hct_uslots, e, i;

	if (HTBED_HAT_IS_32(hat) &&
	    (e = next_diff(t->hct_l2, copied, 0, 4)) < 4)
		FAIL("%s: cpu%d runs 32-bit hat %p, whose top-level entry %u is "
		    "0x%lx, but the CPU's copy of it is 0x%lx: the entry "
		    "changed without the per-CPU update", chk_when, c,
		    (void *)hat, e, pte_at(copied, e), pte_at(t->hct_l2, e));
	for (i = 0; i < 2 && top[i] != NULL; i++) {
		if (!HTBED_HAT_IS_32(hat))
			e = next_diff(top[i], copied, 0, n);
		else if (pte_at(top[i], 0) != MAKEPTP(t->hct_l2pfn, 2))
			e = 0;
		else
			e = nonzero(top[i], 1, n);
		if (e < n)
			FAIL("%s: cpu%d runs hat %p; the CPU's %s top table's "
			    "copy of its user slot %u is 0x%lx, the hat's entry "
			    "0x%lx: the entry changed without the per-CPU "
			    "update", chk_when, c, (void *)hat, mode[i], e,
			    pte_at(top[i], e), HTBED_HAT_IS_32(hat) ? 0 :
			    pte_at(copied, e));
	}
}

/*
 * What each vCPU runs: the hat its dispatcher switched it to, which has
 * it in its CPU set (no other user hat does); the copies the era keeps
 * of a copied hat's entries (check_cpu_copies()); and the kernel's
 * entries in the CPU's own top table, which nothing changes after boot.
 */
static void
check_cpu(int c, hb_slot_t **sl, int nsl)
{
	hb_slot_t *run = hb_cpu_slot[c];
	hat_t *hat = cpu[c]->cpu_current_hat;
	const x86pte_t *ktop = ptes_of(kas.a_hat->hat_htable);
	struct hat_cpu_tables t;
	uint_t e;
	int i;

	if (hat != (run != NULL ? run->sl_hat : kas.a_hat))
		FAIL("%s: cpu%d runs hat %p, its dispatcher switched it to %p",
		    chk_when, c, (void *)hat, run != NULL ?
		    (void *)run->sl_hat : (void *)kas.a_hat);
	for (i = 1; i < nsl; i++) {
		hat_t *h = sl[i]->sl_hat;

		if (sl[i]->sl_kind != HK_CPU &&
		    CPU_IN_SET(h->hat_cpus, c) != (h == hat))
			FAIL("%s: cpu%d runs hat %p, but hat %p's CPU set %s "
			    "it", chk_when, c, (void *)hat, (void *)h,
			    CPU_IN_SET(h->hat_cpus, c) ? "has" : "lacks");
	}
	hat_cpu_tables(c, &t);
	if (t.hct_kernel == NULL)
		return;
	if (hat->hat_htable->ht_flags & HTBED_HT_COPIED)
		check_cpu_copies(c, hat, &t);
	e = next_diff(t.hct_kernel, ktop, t.hct_uslots, 512);
	if (e < 512)
		FAIL("%s: cpu%d's kernel top table's copy of the kernel's entry "
		    "%u is 0x%lx, the kernel's is 0x%lx", chk_when, c, e,
		    pte_at(t.hct_kernel, e), pte_at(ktop, e));
}

/*
 * htable_release() keeps an empty kernel table at or above the largest
 * page level for good: the boot made such tables, and the workload may
 * add some (before 1 GiB pages, at level 1)
 */
static int
kept_for_good(const htable_t *ht)
{
	return (ht->ht_hat == kas.a_hat && ht->ht_level >= mmu.max_page_level);
}

/* the tables of the kernel hat and the vCPUs' own hats, but those */
static int
boot_tables(void)
{
	int i, n = 0;

	for (i = 0; i < ntab; i++) {
		enum hb_slot_kind k = tab[i].ti_slot->sl_kind;

		n += !tab[i].ti_cached && (k == HK_KERNEL || k == HK_CPU) &&
		    !kept_for_good(tab[i].ti_ht);
	}
	return (n);
}

static int boot_ntables;

extern kmutex_t htable_mutex[];
extern kmutex_t htable_reserve_mutex;

static void
lock_free(kmutex_t *m)
{
	char name[64];

	if (__atomic_load_n(&m->m_lock, __ATOMIC_ACQUIRE) != 0) {
		lock_name(m, name, sizeof (name));
		FAIL("%s: %s is held at a quiescent point", chk_when, name);
	}
}

/* no op is in flight: none of the kernel's locks may be held */
static void
check_locks(hb_slot_t **sl, int nsl)
{
	int i;

	for (i = 0; i < 128; i++)
		lock_free(&htable_mutex[i]);
	lock_free(&htable_reserve_mutex);
	lock_free(&hat_list_lock);
	for (i = 0; i < ncpus; i++)
		lock_free(&cpu[i]->cpu_hat_info->hci_mutex);
	for (i = 0; i < nsl; i++)
		lock_free(&sl[i]->sl_hat->hat_mutex);
}

void
check_world(const char *when, int trust)
{
	hb_slot_t *sl[HB_MAX_SLOTS];
	int n = hb_all_slots(sl), i;

	chk_when = when;
	cur_slots = sl;
	cur_nslots = n;
	scratch_init();
	memo_begin(trust);
	check_locks(sl, n);
	check_hat_list(sl, n);
	for (i = 0; i < n; i++)
		check_chains(sl[i]);
	check_frames();
	check_reserve();
	check_tables();
	check_counts();
	for (i = 0; i < n; i++) {
		check_model(sl[i]);
		check_hat_counts(sl[i]);
	}
	check_hments(CHECK_MEMO && memo->m_trust);
	for (i = 0; i < ncpus; i++)
		check_cpu(i, sl, n);
	if (boot_ntables == 0)
		boot_ntables = boot_tables();
	written_arena_clear();
	regions_seen(sl, n);
}

/*
 * After every address space but the kernel's is gone and the kernel's
 * workload mappings are unloaded: only the tables the boot made are left
 * (the kernel hat's, and the vCPUs' own hats'), no mapping but the kernel
 * image's and no hment.
 */
void
check_final(void)
{
	extern kmem_cache_t *hment_cache_for_check(void);
	uint64_t hments = shim_kmem_outstanding(hment_cache_for_check());
	int i, hashed = 0, users = 0;
	hat_t *hat;

	check_world("after teardown", 0);
	for (i = 0; i < ntab; i++)
		hashed += !tab[i].ti_cached && !kept_for_good(tab[i].ti_ht);
	for (hat = kas.a_hat->hat_next; hat != NULL; hat = HTBED_HAT_NEXT(hat))
		users += hb_slot_of_hat(hat)->sl_kind != HK_CPU;
	if (users != 0 || hashed != boot_ntables || hments != 0)
		FAIL("after teardown: %d tables hashed (the boot made %d; "
		    "kernel tables at or above the largest page level left "
		    "out), "
		    "%llu hments outstanding, %d user hats left", hashed,
		    boot_ntables, (unsigned long long)hments, users);
}
