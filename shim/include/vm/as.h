/*
 * Address spaces, reduced to what the HAT touches (illumos <vm/as.h>).
 * kas is the kernel's address space: kas.a_hat is the kernel hat and the
 * head of the list of user hats.
 */
#ifndef _VM_AS_H
#define	_VM_AS_H

#include <sys/types.h>
#include <sys/rwlock.h>

struct hat;

struct as {
	struct hat	*a_hat;
	krwlock_t	a_lock;
	caddr_t		a_userlimit;	/* the end of its user addresses */
};

extern struct as kas;

#endif	/* _VM_AS_H */
