/*
 * The bug-found event, and everything that turns into one: failed ASSERT
 * and VERIFY, panic(), cmn_err(CE_PANIC), fatal signals and sanitizer
 * deaths.
 *
 * Exactly one failure is reported per process: the first thread to fail
 * builds the report (what, where, thread, vCPU, locks held, the last events
 * of every thread), hands it to the harness hook, which writes the failure
 * artifacts completely, and the process exits 1.  Threads that fail after
 * it wait for the exit.
 */
#include <stdarg.h>
#include <sys/types.h>
#include <sys/thread.h>
#include <sys/cpuvar.h>
#include <sys/cmn_err.h>
#include <sys/debug.h>
#include <sys/promif.h>
#include <htbed/sanitizer.h>
#include <htbed/sched.h>
#include <htbed/seam.h>
#include <htbed/shim.h>
#if defined(HTBED_TSAN) || defined(HTBED_ASAN)
#include <sanitizer/common_interface_defs.h>
#endif

#define	REPORT_EVENTS	24	/* last events shown per thread */

static int bug_started;
static int bug_abort;		/* end in abort(): a fuzz target's crash */
static bug_hook_t bug_hook;

static void __attribute__((noreturn))
bug_exit(int status)
{
	if (bug_abort && status != 0)
		host_abort();
	host_exit(status);
}

const char *const seam_ev_name[EV_NKINDS] = {
	[EV_NONE] = "-",
	[EV_OP] = "op",
	[EV_MUTEX_ENTER] = "mutex_enter",
	[EV_MUTEX_WAIT] = "mutex_wait",
	[EV_MUTEX_EXIT] = "mutex_exit",
	[EV_CV_WAIT] = "cv_wait",
	[EV_CV_WAKE] = "cv_wake",
	[EV_CV_SIGNAL] = "cv_signal",
	[EV_PREEMPT_ENABLE] = "kpreempt_enable",
	[EV_MIGRATE] = "migrate",
	[EV_ATOMIC] = "atomic",
	[EV_CAS_PTE] = "cas",
	[EV_CAS_FAIL] = "cas_fail",
	[EV_MAPIN] = "mapin",
	[EV_WINDOW_REMAP] = "window_remap",
	[EV_TLB_INVAL] = "tlb_inval",
	[EV_YIELD] = "yield",
	[EV_STEAL_UNMAP] = "steal_unmap",
	[EV_SPIN] = "spin",
	[EV_MMU_READ] = "mmu_read",
	[EV_MMU_BITS] = "mmu_refmod",
	[EV_MMU_XLATE] = "mmu_xlate",
	[EV_XCALL] = "xcall",
	[EV_HAT_SWITCH] = "hat_switch",
	[EV_LOAD] = "load",
	[EV_STORE] = "store",
};

/* the harness names ops in traces; the shim only knows their numbers */
static const char *(*op_namer)(uint64_t op);

void
bug_set_op_namer(const char *(*fn)(uint64_t))
{
	op_namer = fn;
}

void
bug_set_hook(bug_hook_t hook)
{
	bug_hook = hook;
}

int
bug_in_progress(void)
{
	return (__atomic_load_n(&bug_started, __ATOMIC_ACQUIRE));
}

static void
pte_where(uint64_t pa, char *buf, size_t len)
{
	(void) host_snprintf(buf, len, "pte pfn 0x%llx idx %llu",
	    (unsigned long long)(pa >> 12),
	    (unsigned long long)((pa & 0xfff) >> 3));
}

