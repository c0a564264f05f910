/*
 * The .xz container (The .xz File Format, version 1.0.4):
 *
 *   stream  = header (12: magic FD 37 7A 58 5A 00, 2 flag bytes, CRC32 of
 *             the flags) | blocks | index | footer (12: CRC32 of the next 6
 *             bytes, backward size = index size / 4 - 1, the same 2 flag
 *             bytes, "YZ");
 *   block   = header ((size byte + 1) * 4 bytes: flags, optional compressed
 *             and uncompressed sizes, filter flags, zero padding, CRC32) |
 *             compressed data | zero padding to a multiple of 4 | check;
 *   index   = 0x00 | record count | (unpadded size, uncompressed size) per
 *             block | zero padding to a multiple of 4 | CRC32;
 * with integers as variable-length integers (7 bits per byte, least
 * significant first, high bit = more; at most 9 bytes, no redundant zero
 * byte).  Streams may be concatenated with stream padding (zero bytes, a
 * multiple of 4) between and after them.
 *
 * Supported filter chains: LZMA2 (0x21) alone or after x86 BCJ (0x04,
 * optional 4-byte start offset).  Checks: none, CRC32, CRC64; the others
 * are refused (SHA-256 by name).  Linux appends the uncompressed size as 4
 * little-endian bytes after the xz data of a bzImage payload; exactly such
 * a trailer (matching the decoded size) is accepted too.
 *
 * The index is verified against the blocks decoded: record count, sum of
 * unpadded sizes, sum of uncompressed sizes and a CRC64 over all the
 * (unpadded, uncompressed) pairs, so that no per-block list has to be kept.
 */
#include "lib/decomp_priv.h"

#include "lib/crc.h"
#include "lib/errno.h"
#include "lib/string.h"

#define XZ_HDR_SIZE     12
#define XZ_FTR_SIZE     12
#define XZ_VLI_MAX      (UINT64_MAX / 2)    /* VLIs hold at most 63 bits */
#define XZ_CHECK_NONE   0x0
#define XZ_CHECK_CRC32  0x1
#define XZ_CHECK_CRC64  0x4
#define XZ_CHECK_SHA256 0xa
#define XZ_FILTER_X86   0x04
#define XZ_FILTER_LZMA2 0x21

static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Reads a VLI at in[*pos] (below end): 0, or -1 if truncated/invalid. */
static int xz_vli(const uint8_t *in, size_t end, size_t *pos, uint64_t *val)
{
    uint64_t v = 0;
    unsigned i;

    for (i = 0; i < 9; i++) {
        uint8_t b;

        if (*pos >= end)
            return -1;
        b = in[(*pos)++];
        if (i > 0 && b == 0)
            return -1;      /* redundant trailing zero byte */
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *val = v;
            return 0;
        }
    }
    return -1;
}

/* Check field size by check type (section 3.1.1.2). */
static unsigned xz_check_size(unsigned type)
{
    return type == 0 ? 0 : 4u << ((type - 1) / 3);
}

struct xz_run {
    const uint8_t *in;
    size_t len;
    uint8_t *out;
    size_t out_cap, opos;
    void *work;
    const struct crc32_tables *crc;
    char *err;
    size_t errlen;
    unsigned block;             /* blocks decoded so far, all streams */
    /* Per stream, for verifying the index. */
    uint64_t nblocks, sum_unpadded, sum_usize, rec_hash;
};

static int xz_err(struct xz_run *x, const char *what, size_t off)
{
    return decomp_fail(x->err, x->errlen, -ENOEXEC, "xz: %s at input offset %llu", what, (unsigned long long)off);
}

static void xz_hash_record(uint64_t *hash, uint64_t unpadded, uint64_t usize)
{
    uint8_t rec[16];
    unsigned i;

    for (i = 0; i < 8; i++) {
        rec[i] = (uint8_t)(unpadded >> (8 * i));
        rec[8 + i] = (uint8_t)(usize >> (8 * i));
    }
    *hash = crc64_update(*hash, rec, sizeof(rec));
}

