/*
 * illumos <sys/x86_archext.h>: of it, the code under test uses only what
 * it includes, <sys/controlregs.h> (CR4_PCIDE in KPTI files); the header
 * exists so that an unmodified htable.c finds it here rather than in the
 * host's /usr/include.
 */
#ifndef _SYS_X86_ARCHEXT_H
#define	_SYS_X86_ARCHEXT_H

#include <sys/types.h>
#include <sys/controlregs.h>

#endif	/* _SYS_X86_ARCHEXT_H */
