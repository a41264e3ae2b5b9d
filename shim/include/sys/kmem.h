/*
 * The kernel memory allocator (illumos <sys/kmem.h>), emulated in
 * shim/kern/kmem.c: new objects are filled with junk and freed ones with
 * poison (checked for writes-after-free when they leave quarantine);
 * KM_NOSLEEP allocations can be made to fail; each cache keeps its reclaim
 * callback, which kmem_reap() runs from the reaper thread, as the kernel's
 * kmem_reap() does asynchronously.
 */
#ifndef _SYS_KMEM_H
#define	_SYS_KMEM_H

#include <sys/types.h>
#include <sys/vmem.h>

#define	KM_SLEEP	0x0000
#define	KM_NOSLEEP	0x0001
#define	KM_PANIC	0x0002

#define	KMC_NOTOUCH	0x00010000
#define	KMC_NODEBUG	0x00020000
#define	KMC_NOMAGAZINE	0x00040000
#define	KMC_NOHASH	0x00080000

typedef struct kmem_cache kmem_cache_t;

extern kmem_cache_t *kmem_cache_create(char *name, size_t size, size_t align,
    int (*ctor)(void *, void *, int), void (*dtor)(void *, void *),
    void (*reclaim)(void *), void *priv, vmem_t *vmp, int cflags);
extern void	kmem_cache_destroy(kmem_cache_t *);
extern void	*kmem_cache_alloc(kmem_cache_t *, int kmflag);
extern void	kmem_cache_free(kmem_cache_t *, void *);
extern void	kmem_cache_reap_now(kmem_cache_t *);
extern void	*kmem_alloc(size_t, int kmflag);
extern void	*kmem_zalloc(size_t, int kmflag);
extern void	kmem_free(void *, size_t);
extern void	kmem_reap(void);

#endif	/* _SYS_KMEM_H */
