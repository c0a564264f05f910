/*
 * Command-line parsing.  Every function takes explicit lengths and never reads
 * past them or past the terminating NUL, since the text comes from the boot
 * loader (or the fuzzer) and may be anything.
 */
#include "boot/cmdline.h"

#include "lib/errno.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

int cmdline_parse(const char *s, cmdline_cb cb, void *ctx)
{
    int items = 0;

    if (!s)
        return 0;
    for (;;) {
        const char *name, *val = NULL;
        size_t nlen, vlen = 0;
        int rc;

        while (is_blank(*s))
            s++;
        if (!*s)
            break;

        name = s;
        while (*s && !is_blank(*s) && *s != '=')
            s++;
        nlen = (size_t)(s - name);

        if (*s == '=') {
            s++;
            if (*s == '"') {
                val = ++s;
                while (*s && *s != '"')
                    s++;
                if (!*s)
                    return -EINVAL;
                vlen = (size_t)(s - val);
                s++;    /* the closing quote; what follows starts a new item */
            } else {
                val = s;
                while (*s && !is_blank(*s))
                    s++;
                vlen = (size_t)(s - val);
            }
        }

        rc = cb ? cb(name, nlen, val, vlen, ctx) : 0;
        if (rc < 0)
            return rc;
        if (items < INT32_MAX)
            items++;
    }
    return items;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int cmdline_parse_uint(const char *s, size_t len, uint64_t *out)
{
    unsigned base = 10;
    uint64_t v = 0;
    size_t i = 0;

    if (!s || len == 0)
        return -EINVAL;
    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        i = 2;
    }
    for (; i < len; i++) {
        int d = hex_digit(s[i]);

        if (d < 0 || (unsigned)d >= base)
            return -EINVAL;
        if (v > (UINT64_MAX - (unsigned)d) / base) {
            /* Keep scanning so junk later in the string still reports -EINVAL. */
            for (i++; i < len; i++) {
                d = hex_digit(s[i]);
                if (d < 0 || (unsigned)d >= base)
                    return -EINVAL;
            }
            return -ERANGE;
        }
        v = v * base + (unsigned)d;
    }
    *out = v;
    return 0;
}

int cmdline_parse_size(const char *s, size_t len, uint64_t *out)
{
    unsigned shift = 0;
    uint64_t v;
    int rc;

    if (!s || len == 0)
        return -EINVAL;
    /* None of K, M, G, T is a hex digit, so the suffix is unambiguous. */
    switch (s[len - 1]) {
    case 'k': case 'K': shift = 10; break;
    case 'm': case 'M': shift = 20; break;
    case 'g': case 'G': shift = 30; break;
    case 't': case 'T': shift = 40; break;
    default: break;
    }
    if (shift)
        len--;
    rc = cmdline_parse_uint(s, len, &v);
    if (rc)
        return rc;
    if (shift && v > (UINT64_MAX >> shift))
        return -ERANGE;
    *out = v << shift;
    return 0;
}

/* Case-insensitive equality of s[0..len) with the NUL-terminated word. */
static bool word_eq(const char *s, size_t len, const char *word)
{
    size_t i;

    for (i = 0; i < len; i++) {
        char c = s[i];

        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (!word[i] || c != word[i])
            return false;
    }
    return word[len] == '\0';
}

int cmdline_parse_bool(const char *s, size_t len, bool *out)
{
    static const char *const yes[] = { "1", "yes", "on", "true", "enable" };
    static const char *const no[] = { "0", "no", "off", "false", "disable" };
    size_t i;

    if (!s)
        return -EINVAL;
    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (word_eq(s, len, yes[i])) {
            *out = true;
            return 0;
        }
        if (word_eq(s, len, no[i])) {
            *out = false;
            return 0;
        }
    }
    return -EINVAL;
}