/*
 * x86 BCJ decoding over a whole block (single call: one pass from the
 * block's first byte, position counter starting at the filter's start
 * offset).  The encoder rewrote the 32-bit displacement after E8 (CALL) and
 * E9 (JMP) opcodes from relative to absolute (+ position of the next
 * instruction) when its top byte was 00 or FF; decoding subtracts again.
 * A 3-bit history of recent E8/E9 bytes that were not converted (and a flag
 * for whether the byte that made them unconvertible looked like a
 * displacement top byte) decides, exactly as the encoder did, whether a
 * candidate is converted and which intermediate bytes must be re-checked.
 * The last 4 bytes of the block are never the start of a candidate.
 */
static void xz_bcj_x86(uint8_t *buf, size_t size, uint32_t start)
{
    /* Indexed by (history >> 1) & 7: may a candidate be converted? */
    static const bool allowed[8] = { true, true, true, false, true, false, false, false };
    /* Which displacement byte must be re-examined for that history. */
    static const uint8_t recheck[8] = { 0, 1, 2, 2, 3, 3, 3, 3 };
    uint32_t hist = 0;
    size_t i, last = 0;
    bool seen = false;

    if (size < 5)
        return;
    for (i = 0; i <= size - 5;) {
        uint8_t top;

        if (buf[i] != 0xe8 && buf[i] != 0xe9) {
            i++;
            continue;
        }
        /* Age the history by the distance from the previous candidate. */
        if (!seen || i - last > 5) {
            hist = 0;
        } else {
            size_t k;

            for (k = 0; k < i - last; k++)
                hist = (hist & 0x77) << 1;
        }
        seen = true;
        last = i;
        top = buf[i + 4];
        if ((top == 0x00 || top == 0xff) && allowed[(hist >> 1) & 7] && (hist >> 1) < 0x10) {
            uint32_t src = get_le32(buf + i + 1), dst;

            for (;;) {
                unsigned b;
                uint8_t t;

                dst = src - (start + (uint32_t)i + 5);
                if (hist == 0)
                    break;
                b = recheck[(hist >> 1) & 7];
                t = (uint8_t)(dst >> (24 - 8 * b));
                if (t != 0x00 && t != 0xff)
                    break;
                src = dst ^ ((1u << (32 - 8 * b)) - 1);
            }
            /* Sign-extend bit 24 into the top byte. */
            dst &= 0x01ffffffu;
            if (dst & 0x01000000u)
                dst |= 0xff000000u;
            buf[i + 1] = (uint8_t)dst;
            buf[i + 2] = (uint8_t)(dst >> 8);
            buf[i + 3] = (uint8_t)(dst >> 16);
            buf[i + 4] = (uint8_t)(dst >> 24);
            i += 5;
            hist = 0;
        } else {
            i++;
            hist |= 1;
            if (top == 0x00 || top == 0xff)
                hist |= 0x10;
        }
    }
}

