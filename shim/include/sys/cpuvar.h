/*
 * CPUs (illumos <sys/cpuvar.h>).  The testbed emulates --cpus N of them
 * (vCPUs), also on a 2-core host.  CPU is the vCPU of the current thread.
 * Several threads may share a vCPU, as a pinned thread and the interrupt
 * thread that preempted it do; they then share its hat_cpu_info, its page
 * table windows and its hci_mutex.
 */
#ifndef _SYS_CPUVAR_H
#define	_SYS_CPUVAR_H

#include <sys/types.h>
#include <sys/machparam.h>
#include <sys/thread.h>
#include <sys/mutex.h>

struct hat;
struct hat_cpu_info;

typedef struct cpuset {
	ulong_t		cpub[NCPU / 64];
} cpuset_t;

/*
 * CPU sets.  A hat's hat_cpus is changed by each CPU for itself with the
 * atomic forms (their users include <sys/atomic.h>) and read by others (a
 * shootdown's targets), so the plain forms are for sets no other CPU
 * touches, and membership is read atomically.
 */
#define	CPUSET_WORD(c)		((c) / 64)
#define	CPUSET_BIT(c)		(1ul << ((c) % 64))
#define	CPUSET_ZERO(s)		__builtin_memset(&(s), 0, sizeof (cpuset_t))
#define	CPUSET_ADD(s, c)	((s).cpub[CPUSET_WORD(c)] |= CPUSET_BIT(c))
#define	CPUSET_DEL(s, c)	((s).cpub[CPUSET_WORD(c)] &= ~CPUSET_BIT(c))
#define	CPU_IN_SET(s, c)						\
	((__atomic_load_n(&(s).cpub[CPUSET_WORD(c)], __ATOMIC_RELAXED) &	\
	CPUSET_BIT(c)) != 0)
#define	CPUSET_ATOMIC_ADD(s, c)						\
	atomic_or_ulong(&(s).cpub[CPUSET_WORD(c)], CPUSET_BIT(c))
#define	CPUSET_ATOMIC_DEL(s, c)						\
	atomic_and_ulong(&(s).cpub[CPUSET_WORD(c)], ~CPUSET_BIT(c))
/* s |= from, a private set s: from's words are read as membership is */
#define	CPUSET_OR(s, from)	{					\
	int _w;								\
	for (_w = 0; _w < NCPU / 64; _w++)				\
		(s).cpub[_w] |= __atomic_load_n(&(from).cpub[_w],	\
		    __ATOMIC_RELAXED);					\
}

/*
 * mcpu_current_hat is the hat the CPU runs: changed only by hat_switch()
 * on that CPU, read by cross-calls and the MMU emulation.  mcpu_intr (not
 * an illumos field) stands for the CPU taking interrupts: a cross-call
 * to the CPU runs its handler with it held, and so does code that runs
 * with interrupts disabled (intr_clear()): sys/x_call.h.
 */
struct machcpu {
	struct hat_cpu_info	*mcpu_hat_info;
	struct hat		*mcpu_current_hat;
	kmutex_t		mcpu_intr;
};

struct cpu {
	processorid_t	cpu_id;
	struct machcpu	cpu_m;
};

#define	cpu_hat_info		cpu_m.mcpu_hat_info
#define	cpu_current_hat		cpu_m.mcpu_current_hat

extern cpu_t	*cpu[NCPU];
extern int	ncpus;

#define	CPU	(curthread->t_cpu)

#endif	/* _SYS_CPUVAR_H */
