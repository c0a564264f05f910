/*
 * gzip (RFC 1952) around deflate (RFC 1951), single call.
 *
 * Deflate: a sequence of blocks (3-bit header: BFINAL, BTYPE 0 stored, 1
 * fixed Huffman, 2 dynamic Huffman, 3 reserved), bits packed least
 * significant first, Huffman codes stored most significant bit first
 * (section 3.1.1).  Literal/length symbols 0..285 (256 ends the block,
 * 257..285 are lengths 3..258 with extra bits), distance symbols 0..29
 * (distances 1..32768 with extra bits), section 3.2.5.
 *
 * Huffman decoding is canonical (section 3.2.2): codes of one length are
 * consecutive and ordered by symbol, so a table of counts per length and
 * the symbols sorted by code decode any code bit by bit.  For speed the
 * codes of up to INF_FAST_BITS bits are also put in a direct lookup table
 * indexed by the next INF_FAST_BITS input bits (bit-reversed codes, every
 * completion of the unused high bits); longer codes take the bit-by-bit
 * path.
 *
 * Code sets are checked: an over-subscribed set is refused, an incomplete
 * one only allowed for a literal/length or distance code with at most one
 * code (a distance code can be empty when a block has only literals).  A
 * code not in an incomplete set is an error when met.
 */
#include "lib/decomp_priv.h"

#include "lib/crc.h"
#include "lib/errno.h"
#include "lib/string.h"

#define INF_MAX_BITS    15
#define INF_FAST_BITS   10
#define INF_LIT_SYMS    288     /* 286 and 287 take part in the fixed code but are invalid */
#define INF_DIST_SYMS   32      /* 30 and 31 likewise */
#define INF_CL_SYMS     19
#define INF_WINDOW      32768

struct inf_huff {
    uint16_t count[INF_MAX_BITS + 1];   /* codes per length */
    uint16_t symbol[INF_LIT_SYMS];      /* symbols in code order */
    uint16_t fast[1u << INF_FAST_BITS]; /* (symbol << 4) | length, 0 = longer code or none */
};

struct inf_work {
    struct inf_huff lit, dist;
    uint8_t lens[INF_LIT_SYMS + INF_DIST_SYMS];
};

_Static_assert(sizeof(struct inf_work) <= DECOMP_CRC_TABLES_OFF, "inflate work area overlaps the CRC tables");

struct inf {
    const uint8_t *in;
    size_t len, pos;            /* bytes not yet in the bit buffer start at pos */
    uint64_t bits;
    unsigned nbits;
    uint8_t *out;
    size_t cap, opos, mstart;   /* mstart: the member's first output byte */
    char *err;
    size_t errlen;
};

static const uint16_t len_base[29] = {
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
};
static const uint8_t len_extra[29] = {
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
};
static const uint16_t dist_base[30] = {
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
    6145, 8193, 12289, 16385, 24577,
};
static const uint8_t dist_extra[30] = {
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
};
/* Order of the code length code lengths in a dynamic block header (3.2.7). */
static const uint8_t cl_order[INF_CL_SYMS] = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };

static int inf_err(struct inf *s, const char *what)
{
    return decomp_fail(s->err, s->errlen, -ENOEXEC, "gzip: %s (input offset %llu)", what,
                       (unsigned long long)(s->pos - s->nbits / 8));
}

static void inf_refill(struct inf *s)
{
    while (s->nbits <= 56 && s->pos < s->len) {
        s->bits |= (uint64_t)s->in[s->pos++] << s->nbits;
        s->nbits += 8;
    }
}

/* n (<= 32) bits, or -1 if the input ends first. */
static int64_t inf_get(struct inf *s, unsigned n)
{
    uint64_t v;

    if (s->nbits < n) {
        inf_refill(s);
        if (s->nbits < n)
            return -1;
    }
    v = s->bits & ((1ull << n) - 1);
    s->bits >>= n;
    s->nbits -= n;
    return (int64_t)v;
}

/* Drops the bits up to the next byte boundary and gives back whole buffered bytes. */
static void inf_align(struct inf *s)
{
    s->pos -= s->nbits / 8;
    s->bits = 0;
    s->nbits = 0;
}

