/*
 * Virtual memory arenas: only the type and the populator test the HAT
 * reads (illumos <sys/vmem.h>).
 */
#ifndef _SYS_VMEM_H
#define	_SYS_VMEM_H

typedef struct vmem vmem_t;

/* non-zero while the current thread populates a vmem arena */
extern int	vmem_is_populator(void);

#endif	/* _SYS_VMEM_H */
