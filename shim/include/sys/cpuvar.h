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

struct hat;
struct hat_cpu_info;

typedef struct cpuset {
	ulong_t		cpub[NCPU / 64];
} cpuset_t;

struct machcpu {
	struct hat_cpu_info	*mcpu_hat_info;
	struct hat		*mcpu_current_hat;
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
