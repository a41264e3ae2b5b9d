/*
 * Services of the host operating system, for the kernel-domain code.
 *
 * The testbed is built in two domains.  Kernel-domain files (htable.c, the
 * HAT, the shim's kernel side, the harness) compile against the illumos
 * headers of shim/include and cannot include libc headers, which would
 * clash with them.  Host-domain files (shim/host, stress/) compile against
 * libc.  This header, which uses only freestanding types, is the one
 * interface between the two.
 */
#ifndef _HTBED_HOST_H
#define	_HTBED_HOST_H

#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>

/* output: stdout / stderr, unbuffered enough to survive an abort */
extern void	host_printf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
extern int	host_env_set(const char *name);	/* in the environment */
extern void	host_eprintf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
extern int	host_vsnprintf(char *buf, size_t len, const char *fmt,
    va_list ap);
extern int	host_snprintf(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
extern void	host_flush(void);
extern void	host_exit(int code) __attribute__((noreturn));
extern void	host_abort(void) __attribute__((noreturn));

/* a growable text buffer, for reports assembled before they are written */
typedef struct host_buf {
	char	*hb_data;
	size_t	hb_len;
	size_t	hb_cap;
	int	hb_fixed;	/* hb_data is not the heap's: truncate, never grow */
} host_buf_t;
extern void	hbuf_printf(host_buf_t *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
extern void	hbuf_free(host_buf_t *);

/* write a whole file: to a temporary name, then rename; 0 or -1 */
extern int	host_write_file_atomic(const char *path, const void *data,
    size_t len);

/* mkdir -p; 0 or -1 */
extern int	host_mkdir_p(const char *path);

/* path relative to the current directory, if it lies below it */
extern const char *host_relpath(const char *path);

/* time and scheduling */
extern uint64_t	host_now_ns(void);
extern void	host_yield(void);
extern void	host_sleep_ns(uint64_t ns);
extern int	host_ncores(void);

/*
 * A spinlock for the emulator's own short critical sections (never held
 * across a scheduler-seam point).  Waiters read before they retry and
 * give up the host CPU every SPIN_YIELD turns: with more threads than
 * cores (and TSan's slowdown) the holder is often the one descheduled.
 */
#define	SPIN_YIELD	128

static inline void
host_spin_lock(uint32_t *l)
{
	unsigned n = 0;

	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE) != 0) {
		do {
			if (++n % SPIN_YIELD == 0)
				host_yield();
			else
				__builtin_ia32_pause();
		} while (__atomic_load_n(l, __ATOMIC_RELAXED) != 0);
	}
}

static inline void
host_spin_unlock(uint32_t *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/* futex word waits: return when *addr != val or on a wakeup */
extern void	host_futex_wait(uint32_t *addr, uint32_t val);
extern void	host_futex_wake(uint32_t *addr, int nwake);

/* memory */
extern void	*host_reserve(size_t size, size_t align);	/* zeroed, lazily
								 * backed; aborts
								 * on failure */
extern void	host_unreserve(void *p, size_t size);	/* host_reserve(size,
								 * 1)'s p */
extern void	*host_alloc(size_t size);		/* aborts on failure */
extern void	*host_zalloc(size_t size);
extern void	host_free(void *);

/* threads */
typedef struct host_thread host_thread_t;
extern host_thread_t *host_thread_create(void (*fn)(void *), void *arg);
extern void	host_thread_join(host_thread_t *);

/*
 * Read-copy-update from liburcu (the urcu-memb flavour), for the emulated
 * MMU in free-running mode (shim/hw/gp.c).  A thread is registered with
 * liburcu the first time it needs to be, and unregistered when it exits.
 * ThreadSanitizer does not see liburcu's ordering: these calls tell it
 * (the end of a read-side critical section happens before the end of
 * every grace period that follows, and before every callback run after
 * one).  host_rcu_call() runs fn(arg) on liburcu's thread after a grace
 * period; host_rcu_barrier() waits for every callback queued so far.
 */
extern void	host_rcu_read_lock(void);
extern void	host_rcu_read_unlock(void);
extern void	host_rcu_synchronize(void);
extern void	host_rcu_call(void (*fn)(uint64_t), uint64_t arg);
extern void	host_rcu_barrier(void);

/*
 * Emulated physical memory: one memfd of nframes 4K frames.
 *  - physmap: the whole object mapped linearly (frame pfn at
 *    physmap + pfn * 4K).  The checker and kpm mode use it.
 *  - windows: nwin consecutive pages, initially PROT_NONE, each of which
 *    host_phys_window_map() points at one frame (mmap MAP_FIXED), so a
 *    window is a real virtual page that shows whatever frame it was last
 *    mapped to, to every thread, as on hardware.
 */
extern int	host_phys_init(uint64_t nframes, unsigned nwin,
    char **physmap, char **windows);
extern void	host_phys_window_map(char *window_va, uint64_t pfn);
extern void	host_phys_window_unmap(char *window_va);
/*
 * For a forked test child that corrupts page tables on purpose: from now
 * on this process's physmap is its own copy (copy on write), so that its
 * parent's machine stays intact.  The windows stay shared: such a child
 * writes through the physmap.
 */
extern void	host_phys_private(void);

#endif	/* _HTBED_HOST_H */