void
fr_format_event(const struct fr_event *e, char *buf, size_t len)
{
	const char *kind = e->fe_kind < EV_NKINDS ?
	    seam_ev_name[e->fe_kind] : "?";
	char obj[80];

	switch (e->fe_kind) {
	case EV_MUTEX_ENTER:
	case EV_MUTEX_EXIT:
		lock_name((const kmutex_t *)(uintptr_t)e->fe_obj, obj,
		    sizeof (obj));
		(void) host_snprintf(buf, len, "%-14s %s%s", kind, obj,
		    e->fe_a ? " (try)" : "");
		return;
	case EV_MUTEX_WAIT:
		lock_name((const kmutex_t *)(uintptr_t)e->fe_obj, obj,
		    sizeof (obj));
		(void) host_snprintf(buf, len, "%-14s %s held by T%lld", kind,
		    obj, (long long)e->fe_a);
		return;
	case EV_CAS_PTE:
	case EV_CAS_FAIL:
		pte_where(e->fe_obj, obj, sizeof (obj));
		(void) host_snprintf(buf, len, "%-14s %s 0x%llx%s0x%llx", kind,
		    obj, (unsigned long long)e->fe_a,
		    e->fe_kind == EV_CAS_PTE ? "->" : " found ",
		    (unsigned long long)e->fe_b);
		return;
	case EV_MMU_READ:
		pte_where(e->fe_obj, obj, sizeof (obj));
		(void) host_snprintf(buf, len, "%-14s %s level %llu walker "
		    "%llu", kind, obj, (unsigned long long)e->fe_a,
		    (unsigned long long)e->fe_b);
		return;
	case EV_MMU_BITS:
		pte_where(e->fe_obj, obj, sizeof (obj));
		(void) host_snprintf(buf, len, "%-14s %s 0x%llx->0x%llx", kind,
		    obj, (unsigned long long)e->fe_a,
		    (unsigned long long)e->fe_b);
		return;
	case EV_MMU_XLATE:
		(void) host_snprintf(buf, len, "%-14s va 0x%llx pfn 0x%llx%s",
		    kind, (unsigned long long)e->fe_a,
		    (unsigned long long)e->fe_b, e->fe_obj ? " (tlb)" : "");
		return;
	case EV_XCALL:
		(void) host_snprintf(buf, len, "%-14s cpu%llu -> cpu%llu 0x%llx",
		    kind, (unsigned long long)e->fe_obj,
		    (unsigned long long)e->fe_a, (unsigned long long)e->fe_b);
		return;
	case EV_HAT_SWITCH:
		(void) host_snprintf(buf, len, "%-14s cpu%llu to hat %p", kind,
		    (unsigned long long)e->fe_a, (void *)(uintptr_t)e->fe_obj);
		return;
	case EV_MIGRATE:
		(void) host_snprintf(buf, len, "%-14s cpu%llu -> cpu%llu",
		    kind, (unsigned long long)e->fe_a,
		    (unsigned long long)e->fe_b);
		return;
	case EV_MAPIN:
	case EV_WINDOW_REMAP:
		(void) host_snprintf(buf, len, "%-14s window %llu pfn 0x%llx",
		    kind, (unsigned long long)e->fe_a,
		    (unsigned long long)e->fe_b);
		return;
	case EV_OP:
		(void) host_snprintf(buf, len, "%-14s %s 0x%llx", kind,
		    op_namer != NULL ? op_namer(e->fe_a) : "?",
		    (unsigned long long)e->fe_b);
		return;
	case EV_CV_WAIT:
		lock_name((const kmutex_t *)(uintptr_t)e->fe_a, obj,
		    sizeof (obj));
		(void) host_snprintf(buf, len, "%-14s cv %p of %s", kind,
		    (void *)(uintptr_t)e->fe_obj, obj);
		return;
	case EV_TLB_INVAL:
	case EV_STEAL_UNMAP:
		(void) host_snprintf(buf, len, "%-14s hat %p va 0x%llx 0x%llx",
		    kind, (void *)(uintptr_t)e->fe_obj,
		    (unsigned long long)e->fe_a, (unsigned long long)e->fe_b);
		return;
	default:
		(void) host_snprintf(buf, len, "%-14s %p 0x%llx 0x%llx", kind,
		    (void *)(uintptr_t)e->fe_obj, (unsigned long long)e->fe_a,
		    (unsigned long long)e->fe_b);
		return;
	}
}

static void
dump_held(host_buf_t *b, const kthread_t *t)
{
	char name[64];
	int i;

	if (t->t_nheld == 0) {
		hbuf_printf(b, "none");
		return;
	}
	for (i = 0; i < t->t_nheld; i++) {
		lock_name(t->t_held[i], name, sizeof (name));
		hbuf_printf(b, "%s%s (%s)", i ? ", " : "", name,
		    lock_class_name[t->t_held_class[i]]);
	}
}

