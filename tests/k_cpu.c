/*
 * Kernel half of test_cpu: vCPUs, preemption and migration.  The machine
 * boots with 4 vCPUs and sc_migrate_ppm = 1000000, so every scheduler-seam
 * point of a thread with preemption enabled moves it to a random vCPU
 * (possibly the one it is on).
 */
#include <sys/types.h>
#include <sys/mutex.h>
#include <sys/thread.h>
#include <sys/cpuvar.h>
#include <sys/disp.h>
#include <htbed/shim.h>

static kmutex_t seam_mutex;

int
kc_boot(void)
{
	struct shim_config c = { 0 };

	c.sc_ncpus = 4;
	c.sc_ptframes = 8;
	c.sc_dataframes = 8;
	c.sc_seed = 7;
	c.sc_migrate_ppm = 1000000;
	if (shim_init(&c) != 0)
		return (-1);
	(void) shim_thread_attach("main", 0);
	return (0);
}

void
kc_attach(const char *name, int cpuid)
{
	(void) shim_thread_attach(name, cpuid);
}

void
kc_detach(void)
{
	shim_thread_detach();
}

int
kc_preempt(void)
{
	return (curthread->t_preempt);
}

void
kc_disable(void)
{
	kpreempt_disable();
}

void
kc_enable(void)
{
	kpreempt_enable();
}

int
kc_cpu_id(void)
{
	return (CPU->cpu_id);
}

/* CPU is curthread->t_cpu, and it is cpu[] entry cpu_id */
int
kc_cpu_consistent(void)
{
	return (CPU == curthread->t_cpu && CPU != NULL &&
	    CPU->cpu_id >= 0 && CPU->cpu_id < ncpus && cpu[CPU->cpu_id] == CPU);
}

void
kc_migrate(int cpuid)
{
	shim_migrate(curthread, cpuid);
}

uint64_t
kc_migrations(void)
{
	return (T_STAT(curthread, TS_MIGRATE));
}

/*
 * n rounds of mutex_enter/mutex_exit, two seam points each.  Returns how
 * often the vCPU differed from the round before; *visited gets the set of
 * vCPUs seen, one bit each.
 */
int
kc_seam_rounds(int n, unsigned *visited)
{
	int i, moves = 0, c = CPU->cpu_id;

	*visited = 1u << c;
	for (i = 0; i < n; i++) {
		mutex_enter(&seam_mutex);
		mutex_exit(&seam_mutex);
		if (CPU->cpu_id != c)
			moves++;
		c = CPU->cpu_id;
		*visited |= 1u << c;
	}
	return (moves);
}

/* n rounds of kpreempt_disable/kpreempt_enable (a seam at depth 0) */
int
kc_preempt_rounds(int n, int depth)
{
	int i, d, moves = 0, c = CPU->cpu_id;

	for (d = 0; d < depth; d++)
		kpreempt_disable();
	for (i = 0; i < n; i++) {
		kpreempt_disable();
		kpreempt_enable();
		if (CPU->cpu_id != c)
			moves++;
		c = CPU->cpu_id;
	}
	for (d = 0; d < depth; d++) {
		if (CPU->cpu_id != c)
			moves += 1000;		/* moved while still disabled */
		kpreempt_enable();
	}
	return (moves);
}
