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
 * Invariant: mcpu_intr is taken last (lock class "intr": under any other
 * class, with nothing taken under it) and is never held across a wait for
 * anything but itself.
 */
#include <sys/types.h>
#include <sys/cpuvar.h>
#include <sys/thread.h>
#include <sys/x_call.h>
#include <sys/disp.h>
#include <htbed/seam.h>
#include <htbed/shim.h>

void
xc_call(xc_arg_t a1, xc_arg_t a2, xc_arg_t a3, const cpuset_t *set,
    xc_func_t func)
{
	kthread_t *t = curthread;
	cpu_t *home;
	int c;

	kpreempt_disable();
	home = t->t_cpu;
	for (c = 0; c < ncpus; c++) {
		if (!CPU_IN_SET(*set, c))
			continue;
		mutex_enter(&cpu[c]->cpu_m.mcpu_intr);
		seam_note(EV_XCALL, (uint64_t)home->cpu_id, (uint64_t)c, a2);
		t->t_cpu = cpu[c];
		(void) func(a1, a2, a3);
		t->t_cpu = home;
		mutex_exit(&cpu[c]->cpu_m.mcpu_intr);
	}
	kpreempt_enable();
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
