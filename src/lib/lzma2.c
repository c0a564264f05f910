/*
 * LZMA2 decoder (the only compression filter of the .xz format, filter ID
 * 0x21) for single-call use: the output buffer is the dictionary.
 *
 * LZMA2 wraps LZMA in chunks.  Each chunk starts with a control byte:
 *   0x00          end of the LZMA2 data;
 *   0x01 / 0x02   uncompressed chunk with / without a dictionary reset,
 *                 followed by a 16-bit big-endian (size - 1) and the bytes;
 *   0x80 - 0xFF   LZMA chunk: bits 0-4 are bits 16-20 of (uncompressed size
 *                 - 1), bits 5-6 the reset level (0 none, 1 state, 2 state
 *                 and new properties, 3 all that and the dictionary), then
 *                 16-bit big-endian (uncompressed size - 1) low bits, 16-bit
 *                 big-endian (compressed size - 1), and a properties byte
 *                 when the level is >= 2;
 *   0x03 - 0x7F   invalid.
 * The first chunk must reset the dictionary and the first LZMA chunk after
 * a dictionary reset must carry properties.  Every LZMA chunk restarts the
 * range decoder (5 bytes, the first 0), must consume exactly its compressed
 * size and ends with the range decoder's code at 0; a match may not run
 * past the chunk's uncompressed size.
 *
 * LZMA itself: a binary adaptive range decoder (11-bit probabilities,
 * adaptation shift 5) drives a 12-state machine choosing between literals,
 * matches with a new distance and matches reusing one of the last four
 * distances, with lengths 2..273 and distances coded as a 6-bit slot plus
 * reverse-coded or direct low bits.  Properties lc/lp/pb select the
 * literal context (high bits of the previous byte, low bits of the
 * position) and the position bits of the match flags; LZMA2 requires
 * lc + lp <= 4.
 *
 * Bounds: the range decoder never reads past the chunk's compressed bytes,
 * every output byte is within [out_start, chunk end) which was checked
 * against out_cap, and each distance is checked against the bytes decoded
 * since the last dictionary reset and the dictionary size.
 */
#include "lib/decomp_priv.h"

#include "lib/errno.h"
#include "lib/string.h"

#define LZ_STATES       12
#define LZ_LIT_STATES   7           /* states < 7: the previous symbol was a literal */
#define LZ_PROB_INIT    1024        /* probability 0.5 out of 2048 */
#define LZ_MATCH_MIN    2

/* Probability array layout (uint16_t indices). */
#define P_IS_MATCH      0                               /* [state][pos_state] 12 x 16 */
#define P_IS_REP        (P_IS_MATCH + 12 * 16)          /* [state] */
#define P_IS_REP0       (P_IS_REP + 12)
#define P_IS_REP1       (P_IS_REP0 + 12)
#define P_IS_REP2       (P_IS_REP1 + 12)
#define P_IS_REP0_LONG  (P_IS_REP2 + 12)                /* [state][pos_state] */
#define P_DIST_SLOT     (P_IS_REP0_LONG + 12 * 16)      /* [len_state 0..3][64] */
#define P_DIST_SPECIAL  (P_DIST_SLOT + 4 * 64)          /* reverse trees of slots 4..13 */
#define P_DIST_ALIGN    (P_DIST_SPECIAL + 114)          /* 4-bit reverse tree */
#define P_LEN_MATCH     (P_DIST_ALIGN + 16)
#define P_LEN_REP       (P_LEN_MATCH + LEN_PROBS)
#define P_LITERAL       (P_LEN_REP + LEN_PROBS)         /* 0x300 per literal context */
#define P_TOTAL_MAX     (P_LITERAL + (0x300 << 4))

/* A length coder: choice, choice2, low[16][8], mid[16][8], high[256]. */
#define LEN_CHOICE      0
#define LEN_CHOICE2     1
#define LEN_LOW         2
#define LEN_MID         (LEN_LOW + 16 * 8)
#define LEN_HIGH        (LEN_MID + 16 * 8)
#define LEN_PROBS       (LEN_HIGH + 256)

_Static_assert(P_TOTAL_MAX * 2 <= LZMA2_WORK_BYTES, "LZMA2 work area too small");
_Static_assert(LZMA2_WORK_BYTES <= DECOMP_CRC_TABLES_OFF, "LZMA2 work area overlaps the CRC tables");

struct lz_dec {
    uint16_t *probs;
    unsigned lc, lp, pb;
    unsigned state;
    uint32_t rep[4];
    uint32_t dict_size;
    size_t dict_start;          /* output offset of the last dictionary reset */
    unsigned block;
    char *err;
    size_t errlen;
};

