/*
 * htdiff: the differential test.  Runs op programs on the project's
 * htable.c and on the reference htable.c (fuzz/diff.h) and reports the
 * first difference in what they leave observable.
 *
 *   htdiff [--programs N] [--ops M] [--seed S] [--out DIR] [FILE ...]
 *   htdiff --write DIR [--programs N] [--ops M] [--seed S]
 *
 * Without FILEs: N seeded random programs of M ops each (program i has
 * seed S + i).  With FILEs: each file is a program (HB_OP_BYTES-byte
 * records: a fuzz input, or a program a difference was saved as).  The
 * first difference is printed and saved as DIR/diff-<seed or name>.txt
 * with the program as DIR/diff-<...>.bin.  --write saves the random
 * programs as files in DIR instead of running them (a seed corpus for
 * the fuzz targets).
 *
 * Exit status: 0 no difference, 1 a difference (or a bug found by either
 * instance), 2 usage error or a failure of the testbed.
 */
#define	_GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "ops.h"
#include "diff.h"

static const char *outdir = "htbed-out";
static const char *writedir;
static uint64_t total_ops, total_steals, total_reaps, total_reaped;

static void
usage_exit(const char *msg)
{
	if (msg != NULL) {
		(void) fprintf(stderr, "htdiff: %s (htdiff --help for the "
		    "options)\n", msg);
		exit(2);
	}
	(void) printf(
"usage: htdiff [options] [FILE ...]\n"
"  --programs N   random programs to run (default 200)\n"
"  --ops M        ops per random program (default 50, at most %d)\n"
"  --seed S       seed of the first program (default 1)\n"
"  --out DIR      where a difference is saved (default htbed-out)\n"
"  --write DIR    save the random programs in DIR, run nothing\n"
"  FILE           run these programs (op records) instead\n"
"exit: 0 no difference, 1 difference or bug, 2 usage or testbed error\n",
	    HD_MAX_OPS);
	exit(0);
}

static uint64_t
number(const char *opt, const char *s, uint64_t max)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || v > max) {
		(void) fprintf(stderr, "htdiff: %s wants a number up to %" PRIu64
		    ", not '%s'\n", opt, max, s);
		exit(2);
	}
	return (v);
}

static void
save(const char *name, const struct hd_result *r, const uint8_t *prog,
    size_t len)
{
	char path[4096];
	FILE *f;

	(void) mkdir(outdir, 0777);
	(void) snprintf(path, sizeof (path), "%s/diff-%s.bin", outdir, name);
	if ((f = fopen(path, "w")) != NULL) {
		(void) fwrite(prog, 1, len, f);
		(void) fclose(f);
	}
	(void) snprintf(path, sizeof (path), "%s/diff-%s.txt", outdir, name);
	if ((f = fopen(path, "w")) != NULL) {
		(void) fputs(r->hr_report, f);
		(void) fclose(f);
	}
	(void) fprintf(stderr, "htdiff: saved as %s/diff-%s.{txt,bin}; repeat "
	    "with: htdiff %s/diff-%s.bin\n", outdir, name, outdir, name);
}

/* run one program; 1 if the instances differ */
static int
run_one(const char *name, const uint8_t *prog, size_t len)
{
	struct hd_result r;
	int rc = hd_run(prog, len, &r);

	total_ops += (uint64_t)r.hr_ops;
	total_steals += r.hr_steals;
	total_reaps += r.hr_reap_attempts;
	total_reaped += r.hr_reaped;
	if (rc > 0) {
		(void) fputs(r.hr_report, stdout);
		(void) fflush(stdout);
		save(name, &r, prog, len);
	}
	hd_result_free(&r);
	return (rc);
}

static uint8_t *
read_program(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	uint8_t *buf = malloc(HD_MAX_OPS * HB_OP_BYTES);

	if (f == NULL || buf == NULL) {
		(void) fprintf(stderr, "htdiff: cannot read %s: %s\n", path,
		    strerror(errno));
		exit(2);
	}
	*len = fread(buf, 1, HD_MAX_OPS * HB_OP_BYTES, f);
	(void) fclose(f);
	return (buf);
}

/* the random programs as files, named by seed */
static int
write_programs(uint64_t programs, int nops, uint64_t seed)
{
	uint8_t buf[HD_MAX_OPS * HB_OP_BYTES];
	char path[4096];
	uint64_t i;
	size_t len;
	FILE *f;

	(void) mkdir(writedir, 0777);	/* its parent must exist */
	for (i = 0; i < programs; i++) {
		len = hd_program_random(seed + i, nops, buf);
		(void) snprintf(path, sizeof (path), "%s/seed%" PRIu64, writedir,
		    seed + i);
		if ((f = fopen(path, "w")) == NULL ||
		    fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
			(void) fprintf(stderr, "htdiff: cannot write %s: %s\n",
			    path, strerror(errno));
			return (2);
		}
	}
	return (0);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "programs", 1, NULL, 'p' }, { "ops", 1, NULL, 'o' },
		{ "seed", 1, NULL, 's' }, { "out", 1, NULL, 'd' },
		{ "write", 1, NULL, 'w' },
		{ "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 }
	};
	uint64_t programs = 200, seed = 1, i;
	int nops = 50, c, diffs = 0, ran = 0;
	uint8_t buf[HD_MAX_OPS * HB_OP_BYTES], *prog;
	char name[64];
	size_t len;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': programs = number("--programs", optarg, 1u << 30);
			break;
		case 'o': nops = (int)number("--ops", optarg, HD_MAX_OPS);
			break;
		case 's': seed = number("--seed", optarg, UINT64_MAX); break;
		case 'd': outdir = optarg; break;
		case 'w': writedir = optarg; break;
		case 'h': usage_exit(NULL); break;
		default: usage_exit("unknown or incomplete option");
		}
	}
	if (writedir != NULL)
		return (write_programs(programs, nops, seed));
	(void) setenv("HTDIFF_OUT", outdir, 1);
	if (hd_boot() != 0)
		return (2);
	if (optind < argc) {
		for (; optind < argc && diffs == 0; optind++, ran++) {
			prog = read_program(argv[optind], &len);
			(void) snprintf(name, sizeof (name), "file%d", ran);
			diffs += run_one(name, prog, len);
			free(prog);
		}
	} else {
		for (i = 0; i < programs && diffs == 0; i++, ran++) {
			len = hd_program_random(seed + i, nops, buf);
			(void) snprintf(name, sizeof (name), "seed%" PRIu64,
			    seed + i);
			diffs += run_one(name, buf, len);
		}
	}
	(void) printf("htdiff: %s in %d program%s, %" PRIu64 " ops; "
	    "htable.c stole %" PRIu64 " tables for allocation, reaped %" PRIu64
	    " in %" PRIu64 " reaps\n", diffs ? "the instances DIFFER" :
	    "no difference", ran, ran == 1 ? "" : "s", total_ops, total_steals,
	    total_reaped, total_reaps);
	return (diffs ? 1 : 0);
}
