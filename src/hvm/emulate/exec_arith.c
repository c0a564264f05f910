/*
 * Shifts and rotates, multiplication and division, and the BCD adjusts:
 * what real-mode firmware, boot loaders and Linux's setup code use on top
 * of the ALU group.  Like exec_flow.c they run only where the emulator runs
 * whole stretches of code (emul_flow_allowed: real mode, or a caller that
 * sets c->flow; never 64-bit mode), so MMIO emulation is unchanged: an MMIO
 * access by one of these stays "unsupported" as before.
 *
 * Semantics and flags: Intel SDM vol. 2 (SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR,
 * MUL, IMUL, DIV, IDIV, DAA, DAS, AAA, AAS, AAM, AAD).  Flags the SDM
 * defines are exact; flags it leaves undefined are left unchanged (MUL,
 * DIV) or cleared (AF after a shift), not modelled on one CPU.  #DE
 * (vector 0) is a fault like any other: the caller delivers it (in real
 * mode through the IVT).
 */
#include "hvm/emulate/emul_priv.h"

static bool parity_even(uint64_t v)
{
    return !__builtin_parity((unsigned)(v & 0xff));
}

/* SF, ZF, PF from r (size bytes); the other flags untouched. */
static uint64_t szp(uint64_t fl, uint64_t r, unsigned size)
{
    fl &= ~(uint64_t)(EMUL_FL_SF | EMUL_FL_ZF | EMUL_FL_PF);
    r &= emul_size_mask(size);
    if (r == 0)
        fl |= EMUL_FL_ZF;
    if (r >> (8 * size - 1))
        fl |= EMUL_FL_SF;
    if (parity_even(r))
        fl |= EMUL_FL_PF;
    return fl;
}

static uint64_t setfl(uint64_t fl, uint64_t bit, bool on)
{
    return on ? fl | bit : fl & ~bit;
}

static uint64_t sext(uint64_t v, unsigned size)
{
    unsigned sh = 64 - 8 * size;
    return (uint64_t)((int64_t)(v << sh) >> sh);
}

/*
 * Group 2 (C0/C1 imm8, D0/D1 by 1, D2/D3 by CL): kind is ModRM.reg (0 ROL,
 * 1 ROR, 2 RCL, 3 RCR, 4 SHL, 5 SHR, 6 SAL = SHL, 7 SAR).  The count is
 * masked to 5 bits (6 with a 64-bit operand); a masked count of 0 changes
 * neither the operand nor a flag.  OF is defined for a count of 1; for
 * larger counts the value given is the same formula (undefined by the SDM).
 */
uint64_t emul_shift(unsigned kind, uint64_t d, unsigned count, unsigned size, uint64_t *rflags)
{
    unsigned w = 8 * size;
    uint64_t mask = emul_size_mask(size), fl = *rflags, r;
    bool cf = fl & EMUL_FL_CF, of = false;

    d &= mask;
    count &= size == 8 ? 0x3f : 0x1f;
    if (count == 0)
        return d;
    switch (kind) {
    case 0: case 1: {                                       /* ROL, ROR */
        unsigned n = count % w;
        r = n == 0 ? d : kind == 0 ? ((d << n) | (d >> (w - n))) & mask : ((d >> n) | (d << (w - n))) & mask;
        if (kind == 0) {
            cf = r & 1;
            of = (r >> (w - 1)) ^ cf;
        } else {
            cf = r >> (w - 1);
            of = ((r >> (w - 1)) ^ (r >> (w - 2))) & 1;
        }
        break;
    }
    case 2: case 3: {                                       /* RCL, RCR: through CF, w + 1 bits */
        unsigned n = size == 1 ? count % 9 : size == 2 ? count % 17 : count;
        if (kind == 3)
            of = ((d >> (w - 1)) & 1) ^ cf;                 /* RCR: from the operand before */
        r = d;
        for (unsigned i = 0; i < n; i++) {
            bool out = kind == 2 ? (r >> (w - 1)) & 1 : r & 1;
            r = kind == 2 ? ((r << 1) | cf) & mask : (r >> 1) | ((uint64_t)cf << (w - 1));
            cf = out;
        }
        if (kind == 2)
            of = ((r >> (w - 1)) & 1) ^ cf;                 /* RCL: from the result */
        break;
    }
    case 4: case 6:                                         /* SHL / SAL */
        r = count >= 64 ? 0 : (d << count) & mask;
        cf = count <= w ? (d >> (w - count)) & 1 : 0;
        of = ((r >> (w - 1)) & 1) ^ cf;
        break;
    case 5:                                                 /* SHR */
        r = d >> count;
        cf = (d >> (count - 1)) & 1;
        of = (d >> (w - 1)) & 1;
        break;
    default: {                                              /* SAR */
        int64_t s = (int64_t)sext(d, size);
        r = (uint64_t)(s >> (count > 63 ? 63 : count)) & mask;
        cf = (s >> (count - 1 > 63 ? 63 : count - 1)) & 1;
        of = false;
        break;
    }
    }
    fl = setfl(fl, EMUL_FL_CF, cf);
    fl = setfl(fl, EMUL_FL_OF, of);
    if (kind >= 4) {                                        /* shifts: SF ZF PF by the result, AF clear */
        fl = szp(fl, r, size) & ~(uint64_t)EMUL_FL_AF;
    }
    *rflags = fl;
    return r;
}

