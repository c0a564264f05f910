/* Invariant checks shared by the fuzz harnesses: a violated invariant is a
 * crash for libFuzzer, the same as a sanitizer report. */
#ifndef RV_TESTS_FUZZ_CHECK_H
#define RV_TESTS_FUZZ_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/bootinfo.h"

#define FUZZ_ASSERT(c) do {                                                       \
        if (!(c)) {                                                               \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #c); \
            abort();                                                              \
        }                                                                         \
    } while (0)

/* Sorted, non-empty, non-overlapping, merged, no wrap-around. */
static inline void fuzz_check_mmap(const struct mem_region *r, unsigned n, unsigned max)
{
    unsigned i;

    FUZZ_ASSERT(n <= max);
    for (i = 0; i < n; i++) {
        FUZZ_ASSERT(r[i].len != 0 && r[i].len <= UINT64_MAX - r[i].base);
        if (i) {
            FUZZ_ASSERT(r[i - 1].base + r[i - 1].len <= r[i].base);
            FUZZ_ASSERT(!(r[i - 1].type == r[i].type && r[i - 1].base + r[i - 1].len == r[i].base));
        }
    }
}

/* A NUL-terminated string lying entirely inside [lo, lo + len). */
static inline void fuzz_check_str_in(const char *s, const void *lo, size_t len)
{
    const char *b = lo;

    FUZZ_ASSERT(s >= b && s < b + len);
    FUZZ_ASSERT(memchr(s, 0, (size_t)(b + len - s)) != NULL);
}

/* Error messages: non-empty, one line, terminated inside the buffer. */
static inline void fuzz_check_err(const char *err, size_t size)
{
    FUZZ_ASSERT(memchr(err, 0, size) != NULL);
    FUZZ_ASSERT(err[0] != '\0');
    FUZZ_ASSERT(strchr(err, '\n') == NULL);
}

#endif
