/*
 * The canonical dump of the differential test (harness/dump.h).
 *
 * It runs at a quiescent point and names everything by what it is, never
 * by where it happens to live, so that two builds that behaved alike
 * print the same text:
 *  - an address space is its slot: "k" (the kernel), "ism", "res" (the
 *    reservoir), "c0", "c1", ... (the vCPUs' own hats), "u0", "u1", ...;
 *  - a table is (slot, level, base va); its frame number is not printed,
 *    and an entry linking a lower table is printed as that table's name
 *    and the entry's flag bits;
 *  - leaf entries are printed whole: they name data frames, which the
 *    workload picks by number.
 * In order: the counters of htable.c (hatstat, reserve, dont_cache) and
 * of the HAT and the shim that follow from what htable.c did (creates,
 * releases, shootdowns, steal unmaps, page-table frames, kmem objects);
 * then what each vCPU runs; then per address space its flags, page
 * counts and cached tables, and per hash bucket, in chain order, each
 * table with its counts, flags, parent and shared source, then its
 * entries (or their digest: a copied top table's are in its hat).
 *
 * Chain order and bucket are part of the dump: they decide which table a
 * steal takes first.  Bucket numbers depend on hat addresses, which the
 * kernel arena makes a function of the allocations before them.
 */
#include <stdarg.h>
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kmem.h>
#include <vm/as.h>
#include <vm/hat.h>
#include <vm/hat_i86.h>
#include <htbed/shim.h>
#include "world.h"
#include "dump.h"

extern kmem_cache_t *htable_cache;
extern uint_t htable_reserve_cnt;
extern uint32_t htable_dont_cache;
extern kmem_cache_t *hment_cache_for_check(void);

typedef struct dumper {
	hb_dump_fn_t	*d_emit;
	void		*d_arg;
	int		d_detail;
	hb_slot_t	*d_slots[HB_MAX_SLOTS];
	int		d_nslots;
	htable_t	**d_owner;	/* pfn - shim_pt_first -> table */
	char		d_line[256];
} dumper_t;

static dumper_t dumper;
static htable_t **owner_map;

static void
line(dumper_t *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void) host_vsnprintf(d->d_line, sizeof (d->d_line), fmt, ap);
	va_end(ap);
	d->d_emit(d->d_arg, d->d_line);
}

static x86pte_t *
frame_of(pfn_t pfn)
{
	return ((x86pte_t *)(void *)SHIM_FRAME_VA(pfn));
}

static int
slot_number(const dumper_t *d, const hat_t *hat)
{
	int i;

	for (i = 0; i < d->d_nslots; i++) {
		if (d->d_slots[i]->sl_hat == hat)
			return (i);
	}
	return (-1);
}

/* "k", "ism", "res", "c<n>", "u<n>"; "?" for a hat of no address space */
static void
slot_name(const dumper_t *d, const hat_t *hat, char *buf, size_t len)
{
	int i = slot_number(d, hat);
	const hb_slot_t *sl = i < 0 ? NULL : d->d_slots[i];

	if (sl == NULL)
		(void) host_snprintf(buf, len, "?");
	else if (sl->sl_kind == HK_KERNEL)
		(void) host_snprintf(buf, len, "k");
	else if (sl->sl_kind == HK_ISM)
		(void) host_snprintf(buf, len, "ism");
	else if (sl->sl_kind == HK_CPU)
		(void) host_snprintf(buf, len, "c%d", sl->sl_cpu);
	else if (sl->sl_index < 0)
		(void) host_snprintf(buf, len, "res");
	else
		(void) host_snprintf(buf, len, "u%d", sl->sl_index);
}

/* a table's name: slot, level, base va */
static void
table_name(const dumper_t *d, const htable_t *ht, char *buf, size_t len)
{
	char s[8];

	if (ht == NULL) {
		(void) host_snprintf(buf, len, "-");
		return;
	}
	slot_name(d, ht->ht_hat, s, sizeof (s));
	(void) host_snprintf(buf, len, "%s/L%d/0x%lx", s, ht->ht_level,
	    ht->ht_vaddr);
}

