/* fmt_snprintf against the C library's snprintf, plus the cases where the
 * hypervisor's formatter deliberately differs (%p, %s of NULL, unknown
 * conversions). */
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/fmt.h"
#include "test.h"

/*
 * Formats with both implementations at several buffer sizes (0 with a NULL
 * buffer, 1, short, exact, roomy) and compares the return value, the text and
 * that nothing past 'size' was written.
 */
static void vcmp(const char *file, int line, const char *fmt, va_list ap)
{
    char want[512], got[512 + 16];
    size_t sizes[] = { 0, 1, 2, 5, 0 /* exact */, sizeof(want) };
    va_list aq;
    int wn, gn;
    unsigned i;

    va_copy(aq, ap);
    wn = vsnprintf(want, sizeof(want), fmt, aq);
    va_end(aq);
    sizes[4] = (size_t)wn + 1;
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t sz = sizes[i];

        memset(got, 0x5a, sizeof(got));
        va_copy(aq, ap);
        gn = fmt_vsnprintf(sz ? got : NULL, sz, fmt, aq);
        va_end(aq);
        t_checks++;
        if (gn != wn || (sz && (strncmp(got, want, sz - 1) != 0 ||
                                got[(size_t)wn < sz ? (size_t)wn : sz - 1] != '\0')) ||
            (unsigned char)got[sz] != 0x5a) {
            fprintf(stderr, "%s:%d: format \"%s\" size %zu: got %d \"%.*s\", want %d \"%s\"\n",
                    file, line, fmt, sz, gn, sz ? (int)sz : 0, got, wn, want);
            t_failures++;
        }
    }
}

static void cmp_at(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void cmp_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vcmp(file, line, fmt, ap);
    va_end(ap);
}

/* Unchecked variant, for formats the compiler would (rightly) warn about. */
static void cmp_raw_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vcmp(file, line, fmt, ap);
    va_end(ap);
}

#define CMP(...) cmp_at(__FILE__, __LINE__, __VA_ARGS__)
#define CMP_RAW(...) cmp_raw_at(__FILE__, __LINE__, __VA_ARGS__)

