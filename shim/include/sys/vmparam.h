/*
 * illumos <sys/vmparam.h>: the user/kernel split lives in <sys/machparam.h>
 * (kernelbase); nothing else here is used.
 */
#ifndef _SYS_VMPARAM_H
#define	_SYS_VMPARAM_H

#include <sys/machparam.h>

#endif	/* _SYS_VMPARAM_H */
