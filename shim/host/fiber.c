/*
 * Fibers on one OS thread (htbed/fiber.h): stacks, the run life cycle, and
 * what the sanitizers must be told.  The register switch is fiber_swap()
 * in fiber_switch.S.
 *
 * Invariants, per OS thread:
 *   - fiber_cur is the fiber whose code runs, and the only one in state
 *     FS_RUNNING; it is NULL until the thread's first fiber_self().
 *   - a suspended fiber is stopped in fiber_transfer(), in its call of
 *     fiber_swap(), with its frame at f_sp; an armed fiber has at f_sp the
 *     frame fiber_start() wrote, which returns into fiber_main().
 *   - while a run is in its fn, f_unwind holds the bottom of the run
 *     (fiber_main()); ending the run early is a siglongjmp() there, so
 *     the sanitizers unwind the run's frames as they would an exception.
 *   - a fiber with f_stack == NULL is a thread's own: never idle, never
 *     armed.
 *
 * ThreadSanitizer: the bookkeeping below is shared by fibers with no
 * happens-before between them (a switch creates none), which is right
 * because one fiber runs at a time; TSan must not see it.  So nothing in
 * this file is instrumented (NOTSAN), which also keeps fiber_main() and
 * fiber_transfer(), whose frames are abandoned when a run ends, off the
 * fibers' TSan shadow stacks.  The run boundaries are the only
 * synchronisation: fiber_start() releases on the fiber, fiber_main()
 * acquires it, and the switch that ends a run is a synchronising one.
 */
#define	_GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "htbed/fiber.h"
#include "htbed/sanitizer.h"

#ifdef HTBED_TSAN
#if defined(__clang__)
#define	NOTSAN	__attribute__((disable_sanitizer_instrumentation))
#else
#define	NOTSAN	__attribute__((no_sanitize_thread))
#endif
/* declared here too: not every compiler's tsan_interface.h has them */
void	*__tsan_get_current_fiber(void);
void	*__tsan_create_fiber(unsigned);
void	__tsan_destroy_fiber(void *);
void	__tsan_switch_to_fiber(void *, unsigned);
void	__tsan_set_fiber_name(void *, const char *);
#define	TSAN_SWITCH_NO_SYNC	1	/* __tsan_switch_to_fiber_no_sync */
#else
#define	NOTSAN
#endif

#ifdef HTBED_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define	FIBER_STACK_SCALE	4	/* redzones make frames larger */
#else
#define	FIBER_STACK_SCALE	1
#endif

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define	FIBER_VALGRIND	1
#endif

#define	MXCSR_DEFAULT	0x1f80		/* all exceptions masked, nearest */
#define	FPUCW_DEFAULT	0x037f		/* the same, extended precision */

typedef enum fiber_state {
	FS_IDLE,
	FS_ARMED,
	FS_RUNNING,
	FS_SUSPENDED
} fiber_state_t;

static const char *const fiber_state_name[] = {
	"idle", "armed", "running", "suspended"
};

/* what fiber_swap() pops (fiber_switch.S), and fiber_main()'s return */
struct fiber_frame {
	uint32_t	ff_mxcsr;
	uint16_t	ff_fpucw;
	uint16_t	ff_unused;
	uint64_t	ff_r15, ff_r14, ff_r13, ff_r12, ff_rbx, ff_rbp;
	void		(*ff_ret)(void);
	void		*ff_ret_of_main;	/* 0: the end of backtraces */
};
_Static_assert(sizeof (struct fiber_frame) == 72, "fiber_switch.S frame");

struct fiber {
	void		*f_sp;		/* its frame, while armed or suspended */
	fiber_state_t	f_state;
	int		f_unwinding;	/* resumed only to end its run */
	char		*f_stack;	/* usable stack; NULL: a thread's own */
	size_t		f_size;
	void		(*f_fn)(void *);
	void		*f_arg;
	fiber_t		*f_exit_to;	/* where the run goes when it ends */
	sigjmp_buf	f_unwind;	/* the bottom of the run */
#ifdef HTBED_TSAN
	void		*f_tsan;	/* its TSan thread, for life */
#endif
#ifdef HTBED_ASAN
	void		*f_fake;	/* ASan's fake stack while suspended */
	const void	*f_asan_bottom;	/* the stack as ASan knows it */
	size_t		f_asan_size;	/* 0: a thread's own, not yet known */
#endif
#ifdef FIBER_VALGRIND
	unsigned	f_valgrind;	/* its Valgrind stack id */
#endif
	char		f_name[32];
};

static __thread fiber_t *fiber_cur;	/* the running fiber */
static __thread fiber_t *fiber_own;	/* the thread's own */
#ifdef HTBED_ASAN
static __thread fiber_t *fiber_prev;	/* the last to switch away */
#endif

extern void	fiber_swap(void **save_sp, void *load_sp);

NOTSAN static void __attribute__((noreturn, format(printf, 1, 2)))
fiber_panic(const char *fmt, ...)
{
	va_list ap;

	(void) fprintf(stderr, "htbed: fiber: ");
	va_start(ap, fmt);
	(void) vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void) fprintf(stderr, "\n");
	abort();
}

