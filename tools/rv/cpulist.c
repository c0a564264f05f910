/* CPU lists in xl's syntax (cpulist.h). */
#include "cpulist.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *number(const char *p, unsigned *out)
{
    if (*p < '0' || *p > '9')
        return NULL;
    unsigned v = 0;
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (unsigned)(*p++ - '0');
        if (v > 9999)
            return NULL;
    }
    *out = v;
    return p;
}

int cpulist_parse(const char *s, uint64_t *mask, char *err, size_t errlen)
{
    uint64_t add = 0, drop = 0;
    bool any_add = false;
    const char *p = s;

    if (!*s) {
        snprintf(err, errlen, "an empty CPU list");
        return -1;
    }
    for (;;) {
        bool neg = *p == '^';
        p += neg;
        uint64_t items;
        if (!strncmp(p, "all", 3) && (p[3] == ',' || !p[3])) {
            items = ~0ull;
            p += 3;
        } else {
            unsigned lo, hi;
            const char *q = number(p, &lo);
            if (!q) {
                snprintf(err, errlen, "'%s': expected a CPU number, a range N-M or 'all'", s);
                return -1;
            }
            hi = lo;
            if (*q == '-' && !(q = number(q + 1, &hi))) {
                snprintf(err, errlen, "'%s': a range needs a number after '-'", s);
                return -1;
            }
            if (lo > hi) {
                snprintf(err, errlen, "'%s': range %u-%u runs backwards", s, lo, hi);
                return -1;
            }
            if (hi > 63) {
                snprintf(err, errlen, "'%s': CPU %u: at most 64 CPUs (0-63)", s, hi);
                return -1;
            }
            items = (hi == 63 ? ~0ull : (1ull << (hi + 1)) - 1) & ~((1ull << lo) - 1);
            p = q;
        }
        if (neg)
            drop |= items;
        else {
            add |= items;
            any_add = true;
        }
        if (!*p)
            break;
        if (*p != ',' || !p[1]) {
            snprintf(err, errlen, "'%s': items are separated by single commas", s);
            return -1;
        }
        p++;
    }
    uint64_t m = (any_add ? add : ~0ull) & ~drop;
    if (!m) {
        snprintf(err, errlen, "'%s' names no CPU", s);
        return -1;
    }
    *mask = m;
    return 0;
}

void cpulist_format(uint64_t mask, unsigned nr_cpus, char *out, size_t len)
{
    uint64_t every = nr_cpus >= 64 ? ~0ull : (1ull << nr_cpus) - 1;
    size_t used = 0;

    if (len)
        out[0] = 0;
    if (nr_cpus && (mask & every) == every) {
        snprintf(out, len, "all");
        return;
    }
    for (unsigned c = 0; c < 64; c++) {
        if (!(mask & (1ull << c)))
            continue;
        unsigned e = c;
        while (e + 1 < 64 && (mask & (1ull << (e + 1))))
            e++;
        int n = e > c ? snprintf(out + used, len - used, "%s%u-%u", used ? "," : "", c, e)
                      : snprintf(out + used, len - used, "%s%u", used ? "," : "", c);
        if (n < 0 || (size_t)n >= len - used)
            return;     /* truncated: what fits */
        used += (size_t)n;
        c = e;
    }
    if (!used)
        snprintf(out, len, "none");
}