/* Deliberately not format-checked: several cases are malformed on purpose. */
static void expect_at(const char *file, int line, const char *want, const char *fmt, ...)
{
    char got[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = fmt_vsnprintf(got, sizeof(got), fmt, ap);
    va_end(ap);
    t_checks++;
    if (n != (int)strlen(want) || strcmp(got, want) != 0) {
        fprintf(stderr, "%s:%d: format \"%s\": got %d \"%s\", want \"%s\"\n", file, line, fmt, n, got, want);
        t_failures++;
    }
}

#define EXPECT(want, ...) expect_at(__FILE__, __LINE__, want, __VA_ARGS__)

/* Runtime format strings are the point of the table tests below. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"

static const char *const int_fmts[] = {
    "%d", "%i", "%5d", "%-5d|", "%05d", "%+d", "% d", "%+5d", "%-+5d|", "% 05d", "%+05d",
    "%.3d", "%8.3d", "%-8.3d|", "%08.3d", "%.0d", "%+.0d", "%5.0d", "%.10d", "%1d", "%20d",
    "%u", "%5u", "%.0u", "%010u",
    "%x", "%X", "%#x", "%#X", "%#8x", "%#08x", "%-#8x|", "%#.5x", "%#.0x", "%.0x", "%08X",
    "%o", "%#o", "%#5o", "%#.0o", "%.0o", "%#.4o", "%05o",
    "[%d]", "a%db%dc",
};

static void test_int_table(void)
{
    static const int vals[] = { 0, 1, -1, 7, -7, 42, -42, 100, 255, 256, 4095, 65535, -65536,
                                123456789, -123456789, INT_MAX, INT_MIN, INT_MAX - 1, INT_MIN + 1 };
    unsigned f, v;

    for (f = 0; f < sizeof(int_fmts) / sizeof(int_fmts[0]); f++)
        for (v = 0; v < sizeof(vals) / sizeof(vals[0]); v++)
            CMP(int_fmts[f], vals[v], vals[v]);
}

static void test_length_modifiers(void)
{
    static const long long vals[] = { 0, 1, -1, 127, -128, 128, 255, 256, 32767, -32768, 65535, 65536,
                                      INT_MAX, (long long)INT_MAX + 1, INT_MIN, (long long)INT_MIN - 1,
                                      UINT_MAX, LLONG_MAX, LLONG_MIN, 0x123456789abcdefLL };
    const char *const sfx[] = { "d", "i", "u", "x", "X", "o" };
    unsigned v, s;
    char f[32];

    for (v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
        long long x = vals[v];

        for (s = 0; s < 6; s++) {
            snprintf(f, sizeof(f), "%%hh%s", sfx[s]);
            CMP(f, (int)x);
            snprintf(f, sizeof(f), "%%h%s", sfx[s]);
            CMP(f, (int)x);
            snprintf(f, sizeof(f), "%%l%s", sfx[s]);
            CMP(f, (long)x);
            snprintf(f, sizeof(f), "%%ll%s", sfx[s]);
            CMP(f, x);
            snprintf(f, sizeof(f), "%%-#22ll%s|", sfx[s]);
            CMP(f, x);
            snprintf(f, sizeof(f), "%%j%s", sfx[s]);
            CMP(f, (intmax_t)x);
            snprintf(f, sizeof(f), "%%t%s", sfx[s]);
            CMP(f, (ptrdiff_t)x);
            snprintf(f, sizeof(f), "%%z%s", sfx[s]);
            CMP(f, (size_t)x);
        }
    }
    CMP("%llu %llx %llo", ULLONG_MAX, ULLONG_MAX, ULLONG_MAX);
    CMP("%lu %#lx", ULONG_MAX, 0xdeadbeefUL);
    CMP("%zu %zx %zd", (size_t)SIZE_MAX, (size_t)4096, (size_t)12345);
    CMP_RAW("%hhu %hu", 300, 70000);    /* out-of-range values are truncated */
    CMP("%jd %ju", INTMAX_MIN, UINTMAX_MAX);
    CMP("%td", PTRDIFF_MIN);
}

static void test_star(void)
{
    CMP("%*d|", 6, 42);
    CMP("%*d|", -6, 42);
    CMP("%-*d|", 6, 42);
    CMP("%.*d|", 4, 42);
    CMP("%.*d|", -4, 42);
    CMP("%.*d|", 0, 0);
    CMP("%*.*d|", 8, 3, -5);
    CMP("%*.*x|", -8, 3, 0xab);
    CMP("%*s|", 10, "abc");
    CMP("%*s|", -10, "abc");
    CMP("%.*s|", 2, "abcdef");
    CMP("%.*s|", -1, "abcdef");
    CMP("%*c|", 4, 'z');
    CMP("%0*d", 7, -12);
}

static void test_strings_chars(void)
{
    static const char *const strs[] = { "", "a", "hello", "hello, world", "with\ttab", "0123456789abcdef" };
    static const char *const fmts[] = { "%s", "%10s|", "%-10s|", "%.3s", "%.0s|", "%10.2s|", "%-10.2s|",
                                        "%1s", "<%s>" };
    unsigned f, s;

    for (f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++)
        for (s = 0; s < sizeof(strs) / sizeof(strs[0]); s++)
            CMP(fmts[f], strs[s]);
    CMP("%c", 'a');
    CMP("%c%c%c", 'x', 'y', 'z');
    CMP("%5c|%-5c|", 'l', 'r');
    CMP("%c", 0xe9);
    CMP("%%");
    CMP("100%%");
    EXPECT("%", "%5%");     /* the width of %% is ignored, as glibc does */
    CMP_RAW("");
    CMP("plain text, no conversions");
    CMP("%s=%d, %s=%#x", "a", 1, "b", 0x1f);
}

/* %.Ns must not read past N bytes: ASan reports it if it does. */
static void test_string_precision_bound(void)
{
    char *p = malloc(4);

    memcpy(p, "abcd", 4);   /* no NUL */
    EXPECT("abcd", "%.4s", p);
    EXPECT("ab", "%.2s", p);
    free(p);
}

