/*
 * vCPUs and preemption.
 *
 * Invariant: a thread's t_cpu changes only in shim_migrate(), which is
 * called only from a scheduler-seam point while the thread's t_preempt is
 * zero.  So code that disables preemption, as x86pte_mapin() does before
 * taking CPU->cpu_hat_info->hci_mutex, keeps its vCPU, its window and its
 * hci_mutex until it enables preemption again; code that forgets to is
 * moved, and then uses another vCPU's window or exits a mutex it does not
 * own, which the shim reports.
 */
#include <sys/types.h>
#include <sys/cpuvar.h>
#include <sys/disp.h>
#include <htbed/seam.h>
#include <htbed/shim.h>

cpu_t *cpu[NCPU];
int ncpus;
static cpu_t cpu_store[NCPU];
static char intr_names[NCPU_EMULATED][16];

void
shim_cpus_init(int n)
{
	int i;

	ncpus = n;
	for (i = 0; i < n; i++) {
		cpu_store[i].cpu_id = i;
		cpu[i] = &cpu_store[i];
		mutex_init(&cpu[i]->cpu_m.mcpu_intr, NULL, MUTEX_DEFAULT,
		    NULL);
		(void) host_snprintf(intr_names[i], sizeof (intr_names[i]),
		    "intr(cpu%d)", i);
		lock_register_array(&cpu[i]->cpu_m.mcpu_intr, 1, LC_INTR,
		    intr_names[i]);
	}
}

void
shim_migrate(kthread_t *t, int cpuid)
{
	cpu_t *to = cpu[cpuid % ncpus];

	if (t->t_preempt != 0)
		BUG("vcpu", "T%d migrated while preemption is disabled",
		    t->t_tid);
	if (to == t->t_cpu)
		return;
	seam_note(EV_MIGRATE, 0, (uint64_t)t->t_cpu->cpu_id,
	    (uint64_t)to->cpu_id);
	t->t_cpu = to;
	T_STAT_INC(t, TS_MIGRATE);
}

void
kpreempt_disable(void)
{
	curthread->t_preempt++;
}

void
kpreempt_enable(void)
{
	kthread_t *t = curthread;

	if (t->t_preempt <= 0)
		BUG("preemption", "kpreempt_enable() without a matching "
		    "kpreempt_disable() (t_preempt %d)", t->t_preempt);
	if (--t->t_preempt == 0)
		seam(EV_PREEMPT_ENABLE, NULL, 0, 0);
}
