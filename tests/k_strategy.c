/*
 * k_strategy: the seam event kinds test_strategy shows the strategies
 * (seam.h is a kernel-domain header).
 */
#include <htbed/seam.h>

const int k_ev_load = EV_LOAD;
const int k_ev_store = EV_STORE;
const int k_ev_mutex = EV_MUTEX_ENTER;
const int k_ev_spin = EV_SPIN;
