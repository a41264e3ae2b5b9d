/*
 * Control registers (illumos <sys/controlregs.h>): the CR4 bit the KPTI
 * files test.  The emulated CPUs never set it (getcr4() returns 0): PCID
 * would tag TLB entries of the per-CPU windows by address space, which
 * their protocol does not allow.
 */
#ifndef _SYS_CONTROLREGS_H
#define	_SYS_CONTROLREGS_H

#define	CR4_PCIDE	0x20000		/* process-context identifiers */

#endif	/* _SYS_CONTROLREGS_H */
