/*
 * hments: the list of mappings of each page, with its per-page mapping
 * list lock (illumos <vm/hment.h>).  The HAT's core/hment.c implements
 * them; htable.c only calls hment_adjust_reserve().
 */
#ifndef _VM_HMENT_H
#define	_VM_HMENT_H

#include <sys/types.h>

struct page;
struct htable;
typedef struct hment hment_t;

extern void	x86_hm_enter(struct page *);
extern void	x86_hm_exit(struct page *);
extern int	x86_hm_held(struct page *);
extern hment_t	*hment_prepare(struct htable *, uint_t, struct page *);
extern void	hment_assign(struct htable *, uint_t, struct page *, hment_t *);
extern hment_t	*hment_remove(struct page *, struct htable *, uint_t);
extern void	hment_free(hment_t *);
extern hment_t	*hment_walk(struct page *, struct htable **, uint_t *,
    hment_t *);
extern void	hment_adjust_reserve(void);

#endif	/* _VM_HMENT_H */