static void test_ours(void)
{
    char buf[64];
    int n;

    EXPECT("0x0000000000000000", "%p", (void *)0);
    EXPECT("0x00000000deadbeef", "%p", (void *)0xdeadbeefUL);
    EXPECT("0xffff830000001000", "%p", (void *)0xffff830000001000UL);
    EXPECT("  0x0000000000000001|", "%20p|", (void *)1);
    EXPECT("0x0000000000000001  |", "%-20p|", (void *)1);
    EXPECT("(null)", "%s", (char *)NULL);
    EXPECT("    (null)|", "%10s|", (char *)NULL);
    /* Unknown conversions are copied, arguments are not consumed. */
    EXPECT("%q", "%q");
    EXPECT("%5q 7", "%5q %d", 7);
    EXPECT("%-#08.3k", "%-#08.3k");
    EXPECT("%lq", "%lq");
    EXPECT("abc%", "abc%");
    EXPECT("abc%5", "abc%5");
    /* Measuring with a NULL buffer. */
    CHECK_EQ(fmt_snprintf(NULL, 0, "%d-%s", 12345, "xyz"), 9);
    /* Always terminated; return is the full length. */
    memset(buf, 'x', sizeof(buf));
    n = fmt_snprintf(buf, 4, "%s", "abcdefgh");
    CHECK_EQ(n, 8);
    CHECK_STR(buf, "abc");
    CHECK_EQ((unsigned char)buf[4], 'x');
    n = fmt_snprintf(buf, 1, "%d", 5);
    CHECK_EQ(n, 1);
    CHECK_EQ(buf[0], 0);
    /* A size of 0 with a real buffer writes nothing. */
    buf[0] = 'q';
    CHECK_EQ(fmt_snprintf(buf, 0, "hello"), 5);
    CHECK_EQ(buf[0], 'q');
}

/* Random format/value combinations against the C library. */
static void test_random_against_libc(void)
{
    static const char convs[] = "diuxXo";
    static const char *const lens[] = { "", "hh", "h", "l", "ll", "z", "j", "t" };
    unsigned it;

    for (it = 0; it < 20000; it++) {
        char f[64];
        size_t k = 0;
        char conv = convs[t_rand_below(6)];
        const char *len = lens[t_rand_below(8)];
        bool is_signed = conv == 'd' || conv == 'i';
        uint64_t v = t_rand();

        f[k++] = '%';
        if (t_rand_below(3) == 0) f[k++] = '-';
        if (t_rand_below(3) == 0) f[k++] = '0';
        if (is_signed && t_rand_below(3) == 0) f[k++] = '+';
        if (is_signed && t_rand_below(3) == 0) f[k++] = ' ';
        if (!is_signed && conv != 'u' && t_rand_below(3) == 0) f[k++] = '#';
        if (t_rand_below(2))
            k += (size_t)snprintf(f + k, sizeof(f) - k, "%u", (unsigned)t_rand_below(30));
        if (t_rand_below(2))
            k += (size_t)snprintf(f + k, sizeof(f) - k, ".%u", (unsigned)t_rand_below(25));
        k += (size_t)snprintf(f + k, sizeof(f) - k, "%s%c|", len, conv);
        switch (t_rand_below(4)) {     /* small values are where the corner cases are */
        case 0: v &= 0xff; break;
        case 1: v = (uint64_t)-(int64_t)(v & 0xffff); break;
        case 2: v = t_rand_below(2) ? 0 : UINT64_MAX; break;
        default: break;
        }
        if (!strcmp(len, "l") || !strcmp(len, "ll") || !strcmp(len, "z") || !strcmp(len, "j") ||
            !strcmp(len, "t"))
            CMP(f, (long long)v);   /* all 64 bits wide here */
        else
            CMP(f, (int)v);
    }
}

int main(void)
{
    RUN(test_int_table);
    RUN(test_length_modifiers);
    RUN(test_star);
    RUN(test_strings_chars);
    RUN(test_string_precision_bound);
    RUN(test_ours);
    RUN(test_random_against_libc);
    return t_finish("test_fmt");
}
