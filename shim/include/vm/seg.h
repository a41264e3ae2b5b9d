/*
 * illumos <vm/seg.h>: segments are not modelled; the harness plays the
 * segment drivers' part.  Present so that an unmodified htable.c finds it.
 */
#ifndef _VM_SEG_H
#define	_VM_SEG_H

#include <sys/types.h>

#endif	/* _VM_SEG_H */
