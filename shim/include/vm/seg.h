/*
 * illumos <vm/seg.h>: segments are not modelled; the harness plays the
 * segment drivers' part.  Present so that an unmodified htable.c finds it.
 */
#ifndef _VM_SEG_H
#define	_VM_SEG_H

#include <sys/types.h>

#if HTBED_ERA == 2005
/*
 * ptable_alloc() of the 2005 files passes page_create_va() a segment of
 * its own, which names nothing the testbed uses
 */
struct seg {
	caddr_t		s_base;
	size_t		s_size;
	struct as	*s_as;
};
#endif

#endif	/* _VM_SEG_H */