static int lz_fail(const struct lz_dec *d, const char *what, size_t pos)
{
    return decomp_fail(d->err, d->errlen, -ENOEXEC, "xz: block %u: LZMA2 %s (output offset %llu)", d->block,
                       what, (unsigned long long)pos);
}

static void lz_reset_state(struct lz_dec *d)
{
    size_t i, n = P_LITERAL + ((size_t)0x300 << (d->lc + d->lp));

    for (i = 0; i < n; i++)
        d->probs[i] = LZ_PROB_INIT;
    d->state = 0;
    d->rep[0] = d->rep[1] = d->rep[2] = d->rep[3] = 0;
}

/* Range decoder primitives over locals rng/code/ip/iend of lz_chunk. */
#define RC_NORMALIZE() do {                                     \
        if (rng < (1u << 24)) {                                 \
            if (ip == iend)                                     \
                goto truncated;                                 \
            rng <<= 8;                                          \
            code = (code << 8) | *ip++;                         \
        }                                                       \
    } while (0)

#define RC_BIT(prob, bit) do {                                  \
        uint16_t *p_ = (prob);                                  \
        uint32_t bound_;                                        \
        RC_NORMALIZE();                                         \
        bound_ = (rng >> 11) * *p_;                             \
        if (code < bound_) {                                    \
            rng = bound_;                                       \
            *p_ = (uint16_t)(*p_ + ((2048u - *p_) >> 5));       \
            (bit) = 0;                                          \
        } else {                                                \
            rng -= bound_;                                      \
            code -= bound_;                                     \
            *p_ = (uint16_t)(*p_ - (*p_ >> 5));                 \
            (bit) = 1;                                          \
        }                                                       \
    } while (0)

/* nbits-bit tree, most significant bit first; result in [0, 2^nbits). */
#define RC_TREE(base, nbits, result) do {                       \
        uint16_t *tb_ = (base);                                 \
        uint32_t s_ = 1, b_;                                    \
        for (unsigned i_ = 0; i_ < (nbits); i_++) {             \
            RC_BIT(&tb_[s_], b_);                               \
            s_ = (s_ << 1) | b_;                                \
        }                                                       \
        (result) = s_ - (1u << (nbits));                        \
    } while (0)

/* nbits-bit tree, least significant bit first, or-ed into result (base is
 * evaluated once: it may depend on result). */
#define RC_REVTREE(base, nbits, result) do {                    \
        uint16_t *rb_ = (base);                                 \
        uint32_t m_ = 1, b_;                                    \
        for (unsigned i_ = 0; i_ < (nbits); i_++) {             \
            RC_BIT(&rb_[m_], b_);                               \
            m_ = (m_ << 1) | b_;                                \
            (result) |= b_ << i_;                               \
        }                                                       \
    } while (0)

/* Match length 2..273 from a length coder. */
#define RC_LEN(lp_, ps, len) do {                               \
        uint32_t c_, t_;                                        \
        RC_BIT(&(lp_)[LEN_CHOICE], c_);                         \
        if (!c_) {                                              \
            RC_TREE(&(lp_)[LEN_LOW + (ps) * 8], 3, t_);         \
            (len) = LZ_MATCH_MIN + t_;                          \
        } else {                                                \
            RC_BIT(&(lp_)[LEN_CHOICE2], c_);                    \
            if (!c_) {                                          \
                RC_TREE(&(lp_)[LEN_MID + (ps) * 8], 3, t_);     \
                (len) = LZ_MATCH_MIN + 8 + t_;                  \
            } else {                                            \
                RC_TREE(&(lp_)[LEN_HIGH], 8, t_);               \
                (len) = LZ_MATCH_MIN + 16 + t_;                 \
            }                                                   \
        }                                                       \
    } while (0)

/*
 * One LZMA chunk: in[0..in_len) exactly, producing out[pos..end).
 */
