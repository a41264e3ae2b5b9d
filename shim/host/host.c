/*
 * Host services for the kernel domain: output, files, time, futexes,
 * memory and threads, on libc and Linux.  See htbed/host.h.
 */
#define	_GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "htbed/host.h"

void
host_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void) vfprintf(stdout, fmt, ap);
	va_end(ap);
}

int
host_env_set(const char *name)
{
	return (getenv(name) != NULL);
}

void
host_eprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void) vfprintf(stderr, fmt, ap);
	va_end(ap);
}

int
host_vsnprintf(char *buf, size_t len, const char *fmt, va_list ap)
{
	return (vsnprintf(buf, len, fmt, ap));
}

int
host_snprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return (n);
}

void
host_flush(void)
{
	(void) fflush(stdout);
	(void) fflush(stderr);
}

/*
 * The end of a run that found a bug or failed: straight to the kernel.
 * _exit() would pass through ThreadSanitizer's interceptor, which first
 * waits for any report in progress on another thread -- and with the
 * world frozen around a bug that report may never end.
 */
void
host_exit(int code)
{
	host_flush();
	(void) syscall(SYS_exit_group, code);
	__builtin_unreachable();
}

void
host_abort(void)
{
	host_flush();
	abort();
}

void
hbuf_printf(host_buf_t *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->hb_data == NULL) {
		b->hb_cap = 256;
		b->hb_len = 0;
		if ((b->hb_data = malloc(b->hb_cap)) == NULL)
			abort();
	}
	for (;;) {
		size_t room = b->hb_cap - b->hb_len;

		va_start(ap, fmt);
		n = vsnprintf(b->hb_data + b->hb_len, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			b->hb_len += (size_t)n;
			return;
		}
		if (b->hb_fixed) {
			b->hb_len = b->hb_cap - 1;
			return;
		}
		b->hb_cap = (b->hb_cap + (size_t)n + 1) * 2;
		b->hb_data = realloc(b->hb_data, b->hb_cap);
		if (b->hb_data == NULL)
			abort();
	}
}

void
hbuf_free(host_buf_t *b)
{
	if (b->hb_fixed)
		return;
	free(b->hb_data);
	b->hb_data = NULL;
	b->hb_len = b->hb_cap = 0;
}

int
host_write_file_atomic(const char *path, const void *data, size_t len)
{
	char tmp[4096];
	const char *p = data;
	int fd;

	if (snprintf(tmp, sizeof (tmp), "%s.tmp.%d", path, (int)getpid()) >=
	    (int)sizeof (tmp))
		return (-1);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return (-1);
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			(void) close(fd);
			(void) unlink(tmp);
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		(void) unlink(tmp);
		return (-1);
	}
	return (0);
}

int
host_mkdir_p(const char *path)
{
	char buf[4096];
	size_t i, n = strlen(path);

	if (n == 0 || n >= sizeof (buf))
		return (-1);
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return (-1);
		buf[i] = (i == n) ? '\0' : '/';
	}
	return (0);
}

uint64_t
host_now_ns(void)
{
	struct timespec ts;

	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
}

void
host_yield(void)
{
	(void) sched_yield();
}

void
host_sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull),
	    (long)(ns % 1000000000ull) };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		continue;
}

int
host_ncores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return (n > 0 ? (int)n : 1);
}

void
host_futex_wait(uint32_t *addr, uint32_t val)
{
	(void) syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

void
host_futex_wake(uint32_t *addr, int nwake)
{
	(void) syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, nwake, NULL, NULL,
	    0);
}

const char *
host_relpath(const char *path)
{
	static char cwd[4096];
	size_t n;

	if (cwd[0] == '\0' && getcwd(cwd, sizeof (cwd)) == NULL)
		return (path);
	n = strlen(cwd);
	if (strncmp(path, cwd, n) == 0 && path[n] == '/')
		return (path + n + 1);
	return (path);
}

void *
host_reserve(size_t size, size_t align)
{
	size_t len = size + align;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uintptr_t a;

	if (p == MAP_FAILED) {
		(void) fprintf(stderr, "htbed: cannot reserve %zu bytes of "
		    "address space: %s\n", len, strerror(errno));
		abort();
	}
	a = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
	return ((void *)a);
}

void
host_unreserve(void *p, size_t size)
{
	(void) munmap(p, size + 1);
}

void *
host_alloc(size_t size)
{
	void *p = NULL;

	if (posix_memalign(&p, 64, size ? size : 1) != 0) {
		(void) fprintf(stderr, "htbed: out of host memory (%zu bytes)\n",
		    size);
		abort();
	}
	return (p);
}

#define	HOST_ZALLOC_LARGE	(256u << 10)

void *
host_zalloc(size_t size)
{
	void *p;

	/*
	 * A large one from calloc(): fresh pages, zero already, each touched
	 * only when used (the checker's memo is megabytes, mostly unused).
	 */
	if (size >= HOST_ZALLOC_LARGE) {
		if ((p = calloc(1, size)) == NULL) {
			(void) fprintf(stderr, "htbed: out of host memory "
			    "(%zu bytes)\n", size);
			abort();
		}
		return (p);
	}
	p = host_alloc(size);
	memset(p, 0, size);
	return (p);
}

void
host_free(void *p)
{
	free(p);
}

struct host_thread {
	pthread_t	ht_tid;
	void		(*ht_fn)(void *);
	void		*ht_arg;
};

static void *
host_thread_start(void *arg)
{
	host_thread_t *t = arg;

	t->ht_fn(t->ht_arg);
	return (NULL);
}

host_thread_t *
host_thread_create(void (*fn)(void *), void *arg)
{
	host_thread_t *t = host_zalloc(sizeof (*t));
	int err;

	t->ht_fn = fn;
	t->ht_arg = arg;
	err = pthread_create(&t->ht_tid, NULL, host_thread_start, t);
	if (err != 0) {
		(void) fprintf(stderr, "htbed: pthread_create: %s\n",
		    strerror(err));
		exit(2);
	}
	return (t);
}

void
host_thread_join(host_thread_t *t)
{
	(void) pthread_join(t->ht_tid, NULL);
	free(t);
}

/*
 * Fatal signals become bug reports (non-sanitizer builds; sanitizers have
 * their own handlers).  The handler runs on an alternate stack, so a stack
 * overflow is reported too.
 */
static void (*crash_cb)(int, void *);

static void
crash_handler(int sig, siginfo_t *si, void *uc)
{
	(void) uc;
	signal(sig, SIG_DFL);
	crash_cb(sig, si->si_addr);
}

void
host_install_crash_handlers(void (*cb)(int, void *))
{
	static char altstack[64 * 1024];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof (altstack) };
	struct sigaction sa;
	const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	size_t i;

	crash_cb = cb;
	(void) sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof (sa));
	sa.sa_sigaction = crash_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	for (i = 0; i < sizeof (sigs) / sizeof (sigs[0]); i++)
		(void) sigaction(sigs[i], &sa, NULL);
}
