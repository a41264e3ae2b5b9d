/*
 * Known findings: loading corpus/findings/<name>/finding (the format is
 * in known.h) and matching failures against them.  Host domain.  Loading
 * is strict: an unknown key, a bad signature or a file that cannot be
 * read is refused with a one-line reason.  Matching runs in the failure
 * report, so it neither allocates nor locks.
 */
#define	_GNU_SOURCE
#include <dirent.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "known.h"

#define	MAX_FINDINGS	64
#define	MAX_SIGS	8

struct signature {
	char		s_kind[48];
	char		s_file[160];
	char		s_msg[400];	/* "" matches any message */
};

struct finding {
	char		f_name[80];
	char		f_status[200];
	int		f_real, f_own;	/* known in which cores */
	char		f_files[400];	/* "": any file; else globs */
	int		f_nsig;
	struct signature f_sig[MAX_SIGS];
};

static struct finding findings[MAX_FINDINGS];
static int nfindings;

/* this build's core: an HTABLE_C file, or the own core (or its mutant) */
static int
core_is_real(void)
{
	return (strcmp(HTBED_CORE, "own") != 0 &&
	    strstr(HTBED_CORE, "/src/core/") == NULL);
}

static char *
trim(char *s)
{
	char *e = s + strlen(s);

	while (*s == ' ' || *s == '\t')
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
		*--e = '\0';
	return (s);
}

/* "<kind> at <file> [| <pattern>]" */
static int
parse_signature(struct finding *f, char *v)
{
	struct signature *s;
	char *at = strstr(v, " at "), *bar = strchr(v, '|');

	if (f->f_nsig == MAX_SIGS || at == NULL || (bar != NULL && bar < at))
		return (-1);
	s = &f->f_sig[f->f_nsig++];
	*at = '\0';
	if (bar != NULL) {
		*bar = '\0';
		(void) snprintf(s->s_msg, sizeof (s->s_msg), "%s",
		    trim(bar + 1));
	}
	(void) snprintf(s->s_kind, sizeof (s->s_kind), "%s", trim(v));
	(void) snprintf(s->s_file, sizeof (s->s_file), "%s", trim(at + 4));
	return (s->s_kind[0] != '\0' && s->s_file[0] != '\0' ? 0 : -1);
}

static int
parse_line(struct finding *f, char *line)
{
	char *v = line + strcspn(line, " \t");

	if (*v != '\0')
		*v++ = '\0';
	v = trim(v);
	if (strcmp(line, "status") == 0)
		(void) snprintf(f->f_status, sizeof (f->f_status), "%s", v);
	else if (strcmp(line, "known-in") == 0) {
		f->f_real = strcmp(v, "real") == 0 || strcmp(v, "all") == 0;
		f->f_own = strcmp(v, "own") == 0 || strcmp(v, "all") == 0;
		if (!f->f_real && !f->f_own)
			return (-1);
	} else if (strcmp(line, "signature") == 0)
		return (parse_signature(f, v));
	else if (strcmp(line, "files") == 0)
		(void) snprintf(f->f_files, sizeof (f->f_files), "%s", v);
	else if (strcmp(line, "affects") != 0 && strcmp(line, "fix") != 0 &&
	    strcmp(line, "avoid") != 0)
		return (-1);
	return (0);
}

static int
load_one(const char *path, const char *name, char *why, size_t whylen)
{
	struct finding *f = &findings[nfindings];
	char line[1024];
	int n = 0, bad = 0;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return (0);	/* a finding without a machine-readable entry */
	memset(f, 0, sizeof (*f));
	(void) snprintf(f->f_name, sizeof (f->f_name), "%s", name);
	while (!bad && fgets(line, sizeof (line), fp) != NULL) {
		char *l = trim(line);

		n++;
		if (*l != '\0' && *l != '#' && parse_line(f, l) != 0)
			bad = 1;
	}
	(void) fclose(fp);
	if (!bad && (f->f_nsig == 0 || f->f_status[0] == '\0' ||
	    !(f->f_real || f->f_own)))
		bad = 1, n = 0;
	if (bad && n > 0)
		(void) snprintf(why, whylen, "%s:%d: not a status, known-in, "
		    "signature, files, affects, fix or avoid line", path, n);
	else if (bad)
		(void) snprintf(why, whylen, "%s: needs a status, a known-in "
		    "and a signature", path);
	if (bad)
		return (-1);
	nfindings++;
	return (0);
}

