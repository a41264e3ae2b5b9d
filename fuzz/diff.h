/*
 * The differential engine (fuzz/diff.c): two complete testbed instances in
 * one process, "own" (core/htable.c) and "ref" (an unmodified illumos
 * htable.c), each with its own emulated kernel, run the same
 * single-threaded op program and are compared after every op.  Host
 * domain; fuzz/fuzz.mk says how the instances are built.
 */
#ifndef _FUZZ_DIFF_H
#define	_FUZZ_DIFF_H

#include <stddef.h>
#include <stdint.h>

/* the longest program run, in ops; longer inputs are cut */
#define	HD_MAX_OPS	256

struct hd_result {
	int		hr_ops;		/* ops run */
	int		hr_diff_op;	/* first op after which they differ, or -1 */
	char		*hr_report;	/* what differs (malloc'd), or NULL */
	/* what the program made htable.c do (hatstat at its end) */
	unsigned long	hr_steals;	/* htable_steal() for allocation */
	unsigned long	hr_reap_attempts;	/* htable_reap() calls */
	unsigned long	hr_reaped;	/* htables freed by reaping */
};

/* boot both instances; 0, or -1 with a message on stderr */
extern int	hd_boot(void);

/*
 * Run the program (HB_OP_BYTES-byte records) on both instances, each from
 * its state right after boot, comparing after every op.  Returns 0 if
 * they agree throughout, 1 at the first difference (described in
 * result->hr_report), -1 before hd_boot().
 */
extern int	hd_run(const uint8_t *prog, size_t len, struct hd_result *);

extern void	hd_result_free(struct hd_result *);

/* a random program of nops ops, the op mix of the differential test */
extern size_t	hd_program_random(uint64_t seed, int nops, uint8_t *buf);

/* describe op i of a program, for reports */
extern void	hd_op_describe(const uint8_t *rec, char *buf, size_t len);

#endif	/* _FUZZ_DIFF_H */
