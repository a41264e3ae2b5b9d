/*
 * Processes, as far as the HAT looks at them (illumos <sys/proc.h>).
 * ptable_alloc() compares the current process with pageout's (NOMEMWAIT);
 * hat_alloc() makes a 32-bit process's hat when the current process is
 * one (p_model).  The testbed's pageout, fsflush and sched are dummies a
 * thread can be attached to.
 */
#ifndef _SYS_PROC_H
#define	_SYS_PROC_H

#include <sys/types.h>
#include <sys/thread.h>

#define	DATAMODEL_ILP32		0x00100000
#define	DATAMODEL_LP64		0x00200000

struct proc {
	const char	*p_name;
	struct as	*p_as;
	uint_t		p_model;	/* DATAMODEL_* */
};

#define	ttoproc(t)	((t)->t_procp)

extern proc_t	*proc_pageout;
extern proc_t	*proc_fsflush;
extern proc_t	*proc_sched;
extern proc_t	p0;

#endif	/* _SYS_PROC_H */
