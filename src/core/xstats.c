/*
 * The per-kind exit-time histogram's percentile (xstats.h): kind-neutral,
 * read by the HVM and PV exit-cost lines (hvm/exit_stats.c).
 */
#include "core/xstats.h"
#include "lib/compiler.h"

/* Bucket i >= 2 holds [2^m + h 2^(m-1), that + 2^(m-1)) ticks, m = i / 2,
 * h = i % 2 (xstats.h); buckets 0 and 1 hold 0 and 1 tick. */
static uint64_t bucket_low(unsigned i)
{
    unsigned m = i / 2;
    return i < 2 ? i : (1ull << m) + (i % 2) * (1ull << (m - 1));
}

uint64_t xstat_percentile(const struct xstat_hist *h, uint64_t n, unsigned p)
{
    if (!n)
        return 0;
    uint64_t rank = (n * p + 99) / 100, seen = 0;       /* the rank-th shortest exit, 1-based */
    if (!rank)
        rank = 1;
    for (unsigned i = 0; i < XSTAT_BUCKETS; i++) {
        uint64_t c = READ_ONCE(h->b[i]);
        if (!c || seen + c < rank) {
            seen += c;
            continue;
        }
        /* Inside bucket i: linearly between its bounds, never past the worst. */
        uint64_t lo = bucket_low(i), hi = i + 1 < XSTAT_BUCKETS ? bucket_low(i + 1) : READ_ONCE(h->max) + 1;
        uint64_t v = lo + (hi - lo) * (2 * (rank - seen) - 1) / (2 * c);
        uint64_t max = READ_ONCE(h->max);
        return v > max ? max : v;
    }
    return READ_ONCE(h->max);      /* counts read while they changed */
}

