/*
 * ThreadSanitizer's policy for an unmodified illumos htable.c: the races
 * that code has on purpose, and nothing else.  Linked only into TSan
 * builds of an external htable.c (HTABLE_C=path, tests/real.mk).  TSan
 * calls it with its report locks held, so it is not instrumented itself
 * and calls no instrumented code, only TSan's interface and libc (whose
 * interceptors TSan ignores while it reports); the project's own
 * core/htable.c reads every shared counter atomically and is checked
 * without any exemption.
 *
 * Why not a suppressions file.  A TSan suppression matches a report when
 * any frame of either access names the listed function (race:) or when
 * the top frame of either access does (race_top:).  Every function of
 * htable.c that reads a count without its lock also writes counts under
 * that lock (htable_release() reads ht_valid_cnt and decrements ht_busy),
 * so even race_top: would hide a race between two locked writers, or
 * between a locked and a lock-free writer, as long as one of them is in
 * that function.  TSan tells a program about every report before it
 * prints it (the weak hook __tsan::OnReport, which TSan's own tests
 * override; a true return drops the report), and its debugging interface
 * says, for each of the two accesses, whether it was a write and whether
 * it was atomic.  That is enough to exempt exactly this:
 *
 *   one access is a plain READ, at a listed function of htable.c, of a
 *   listed object; and the other access is what the protocol says writes
 *   that object: an atomic read-modify-write (for counts that are only
 *   ever changed atomically), or a write (for fields written under a
 *   lock the reader deliberately does not take).
 *
 * Hence, whatever the entries:
 *  - a race between two writes is always reported, locked or not;
 *  - a plain write to a count that the protocol changes only atomically
 *    (ht_valid_cnt, ht_lock_cnt, htable_dont_cache, ...) is always
 *    reported, even against an exempted read;
 *  - a read anywhere else, or of any other object, is reported.
 * What an entry can hide: a lock-free write to a lock-protected field
 * (ht_busy, hat_ht_cached, htable_reserve_cnt, hat_flags) whose only
 * unordered partner is an exempted read.  Such a write also races with
 * the field's locked writers, and that race is reported (the planted-race
 * test, tests/real/planted-race.patch, shows it for ht_busy).
 *
 * Three entries are not about reads, and say so: the steal rotor h_seed
 * and the force_steal counter ptable_cnt, whose lost updates only change
 * where the next steal starts or which allocation fails; and the VICTIM
 * updates of hat_flags, plain writes under hat_list_lock, which race only
 * with the shim's atomic TOP_LEVEL() read of HAT_VLP.
 *
 * Objects in the kernel arena have no location in a report, so a field
 * is named by its size and its offset modulo 8 (kmem objects are 8-byte
 * aligned), together with the function that reads it; the asserts below
 * keep those offsets true.  Globals are named by their symbol.
 *
 * If TSan's interface changes so that this cannot decide, nothing is
 * exempted: reports appear, and `make test-real` fails.
 */
#include <sys/types.h>
#include <sys/sysmacros.h>
#include <vm/hat.h>
#include <vm/hat_i86.h>
#include <vm/seg_kpm.h>
#include <htbed/shim.h>

#include <sanitizer/common_interface_defs.h>

/* TSan's debugging interface (compiler-rt tsan_debugging.cpp) */
extern void	*__tsan_get_current_report(void);
extern int	__tsan_get_report_data(void *, const char **, int *, int *,
    int *, int *, int *, int *, int *, void **, unsigned long);
extern int	__tsan_get_report_mop(void *, unsigned long, int *, void **,
    int *, int *, int *, void **, unsigned long);
extern int	__tsan_get_report_loc(void *, unsigned long, const char **,
    void **, unsigned long *, unsigned long *, int *, int *, int *, void **,
    unsigned long);

/* what the other access of the pair must be */
enum other {
	O_ATOMIC,	/* an atomic access: the object changes only so */
	O_WRITE,	/* a write: its writers hold a lock the reader skips */
	O_ATOMIC_READ,	/* (K_WRITE entries) an atomic read */
	O_SAME		/* (K_HINT entries) same function, same object */
};

enum kind {
	K_READ,		/* the exempted access is a plain read */
	K_WRITE,	/* a plain write */
	K_HINT		/* any plain access: a hint whose lost updates are ok */
};

