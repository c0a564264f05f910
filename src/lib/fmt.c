/*
 * snprintf for the hypervisor.  The output goes through a bounded sink that
 * counts every character it is offered, so the return value is the untruncated
 * length (C99 7.19.6.5) while the buffer is never overrun.
 */
#include "lib/fmt.h"

#include <stdbool.h>
#include <stdint.h>

struct fmt_sink {
    char  *buf;
    size_t size;    /* capacity including the NUL */
    size_t len;     /* characters offered so far */
};

enum {
    F_LEFT  = 1,    /* '-' */
    F_ZERO  = 2,    /* '0' */
    F_SPACE = 4,    /* ' ' */
    F_PLUS  = 8,    /* '+' */
    F_ALT   = 16,   /* '#' */
};

enum fmt_len { L_NONE, L_HH, L_H, L_L, L_LL, L_Z, L_T, L_J };

struct fmt_spec {
    unsigned flags;
    int width;      /* 0 if none */
    int prec;       /* -1 if none */
    enum fmt_len len;
};

#define FMT_TMP 24  /* enough for 64-bit octal (22 digits) */

static void sink_put(struct fmt_sink *s, char c)
{
    if (s->len + 1 < s->size)
        s->buf[s->len] = c;
    s->len++;
}

static void sink_repeat(struct fmt_sink *s, char c, int n)
{
    while (n-- > 0)
        sink_put(s, c);
}

static void sink_mem(struct fmt_sink *s, const char *p, size_t n)
{
    while (n--)
        sink_put(s, *p++);
}

/* Digits of v in 'base', right-aligned in tmp[FMT_TMP]; returns how many. */
static int utoa(char *tmp, uint64_t v, unsigned base, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int n = 0;

    do {
        tmp[FMT_TMP - 1 - n++] = digits[v % base];
        v /= base;
    } while (v);
    return n;
}

/*
 * One integer conversion.  Layout, left to right: padding spaces, sign or
 * prefix, padding zeros (from '0' or the precision), digits, trailing spaces
 * for '-'.  The precision is a minimum digit count, and an explicit precision
 * of zero prints no digits for the value zero (C99 7.19.6.1p8).
 */
static void put_int(struct fmt_sink *s, const struct fmt_spec *sp, uint64_t mag,
                    bool neg, bool is_signed, unsigned base, bool upper)
{
    char tmp[FMT_TMP];
    int ndig = 0, npre = 0, nzero, total;
    char pre[2];

    if (!(sp->prec == 0 && mag == 0))
        ndig = utoa(tmp, mag, base, upper);

    if (is_signed) {
        if (neg)
            pre[npre++] = '-';
        else if (sp->flags & F_PLUS)
            pre[npre++] = '+';
        else if (sp->flags & F_SPACE)
            pre[npre++] = ' ';
    } else if ((sp->flags & F_ALT) && base == 16 && mag != 0) {
        pre[npre++] = '0';
        pre[npre++] = upper ? 'X' : 'x';
    }

    nzero = sp->prec > ndig ? sp->prec - ndig : 0;
    /* '#' with 'o' raises the precision just enough to print a leading 0. */
    if ((sp->flags & F_ALT) && base == 8 && nzero == 0 &&
        (ndig == 0 || tmp[FMT_TMP - ndig] != '0'))
        nzero = 1;
    total = npre + nzero + ndig;
    /* '0' pads with zeros after the sign, unless '-' or a precision is given. */
    if ((sp->flags & F_ZERO) && !(sp->flags & F_LEFT) && sp->prec < 0 && sp->width > total) {
        nzero += sp->width - total;
        total = sp->width;
    }
    if (!(sp->flags & F_LEFT))
        sink_repeat(s, ' ', sp->width - total);
    sink_mem(s, pre, (size_t)npre);
    sink_repeat(s, '0', nzero);
    sink_mem(s, tmp + FMT_TMP - ndig, (size_t)ndig);
    if (sp->flags & F_LEFT)
        sink_repeat(s, ' ', sp->width - total);
}

/* Text with width padding; 'n' is already limited by the precision. */
static void put_text(struct fmt_sink *s, const struct fmt_spec *sp, const char *p, size_t n)
{
    int pad = sp->width > 0 && (size_t)sp->width > n ? sp->width - (int)n : 0;

    if (!(sp->flags & F_LEFT))
        sink_repeat(s, ' ', pad);
    sink_mem(s, p, n);
    if (sp->flags & F_LEFT)
        sink_repeat(s, ' ', pad);
}

/* Decimal digits of a width or precision; saturates instead of overflowing. */
static int parse_num(const char **pp)
{
    const char *p = *pp;
    int v = 0;

    while (*p >= '0' && *p <= '9') {
        int d = *p++ - '0';
        v = v > (INT32_MAX - d) / 10 ? INT32_MAX : v * 10 + d;
    }
    *pp = p;
    return v;
}

/*
 * Fetch a signed argument of the spec's length.  Narrow types are promoted to
 * int in the call, so hh and h convert back (C99 7.19.6.1p7).  The z and t
 * lengths name size_t and ptrdiff_t; their signed/unsigned counterparts have
 * the same representation, so each is read as the type that is declared.
 */
static int64_t arg_signed(enum fmt_len len, va_list *ap)
{
    switch (len) {
    case L_HH: return (signed char)va_arg(*ap, int);
    case L_H:  return (short)va_arg(*ap, int);
    case L_L:  return va_arg(*ap, long);
    case L_LL: return va_arg(*ap, long long);
    case L_Z:  return (int64_t)va_arg(*ap, size_t);
    case L_T:  return va_arg(*ap, ptrdiff_t);
    case L_J:  return va_arg(*ap, intmax_t);
    default:   return va_arg(*ap, int);
    }
}

