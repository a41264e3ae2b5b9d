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
extern void panic(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

#endif	/* _SYS_CMN_ERR_H */
