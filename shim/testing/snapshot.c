/*
 * Saving the emulated machine after boot, and putting it back before
 * every controlled-mode run, so that each run starts from the same state
 * and a run replays exactly in another process.
 *
 * The machine is, and is only:
 *  - kernel data: .data and .bss of every kernel-image object, which the
 *    build renames htbed_kdata and htbed_kbss (see the Makefile's
 *    KIMG_RENAME): htable.c's globals and statics included, whichever
 *    htable.c is built;
 *  - the kernel arena up to its break (shim/kern/kmem.c): kmem objects,
 *    page_t array, window state, the shadow model;
 *  - page-table frames: those in use at the save, and any handed out
 *    since (page_get_physical() reports each to snap_frame_used()).
 * Data frames are never written by anyone.  Window mappings are host
 * state: they are re-established from the restored window table.
 *
 * Copies are made with `rep movsb`, which no sanitizer instruments: the
 * ranges include ASan redzones between globals, and the arena's freed
 * objects, which shim_kmem_repoison() marks again afterwards.
 */
#include <sys/types.h>
#include <sys/machparam.h>
#include <sys/sysmacros.h>
#include <htbed/sanitizer.h>
#include <htbed/shim.h>
#include <htbed/snapshot.h>
#include <htbed/written.h>

extern char __start_htbed_kdata[], __stop_htbed_kdata[];
extern char __start_htbed_kbss[], __stop_htbed_kbss[];
extern void shim_windows_resync(void);

static struct {
	char		*s_data, *s_bss, *s_arena;	/* saved copies */
	size_t		s_arena_len;
	char		*s_frames;		/* every page-table frame */
	uint8_t		*s_dirty;		/* per frame: restore it */
	pfn_t		*s_list;		/* the dirty frames */
	size_t		s_nlist, s_nboot;	/* dirty; in use at the save */
	int		s_saved;
} snap;

static void
raw_copy(void *dst, const void *src, size_t n)
{
	__asm__ volatile("rep movsb"
	    : "+D" (dst), "+S" (src), "+c" (n) : : "memory");
}

static size_t
span(const char *a, const char *b)
{
	return ((size_t)(b - a));
}

static uint64_t
npt(void)
{
	return ((uint64_t)(shim_pt_last - shim_pt_first + 1));
}

void
snap_frame_used(pfn_t pfn)
{
	if (!snap.s_saved || snap.s_dirty[pfn - shim_pt_first])
		return;
	snap.s_dirty[pfn - shim_pt_first] = 1;
	snap.s_list[snap.s_nlist++] = pfn;
}

void
snap_save(void)
{
	char *base, *brk, *hwm;
	pfn_t pfn;

	shim_arena_range(&base, &brk, &hwm);
	snap.s_arena_len = span(base, brk);
	snap.s_data = host_alloc(span(__start_htbed_kdata, __stop_htbed_kdata));
	snap.s_bss = host_alloc(span(__start_htbed_kbss, __stop_htbed_kbss));
	snap.s_arena = host_alloc(snap.s_arena_len);
	snap.s_frames = host_alloc(npt() << MMU_PAGESHIFT);
	snap.s_dirty = host_zalloc(npt());
	snap.s_list = host_alloc(npt() * sizeof (pfn_t));
	raw_copy(snap.s_data, __start_htbed_kdata,
	    span(__start_htbed_kdata, __stop_htbed_kdata));
	raw_copy(snap.s_bss, __start_htbed_kbss,
	    span(__start_htbed_kbss, __stop_htbed_kbss));
	raw_copy(snap.s_arena, base, snap.s_arena_len);
	raw_copy(snap.s_frames, SHIM_FRAME_VA(shim_pt_first),
	    npt() << MMU_PAGESHIFT);
	snap.s_saved = 1;
	for (pfn = shim_pt_first; pfn <= shim_pt_last; pfn++) {
		if (shim_frame_in_use(pfn))
			snap_frame_used(pfn);
	}
	snap.s_nboot = snap.s_nlist;
}

/* the page at a differs from the one at b */
typedef uint64_t page_vec_t __attribute__((vector_size(32), aligned(8)));

static int
page_differs(const void *a, const void *b)
{
	const page_vec_t *x = a, *y = b;
	page_vec_t d = { 0, 0, 0, 0 };
	size_t i;

	for (i = 0; i < MMU_PAGESIZE / sizeof (page_vec_t); i++)
		d |= x[i] ^ y[i];
	return ((d[0] | d[1] | d[2] | d[3]) != 0);
}

