/*
 * The per-thread flight recorder: the last FR_SIZE scheduler-seam events of
 * each workload thread, kept so that any failure, free-running or
 * controlled, can show what every thread was doing just before it.
 *
 * A ring has one writer, its own thread, which never waits: it overwrites
 * the oldest event.  It fills an event, then publishes it by advancing
 * fr_head (release), so the events below fr_head are whole.  Readers (the
 * failure report) run while other threads may still record: a reader
 * copies an event, then reads fr_head again and uses the copy only if the
 * writer has not since come round to that slot.  A torn event once named
 * a mutex at 0 (the kind new, the object not yet written) and the report
 * faulted reading that mutex's class.  Under TSan readers read with
 * TSAN_IGNORE_READS so the recorder itself is never reported as a race.
 */
#ifndef _HTBED_FLIGHT_H
#define	_HTBED_FLIGHT_H

#include <stdint.h>

#define	FR_SIZE		256		/* power of two */
#define	FR_PCS		3		/* return addresses kept per event */

struct fr_event {
	uint64_t	fe_when;	/* TSC, or the step in controlled mode */
	uint32_t	fe_kind;	/* seam_ev_t */
	int16_t		fe_cpu;		/* vCPU id */
	int16_t		fe_preempt;	/* t_preempt at the event */
	uint64_t	fe_obj;		/* object: address, or PTE physaddr */
	uint64_t	fe_a;
	uint64_t	fe_b;
	uint64_t	fe_pc[FR_PCS];	/* controlled mode: where in the core,
					 * innermost first (0: no more) */
};

struct fr_ring {
	uint64_t	fr_head;	/* events ever recorded */
	struct fr_event	fr_ev[FR_SIZE];
};

#endif	/* _HTBED_FLIGHT_H */