/* what the exempted access touches */
enum object {
	OB_FIELD,	/* a kmem object's field: by size and offset mod 8 */
	OB_GLOBAL,	/* a global, by symbol */
	OB_PTE		/* a page-table entry (in kpm or a window): by size */
};

typedef struct exemption {
	enum kind	ex_kind;
	const char	*ex_func;	/* top frame of the exempted access */
	enum object	ex_object;
	const char	*ex_global;
	int		ex_size;
	int		ex_mod8;
	enum other	ex_other;
} exemption_t;

#define	MOD8(type, f)	((int)(offsetof(type, f) % 8))
#define	FIELD(type, f)	OB_FIELD, NULL, (int)sizeof (((type *)0)->f), \
			MOD8(type, f)
#define	GLOBAL(name)	OB_GLOBAL, (name), 0, 0
#define	PTE_BYTE	OB_PTE, NULL, 1, 0

/*
 * The entries.  "KAPI 6" is KERNEL-API.md section 6, "Benign races
 * ThreadSanitizer will flag"; each entry says which access, why it cannot
 * go wrong, and what the other side must be.
 */
static const exemption_t policy[] = {
	/*
	 * KAPI 6, "lock-free reads of busy, valid and lock counts in the
	 * steal loop": htable_steal_active() unmaps a pinned table with its
	 * bucket mutex dropped, and reads busy, valid and lock counts to
	 * give up early.  A stale value only makes it stop early or try one
	 * more entry; the decision to take the table is made again under the
	 * mutex.  Busy is written under the bucket mutex, valid and lock
	 * counts atomically.
	 */
	{ K_READ, "htable_steal_active", FIELD(htable_t, ht_busy), O_WRITE },
	{ K_READ, "htable_steal_active", FIELD(htable_t, ht_valid_cnt),
	    O_ATOMIC },
	{ K_READ, "htable_steal_active", FIELD(htable_t, ht_lock_cnt),
	    O_ATOMIC },
	/*
	 * Before illumos 2014-11 (the 2007 era) the same loop, with the
	 * same lock-free reads, is part of htable_steal() itself.
	 */
	{ K_READ, "htable_steal", FIELD(htable_t, ht_busy), O_WRITE },
	{ K_READ, "htable_steal", FIELD(htable_t, ht_valid_cnt), O_ATOMIC },
	{ K_READ, "htable_steal", FIELD(htable_t, ht_lock_cnt), O_ATOMIC },
	/*
	 * The same counts read under the bucket mutex of the table, while
	 * holders change valid and lock counts atomically without it
	 * (KERNEL-API.md section 2, counter rules): the steal candidate test
	 * and the free decision in htable_release().  Release frees only
	 * with busy == 1, its own hold, so no other holder can be changing
	 * valid then; a stale valid count with other holders only keeps the
	 * table.
	 */
	{ K_READ, "htable_release", FIELD(htable_t, ht_valid_cnt), O_ATOMIC },
	{ K_READ, "htable_release", FIELD(htable_t, ht_lock_cnt), O_ATOMIC },
	/*
	 * DEBUG assertions on the parent while the child's bucket mutex is
	 * held (link_ptp, unlink_ptp: "higher->ht_busy > 0", "valid > 0"),
	 * and on a table the walker holds (htable_walk: "prev->ht_busy > 0").
	 * The asserting thread owns a hold on that table, so the count it
	 * tests cannot drop to 0 whatever the locked or atomic writers do.
	 */
	{ K_READ, "link_ptp", FIELD(htable_t, ht_busy), O_WRITE },
	{ K_READ, "unlink_ptp", FIELD(htable_t, ht_busy), O_WRITE },
	{ K_READ, "unlink_ptp", FIELD(htable_t, ht_valid_cnt), O_ATOMIC },
	{ K_READ, "htable_walk", FIELD(htable_t, ht_busy), O_WRITE },
	/*
	 * KAPI 6, "the lock-free check of hat_ht_cached": htable_alloc()
	 * looks at the hat's cache without hat_mutex and looks again under
	 * it.  Writers hold hat_mutex.
	 */
	{ K_READ, "htable_alloc", FIELD(hat_t, hat_ht_cached), O_WRITE },
	/*
	 * hat_flags: HAT_FREEING is set by hat_free_start() and VICTIM by
	 * stealers, all under hat_list_lock; htable_free(), htable_release(),
	 * unlink_ptp() and htable_purge_hat() test FREEING without it.
	 * FREEING is set before teardown unloads anything, by the thread
	 * that then does the unloading and the purge, so whoever tests it
	 * for a table of a dying hat sees it set (KERNEL-API.md section 5,
	 * teardown); a concurrent change can only be a stealer's VICTIM.
	 * htable_alloc() and htable_lookup() test HAT_VLP, which never
	 * changes after hat_alloc().
	 */
	{ K_READ, "htable_free", FIELD(hat_t, hat_flags), O_WRITE },
	{ K_READ, "htable_release", FIELD(hat_t, hat_flags), O_WRITE },
	{ K_READ, "unlink_ptp", FIELD(hat_t, hat_flags), O_WRITE },
	{ K_READ, "htable_purge_hat", FIELD(hat_t, hat_flags), O_WRITE },
	{ K_READ, "htable_alloc", FIELD(hat_t, hat_flags), O_WRITE },
	{ K_READ, "htable_lookup", FIELD(hat_t, hat_flags), O_WRITE },
	/* (files of 2007-01 test HAT_VLP in htable_create() too) */
	{ K_READ, "htable_create", FIELD(hat_t, hat_flags), O_WRITE },
	/*
	 * (files of 2005-2006 test HAT_SHARED in x86pte_xcall(); the HAT
	 * sets it under hat_list_lock before the hat's first shared load
	 * and never clears it)
	 */
	{ K_READ, "x86pte_xcall", FIELD(hat_t, hat_flags), O_WRITE },
	/*
	 * The VICTIM updates themselves ("hat->hat_flags |= HAT_VICTIM" and
	 * its clearing in htable_steal) are plain read-modify-writes under
	 * hat_list_lock, as every other update of hat_flags is; the shim's
	 * TOP_LEVEL() reads the flags atomically without the lock to test
	 * HAT_VLP, which never changes.  Only that pairing is exempted.
	 */
	{ K_WRITE, "htable_steal", FIELD(hat_t, hat_flags), O_ATOMIC_READ },
	/*
	 * htable_walk() reads hat_pages_mapped[] and hat_ism_pgcnt to skip
	 * levels; the HAT changes them atomically.  A stale count only
	 * makes the walk look at one more level (KAPI 2, "the mini HAT must
	 * maintain it").
	 */
	{ K_READ, "htable_walk", FIELD(hat_t, hat_pages_mapped[0]),
	    O_ATOMIC },
	{ K_READ, "htable_walk", FIELD(hat_t, hat_ism_pgcnt), O_ATOMIC },
	/*
	 * KAPI 6, "htable_scan byte reads racing with CAS writers":
	 * htable_scan() tests PT_VALID in the low byte of each entry with a
	 * plain one-byte load; every writer of an entry uses CAS_PTE.  A
	 * stale byte makes the scan stop at an entry just cleared or pass one
	 * just set, as a scan an instant earlier or later would; the entry it
	 * stops at is then loaded whole with GET_PTE, atomically.  (Only kpm
	 * mode shows this race to TSan: through a window the same entry has
	 * another address for every vCPU.)
	 */
	{ K_READ, "htable_scan", PTE_BYTE, O_ATOMIC },
	/*
	 * The same byte reads of the entries of a copied top table, which
	 * live in the hat (hat_copied_ptes[] of the KPTI era, a 32-bit
	 * process's hat_vlp_ptes[] of the 2015 era), a kmem object: one
	 * byte, at an entry's start.
	 */
	{ K_READ, "htable_scan", OB_FIELD, NULL, 1, 0, O_ATOMIC },
	/*
	 * KAPI 6, "reads of htable_reserve_cnt and htable_dont_cache": the
	 * reserve's count is written under htable_reserve_mutex and read
	 * without it to decide whether to refill or trim (both re-checked or
	 * harmless when wrong by one); htable_dont_cache is changed only
	 * atomically, and a free that misses a fresh raise caches a table the
	 * stealer never looks at again.
	 */
	{ K_READ, "htable_alloc", GLOBAL("htable_reserve_cnt"), O_WRITE },
	{ K_READ, "htable_free", GLOBAL("htable_reserve_cnt"), O_WRITE },
	{ K_READ, "htable_adjust_reserve", GLOBAL("htable_reserve_cnt"),
	    O_WRITE },
	{ K_READ, "htable_free", GLOBAL("htable_dont_cache"), O_ATOMIC },
	/*
	 * htable_reap() sizes its work from active_ptables (changed only
	 * atomically) and tests can_steal_post_boot, which the HAT sets
	 * atomically to 1 in every hat_alloc() and never clears.
	 */
	{ K_READ, "htable_reap", GLOBAL("active_ptables"), O_ATOMIC },
	{ K_READ, "htable_reap", GLOBAL("can_steal_post_boot"), O_ATOMIC },
	{ K_READ, "htable_alloc", GLOBAL("can_steal_post_boot"), O_ATOMIC },
	/*
	 * ptable_alloc() compares freemem with throttlefree without a lock,
	 * as the kernel does; the shim changes both atomically.  A stale
	 * value lets one allocation through or fails one into stealing.
	 */
	{ K_READ, "ptable_alloc", GLOBAL("freemem"), O_ATOMIC },
	{ K_READ, "ptable_alloc", GLOBAL("throttlefree"), O_ATOMIC },
	/*
	 * KAPI 6, "h_seed++": the bucket where htable_steal_active() starts,
	 * a plain increment by concurrent stealers.  A lost update makes two
	 * steals start at the same bucket.  Only races between two such
	 * increments are exempted.
	 */
	{ K_HINT, "htable_steal_active", GLOBAL("h_seed"), O_SAME },
	/* (in htable_steal() itself before 2014-11) */
	{ K_HINT, "htable_steal", GLOBAL("h_seed"), O_SAME },
	/*
	 * KAPI 6, "ptable_cnt": the DEBUG force_steal counter, a plain
	 * increment and reset by concurrent allocators (only with
	 * --force-steal).  A lost update shifts which allocation is failed
	 * into stealing.  Only races between two such accesses are exempted.
	 */
	{ K_HINT, "ptable_alloc", GLOBAL("ptable_cnt"), O_SAME },
};

