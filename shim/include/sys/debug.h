/*
 * ASSERT and VERIFY.  A failed assertion is a "bug found" event of the
 * testbed (see htbed/bug.h): it prints the report and writes the failure
 * artifacts before the process exits.  ASSERT is live only with DEBUG, which
 * every htbed build defines; VERIFY is always live.
 */
#ifndef _SYS_DEBUG_H
#define	_SYS_DEBUG_H

#include <stdint.h>

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

/*
 * VERIFY3U(a, <, b) and friends: the comparison with both values in the
 * failure message.
 */
extern int assfail3(const char *expr, uintmax_t left, const char *op,
    uintmax_t right, const char *file, int line) __attribute__((noreturn));

#define	VERIFY3_IMPL(LEFT, OP, RIGHT, TYPE) do {			\
	const TYPE __left = (TYPE)(LEFT);				\
	const TYPE __right = (TYPE)(RIGHT);				\
	if (!(__left OP __right))					\
		assfail3(#LEFT " " #OP " " #RIGHT, (uintmax_t)__left,	\
		    #OP, (uintmax_t)__right, __FILE__, __LINE__);	\
} while (0)

#define	VERIFY3S(x, y, z)	VERIFY3_IMPL(x, y, z, int64_t)
#define	VERIFY3U(x, y, z)	VERIFY3_IMPL(x, y, z, uint64_t)
#define	VERIFY3P(x, y, z)	VERIFY3_IMPL(x, y, z, uintptr_t)

#ifdef DEBUG
#define	ASSERT3S(x, y, z)	VERIFY3S(x, y, z)
#define	ASSERT3U(x, y, z)	VERIFY3U(x, y, z)
#define	ASSERT3P(x, y, z)	VERIFY3P(x, y, z)
#else
#define	ASSERT3S(x, y, z)	((void)0)
#define	ASSERT3U(x, y, z)	((void)0)
#define	ASSERT3P(x, y, z)	((void)0)
#endif

#endif	/* _SYS_DEBUG_H */
