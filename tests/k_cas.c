/*
 * Kernel half of test_cas: atomic PTE updates.  CAS_PTE on page-table
 * memory, and htable.c's x86pte_set/inval/update on the entries of real
 * tables of a hat of our own (window mode, so every access goes through
 * this vCPU's window while the "hardware" -- the test -- writes REF and
 * MOD bits through the physmap, as an MMU writes them to memory).
 *
 * The entries these tests fill are not counted in ht_valid_cnt and have
 * no hments: they are zeroed again before the table is released.
 */
#include <sys/types.h>
#include <sys/thread.h>
#include <sys/cpuvar.h>
#include <sys/kmem.h>
#include <vm/as.h>
#include <vm/page.h>
#include <vm/hat.h>
#include <vm/hat_i86.h>
#include <htbed/shim.h>

extern void seam_configure(const struct shim_config *);

static struct as kx_as;
static hat_t *kx_hat;

int
kx_boot(void)
{
	struct shim_config c = { 0 };

	c.sc_ncpus = 2;
	c.sc_ptframes = 128;
	c.sc_dataframes = 64;
	c.sc_seed = 11;
	if (shim_init(&c) != 0)
		return (-1);
	(void) shim_thread_attach("main", 0);
	hat_init();
	kx_as.a_userlimit = (caddr_t)kernelbase;
	kx_hat = hat_alloc(&kx_as);
	return (0);
}

uint64_t
kx_frame(void)
{
	page_t *pp = page_get_physical(0);

	return (pp != NULL ? pp->p_pagenum : 0);
}

static x86pte_t *
word(uint64_t pfn, unsigned i)
{
	return ((x86pte_t *)(void *)SHIM_FRAME_VA(pfn) + i);
}

uint64_t
kx_cas(uint64_t pfn, unsigned i, uint64_t old, uint64_t new)
{
	return (CAS_PTE(word(pfn, i), old, new));
}

uint64_t
kx_word(uint64_t pfn, unsigned i)
{
	return (*word(pfn, i));
}

uint64_t
kx_cas_fails(void)
{
	struct shim_stats s;

	shim_stats(&s);
	return (s.ss_cas_fail);
}

uint64_t
kx_tlb_invals(void)
{
	return (T_STAT(curthread, TS_TLB_INVAL));
}

/* ---- tables ---- */

void *
kx_create(uint64_t va, int level)
{
	return (htable_create(kx_hat, (uintptr_t)va, (level_t)level, NULL));
}

void *
kx_lookup(uint64_t va, int level)
{
	return (htable_lookup(kx_hat, (uintptr_t)va, (level_t)level));
}

void
kx_release(void *ht)
{
	htable_release(ht);
}

unsigned
kx_entry(void *ht, uint64_t va)
{
	return (htable_va2entry((uintptr_t)va, ht));
}

uint64_t
kx_ht_pfn(void *ht)
{
	return (((htable_t *)ht)->ht_pfn);
}

uint64_t
kx_data_pfn(unsigned i)
{
	return (shim_data_first + i);
}

/* a leaf for pfn at level, writable or not */
uint64_t
kx_pte(uint64_t pfn, int level, int writable)
{
	return (MAKEPTE((pfn_t)pfn, level) | (writable ? PT_WRITABLE : 0));
}

uint64_t
kx_get(void *ht, unsigned e)
{
	return (x86pte_get(ht, e));
}

/* what the MMU does: store straight into the table's frame */
void
kx_poke(void *ht, unsigned e, uint64_t v)
{
	__atomic_store_n(word(((htable_t *)ht)->ht_pfn, e), v,
	    __ATOMIC_SEQ_CST);
}

uint64_t
kx_set(void *ht, unsigned e, uint64_t pte)
{
	return (x86pte_set(ht, e, pte, NULL));
}

uint64_t
kx_inval(void *ht, unsigned e, uint64_t expect)
{
	return (x86pte_inval(ht, e, expect, NULL, B_TRUE));
}

uint64_t
kx_update(void *ht, unsigned e, uint64_t expect, uint64_t new)
{
	return (x86pte_update(ht, e, expect, new));
}

