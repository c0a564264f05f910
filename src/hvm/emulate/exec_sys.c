/*
 * Descriptor-table and control-register instructions: what a hypervisor
 * that intercepts descriptor-table accesses (to offer CR4.UMIP on a CPU
 * without it: VMX descriptor-table exiting, the SVM IDTR/GDTR/LDTR/TR and
 * CR0/CR4 read intercepts) must carry out itself.  Semantics and exception
 * order: SDM vol. 2 (SGDT, SIDT, SLDT, STR, SMSW, LGDT/LIDT, LLDT, LTR,
 * MOV from CR) and vol. 3, 2.5 (CR4.UMIP), 3.5.1 and 7.2.2 (LDT and TSS
 * descriptors); AMD APM vol. 3 and vol. 2, 4.8.3 (16-byte system
 * descriptors in long mode).
 *
 *   SGDT/SIDT/SMSW  any mode; #GP(0) at CPL > 0 with CR4.UMIP.
 *   SLDT/STR        #UD in real mode and VM86; #GP(0) at CPL > 0 with UMIP.
 *   LGDT/LIDT       #GP(0) at CPL > 0 (VM86 is CPL 3).
 *   LLDT/LTR        #UD in real mode and VM86; #GP(0) at CPL > 0; the
 *                   descriptor checks give #GP(selector) / #NP(selector);
 *                   LTR marks the TSS descriptor busy.
 *   MOV r, CRn      CR0, CR2, CR3, CR4; #GP(0) at CPL > 0 (and in VM86).
 * The register operand forms store the whole value at the operand size
 * (the selector zero-extended; SMSW the low CR0 bits); a memory operand
 * takes 16 bits (SLDT, STR, SMSW) or limit and base: 6 bytes, 10 in 64-bit
 * mode, the full 32-bit base at any operand size.  Loaded registers are
 * reported in c->sys_dirty for the caller to write back.
 */
#include "hvm/emulate/emul_priv.h"
#include "lib/string.h"

#define CR0_PE      (1ull << 0)
#define CR4_UMIP    (1ull << 11)
#define EFER_LMA    (1ull << 10)

static enum emul_rc gp0(struct emul_ctx *c)
{
    return emul_raise(c, EMUL_EXC_GP, true, 0);
}

static bool real_or_vm86(const struct emul_ctx *c)
{
    return !(c->cr0 & CR0_PE) || (c->regs.rflags & EMUL_FL_VM);
}

/* CPL 3 in VM86 whatever c->cpl says. */
static unsigned cpl(const struct emul_ctx *c)
{
    return (c->regs.rflags & EMUL_FL_VM) ? 3 : c->cpl;
}

static bool umip_blocks(const struct emul_ctx *c)
{
    return (c->cr4 & CR4_UMIP) && cpl(c) > 0;
}

/* SGDT/SIDT: limit then base, to memory. */
static enum emul_rc store_dtr(struct emul_ctx *c, const struct emul_insn *in, uint64_t base, uint32_t limit)
{
    uint8_t b[10];
    unsigned blen = c->mode == 64 ? 8 : 4;

    b[0] = (uint8_t)limit;
    b[1] = (uint8_t)(limit >> 8);
    for (unsigned i = 0; i < blen; i++)
        b[2 + i] = (uint8_t)(base >> (8 * i));
    return emul_mem_write(c, in->ea_seg, in->ea, b, 2 + blen);
}

static enum emul_rc load_dtr(struct emul_ctx *c, const struct emul_insn *in, uint64_t *base, uint32_t *limit)
{
    uint8_t b[10];
    unsigned blen = c->mode == 64 ? 8 : 4;
    enum emul_rc rc = emul_mem_read(c, in->ea_seg, in->ea, b, 2 + blen, 0);
    uint64_t v = 0;

    if (rc != EMUL_OK)
        return rc;
    for (unsigned i = 0; i < blen; i++)
        v |= (uint64_t)b[2 + i] << (8 * i);
    if (c->mode != 64 && in->opsize == 2)
        v &= 0xffffffull;                   /* 16-bit operand size: a 24-bit base */
    *base = v;
    *limit = (uint32_t)b[0] | ((uint32_t)b[1] << 8);
    return EMUL_OK;
}