/*
 * The n bytes (at most a page) at src back at dst.  Where the record of
 * writes is kept (htbed/written.h), only a page that differs is copied
 * and noted written: the checker need not compare or walk the rest again.
 */
static void
put_back(char *dst, const char *src, size_t n)
{
	if (written_tracked && n == MMU_PAGESIZE && !page_differs(dst, src))
		return;
	written_range(dst, n);
	raw_copy(dst, src, n);
}

/* the frames handed out since the save are clean again */
static void
frames_restore(void)
{
	size_t i;
	pfn_t pfn;

	for (i = 0; i < snap.s_nlist; i++) {
		pfn = snap.s_list[i];
		put_back(SHIM_FRAME_VA(pfn), snap.s_frames +
		    ((pfn - shim_pt_first) << MMU_PAGESHIFT), MMU_PAGESIZE);
		if (i >= snap.s_nboot)
			snap.s_dirty[pfn - shim_pt_first] = 0;
	}
	snap.s_nlist = snap.s_nboot;
}

/* the arena as it was, up to its break at the save */
static void
arena_restore(char *base)
{
	size_t off;

	for (off = 0; off < snap.s_arena_len; off += MMU_PAGESIZE)
		put_back(base + off, snap.s_arena + off,
		    MIN(MMU_PAGESIZE, snap.s_arena_len - off));
}

void
snap_restore(void)
{
	char *base, *brk, *hwm;

	if (!snap.s_saved)
		htbed_internal_error("snap_restore() before snap_save()");
	shim_arena_range(&base, &brk, &hwm);
	raw_copy(__start_htbed_kdata, snap.s_data,
	    span(__start_htbed_kdata, __stop_htbed_kdata));
	raw_copy(__start_htbed_kbss, snap.s_bss,
	    span(__start_htbed_kbss, __stop_htbed_kbss));
	arena_restore(base);
	frames_restore();
	shim_kmem_repoison(hwm);
	shim_windows_resync();
}

size_t
snap_bytes(void)
{
	return (span(__start_htbed_kdata, __stop_htbed_kdata) +
	    span(__start_htbed_kbss, __stop_htbed_kbss) + snap.s_arena_len +
	    snap.s_nboot * MMU_PAGESIZE);
}

/*
 * Addresses differ from process to process (ASLR); their offsets into
 * the kernel data, the arena, physical memory, the windows or the program
 * text do not.  A value that is none of these is returned as it is.  The
 * ranges are fixed once the machine is up; they are looked up once.
 */
extern char __executable_start[], etext[];

static struct canon_range {
	uintptr_t	cr_lo, cr_len;
} canon[6];

static void
canon_init(void)
{
	char *win;
	size_t winlen;

	canon[SHIM_CANON_KDATA - 1] = (struct canon_range){
	    (uintptr_t)__start_htbed_kdata,
	    span(__start_htbed_kdata, __stop_htbed_kdata) };
	canon[SHIM_CANON_KBSS - 1] = (struct canon_range){
	    (uintptr_t)__start_htbed_kbss,
	    span(__start_htbed_kbss, __stop_htbed_kbss) };
	canon[SHIM_CANON_ARENA - 1] = (struct canon_range){
	    (uintptr_t)shim_arena_base(), shim_arena_size() };
	canon[SHIM_CANON_PHYS - 1] = (struct canon_range){
	    (uintptr_t)shim_physmap,
	    (uintptr_t)(shim_data_last + 1) << MMU_PAGESHIFT };
	canon[SHIM_CANON_TEXT - 1] = (struct canon_range){
	    (uintptr_t)__executable_start, span(__executable_start, etext) };
	shim_windows_range(&win, &winlen);
	canon[SHIM_CANON_WINDOW - 1] = (struct canon_range){ (uintptr_t)win,
	    winlen };
}

uint64_t
shim_addr_canon(uint64_t v)
{
	int i;

	if (canon[SHIM_CANON_PHYS - 1].cr_len == 0)
		canon_init();
	for (i = 0; i < 6; i++) {
		if (v - canon[i].cr_lo < canon[i].cr_len)
			return (((uint64_t)(i + 1) << 56) | (v - canon[i].cr_lo));
	}
	return (v);
}
