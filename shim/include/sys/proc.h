/*
 * Processes, as far as the HAT looks at them (illumos <sys/proc.h>).
 * ptable_alloc() compares the current process with pageout's (NOMEMWAIT);
 * the testbed's pageout, fsflush and sched are dummies a thread can be
 * attached to.
 */
#ifndef _SYS_PROC_H
#define	_SYS_PROC_H

#include <sys/types.h>
#include <sys/thread.h>

struct proc {
	const char	*p_name;
	struct as	*p_as;
};

#define	ttoproc(t)	((t)->t_procp)

extern proc_t	*proc_pageout;
extern proc_t	*proc_fsflush;
extern proc_t	*proc_sched;
extern proc_t	p0;

#endif	/* _SYS_PROC_H */
