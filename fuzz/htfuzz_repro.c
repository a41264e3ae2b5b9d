/*
 * htfuzz_repro: libFuzzer over the reproducer parser (harness/repro.c).
 * No machine is booted.  Each input is parsed twice: as it is, and
 * sealed -- its last line dropped if it is a checksum line, and the
 * right checksum line appended -- so that a mutated input reaches the
 * line parser instead of stopping at the checksum.  For each:
 *
 *	- hb_repro_parse() never crashes, leaks or reads out of bounds
 *	  (AddressSanitizer and LeakSanitizer watch it);
 *	- a refusal comes with a reason of one line and holds no memory
 *	  (a pointer left in the caller's struct would hide a leak from
 *	  LeakSanitizer);
 *	- a reproducer that parses, formatted (hb_repro_format()) and
 *	  parsed again, is the same reproducer.
 *
 * A violation aborts, so libFuzzer keeps the input.  repro.c is in the
 * coverage allowlist (fuzz/coverage.allow) for this target.
 */
#define	_GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repro.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define	SUMLINE	"checksum "
#define	SUMLEN	sizeof (SUMLINE "0123456789abcdef\n")	/* its NUL too */

static void
fail(const char *what, const char *err)
{
	fprintf(stderr, "htfuzz_repro: %s%s%s\n", what, err ? ": " : "",
	    err ? err : "");
	abort();
}

static int
same(const struct hb_repro *a, const struct hb_repro *b)
{
	return (strcmp(a->r_core, b->r_core) == 0 &&
	    memcmp(&a->r_cfg, &b->r_cfg, sizeof (a->r_cfg)) == 0 &&
	    memcmp(&a->r_sp, &b->r_sp, sizeof (a->r_sp)) == 0 &&
	    strcmp(a->r_failure, b->r_failure) == 0 &&
	    memcmp(&a->r_prog, &b->r_prog, sizeof (a->r_prog)) == 0 &&
	    a->r_nchoices == b->r_nchoices && (a->r_nchoices == 0 ||
	    memcmp(a->r_choices, b->r_choices, a->r_nchoices) == 0));
}

/* parse; what parses must survive formatting and parsing again */
static void
check(const char *buf, size_t len)
{
	struct hb_repro a, b;
	char err[300], *out;
	size_t olen;

	err[0] = '\0';
	if (hb_repro_parse(buf, len, &a, err, sizeof (err)) != 0) {
		if (err[0] == '\0' || strchr(err, '\n') != NULL)
			fail("a refusal without a one-line reason", err);
		if (a.r_choices != NULL)
			fail("a refusal keeps its schedule allocated", err);
		return;
	}
	if (hb_repro_format(&a, &out, &olen) != 0)
		fail("a parsed reproducer cannot be formatted", NULL);
	if (hb_repro_parse(out, olen, &b, err, sizeof (err)) != 0)
		fail("a formatted reproducer does not parse", err);
	if (!same(&a, &b))
		fail("formatting and parsing again changed the reproducer",
		    NULL);
	free(out);
	hb_repro_free(&a);
	hb_repro_free(&b);
}

/* the input without a checksum line at its end, then the right one */
static char *
seal(const char *in, size_t len, size_t *outlen)
{
	size_t body = len, last;
	char *out;
	int n;

	if (body > 0 && in[body - 1] == '\n')
		body--;
	for (last = body; last > 0 && in[last - 1] != '\n'; last--)
		;
	if (body - last >= strlen(SUMLINE) &&
	    memcmp(in + last, SUMLINE, strlen(SUMLINE)) == 0)
		body = last;
	else
		body = len;
	if ((out = malloc(body + 1 + SUMLEN)) == NULL)
		fail("out of memory", NULL);
	memcpy(out, in, body);
	if (body > 0 && out[body - 1] != '\n')
		out[body++] = '\n';
	n = sprintf(out + body, SUMLINE "%016llx\n",
	    (unsigned long long)hb_repro_checksum(out, body));
	*outlen = body + (size_t)n;
	return (out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t slen;
	char *sealed;

	check((const char *)data, size);
	sealed = seal((const char *)data, size, &slen);
	check(sealed, slen);
	free(sealed);
	return (0);
}
