/*
 * Grace periods of the emulated MMU: what lets a shootdown wait for the
 * walkers in flight, and keeps a freed page-table frame out of use while a
 * walker may still read it.
 *
 * Every walker says whether it is inside a read-side critical section
 * (gw_in, stored before its first read and cleared after its last, both
 * sequentially consistent) and counts the sections it has begun (gw_seq).
 * A grace period with no walker inside is empty: a change made before the
 * look at the flags is seen by every section that begins after it, and
 * the sections that ended are ordered before it.  Otherwise:
 *
 * Free-running mode: liburcu.  A section is also an urcu read-side
 * critical section; a shootdown waits with synchronize_rcu(), a freed
 * frame goes back to the free stack from a call_rcu() callback.
 *
 * Controlled mode: every fiber runs on the one OS thread, which liburcu
 * would take for a single reader -- a fiber waiting for a grace period
 * while a walker fiber is inside a section would wait for itself.  So the
 * flags are all there is: gp_synchronize() passes spin points (letting the
 * scheduler run the walkers) until every walker it saw inside has left
 * that section; a frame freed while walkers are inside waits on the
 * pending list with their mask, each walker leaving its section clears
 * its bit, and the frame is reused when its mask is empty.  This record
 * is kernel data, put back with the machine.
 *
 * While the walkers are not running (no MMU, booting, teardown) there is
 * no reader at all.
 */
#include <sys/types.h>
#include <sys/thread.h>
#include <htbed/hw.h>
#include <htbed/sanitizer.h>
#include <htbed/seam.h>
#include <htbed/shim.h>
#include "gp.h"

typedef struct gp_walker {
	uint32_t	gw_in;
	uint64_t	gw_seq;
} __attribute__((aligned(64))) gp_walker_t;

typedef struct gp_pend {
	pfn_t		gpp_pfn;
	void		(*gpp_reuse)(pfn_t);
	uint64_t	gpp_mask;	/* walkers still inside */
} gp_pend_t;

static gp_walker_t gpw[HW_MAX_WALKERS];

static struct {
	uint32_t	g_lock;		/* of the pending list */
	gp_pend_t	*g_pend;	/* at most one entry per frame */
	size_t		g_npend;
	uint64_t	g_deferred;
} gp;

/*
 * The pending list's lock: one fiber runs at a time and none passes a
 * seam point holding it, so it is never contended; it tells
 * ThreadSanitizer (to which fibers are threads) what orders the list.
 */
static void
pend_lock(void)
{
	host_spin_lock(&gp.g_lock);
}

static void
pend_unlock(void)
{
	host_spin_unlock(&gp.g_lock);
}

void
gp_init(uint64_t nframes)
{
	gp.g_pend = shim_boot_zalloc(sizeof (gp_pend_t) * nframes);
}

void
gp_enter(int w)
{
	__atomic_store_n(&gpw[w].gw_seq, gpw[w].gw_seq + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&gpw[w].gw_in, 1, __ATOMIC_SEQ_CST);
	if (!seam_controlled)
		host_rcu_read_lock();
}

/* controlled mode: walker w left its section; frames it held are reused */
static void
pend_release(int w)
{
	size_t i = 0;

	pend_lock();
	while (i < gp.g_npend) {
		gp_pend_t *p = &gp.g_pend[i];

		p->gpp_mask &= ~(1ull << w);
		if (p->gpp_mask != 0) {
			i++;
			continue;
		}
		p->gpp_reuse(p->gpp_pfn);
		*p = gp.g_pend[--gp.g_npend];
	}
	pend_unlock();
}

void
gp_exit(int w)
{
	if (!seam_controlled)
		host_rcu_read_unlock();
	__atomic_store_n(&gpw[w].gw_in, 0, __ATOMIC_SEQ_CST);
	if (seam_controlled)
		pend_release(w);
}

/* the walkers inside a section now, and which section each is in */
static uint64_t
gp_inside(uint64_t *seq)
{
	uint64_t in = 0;
	int w;

	for (w = 0; w < hw_nwalkers(); w++) {
		if (!__atomic_load_n(&gpw[w].gw_in, __ATOMIC_SEQ_CST))
			continue;
		in |= 1ull << w;
		seq[w] = __atomic_load_n(&gpw[w].gw_seq, __ATOMIC_RELAXED);
	}
	return (in);
}

/* controlled mode: is a walker of `in' still in the section it was in? */
static int
gp_waiting(uint64_t in, const uint64_t *seq)
{
	int w;

	for (w = 0; in != 0; w++, in >>= 1) {
		if ((in & 1) && __atomic_load_n(&gpw[w].gw_in,
		    __ATOMIC_SEQ_CST) && __atomic_load_n(&gpw[w].gw_seq,
		    __ATOMIC_RELAXED) == seq[w])
			return (1);
	}
	return (0);
}

void
gp_synchronize(void)
{
	uint64_t seq[HW_MAX_WALKERS], in;

	if (!hw_running() || (in = gp_inside(seq)) == 0)
		return;
	if (!seam_controlled) {
		host_rcu_synchronize();
		return;
	}
	while (gp_waiting(in, seq))
		SEAM_SPIN(gp_synchronize);
}

void
gp_defer(pfn_t pfn, void (*fn)(pfn_t))
{
	uint64_t seq[HW_MAX_WALKERS], in;

	if (!hw_running() || (in = gp_inside(seq)) == 0) {
		fn(pfn);
		return;
	}
	__atomic_add_fetch(&gp.g_deferred, 1, __ATOMIC_RELAXED);
	if (!seam_controlled) {
		host_rcu_call(fn, pfn);
		return;
	}
	pend_lock();
	gp.g_pend[gp.g_npend++] = (gp_pend_t){ pfn, fn, in };
	pend_unlock();
}

uint64_t
gp_deferred(void)
{
	return (__atomic_load_n(&gp.g_deferred, __ATOMIC_RELAXED));
}
