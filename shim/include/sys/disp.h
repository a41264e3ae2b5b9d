/*
 * Preemption control (illumos <sys/disp.h>).  kpreempt_disable() and
 * kpreempt_enable() keep curthread->t_preempt; a thread changes vCPU only at
 * a scheduler-seam point while that count is zero.  Re-enabling preemption
 * is itself a seam point.
 */
#ifndef _SYS_DISP_H
#define	_SYS_DISP_H

extern void	kpreempt_disable(void);
extern void	kpreempt_enable(void);

#endif	/* _SYS_DISP_H */
