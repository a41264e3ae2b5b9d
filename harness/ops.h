/*
 * One op of the workload: an opcode and selectors that the interpreter
 * (harness/ops.c) resolves against the executing worker's own slots.
 */
#ifndef _HARNESS_OPS_H
#define	_HARNESS_OPS_H

#include <stdint.h>

typedef struct hb_op {
	uint8_t		op_code;	/* enum hb_opcode (mod HB_NOPS) */
	uint8_t		op_hat;		/* address space selector */
	uint16_t	op_a;		/* unit selector */
	uint16_t	op_b;		/* page in the unit */
	uint16_t	op_c;		/* run length */
	uint32_t	op_d;		/* data page selector */
} hb_op_t;

extern void	hb_exec(int worker, const hb_op_t *);
extern void	hb_op_random(hb_op_t *);

#endif	/* _HARNESS_OPS_H */
