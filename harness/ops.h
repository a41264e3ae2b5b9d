/*
 * One op of the workload: an opcode and selectors that the interpreter
 * (harness/ops.c) resolves against the executing worker's own slots.
 */
#ifndef _HARNESS_OPS_H
#define	_HARNESS_OPS_H

#include <stddef.h>
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

/*
 * Ops as bytes, for fuzz inputs and reproducers: a fixed-size record of
 * HB_OP_BYTES bytes, op_code, op_hat, op_a, op_b, op_c, then op_d in
 * three bytes, little-endian.  Every record decodes to an op that every
 * worker can execute (the interpreter reduces each selector modulo what
 * it selects from), and changing one byte changes one selector.
 * hb_op_decode() returns the bytes it consumed: HB_OP_BYTES, or 0 when
 * fewer remain (a trailing partial record is ignored).  hb_op_encode()
 * is its inverse for every op whose selectors fit the record (op_a, op_b
 * and op_c below 256, op_d below 2^24); it returns HB_OP_BYTES.
 */
#define	HB_OP_BYTES	8

extern size_t	hb_op_decode(const uint8_t *, size_t, hb_op_t *);
extern size_t	hb_op_encode(const hb_op_t *, uint8_t *);
extern void	hb_op_make(hb_op_t *, const uint32_t *weights, uint64_t r1,
    uint64_t r2, uint64_t r3);

#endif	/* _HARNESS_OPS_H */