uint64_t
kx_lpage_error(void)
{
	return (LPAGE_ERROR);
}

/*
 * ---- x86pte_update() against a CPU that dirties the page late ----
 *
 * A racer thread plays a CPU that still holds a writable TLB entry: as
 * soon as the entry shows the write-revoked value it sets MOD in memory,
 * which is what the hardware does when that CPU writes before the
 * shootdown has reached it.  If that lands between x86pte_update()'s CAS
 * and its re-read, the update must give write permission back and report
 * failure; if it lands after, the update succeeded and the page is simply
 * dirty.  Any other outcome is wrong.
 */
struct racer {
	x86pte_t	*r_ptep;	/* the entry, through the physmap */
	x86pte_t	r_target;	/* the write-revoked value */
	uint32_t	r_gen;		/* bumped by the main thread per round */
	uint32_t	r_done;		/* the round the racer finished */
	uint32_t	r_stop;
};

static void
racer_main(void *arg)
{
	struct racer *r = arg;
	uint32_t seen = 0, g;
	x86pte_t want;

	for (;;) {
		while ((g = __atomic_load_n(&r->r_gen, __ATOMIC_ACQUIRE)) ==
		    seen) {
			if (__atomic_load_n(&r->r_stop, __ATOMIC_ACQUIRE))
				return;
			__builtin_ia32_pause();
		}
		seen = g;
		want = r->r_target;
		while (__atomic_load_n(r->r_ptep, __ATOMIC_ACQUIRE) != want)
			__builtin_ia32_pause();
		(void) __atomic_compare_exchange_n(r->r_ptep, &want,
		    want | PT_MOD, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		__atomic_store_n(&r->r_done, g, __ATOMIC_RELEASE);
	}
}

/*
 * Rounds until `want' late-dirty races were caught (or max rounds).
 * Returns the races caught; *late counts rounds where the racer came
 * after the update, *bad rounds with any other outcome (the first one's
 * values in bad_res, bad_final).
 */
int
kx_update_race(int max, int want, int *late, int *bad, uint64_t *bad_res,
    uint64_t *bad_final)
{
	static struct racer r;
	struct shim_config perturb = { 0 }, quiet = { 0 };
	htable_t *ht;
	host_thread_t *th;
	uintptr_t va = 0x7000000000ul;
	x86pte_t expect, new, res, final;
	uint_t e;
	int i, caught = 0;

	*late = *bad = 0;
	ht = htable_create(kx_hat, va, 0, NULL);
	e = htable_va2entry(va, ht);
	expect = MAKEPTE(shim_data_first, 0) | PT_WRITABLE | PT_REF;
	new = expect & ~(x86pte_t)PT_WRITABLE;
	r.r_ptep = word(ht->ht_pfn, e);
	r.r_target = new;
	th = host_thread_create(racer_main, &r);

	/* stretch the seams (the shootdown is one) so the racer can land */
	perturb.sc_yield_ppm = 1000000;
	seam_configure(&perturb);
	for (i = 0; i < max && caught < want; i++) {
		__atomic_store_n(r.r_ptep, expect, __ATOMIC_SEQ_CST);
		__atomic_store_n(&r.r_gen, (uint32_t)i + 1, __ATOMIC_RELEASE);
		res = x86pte_update(ht, e, expect, new);
		while (__atomic_load_n(&r.r_done, __ATOMIC_ACQUIRE) !=
		    (uint32_t)i + 1)
			__builtin_ia32_pause();
		final = x86pte_get(ht, e);
		if (res == expect && final == (new | PT_MOD)) {
			(*late)++;
		} else if (res == (new | PT_MOD | PT_WRITABLE) &&
		    final == res) {
			caught++;
		} else {
			if ((*bad)++ == 0) {
				*bad_res = res;
				*bad_final = final;
			}
		}
	}
	seam_configure(&quiet);
	__atomic_store_n(&r.r_stop, 1, __ATOMIC_RELEASE);
	host_thread_join(th);
	__atomic_store_n(r.r_ptep, 0, __ATOMIC_SEQ_CST);
	htable_release(ht);
	return (caught);
}