#define	MAXFRAMES	4

typedef struct access {
	void		*a_addr;
	int		a_size;
	int		a_write;
	int		a_atomic;
	char		a_func[128];
} access_t;

static int
name_is(const char *got, const char *want)
{
	return (__builtin_strcmp(got, want) == 0);
}

/* the function of the innermost (inlined) frame of pc */
static void
top_function(void *pc, char *buf, size_t len)
{
	buf[0] = '\0';
	if (pc != NULL)
		__sanitizer_symbolize_pc(pc, "%f", buf, len);
}

static int
get_access(void *rep, unsigned long i, access_t *a)
{
	void *trace[MAXFRAMES] = { NULL };
	int tid;

	if (!__tsan_get_report_mop(rep, i, &tid, &a->a_addr, &a->a_size,
	    &a->a_write, &a->a_atomic, trace, MAXFRAMES))
		return (0);
	top_function(trace[0], a->a_func, sizeof (a->a_func));
	return (a->a_func[0] != '\0');
}

/*
 * An address of a page-table frame, through kpm or a vCPU's window.
 * Reads the shim's globals itself: an instrumented function called while
 * TSan reports can wait on the lock the report holds (a trace switch).
 */
static int
is_pte(const void *addr)
{
	uintptr_t a = (uintptr_t)addr;
	uintptr_t lo = (uintptr_t)SHIM_FRAME_VA(shim_pt_first);
	uintptr_t hi = (uintptr_t)SHIM_FRAME_VA(shim_pt_last + 1);
	uintptr_t win = (uintptr_t)mmu.pwin_base;
	size_t winlen = (size_t)SHIM_WINDOWS_PER_CPU * ncpus * MMU_PAGESIZE;

	return ((kpm_vbase != NULL && a >= lo && a < hi) ||
	    (win != 0 && a - win < winlen));
}