/* Builds a decoder for n code lengths; allow_incomplete: see the file comment. */
static int inf_build(struct inf_huff *h, const uint8_t *lens, unsigned n, bool allow_incomplete)
{
    uint16_t offs[INF_MAX_BITS + 2];
    unsigned len, sym, k, idx, code, ncodes = 0;
    int left = 1;

    memset(h->count, 0, sizeof(h->count));
    memset(h->fast, 0, sizeof(h->fast));
    for (sym = 0; sym < n; sym++)
        h->count[lens[sym]]++;
    for (len = 1; len <= INF_MAX_BITS; len++) {
        left = (left << 1) - h->count[len];
        if (left < 0)
            return -1;      /* over-subscribed */
        ncodes += h->count[len];
    }
    if (left > 0 && (!allow_incomplete || ncodes > 1))
        return -1;
    offs[1] = 0;
    for (len = 1; len <= INF_MAX_BITS; len++)
        offs[len + 1] = (uint16_t)(offs[len] + h->count[len]);
    for (sym = 0; sym < n; sym++)
        if (lens[sym])
            h->symbol[offs[lens[sym]]++] = (uint16_t)sym;

    code = 0;
    idx = 0;
    for (len = 1; len <= INF_FAST_BITS; len++) {
        for (k = 0; k < h->count[len]; k++, idx++, code++) {
            unsigned rev = 0, b, j;

            for (b = 0; b < len; b++)
                rev |= ((code >> b) & 1u) << (len - 1 - b);
            for (j = rev; j < (1u << INF_FAST_BITS); j += 1u << len)
                h->fast[j] = (uint16_t)(h->symbol[idx] << 4 | len);
        }
        code <<= 1;
    }
    return 0;
}

/* Next symbol, or -1 (input ended, or a code not in the set). */
static int inf_decode(struct inf *s, const struct inf_huff *h)
{
    unsigned len, code = 0, first = 0, index = 0;
    uint16_t e;

    if (s->nbits < INF_MAX_BITS)
        inf_refill(s);
    e = h->fast[s->bits & ((1u << INF_FAST_BITS) - 1)];
    if (e) {
        len = e & 15u;
        if (len > s->nbits)
            return -1;
        s->bits >>= len;
        s->nbits -= len;
        return e >> 4;
    }
    /* Canonical decoding one bit at a time: code - first indexes this length's codes. */
    for (len = 1; len <= INF_MAX_BITS; len++) {
        unsigned cnt = h->count[len];

        if (!s->nbits)
            return -1;
        code |= (unsigned)(s->bits & 1);
        s->bits >>= 1;
        s->nbits--;
        if (code - first < cnt)
            return h->symbol[index + (code - first)];
        index += cnt;
        first = (first + cnt) << 1;
        code <<= 1;
    }
    return -1;
}

static int inf_stored(struct inf *s)
{
    uint16_t n, nn;

    inf_align(s);
    if (s->len - s->pos < 4)
        return inf_err(s, "stored block header truncated");
    n = (uint16_t)(s->in[s->pos] | s->in[s->pos + 1] << 8);
    nn = (uint16_t)(s->in[s->pos + 2] | s->in[s->pos + 3] << 8);
    if ((n ^ nn) != 0xffff)
        return inf_err(s, "stored block length check (NLEN) mismatch");
    s->pos += 4;
    if (s->len - s->pos < n)
        return inf_err(s, "stored block truncated");
    if (s->cap - s->opos < n)
        return decomp_fail(s->err, s->errlen, -E2BIG, "gzip: output buffer of %llu bytes is too small",
                           (unsigned long long)s->cap);
    memcpy(s->out + s->opos, s->in + s->pos, n);
    s->pos += n;
    s->opos += n;
    return 0;
}

