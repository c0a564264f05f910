/*
 * Minimal assertion helpers for the host unit tests.  A failed check prints
 * file:line and what was compared, and makes the executable exit nonzero;
 * the remaining checks still run so one report shows every failure.
 */
#ifndef RV_TESTS_UNIT_TEST_H
#define RV_TESTS_UNIT_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_failures;
static int t_checks;

#define CHECK(cond) do {                                                         \
        t_checks++;                                                              \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            t_failures++;                                                        \
        }                                                                        \
    } while (0)

#define CHECK_EQ(a, b) do {                                                      \
        unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b); \
        t_checks++;                                                              \
        if (a_ != b_) {                                                          \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (0x%llx vs 0x%llx, %lld vs %lld)\n", \
                    __FILE__, __LINE__, #a, #b, a_, b_, (long long)a_, (long long)b_); \
            t_failures++;                                                        \
        }                                                                        \
    } while (0)

#define CHECK_STR(a, b) do {                                                     \
        const char *a_ = (a), *b_ = (b);                                         \
        t_checks++;                                                              \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                 \
            fprintf(stderr, "%s:%d: CHECK_STR failed: %s == %s (\"%s\" vs \"%s\")\n", \
                    __FILE__, __LINE__, #a, #b, a_ ? a_ : "(NULL)", b_ ? b_ : "(NULL)"); \
            t_failures++;                                                        \
        }                                                                        \
    } while (0)

/* Substring check, for error messages. */
#define CHECK_CONTAINS(hay, needle) do {                                         \
        const char *h_ = (hay), *n_ = (needle);                                  \
        t_checks++;                                                              \
        if (!h_ || !strstr(h_, n_)) {                                            \
            fprintf(stderr, "%s:%d: CHECK_CONTAINS failed: \"%s\" does not contain \"%s\"\n", \
                    __FILE__, __LINE__, h_ ? h_ : "(NULL)", n_);                 \
            t_failures++;                                                        \
        }                                                                        \
    } while (0)

#define RUN(fn) do {                                                             \
        int before_ = t_failures;                                                \
        fn();                                                                    \
        printf("%-40s %s\n", #fn, t_failures == before_ ? "ok" : "FAILED");      \
    } while (0)

static inline int t_finish(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, t_checks, t_failures);
    return t_failures ? 1 : 0;
}

/* Deterministic PRNG (xorshift64*) so failures reproduce. */
static uint64_t t_rng_state = 0x9e3779b97f4a7c15ull;

static inline uint64_t t_rand(void)
{
    uint64_t x = t_rng_state;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    t_rng_state = x;
    return x * 0x2545f4914f6cdd1dull;
}

static inline uint64_t t_rand_below(uint64_t n)
{
    return n ? t_rand() % n : 0;
}

#endif