NOTSAN static size_t
fiber_pagesize(void)
{
	return ((size_t)sysconf(_SC_PAGESIZE));
}

NOTSAN static fiber_t *
fiber_alloc(const char *name)
{
	fiber_t *f = calloc(1, sizeof (*f));

	if (f == NULL)
		fiber_panic("out of memory");
	(void) snprintf(f->f_name, sizeof (f->f_name), "%s",
	    name != NULL ? name : "fiber");
	return (f);
}

/*
 * The sanitizers' part of a switch from `from' to `to', just before the
 * registers change.  A run that ends gives ASan no place to keep its fake
 * stack (ASan frees it) and makes TSan order the run before `to'.
 */
NOTSAN static inline void
san_switch_out(fiber_t *from, fiber_t *to, int ending)
{
#ifdef HTBED_ASAN
	fiber_prev = from;
	__sanitizer_start_switch_fiber(ending ? NULL : &from->f_fake,
	    to->f_asan_bottom, to->f_asan_size);
#endif
#ifdef HTBED_TSAN
	__tsan_switch_to_fiber(to->f_tsan, ending ? 0 : TSAN_SWITCH_NO_SYNC);
#endif
	(void) from;
	(void) to;
	(void) ending;
}

/*
 * The sanitizers' part of a switch, in the fiber `self' that it resumed
 * (f_fake is NULL at a run's first entry).  The stack of a thread's own
 * fiber is learned here, the first time it switches away.  Not inlined, so
 * that the frames of fiber_transfer() and fiber_main() have no addressable
 * locals and never live on an ASan fake stack, which an ending run frees.
 */
NOTSAN static void __attribute__((noinline))
san_switch_in(fiber_t *self)
{
#ifdef HTBED_ASAN
	const void *bottom;
	size_t size;

	__sanitizer_finish_switch_fiber(self->f_fake, &bottom, &size);
	if (fiber_prev->f_asan_size == 0) {
		fiber_prev->f_asan_bottom = bottom;
		fiber_prev->f_asan_size = size;
	}
#else
	(void) self;
#endif
}

/*
 * Switch from the running fiber `from' to `to'.  If `ending', from's run
 * is over and this does not return; otherwise it returns when a fiber
 * switches back to `from' -- unless that is to end its run, which goes on
 * at the bottom of the run, in fiber_main().
 */
NOTSAN static void
fiber_transfer(fiber_t *from, fiber_t *to, int ending)
{
	if (to->f_state != FS_ARMED && to->f_state != FS_SUSPENDED)
		fiber_panic("switch from %s to %s, which is %s", from->f_name,
		    to->f_name, fiber_state_name[to->f_state]);
	from->f_state = ending ? FS_IDLE : FS_SUSPENDED;
	to->f_state = FS_RUNNING;
	fiber_cur = to;
	san_switch_out(from, to, ending);
	fiber_swap(&from->f_sp, to->f_sp);
	san_switch_in(from);
	if (from->f_unwinding)
		siglongjmp(from->f_unwind, 1);
}

/*
 * The bottom of every run: the first switch to an armed fiber returns
 * here, at the top of its stack.  Every way a run ends comes back here
 * (by returning from fn, or by siglongjmp() to f_unwind), and the run
 * leaves from here.
 */
NOTSAN static void __attribute__((noreturn))
fiber_main(void)
{
	fiber_t *f = fiber_cur;

	san_switch_in(f);
#ifdef HTBED_TSAN
	__tsan_acquire(f);
#endif
	if (sigsetjmp(f->f_unwind, 0) == 0)
		f->f_fn(f->f_arg);
	f->f_unwinding = 0;
	fiber_transfer(f, f->f_exit_to, 1);
	fiber_panic("%s resumed after its run ended", f->f_name);
}

NOTSAN fiber_t *
fiber_self(void)
{
	fiber_t *f = fiber_own;

	if (f != NULL)
		return (f);
	f = fiber_alloc("thread");
#ifdef HTBED_TSAN
	f->f_tsan = __tsan_get_current_fiber();
#endif
	f->f_state = FS_RUNNING;
	fiber_own = f;
	fiber_cur = f;
	return (f);
}

NOTSAN fiber_t *
fiber_current(void)
{
	return (fiber_cur != NULL ? fiber_cur : fiber_self());
}