int
known_load(const char *dir, char *why, size_t whylen)
{
	struct dirent **ents;
	char path[PATH_MAX];
	int i, n, rc = 0;

	nfindings = 0;
	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		(void) snprintf(why, whylen, "cannot read the findings "
		    "directory %s", dir);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		if (rc == 0 && ents[i]->d_name[0] != '.') {
			if (nfindings == MAX_FINDINGS) {
				(void) snprintf(why, whylen, "%s: more than "
				    "%d findings", dir, MAX_FINDINGS);
				rc = -1;
			} else {
				(void) snprintf(path, sizeof (path),
				    "%s/%s/finding", dir, ents[i]->d_name);
				rc = load_one(path, ents[i]->d_name, why,
				    whylen);
			}
		}
		free(ents[i]);
	}
	free(ents);
	return (rc);
}

/* corpus/findings of the first directory above the binary that has one */
static const char *
default_dir(void)
{
	static char dir[PATH_MAX + 32];
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof (exe) - 1);
	char *slash;

	if (n <= 0)
		return (NULL);
	exe[n] = '\0';
	while ((slash = strrchr(exe, '/')) != NULL && slash != exe) {
		*slash = '\0';
		(void) snprintf(dir, sizeof (dir), "%s/corpus/findings", exe);
		if (access(dir, R_OK) == 0)
			return (dir);
	}
	return (NULL);
}

/* does where ("path:line" or "path") name a path ending in file? */
static int
where_is(const char *where, const char *file)
{
	size_t wl = strcspn(where, ": "), fl = strlen(file);

	return (wl >= fl && strncmp(where + wl - fl, file, fl) == 0 &&
	    (wl == fl || where[wl - fl - 1] == '/'));
}

/* the code under test is one of the files of f (any, without a list) */
static int
in_files(const struct finding *f)
{
	char globs[sizeof (f->f_files)], *g, *save;

	if (f->f_files[0] == '\0')
		return (1);
	(void) snprintf(globs, sizeof (globs), "%s", f->f_files);
	for (g = strtok_r(globs, " \t", &save); g != NULL;
	    g = strtok_r(NULL, " \t", &save))
		if (fnmatch(g, HTBED_CORE, 0) == 0)
			return (1);
	return (0);
}

const char *
known_match(const char *kind, const char *where, const char *msg)
{
	int real = core_is_real(), i, j;

	for (i = 0; i < nfindings; i++) {
		const struct finding *f = &findings[i];

		if (!(real ? f->f_real : f->f_own) || !in_files(f))
			continue;
		for (j = 0; j < f->f_nsig; j++) {
			const struct signature *s = &f->f_sig[j];

			if (strcmp(s->s_kind, kind) == 0 &&
			    where_is(where, s->s_file) && (s->s_msg[0] == '\0' ||
			    fnmatch(s->s_msg, msg, 0) == 0 ||
			    fnmatch(s->s_msg, where, 0) == 0))
				return (f->f_name);
		}
	}
	return (NULL);
}

const char *
known_status(const char *name)
{
	int i;

	for (i = 0; i < nfindings; i++)
		if (strcmp(findings[i].f_name, name) == 0)
			return (findings[i].f_status);
	return ("");
}

int
known_init(const char *prog, const char *dir, int fail_on_known)
{
	char why[600];
	const char *env = getenv("HTBED_FAIL_ON_KNOWN");

	if (dir == NULL)
		dir = default_dir();
	if (dir != NULL && known_load(dir, why, sizeof (why)) != 0) {
		(void) fprintf(stderr, "%s: %s\n", prog, why);
		exit(2);
	}
	return (fail_on_known || (env != NULL && *env != '\0' &&
	    strcmp(env, "0") != 0));
}