static enum emul_rc shift_insn(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in)
{
    unsigned op = in->op, size = op & 1 ? in->opsize : 1, count;
    struct emul_opnd o = emul_opnd_rm(in, size);
    uint64_t v;
    enum emul_rc rc;

    if (op == 0xc0 || op == 0xc1)
        count = (unsigned)in->imm & 0xff;
    else if (op == 0xd0 || op == 0xd1)
        count = 1;
    else
        count = (unsigned)st->rcx & 0xff;
    if ((rc = emul_opnd_read(c, st, in, &o, &v, true)) != EMUL_OK)
        return rc;
    if ((count & (size == 8 ? 0x3f : 0x1f)) == 0)
        return EMUL_OK;                                     /* no write, no flags */
    v = emul_shift(in->reg & 7, v, count, size, &st->rflags);
    return emul_opnd_write(c, st, in, &o, v);
}

/* Signed product of a and b (size bytes each, sign-extended) and whether
 * it fits in size bytes (IMUL's CF = OF = !fits).  size <= 4: the product
 * fits in 64 bits. */
static uint64_t imul_trunc(uint64_t a, uint64_t b, unsigned size, bool *fits, int64_t *full)
{
    int64_t p = (int64_t)sext(a, size) * (int64_t)sext(b, size);
    *full = p;
    *fits = (int64_t)sext((uint64_t)p, size) == p;
    return (uint64_t)p & emul_size_mask(size);
}

static enum emul_rc de(struct emul_ctx *c)
{
    return emul_raise(c, EMUL_EXC_DE, false, 0);
}

/* F6/F7 /4-/7: MUL, IMUL, DIV, IDIV with the accumulator (AX, DX:AX,
 * EDX:EAX). */
static enum emul_rc muldiv(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in)
{
    unsigned size = in->op & 1 ? in->opsize : 1, w = 8 * size, kind = in->reg & 7;
    struct emul_opnd o = emul_opnd_rm(in, size);
    uint64_t mask = emul_size_mask(size), src, lo, hi;
    enum emul_rc rc;

    if (size == 8)
        return emul_unhandled_insn(c, "unsupported instruction (64-bit MUL/DIV)");
    if ((rc = emul_opnd_read(c, st, in, &o, &src, false)) != EMUL_OK)
        return rc;
    /* The accumulator pair: AH:AL as one 16-bit AX for byte forms. */
    uint64_t acc_lo = size == 1 ? st->rax & 0xff : st->rax & mask;
    uint64_t acc_hi = size == 1 ? (st->rax >> 8) & 0xff : st->rdx & mask;
    uint64_t dividend = (acc_hi << w) | acc_lo;             /* at most 64 bits: size <= 4 */

    if (kind == 4 || kind == 5) {
        bool ovf;
        if (kind == 4) {
            uint64_t p = acc_lo * src;
            lo = p & mask;
            hi = (p >> w) & mask;
            ovf = hi != 0;
        } else {
            int64_t p;
            bool fits;
            lo = imul_trunc(acc_lo, src, size, &fits, &p);
            hi = ((uint64_t)p >> w) & mask;
            ovf = !fits;
        }
        st->rflags = setfl(setfl(st->rflags, EMUL_FL_CF, ovf), EMUL_FL_OF, ovf);
        goto store;
    }
    if ((src & mask) == 0)
        return de(c);
    if (kind == 6) {
        uint64_t q = dividend / src, r = dividend % src;
        if (q > mask)
            return de(c);
        lo = q;
        hi = r;
    } else {
        int64_t n = (int64_t)sext(dividend, 2 * size), dv = (int64_t)sext(src, size), q, r;
        if (dv == -1) {
            /* n / -1 = -n, which overflows only for INT64_MIN (a 32-bit
             * IDIV of EDX:EAX = 2^63): a quotient overflow, #DE. */
            if (n == INT64_MIN)
                return de(c);
            q = -n;
            r = 0;
        } else {
            q = n / dv;                                     /* truncates toward 0, as IDIV */
            r = n % dv;
        }
        int64_t qmax = (int64_t)(mask >> 1), qmin = -qmax - 1;
        if (q > qmax || q < qmin)
            return de(c);
        lo = (uint64_t)q & mask;
        hi = (uint64_t)r & mask;
    }
store:
    if (size == 1) {
        st->rax = (st->rax & ~0xffffull) | (hi << 8) | lo;
    } else {
        emul_reg_write(st, in, 0, size, lo);
        emul_reg_write(st, in, 2, size, hi);
    }
    return EMUL_OK;
}

