/*
 * The vCPUs' TLBs, the contexts they run, and TLB shootdown.
 *
 * Each vCPU has one TLB of TLB_ENTRIES entries (tlb.h), shared by its
 * walkers and guarded by a host spinlock that is never held across a
 * scheduler-seam point (so controlled mode never finds it taken).  Entries
 * are tagged with the hat whose tables they came from.  A full TLB
 * replaces its entries round robin.  Each vCPU runs one context (hat
 * tag, kernel and user top table), loaded by hat_switch() as a CR3 load:
 * without PCID, a CR3 load empties the TLB.
 *
 * Invariants:
 *  - an entry was filled by a walker, inside a read-side critical
 *    section, from a table entry it read with REF set; nothing changes
 *    an entry but its removal;
 *  - when a shootdown of tag and va returns (hw_tlb_flush() on every
 *    vCPU that runs the hat, by its cross-call, then hw_tlb_sync()), no
 *    TLB of those vCPUs holds an entry of tag covering va that was read
 *    from a table entry cleared or changed before the shootdown, and no
 *    walker can still be using one: entries are removed, a grace period
 *    waits out the walkers in flight (which may have cached what they
 *    read before the change), and their entries are removed again.  A
 *    walker that begins later reads the changed entry;
 *  - the kernel hat's shootdowns (tag NULL) cover every tag, since every
 *    address space walks the kernel's tables;
 *  - a vCPU's context is unloaded (hw_cpu_unload()) only once no walker
 *    uses it, and its TLB is then empty: a vCPU that stopped running a hat
 *    holds none of its entries, so shootdowns of the hat need not reach
 *    it, and a freed hat's address can be a new hat's tag;
 *  - no entry names a freed page-table frame as a lower table
 *    (tlb_check_freed(), when the frame is freed).
 * The emulation is narrower than x86's INVLPG, which drops every
 * paging-structure entry: here only those covering va go, so a shootdown
 * of the wrong address is not forgiven.
 */
#include <sys/types.h>
#include <sys/cpuvar.h>
#include <sys/thread.h>
#include <vm/hat_i86.h>
#include <htbed/hw.h>
#include <htbed/seam.h>
#include <htbed/shim.h>
#include "gp.h"
#include "tlb.h"

#define	TLB_ENTRIES	32

typedef struct tlb {
	uint32_t	tl_lock;
	uint32_t	tl_next;	/* the next entry to replace */
	tlbe_t		tl_e[TLB_ENTRIES];
} tlb_t;

typedef struct ctx {
	const void	*c_tag;		/* NULL: none loaded */
	pfn_t		c_ktop;
	pfn_t		c_utop;
} ctx_t;

static tlb_t *tlbs;
static ctx_t *ctxs;
static int ntlbs;
static uint64_t shootdowns, shootdown_ns;

void
tlb_init(int ncpus)
{
	tlbs = shim_boot_zalloc(sizeof (tlb_t) * (size_t)ncpus);
	ctxs = shim_boot_zalloc(sizeof (ctx_t) * (size_t)ncpus);
	ntlbs = ncpus;
}

static void
tlb_lock(tlb_t *t)
{
	host_spin_lock(&t->tl_lock);
}

static void
tlb_unlock(tlb_t *t)
{
	host_spin_unlock(&t->tl_lock);
}

static int
covers(const tlbe_t *e, uintptr_t va)
{
	return (va - e->te_va < TLBE_SPAN(e->te_level));
}

int
tlb_leaf(int cpu, const void *tag, uintptr_t va, tlbe_t *out)
{
	tlb_t *t = &tlbs[cpu];
	int i, found = 0;

	tlb_lock(t);
	for (i = 0; i < TLB_ENTRIES && !found; i++) {
		const tlbe_t *e = &t->tl_e[i];

		if (e->te_tag == tag && e->te_leaf && covers(e, va)) {
			*out = *e;
			found = 1;
		}
	}
	tlb_unlock(t);
	return (found);
}

/* the deepest cached link on the way to va */
int
tlb_link(int cpu, const void *tag, uintptr_t va, tlbe_t *out)
{
	tlb_t *t = &tlbs[cpu];
	int i, found = 0;

	tlb_lock(t);
	for (i = 0; i < TLB_ENTRIES; i++) {
		const tlbe_t *e = &t->tl_e[i];

		if (e->te_tag == tag && !e->te_leaf && covers(e, va) &&
		    (!found || e->te_level < out->te_level)) {
			*out = *e;
			found = 1;
		}
	}
	tlb_unlock(t);
	return (found);
}

static int
same_slot(const tlbe_t *a, const tlbe_t *b)
{
	return (a->te_tag == b->te_tag && a->te_leaf == b->te_leaf &&
	    a->te_level == b->te_level && a->te_va == b->te_va);
}