static uint64_t arg_unsigned(enum fmt_len len, va_list *ap)
{
    switch (len) {
    case L_HH: return (unsigned char)va_arg(*ap, unsigned int);
    case L_H:  return (unsigned short)va_arg(*ap, unsigned int);
    case L_L:  return va_arg(*ap, unsigned long);
    case L_LL: return va_arg(*ap, unsigned long long);
    case L_Z:  return va_arg(*ap, size_t);
    case L_T:  return (uint64_t)va_arg(*ap, ptrdiff_t);
    case L_J:  return va_arg(*ap, uintmax_t);
    default:   return va_arg(*ap, unsigned int);
    }
}

/* Parses flags, width, precision and length after a '%'; *pp ends at the conversion. */
static void parse_spec(const char **pp, struct fmt_spec *sp, va_list *ap)
{
    const char *p = *pp;

    sp->flags = 0;
    sp->width = 0;
    sp->prec = -1;
    sp->len = L_NONE;
    for (;; p++) {
        if (*p == '-')      sp->flags |= F_LEFT;
        else if (*p == '0') sp->flags |= F_ZERO;
        else if (*p == ' ') sp->flags |= F_SPACE;
        else if (*p == '+') sp->flags |= F_PLUS;
        else if (*p == '#') sp->flags |= F_ALT;
        else break;
    }
    if (*p == '*') {
        int w = va_arg(*ap, int);
        p++;
        /* A negative '*' width means '-' plus its magnitude (C99 7.19.6.1p5). */
        if (w < 0) {
            sp->flags |= F_LEFT;
            w = w == INT32_MIN ? INT32_MAX : -w;
        }
        sp->width = w;
    } else {
        sp->width = parse_num(&p);
    }
    if (*p == '.') {
        p++;
        if (*p == '*') {
            int pr = va_arg(*ap, int);
            p++;
            sp->prec = pr < 0 ? -1 : pr;    /* negative: as if omitted */
        } else {
            sp->prec = parse_num(&p);
        }
    }
    switch (*p) {
    case 'h':
        p++;
        sp->len = L_H;
        if (*p == 'h') { p++; sp->len = L_HH; }
        break;
    case 'l':
        p++;
        sp->len = L_L;
        if (*p == 'l') { p++; sp->len = L_LL; }
        break;
    case 'z': p++; sp->len = L_Z; break;
    case 't': p++; sp->len = L_T; break;
    case 'j': p++; sp->len = L_J; break;
    default: break;
    }
    *pp = p;
}

static void put_string(struct fmt_sink *s, const struct fmt_spec *sp, const char *str)
{
    size_t n = 0;

    if (!str)
        str = "(null)";
    /* With a precision the string need not be terminated: read no further. */
    while ((sp->prec < 0 || n < (size_t)sp->prec) && str[n])
        n++;
    put_text(s, sp, str, n);
}

static void put_pointer(struct fmt_sink *s, const struct fmt_spec *sp, const void *ptr)
{
    char tmp[FMT_TMP];
    char out[18] = "0x";
    int ndig = utoa(tmp, (uint64_t)(uintptr_t)ptr, 16, false);
    int i;

    for (i = 0; i < 16 - ndig; i++)
        out[2 + i] = '0';
    for (i = 0; i < ndig; i++)
        out[2 + 16 - ndig + i] = tmp[FMT_TMP - ndig + i];
    put_text(s, sp, out, sizeof(out));
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct fmt_sink s = { .buf = buf, .size = buf ? size : 0, .len = 0 };
    struct fmt_spec sp;
    va_list args;

    va_copy(args, ap);
    while (*fmt) {
        const char *start;

        if (*fmt != '%') {
            sink_put(&s, *fmt++);
            continue;
        }
        start = fmt++;
        parse_spec(&fmt, &sp, &args);
        switch (*fmt) {
        case 'd':
        case 'i': {
            int64_t v = arg_signed(sp.len, &args);
            /* Negate in unsigned arithmetic so INT64_MIN has a magnitude too. */
            uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
            put_int(&s, &sp, mag, v < 0, true, 10, false);
            break;
        }
        case 'u': put_int(&s, &sp, arg_unsigned(sp.len, &args), false, false, 10, false); break;
        case 'x': put_int(&s, &sp, arg_unsigned(sp.len, &args), false, false, 16, false); break;
        case 'X': put_int(&s, &sp, arg_unsigned(sp.len, &args), false, false, 16, true); break;
        case 'o': put_int(&s, &sp, arg_unsigned(sp.len, &args), false, false, 8, false); break;
        case 'c': {
            char c = (char)va_arg(args, int);
            sp.prec = -1;
            put_text(&s, &sp, &c, 1);
            break;
        }
        case 's': put_string(&s, &sp, va_arg(args, const char *)); break;
        case 'p': put_pointer(&s, &sp, va_arg(args, const void *)); break;
        case '%': sink_put(&s, '%'); break;
        case '\0':
            /* A lone '%' at the end: copy what was there. */
            sink_mem(&s, start, (size_t)(fmt - start));
            continue;
        default:
            /* Unknown conversion: copy the whole directive literally. */
            sink_mem(&s, start, (size_t)(fmt - start) + 1);
            break;
        }
        fmt++;
    }
    va_end(args);

    if (s.size > 0)
        s.buf[s.len < s.size ? s.len : s.size - 1] = '\0';
    return s.len > INT32_MAX ? -1 : (int)s.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
