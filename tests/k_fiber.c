/*
 * Kernel half of test_fiber.  The fiber library is host code behind a
 * plain interface; this half shows that kernel-domain code, which sees the
 * shim's illumos headers and never libc's, can include htbed/fiber.h and
 * drive fibers, as the controlled-mode scheduler will.
 */
#include <sys/types.h>
#include <htbed/fiber.h>

struct kf_counter {
	fiber_t	*kc_back;
	int	kc_steps;
};

/* counts forever, one step per switch to it; its run is abandoned */
static void
kf_count(void *arg)
{
	struct kf_counter *c = arg;

	for (;;) {
		c->kc_steps++;
		fiber_switch(c->kc_back);
	}
}

/* switch n times to a counting fiber; how many steps it counted */
int
kf_count_steps(int n)
{
	struct kf_counter c = { fiber_current(), 0 };
	fiber_t *f = fiber_create(0, "kf_count");
	int i;

	fiber_start(f, kf_count, &c, c.kc_back);
	for (i = 0; i < n; i++)
		fiber_switch(f);
	fiber_destroy(f);
	return (c.kc_steps);
}