/* One block starting at in[*pos] (its header size byte, non-zero). */
static int xz_block(struct xz_run *x, size_t *pos, unsigned check)
{
    const uint8_t *in = x->in;
    size_t start = *pos, hsize = ((size_t)in[start] + 1) * 4, p, hend, dpos, used, produced;
    uint64_t csize = UINT64_MAX, usize = UINT64_MAX, unpadded;
    unsigned nfilters, f, csz = xz_check_size(check);
    uint32_t dict_size = 0, bcj_start = 0;
    bool bcj = false;
    uint8_t flags;
    int rc;

    if (x->len - start < hsize)
        return xz_err(x, "block header truncated", start);
    hend = start + hsize - 4;
    if (crc32_update(0, in + start, hsize - 4) != get_le32(in + hend))
        return decomp_fail(x->err, x->errlen, -ENOEXEC, "xz: block %u: header CRC32 mismatch", x->block);
    flags = in[start + 1];
    if (flags & 0x3c)
        return decomp_fail(x->err, x->errlen, -ENOEXEC, "xz: block %u: reserved header flags 0x%02x set",
                           x->block, flags);
    nfilters = (flags & 3) + 1;
    p = start + 2;
    if ((flags & 0x40) && (xz_vli(in, hend, &p, &csize) || csize == 0))
        return xz_err(x, "bad compressed size in block header", start);
    if ((flags & 0x80) && xz_vli(in, hend, &p, &usize))
        return xz_err(x, "bad uncompressed size in block header", start);
    for (f = 0; f < nfilters; f++) {
        uint64_t id, psize;

        if (xz_vli(in, hend, &p, &id) || xz_vli(in, hend, &p, &psize) || psize > hend - p)
            return xz_err(x, "bad filter flags in block header", start);
        if (id == XZ_FILTER_LZMA2) {
            uint8_t d;

            if (f != nfilters - 1 || psize != 1)
                return decomp_fail(x->err, x->errlen, -ENOEXEC,
                                   "xz: block %u: LZMA2 must be the last filter with 1 property byte", x->block);
            d = in[p];
            if (d > 40)
                return decomp_fail(x->err, x->errlen, -ENOEXEC, "xz: block %u: LZMA2 dictionary size byte %u "
                                   "is invalid", x->block, d);
            dict_size = d == 40 ? 0xffffffffu : (2u | (d & 1u)) << (d / 2 + 11);
        } else if (id == XZ_FILTER_X86 && f + 1 < nfilters && !bcj) {
            if (psize == 4)
                bcj_start = get_le32(in + p);
            else if (psize != 0)
                return decomp_fail(x->err, x->errlen, -ENOEXEC, "xz: block %u: x86 filter with %llu property "
                                   "bytes", x->block, (unsigned long long)psize);
            bcj = true;
        } else if (id == XZ_FILTER_X86) {
            return decomp_fail(x->err, x->errlen, -ENOEXEC, "xz: block %u: x86 filter in an unsupported place",
                               x->block);
        } else {
            return decomp_fail(x->err, x->errlen, -ENOEXEC, "xz: filter 0x%llx not supported",
                               (unsigned long long)id);
        }
        p += psize;
    }
    if (dict_size == 0)
        return decomp_fail(x->err, x->errlen, -ENOEXEC, "xz: block %u: no LZMA2 filter", x->block);
    for (; p < hend; p++)
        if (in[p])
            return xz_err(x, "non-zero block header padding", p);

    dpos = start + hsize;
    rc = lzma2_decode(in + dpos, csize != UINT64_MAX && csize < x->len - dpos ? csize : x->len - dpos, &used,
                      x->out, x->opos, x->out_cap, usize, &produced, dict_size, x->work, x->block, x->err,
                      x->errlen);
    if (rc)
        return rc;
    if (csize != UINT64_MAX && used != csize)
        return decomp_fail(x->err, x->errlen, -ENOEXEC, "xz: block %u: compressed size %llu in the header, "
                           "%llu in the data", x->block, (unsigned long long)csize, (unsigned long long)used);
    if (usize != UINT64_MAX && produced != usize)
        return decomp_fail(x->err, x->errlen, -ENOEXEC, "xz: block %u: uncompressed size %llu in the header, "
                           "%llu in the data", x->block, (unsigned long long)usize,
                           (unsigned long long)produced);
    if (bcj)
        xz_bcj_x86(x->out + x->opos, produced, bcj_start);

    /* Block padding to a multiple of 4 from the block start, then the check. */
    p = dpos + used;
    while ((p - start) & 3) {
        if (p >= x->len)
            return xz_err(x, "block padding truncated", p);
        if (in[p++])
            return xz_err(x, "non-zero block padding", p - 1);
    }
    if (x->len - p < csz)
        return xz_err(x, "block check truncated", p);
    if (check == XZ_CHECK_CRC32 &&
        crc32_update_fast(x->crc, 0, x->out + x->opos, produced) != get_le32(in + p))
        return decomp_fail(x->err, x->errlen, -ENOEXEC, "xz: block %u: CRC32 mismatch", x->block);
    if (check == XZ_CHECK_CRC64) {
        uint64_t want = (uint64_t)get_le32(in + p) | (uint64_t)get_le32(in + p + 4) << 32;

        if (crc64_update(0, x->out + x->opos, produced) != want)
            return decomp_fail(x->err, x->errlen, -ENOEXEC, "xz: block %u: CRC64 mismatch", x->block);
    }
    unpadded = hsize + used + csz;
    x->nblocks++;
    x->sum_unpadded += unpadded;
    x->sum_usize += produced;
    xz_hash_record(&x->rec_hash, unpadded, produced);
    x->opos += produced;
    x->block++;
    *pos = p + csz;
    return 0;
}

