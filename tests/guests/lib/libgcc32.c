/*
 * 64-bit division for the 32-bit guests.  GCC compiles uint64_t / and % on
 * i386 to calls of __udivdi3, __umoddi3 or, when both are wanted,
 * __udivmoddi4 (libgcc's names and signatures); without a 32-bit libgcc
 * on the build machine (no gcc-multilib) we provide them.  Divisors that fit
 * in 32 bits use two DIVL steps; larger ones shift-and-subtract.
 */
#include <stdint.h>

uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem);

static uint64_t udivmod64(uint64_t n, uint64_t d, uint64_t *rem)
{
    if (d == 0)
        __builtin_trap();               /* as hardware would: #UD here instead of #DE */
    if (d >> 32 == 0) {
        uint32_t dd = (uint32_t)d, hi = (uint32_t)(n >> 32), lo = (uint32_t)n;
        uint32_t qhi = hi / dd, r = hi % dd, qlo;
        /* r < dd, so r:lo / dd fits in 32 bits: one DIVL. */
        asm("divl %4" : "=a"(qlo), "=d"(r) : "a"(lo), "d"(r), "rm"(dd));
        *rem = r;
        return ((uint64_t)qhi << 32) | qlo;
    }
    uint64_t q = 0, r = 0;
    for (int i = 63; i >= 0; i--) {
        int carry = (int)(r >> 63);     /* r << 1 would lose a bit: it is >= d anyway */
        r = (r << 1) | ((n >> i) & 1);
        if (carry || r >= d) {
            r -= d;
            q |= 1ull << i;
        }
    }
    *rem = r;
    return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d)
{
    uint64_t r;
    return udivmod64(n, d, &r);
}

uint64_t __umoddi3(uint64_t n, uint64_t d)
{
    uint64_t r;
    udivmod64(n, d, &r);
    return r;
}

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem)
{
    uint64_t r, q = udivmod64(n, d, &r);
    if (rem)
        *rem = r;
    return q;
}