NOTSAN fiber_t *
fiber_create(size_t stack_bytes, const char *name)
{
	size_t page = fiber_pagesize();
	size_t want = stack_bytes != 0 ? stack_bytes : FIBER_STACK_DEFAULT;
	size_t size = (want + page - 1) / page * page * FIBER_STACK_SCALE;
	fiber_t *f = fiber_alloc(name);
	char *map;

	map = mmap(NULL, page + size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (map == MAP_FAILED || mprotect(map, page, PROT_NONE) != 0)
		fiber_panic("cannot map a stack of %zu bytes for %s: %s",
		    page + size, f->f_name, strerror(errno));
	f->f_stack = map + page;
	f->f_size = size;
#ifdef HTBED_TSAN
	f->f_tsan = __tsan_create_fiber(0);
	__tsan_set_fiber_name(f->f_tsan, f->f_name);
#endif
#ifdef HTBED_ASAN
	f->f_asan_bottom = f->f_stack;
	f->f_asan_size = size;
#endif
#ifdef FIBER_VALGRIND
	f->f_valgrind = VALGRIND_STACK_REGISTER(f->f_stack, f->f_stack + size);
#endif
	return (f);
}

/*
 * End f's run.  A suspended f is switched to with f_unwinding set: it
 * resumes in fiber_transfer(), jumps to the bottom of its run and ends it
 * there, switching back to us.
 */
NOTSAN void
fiber_abandon(fiber_t *f)
{
	fiber_t *self = fiber_current();

	if (f->f_stack == NULL || f == self)
		fiber_panic("%s cannot abandon %s, %s", self->f_name,
		    f->f_name, f == self ? "itself" : "a thread's own fiber");
	switch (f->f_state) {
	case FS_SUSPENDED:
		f->f_unwinding = 1;
		f->f_exit_to = self;
		fiber_transfer(self, f, 0);
		break;
	case FS_ARMED:
		f->f_state = FS_IDLE;
		break;
	case FS_IDLE:
		break;
	case FS_RUNNING:
		fiber_panic("%s cannot abandon %s: it runs on another thread",
		    self->f_name, f->f_name);
	}
}

NOTSAN void
fiber_start(fiber_t *f, void (*fn)(void *), void *arg, fiber_t *ret)
{
	struct fiber_frame *fr;
#ifdef HTBED_ASAN
	size_t page = fiber_pagesize();
	char *lo;
#endif

	fiber_abandon(f);
	if (ret == NULL || ret == f)
		fiber_panic("%s cannot return to %s", f->f_name,
		    ret == NULL ? "nothing" : "itself");
	f->f_fn = fn;
	f->f_arg = arg;
	f->f_exit_to = ret;
#ifdef HTBED_ASAN
	/*
	 * The last run's frames were unwound (they returned, or siglongjmp()
	 * had ASan unpoison them), except fiber_main()'s, which never
	 * returns: start from a clean stack whatever that frame holds.  What
	 * can be left poisoned lies above the frame the run last switched
	 * away from (f_sp; a page of margin below it): only that much is
	 * cleared, not the whole stack (a megabyte under ASan, 2% of a fuzz
	 * run with access seams).
	 */
	f->f_fake = NULL;
	lo = f->f_sp != NULL && (char *)f->f_sp - f->f_stack > (long)page ?
	    (char *)f->f_sp - page : f->f_stack;
	__asan_unpoison_memory_region(lo, (size_t)(f->f_stack + f->f_size -
	    lo));
#endif
	fr = (struct fiber_frame *)(f->f_stack + f->f_size) - 1;
	fr->ff_mxcsr = MXCSR_DEFAULT;
	fr->ff_fpucw = FPUCW_DEFAULT;
	fr->ff_unused = 0;
	fr->ff_r15 = fr->ff_r14 = fr->ff_r13 = fr->ff_r12 = 0;
	fr->ff_rbx = fr->ff_rbp = 0;
	fr->ff_ret = fiber_main;
	fr->ff_ret_of_main = NULL;
	f->f_sp = fr;
	f->f_state = FS_ARMED;
#ifdef HTBED_TSAN
	__tsan_release(f);
#endif
}

NOTSAN void
fiber_switch(fiber_t *to)
{
	fiber_t *self = fiber_current();

	if (to != self)
		fiber_transfer(self, to, 0);
}

NOTSAN void
fiber_exit_to(fiber_t *to)
{
	fiber_t *self = fiber_current();

	if (self->f_stack == NULL || to == self)
		fiber_panic("%s cannot exit to %s", self->f_name,
		    to == self ? "itself" : to->f_name);
	self->f_exit_to = to;
	siglongjmp(self->f_unwind, 1);
}

NOTSAN void
fiber_destroy(fiber_t *f)
{
	size_t page = fiber_pagesize();

	if (f->f_stack == NULL) {
		if (f != fiber_cur)
			fiber_panic("%s cannot destroy %s, a thread's own "
			    "fiber", fiber_current()->f_name, f->f_name);
		fiber_own = fiber_cur = NULL;
		free(f);
		return;
	}
	fiber_abandon(f);
#ifdef FIBER_VALGRIND
	VALGRIND_STACK_DEREGISTER(f->f_valgrind);
#endif
#ifdef HTBED_TSAN
	__tsan_destroy_fiber(f->f_tsan);
#endif
	if (munmap(f->f_stack - page, page + f->f_size) != 0)
		fiber_panic("munmap of %s's stack: %s", f->f_name,
		    strerror(errno));
	free(f);
}

NOTSAN size_t
fiber_stack_size(const fiber_t *f)
{
	return (f->f_size);
}