/*
 * Parses the index at in[pos..) (indicator already checked to be 0):
 * *end just past its CRC32; record count, sums and hash out.
 */
static int xz_index(const uint8_t *in, size_t len, size_t pos, size_t *end, uint64_t *count, uint64_t *sum_unp,
                    uint64_t *sum_us, uint64_t *hash)
{
    size_t p = pos + 1;
    uint64_t n, i;

    *sum_unp = *sum_us = *hash = 0;
    if (xz_vli(in, len, &p, &n))
        return -1;
    for (i = 0; i < n; i++) {
        uint64_t unp, us;

        if (xz_vli(in, len, &p, &unp) || xz_vli(in, len, &p, &us) || unp == 0 || unp > XZ_VLI_MAX - *sum_unp ||
            us > XZ_VLI_MAX - *sum_us)
            return -1;
        *sum_unp += unp;
        *sum_us += us;
        xz_hash_record(hash, unp, us);
    }
    while ((p - pos) & 3) {
        if (p >= len || in[p])
            return -1;
        p++;
    }
    if (len - p < 4 || crc32_update(0, in + pos, p - pos) != get_le32(in + p))
        return -1;
    *count = n;
    *end = p + 4;
    return 0;
}

static int xz_stream_flags(const uint8_t *f, unsigned *check)
{
    if (f[0] != 0 || (f[1] & 0xf0))
        return -1;
    *check = f[1] & 0x0f;
    return 0;
}

/* One stream at in[*pos]. */
static int xz_stream(struct xz_run *x, size_t *pos)
{
    const uint8_t *in = x->in;
    size_t p = *pos, ipos, iend;
    uint64_t count, sum_unp, sum_us, hash;
    unsigned check;

    if (x->len - p < XZ_HDR_SIZE || memcmp(in + p, xz_magic, 6))
        return xz_err(x, "stream header missing", p);
    if (crc32_update(0, in + p + 6, 2) != get_le32(in + p + 8))
        return xz_err(x, "stream header CRC32 mismatch", p);
    if (xz_stream_flags(in + p + 6, &check))
        return xz_err(x, "unsupported stream flags", p);
    if (check == XZ_CHECK_SHA256)
        return decomp_fail(x->err, x->errlen, -ENOEXEC,
                           "xz: SHA-256 check not supported (recompress with --check=crc32 or crc64)");
    if (check != XZ_CHECK_NONE && check != XZ_CHECK_CRC32 && check != XZ_CHECK_CRC64)
        return decomp_fail(x->err, x->errlen, -ENOEXEC, "xz: check type 0x%x not supported", check);
    p += XZ_HDR_SIZE;
    x->nblocks = x->sum_unpadded = x->sum_usize = x->rec_hash = 0;
    for (;;) {
        int rc;

        if (p >= x->len)
            return xz_err(x, "stream truncated before its index", p);
        if (in[p] == 0)
            break;
        rc = xz_block(x, &p, check);
        if (rc)
            return rc;
    }
    ipos = p;
    if (xz_index(in, x->len, ipos, &iend, &count, &sum_unp, &sum_us, &hash))
        return xz_err(x, "index is corrupt", ipos);
    if (count != x->nblocks || sum_unp != x->sum_unpadded || sum_us != x->sum_usize || hash != x->rec_hash)
        return xz_err(x, "index does not match the blocks", ipos);
    p = iend;
    if (x->len - p < XZ_FTR_SIZE)
        return xz_err(x, "stream footer truncated", p);
    if (in[p + 10] != 'Y' || in[p + 11] != 'Z' || crc32_update(0, in + p + 4, 6) != get_le32(in + p))
        return xz_err(x, "stream footer is corrupt", p);
    if (((uint64_t)get_le32(in + p + 4) + 1) * 4 != iend - ipos)
        return xz_err(x, "footer backward size does not match the index", p);
    if (memcmp(in + p + 8, in + *pos + 6, 2))
        return xz_err(x, "footer flags differ from the header's", p);
    *pos = p + XZ_FTR_SIZE;
    return 0;
}

