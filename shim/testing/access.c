/*
 * Access seams: every load and store the core (htable.c, the HAT) makes
 * of shared kernel memory is a scheduler-seam point, so that controlled
 * mode, the fuzzer and free-running perturbation can switch threads
 * between two plain accesses -- a check and the read it guards, a read
 * and the write back -- where no lock, atomic or window lies between.
 *
 * The core's objects are compiled with clang's SanitizerCoverage load and
 * store callbacks (-fsanitize-coverage=...,trace-loads,trace-stores, the
 * Makefile); this file, compiled without them, defines the callbacks.
 * Shared means the kernel arena (kmem: htables, hats, hments), the
 * kernel image's data and bss (globals of the core and the shim), and
 * page-table frames through kpm or a window; anything else (a stack, the
 * testbed's own memory) is no seam.  With seam_access off (the default,
 * and free-running without --seams access) a callback is a load and a
 * branch.
 */
#include <sys/types.h>
#include <htbed/seam.h>
#include <htbed/sched.h>
#include <htbed/shim.h>
#include <htbed/written.h>

int seam_access;

extern char __start_htbed_kdata[], __stop_htbed_kdata[];
extern char __start_htbed_kbss[], __stop_htbed_kbss[];

#define	NRANGES	5
static uintptr_t range_lo[NRANGES], range_hi[NRANGES];

/* the ranges of shared memory, once the machine has its memory */
void
access_ranges_init(void)
{
	char *base, *brk, *hwm, *win;
	size_t winlen;
	uintptr_t lo[NRANGES], hi[NRANGES];
	int i;

	shim_arena_range(&base, &brk, &hwm);
	lo[0] = (uintptr_t)base;
	hi[0] = (uintptr_t)base + shim_arena_size();
	lo[1] = (uintptr_t)__start_htbed_kdata;
	hi[1] = (uintptr_t)__stop_htbed_kdata;
	lo[2] = (uintptr_t)__start_htbed_kbss;
	hi[2] = (uintptr_t)__stop_htbed_kbss;
	lo[3] = (uintptr_t)SHIM_FRAME_VA(shim_pt_first);
	hi[3] = (uintptr_t)SHIM_FRAME_VA(shim_pt_last + 1);
	shim_windows_range(&win, &winlen);
	lo[4] = (uintptr_t)win;
	hi[4] = (uintptr_t)win + winlen;
	for (i = 0; i < NRANGES; i++) {
		range_lo[i] = lo[i];
		range_hi[i] = hi[i];
	}
	written_init();
}

static inline int
shared(const void *p)
{
	uintptr_t a = (uintptr_t)p;
	int i;

	for (i = 0; i < NRANGES; i++)
		if (a - range_lo[i] < range_hi[i] - range_lo[i])
			return (1);
	return (0);
}

/*
 * Reads-from feedback (fuzzing, after RFF, ASPLOS 2024): for each word of
 * shared memory, the code site and thread that last stored to it in this
 * run; a load of a word another thread stored to makes the pair (store
 * site, load site) a feature of the run (sched_feature()).  A table of
 * RF_SLOTS words indexed by address: a collision forgets the older word,
 * which can only lose a pair.  Entries of earlier runs are told apart by
 * the run's generation, so a run starts without clearing the table.
 */
#define	RF_SLOTS	(1u << 14)

struct rf_slot {
	uintptr_t	rs_addr;	/* the word (8-byte aligned) */
	uintptr_t	rs_site;	/* the store's return address */
	uintptr_t	rs_told;	/* the load site last told of it */
	uint32_t	rs_gen;
	int		rs_tid;
};

int seam_rf;
static struct rf_slot rf_table[RF_SLOTS];
static uint32_t rf_gen;

void
access_run_begin(void)
{
	if (++rf_gen == 0) {
		__builtin_memset(rf_table, 0, sizeof (rf_table));
		rf_gen = 1;
	}
}

