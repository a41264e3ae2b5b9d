/*
 * Crash dump interfaces: hat_dump() marks page tables for the dump.
 * Stubbed: the testbed never dumps.
 */
#ifndef _SYS_DUMPHDR_H
#define	_SYS_DUMPHDR_H

#include <sys/types.h>

extern void dump_page(pfn_t);

#endif	/* _SYS_DUMPHDR_H */
