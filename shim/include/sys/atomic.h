/*
 * Atomic operations (illumos <sys/atomic.h>), as real sequentially
 * consistent read-modify-writes on real memory through the compiler's
 * __atomic builtins, which ThreadSanitizer understands.  Every
 * read-modify-write is a scheduler-seam point, and notes the page-table
 * frame it writes (htbed/written.h).
 *
 * atomic_inc16/atomic_dec16 and atomic_orb/atomic_andb are the names
 * htable.h and the HAT use for the 16- and 8-bit forms.
 */
#ifndef _SYS_ATOMIC_H
#define	_SYS_ATOMIC_H

#include <sys/types.h>
#include <htbed/seam.h>
#include <htbed/written.h>

#define	SHIM_RMW(p, op, v) \
	(seam(EV_ATOMIC, (const void *)(p), 0, 0), \
	written_note((p), sizeof (*(p))), \
	__atomic_##op((p), (v), __ATOMIC_SEQ_CST))

static inline void atomic_inc_32(volatile uint32_t *p)
{ (void) SHIM_RMW(p, add_fetch, 1); }
static inline void atomic_dec_32(volatile uint32_t *p)
{ (void) SHIM_RMW(p, sub_fetch, 1); }
static inline uint32_t atomic_inc_32_nv(volatile uint32_t *p)
{ return (SHIM_RMW(p, add_fetch, 1)); }
static inline uint32_t atomic_dec_32_nv(volatile uint32_t *p)
{ return (SHIM_RMW(p, sub_fetch, 1)); }
static inline void atomic_add_32(volatile uint32_t *p, int32_t d)
{ (void) SHIM_RMW(p, add_fetch, (uint32_t)d); }
static inline void atomic_inc_16(volatile uint16_t *p)
{ (void) SHIM_RMW(p, add_fetch, 1); }
static inline void atomic_dec_16(volatile uint16_t *p)
{ (void) SHIM_RMW(p, sub_fetch, 1); }
static inline void atomic_inc16(uint16_t *p)
{ (void) SHIM_RMW(p, add_fetch, 1); }
static inline void atomic_dec16(uint16_t *p)
{ (void) SHIM_RMW(p, sub_fetch, 1); }
static inline void atomic_inc_ulong(volatile ulong_t *p)
{ (void) SHIM_RMW(p, add_fetch, 1); }
static inline void atomic_dec_ulong(volatile ulong_t *p)
{ (void) SHIM_RMW(p, sub_fetch, 1); }
static inline void atomic_add_long(volatile ulong_t *p, long d)
{ (void) SHIM_RMW(p, add_fetch, (ulong_t)d); }
static inline ulong_t atomic_add_long_nv(volatile ulong_t *p, long d)
{ return (SHIM_RMW(p, add_fetch, (ulong_t)d)); }
static inline void atomic_or_8(volatile uint8_t *p, uint8_t v)
{ (void) SHIM_RMW(p, or_fetch, v); }
static inline void atomic_and_8(volatile uint8_t *p, uint8_t v)
{ (void) SHIM_RMW(p, and_fetch, v); }
static inline void atomic_orb(uint8_t *p, uint8_t v)
{ (void) SHIM_RMW(p, or_fetch, v); }
static inline void atomic_andb(uint8_t *p, uint8_t v)
{ (void) SHIM_RMW(p, and_fetch, v); }
static inline void atomic_or_ulong(volatile ulong_t *p, ulong_t v)
{ (void) SHIM_RMW(p, or_fetch, v); }
static inline void atomic_and_ulong(volatile ulong_t *p, ulong_t v)
{ (void) SHIM_RMW(p, and_fetch, v); }
static inline void atomic_or_16(volatile uint16_t *p, uint16_t v)
{ (void) SHIM_RMW(p, or_fetch, v); }
static inline void atomic_and_16(volatile uint16_t *p, uint16_t v)
{ (void) SHIM_RMW(p, and_fetch, v); }

static inline uint64_t
atomic_cas_64(volatile uint64_t *p, uint64_t cmp, uint64_t nv)
{
	seam(EV_ATOMIC, (const void *)p, cmp, nv);
	written_note(p, sizeof (*p));
	(void) __atomic_compare_exchange_n(p, &cmp, nv, 0,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return (cmp);
}

static inline uint32_t
atomic_cas_32(volatile uint32_t *p, uint32_t cmp, uint32_t nv)
{
	seam(EV_ATOMIC, (const void *)p, cmp, nv);
	written_note(p, sizeof (*p));
	(void) __atomic_compare_exchange_n(p, &cmp, nv, 0,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return (cmp);
}

static inline void *
atomic_cas_ptr(volatile void *p, void *cmp, void *nv)
{
	seam(EV_ATOMIC, (const void *)p, (uint64_t)(uintptr_t)cmp,
	    (uint64_t)(uintptr_t)nv);
	written_note(p, sizeof (void *));
	(void) __atomic_compare_exchange_n((void *volatile *)p, &cmp, nv, 0,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return (cmp);
}

/*
 * Lock-free reads of counters that other threads change atomically.  Not
 * illumos interfaces: the project's own core and the HAT use them where the
 * kernel reads a count without a lock, so the read is an atomic access and
 * no sanitizer suppression is needed for it.
 */
#define	ATOMIC_READ(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define	ATOMIC_WRITE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

#endif	/* _SYS_ATOMIC_H */
