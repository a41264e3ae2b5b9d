/*
 * The kernel's segment: kvp names page-table pages; hat_memload_arena is
 * the vmem arena htable_cache draws from (illumos <vm/seg_kmem.h>).
 */
#ifndef _VM_SEG_KMEM_H
#define	_VM_SEG_KMEM_H

#include <sys/types.h>
#include <sys/vmem.h>
#include <sys/vnode.h>
#include <vm/as.h>

extern struct vnode	kvp;
extern vmem_t		*hat_memload_arena;

#endif	/* _VM_SEG_KMEM_H */
