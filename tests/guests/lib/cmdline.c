/* Words of a kernel command line (cmdline.h). */
#include <stddef.h>

#include "cmdline.h"

size_t strlen(const char *s);
int memcmp(const void *a, const void *b, size_t n);

static const char *next_word(const char *p, size_t *len)
{
    while (*p == ' ')
        p++;
    size_t n = 0;
    while (p[n] && p[n] != ' ')
        n++;
    *len = n;
    return n ? p : NULL;
}

bool cmdline_word_in(const char *cl, const char *word)
{
    size_t wl = strlen(word), n;
    for (const char *p = next_word(cl, &n); p; p = next_word(p + n, &n))
        if (n == wl && !memcmp(p, word, n))
            return true;
    return false;
}

uint64_t cmdline_uint_in(const char *cl, const char *key, uint64_t def)
{
    size_t kl = strlen(key), n;
    for (const char *p = next_word(cl, &n); p; p = next_word(p + n, &n)) {
        if (n > kl + 1 && !memcmp(p, key, kl) && p[kl] == '=') {
            uint64_t v = 0;
            for (size_t i = kl + 1; i < n; i++) {
                if (p[i] < '0' || p[i] > '9')
                    return def;
                v = v * 10 + (uint64_t)(p[i] - '0');
            }
            return v;
        }
    }
    return def;
}