static int lz_chunk(struct lz_dec *d, const uint8_t *in, size_t in_len, uint8_t *out, size_t pos, size_t end)
{
    uint16_t *const pr = d->probs;
    const uint8_t *ip, *const iend = in + in_len;
    const uint32_t pb_mask = (1u << d->pb) - 1, lp_mask = (1u << d->lp) - 1;
    const unsigned lc = d->lc;
    const size_t dstart = d->dict_start;
    uint32_t rng = 0xffffffffu, code = 0;
    uint32_t rep0 = d->rep[0], rep1 = d->rep[1], rep2 = d->rep[2], rep3 = d->rep[3];
    unsigned state = d->state;
    unsigned i;

    if (in_len < 5 || in[0] != 0)
        return lz_fail(d, "range decoder start is invalid", pos);
    for (i = 1; i < 5; i++)
        code = (code << 8) | in[i];
    ip = in + 5;

    while (pos < end) {
        uint32_t ps = (uint32_t)(pos - dstart) & pb_mask, bit, len, dist;

        RC_BIT(&pr[P_IS_MATCH + state * 16 + ps], bit);
        if (!bit) {
            /* Literal: context from the position's low bits and the previous byte's high bits. */
            uint32_t prev = pos > dstart ? out[pos - 1] : 0;
            uint32_t ctx = (((uint32_t)(pos - dstart) & lp_mask) << lc) + (prev >> (8 - lc));
            uint16_t *lit = &pr[P_LITERAL + 0x300 * ctx];
            uint32_t sym = 1;

            if (state >= LZ_LIT_STATES) {
                /* After a match: bits are predicted by the byte at rep0 until one differs. */
                uint32_t mb, mbit;

                if (rep0 >= pos - dstart)
                    return lz_fail(d, "distance beyond the decoded data", pos);
                mb = out[pos - rep0 - 1];
                do {
                    mbit = (mb >> 7) & 1;
                    mb <<= 1;
                    RC_BIT(&lit[0x100 + (mbit << 8) + sym], bit);
                    sym = (sym << 1) | bit;
                } while (sym < 0x100 && bit == mbit);
            }
            while (sym < 0x100) {
                RC_BIT(&lit[sym], bit);
                sym = (sym << 1) | bit;
            }
            out[pos++] = (uint8_t)sym;
            state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
            continue;
        }

        RC_BIT(&pr[P_IS_REP + state], bit);
        if (!bit) {
            /* Match with a new distance. */
            uint32_t slot, lstate;

            RC_LEN(&pr[P_LEN_MATCH], ps, len);
            lstate = len - LZ_MATCH_MIN < 3 ? len - LZ_MATCH_MIN : 3;
            RC_TREE(&pr[P_DIST_SLOT + lstate * 64], 6, slot);
            if (slot < 4) {
                dist = slot;
            } else {
                unsigned nd = (slot >> 1) - 1;

                dist = (2u | (slot & 1)) << nd;
                if (slot < 14) {
                    RC_REVTREE(&pr[P_DIST_SPECIAL + dist - slot - 1], nd, dist);
                } else {
                    /* nd - 4 direct bits, then the 4 low bits through the align tree. */
                    uint32_t direct = 0;

                    for (i = 0; i < nd - 4; i++) {
                        RC_NORMALIZE();
                        rng >>= 1;
                        if (code >= rng) {
                            code -= rng;
                            direct = (direct << 1) | 1;
                        } else {
                            direct <<= 1;
                        }
                    }
                    dist += direct << 4;
                    RC_REVTREE(&pr[P_DIST_ALIGN], 4, dist);
                }
            }
            if (dist == 0xffffffffu)
                return lz_fail(d, "end marker inside an LZMA2 chunk", pos);
            rep3 = rep2;
            rep2 = rep1;
            rep1 = rep0;
            rep0 = dist;
            state = state < LZ_LIT_STATES ? 7 : 10;
        } else {
            RC_BIT(&pr[P_IS_REP0 + state], bit);
            if (!bit) {
                RC_BIT(&pr[P_IS_REP0_LONG + state * 16 + ps], bit);
                if (!bit) {
                    /* Short rep: one byte from rep0. */
                    if (rep0 >= pos - dstart || rep0 >= d->dict_size)
                        return lz_fail(d, "distance beyond the decoded data", pos);
                    out[pos] = out[pos - rep0 - 1];
                    pos++;
                    state = state < LZ_LIT_STATES ? 9 : 11;
                    continue;
                }
            } else {
                RC_BIT(&pr[P_IS_REP1 + state], bit);
                if (!bit) {
                    dist = rep1;
                } else {
                    RC_BIT(&pr[P_IS_REP2 + state], bit);
                    if (!bit) {
                        dist = rep2;
                    } else {
                        dist = rep3;
                        rep3 = rep2;
                    }
                    rep2 = rep1;
                }
                rep1 = rep0;
                rep0 = dist;
            }
            RC_LEN(&pr[P_LEN_REP], ps, len);
            state = state < LZ_LIT_STATES ? 8 : 11;
        }

        /* Copy len bytes from rep0 + 1 back; may overlap itself (byte by byte). */
        if (rep0 >= pos - dstart || rep0 >= d->dict_size)
            return lz_fail(d, "distance beyond the decoded data", pos);
        if (len > end - pos)
            return lz_fail(d, "match runs past the end of its chunk", pos);
        {
            const uint8_t *src = out + pos - rep0 - 1;
            uint8_t *dst = out + pos;

            pos += len;
            while (len--)
                *dst++ = *src++;
        }
    }

    /* Keep the decoder normalized so that its last input byte is consumed too. */
    RC_NORMALIZE();
    if (ip != iend || code != 0)
        return lz_fail(d, "chunk does not end where its compressed size says", pos);
    d->state = state;
    d->rep[0] = rep0;
    d->rep[1] = rep1;
    d->rep[2] = rep2;
    d->rep[3] = rep3;
    return 0;

truncated:
    return lz_fail(d, "chunk's compressed data is shorter than it needs", pos);
}

