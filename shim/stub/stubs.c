/*
 * Kernel interfaces htable.c calls that the testbed deliberately does not
 * emulate: crash dumps, vmem arena population.  Each is a no-op or a
 * constant, and says why.
 */
#include <sys/types.h>
#include <sys/dumphdr.h>
#include <sys/vmem.h>

/* hat_dump() marks page tables for a crash dump; there are no dumps */
void
dump_page(pfn_t pfn)
{
	(void) pfn;
}

/* no thread of the testbed populates a vmem arena */
int
vmem_is_populator(void)
{
	return (0);
}