static void
dump_event(host_buf_t *b, const kthread_t *t, const struct fr_event *e)
{
	char line[160];

	fr_format_event(e, line, sizeof (line));
	hbuf_printf(b, "    %14llu T%-2d cpu%-2d %s\n",
	    (unsigned long long)e->fe_when, t->t_tid, e->fe_cpu, line);
}

/*
 * Event j of a free-running thread's ring, which its thread may be
 * overwriting as we read: copied, and shown only if the writer has not
 * come round to its slot since (flight.h).
 */
static void
dump_ring_event(host_buf_t *b, const kthread_t *t, uint64_t j)
{
	struct fr_event e = t->t_fr->fr_ev[j & (FR_SIZE - 1)];

	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&t->t_fr->fr_head, __ATOMIC_RELAXED) - j >=
	    FR_SIZE) {
		hbuf_printf(b, "  (an event overwritten while read)\n");
		return;
	}
	dump_event(b, t, &e);
}

/*
 * The last events of every thread: from its ring, or in controlled mode
 * from the one log of the run.  The reads are hidden from TSan (see
 * flight.h).
 */
void
bug_dump_threads(host_buf_t *b, int nevents)
{
	const struct fr_event *ev[REPORT_EVENTS];
	int n = shim_nthreads(), i, k, m;

	TSAN_IGNORE_READS_BEGIN();
	for (i = 0; i < n; i++) {
		const kthread_t *t = shim_thread(i);
		uint64_t head, j;

		if (t == NULL)
			continue;
		hbuf_printf(b, "T%d %s: cpu%d t_preempt=%d held: ", t->t_tid,
		    t->t_name, t->t_cpu != NULL ? t->t_cpu->cpu_id : -1,
		    t->t_preempt);
		dump_held(b, t);
		hbuf_printf(b, "\n");
		if (seam_controlled) {
			m = sched_thread_events(t->t_tid, ev,
			    nevents < REPORT_EVENTS ? nevents : REPORT_EVENTS);
			for (k = 0; k < m; k++)
				dump_event(b, t, ev[k]);
			if (m == 0 && sched_blocked_event(t->t_tid) != NULL) {
				hbuf_printf(b, "  blocked since:\n");
				dump_event(b, t, sched_blocked_event(t->t_tid));
			}
			continue;
		}
		head = __atomic_load_n(&t->t_fr->fr_head, __ATOMIC_ACQUIRE);
		j = head > (uint64_t)nevents ? head - (uint64_t)nevents : 0;
		if (head - j > FR_SIZE)
			j = head - FR_SIZE;
		for (; j < head; j++)
			dump_ring_event(b, t, j);
	}
	TSAN_IGNORE_READS_END();
}

/*
 * The report is built in memory set aside at start-up: a sanitizer calls
 * its death callback with its own locks held, so nothing on the way may
 * allocate.
 */
#define	REPORT_MAX	(256 * 1024)
static char *report_mem;

/* returns the exit status the hook chose (1 without a hook) */
static int
bug_report(const char *kind, const char *where, const char *msg)
{
	kthread_t *t = curthread;
	host_buf_t b = { report_mem, 0, report_mem ? REPORT_MAX : 0,
	    report_mem != NULL };
	int status = 1;

	hbuf_printf(&b, "==== htbed: BUG FOUND: %s ====\n", kind);
	hbuf_printf(&b, "what:   %s\n", msg);
	hbuf_printf(&b, "where:  %s\n", where);
	if (t != NULL) {
		hbuf_printf(&b, "thread: T%d (%s) on cpu%d, t_preempt=%d, "
		    "t_hatdepth=%d\n", t->t_tid, t->t_name,
		    t->t_cpu != NULL ? t->t_cpu->cpu_id : -1, t->t_preempt,
		    t->t_hatdepth);
		hbuf_printf(&b, "locks:  ");
		dump_held(&b, t);
		hbuf_printf(&b, "\n");
	}
	hbuf_printf(&b, "---- last events of every thread (oldest first) "
	    "----\n");
	bug_dump_threads(&b, REPORT_EVENTS);
	if (bug_hook != NULL)
		status = bug_hook(kind, where, msg, &b);
	host_eprintf("%.*s", (int)b.hb_len, b.hb_data);
	host_flush();
	hbuf_free(&b);
	return (status);
}