/* IMUL Gv, Ev (0F AF), IMUL Gv, Ev, Iz (69) / Ib (6B). */
static enum emul_rc imul_reg(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in)
{
    unsigned size = in->opsize;
    struct emul_opnd o = emul_opnd_rm(in, size);
    uint64_t a, b;
    int64_t full;
    bool fits;
    enum emul_rc rc;

    if (size == 8)
        return emul_unhandled_insn(c, "unsupported instruction (64-bit IMUL)");
    if ((rc = emul_opnd_read(c, st, in, &o, &a, false)) != EMUL_OK)
        return rc;
    b = in->twobyte ? emul_reg_read(st, in, in->reg, size) : in->imm;
    uint64_t r = imul_trunc(a, b, size, &fits, &full);
    st->rflags = setfl(setfl(st->rflags, EMUL_FL_CF, !fits), EMUL_FL_OF, !fits);
    emul_reg_write(st, in, in->reg, size, r);
    return EMUL_OK;
}

/* DAA, DAS, AAA, AAS, AAM, AAD (37/3F/27/2F/D4/D5): the SDM's operation
 * for each, on AL (and AH). */
static enum emul_rc bcd(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in)
{
    uint64_t fl = st->rflags;
    unsigned al = (unsigned)st->rax & 0xff, ah = (unsigned)(st->rax >> 8) & 0xff;
    bool cf = fl & EMUL_FL_CF, af = fl & EMUL_FL_AF;
    bool low_adj = (al & 0xf) > 9 || af;

    switch (in->op) {
    case 0x27: case 0x2f: {                                 /* DAA, DAS */
        unsigned old = al;
        bool old_cf = cf, sub = in->op == 0x2f;
        cf = false;
        if (low_adj) {
            cf = old_cf || (sub ? al < 6 : al + 6 > 0xff);
            al = (sub ? al - 6 : al + 6) & 0xff;
            af = true;
        } else {
            af = false;
        }
        if (old > 0x99 || old_cf) {
            al = (sub ? al - 0x60 : al + 0x60) & 0xff;
            cf = true;
        } else if (!sub) {
            cf = false;                                     /* DAA only: DAS keeps the borrow */
        }
        fl = szp(fl, al, 1);
        break;
    }
    case 0x37: case 0x3f: {                                 /* AAA, AAS */
        unsigned ax = (ah << 8) | al;
        if (low_adj)
            ax = in->op == 0x37 ? ax + 0x106 : ax - 6 - 0x100;
        ah = (ax >> 8) & 0xff;
        al = ax & 0x0f;
        cf = af = low_adj;
        break;
    }
    case 0xd4:                                              /* AAM imm8 */
        if ((in->imm & 0xff) == 0)
            return de(c);
        ah = al / (unsigned)(in->imm & 0xff);
        al = al % (unsigned)(in->imm & 0xff);
        fl = szp(fl, al, 1);
        break;
    default:                                                /* AAD imm8 */
        al = (al + ah * (unsigned)(in->imm & 0xff)) & 0xff;
        ah = 0;
        fl = szp(fl, al, 1);
        break;
    }
    fl = setfl(setfl(fl, EMUL_FL_CF, cf), EMUL_FL_AF, af);
    st->rflags = fl;
    st->rax = (st->rax & ~0xffffull) | (ah << 8) | al;
    return EMUL_OK;
}

bool emul_arith_op(const struct emul_insn *in)
{
    unsigned op = in->op;
    if (in->twobyte)
        return op == 0xaf;
    switch (op) {
    case 0x27: case 0x2f: case 0x37: case 0x3f: case 0x69: case 0x6b: case 0xc0: case 0xc1:
    case 0xd0: case 0xd1: case 0xd2: case 0xd3: case 0xd4: case 0xd5:
        return true;
    case 0xf6: case 0xf7:
        return (in->reg & 7) >= 4;
    default:
        return false;
    }
}

enum emul_rc emul_arith(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in)
{
    if (!emul_flow_allowed(c))
        return emul_unhandled_insn(c, "unsupported instruction (shift, MUL/DIV or BCD outside real mode)");
    if (in->twobyte || in->op == 0x69 || in->op == 0x6b)
        return imul_reg(c, st, in);
    switch (in->op) {
    case 0xf6: case 0xf7:
        return muldiv(c, st, in);
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3:
        return shift_insn(c, st, in);
    default:
        return bcd(c, st, in);
    }
}
