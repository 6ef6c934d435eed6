/* SPDX-License-Identifier: BSD-3-Clause */
/* compiler.h: portability and hint macros shared by every module. */
#ifndef OTS_COMPILER_H
#define OTS_COMPILER_H

#define ots_likely(x)   __builtin_expect(!!(x), 1)
#define ots_unlikely(x) __builtin_expect(!!(x), 0)
#define OTS_UNUSED      __attribute__((unused))
#define OTS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define OTS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define OTS_CACHELINE   64
#define OTS_ALIGNED     __attribute__((aligned(OTS_CACHELINE)))
/* For the few primitives every packet goes through many times (rd.h): at -O2 GCC 12 kept
 * rd_be16 and rd_be32 out of line in the larger decoders, a call and a return around three
 * loads (15 instructions a field). */
#define OTS_ALWAYS_INLINE __attribute__((always_inline)) inline

/* qsort/bsearch over an array that may be empty, and then NULL: the C library's functions
 * require a valid pointer even for zero elements (undefined behaviour otherwise). */
#include <stdlib.h>

static inline void
ots_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static inline void *
ots_bsearch(const void *key, const void *base, size_t n, size_t size,
            int (*cmp)(const void *, const void *))
{
	return n ? bsearch(key, base, n, size, cmp) : NULL;
}

#endif
