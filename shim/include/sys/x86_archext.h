/*
 * illumos <sys/x86_archext.h>: of it, the code under test uses only what
 * it includes, <sys/controlregs.h> (CR4_PCIDE in KPTI files), and in the
 * 2005 files x86_feature's X86_SSE2 bit; the header
 * exists so that an unmodified htable.c finds it here rather than in the
 * host's /usr/include.
 */
#ifndef _SYS_X86_ARCHEXT_H
#define	_SYS_X86_ARCHEXT_H

#include <sys/types.h>
#include <sys/controlregs.h>

#if HTBED_ERA == 2005
/* the CPU's features: the 2005 files zero page tables by SSE2 if it has it */
#define	X86_SSE2	0x00001000
extern uint_t	x86_feature;
#endif

#endif	/* _SYS_X86_ARCHEXT_H */