int unxz_run(const uint8_t *in, size_t len, uint8_t *out, size_t out_cap, size_t *out_len, void *work,
             char *err, size_t errlen)
{
    struct xz_run x = { .in = in, .len = len, .out = out, .out_cap = out_cap, .work = work, .err = err,
                        .errlen = errlen };
    struct crc32_tables *crc = (struct crc32_tables *)((uint8_t *)work + DECOMP_CRC_TABLES_OFF);
    size_t p = 0;
    int rc;

    crc32_tables_init(crc);
    x.crc = crc;
    for (;;) {
        size_t z;

        rc = xz_stream(&x, &p);
        if (rc)
            return rc;
        /* Stream padding: zero bytes in groups of 4, then another stream or the end. */
        if (len - p == 4 && get_le32(in + p) == (uint32_t)x.opos)
            break;      /* Linux's size trailer */
        for (z = p; z < len && in[z] == 0; z++)
            ;
        if (z == len && !((z - p) & 3))
            break;
        if ((z - p) & 3 || z == len)
            return xz_err(&x, "stream padding is not a multiple of 4 bytes", p);
        if (len - z < 6 || memcmp(in + z, xz_magic, 6))
            return xz_err(&x, "unexpected data after the stream", z);
        p = z;
    }
    *out_len = x.opos;
    return 0;
}

/* Walks the streams from the end, summing each index's uncompressed sizes. */
int unxz_size(const uint8_t *in, size_t len, uint64_t *size)
{
    uint64_t total = 0;
    size_t end = len;
    bool first = true;

    for (;;) {
        size_t f, ipos, iend, bsize;
        uint64_t count, sum_unp, sum_us, hash;

        while (end >= 4 && !get_le32(in + end - 4))
            end -= 4;
        if (first && end >= XZ_HDR_SIZE + XZ_FTR_SIZE + 4 && (in[end - 2] != 'Y' || in[end - 1] != 'Z') &&
            in[end - 6] == 'Y' && in[end - 5] == 'Z')
            end -= 4;   /* Linux's 4-byte size trailer */
        first = false;
        if (end < XZ_HDR_SIZE + XZ_FTR_SIZE)
            return -ENOEXEC;
        f = end - XZ_FTR_SIZE;
        if (in[f + 10] != 'Y' || in[f + 11] != 'Z' || crc32_update(0, in + f + 4, 6) != get_le32(in + f))
            return -ENOEXEC;
        bsize = ((size_t)get_le32(in + f + 4) + 1) * 4;
        if (bsize > f - XZ_HDR_SIZE)
            return -ENOEXEC;
        ipos = f - bsize;
        if (in[ipos] != 0 || xz_index(in, f, ipos, &iend, &count, &sum_unp, &sum_us, &hash) || iend != f)
            return -ENOEXEC;
        /* Blocks occupy the unpadded sizes rounded up to 4 each; only the sum is known, so
         * the stream start is found from the sum with each record's padding: recompute. */
        {
            size_t p = ipos + 1, blocks = 0;
            uint64_t n, i, unp, us;

            xz_vli(in, f, &p, &n);
            for (i = 0; i < n; i++) {
                xz_vli(in, f, &p, &unp);
                xz_vli(in, f, &p, &us);
                if (unp > ipos)
                    return -ENOEXEC;
                blocks += (size_t)((unp + 3) & ~3ull);
                if (blocks > ipos)
                    return -ENOEXEC;
            }
            if (ipos - blocks < XZ_HDR_SIZE)
                return -ENOEXEC;
            end = ipos - blocks - XZ_HDR_SIZE;
        }
        if (memcmp(in + end, xz_magic, 6) || memcmp(in + end + 6, in + f + 8, 2))
            return -ENOEXEC;
        if (sum_us > UINT64_MAX - total)
            return -ENOEXEC;
        total += sum_us;
        if (end == 0)
            break;
    }
    *size = total;
    return 0;
}