/* A register or 16-bit memory destination of SLDT, STR, SMSW. */
static enum emul_rc store16(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in, uint64_t v)
{
    struct emul_opnd o = emul_opnd_rm(in, in->mem ? 2 : in->opsize);
    return emul_opnd_write(c, st, in, &o, v);
}

/*
 * LLDT/LTR: the descriptor of sel in the GDT into *out (SVM attribute
 * form, limit in bytes); LTR also sets its busy bit.
 */
static enum emul_rc load_system_seg(struct emul_ctx *c, uint16_t sel, bool tss, struct emul_segment *out)
{
    bool ia32e = c->efer & EFER_LMA;
    unsigned dlen = ia32e ? 16 : 8;
    uint32_t err = sel & 0xfffc;
    uint8_t d[16];
    enum emul_rc rc;

    memset(out, 0, sizeof(*out));
    if ((sel & 0xfffc) == 0) {
        if (tss)
            return gp0(c);                  /* LTR with a null selector */
        out->sel = sel;                     /* LLDT null: LDTR unusable */
        return EMUL_OK;
    }
    if (sel & 4)                            /* TI: must name the GDT */
        return emul_raise(c, EMUL_EXC_GP, true, err);
    if ((uint64_t)(sel & 0xfff8) + dlen - 1 > c->gdtr_limit)
        return emul_raise(c, EMUL_EXC_GP, true, err);
    uint64_t la = c->gdtr_base + (sel & 0xfff8);
    if (!ia32e)
        la &= 0xffffffffull;
    if ((rc = c->ops->read(c, la, d, dlen, EMUL_ACC_IMPLICIT)) != EMUL_OK)
        return rc;
    unsigned type = d[5] & 0x1f;            /* S bit 4 must be clear: system */
    bool ok = tss ? (type == 9 || (!ia32e && type == 1)) : type == 2;
    if (!ok || (ia32e && (d[13] & 0x1f) != 0))
        return emul_raise(c, EMUL_EXC_GP, true, err);
    if (!(d[5] & 0x80))
        return emul_raise(c, EMUL_EXC_NP, true, err);
    uint64_t base = (uint64_t)d[2] | ((uint64_t)d[3] << 8) | ((uint64_t)d[4] << 16) | ((uint64_t)d[7] << 24);
    if (ia32e) {
        base |= ((uint64_t)d[8] | ((uint64_t)d[9] << 8) | ((uint64_t)d[10] << 16) | ((uint64_t)d[11] << 24)) << 32;
        if ((uint64_t)((int64_t)(base << 16) >> 16) != base)
            return emul_raise(c, EMUL_EXC_GP, true, err);
    }
    uint32_t limit = (uint32_t)d[0] | ((uint32_t)d[1] << 8) | ((uint32_t)(d[6] & 0xf) << 16);
    if (d[6] & 0x80)                        /* G: 4 KiB units */
        limit = (limit << 12) | 0xfff;
    if (tss) {
        uint8_t busy = d[5] | 2;            /* available -> busy (type 9 -> 11, 1 -> 3) */
        if ((rc = c->ops->write(c, la + 5, &busy, 1)) != EMUL_OK)
            return rc;
        d[5] = busy;
    }
    out->sel = sel;
    out->base = base;
    out->limit = limit;
    out->attr = (uint16_t)(d[5] | ((d[6] & 0xf0) << 4));
    return EMUL_OK;
}

/* 0F 00: group 6 (SLDT, STR, LLDT, LTR; VERR/VERW are not emulated). */
enum emul_rc emul_group6(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in)
{
    unsigned r = in->reg & 7;
    struct emul_segment seg;
    struct emul_opnd o;
    uint64_t sel;
    enum emul_rc rc;