static int inf_codes(struct inf *s, const struct inf_huff *lit, const struct inf_huff *dist)
{
    for (;;) {
        int sym = inf_decode(s, lit);
        int64_t extra;
        unsigned len, d;

        if (sym < 0)
            return inf_err(s, "invalid or truncated literal/length code");
        if (sym < 256) {
            if (s->opos == s->cap)
                goto full;
            s->out[s->opos++] = (uint8_t)sym;
            continue;
        }
        if (sym == 256)
            return 0;
        sym -= 257;
        if (sym >= 29)
            return inf_err(s, "invalid length symbol");
        extra = inf_get(s, len_extra[sym]);
        if (extra < 0)
            return inf_err(s, "truncated length");
        len = len_base[sym] + (unsigned)extra;
        sym = inf_decode(s, dist);
        if (sym < 0 || sym >= 30)
            return inf_err(s, "invalid or truncated distance code");
        extra = inf_get(s, dist_extra[sym]);
        if (extra < 0)
            return inf_err(s, "truncated distance");
        d = dist_base[sym] + (unsigned)extra;
        if (d > s->opos - s->mstart)
            return inf_err(s, "distance reaches before the start of the output");
        if (len > s->cap - s->opos)
            goto full;
        {
            const uint8_t *src = s->out + s->opos - d;
            uint8_t *dst = s->out + s->opos;

            s->opos += len;
            while (len--)
                *dst++ = *src++;
        }
    }
full:
    return decomp_fail(s->err, s->errlen, -E2BIG, "gzip: output buffer of %llu bytes is too small",
                       (unsigned long long)s->cap);
}

