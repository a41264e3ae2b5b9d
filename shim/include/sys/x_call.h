/*
 * Cross-calls (illumos <sys/x_call.h>) and interrupt masking.
 *
 * xc_call(a1, a2, a3, set, func) runs func(a1, a2, a3) on every vCPU of
 * set and returns once all have run it, as the kernel's does.  Emulated
 * (shim/kern/x_call.c): the calling thread runs the handler itself, as
 * each target in turn -- CPU is the target while it runs, and the thread
 * holds the target's mcpu_intr, as a CPU runs one handler at a time and
 * runs it between two instructions of whatever it was doing.  Code that
 * must not be split by a cross-call runs between intr_clear() and
 * intr_restore(), which hold mcpu_intr of its vCPU: a cross-call to that
 * vCPU waits, as it waits for a CPU with interrupts disabled.  Neither may
 * be held while taking any other kernel lock (lock class "intr").
 *
 * xc_wait_sync(a1, a2, a3, pri, set, func), which the files of illumos
 * 2007-02 to 2007-05-04 use to clear a PTE (x86pte_inval()), is the same
 * call as the kernel of that time made it: every target is held in its
 * handler until all have run func, so none of them runs anything else
 * meanwhile.  Emulated as xc_call(), the calling vCPU first (below, and
 * shim/kern/x_call.c); pri is not modelled (every call is a high-priority
 * one).
 */
#ifndef _SYS_X_CALL_H
#define	_SYS_X_CALL_H

#include <sys/types.h>
#include <sys/cpuvar.h>

typedef uintptr_t	xc_arg_t;
typedef int		(*xc_func_t)(xc_arg_t, xc_arg_t, xc_arg_t);

#define	X_CALL_HIPRI	2	/* a cross-call's priority (not modelled) */

extern void	xc_call(xc_arg_t, xc_arg_t, xc_arg_t, const cpuset_t *,
    xc_func_t);
extern void	xc_wait_sync(xc_arg_t, xc_arg_t, xc_arg_t, int, cpuset_t,
    xc_func_t);
extern ulong_t	intr_clear(void);
extern void	intr_restore(ulong_t);

#endif	/* _SYS_X_CALL_H */
