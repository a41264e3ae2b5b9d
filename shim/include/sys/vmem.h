/*
 * Virtual memory arenas: only the type and the populator test the HAT
 * reads (illumos <sys/vmem.h>); and for x86pte_cpu_init() of the 2005
 * files, heap_arena's vmem_xalloc() of a CPU's three window pages.
 */
#ifndef _SYS_VMEM_H
#define	_SYS_VMEM_H

#include <sys/types.h>

typedef struct vmem vmem_t;

#if HTBED_ERA == 2005
#define	VM_SLEEP	0x00000000
#define	VM_NOSLEEP	0x00000001

extern vmem_t	*heap_arena;
extern void	*vmem_xalloc(vmem_t *, size_t, size_t, size_t, size_t,
    void *, void *, int);
#endif

/* non-zero while the current thread populates a vmem arena */
extern int	vmem_is_populator(void);

#endif	/* _SYS_VMEM_H */