/*
 * The global the race at addr is on, by name; "" for anything else.
 * (TSan calls a file mapping, such as emulated physical memory, a global
 * too; that one is not symbolized.)
 */
static void
global_name(void *rep, int nloc, const void *addr, char *buf, size_t len)
{
	void *trace[1], *gaddr = NULL;
	unsigned long start, size;
	const char *type = "";
	int tid, fd, supp;

	buf[0] = '\0';
	if (is_pte(addr) || nloc < 1 || !__tsan_get_report_loc(rep, 0, &type,
	    &gaddr, &start, &size, &tid, &fd, &supp, trace, 1) ||
	    !name_is(type, "global"))
		return;
	__sanitizer_symbolize_global(gaddr, "%g", buf, len);
	if (name_is(buf, "??"))
		buf[0] = '\0';
}

/*
 * A global's symbol: the name itself, or for a static of a function the
 * compiler's local name, "func.name" (clang) or "name.N" (gcc).
 */
static int
global_is(const char *got, const char *want)
{
	size_t g = __builtin_strlen(got), w = __builtin_strlen(want);
	const char *p;

	if (name_is(got, want))
		return (1);
	if (g > w + 1 && got[g - w - 1] == '.' && name_is(got + g - w, want))
		return (1);
	if (g <= w + 1 || __builtin_strncmp(got, want, w) != 0 ||
	    got[w] != '.')
		return (0);
	for (p = got + w + 1; *p >= '0' && *p <= '9'; p++)
		continue;
	return (*p == '\0');
}

