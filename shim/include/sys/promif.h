/*
 * PROM interface: prom_printf goes to the testbed's stderr.
 */
#ifndef _SYS_PROMIF_H
#define	_SYS_PROMIF_H

extern void prom_printf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif	/* _SYS_PROMIF_H */
