/*
 * Kernel half of test_lockdep: lock sequences, right and wrong, against
 * the shim's lock-order checker (shim/testing/lockdep.c), on a booted
 * kernel hat (hat_init() makes the vCPUs' hci_mutex and the kernel
 * hat_mutex).  Each kl_* sequence either returns normally or ends in a
 * bug report; the host half runs the wrong ones in a child.
 */
#include <sys/types.h>
#include <sys/mutex.h>
#include <sys/thread.h>
#include <sys/cpuvar.h>
#include <sys/disp.h>
#include <sys/kmem.h>
#include <vm/as.h>
#include <vm/hat.h>
#include <vm/hat_i86.h>
#include <htbed/shim.h>

extern kmutex_t htable_mutex[];
extern kmutex_t htable_reserve_mutex;
extern kmem_cache_t *htable_cache;

static kmutex_t mlist_a, mlist_b;	/* test mutexes of class mlist */
static kmutex_t plain_a;		/* unclassified */

int
kl_boot(void)
{
	struct shim_config c = { 0 };

	c.sc_ncpus = 2;
	c.sc_ptframes = 64;
	c.sc_dataframes = 16;
	c.sc_seed = 1;
	if (shim_init(&c) != 0)
		return (-1);
	(void) shim_thread_attach("main", 0);
	hat_init();
	mutex_set_class(&mlist_a, LC_MLIST);
	mutex_set_class(&mlist_b, LC_MLIST);
	return (0);
}

int
kl_nheld(void)
{
	return (curthread->t_nheld);
}

static kmutex_t *
hci(void)
{
	return (&CPU->cpu_hat_info->hci_mutex);
}

/* the class name the checker gives each kind of mutex */
const char *
kl_class_of(int which)
{
	kmutex_t *m;

	switch (which) {
	case 0: m = &htable_mutex[0]; break;
	case 1: m = &htable_mutex[127]; break;
	case 2: m = &cpu[1]->cpu_hat_info->hci_mutex; break;
	case 3: m = &kas.a_hat->hat_mutex; break;
	case 4: m = &htable_reserve_mutex; break;
	case 5: m = &hat_list_lock; break;
	case 6: m = &mlist_a; break;
	default: m = &plain_a; break;
	}
	return (lock_class_name[lock_class_of(m)]);
}

/* the protocol's order: mlist -> bucket -> hci (inside the window) */
int
kl_allowed_order(void)
{
	int peak;

	mutex_enter(&mlist_a);
	mutex_enter(&htable_mutex[7]);
	kpreempt_disable();
	mutex_enter(hci());
	peak = curthread->t_nheld;
	mutex_exit(hci());
	kpreempt_enable();
	mutex_exit(&htable_mutex[7]);
	/* and mlist -> hci directly, and an unclassified mutex under mlist */
	kpreempt_disable();
	mutex_enter(hci());
	mutex_exit(hci());
	kpreempt_enable();
	mutex_enter(&plain_a);
	mutex_exit(&plain_a);
	mutex_exit(&mlist_a);
	return (peak);
}

/* the leaves, each alone */
void
kl_leaves_alone(void)
{
	hat_enter(kas.a_hat);
	hat_exit(kas.a_hat);
	mutex_enter(&htable_reserve_mutex);
	mutex_exit(&htable_reserve_mutex);
	mutex_enter(&hat_list_lock);
	mutex_exit(&hat_list_lock);
}

/* a kmem call with only an mlist-class lock held is fine */
void
kl_kmem_under_mlist(void)
{
	void *p;

	mutex_enter(&mlist_a);
	p = kmem_cache_alloc(htable_cache, KM_SLEEP);
	kmem_cache_free(htable_cache, p);
	mutex_exit(&mlist_a);
}

void
kl_two_buckets(void)
{
	mutex_enter(&htable_mutex[0]);
	mutex_enter(&htable_mutex[1]);
	mutex_exit(&htable_mutex[1]);
	mutex_exit(&htable_mutex[0]);
}

void
kl_bucket_under_hci(void)
{
	kpreempt_disable();
	mutex_enter(hci());
	mutex_enter(&htable_mutex[3]);
	mutex_exit(&htable_mutex[3]);
	mutex_exit(hci());
	kpreempt_enable();
}

void
kl_plain_under_hci(void)
{
	kpreempt_disable();
	mutex_enter(hci());
	mutex_enter(&plain_a);
	mutex_exit(&plain_a);
	mutex_exit(hci());
	kpreempt_enable();
}

void
kl_mlist_under_bucket(void)
{
	mutex_enter(&htable_mutex[5]);
	mutex_enter(&mlist_a);
	mutex_exit(&mlist_a);
	mutex_exit(&htable_mutex[5]);
}

void
kl_two_mlists(void)
{
	mutex_enter(&mlist_a);
	mutex_enter(&mlist_b);
	mutex_exit(&mlist_b);
	mutex_exit(&mlist_a);
}

void
kl_bucket_under_hat_mutex(void)
{
	hat_enter(kas.a_hat);
	mutex_enter(&htable_mutex[4]);
	mutex_exit(&htable_mutex[4]);
	hat_exit(kas.a_hat);
}

void
kl_hat_list_under_reserve(void)
{
	mutex_enter(&htable_reserve_mutex);
	mutex_enter(&hat_list_lock);
	mutex_exit(&hat_list_lock);
	mutex_exit(&htable_reserve_mutex);
}

void
kl_kmem_under_bucket(void)
{
	void *p;

	mutex_enter(&htable_mutex[2]);
	p = kmem_cache_alloc(htable_cache, KM_NOSLEEP);
	if (p != NULL)
		kmem_cache_free(htable_cache, p);
	mutex_exit(&htable_mutex[2]);
}

void
kl_kmem_free_under_hci(void)
{
	void *p = kmem_alloc(64, KM_SLEEP);

	kpreempt_disable();
	mutex_enter(hci());
	kmem_free(p, 64);
	mutex_exit(hci());
	kpreempt_enable();
}

void
kl_page_under_bucket(void)
{
	mutex_enter(&htable_mutex[6]);
	(void) page_get_physical(0);
	mutex_exit(&htable_mutex[6]);
}
