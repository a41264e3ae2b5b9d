/*
 * Kernel threads of the emulated kernel: curthread, the registry of every
 * thread that has run kernel code (the failure report walks it), and the
 * seeded per-thread random numbers behind all injection.
 */
#include <sys/types.h>
#include <sys/thread.h>
#include <sys/proc.h>
#include <sys/cpuvar.h>
#include <htbed/seam.h>
#include <htbed/shim.h>

#define	SHIM_MAX_THREADS	512

__thread kthread_t *htbed_curthread;

proc_t p0 = { "sched", NULL, DATAMODEL_LP64 };
/*
 * The process every thread of the workload runs for.  It must not be
 * pageout, fsflush or sched: NOMEMWAIT() would let every page-table
 * allocation dig into the last free pages, and memory pressure would
 * never make one fail and steal.
 */
static proc_t p_user = { "user", NULL, DATAMODEL_LP64 };
static proc_t p_pageout = { "pageout", NULL, DATAMODEL_LP64 };
static proc_t p_fsflush = { "fsflush", NULL, DATAMODEL_LP64 };
proc_t *proc_pageout = &p_pageout;
proc_t *proc_fsflush = &p_fsflush;
proc_t *proc_sched = &p0;

static kthread_t *thread_reg[SHIM_MAX_THREADS];
static int thread_cnt;

/* splitmix64: seeds every stream from (run seed, thread id) */
static uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return (x ^ (x >> 31));
}

/*
 * Register t (storage of the caller's, reused from run to run by the
 * controlled-mode scheduler) as a new kernel thread.  Its random stream
 * depends only on the run's seed and its thread number.
 */
void
shim_thread_init(kthread_t *t, struct fr_ring *ring, const char *name,
    int cpuid)
{
	int tid = __atomic_fetch_add(&thread_cnt, 1, __ATOMIC_SEQ_CST);

	if (tid >= SHIM_MAX_THREADS)
		htbed_internal_error("more than %d kernel threads",
		    SHIM_MAX_THREADS);
	__builtin_memset(t, 0, sizeof (*t));
	ring->fr_head = 0;
	t->t_tid = tid;
	t->t_name = name;
	t->t_procp = &p_user;
	t->t_fr = ring;
	t->t_rng = mix64(shim_cfg()->sc_seed ^ mix64((uint64_t)tid + 1));
	t->t_cpu = cpu[cpuid % ncpus];
	__atomic_store_n(&thread_reg[tid], t, __ATOMIC_RELEASE);
}

kthread_t *
shim_thread_attach(const char *name, int cpuid)
{
	kthread_t *t = host_zalloc(sizeof (*t));

	shim_thread_init(t, host_zalloc(sizeof (struct fr_ring)), name,
	    cpuid);
	htbed_curthread = t;
	return (t);
}

void
shim_thread_detach(void)
{
	htbed_curthread = NULL;
}

int
shim_nthreads(void)
{
	return (__atomic_load_n(&thread_cnt, __ATOMIC_ACQUIRE));
}

kthread_t *
shim_thread(int i)
{
	return (__atomic_load_n(&thread_reg[i], __ATOMIC_ACQUIRE));
}

/* xorshift64*: the current thread's stream */
uint64_t
shim_rand(void)
{
	kthread_t *t = curthread;
	uint64_t x = t->t_rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	t->t_rng = x;
	return (x * 0x2545f4914f6cdd1dull);
}

/* an injected failure, unless the thread is exempt (t_noinject) */
int
shim_inject(uint32_t ppm)
{
	return (curthread->t_noinject == 0 && shim_chance_ppm(ppm));
}

int
shim_chance_ppm(uint32_t ppm)
{
	if (ppm == 0)
		return (0);
	return ((shim_rand() >> 11) % 1000000 < ppm);
}