/* every hashed, frame-owning table by its frame */
static void
map_frames(dumper_t *d)
{
	uint64_t npt = shim_pt_last - shim_pt_first + 1;
	htable_t *ht;
	uint_t h;
	int i;

	if (owner_map == NULL)
		owner_map = kmem_zalloc(sizeof (htable_t *) * npt, KM_SLEEP);
	__builtin_memset(owner_map, 0, sizeof (htable_t *) * npt);
	d->d_owner = owner_map;
	for (i = 0; i < d->d_nslots; i++) {
		hat_t *hat = d->d_slots[i]->sl_hat;

		for (h = 0; h < hat->hat_num_hash; h++) {
			for (ht = hat->hat_ht_hash[h]; ht != NULL;
			    ht = ht->ht_next) {
				if (!(ht->ht_flags & (HTABLE_SHARED_PFN |
				    HTBED_HT_COPIED)) &&
				    ht->ht_pfn >= shim_pt_first &&
				    ht->ht_pfn <= shim_pt_last)
					owner_map[ht->ht_pfn - shim_pt_first] = ht;
			}
		}
	}
}

static const htable_t *
table_at(const dumper_t *d, pfn_t pfn)
{
	if (pfn < shim_pt_first || pfn > shim_pt_last)
		return (NULL);
	return (d->d_owner[pfn - shim_pt_first]);
}

static uint64_t
mix(uint64_t h, uint64_t x)
{
	h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	return (h ^ (h >> 29));
}

/* a table's identity as a number: its slot, level and base va */
static uint64_t
table_id(const dumper_t *d, const htable_t *ht)
{
	return (mix(mix((uint64_t)slot_number(d, ht->ht_hat) + 1,
	    (uint64_t)ht->ht_level), ht->ht_vaddr));
}

/*
 * An entry of a table at level l, canonically: a link to a lower table
 * stands for that table's identity and the link's flag bits; anything
 * else for itself.  With text, also printed so.
 */
static uint64_t
entry_canon(const dumper_t *d, level_t l, x86pte_t pte, char *text,
    size_t len)
{
	const htable_t *child = NULL;
	char name[64];

	if (l > 0 && PTE_ISVALID(pte) && !PTE_ISPAGE(pte, l))
		child = table_at(d, PTE2PFN(pte, l));
	if (text != NULL && child != NULL) {
		table_name(d, child, name, sizeof (name));
		(void) host_snprintf(text, len, "-> %s bits 0x%lx", name,
		    pte & ~(x86pte_t)PT_PADDR);
	} else if (text != NULL) {
		(void) host_snprintf(text, len, "0x%lx", pte);
	}
	if (child == NULL)
		return (pte);
	return (mix(table_id(d, child), pte & ~(x86pte_t)PT_PADDR));
}

static void
dump_entries(dumper_t *d, const htable_t *ht)
{
	const x86pte_t *ptes = (ht->ht_flags & HTBED_HT_COPIED) ?
	    HTBED_COPIED_PTES(ht->ht_hat) : frame_of(ht->ht_pfn);
	uint64_t digest = 0;
	uint_t e, n = 0;
	char text[128];

	for (e = 0; e < HTABLE_NUM_PTES(ht); e++) {
		x86pte_t pte = __atomic_load_n(&ptes[e], __ATOMIC_RELAXED);

		if (pte == 0)
			continue;
		n++;
		digest = mix(digest, mix((uint64_t)e, entry_canon(d,
		    ht->ht_level, pte, d->d_detail ? text : NULL,
		    sizeof (text))));
		if (d->d_detail)
			line(d, "    e%u %s", e, text);
	}
	line(d, "    %u entries, digest %016lx", n, digest);
}

static void
dump_table(dumper_t *d, const htable_t *ht, uint_t h, int pos)
{
	char name[64], parent[64], shares[64];

	table_name(d, ht, name, sizeof (name));
	table_name(d, ht->ht_parent, parent, sizeof (parent));
	table_name(d, (ht->ht_flags & HTABLE_SHARED_PFN) ? ht->ht_shares : NULL,
	    shares, sizeof (shares));
	line(d, "  table %s bucket %u.%d busy %d valid %d lock %u flags 0x%x "
	    "parent %s shares %s", name, h, pos, ht->ht_busy, ht->ht_valid_cnt,
	    ht->ht_lock_cnt, ht->ht_flags, parent, shares);
	if (!(ht->ht_flags & HTABLE_SHARED_PFN))
		dump_entries(d, ht);
}