static void
bug_wait_forever(void)
{
	for (;;)
		host_sleep_ns(1000000000ull);
}

void
htbed_bug(const char *kind, const char *file, int line, const char *fmt, ...)
{
	char msg[1024], where[256];
	va_list ap;

	if (__atomic_exchange_n(&bug_started, 1, __ATOMIC_ACQ_REL) != 0)
		bug_wait_forever();
	__atomic_store_n(&htbed_frozen, 1, __ATOMIC_RELAXED);
	va_start(ap, fmt);
	(void) host_vsnprintf(msg, sizeof (msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		(void) host_snprintf(where, sizeof (where), "%s:%d", file,
		    line);
	else
		(void) host_snprintf(where, sizeof (where), "%s", file);
	bug_exit(bug_report(kind, where, msg));
}

int
assfail(const char *expr, const char *file, int line)
{
	htbed_bug("assertion", file, line, "assertion failed: %s", expr);
}

int
assfail3(const char *expr, uintmax_t left, const char *op, uintmax_t right,
    const char *file, int line)
{
	htbed_bug("assertion", file, line, "assertion failed: %s (0x%llx %s "
	    "0x%llx)", expr, (unsigned long long)left, op,
	    (unsigned long long)right);
}

void
htbed_panic(const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	(void) host_vsnprintf(msg, sizeof (msg), fmt, ap);
	va_end(ap);
	htbed_bug("panic", file, line, "panic: %s", msg);
}

void
cmn_err(int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	(void) host_vsnprintf(msg, sizeof (msg), fmt, ap);
	va_end(ap);
	if (level == CE_PANIC)
		htbed_bug("panic", "cmn_err", 0, "panic: %s", msg);
	if (level != CE_IGNORE)
		host_eprintf("%s%s\n", level == CE_WARN ? "WARNING: " :
		    level == CE_NOTE ? "NOTICE: " : "", msg);
}

void
prom_printf(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	(void) host_vsnprintf(msg, sizeof (msg), fmt, ap);
	va_end(ap);
	host_eprintf("%s", msg);
}

void
htbed_internal_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	(void) host_vsnprintf(msg, sizeof (msg), fmt, ap);
	va_end(ap);
	host_eprintf("htbed: internal error (a testbed failure, not a bug "
	    "in the code under test): %s\n", msg);
	host_exit(2);
}

/*
 * Fatal signals and sanitizer deaths.  The signal handler (host side)
 * calls bug_signal(); sanitizers call the death callback after printing
 * their own report, which the failure artifacts then refer to.
 */
static const char *
poison_hint(uintptr_t addr)
{
	if ((addr >> 32) == (KMEM_POISON >> 32))
		return (" (poisoned: a freed kmem object was used)");
	if ((addr >> 32) == (KMEM_JUNK >> 32))
		return (" (junk: an uninitialised kmem object was used)");
	return ("");
}

void
bug_signal(int sig, void *addr)
{
	const char *what = sig == 11 ? "SIGSEGV" : sig == 7 ? "SIGBUS" :
	    sig == 4 ? "SIGILL" : sig == 8 ? "SIGFPE" : sig == 6 ? "SIGABRT" :
	    "signal";
	char msg[256];

	unsigned x;
	pfn_t pfn;

	if (__atomic_exchange_n(&bug_started, 1, __ATOMIC_ACQ_REL) != 0)
		bug_wait_forever();
	__atomic_store_n(&htbed_frozen, 1, __ATOMIC_RELAXED);
	if (shim_window_of((uintptr_t)addr, &x, &pfn)) {
		(void) host_snprintf(msg, sizeof (msg), "%s at %p: an access "
		    "through page-table window %u (cpu%u), which shows pfn "
		    "0x%lx, a freed page-table frame", what, addr, x, x / 2,
		    pfn);
		bug_exit(bug_report("use-after-free", "page-table window",
		    msg));
	}
	(void) host_snprintf(msg, sizeof (msg), "%s at address %p%s", what,
	    addr, poison_hint((uintptr_t)addr));
	bug_exit(bug_report("signal", what, msg));
}

#ifdef HTBED_ASAN
/*
 * ASan's error, by its own name (use-after-poison, heap-use-after-free,
 * ...), and where it happened: the signature of the failure.
 */
static void
asan_where(char *kind, size_t klen, char *where, size_t wlen)
{
	const char *d = __asan_get_report_description();
	char site[200];

	(void) host_snprintf(kind, klen, "asan-%s", d != NULL ? d : "error");
	__sanitizer_symbolize_pc(__asan_get_report_pc(), "%s:%l (%f)", site,
	    sizeof (site));
	(void) host_snprintf(where, wlen, "%s", host_relpath(site));
}
#endif

void
bug_sanitizer_died(void)
{
	char kind[64] = "sanitizer", where[240] = "sanitizer report above";

	if (__atomic_exchange_n(&bug_started, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	__atomic_store_n(&htbed_frozen, 1, __ATOMIC_RELAXED);
#ifdef HTBED_ASAN
	asan_where(kind, sizeof (kind), where, sizeof (where));
#endif
	bug_exit(bug_report(kind, where,
	    "the sanitizer reported an error (report printed above)"));
}

#ifdef HTBED_TSAN
/*
 * ThreadSanitizer reports are taken in two steps.  TSan calls
 * __tsan_on_report() with its own locks held, after printing the report;
 * then (halt_on_error=0, our default) it returns to the racing thread.
 * Code run under those locks must not make TSan record anything -- a
 * report built there deadlocks TSan -- so the hook only notes what
 * happened and where (the top frame of each access, symbolized there as
 * TSan has just symbolized it for the report: the runtime's own code,
 * under the locks it takes for that itself) and raises the freeze flag.
 * The first thread to reach a seam point then reports it as an ordinary
 * bug-found event (seam_freeze()), with the racing sites as the location,
 * calling nothing of the runtime: that thread may run beside a second
 * report in progress.
 */
#define	TSAN_SITES	2

int __tsan_get_report_data(void *report, const char **description,
    int *count, int *stack_count, int *mop_count, int *loc_count,
    int *mutex_count, int *thread_count, int *unique_tid_count,
    void **sleep_trace, unsigned long trace_size);
int __tsan_get_report_stack(void *report, unsigned long idx, void **trace,
    unsigned long trace_size);
int __tsan_get_report_mop(void *report, unsigned long idx, int *tid,
    void **addr, int *size, int *write, int *atomic, void **trace,
    unsigned long trace_size);
void __tsan_on_report(void *report);

static struct {
	int	tr_pending;
	int	tr_claimed;		/* by the thread that reports it */
	char	tr_desc[40];
	char	tr_site[TSAN_SITES][180];	/* file:line (function) */
	int	tr_nsite;
} tsan_report;

static void
tsan_note_site(void *pc)
{
	if (pc == NULL || tsan_report.tr_nsite == TSAN_SITES)
		return;
	__sanitizer_symbolize_pc(pc, "%s:%l (%f)",
	    tsan_report.tr_site[tsan_report.tr_nsite],
	    sizeof (tsan_report.tr_site[0]));
	tsan_report.tr_nsite++;
}

void
__tsan_on_report(void *report)
{
	const char *desc = NULL;
	int count, nstack = 0, nmop = 0, nloc, nmutex, nthread, nutid, i;
	int tid, size, write, atomic;
	void *sleep[1], *trace[1], *addr;

	if (__atomic_load_n(&tsan_report.tr_pending, __ATOMIC_ACQUIRE) ||
	    __tsan_get_report_data(report, &desc, &count, &nstack, &nmop,
	    &nloc, &nmutex, &nthread, &nutid, sleep, 1) == 0)
		return;
	for (i = 0; desc != NULL && desc[i] != '\0' &&
	    i < (int)sizeof (tsan_report.tr_desc) - 1; i++)
		tsan_report.tr_desc[i] = desc[i];
	/* the racing accesses; for other reports, their first stacks */
	for (i = 0; i < nmop; i++) {
		if (__tsan_get_report_mop(report, (unsigned long)i, &tid, &addr,
		    &size, &write, &atomic, trace, 1) != 0)
			tsan_note_site(trace[0]);
	}
	for (i = 0; i < nstack; i++) {
		if (__tsan_get_report_stack(report, (unsigned long)i, trace,
		    1) != 0)
			tsan_note_site(trace[0]);
	}
	__atomic_store_n(&tsan_report.tr_pending, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&htbed_frozen, 1, __ATOMIC_RELEASE);
}

/*
 * A pending TSan report, reported from a seam point by one thread; does
 * not return (nor do the others that find it pending).
 */
void
bug_sanitizer_pending(void)
{
	char where[400], desc[sizeof (tsan_report.tr_desc)];
	size_t off = 0;
	int i;

	if (!__atomic_load_n(&tsan_report.tr_pending, __ATOMIC_ACQUIRE))
		return;
	if (__atomic_exchange_n(&tsan_report.tr_claimed, 1,
	    __ATOMIC_ACQ_REL) != 0) {
		for (;;)
			host_sleep_ns(1000000000ull);
	}
	/*
	 * The hook's writes are ordered before ours by tr_pending, but TSan
	 * records no synchronisation inside its own report: it must not see
	 * these reads either.
	 */
	TSAN_IGNORE_READS_BEGIN();
	where[0] = '\0';
	for (i = 0; i < tsan_report.tr_nsite; i++) {
		off += (size_t)host_snprintf(where + off, sizeof (where) - off,
		    "%s%s", i ? " vs " : "",
		    host_relpath(tsan_report.tr_site[i]));
	}
	(void) host_snprintf(desc, sizeof (desc), "%s", tsan_report.tr_desc);
	TSAN_IGNORE_READS_END();
	__atomic_store_n(&htbed_frozen, 0, __ATOMIC_RELAXED);
	htbed_bug("sanitizer", off > 0 ? where : "?", 0,
	    "ThreadSanitizer: %s (its report is printed above)", desc);
}
#else
void
bug_sanitizer_pending(void)
{
}
#endif

extern void host_install_crash_handlers(void (*)(int, void *));

/*
 * Sanitizer defaults: the first report is a bug found, and the process
 * exits 1, as every other bug-found event does (TSan: through
 * __tsan_on_report() and the next seam point, see above; ASan: through
 * the death callback).  The environment (TSAN_OPTIONS, ASAN_OPTIONS) can
 * still override them.
 */
#ifdef HTBED_TSAN
const char *__tsan_default_options(void);
const char *
__tsan_default_options(void)
{
	return ("halt_on_error=0:exitcode=1:history_size=4:"
	    "second_deadlock_stack=1");
}
#endif
#ifdef HTBED_ASAN
/*
 * A 16 MB heap quarantine instead of 256: the code under test allocates
 * from the shim's kmem arena, which poisons and quarantines freed objects
 * itself (shim/kern/kmem.c); the heap's quarantine held only the tools'
 * buffers (libFuzzer's, in a fuzz target) -- most of a fuzz target's
 * resident size (docs/measurements.md).
 */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return ("exitcode=1:detect_leaks=0:quarantine_size_mb=16");
}
#endif

/*
 * With abort_on_bug (a fuzz target) every bug ends in abort(), and the
 * fuzzing engine's own handling of crashes and sanitizer reports is left
 * in place: that is how it keeps the input.
 */
void
bug_install_handlers(int abort_on_bug)
{
	if (report_mem == NULL)
		report_mem = host_alloc(REPORT_MAX);
	bug_abort = abort_on_bug;
	if (abort_on_bug)
		return;
#if defined(HTBED_TSAN) || defined(HTBED_ASAN)
	__sanitizer_set_death_callback(bug_sanitizer_died);
#else
	host_install_crash_handlers(bug_signal);
#endif
}
