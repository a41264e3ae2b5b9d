/*
 * Grace periods of the emulated MMU (gp.c): a walker translates inside a
 * read-side critical section; gp_synchronize() returns once every section
 * that had begun when it was called has ended; gp_defer() runs fn(pfn)
 * after such a grace period.  Private to shim/hw.
 */
#ifndef _HW_GP_H
#define	_HW_GP_H

#include <sys/types.h>

extern void	gp_init(uint64_t nframes);
extern void	gp_enter(int w);
extern void	gp_exit(int w);
extern void	gp_synchronize(void);
extern void	gp_defer(pfn_t, void (*fn)(pfn_t));
extern uint64_t	gp_deferred(void);

#endif	/* _HW_GP_H */
