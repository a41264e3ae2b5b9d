/*
 * Known findings (harness/known.c): failures already triaged, each in
 * corpus/findings/<name>/finding.  A failure whose signature one of them
 * accounts for, on a core it is known in, is reported as known: named,
 * counted, and not a failure of the run unless --fail-on-known.  Plain
 * types; host domain.
 *
 * The file, one item per line ('#' starts a comment):
 *
 *	status     <words>          open upstream, fixed upstream <commit>
 *	                            <date>, not a bug, testbed, ...
 *	known-in   real|own|all     the cores where a match is known: real
 *	                            (an HTABLE_C file), own (core/), or both
 *	signature  <kind> at <file> [| <message pattern>]
 *	                            the failure's kind, the file of its where
 *	                            (a path ending in <file>; the line is not
 *	                            compared), and a glob(7) pattern of its
 *	                            message or of its whole where (a
 *	                            sanitizer's where names the functions of
 *	                            both accesses); one line per signature
 *	files      <glob> ...       only where the code under test is one of
 *	                            these files (glob(7) over the path the
 *	                            build was given, such as "*2007-05-09*");
 *	                            without it, any file of known-in
 *	affects    <words>          versions, for people and reports
 *	fix        <file>           a patch in the finding's directory
 *	avoid      <weights>        htstress --weights that keep a run clear
 *	                            of it, or htstress options beginning
 *	                            with -- (such as --page-fail 0), for
 *	                            runs that look past it (the version
 *	                            matrix, make bisect)
 */
#ifndef _HARNESS_KNOWN_H
#define	_HARNESS_KNOWN_H

#include <stddef.h>

/* load every <dir>/<name>/finding; 0, or -1 with a one-line reason */
extern int	known_load(const char *dir, char *why, size_t whylen);

/*
 * known_load() for a driver: dir, or (NULL) corpus/findings of the tree
 * the binary was built in, if there is one; a bad entry exits 2 with
 * "prog: reason".  Returns whether a known finding fails the run: the
 * driver's --fail-on-known, or HTBED_FAIL_ON_KNOWN=1 in the environment
 * (what the test scripts export: a planted bug must fail, whatever it
 * looks like).
 */
extern int	known_init(const char *prog, const char *dir,
    int fail_on_known);

/* the finding that accounts for a failure on this core, or NULL */
extern const char *known_match(const char *kind, const char *where,
    const char *msg);

/* its status line */
extern const char *known_status(const char *name);

#endif	/* _HARNESS_KNOWN_H */
