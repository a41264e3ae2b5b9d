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
#include <sys/x_call.h>
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

/* an xc_wait_sync() handler: which vCPU it ran as, in order */
typedef struct xc_rec {
	int	xr_cpu[NCPU_EMULATED];
	int	xr_n;
} xc_rec_t;

static int
xc_record(xc_arg_t a1, xc_arg_t a2, xc_arg_t a3)
{
	xc_rec_t *r = (xc_rec_t *)a1;

	(void) a2;
	(void) a3;
	r->xr_cpu[r->xr_n++] = CPU->cpu_id;
	return (0);
}

/*
 * xc_wait_sync() to the vCPUs of mask, from the vCPU the thread is on:
 * order[] gets the vCPUs its handler ran as, *home that vCPU; returns
 * how many, or -1 if the thread came back on another vCPU or with
 * another preemption count.
 */
int
kc_xc_wait_sync(unsigned mask, int *order, int *home)
{
	xc_rec_t r = { { 0 }, 0 };
	cpuset_t set;
	int c, i, depth;

	CPUSET_ZERO(set);
	for (c = 0; c < ncpus; c++) {
		if (mask & (1u << c))
			CPUSET_ADD(set, c);
	}
	kpreempt_disable();
	depth = curthread->t_preempt;
	*home = CPU->cpu_id;
	xc_wait_sync((xc_arg_t)&r, 0, 0, X_CALL_HIPRI, set, xc_record);
	c = (CPU->cpu_id == *home && curthread->t_preempt == depth) ?
	    r.xr_n : -1;
	kpreempt_enable();
	for (i = 0; i < r.xr_n; i++)
		order[i] = r.xr_cpu[i];
	return (c);
}