int lzma2_decode(const uint8_t *in, size_t in_len, size_t *in_used, uint8_t *out, size_t out_start,
                 size_t out_cap, uint64_t max_out, size_t *produced, uint32_t dict_size, void *work,
                 unsigned block, char *err, size_t errlen)
{
    struct lz_dec d = { .probs = work, .dict_size = dict_size, .dict_start = out_start, .block = block,
                        .err = err, .errlen = errlen };
    bool need_dict_reset = true, need_props = true;
    size_t ip = 0, pos = out_start;
    int rc;

    for (;;) {
        uint32_t ctl, usize, csize = 0;
        size_t hdr;

        if (ip >= in_len)
            return lz_fail(&d, "data truncated before its end marker", pos);
        ctl = in[ip];
        if (ctl == 0x00) {
            ip++;
            break;
        }
        if (ctl >= 0x03 && ctl < 0x80)
            return decomp_fail(err, errlen, -ENOEXEC, "xz: block %u: LZMA2 control byte 0x%02x is invalid",
                               block, ctl);
        hdr = ctl >= 0x80 ? (ctl >= 0xc0 ? 6 : 5) : 3;
        if (in_len - ip < hdr)
            return lz_fail(&d, "chunk header truncated", pos);
        if (ctl >= 0x80) {
            usize = (((ctl & 0x1fu) << 16) | ((uint32_t)in[ip + 1] << 8) | in[ip + 2]) + 1;
            csize = (((uint32_t)in[ip + 3] << 8) | in[ip + 4]) + 1;
        } else {
            usize = (((uint32_t)in[ip + 1] << 8) | in[ip + 2]) + 1;
        }

        /* Dictionary reset: 0x01 and LZMA level 3; required first. */
        if (ctl == 0x01 || ctl >= 0xe0) {
            d.dict_start = pos;
            need_dict_reset = false;
            need_props = true;
        } else if (need_dict_reset) {
            return lz_fail(&d, "data does not start with a dictionary reset", pos);
        }
        if ((uint64_t)(pos - out_start) + usize > max_out)
            return decomp_fail(err, errlen, -ENOEXEC,
                               "xz: block %u: LZMA2 data is larger than the block's uncompressed size %llu",
                               block, (unsigned long long)max_out);
        if (usize > out_cap - pos)
            return decomp_fail(err, errlen, -E2BIG, "xz: block %u: output buffer of %llu bytes is too small",
                               block, (unsigned long long)out_cap);
        ip += hdr;

        if (ctl < 0x80) {
            /* Stored bytes: part of the dictionary, LZMA state untouched. */
            if (in_len - ip < usize)
                return lz_fail(&d, "uncompressed chunk truncated", pos);
            memcpy(out + pos, in + ip, usize);
            ip += usize;
            pos += usize;
            continue;
        }

        if (ctl >= 0xc0) {
            uint32_t props = in[ip - 1], lc, lp, pb;

            if (props >= 9 * 5 * 5)
                return lz_fail(&d, "properties byte is invalid", pos);
            lc = props % 9;
            lp = (props / 9) % 5;
            pb = props / 45;
            if (lc + lp > 4)
                return lz_fail(&d, "properties have lc + lp > 4", pos);
            d.lc = lc;
            d.lp = lp;
            d.pb = pb;
            need_props = false;
        } else if (need_props) {
            return lz_fail(&d, "LZMA chunk without properties after a dictionary reset", pos);
        }
        if (ctl >= 0xa0)
            lz_reset_state(&d);
        if (in_len - ip < csize)
            return lz_fail(&d, "chunk's compressed data truncated", pos);
        rc = lz_chunk(&d, in + ip, csize, out, pos, pos + usize);
        if (rc)
            return rc;
        ip += csize;
        pos += usize;
    }
    *in_used = ip;
    *produced = pos - out_start;
    return 0;
}
