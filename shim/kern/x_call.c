/*
 * Cross-calls and interrupt masking (sys/x_call.h).
 *
 * A CPU runs a cross-call's handler between two instructions of whatever
 * it runs, one handler at a time, and not while it has interrupts
 * disabled.  Here the thread that makes the call runs each handler
 * itself, as the target: its t_cpu is the target's (preemption off, so
 * nothing moves it) and it holds the target's mcpu_intr, which code
 * running on the target with interrupts disabled (intr_clear()) holds
 * too.  So a handler never runs in the middle of such code, and two
 * handlers on one vCPU never overlap; between other instructions of the
 * target's threads it may run at any seam point, as on hardware.
 *
 * xc_wait_sync() (files of 2007-02 to 2007-05-04) is the same loop.  The
 * kernel's version first captures every target -- each spins in its
 * handler until all are there, and again until all have run func -- so
 * no target runs anything, its MMU included, while any of them runs it,
 * and the order in which they run func does not matter.  Here a target's
 * walkers (the emulated MMU) keep running until its handler has run, so
 * the order matters, and the calling vCPU runs func first: in the one
 * user, x86pte_inval(), that is where the PTE is cleared, and every other
 * vCPU's flush then comes after the clear, as the capture makes it.  A
 * handler's mmu_tlbflush_entry() (an INVLPG) is completed as the
 * capture completes it: before xc_wait_sync() returns, a grace period
 * waits out the walkers in flight on the targets and their entries for
 * that address are removed again (shim_invlpg() below).  Not modelled:
 * the capture itself (a target's threads may run between two handlers;
 * only the MMU would be able to tell, and the grace period covers it),
 * the priority, and the kernel's one-cross-call-at-a-time lock.
 *
 * Invariant: mcpu_intr is taken last (lock class "intr": under any other
 * class, with nothing taken under it) and is never held across a wait for
 * anything but itself.
 */
#include <sys/types.h>
#include <sys/cpuvar.h>
#include <sys/thread.h>
#include <sys/x_call.h>
#include <sys/disp.h>
#include <vm/hat_i86.h>
#include <htbed/hw.h>
#include <htbed/seam.h>
#include <htbed/shim.h>

/* the INVLPGs of xc_wait_sync()'s handlers still to be completed */
struct xc_flush {
	uintptr_t	xf_va;
	uint64_t	xf_cpus;	/* the vCPUs that flushed xf_va */
};

/* run func as vCPU c, from home: the handler of a cross-call */
static void
xc_run(int c, cpu_t *home, xc_arg_t a1, xc_arg_t a2, xc_arg_t a3,
    xc_func_t func)
{
	kthread_t *t = curthread;

	mutex_enter(&cpu[c]->cpu_m.mcpu_intr);
	seam_note(EV_XCALL, (uint64_t)home->cpu_id, (uint64_t)c, a2);
	t->t_cpu = cpu[c];
	(void) func(a1, a2, a3);
	t->t_cpu = home;
	mutex_exit(&cpu[c]->cpu_m.mcpu_intr);
}

void
xc_call(xc_arg_t a1, xc_arg_t a2, xc_arg_t a3, const cpuset_t *set,
    xc_func_t func)
{
	cpu_t *home;
	int c;

	kpreempt_disable();
	home = CPU;
	for (c = 0; c < ncpus; c++) {
		if (CPU_IN_SET(*set, c))
			xc_run(c, home, a1, a2, a3, func);
	}
	kpreempt_enable();
}

/* the flushes recorded so far: no walker of theirs can use the entries */
static void
xc_flush_complete(struct xc_flush *xf)
{
	if (xf->xf_cpus != 0)
		hw_tlb_sync(xf->xf_cpus, NULL, xf->xf_va);
	xf->xf_cpus = 0;
}

void
xc_wait_sync(xc_arg_t a1, xc_arg_t a2, xc_arg_t a3, int pri, cpuset_t set,
    xc_func_t func)
{
	kthread_t *t = curthread;
	struct xc_flush xf = { 0, 0 };
	cpu_t *home;
	int c;

	(void) pri;
	kpreempt_disable();
	home = CPU;
	t->t_xcflush = &xf;
	if (CPU_IN_SET(set, home->cpu_id))
		xc_run(home->cpu_id, home, a1, a2, a3, func);
	for (c = 0; c < ncpus; c++) {
		if (c != home->cpu_id && CPU_IN_SET(set, c))
			xc_run(c, home, a1, a2, a3, func);
	}
	t->t_xcflush = NULL;
	xc_flush_complete(&xf);
	kpreempt_enable();
}

/*
 * An INVLPG of va on the current vCPU (mmu_tlbflush_entry() of an address
 * the MMU translates): its TLB's entries covering va go, of every tag, as
 * the vCPU holds only those of the context it runs and the kernel's.  In
 * an xc_wait_sync() handler it is completed before the call returns;
 * elsewhere (x86pte_set() finding the entry already as wanted) a walker
 * in flight may still cache what it read, which is what the entry holds.
 */
void
shim_invlpg(uintptr_t va)
{
	struct xc_flush *xf = curthread->t_xcflush;

	hw_tlb_flush(CPU->cpu_id, NULL, va);
	if (xf == NULL)
		return;
	if (xf->xf_va != va)
		xc_flush_complete(xf);
	xf->xf_va = va;
	xf->xf_cpus |= 1ull << CPU->cpu_id;
}

ulong_t
intr_clear(void)
{
	kpreempt_disable();
	mutex_enter(&CPU->cpu_m.mcpu_intr);
	return (0);
}

void
intr_restore(ulong_t flags)
{
	(void) flags;
	mutex_exit(&CPU->cpu_m.mcpu_intr);
	kpreempt_enable();
}

/*
 * The testbed's dispatcher acting for vCPU c: run fn(arg) as that vCPU
 * (CPU is c), as the code a CPU runs when its scheduler picks another
 * thread.  Preemption is off meanwhile.
 */
void
shim_on_cpu(int c, void (*fn)(void *), void *arg)
{
	kthread_t *t = curthread;
	cpu_t *home;

	kpreempt_disable();
	home = t->t_cpu;
	t->t_cpu = cpu[c];
	fn(arg);
	t->t_cpu = home;
	kpreempt_enable();
}