static int
object_matches(const exemption_t *ex, const access_t *a, const char *global)
{
	switch (ex->ex_object) {
	case OB_GLOBAL:
		return (global_is(global, ex->ex_global));
	case OB_PTE:
		return (a->a_size == ex->ex_size && is_pte(a->a_addr));
	case OB_FIELD:
		return (global[0] == '\0' && !is_pte(a->a_addr) &&
		    a->a_size == ex->ex_size &&
		    (int)((uintptr_t)a->a_addr % 8) == ex->ex_mod8);
	}
	return (0);
}

static int
other_matches(const exemption_t *ex, const access_t *mine,
    const access_t *other)
{
	switch (ex->ex_other) {
	case O_ATOMIC:
		return (other->a_atomic);
	case O_WRITE:
		return (other->a_write);
	case O_ATOMIC_READ:
		return (other->a_atomic && !other->a_write);
	case O_SAME:
		return (!other->a_atomic && name_is(other->a_func,
		    mine->a_func));
	}
	return (0);
}

static int
kind_matches(const exemption_t *ex, const access_t *a)
{
	if (a->a_atomic)
		return (0);
	switch (ex->ex_kind) {
	case K_READ:
		return (!a->a_write);
	case K_WRITE:
		return (a->a_write);
	case K_HINT:
		return (1);
	}
	return (0);
}

/* is the pair (mine, other) one the policy exempts? */
static int
exempt(const access_t *mine, const access_t *other, const char *global)
{
	size_t i;

	for (i = 0; i < sizeof (policy) / sizeof (policy[0]); i++) {
		const exemption_t *ex = &policy[i];

		if (name_is(mine->a_func, ex->ex_func) &&
		    kind_matches(ex, mine) && object_matches(ex, mine, global) &&
		    other_matches(ex, mine, other))
			return (1);
	}
	return (0);
}

static int
benign(void)
{
	void *rep = __tsan_get_current_report(), *sleep[1];
	int count, nstack, nmop, nloc, nmutex, nthread, nuniq;
	const char *what = "";
	char global[128];
	access_t a[2];

	if (rep == NULL || !__tsan_get_report_data(rep, &what, &count,
	    &nstack, &nmop, &nloc, &nmutex, &nthread, &nuniq, sleep, 1) ||
	    !name_is(what, "data-race") || nmop != 2 ||
	    !get_access(rep, 0, &a[0]) || !get_access(rep, 1, &a[1]))
		return (0);
	global_name(rep, nloc, a[0].a_addr, global, sizeof (global));
	return (exempt(&a[0], &a[1], global) || exempt(&a[1], &a[0], global));
}

/*
 * TSan calls this for every report before printing it (compiler-rt
 * tsan_rtl_report.cpp); the weak default returns `suppressed'.
 */
_Bool	tsan_reference_on_report(const void *, _Bool)
    __asm__("_ZN6__tsan8OnReportEPKNS_10ReportDescEb");

_Bool
tsan_reference_on_report(const void *rep, _Bool suppressed)
{
	(void) rep;
	return (suppressed || benign());
}

_Static_assert(offsetof(hat_t, HTBED_COPIED_FIELD) % 8 == 0,
    "copied top-level entries as the policy names them");
_Static_assert(offsetof(htable_t, ht_busy) % 2 == 0 &&
    offsetof(htable_t, ht_valid_cnt) % 2 == 0 &&
    sizeof (htable_t) % 8 == 0, "htable_t fields as the policy names them");