/*
 * A word's slot: neighbouring words in neighbouring slots, so that the
 * accesses of a loop over a table or a structure share cache lines of
 * the table (scattered, each access missed the cache, and the lookup cost
 * a tenth of a fuzz run); each 128 KiB of memory is laid over the table
 * differently, so that memory a table's size apart seldom collides.
 */
static inline uint32_t
rf_index(uintptr_t w)
{
	uint64_t word = w >> 3, block = word / RF_SLOTS;

	return ((uint32_t)((word ^ (block * 0x9e3779b1u)) % RF_SLOTS));
}

static void
reads_from(seam_ev_t ev, const void *p, uintptr_t site)
{
	uintptr_t w = (uintptr_t)p & ~(uintptr_t)7;
	struct rf_slot *s = &rf_table[rf_index(w)];
	int tid = curthread->t_tid;

	if (ev == EV_STORE) {
		*s = (struct rf_slot){ w, site, 0, rf_gen, tid };
	} else if (s->rs_gen == rf_gen && s->rs_addr == w &&
	    s->rs_tid != tid && s->rs_told != site) {
		s->rs_told = site;
		sched_feature(EV_LOAD, s->rs_site, site);
	}
}

static inline void
access(seam_ev_t ev, const void *p, uint64_t n, uintptr_t site)
{
	if (__builtin_expect(seam_access, 0) && shared(p)) {
		if (seam_rf && curthread != NULL)
			reads_from(ev, p, site);
		seam(ev, p, n, 0);
	}
}

#define	SITE	((uintptr_t)__builtin_return_address(0))
#define	CALLBACKS(n, type)						\
	void __sanitizer_cov_load##n(type *p) {				\
		access(EV_LOAD, p, n, SITE);				\
	}								\
	void __sanitizer_cov_store##n(type *p) {			\
		written_note(p, n);					\
		access(EV_STORE, p, n, SITE);				\
	}

CALLBACKS(1, uint8_t)
CALLBACKS(2, uint16_t)
CALLBACKS(4, uint32_t)
CALLBACKS(8, uint64_t)
CALLBACKS(16, __int128)

/*
 * What the compiler made of the core's accesses: a hash of where in the
 * core's code (htbed_core_text, seam.h) each call of a load or store
 * callback lies and which callback it calls.  The access seams of a run
 * are the loads and stores the compiler left, and ASan's, the fuzzer's
 * and the optimiser's choices move and remove them, so two builds run an
 * access-seams schedule alike only where this agrees; a reproducer
 * records it (harness/repro.c).  0: no core text apart, or no calls.
 * Read once (the code does not change).
 */
uint64_t
access_code_hash(void)
{
	static uint64_t code;
	static int known;

	const uintptr_t callback[] = {
		(uintptr_t)__sanitizer_cov_load1, (uintptr_t)__sanitizer_cov_load2,
		(uintptr_t)__sanitizer_cov_load4, (uintptr_t)__sanitizer_cov_load8,
		(uintptr_t)__sanitizer_cov_load16,
		(uintptr_t)__sanitizer_cov_store1,
		(uintptr_t)__sanitizer_cov_store2,
		(uintptr_t)__sanitizer_cov_store4,
		(uintptr_t)__sanitizer_cov_store8,
		(uintptr_t)__sanitizer_cov_store16,
	};
	const uint8_t *lo = (const uint8_t *)__start_htbed_core_text;
	const uint8_t *hi = (const uint8_t *)__stop_htbed_core_text, *p;
	uint64_t h = 0xcbf29ce484222325ull, calls = 0;
	int32_t rel;
	size_t k;

	if (known)
		return (code);
	for (p = lo; lo < hi && p + 5 <= hi; p++) {
		if (*p != 0xe8)		/* call rel32 */
			continue;
		__builtin_memcpy(&rel, p + 1, 4);
		for (k = 0; k < sizeof (callback) / sizeof (callback[0]); k++) {
			if ((uintptr_t)(p + 5 + rel) != callback[k])
				continue;
			h = (h ^ ((uint64_t)(p - lo) << 4 | k)) *
			    0x100000001b3ull;
			calls++;
		}
	}
	code = calls != 0 ? h : 0;
	known = 1;
	return (code);
}

