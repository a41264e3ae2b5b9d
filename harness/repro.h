/*
 * Reproducer files (harness/repro.c): everything a controlled-mode run
 * depends on -- the machine's configuration, the op programs, the
 * strategy and seed, and the schedule actually taken -- so that htreplay
 * re-executes the run exactly.  Plain types; host domain.
 *
 * The format (docs/ARCHITECTURE.md, "Reproducer files"), version 1, is
 * text, one item per line:
 *
 *	htbed-repro 1
 *	core own
 *	config cpus=4 kpm=0 workers=3 hats=2 ...
 *	strategy pct seed=... depth=3 steps=... bound=0 max_steps=...
 *	failure <kind> at <where>
 *	memory windows			(a kpm machine's run used the windows)
 *	walkers idle			(the machine's walkers did not run)
 *	seams access			(the core's loads and stores were seams)
 *	access_code 0x<hex>		(... as this build compiled them:
 *					access_code_hash(), shim/testing/access.c)
 *	fiber <i> <nops>
 *	op <fiber> <name> <hat> <a> <b> <c> <d>
 *	schedule <n> <fiber>[*<count>] ...	(continued on more lines)
 *	checksum <fnv1a-64 of every byte above, hex>
 *
 * Lines starting with '#' are comments.  A file that does not start with
 * the magic, has another version, is cut short or whose checksum does not
 * match is refused with a one-line reason.
 */
#ifndef _HARNESS_REPRO_H
#define	_HARNESS_REPRO_H

#include <stddef.h>
#include <stdint.h>
#include "harness.h"

#define	REPRO_VERSION	1
#define	REPRO_MAGIC	"htbed-repro"

struct hb_repro {
	char		r_core[256];	/* "own", or the HTABLE_C path */
	struct hb_config r_cfg;		/* the machine (weights unused) */
	struct sched_params r_sp;	/* strategy, seed, budget */
	char		r_failure[256];	/* "kind at where", or "" */
	struct hb_program r_prog;
	uint8_t		*r_choices;	/* the schedule (malloc'ed) */
	size_t		r_nchoices;
	uint64_t	r_access_code;	/* read: the writer's access_code, or
					 * 0 (none said); a file is written
					 * with its writer's */
};

extern int	hb_repro_format(const struct hb_repro *, char **buf,
    size_t *len);
extern void	hb_repro_reserve(size_t max_choices);
extern int	hb_repro_write(const char *path, const struct hb_repro *);
extern int	hb_repro_parse(const char *buf, size_t len, struct hb_repro *,
    char *err, size_t errlen);
extern int	hb_repro_read(const char *path, struct hb_repro *, char *err,
    size_t errlen);
extern void	hb_repro_free(struct hb_repro *);
extern uint64_t	hb_repro_checksum(const char *body, size_t len);
/* the core's access seams as this build compiled them (shim/testing/access.c) */
extern uint64_t	access_code_hash(void);
extern int	hb_repro_save_run(const char *path, const struct hb_config *,
    const struct sched_params *, const char *kind, const char *where);

#endif	/* _HARNESS_REPRO_H */
