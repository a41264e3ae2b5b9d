/*
 * The lock-order checker: lock classes and the rules between them.
 *
 * Each mutex has a class (enum lock_class), given explicitly by
 * mutex_set_class() or found from its address (htable_mutex[],
 * htable_reserve_mutex, hat_list_lock, a vCPU's hci_mutex).  A thread may
 * take a mutex of class C while holding one of class H only if the rule
 * table allows H -> C.  The rules are the protocol's (KERNEL-API.md §6):
 *
 *	mlist -> bucket -> hci		(rule 7, rule 13)
 *	hat_mutex, htable_reserve_mutex, hat_list_lock are leaves
 *	one bucket mutex at a time (they are shared by every hat)
 *	nothing inside the window span (hci_mutex held)
 *	but a vCPU's mcpu_intr (interrupts off, a cross-call running),
 *	which may be taken under anything and under which nothing is,
 *	and hat_switch_mutex, a spin lock that x86pte_inval() of the
 *	files of 2007-02 to 2007-05-04 and of 2005 takes inside the window
 *	span (or under a mapping-list lock) and holds around a cross-call;
 *	in era 2005 hat_demap()'s lock under a bucket or mapping-list lock
 *	(DEMAP_LOCK below), and until 2006-04-04 hat_list_lock under a
 *	bucket (RING_HEAD)
 *
 * lockdep_forbid() states where a class must not be held at all: no kmem
 * or page call and no hat_pte_unmap() under a bucket mutex or the window
 * (rules 6 and 7), no sleeping in the window span (rule 13).  Violations
 * are reported at once, whether or not the interleaving that would
 * deadlock happens in this run.
 */
#include <sys/types.h>
#include <sys/mutex.h>
#include <sys/thread.h>
#include <sys/cpuvar.h>
#include <vm/htable.h>
#include <htbed/shim.h>
#include <htbed/sanitizer.h>

extern kmutex_t htable_mutex[];
extern kmutex_t htable_reserve_mutex;
extern kmutex_t hat_list_lock;

#define	NUM_BUCKET_MUTEX	128

const char *const lock_class_name[LC_NCLASSES] = {
	"unclassified", "page", "mlist", "bucket",
	"hci", "hat", "reserve", "hat_list", "intr", "hat_switch"
};

#define	ANY_LEVEL	LCM(LC_INTR)	/* what may be taken under anything */
/*
 * Era 2005: hat_demap() takes a lock of the hat around its cross-call,
 * called under a bucket mutex (htable_release() and htable_create() of a
 * 32-bit hat's top-level entries) or a mapping-list lock (a remap):
 * hat_switch_mutex, or before 2006-01-12 hat_mutex.
 */
#if HTBED_ERA == 2005
#define	DEMAP_LOCK	(HTBED_DEMAP_SWITCH ? LCM(LC_SWITCH) : LCM(LC_HAT))
#else
#define	DEMAP_LOCK	0
#endif
/*
 * Until 2006-04-04 (HTBED_HAT_RING), htable_steal() moves the ring's
 * head under hat_list_lock with the bucket mutex of the table it just
 * stole held; nothing takes a bucket under hat_list_lock.
 */
#define	RING_HEAD	(HTBED_HAT_RING ? LCM(LC_HATLIST) : 0)

static const uint32_t may_take[LC_NCLASSES] = {
	[LC_NONE]	= ~0u,
	[LC_PAGE]	= ANY_LEVEL,
	[LC_MLIST]	= LCM(LC_NONE) | LCM(LC_BUCKET) | LCM(LC_HCI) |
			    LCM(LC_PAGE) | LCM(LC_SWITCH) | DEMAP_LOCK | ANY_LEVEL,
	[LC_BUCKET]	= LCM(LC_HCI) | DEMAP_LOCK | RING_HEAD | ANY_LEVEL,
	[LC_HCI]	= LCM(LC_SWITCH) | ANY_LEVEL,
	[LC_HAT]	= ANY_LEVEL,
	[LC_RESERVE]	= ANY_LEVEL,
	[LC_HATLIST]	= ANY_LEVEL,
	[LC_INTR]	= 0,
	[LC_SWITCH]	= ANY_LEVEL,
};

/* named arrays of mutexes, for reports: mlist_lock[i], page_lock[i] */
#define	MAX_NAMED	160
static struct {
	kmutex_t	*na_base;
	int		na_n;
	const char	*na_name;
} named[MAX_NAMED];
static int nnamed;

void
mutex_set_class(kmutex_t *m, enum lock_class c)
{
	__atomic_store_n(&m->m_class, (uint8_t)c, __ATOMIC_RELAXED);
}

void
lock_register_array(kmutex_t *base, int n, enum lock_class c,
    const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		mutex_set_class(&base[i], c);
	if (nnamed < MAX_NAMED) {
		named[nnamed].na_base = base;
		named[nnamed].na_n = n;
		named[nnamed].na_name = name;
		nnamed++;
	}
}

static int
hci_cpu_of(const kmutex_t *m)
{
	int i;

	for (i = 0; i < ncpus; i++) {
		if (cpu[i]->cpu_hat_info != NULL &&
		    m == &cpu[i]->cpu_hat_info->hci_mutex)
			return (i);
	}
	return (-1);
}

static int
class_by_address(kmutex_t *m)
{
	if (m >= &htable_mutex[0] && m < &htable_mutex[NUM_BUCKET_MUTEX])
		return (LC_BUCKET);
	if (m == &htable_reserve_mutex)
		return (LC_RESERVE);
	if (m == &hat_list_lock)
		return (LC_HATLIST);
	if (hci_cpu_of(m) >= 0)
		return (LC_HCI);
	return (LC_NONE);
}