    if (r > 3)
        return emul_unhandled_insn(c, "unsupported instruction (VERR/VERW)");
    if (real_or_vm86(c))
        return emul_raise(c, EMUL_EXC_UD, false, 0);
    if (r < 2) {
        if (umip_blocks(c))
            return gp0(c);
        return store16(c, st, in, r == 0 ? c->ldtr.sel : c->tr.sel);
    }
    if (cpl(c) > 0)
        return gp0(c);
    o = emul_opnd_rm(in, 2);
    if ((rc = emul_opnd_read(c, st, in, &o, &sel, false)) != EMUL_OK)
        return rc;
    if ((rc = load_system_seg(c, (uint16_t)sel, r == 3, &seg)) != EMUL_OK)
        return rc;
    if (r == 3) {
        c->tr = seg;
        c->tr.attr |= 2;                    /* busy */
        c->sys_dirty |= EMUL_DIRTY_TR;
    } else {
        c->ldtr = seg;
        c->sys_dirty |= EMUL_DIRTY_LDTR;
    }
    return EMUL_OK;
}

/* 0F 01, memory forms: group 7 (SGDT, SIDT, LGDT, LIDT, SMSW, LMSW,
 * INVLPG) and SMSW's and LMSW's register forms. */
enum emul_rc emul_group7(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in)
{
    unsigned r = in->reg & 7;
    enum emul_rc rc;

    if (r == 6) {                                               /* LMSW r/m16 */
        /* CPL 0 only (real mode is CPL 0, VM86 is 3).  The source is
         * always 16 bits, whatever the operand size; the caller loads
         * CR0 (EMUL_DIRTY_LMSW) through its CR0 policy. */
        if (cpl(c) > 0)
            return gp0(c);
        struct emul_opnd o = emul_opnd_rm(in, 2);
        uint64_t msw;
        if ((rc = emul_opnd_read(c, st, in, &o, &msw, false)) != EMUL_OK)
            return rc;
        c->lmsw_val = (uint16_t)msw;
        c->sys_dirty |= EMUL_DIRTY_LMSW;
        return EMUL_OK;
    }

    if (r == 7 && in->mem) {                                    /* INVLPG m */
        /* CPL 0 only; no segment-limit or canonical check: INVLPG of an
         * address that cannot be translated just does nothing. */
        if (cpl(c) > 0)
            return gp0(c);
        /* In 64-bit mode only FS and GS have a base (as emul_linear). */
        bool based = c->mode != 64 || in->ea_seg == EMUL_FS || in->ea_seg == EMUL_GS;
        uint64_t la = (based ? c->seg[in->ea_seg].base : 0) + in->ea;
        c->invlpg_la = c->mode == 64 ? la : la & 0xffffffffull;
        c->sys_dirty |= EMUL_DIRTY_INVLPG;
        return EMUL_OK;
    }

    if (r == 4) {                                               /* SMSW */
        if (umip_blocks(c))
            return gp0(c);
        return store16(c, st, in, c->cr0);
    }
    if (!in->mem || r > 3)
        return emul_unhandled_insn(c, "unsupported instruction (0F 01 group)");
    if (r < 2) {                                                /* SGDT / SIDT */
        if (umip_blocks(c))
            return gp0(c);
        return r == 0 ? store_dtr(c, in, c->gdtr_base, c->gdtr_limit) : store_dtr(c, in, c->idtr_base, c->idtr_limit);
    }
    if (cpl(c) > 0)                                             /* LGDT / LIDT */
        return gp0(c);
    uint64_t base;
    uint32_t limit;
    if ((rc = load_dtr(c, in, &base, &limit)) != EMUL_OK)
        return rc;
    if (r == 2) {
        c->gdtr_base = base;
        c->gdtr_limit = limit;
        c->sys_dirty |= EMUL_DIRTY_GDTR;
    } else {
        c->idtr_base = base;
        c->idtr_limit = limit;
        c->sys_dirty |= EMUL_DIRTY_IDTR;
    }
    return EMUL_OK;
}

/* 0F 20: MOV r, CRn (the operand is always a register, 64 bits in 64-bit
 * mode, else 32). */
enum emul_rc emul_mov_from_cr(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in)
{
    uint64_t v;

    if (cpl(c) > 0)
        return gp0(c);
    switch (in->reg) {
    case 0: v = c->cr0; break;
    case 2: v = c->cr2; break;
    case 3: v = c->cr3; break;
    case 4: v = c->cr4; break;
    default:
        return emul_unhandled_insn(c, "unsupported instruction (MOV from CR other than 0, 2, 3, 4)");
    }
    emul_reg_write(st, in, in->rm, c->mode == 64 ? 8 : 4, v);
    return EMUL_OK;
}
