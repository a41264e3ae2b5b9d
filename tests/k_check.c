/*
 * Kernel half of test_check: the harness's own hats, given mappings by
 * harness ops, and the corruptions the tests plant in their tables.  Each
 * corruption is made in a forked child (tests/unit.h), which then runs
 * the full check: the parent's machine stays intact.
 */
#include <sys/types.h>
#include <vm/hat.h>
#include <vm/hat_i86.h>
#include <htbed/shim.h>
#include <htbed/sanitizer.h>
#include <htbed/written.h>
#include "world.h"
#include "hat_testbed.h"
#include "k_check.h"

/* map runs of pages into user address space 0, as a worker's ops do */
void
kk_map_some(void)
{
	hb_op_t op = { .op_code = HB_MAP, .op_hat = 0, .op_c = 7 };
	int i;

	for (i = 0; i < 8; i++) {
		op.op_a = (uint16_t)i;
		op.op_b = (uint16_t)(3 * i);
		op.op_d = (uint32_t)i;
		hb_exec(0, &op);
	}
}

static x86pte_t *
entries(const htable_t *ht)
{
	return ((x86pte_t *)(void *)SHIM_FRAME_VA(ht->ht_pfn));
}

/* user address space 0's hat */
static hat_t *
user_hat(void)
{
	return (hb_world.w_user[0].sl_hat);
}

/* a hashed table of the hat at the level with valid entries, or NULL */
static htable_t *
table_at(hat_t *hat, level_t l)
{
	htable_t *ht;
	uint_t h;

	for (h = 0; h < hat->hat_num_hash; h++) {
		for (ht = hat->hat_ht_hash[h]; ht != NULL; ht = ht->ht_next) {
			if (ht->ht_level == l && ht->ht_valid_cnt > 0)
				return (ht);
		}
	}
	return (NULL);
}

/*
 * The first valid (want 1) or zero (want 0) entry of a level-l table of
 * user address space 0, and its table; NULL if there is none.
 */
static x86pte_t *
pick(level_t l, int want, htable_t **htp)
{
	htable_t *ht = table_at(user_hat(), l);
	uint_t e;

	for (e = 0; ht != NULL && e < 512; e++) {
		if ((PTE_ISVALID(entries(ht)[e]) != 0) == want) {
			*htp = ht;
			return (&entries(ht)[e]);
		}
	}
	return (NULL);
}

/*
 * A copy of a top-level entry the MMU walks: the user hat's copy of the
 * kernel's last entry if its top table is a page of its own (a 64-bit
 * process of the 2015 era), or else the copy of its first entry in the
 * per-CPU top table of vCPU 0, which runs it.
 */
static x86pte_t *
top_copy(void)
{
	htable_t *top = user_hat()->hat_htable;
	struct hat_cpu_tables t;

	if (!(top->ht_flags & HTBED_HT_COPIED))
		return (&entries(top)[511]);
	hat_cpu_tables(0, &t);
	return ((x86pte_t *)(uintptr_t)t.hct_kernel);
}

/* a mapped page's word in user address space 0's model, or NULL */
static uint64_t *
mapped_word(void)
{
	hb_slot_t *sl = &hb_world.w_user[0];
	int i;

	for (i = 0; i < sl->sl_nreg * HB_PAGES; i++) {
		if (SW_STATE(sl->sl_shadow[i]) == SW_MAPPED)
			return (&sl->sl_shadow[i]);
	}
	return (NULL);
}

/*
 * An hment of a page of the ISM segment, or NULL: the ISM hat's lists
 * are made at boot, packed, and their chunks' memos hold (harness/check.c)
 */
struct kk_hment {		/* core/hment.c's layout */
	struct kk_hment	*hm_next;
	htable_t	*hm_htable;
	uint_t		hm_entry;
};

static struct kk_hment *
ism_hment(void)
{
	struct kk_hment *hm;
	pfn_t pfn;

	for (pfn = shim_data_first; pfn <= shim_data_last; pfn++) {
		for (hm = hb_page(pfn)->p_mapping; hm != NULL;
		    hm = hm->hm_next) {
			if (hm->hm_htable->ht_hat == hb_world.w_ism.sl_hat)
				return (hm);
		}
	}
	return (NULL);
}

/* a corruption of the model, a table's counts or an hment: no entry */
static int
plant_beside(enum kk_corruption what)
{
	uint64_t *w = mapped_word();
	htable_t *ht = table_at(user_hat(), 0);
	struct kk_hment *hm = ism_hment();

	if (what == KK_HMENT_ENTRY && hm != NULL)
		hm->hm_entry ^= 1;
	else if (what == KK_MODEL_UNMAPPED && w != NULL)
		*w = (*w & ~(7ull << 40)) + SW_GEN_ONE;
	else if (what == KK_LOCK_COUNT && ht != NULL)
		ht->ht_lock_cnt++;
	else
		return (-1);
	return (0);
}

int
kk_plant(enum kk_corruption what)
{
	htable_t *ht = NULL;
	x86pte_t *p;

	if (what == KK_MODEL_UNMAPPED || what == KK_LOCK_COUNT ||
	    what == KK_HMENT_ENTRY)
		return (plant_beside(what));
	if (what == KK_TOP_COPY)
		p = top_copy();
	else if ((p = pick(what == KK_LINK_LOST ? 1 : 0,
	    what != KK_STRAY_ENTRY, &ht)) == NULL)
		return (-1);
	switch (what) {
	case KK_STRAY_ENTRY:	*p = PT_WRITABLE; break;
	case KK_LEAF_MOVED:	*p += MMU_PAGESIZE; break;
	case KK_LEAF_NOCONSIST:	*p |= PT_NOCONSIST; break;
	case KK_TOP_COPY:	*p ^= PT_WRITABLE; break;
	case KK_LEAF_DROPPED:	*p = 0; break;
	case KK_LINK_LOST:	*p = 0;
		ht->ht_valid_cnt--;	/* so that only the link is missing */
		break;
	default:
		return (-1);
	}
	return (0);
}

/*
 * A controlled run's check, which trusts the record of writes
 * (htbed/written.h) as a build whose core calls the store callbacks does:
 * a check fills the memo, the corruption is planted -- its write noted
 * (noted 1: every frame and arena page) or not -- and the trusting check
 * runs.
 */
void
kk_trusted_check(enum kk_corruption what, int noted)
{
	char *base, *brk, *hwm;

	written_tracked = 1;
	hb_check("test_check before the corruption");
	if (kk_plant(what) != 0)
		host_exit(3);	/* nothing to plant it in: a setup error */
	shim_arena_range(&base, &brk, &hwm);
	if (noted) {
		written_range(SHIM_FRAME_VA(shim_pt_first), (size_t)(shim_pt_last -
		    shim_pt_first + 1) << MMU_PAGESHIFT);
		written_range(base, (size_t)(hwm - base));
	}
	hb_check_run("test_check");
}

/* the checker keeps its memo, and trusts the record (not under TSan) */
int
kk_check_memo(void)
{
#ifdef HTBED_TSAN
	return (0);
#else
	return (1);
#endif
}
