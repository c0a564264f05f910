/*
 * Console output on the 16550 at 0x3f8, and a small printf.
 *
 * We only write THR (offset 0) and poll LSR (offset 5): no divisor or line
 * control set-up, which both Ringvisor's UART and QEMU's accept as is, and
 * which keeps the guest independent of how much of the chip an emulation
 * implements.  LSR bit 5 (THRE) = ready for a byte, bit 6 (TEMT) = all sent
 * (PC16550D data sheet, LSR).
 *
 * printf: %d %i %u %x %X %p %s %c %% with flags '-' '0' '#', a width
 * (number or '*'), and length modifiers l, ll, z.
 */
#include "guest.h"

#define LSR         5
#define LSR_THRE    0x20
#define LSR_TEMT    0x40
#define UART_SPINS  100000      /* bounded wait: a missing UART must not hang the guest */

void uart_putc(char c)
{
    for (unsigned i = 0; i < UART_SPINS && !(inb(UART_BASE + LSR) & LSR_THRE); i++)
        pause();
    outb(UART_BASE, (uint8_t)c);
}

void uart_drain(void)
{
    for (unsigned i = 0; i < UART_SPINS && !(inb(UART_BASE + LSR) & LSR_TEMT); i++)
        pause();
}

struct spec {
    bool left, zero, alt;
    unsigned width;
};

static int pad(unsigned n, char c)
{
    for (unsigned i = 0; i < n; i++)
        uart_putc(c);
    return (int)n;
}

static int put_str(const char *s, const struct spec *sp)
{
    size_t n = strlen(s);
    int out = 0;

    if (!sp->left && sp->width > n)
        out += pad(sp->width - (unsigned)n, ' ');
    for (size_t i = 0; i < n; i++)
        uart_putc(s[i]);
    out += (int)n;
    if (sp->left && sp->width > n)
        out += pad(sp->width - (unsigned)n, ' ');
    return out;
}

static int put_num(unsigned long long v, unsigned base, bool neg, bool upper, const struct spec *sp)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[32];
    unsigned n = 0, len;
    int out = 0;

    do {
        buf[n++] = digits[v % base];
        v /= base;
    } while (v);
    len = n + (neg ? 1 : 0) + (sp->alt ? 2 : 0);
    if (!sp->left && !sp->zero && sp->width > len)
        out += pad(sp->width - len, ' ');
    if (neg)
        out += pad(1, '-');
    if (sp->alt) {
        uart_putc('0');
        uart_putc(upper ? 'X' : 'x');
        out += 2;
    }
    if (!sp->left && sp->zero && sp->width > len)
        out += pad(sp->width - len, '0');
    while (n)
        uart_putc(buf[--n]), out++;
    if (sp->left && sp->width > len)
        out += pad(sp->width - len, ' ');
    return out;
}

int vprintf(const char *fmt, va_list ap)
{
    int out = 0;

    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            uart_putc(*p);
            out++;
            continue;
        }
        struct spec sp = { false, false, false, 0 };
        for (;; p++) {
            if (p[1] == '-')
                sp.left = true;
            else if (p[1] == '0')
                sp.zero = true;
            else if (p[1] == '#')
                sp.alt = true;
            else
                break;
        }
        if (p[1] == '*') {
            int w = va_arg(ap, int);
            sp.width = w < 0 ? 0 : (unsigned)w;
            p++;
        }
        while (p[1] >= '0' && p[1] <= '9')
            sp.width = sp.width * 10 + (unsigned)(*++p - '0');
        int len = 0;                    /* 0: int, 1: long, 2: long long, 3: size_t */
        if (p[1] == 'l') {
            len = 1, p++;
            if (p[1] == 'l')
                len = 2, p++;
        } else if (p[1] == 'z') {
            len = 3, p++;
        }
        char conv = *++p;
        unsigned long long u;
        long long s;
        switch (conv) {
        case 'd':
        case 'i':
            s = len == 2 ? va_arg(ap, long long) : len == 1 ? va_arg(ap, long)
                : len == 3 ? (long long)va_arg(ap, size_t) : va_arg(ap, int);
            u = s < 0 ? 0ull - (unsigned long long)s : (unsigned long long)s;
            out += put_num(u, 10, s < 0, false, &sp);
            break;
        case 'u':
        case 'x':
        case 'X':
            u = len == 2 ? va_arg(ap, unsigned long long) : len == 1 ? va_arg(ap, unsigned long)
                : len == 3 ? va_arg(ap, size_t) : va_arg(ap, unsigned);
            if (conv == 'u')
                sp.alt = false;
            out += put_num(u, conv == 'u' ? 10 : 16, false, conv == 'X', &sp);
            break;
        case 'p':
            sp.alt = true;
            out += put_num((uintptr_t)va_arg(ap, void *), 16, false, false, &sp);
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            out += put_str(str ? str : "(null)", &sp);
            break;
        }
        case 'c':
            uart_putc((char)va_arg(ap, int));
            out++;
            break;
        case '%':
            uart_putc('%');
            out++;
            break;
        case '\0':
            return out;                 /* a lone '%' at the end */
        default:
            uart_putc('%');
            uart_putc(conv);
            out += 2;
            break;
        }
    }
    return out;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}
