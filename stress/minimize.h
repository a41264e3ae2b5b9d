/*
 * htreplay --minimize (stress/minimize.c).
 */
#ifndef _STRESS_MINIMIZE_H
#define	_STRESS_MINIMIZE_H

#include "repro.h"

/* 0: the smaller reproducer is written to out; 2: nothing to minimize */
extern int	minimize(const struct hb_repro *in, const char *out, int quiet);
/* the same for a fuzz input, first run as the fuzz target runs it */
extern int	minimize_fuzz(const struct hb_repro *in, const char *out,
    int quiet);

#endif	/* _STRESS_MINIMIZE_H */
