/*
 * Machine-dependent system routines (illumos <sys/machsystm.h>), the
 * non-Xen amd64 subset: no hypervisor, so the XPV hooks are empty and the
 * "in Xen panic" and "hypervisor VA" tests are constant false.
 */
#ifndef _SYS_MACHSYSTM_H
#define	_SYS_MACHSYSTM_H

#include <sys/types.h>

#define	IN_XPV_PANIC()			(0)
#define	IN_HYPERVISOR_VA(va)		(0)
#define	XPV_DISALLOW_MIGRATE()
#define	XPV_ALLOW_MIGRATE()

#endif	/* _SYS_MACHSYSTM_H */