static int inf_fixed(struct inf *s, struct inf_work *w)
{
    unsigned i;

    for (i = 0; i < INF_LIT_SYMS; i++)
        w->lens[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
    inf_build(&w->lit, w->lens, INF_LIT_SYMS, false);
    for (i = 0; i < INF_DIST_SYMS; i++)
        w->lens[i] = 5;
    inf_build(&w->dist, w->lens, INF_DIST_SYMS, false);
    return inf_codes(s, &w->lit, &w->dist);
}

static int inf_dynamic(struct inf *s, struct inf_work *w)
{
    int64_t hlit = inf_get(s, 5), hdist = inf_get(s, 5), hclen = inf_get(s, 4);
    unsigned i, n, total;
    uint8_t cl[INF_CL_SYMS] = { 0 };

    if (hclen < 0)
        return inf_err(s, "dynamic block header truncated");
    hlit += 257;
    hdist += 1;
    if (hlit > 286 || hdist > 30)
        return inf_err(s, "too many length or distance codes");
    for (i = 0; i < (unsigned)hclen + 4; i++) {
        int64_t v = inf_get(s, 3);

        if (v < 0)
            return inf_err(s, "dynamic block header truncated");
        cl[cl_order[i]] = (uint8_t)v;
    }
    /* The code length code is built in the distance slot, which is rebuilt afterwards. */
    if (inf_build(&w->dist, cl, INF_CL_SYMS, false))
        return inf_err(s, "invalid code length code");
    total = (unsigned)(hlit + hdist);
    for (n = 0; n < total;) {
        int sym = inf_decode(s, &w->dist);
        unsigned rep;
        uint8_t val = 0;
        int64_t x;

        if (sym < 0)
            return inf_err(s, "invalid or truncated code length");
        if (sym < 16) {
            w->lens[n++] = (uint8_t)sym;
            continue;
        }
        if (sym == 16) {
            if (n == 0)
                return inf_err(s, "code length repeat with no previous length");
            val = w->lens[n - 1];
            x = inf_get(s, 2);
            rep = 3;
        } else if (sym == 17) {
            x = inf_get(s, 3);
            rep = 3;
        } else {
            x = inf_get(s, 7);
            rep = 11;
        }
        if (x < 0)
            return inf_err(s, "code lengths truncated");
        rep += (unsigned)x;
        if (rep > total - n)
            return inf_err(s, "code length repeat past the last code");
        while (rep--)
            w->lens[n++] = val;
    }
    if (w->lens[256] == 0)
        return inf_err(s, "no end-of-block code");
    if (inf_build(&w->lit, w->lens, (unsigned)hlit, true))
        return inf_err(s, "invalid literal/length code lengths");
    if (inf_build(&w->dist, w->lens + hlit, (unsigned)hdist, true))
        return inf_err(s, "invalid distance code lengths");
    return inf_codes(s, &w->lit, &w->dist);
}

/* One deflate stream at s->pos; leaves s->pos at the byte after its end. */
static int inf_deflate(struct inf *s, struct inf_work *w)
{
    int64_t last, type;
    int rc;

    do {
        last = inf_get(s, 1);
        type = inf_get(s, 2);
        if (type < 0)
            return inf_err(s, "deflate data truncated");
        if (type == 0)
            rc = inf_stored(s);
        else if (type == 1)
            rc = inf_fixed(s, w);
        else if (type == 2)
            rc = inf_dynamic(s, w);
        else
            return inf_err(s, "reserved deflate block type 3");
        if (rc)
            return rc;
    } while (!last);
    inf_align(s);
    return 0;
}

#define GZ_FTEXT    0x01
#define GZ_FHCRC    0x02
#define GZ_FEXTRA   0x04
#define GZ_FNAME    0x08
#define GZ_FCOMMENT 0x10

/* Member header at s->pos (RFC 1952 section 2.3.1). */
static int gz_header(struct inf *s)
{
    const uint8_t *in = s->in;
    size_t p = s->pos, start = p;
    uint8_t flg;

    if (s->len - p < 10 || in[p] != 0x1f || in[p + 1] != 0x8b)
        return inf_err(s, "member header missing");
    if (in[p + 2] != 8)
        return inf_err(s, "compression method is not deflate (8)");
    flg = in[p + 3];
    if (flg & 0xe0)
        return inf_err(s, "reserved header flags set");
    p += 10;
    if (flg & GZ_FEXTRA) {
        size_t xlen;

        if (s->len - p < 2)
            return inf_err(s, "header extra field truncated");
        xlen = in[p] | (size_t)in[p + 1] << 8;
        p += 2;
        if (s->len - p < xlen)
            return inf_err(s, "header extra field truncated");
        p += xlen;
    }
    if (flg & GZ_FNAME) {
        while (p < s->len && in[p])
            p++;
        if (p++ >= s->len)
            return inf_err(s, "header file name truncated");
    }
    if (flg & GZ_FCOMMENT) {
        while (p < s->len && in[p])
            p++;
        if (p++ >= s->len)
            return inf_err(s, "header comment truncated");
    }
    if (flg & GZ_FHCRC) {
        if (s->len - p < 2)
            return inf_err(s, "header CRC16 truncated");
        if ((crc32_update(0, in + start, p - start) & 0xffff) != (uint32_t)(in[p] | in[p + 1] << 8))
            return decomp_fail(s->err, s->errlen, -ENOEXEC, "gzip: header CRC16 mismatch");
        p += 2;
    }
    s->pos = p;
    return 0;
}

static uint32_t gz_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int inflate_gzip_run(const uint8_t *in, size_t len, uint8_t *out, size_t out_cap, size_t *out_len, void *work,
                     char *err, size_t errlen)
{
    struct inf s = { .in = in, .len = len, .out = out, .cap = out_cap, .err = err, .errlen = errlen };
    struct inf_work *w = work;
    struct crc32_tables *crc = (struct crc32_tables *)((uint8_t *)work + DECOMP_CRC_TABLES_OFF);
    unsigned member = 0;
    int rc;

    crc32_tables_init(crc);

    for (;;) {
        size_t z;

        s.mstart = s.opos;
        rc = gz_header(&s);
        if (!rc)
            rc = inf_deflate(&s, w);
        if (rc)
            return rc;
        if (s.len - s.pos < 8)
            return inf_err(&s, "member trailer truncated");
        if (crc32_update_fast(crc, 0, out + s.mstart, s.opos - s.mstart) != gz_le32(in + s.pos))
            return decomp_fail(err, errlen, -ENOEXEC, "gzip: member %u: CRC32 mismatch", member);
        if (gz_le32(in + s.pos + 4) != (uint32_t)(s.opos - s.mstart))
            return decomp_fail(err, errlen, -ENOEXEC, "gzip: member %u: ISIZE mismatch", member);
        s.pos += 8;
        member++;
        /* Another member, zero padding, or the end. */
        if (s.len - s.pos >= 2 && in[s.pos] == 0x1f && in[s.pos + 1] == 0x8b)
            continue;
        for (z = s.pos; z < len && in[z] == 0; z++)
            ;
        if (z != len)
            return inf_err(&s, "unexpected data after the last member");
        break;
    }
    *out_len = s.opos;
    return 0;
}

int inflate_gzip_size(const uint8_t *in, size_t len, uint64_t *size)
{
    if (len < 18 || in[0] != 0x1f || in[1] != 0x8b)
        return -ENOEXEC;
    *size = gz_le32(in + len - 4);
    return 0;
}
