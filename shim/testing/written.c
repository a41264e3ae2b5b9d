/*
 * The record of written frames and arena pages (htbed/written.h), and the mem*
 * functions the core's objects call instead of libc's and the sanitizers'
 * in a build whose core calls the access callbacks (the Makefile renames
 * them), so that a frame the core zeroes or copies in one call is noted
 * as the callbacks note a plain store.
 */
#include <sys/types.h>
#include <sys/machparam.h>
#include <htbed/written.h>
#include <htbed/shim.h>

int written_tracked;
uintptr_t written_lo, written_len, written_wlo, written_wlen;
uintptr_t written_alo, written_alen;
uint8_t *written_map, *written_amap;

extern uint64_t access_code_hash(void);

/*
 * Once the machine has its memory: every frame and arena page is unknown,
 * so written.
 */
void
written_init(void)
{
	size_t n = (size_t)(shim_pt_last - shim_pt_first + 1);
	char *win, *base, *brk, *hwm;
	size_t winlen;

	shim_arena_range(&base, &brk, &hwm);
	written_alo = (uintptr_t)base;
	written_alen = shim_arena_size();
	if (written_map == NULL) {
		written_map = host_zalloc(n);
		written_amap = host_zalloc(written_alen >> MMU_PAGESHIFT);
	}
	__builtin_memset(written_map, 1, n);
	__builtin_memset(written_amap, 1, written_alen >> MMU_PAGESHIFT);
	written_lo = (uintptr_t)SHIM_FRAME_VA(shim_pt_first);
	written_len = n << MMU_PAGESHIFT;
	shim_windows_range(&win, &winlen);
	written_wlo = (uintptr_t)win;
	written_wlen = winlen;
	written_tracked = access_code_hash() != 0;
}

static void
note_pfn(pfn_t pfn)
{
	if (pfn >= shim_pt_first && pfn <= shim_pt_last)
		__atomic_store_n(&written_map[pfn - shim_pt_first], 1,
		    __ATOMIC_RELAXED);
}

/* a write of n bytes at p: the arena, or a frame through kpm or a window */
void
written_range(const volatile void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p, end = a + n;
	unsigned x;
	pfn_t pfn;

	if (!written_tracked)
		return;
	for (a &= ~(uintptr_t)MMU_PAGEOFFSET; n != 0 && a < end;
	    a += MMU_PAGESIZE) {
		if (a - written_lo < written_len)
			note_pfn(shim_pt_first + (pfn_t)((a - written_lo) >>
			    MMU_PAGESHIFT));
		else if (a - written_alo < written_alen)
			__atomic_store_n(&written_amap[(a - written_alo) >>
			    MMU_PAGESHIFT], 1, __ATOMIC_RELAXED);
		else if (shim_window_of(a, &x, &pfn) && pfn != PFN_INVALID)
			note_pfn(pfn);
	}
}

int
written_take(pfn_t pfn)
{
	uint8_t *w = &written_map[pfn - shim_pt_first];

	return (!written_tracked || __atomic_exchange_n(w, 0,
	    __ATOMIC_RELAXED) != 0);
}

/* (up to the arena's high-water mark: no object lies above it) */
void
written_arena_clear(void)
{
	char *base, *brk, *hwm;

	if (!written_tracked)
		return;
	shim_arena_range(&base, &brk, &hwm);
	__builtin_memset(written_amap, 0, (size_t)(hwm - base +
	    MMU_PAGEOFFSET) >> MMU_PAGESHIFT);
}

/*
 * The core's mem* calls (an ASan build's __asan_mem*, another's libc's:
 * the Makefile renames them to these and their written_asan_ aliases).
 * This file is built with the core's sanitizer, so that the builtins
 * below make the calls the core made.
 */
void *
written_memset(void *d, int c, size_t n)
{
	written_range(d, n);
	return (__builtin_memset(d, c, n));
}

void *
written_memcpy(void *d, const void *s, size_t n)
{
	written_range(d, n);
	return (__builtin_memcpy(d, s, n));
}

void *
written_memmove(void *d, const void *s, size_t n)
{
	written_range(d, n);
	return (__builtin_memmove(d, s, n));
}

extern void *written_asan_memset(void *, int, size_t)
    __attribute__((alias("written_memset")));
extern void *written_asan_memcpy(void *, const void *, size_t)
    __attribute__((alias("written_memcpy")));
extern void *written_asan_memmove(void *, const void *, size_t)
    __attribute__((alias("written_memmove")));
