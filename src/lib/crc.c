/*
 * CRC-32 (reflected polynomial 0xEDB88320: RFC 1952 section 8, xz file
 * format 1.0.4 section 6.2) and CRC-64 (reflected ECMA-182 polynomial
 * 0xC96C5795D7870F42: xz file format section 6.3).
 *
 * Byte-at-a-time with one 256-entry table per CRC.  The tables are computed
 * by the compiler from the polynomial (the macros below run the eight
 * shift-and-conditionally-xor steps on each index), so they are constant
 * data: nothing to initialize at run time and nothing shared that changes.
 */
#include "lib/crc.h"

#define CRC32_POLY 0xEDB88320u
#define CRC64_POLY 0xC96C5795D7870F42ull

/* One bit step of a reflected CRC, then eight of them (one byte). */
#define C32_1(c) (((c) >> 1) ^ (((c) & 1u) ? CRC32_POLY : 0u))
#define C32_2(c) C32_1(C32_1(c))
#define C32_8(c) C32_2(C32_2(C32_2(C32_2((uint32_t)(c)))))
#define C64_1(c) (((c) >> 1) ^ (((c) & 1u) ? CRC64_POLY : 0u))
#define C64_2(c) C64_1(C64_1(c))
#define C64_8(c) C64_2(C64_2(C64_2(C64_2((uint64_t)(c)))))

/* Rows of 4, 16, 64, 256 table entries for indices n, n+1, ... */
#define R4(F, n)   F(n), F((n) + 1), F((n) + 2), F((n) + 3)
#define R16(F, n)  R4(F, n), R4(F, (n) + 4), R4(F, (n) + 8), R4(F, (n) + 12)
#define R64(F, n)  R16(F, n), R16(F, (n) + 16), R16(F, (n) + 32), R16(F, (n) + 48)
#define R256(F)    R64(F, 0), R64(F, 64), R64(F, 128), R64(F, 192)

static const uint32_t crc32_table[256] = { R256(C32_8) };
static const uint64_t crc64_table[256] = { R256(C64_8) };

uint32_t crc32_update(uint32_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    crc = ~crc;
    while (len--)
        crc = crc32_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/*
 * Table k maps a byte to the CRC register contribution of that byte followed
 * by k zero bytes; feeding a zero byte is one table step of the register
 * itself, so table k is table k-1 advanced by one more byte.  Four input
 * bytes xor-ed into the low register bytes then take one lookup each.
 */
void crc32_tables_init(struct crc32_tables *tab)
{
    unsigned i, k;

    for (i = 0; i < 256; i++)
        tab->t[0][i] = crc32_table[i];
    for (k = 1; k < 4; k++)
        for (i = 0; i < 256; i++)
            tab->t[k][i] = crc32_table[tab->t[k - 1][i] & 0xff] ^ (tab->t[k - 1][i] >> 8);
}

uint32_t crc32_update_fast(const struct crc32_tables *tab, uint32_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    crc = ~crc;
    while (len >= 4) {
        crc ^= (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        crc = tab->t[3][crc & 0xff] ^ tab->t[2][(crc >> 8) & 0xff] ^ tab->t[1][(crc >> 16) & 0xff] ^
              tab->t[0][crc >> 24];
        p += 4;
        len -= 4;
    }
    while (len--)
        crc = crc32_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

uint64_t crc64_update(uint64_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    crc = ~crc;
    while (len--)
        crc = crc64_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}