void
tlb_fill(int cpu, const tlbe_t *ne)
{
	tlb_t *t = &tlbs[cpu];
	int i;

	tlb_lock(t);
	for (i = 0; i < TLB_ENTRIES; i++) {
		if (same_slot(&t->tl_e[i], ne))
			break;
	}
	if (i == TLB_ENTRIES)
		i = (int)(t->tl_next++ % TLB_ENTRIES);
	t->tl_e[i] = *ne;
	tlb_unlock(t);
}

void
tlb_drop(int cpu, const tlbe_t *old)
{
	tlb_t *t = &tlbs[cpu];
	int i;

	tlb_lock(t);
	for (i = 0; i < TLB_ENTRIES; i++) {
		if (same_slot(&t->tl_e[i], old))
			t->tl_e[i].te_tag = NULL;
	}
	tlb_unlock(t);
}

/* vCPU c's entries of tag (NULL: any) covering va (or all of them) */
static void
tlb_remove(int c, const void *tag, uintptr_t va)
{
	tlb_t *t = &tlbs[c];
	int i;

	tlb_lock(t);
	for (i = 0; i < TLB_ENTRIES; i++) {
		tlbe_t *e = &t->tl_e[i];

		if (e->te_tag != NULL && (tag == NULL || e->te_tag == tag) &&
		    (va == DEMAP_ALL_ADDR || covers(e, va)))
			e->te_tag = NULL;
	}
	tlb_unlock(t);
}

void
hw_tlb_flush(int cpu, const void *tag, uintptr_t va)
{
	if (hw_nwalkers() != 0)
		tlb_remove(cpu, tag, va);
}

void
hw_tlb_sync(uint64_t cpumask, const void *tag, uintptr_t va)
{
	uint64_t t0;
	int c;

	if (hw_nwalkers() == 0)
		return;
	t0 = host_now_ns();
	gp_synchronize();
	for (c = 0; c < ntlbs; c++) {
		if (cpumask & (1ull << c))
			tlb_remove(c, tag, va);
	}
	__atomic_add_fetch(&shootdowns, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&shootdown_ns, host_now_ns() - t0,
	    __ATOMIC_RELAXED);
}

void
tlb_stats(uint64_t *n, uint64_t *ns)
{
	*n = __atomic_load_n(&shootdowns, __ATOMIC_RELAXED);
	*ns = __atomic_load_n(&shootdown_ns, __ATOMIC_RELAXED);
}

/*
 * A page-table frame is being freed.  It was unlinked, and the shootdown
 * that followed removed every link to it: a TLB that still names it would
 * walk into whatever the frame holds next.
 */
void
tlb_check_freed(pfn_t pfn)
{
	tlbe_t bad;
	int c, i, found;

	for (c = 0; c < ntlbs; c++) {
		tlb_t *t = &tlbs[c];

		tlb_lock(t);
		for (found = 0, i = 0; i < TLB_ENTRIES && !found; i++) {
			bad = t->tl_e[i];
			found = bad.te_tag != NULL && !bad.te_leaf &&
			    bad.te_pfn == pfn;
		}
		tlb_unlock(t);
		if (found)
			BUG("mmu", "page-table frame pfn 0x%lx is freed while "
			    "cpu%d's TLB still links to it: the level-%d entry "
			    "0x%lx (pa 0x%llx) of hat %p for va 0x%lx, cached at "
			    "%llu, was never shot down", pfn, c, bad.te_level,
			    bad.te_pte, (unsigned long long)bad.te_pa,
			    bad.te_tag, bad.te_va,
			    (unsigned long long)bad.te_when);
	}
}

/*
 * ------------------------------------------------------------------------
 * Contexts: what each vCPU runs
 * ------------------------------------------------------------------------
 */
void
hw_cpu_load(int c, const void *tag, pfn_t ktop, pfn_t utop)
{
	if (hw_nwalkers() == 0)
		return;
	tlb_remove(c, NULL, DEMAP_ALL_ADDR);
	__atomic_store_n(&ctxs[c].c_ktop, ktop, __ATOMIC_RELAXED);
	__atomic_store_n(&ctxs[c].c_utop, utop, __ATOMIC_RELAXED);
	__atomic_store_n(&ctxs[c].c_tag, tag, __ATOMIC_RELEASE);
}

/* the vCPU stops running its context: no walker uses it when this returns */
void
hw_cpu_unload(int c)
{
	if (hw_nwalkers() == 0)
		return;
	if (__atomic_exchange_n(&ctxs[c].c_tag, NULL, __ATOMIC_ACQ_REL) ==
	    NULL)
		return;
	gp_synchronize();
	tlb_remove(c, NULL, DEMAP_ALL_ADDR);
}

int
ctx_get(int c, const void **tag, pfn_t *ktop, pfn_t *utop)
{
	*tag = __atomic_load_n(&ctxs[c].c_tag, __ATOMIC_ACQUIRE);
	*ktop = __atomic_load_n(&ctxs[c].c_ktop, __ATOMIC_RELAXED);
	*utop = __atomic_load_n(&ctxs[c].c_utop, __ATOMIC_RELAXED);
	return (*tag != NULL);
}