int
lock_class_of(kmutex_t *m)
{
	int c = __atomic_load_n(&m->m_class, __ATOMIC_RELAXED);

	if (c == LC_NONE) {
		c = class_by_address(m);
		if (c != LC_NONE)
			mutex_set_class(m, (enum lock_class)c);
	}
	return (c);
}

/*
 * A report names the locks of past events, and one may since have been
 * freed with its object (kmem fills it with KMEM_POISON, ASan poisons
 * it): its class is read past ASan and checked.
 */
static NO_SANITIZE_ADDRESS unsigned
class_in_report(const kmutex_t *m)
{
	return (__atomic_load_n(&m->m_class, __ATOMIC_RELAXED));
}

void
lock_name(const kmutex_t *m, char *buf, size_t len)
{
	unsigned c;
	int i;

	if (m >= &htable_mutex[0] && m < &htable_mutex[NUM_BUCKET_MUTEX]) {
		(void) host_snprintf(buf, len, "htable_mutex[%d]",
		    (int)(m - htable_mutex));
		return;
	}
	if (m == &htable_reserve_mutex) {
		(void) host_snprintf(buf, len, "htable_reserve_mutex");
		return;
	}
	if (m == &hat_list_lock) {
		(void) host_snprintf(buf, len, "hat_list_lock");
		return;
	}
	if ((i = hci_cpu_of(m)) >= 0) {
		(void) host_snprintf(buf, len, "hci_mutex(cpu%d)", i);
		return;
	}
	for (i = 0; i < nnamed; i++) {
		if (m >= named[i].na_base &&
		    m < named[i].na_base + named[i].na_n) {
			if (named[i].na_n == 1)
				(void) host_snprintf(buf, len, "%s",
				    named[i].na_name);
			else
				(void) host_snprintf(buf, len, "%s[%d]",
				    named[i].na_name,
				    (int)(m - named[i].na_base));
			return;
		}
	}
	c = class_in_report(m);
	(void) host_snprintf(buf, len, "%s mutex %p", c < LC_NCLASSES ?
	    lock_class_name[c] : "freed", (const void *)m);
}

/*
 * A lock word other than 0, 1 or 2, or a class past the last, is no
 * mutex: the object around it was freed (kmem filled it with
 * KMEM_POISON) or was never set up (KMEM_JUNK).  The kernel would spin
 * on it or fault through its owner; the testbed says what it is.
 */
void
lockdep_check_word(kthread_t *t, const kmutex_t *m, const char *op)
{
	uint32_t w = __atomic_load_n(&m->m_lock, __ATOMIC_RELAXED);
	const char *what;

	if (w <= 2 && class_in_report(m) < LC_NCLASSES)
		return;
	if (w == (uint32_t)KMEM_POISON)
		what = "freed memory (kmem poison)";
	else if (w == (uint32_t)KMEM_JUNK)
		what = "memory never initialised (kmem junk)";
	else
		what = "a corrupt mutex";
	BUG("mutex-misuse", "%s(%p) by T%d of %s: lock word %#x", op,
	    (const void *)m, t->t_tid, what, w);
}

int
lockdep_enter(kthread_t *t, kmutex_t *m)
{
	int c = lock_class_of(m);
	char a[64], b[64];
	int i;

	for (i = 0; i < t->t_nheld; i++) {
		kmutex_t *h = t->t_held[i];
		int hc = t->t_held_class[i];

		if (h == m) {
			lock_name(m, a, sizeof (a));
			BUG("mutex-misuse", "recursive mutex_enter(%s) by T%d",
			    a, t->t_tid);
		}
		if ((may_take[hc] & LCM(c)) == 0) {
			lock_name(h, a, sizeof (a));
			lock_name(m, b, sizeof (b));
			BUG("lock-order", "T%d takes %s (%s) while holding %s "
			    "(%s)", t->t_tid, b, lock_class_name[c], a,
			    lock_class_name[hc]);
		}
	}
	return (c);
}

void
lockdep_push(kthread_t *t, kmutex_t *m, int c)
{
	if (t->t_nheld == T_HELD_MAX)
		htbed_internal_error("T%d holds more than %d mutexes",
		    t->t_tid, T_HELD_MAX);
	t->t_held[t->t_nheld] = m;
	t->t_held_class[t->t_nheld] = (uint8_t)c;
	t->t_nheld++;
}

void
lockdep_exit(kthread_t *t, kmutex_t *m)
{
	int i;

	for (i = t->t_nheld - 1; i >= 0; i--) {
		if (t->t_held[i] != m)
			continue;
		for (; i + 1 < t->t_nheld; i++) {
			t->t_held[i] = t->t_held[i + 1];
			t->t_held_class[i] = t->t_held_class[i + 1];
		}
		t->t_nheld--;
		return;
	}
	htbed_internal_error("T%d exits a mutex missing from its held list",
	    t->t_tid);
}

void
lockdep_forbid(uint32_t class_mask, const char *what)
{
	kthread_t *t = curthread;
	char a[64];
	int i;

	for (i = 0; i < t->t_nheld; i++) {
		if ((class_mask & LCM(t->t_held_class[i])) == 0)
			continue;
		lock_name(t->t_held[i], a, sizeof (a));
		BUG("lock-order", "%s called by T%d while holding %s (%s)",
		    what, t->t_tid, a, lock_class_name[t->t_held_class[i]]);
	}
}
