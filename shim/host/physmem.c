/*
 * Emulated physical memory on a memfd: the linear physmap and the
 * remappable page-table windows.  See htbed/host.h.
 */
#define	_GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "htbed/host.h"

static int phys_fd = -1;
static char *phys_map;
static size_t phys_len;
static char *win_base;
static int64_t *win_shows;	/* the frame each window page maps, or -1 */

/* a window page already showing what it is asked to show is left alone */
static int
win_unchanged(char *window_va, int64_t pfn)
{
	int64_t *w = &win_shows[(window_va - win_base) >> 12];

	if (*w == pfn)
		return (1);
	*w = pfn;
	return (0);
}

int
host_phys_init(uint64_t nframes, unsigned nwin, char **physmap,
    char **windows)
{
	size_t len = (size_t)nframes << 12;
	void *p, *w;

	phys_fd = memfd_create("htbed-physmem", MFD_CLOEXEC);
	if (phys_fd < 0 || ftruncate(phys_fd, (off_t)len) != 0) {
		(void) fprintf(stderr, "htbed: cannot create %zu bytes of "
		    "emulated physical memory: %s\n", len, strerror(errno));
		return (-1);
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, phys_fd, 0);
	w = mmap(NULL, (size_t)nwin << 12, PROT_NONE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED || w == MAP_FAILED) {
		(void) fprintf(stderr, "htbed: cannot map emulated physical "
		    "memory: %s\n", strerror(errno));
		return (-1);
	}
	phys_map = p;
	phys_len = len;
	win_base = w;
	win_shows = malloc(sizeof (int64_t) * nwin);
	if (win_shows == NULL)
		abort();
	memset(win_shows, 0xff, sizeof (int64_t) * nwin);
	*physmap = p;
	*windows = w;
	return (0);
}

void
host_phys_window_map(char *window_va, uint64_t pfn)
{
	void *p;

	if (win_unchanged(window_va, (int64_t)pfn))
		return;
	p = mmap(window_va, 4096, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_FIXED | MAP_POPULATE, phys_fd,
	    (off_t)(pfn << 12));
	if (p == MAP_FAILED) {
		(void) fprintf(stderr, "htbed: window remap failed: %s\n",
		    strerror(errno));
		abort();
	}
}

void
host_phys_window_unmap(char *window_va)
{
	void *p;

	if (win_unchanged(window_va, -1))
		return;
	p = mmap(window_va, 4096, PROT_NONE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		abort();
}

void
host_phys_private(void)
{
	if (mmap(phys_map, phys_len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_FIXED, phys_fd, 0) == MAP_FAILED) {
		(void) fprintf(stderr, "htbed: cannot make physical memory "
		    "private: %s\n", strerror(errno));
		abort();
	}
}
