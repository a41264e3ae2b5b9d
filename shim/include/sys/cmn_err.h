/*
 * Console messages and panic.  panic() is a "bug found" event.
 */
#ifndef _SYS_CMN_ERR_H
#define	_SYS_CMN_ERR_H

#define	CE_CONT		0
#define	CE_NOTE		1
#define	CE_WARN		2
#define	CE_PANIC	3
#define	CE_IGNORE	4

extern void cmn_err(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
extern void htbed_panic(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

/* a macro, so that the failure signature names the panicking line */
#define	panic(...)	htbed_panic(__FILE__, __LINE__, __VA_ARGS__)

#endif	/* _SYS_CMN_ERR_H */
