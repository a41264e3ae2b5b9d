/*
 * A canonical dump of everything htable.c leaves observable
 * (harness/dump.c), and the saved machine (harness/machine.c), for the
 * differential test: two builds of the testbed,
 * one with the project's htable.c and one with an unmodified illumos
 * htable.c, run the same single-threaded op program, and after every op
 * their dumps must be equal line for line.  Plain types only: the drivers
 * are host-domain code.
 */
#ifndef _HARNESS_DUMP_H
#define	_HARNESS_DUMP_H

#include <stdint.h>

typedef void	hb_dump_fn_t(void *arg, const char *line);

/*
 * Emit one line (no newline) per observable item, in a canonical order.
 * With detail 0 a table's entries are folded into one digest per table;
 * with detail 1 every non-zero entry has its own line.
 */
extern void	hb_dump(int detail, hb_dump_fn_t *emit, void *arg);

/*
 * Save the machine at a quiescent point after boot, and put it back as it
 * was then (harness/machine.c): every program a driver runs in between
 * starts from the same state.
 */
extern void	hb_machine_save(void);
extern void	hb_machine_restore(void);

#endif	/* _HARNESS_DUMP_H */