static void
dump_hat(dumper_t *d, const hb_slot_t *sl)
{
	hat_t *hat = sl->sl_hat;
	htable_t *ht;
	char name[8];
	uint_t h, cached = 0;
	int pos;

	for (ht = hat->hat_ht_cached; ht != NULL; ht = ht->ht_next)
		cached++;
	slot_name(d, hat, name, sizeof (name));
	line(d, "hat %s flags 0x%x pages %lu/%lu/%lu ism %lu cached %u "
	    "buckets %u", name, hat->hat_flags, hat->hat_pages_mapped[0],
	    hat->hat_pages_mapped[1], hat->hat_pages_mapped[2],
	    hat->hat_ism_pgcnt, cached, hat->hat_num_hash);
	for (h = 0; h < hat->hat_num_hash; h++) {
		pos = 0;
		for (ht = hat->hat_ht_hash[h]; ht != NULL; ht = ht->ht_next)
			dump_table(d, ht, h, pos++);
	}
}

/* the hat list: its order decides where steals start */
static void
dump_hat_list(dumper_t *d)
{
	char names[256], s[8];
	size_t n = 0;
	hat_t *hat;

	names[0] = '\0';
	for (hat = kas.a_hat->hat_next; hat != NULL && n < sizeof (names) - 8;
	    hat = HTBED_HAT_NEXT(hat)) {
		slot_name(d, hat, s, sizeof (s));
		n += (size_t)host_snprintf(names + n, sizeof (names) - n, " %s",
		    s);
	}
	line(d, "hat list:%s", names);
}

/* what each vCPU runs, and which vCPUs each hat's CPU set holds */
static void
dump_cpus(dumper_t *d)
{
	char name[8];
	int c, i;

	for (c = 0; c < ncpus; c++) {
		slot_name(d, cpu[c]->cpu_current_hat, name, sizeof (name));
		line(d, "cpu%d runs %s", c, name);
	}
	for (i = 0; i < d->d_nslots; i++) {
		slot_name(d, d->d_slots[i]->sl_hat, name, sizeof (name));
		line(d, "hat %s cpus 0x%lx", name,
		    d->d_slots[i]->sl_hat->hat_cpus.cpub[0]);
	}
}

static void
dump_counters(dumper_t *d)
{
	struct hatstats *s = &hatstat;
	struct shim_stats ss;
	struct hb_stats hs;

	shim_stats(&ss);
	hb_stats(&hs);
	line(d, "hatstat reap_attempts %lu reaped %lu steals %lu "
	    "ptable_allocs %lu ptable_frees %lu htable_rgets %lu "
	    "htable_rputs %lu shared %lu unshared %lu", s->hs_reap_attempts,
	    s->hs_reaped, s->hs_steals, s->hs_ptable_allocs,
	    s->hs_ptable_frees, s->hs_htable_rgets, s->hs_htable_rputs,
	    s->hs_htable_shared, s->hs_htable_unshared);
	line(d, "reserve %u dont_cache %u htables %lu hments %lu",
	    htable_reserve_cnt, htable_dont_cache,
	    shim_kmem_outstanding(htable_cache),
	    shim_kmem_outstanding(hment_cache_for_check()));
	line(d, "frames in use %lu allocated %lu freed %lu freemem %lu",
	    ss.ss_ptable_inuse, ss.ss_ptable_allocs, ss.ss_ptable_frees,
	    ss.ss_freemem);
	line(d, "hat calls %lu creates %lu releases %lu shootdowns %lu "
	    "steal unmaps %lu removals seen %lu", hs.hs_hat_ops,
	    hs.hs_creates, hs.hs_releases, hs.hs_tlb_invals,
	    hs.hs_steal_unmaps, hs.hs_foreign_removals);
}

void
hb_dump(int detail, hb_dump_fn_t *emit, void *arg)
{
	dumper_t *d = &dumper;
	int i;

	d->d_emit = emit;
	d->d_arg = arg;
	d->d_detail = detail;
	d->d_nslots = hb_all_slots(d->d_slots);
	map_frames(d);
	dump_counters(d);
	dump_hat_list(d);
	dump_cpus(d);
	for (i = 0; i < d->d_nslots; i++)
		dump_hat(d, d->d_slots[i]);
}
