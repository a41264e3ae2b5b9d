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
 */
#ifndef _SYS_X_CALL_H
#define	_SYS_X_CALL_H

#include <sys/types.h>

typedef uintptr_t	xc_arg_t;
typedef int		(*xc_func_t)(xc_arg_t, xc_arg_t, xc_arg_t);

struct cpuset;

extern void	xc_call(xc_arg_t, xc_arg_t, xc_arg_t, const struct cpuset *,
    xc_func_t);
extern ulong_t	intr_clear(void);
extern void	intr_restore(ulong_t);

#endif	/* _SYS_X_CALL_H */
