/*
 * Fibers: user-mode contexts switched on one OS thread, for the
 * controlled-mode scheduler, which runs every workload thread as a fiber
 * and lets exactly one of them run at a time.  A plain interface (only
 * freestanding types), usable from both compilation domains.
 *
 * A fiber is created once, with a stack of its own that has an unmapped
 * guard page below it, and runs many times:
 *
 *	idle --fiber_start--> armed --fiber_switch--> running <--> suspended
 *	  ^                                              |
 *	  +------------- the run ends -------------------+
 *
 * fiber_start(f, fn, arg, ret) arms f; the next fiber_switch(f), by any
 * fiber, begins fn(arg) at the top of f's stack.  A run ends in exactly
 * one of three ways, after which f is idle until armed again:
 *
 *   - fn returns: f switches to `ret' and never comes back;
 *   - f calls fiber_exit_to(to), at any depth: the same, to `to';
 *   - the run is abandoned: fiber_abandon(f), or fiber_start(f) or
 *     fiber_destroy(f) while f is armed or suspended.  A suspended f is
 *     resumed for a moment inside the fiber_switch() it is suspended in,
 *     where, running no code of its own, it unwinds to the bottom of its
 *     stack and switches straight back to the caller.  Its frames are
 *     discarded: nothing that fn had not done yet is done (locks it holds
 *     stay held).
 *
 * The calling OS thread's own context is a fiber too (fiber_self()): it is
 * never idle, and it cannot be armed, abandoned or exited.
 *
 * Each fiber has its own callee-saved registers, stack, MXCSR and x87
 * control word (rounding modes, exception masks); every run starts with
 * the defaults, MXCSR 0x1f80 and control word 0x037f.  A switch is a few
 * dozen instructions and no system call.
 *
 * Rules; breaking one prints a message on stderr and aborts the process:
 *   - fiber_switch(to): `to' is armed or suspended, or is the caller (then
 *     it returns at once);
 *   - fiber_exit_to(to): called by a fiber that fiber_start() armed, `to'
 *     is armed or suspended and not the caller;
 *   - fiber_start, fiber_abandon: not on the caller, not on a thread's own
 *     fiber; `ret' is a fiber other than f;
 *   - fiber_destroy: not on the caller, except for the thread's own fiber,
 *     which only it destroys, after the others (a thread that exits
 *     without doing so leaks it);
 *   - fibers that switch to one another stay on one OS thread.
 *
 * Sanitizers (nothing to do for the caller; what they will see):
 *   ThreadSanitizer: a fiber is one TSan thread for its whole life,
 *     named after it.  A switch creates no happens-before, so accesses of
 *     two fibers are ordered only by the program's own synchronisation and
 *     races between fibers are reported.  Runs are ordered like threads:
 *     what the fiber that calls fiber_start(f) did before it happens
 *     before f's run (as thread creation), and f's run happens before
 *     what the fiber it ends into (`ret', `to', or the caller of
 *     fiber_abandon) does after (as a join).  So end every run of one
 *     round (fiber_abandon the stuck ones) before arming the next round,
 *     or the next round races with the previous one's leftovers.  A
 *     fork() while fibers exist is a fork of a multithreaded process to
 *     TSan: the child reports no races.
 *   AddressSanitizer: every switch tells ASan which stack is current, and
 *     a run that ends releases its fake stack (detect_stack_use_after_return)
 *     and unpoisons its stack.
 */
#ifndef _HTBED_FIBER_H
#define	_HTBED_FIBER_H

#include <stddef.h>

typedef struct fiber fiber_t;

/* usable stack when fiber_create() is given 0; ASan builds map 4 times it */
#define	FIBER_STACK_DEFAULT	(256 * 1024)

/* the calling OS thread's own context, as a fiber (made on first call) */
extern fiber_t	*fiber_self(void);

/* the running fiber (the thread's own if no other has run) */
extern fiber_t	*fiber_current(void);

/* an idle fiber; name (copied) is for TSan reports and debuggers */
extern fiber_t	*fiber_create(size_t stack_bytes, const char *name);

/* arm f: the next switch to it runs fn(arg), then switches to ret */
extern void	fiber_start(fiber_t *f, void (*fn)(void *), void *arg,
    fiber_t *ret);

/* end f's run, if it has one, where it stands; f is idle afterwards */
extern void	fiber_abandon(fiber_t *f);

/* suspend the caller, run `to' */
extern void	fiber_switch(fiber_t *to);

/* end the caller's run and run `to' */
extern void	fiber_exit_to(fiber_t *to) __attribute__((noreturn));

/* abandon f's run, unmap its stack, free it */
extern void	fiber_destroy(fiber_t *f);

/* the usable size of f's stack in bytes (0 for a thread's own fiber) */
extern size_t	fiber_stack_size(const fiber_t *f);

#endif	/* _HTBED_FIBER_H */
