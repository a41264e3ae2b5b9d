/*
 * ASSERT and VERIFY.  A failed assertion is a "bug found" event of the
 * testbed (see htbed/bug.h): it prints the report and writes the failure
 * artifacts before the process exits.  ASSERT is live only with DEBUG, which
 * every htbed build defines; VERIFY is always live.
 */
#ifndef _SYS_DEBUG_H
#define	_SYS_DEBUG_H

extern int assfail(const char *expr, const char *file, int line)
    __attribute__((noreturn));

#define	VERIFY(EX)	((void)((EX) || assfail(#EX, __FILE__, __LINE__)))

#ifdef DEBUG
#define	ASSERT(EX)	((void)((EX) || assfail(#EX, __FILE__, __LINE__)))
#else
#define	ASSERT(EX)	((void)0)
#endif

#define	VERIFY0(EX)	VERIFY((EX) == 0)
#define	ASSERT0(EX)	ASSERT((EX) == 0)

#endif	/* _SYS_DEBUG_H */
