/*
 * Vnodes, only as the identity that names pages (illumos <sys/vnode.h>).
 */
#ifndef _SYS_VNODE_H
#define	_SYS_VNODE_H

typedef struct vnode {
	const char	*v_path;
} vnode_t;

#endif	/* _SYS_VNODE_H */
