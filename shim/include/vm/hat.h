/*
 * The machine-independent HAT interface (illumos <vm/hat.h>), as far as
 * the testbed's HAT (core/hat.c) implements it.
 */
#ifndef _VM_HAT_H
#define	_VM_HAT_H

#include <sys/types.h>
#include <sys/mman.h>
#include <vm/page.h>

struct hat;
struct as;

/* hat_memload() flags */
#define	HAT_LOAD		0x00
#define	HAT_LOAD_LOCK		0x01
#define	HAT_LOAD_ADV		0x04
#define	HAT_LOAD_CONTIG		0x10
#define	HAT_LOAD_NOCONSIST	0x20
#define	HAT_LOAD_SHARE		0x40
#define	HAT_LOAD_REMAP		0x80

/* hat_unload() flags */
#define	HAT_UNLOAD		0x00
#define	HAT_UNLOAD_NOSYNC	0x02
#define	HAT_UNLOAD_UNLOCK	0x04
#define	HAT_UNLOAD_OTHER	0x08
#define	HAT_UNLOAD_UNMAP	0x10

/* hat_pageunload() */
#define	HAT_ADV_PGUNLOAD	0x00
#define	HAT_FORCE_PGUNLOAD	0x01

/* attributes beyond PROT_* */
#define	HAT_NOSYNC		0x10000

extern void	hat_init(void);
extern struct hat *hat_alloc(struct as *);
extern void	hat_free_start(struct hat *);
extern void	hat_free_end(struct hat *);
extern void	hat_memload(struct hat *, caddr_t, page_t *, uint_t, uint_t);
extern void	hat_memload_array(struct hat *, caddr_t, size_t, page_t **,
    uint_t, uint_t);
extern void	hat_unload(struct hat *, caddr_t, size_t, uint_t);
extern void	hat_unlock(struct hat *, caddr_t, size_t);
extern int	hat_share(struct hat *, caddr_t, struct hat *, caddr_t, size_t,
    uint_t);
extern void	hat_unshare(struct hat *, caddr_t, size_t, uint_t);
extern void	hat_swapout(struct hat *);
extern int	hat_pageunload(page_t *, uint_t);
extern pfn_t	hat_getpfnum(struct hat *, caddr_t);
extern void	hat_enter(struct hat *);
extern void	hat_exit(struct hat *);

#endif	/* _VM_HAT_H */
