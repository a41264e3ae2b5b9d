/*
 * What the host-domain halves of the unit tests share: cmocka, and running
 * kernel code in a forked child to see how it ends.
 *
 * A bug-found event prints "==== htbed: BUG FOUND: <kind> ====" and the
 * report on stderr, and exits 1.  expect_bug() runs a function in a child
 * with stderr captured and asserts exactly that ending; expect_clean()
 * asserts that the child returned (exit 0) and reported nothing.  Every
 * misuse test comes with such a control.
 *
 * The child inherits the booted emulated kernel.  Its emulated physical
 * memory is a shared memfd mapping, so a child must not write to page-table
 * frames the parent still uses; all other state is its own copy.
 *
 * The parent must have no other thread alive when it forks: a fork of a
 * multithreaded process is not supported by ThreadSanitizer (and the
 * child's copy of a mutex another thread held would stay held).  Tests
 * join every thread they start before they return.
 */
#ifndef _TESTS_UNIT_H
#define	_TESTS_UNIT_H

#define	_GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

/* a child that has not ended by then is killed by SIGALRM: a hang */
#define	CHILD_TIMEOUT_SECS	60

struct unit_child {
	int	uc_status;		/* from waitpid() */
	size_t	uc_len;
	char	uc_err[1 << 16];	/* stderr, truncated, NUL-terminated */
};

static struct unit_child unit_child;
static int unit_in_child;	/* in a child: report failures by _exit() */

/* run fn(arg) in a child, its stderr captured in unit_child */
static inline struct unit_child *
unit_run_child(void (*fn)(void *), void *arg)
{
	struct unit_child *c = &unit_child;
	char buf[4096];
	int fd[2];
	pid_t pid;
	ssize_t n;

	(void) fflush(NULL);
	if (pipe(fd) != 0) {
		fail_msg("pipe: %s", strerror(errno));
	}
	pid = fork();
	if (pid < 0) {
		fail_msg("fork: %s", strerror(errno));
	}
	if (pid == 0) {
		unit_in_child = 1;
		(void) close(fd[0]);
		(void) dup2(fd[1], STDERR_FILENO);
		(void) close(fd[1]);
		(void) alarm(CHILD_TIMEOUT_SECS);
		fn(arg);
		(void) fflush(NULL);
		_exit(0);
	}
	(void) close(fd[1]);
	c->uc_len = 0;
	for (;;) {
		n = read(fd[0], buf, sizeof (buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if ((size_t)n > sizeof (c->uc_err) - 1 - c->uc_len)
			n = (ssize_t)(sizeof (c->uc_err) - 1 - c->uc_len);
		memcpy(c->uc_err + c->uc_len, buf, (size_t)n);
		c->uc_len += (size_t)n;
	}
	c->uc_err[c->uc_len] = '\0';
	(void) close(fd[0]);
	while (waitpid(pid, &c->uc_status, 0) < 0 && errno == EINTR)
		continue;
	return (c);
}

static inline void
unit_describe(const struct unit_child *c, char *buf, size_t len)
{
	if (WIFEXITED(c->uc_status))
		(void) snprintf(buf, len, "exit status %d",
		    WEXITSTATUS(c->uc_status));
	else if (WIFSIGNALED(c->uc_status))
		(void) snprintf(buf, len, "killed by signal %d%s",
		    WTERMSIG(c->uc_status), WTERMSIG(c->uc_status) == SIGALRM ?
		    " (timeout: a hang?)" : "");
	else
		(void) snprintf(buf, len, "wait status 0x%x", c->uc_status);
}

/*
 * The child must end in a bug-found event of the given kind, whose report
 * contains `what' (if not NULL).
 */
static inline void
unit_expect_bug(const char *file, int line, void (*fn)(void *), void *arg,
    const char *kind, const char *what)
{
	struct unit_child *c = unit_run_child(fn, arg);
	char want[128], how[96];

	(void) snprintf(want, sizeof (want), "==== htbed: BUG FOUND: %s ====",
	    kind);
	unit_describe(c, how, sizeof (how));
	if (WIFEXITED(c->uc_status) && WEXITSTATUS(c->uc_status) == 1 &&
	    strstr(c->uc_err, want) != NULL &&
	    (what == NULL || strstr(c->uc_err, what) != NULL))
		return;
	print_error("---- stderr of the child ----\n%s---- end ----\n",
	    c->uc_err);
	print_error("ERROR: expected a \"%s\" bug report%s%s%s and exit "
	    "status 1; the child ended with %s\n", kind,
	    what != NULL ? " saying \"" : "", what != NULL ? what : "",
	    what != NULL ? "\"" : "", how);
	_fail(file, line);
}

/* the child must return normally: exit 0, no bug report */
static inline void
unit_expect_clean(const char *file, int line, void (*fn)(void *), void *arg)
{
	struct unit_child *c = unit_run_child(fn, arg);
	char how[96];

	unit_describe(c, how, sizeof (how));
	if (WIFEXITED(c->uc_status) && WEXITSTATUS(c->uc_status) == 0 &&
	    strstr(c->uc_err, "BUG FOUND") == NULL)
		return;
	print_error("---- stderr of the child ----\n%s---- end ----\n",
	    c->uc_err);
	print_error("ERROR: expected the child to finish cleanly; it ended "
	    "with %s\n", how);
	_fail(file, line);
}

#define	expect_bug(fn, arg, kind, what)	\
	unit_expect_bug(__FILE__, __LINE__, (fn), (arg), (kind), (what))
#define	expect_clean(fn, arg)		\
	unit_expect_clean(__FILE__, __LINE__, (fn), (arg))

/* poll *p (an int another thread sets atomically) for up to ms */
static inline int
unit_wait_int(const int *p, int want, int ms)
{
	struct timespec ts = { 0, 200000 };
	int i;

	for (i = 0; i < ms * 5; i++) {
		if (__atomic_load_n(p, __ATOMIC_ACQUIRE) == want)
			return (1);
		(void) nanosleep(&ts, NULL);
	}
	return (__atomic_load_n(p, __ATOMIC_ACQUIRE) == want);
}

static inline void
unit_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		continue;
}

/*
 * A directory for the failure artifacts that the harness writes when a
 * death test reports a bug; removed with what is in it.
 */
static inline const char *
unit_outdir_create(void)
{
	static char dir[64];
	const char *tmp = getenv("TMPDIR");

	(void) snprintf(dir, sizeof (dir), "%s/htbed-unit-XXXXXX",
	    tmp != NULL && strlen(tmp) < 32 ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		(void) fprintf(stderr, "mkdtemp %s: %s\n", dir, strerror(errno));
		exit(2);
	}
	return (dir);
}

static inline void
unit_outdir_remove(const char *dir)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		(void) snprintf(path, sizeof (path), "%s/%s", dir, de->d_name);
		(void) unlink(path);
	}
	(void) closedir(d);
	(void) rmdir(dir);
}

/*
 * Run a cmocka group in a child process of its own, for a group that must
 * boot the emulated kernel differently from the rest of the program (it
 * can boot only once per process).  Call it before the parent boots.
 * Returns the number of failed tests (or 1 if the child died).
 */
static inline int
unit_group_in_child(int (*group)(void))
{
	int status, rc;
	pid_t pid;

	(void) fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return (1);
	}
	if (pid == 0) {
		rc = group();
		(void) fflush(NULL);
		_exit(rc > 100 ? 100 : rc);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		continue;
	if (WIFEXITED(status))
		return (WEXITSTATUS(status));
	(void) fprintf(stderr, "group child died: wait status 0x%x\n", status);
	return (1);
}

#endif	/* _TESTS_UNIT_H */
