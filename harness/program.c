/*
 * Op programs: one list of ops per fiber, for controlled-mode runs and
 * fuzz inputs.  Fiber i runs its ops as worker i (harness/ops.c), on the
 * slots worker i owns.
 */
#include <sys/types.h>
#include "harness.h"

static uint64_t
splitmix(uint64_t *s)
{
	uint64_t x = (*s += 0x9e3779b97f4a7c15ull);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return (x ^ (x >> 31));
}

/* nfibers lists of nops ops of the weighted mix, all from seed */
void
hb_program_random(struct hb_program *p, uint64_t seed, int nfibers,
    int nops, const uint32_t *weights)
{
	uint64_t s = seed, r1, r2;
	int f, i;

	__builtin_memset(p, 0, sizeof (*p));
	p->hp_nfibers = nfibers;
	for (f = 0; f < nfibers; f++) {
		p->hp_nops[f] = nops;
		for (i = 0; i < nops; i++) {
			r1 = splitmix(&s);
			r2 = splitmix(&s);
			hb_op_make(&p->hp_ops[f][i], weights, r1, r2,
			    splitmix(&s));
		}
	}
}

int
hb_program_ops(const struct hb_program *p)
{
	int f, n = 0;

	for (f = 0; f < p->hp_nfibers; f++)
		n += p->hp_nops[f];
	return (n);
}
