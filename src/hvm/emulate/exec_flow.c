/*
 * Control flow, the stack and segment loads: what general real-mode code
 * needs on top of the data instructions (docs/shadow.md "Emulating real
 * mode virtual-8086 mode cannot hold").  Only for callers that emulate
 * whole stretches of code: the guest in real mode (CR0.PE = 0), or a
 * caller that sets c->flow (the VMX real-mode loop in the protected-mode
 * instant after CR0.PE is set, before the far jump).  Elsewhere these
 * opcodes stay "unsupported" as before: an MMIO or forced-emulation exit
 * never needs them.  Never in 64-bit mode.
 *
 * Emulated (SDM vol. 2, each mnemonic): MOV Sreg, PUSH/POP Sreg and r16/32,
 * PUSH imm, far JMP/CALL (ptr16:16/32, m16:16/32), far RET (imm16), near
 * JMP/CALL/RET (rel8/16/32, r/m), Jcc, LOOP/LOOPE/LOOPNE/JCXZ, IRET (real
 * mode only), PUSHF/POPF, CLI/STI/CLD/STD/CLC/STC/CMC, LEA, INC/DEC r, NOP,
 * XCHG eAX, CBW/CWDE, CWD/CDQ, SAHF/LAHF, PUSHA/POPA, ENTER/LEAVE, LES/LDS
 * and LSS/LFS/LGS.  STI (setting IF) and MOV SS / POP SS report their
 * one-instruction interrupt shadow in c->shadow: a caller that runs the
 * next instruction must not deliver an interrupt before it (SDM vol. 2,
 * STI and MOV; vol. 3A 6.8.3).
 *
 * Segment loads (SDM vol. 3A 20.1.1 and 3.4.3): in real mode the selector
 * and base = selector << 4 change and the limit and attributes are KEPT (a
 * 4 GiB limit loaded in protected mode survives: "unreal" mode).  In
 * protected mode the descriptor comes from the GDT with the checks of MOV
 * Sreg / far JMP to a code segment at the same privilege (SDM vol. 2, MOV,
 * JMP, CALL, RET), GDT or LDT; gates and privilege changes are not
 * emulated (unhandleable, named).  New segment state is written to c->seg
 * only after every access of the instruction succeeded (c->seg_dirty says
 * which), so a fault leaves it as it was.
 */
#include "hvm/emulate/emul_priv.h"
#include "lib/string.h"

#define CR0_PE      1ull
#define FL_IF       (1u << 9)
#define FL_IOPL     (3u << 12)
#define FL_NT       (1u << 14)
#define FL_RF       (1u << 16)
#define FL_VIF      (1u << 19)
#define FL_VIP      (1u << 20)

static bool real_mode(const struct emul_ctx *c)
{
    return !(c->cr0 & CR0_PE);
}

bool emul_flow_allowed(const struct emul_ctx *c)
{
    return c->mode != 64 && !(c->regs.rflags & EMUL_FL_VM) && (real_mode(c) || c->flow);
}

static enum emul_rc gp(struct emul_ctx *c, uint32_t err)
{
    return emul_raise(c, EMUL_EXC_GP, true, err);
}

/* ---- the stack ---------------------------------------------------------- */

static enum emul_rc push(struct emul_ctx *c, struct guest_regs *st, uint64_t v, unsigned size)
{
    unsigned ss = emul_stack_size(c);
    uint64_t sp = (st->rsp - size) & emul_size_mask(ss);
    enum emul_rc rc = emul_mem_write(c, EMUL_SS, sp, &v, size);
    if (rc == EMUL_OK)
        emul_set_sp(st, ss, sp);
    return rc;
}

/* Reads the value at SS:SP + skip*size without moving SP (far RET and IRET
 * read everything before committing anything). */
static enum emul_rc peek(struct emul_ctx *c, const struct guest_regs *st, unsigned skip, unsigned size,
                         uint64_t *v)
{
    unsigned ss = emul_stack_size(c);
    uint64_t sp = (st->rsp + (uint64_t)skip * size) & emul_size_mask(ss);
    *v = 0;
    return emul_mem_read(c, EMUL_SS, sp, v, size, 0);
}

static void sp_add(const struct emul_ctx *c, struct guest_regs *st, uint64_t n)
{
    unsigned ss = emul_stack_size(c);
    emul_set_sp(st, ss, (st->rsp + n) & emul_size_mask(ss));
}

/* ---- segment loads ------------------------------------------------------ */

/* The GDT or LDT descriptor of sel (protected mode) into *out, with the checks of
 * its use: seg is the register it goes to (EMUL_CS: a far JMP/CALL/RET
 * target at the current privilege). */
static enum emul_rc load_desc(struct emul_ctx *c, unsigned seg, uint16_t sel, struct emul_segment *out)
{
    uint32_t err = sel & 0xfffc;
    unsigned cpl = c->cpl, rpl = sel & 3;
    uint8_t d[8];
    enum emul_rc rc;

    memset(out, 0, sizeof(*out));
    if (err == 0) {
        if (seg == EMUL_CS || seg == EMUL_SS)
            return gp(c, 0);
        out->sel = sel;                             /* null: unusable, any access faults */
        return EMUL_OK;
    }
    /* TI = 1: the LDT LDTR names, which must be usable (SDM vol. 3A 3.5.1;
     * a null LDTR makes every LDT selector #GP). */
    uint64_t tbase = c->gdtr_base, tlimit = c->gdtr_limit;
    if (sel & 4) {
        if (!(c->ldtr.sel & 0xfffc) || !(c->ldtr.attr & EMUL_SEG_P))
            return gp(c, err);
        tbase = c->ldtr.base;
        tlimit = c->ldtr.limit;
    }
    if ((uint64_t)(sel & 0xfff8) + 7 > tlimit)
        return gp(c, err);
    uint64_t la = (tbase + (sel & 0xfff8)) & 0xffffffffull;
    if ((rc = c->ops->read(c, la, d, sizeof(d), EMUL_ACC_IMPLICIT)) != EMUL_OK)
        return rc;
    unsigned type = d[5] & 0xf, dpl = (d[5] >> 5) & 3;
    bool s = d[5] & 0x10, code = type & 8;
    if (seg == EMUL_CS) {
        if (!s)
            return emul_fail(c, "far transfer through system descriptor %#x (gate or TSS) is not emulated", sel);
        if (!code)
            return gp(c, err);
        bool conforming = type & 4;
        if (conforming ? dpl > cpl : (rpl > cpl || dpl != cpl))
            return gp(c, err);
    } else if (seg == EMUL_SS) {
        if (!s || code || !(type & 2) || rpl != cpl || dpl != cpl)
            return gp(c, err);
    } else {
        if (!s || (code && !(type & 2)))
            return gp(c, err);
        if ((!code || !(type & 4)) && (rpl > dpl || cpl > dpl))
            return gp(c, err);
    }
    if (!(d[5] & 0x80))
        return emul_raise(c, seg == EMUL_SS ? EMUL_EXC_SS : EMUL_EXC_NP, true, err);
    if (!(d[5] & 1)) {                              /* the CPU sets the accessed bit */
        uint8_t b5 = d[5] | 1;
        if ((rc = c->ops->write(c, la + 5, &b5, 1)) != EMUL_OK)
            return rc;
        d[5] = b5;
    }
    uint32_t limit = (uint32_t)d[0] | ((uint32_t)d[1] << 8) | ((uint32_t)(d[6] & 0xf) << 16);
    if (d[6] & 0x80)
        limit = (limit << 12) | 0xfff;
    out->sel = seg == EMUL_CS ? (uint16_t)((sel & ~3u) | cpl) : sel;
    out->base = (uint64_t)d[2] | ((uint64_t)d[3] << 8) | ((uint64_t)d[4] << 16) | ((uint64_t)d[7] << 24);
    out->limit = limit;
    out->attr = (uint16_t)(d[5] | ((d[6] & 0xf0) << 4));
    return EMUL_OK;
}

/* What segment register seg becomes when loaded with sel. */
static enum emul_rc seg_value(struct emul_ctx *c, unsigned seg, uint16_t sel, struct emul_segment *out)
{
    if (real_mode(c)) {
        *out = c->seg[seg];                         /* limit and attributes kept */
        out->sel = sel;
        out->base = (uint64_t)sel << 4;
        return EMUL_OK;
    }
    return load_desc(c, seg, sel, out);
}

static void seg_commit(struct emul_ctx *c, unsigned seg, const struct emul_segment *v)
{
    c->seg[seg] = *v;
    c->seg_dirty |= 1u << seg;
}

/* The new IP against the (new) CS limit: #GP(0) beyond it. */
static enum emul_rc ip_check(struct emul_ctx *c, const struct emul_segment *cs, uint64_t ip)
{
    return ip > cs->limit ? gp(c, 0) : EMUL_OK;
}

static enum emul_rc jump_near(struct emul_ctx *c, struct guest_regs *st, struct emul_insn *in, uint64_t target)
{
    target &= emul_size_mask(in->opsize);
    enum emul_rc rc = ip_check(c, &c->seg[EMUL_CS], target);
    if (rc != EMUL_OK)
        return rc;
    st->rip = target;
    in->rip_set = true;
    return EMUL_OK;
}

/* Far JMP / CALL to sel:ip (call: push the return CS:IP at operand size). */
static enum emul_rc far_transfer(struct emul_ctx *c, struct guest_regs *st, struct emul_insn *in, uint16_t sel,
                                 uint64_t ip, bool call)
{
    struct emul_segment cs;
    struct guest_regs tmp = *st;
    enum emul_rc rc;

    if ((rc = seg_value(c, EMUL_CS, sel, &cs)) != EMUL_OK)
        return rc;
    ip &= emul_size_mask(in->opsize);
    if ((rc = ip_check(c, &cs, ip)) != EMUL_OK)
        return rc;
    if (call) {
        uint64_t ret = (st->rip + in->len) & emul_size_mask(in->opsize);
        if ((rc = push(c, &tmp, c->seg[EMUL_CS].sel, in->opsize)) != EMUL_OK ||
            (rc = push(c, &tmp, ret, in->opsize)) != EMUL_OK)
            return rc;
    }
    *st = tmp;
    st->rip = ip;
    in->rip_set = true;
    seg_commit(c, EMUL_CS, &cs);
    return EMUL_OK;
}

/* m16:16 / m16:32: offset then selector. */
static enum emul_rc read_farptr(struct emul_ctx *c, const struct emul_insn *in, uint16_t *sel, uint64_t *off)
{
    uint64_t s = 0;
    enum emul_rc rc;

    if (!in->mem)
        return emul_raise(c, EMUL_EXC_UD, false, 0);
    *off = 0;
    if ((rc = emul_mem_read(c, in->ea_seg, in->ea, off, in->opsize, 0)) != EMUL_OK)
        return rc;
    if ((rc = emul_mem_read(c, in->ea_seg, (in->ea + in->opsize) & emul_addr_mask(in->addrsize), &s, 2, 0)) !=
        EMUL_OK)
        return rc;
    *sel = (uint16_t)s;
    return EMUL_OK;
}

static enum emul_rc far_ret(struct emul_ctx *c, struct guest_regs *st, struct emul_insn *in, uint64_t imm)
{
    uint64_t ip, sel;
    struct emul_segment cs;
    enum emul_rc rc;

    if ((rc = peek(c, st, 0, in->opsize, &ip)) != EMUL_OK || (rc = peek(c, st, 1, in->opsize, &sel)) != EMUL_OK)
        return rc;
    if (!real_mode(c) && (sel & 3) != c->cpl)
        return emul_fail(c, "far RET to another privilege level (CS %#x, CPL %u) is not emulated",
                         (unsigned)(uint16_t)sel, c->cpl);
    if ((rc = seg_value(c, EMUL_CS, (uint16_t)sel, &cs)) != EMUL_OK)
        return rc;
    if ((rc = ip_check(c, &cs, ip)) != EMUL_OK)
        return rc;
    sp_add(c, st, 2ull * in->opsize + imm);
    st->rip = ip;
    in->rip_set = true;
    seg_commit(c, EMUL_CS, &cs);
    return EMUL_OK;
}

/* IRET in real mode (SDM vol. 2, IRET: "real-address mode"). */
static enum emul_rc iret_real(struct emul_ctx *c, struct guest_regs *st, struct emul_insn *in)
{
    uint64_t ip, sel, fl;
    struct emul_segment cs;
    enum emul_rc rc;

    if (!real_mode(c))
        return emul_fail(c, "IRET in protected mode is not emulated");
    if ((rc = peek(c, st, 0, in->opsize, &ip)) != EMUL_OK || (rc = peek(c, st, 1, in->opsize, &sel)) != EMUL_OK ||
        (rc = peek(c, st, 2, in->opsize, &fl)) != EMUL_OK)
        return rc;
    if ((rc = seg_value(c, EMUL_CS, (uint16_t)sel, &cs)) != EMUL_OK)
        return rc;
    if ((rc = ip_check(c, &cs, ip)) != EMUL_OK)
        return rc;
    sp_add(c, st, 3ull * in->opsize);
    if (in->opsize == 2)
        st->rflags = (st->rflags & ~0xffffull) | (fl & 0xffff);
    else                                            /* VM, VIF, VIP keep their values */
        st->rflags = (st->rflags & (EMUL_FL_VM | FL_VIF | FL_VIP)) | (fl & 0x257fd5ull);
    st->rflags |= 2;
    st->rip = ip;
    in->rip_set = true;
    seg_commit(c, EMUL_CS, &cs);
    return EMUL_OK;
}

/* POPF: what may change depends on CPL and IOPL (SDM vol. 2, POPF). */
static enum emul_rc popf(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in)
{
    uint64_t v, keep = EMUL_FL_VM | FL_VIF | FL_VIP | FL_RF;
    unsigned iopl = (unsigned)(st->rflags >> 12) & 3;
    enum emul_rc rc = peek(c, st, 0, in->opsize, &v);

    if (rc != EMUL_OK)
        return rc;
    if (!real_mode(c)) {
        if (c->cpl > 0)
            keep |= FL_IOPL;
        if (c->cpl > iopl)
            keep |= FL_IF;
    }
    uint64_t writable = (in->opsize == 2 ? 0xffffull : 0x3fffffull) & ~keep;
    st->rflags = (st->rflags & ~writable) | (v & writable & 0x257fd5ull);
    st->rflags = (st->rflags & ~FL_RF) | 2;
    sp_add(c, st, in->opsize);
    return EMUL_OK;
}

/* LES/LDS/LSS/LFS/LGS: offset into the register, selector into seg (real
 * mode: base = sel << 4, limit and attributes kept, as MOV Sreg). */
static enum emul_rc load_far_ptr(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in, unsigned seg)
{
    struct emul_segment sv;
    uint16_t sel;
    uint64_t off;
    enum emul_rc rc;

    if ((rc = read_farptr(c, in, &sel, &off)) != EMUL_OK || (rc = seg_value(c, seg, sel, &sv)) != EMUL_OK)
        return rc;
    emul_reg_write(st, in, in->reg, in->opsize, off);
    seg_commit(c, seg, &sv);
    return EMUL_OK;
}

/* The stack range [sp - n, sp) must be writable before the first push of
 * a multi-push instruction, so a limit fault writes nothing (#SS(0)).  A
 * range that wraps at the stack size is pushed piecewise instead. */
static enum emul_rc stack_room(struct emul_ctx *c, const struct guest_regs *st, uint64_t n)
{
    unsigned ss = emul_stack_size(c);
    uint64_t sp = st->rsp & emul_size_mask(ss), la;
    if (n == 0 || sp < n)
        return EMUL_OK;
    return emul_linear(c, EMUL_SS, sp - n, (unsigned)n, true, &la);
}

/* PUSHA/PUSHAD: AX CX DX BX, SP as it was before the first push, BP SI DI
 * (SDM vol. 2, PUSHA). */
static enum emul_rc pusha(struct emul_ctx *c, struct guest_regs *st, unsigned os)
{
    struct guest_regs tmp = *st;
    uint64_t old_sp = st->rsp;
    enum emul_rc rc = stack_room(c, st, 8ull * os);

    for (unsigned r = 0; r < 8 && rc == EMUL_OK; r++)
        rc = push(c, &tmp, r == 4 ? old_sp : *guest_gpr(st, r), os);
    if (rc == EMUL_OK)
        *st = tmp;
    return rc;
}

/* POPA/POPAD: DI SI BP, the SP slot skipped, BX DX CX AX; everything read
 * before anything changes. */
static enum emul_rc popa(struct emul_ctx *c, struct guest_regs *st, unsigned os)
{
    uint64_t v[8];
    enum emul_rc rc;

    for (unsigned i = 0; i < 8; i++)
        if ((rc = peek(c, st, i, os, &v[i])) != EMUL_OK)
            return rc;
    for (unsigned i = 0; i < 8; i++) {
        unsigned r = 7 - i;
        if (r == 4)
            continue;
        uint64_t *p = guest_gpr(st, r);
        *p = os == 4 ? v[i] & 0xffffffffull : (*p & ~0xffffull) | (v[i] & 0xffff);
    }
    sp_add(c, st, 8ull * os);
    return EMUL_OK;
}

/* ENTER alloc, level (SDM vol. 2, ENTER, non-64-bit): push BP; for
 * level > 1 copy level - 1 frame pointers from the old frame (SS:BP - k *
 * size, BP's width by the stack size); for level > 0 push the new frame
 * pointer; BP = the frame; SP -= alloc.  The new SP must be within the
 * stack limit (#SS(0)). */
static enum emul_rc enter(struct emul_ctx *c, struct guest_regs *st, struct emul_insn *in)
{
    uint64_t alloc, level, v, la;
    struct guest_regs tmp = *st;
    unsigned ss = emul_stack_size(c), os = in->opsize;
    uint64_t smask = emul_size_mask(ss);
    enum emul_rc rc;

    if ((rc = emul_fetch_imm(c, in, 2, false, &alloc)) != EMUL_OK ||
        (rc = emul_fetch_imm(c, in, 1, false, &level)) != EMUL_OK)
        return rc;
    c->insn_len = in->len;
    level &= 31;
    if ((rc = push(c, &tmp, st->rbp, os)) != EMUL_OK)
        return rc;
    uint64_t frame = tmp.rsp & smask, bp = st->rbp & smask;
    for (uint64_t i = 1; i < level; i++) {
        bp = (bp - os) & smask;
        v = 0;
        if ((rc = emul_mem_read(c, EMUL_SS, bp, &v, os, 0)) != EMUL_OK ||
            (rc = push(c, &tmp, v, os)) != EMUL_OK)
            return rc;
    }
    if (level > 0 && (rc = push(c, &tmp, frame, os)) != EMUL_OK)
        return rc;
    uint64_t nsp = ((tmp.rsp & smask) - alloc) & smask;
    if (alloc && (rc = emul_linear(c, EMUL_SS, nsp, 1, true, &la)) != EMUL_OK)
        return rc;
    emul_set_sp(&tmp, ss, nsp);
    emul_reg_write(&tmp, in, 5, os, frame);
    *st = tmp;
    return EMUL_OK;
}

/* ---- the instructions ---------------------------------------------------- */

static unsigned count_reg_size(const struct emul_insn *in)
{
    return in->addrsize;                            /* LOOP/JCXZ count in CX or ECX by address size */
}

enum emul_rc emul_flow_onebyte(struct emul_ctx *c, struct guest_regs *st, struct emul_insn *in)
{
    unsigned op = in->op, os = in->opsize;
    uint64_t v, next = st->rip + in->len;
    struct emul_segment sv;
    enum emul_rc rc;

    if (!emul_flow_allowed(c))
        return emul_unhandled_insn(c, "unsupported instruction");
    switch (op) {
    case 0x06: case 0x0e: case 0x16: case 0x1e:             /* PUSH ES/CS/SS/DS */
        return push(c, st, c->seg[op >> 3].sel, os);
    case 0x07: case 0x17: case 0x1f: {                      /* POP ES/SS/DS */
        if ((rc = peek(c, st, 0, os, &v)) != EMUL_OK || (rc = seg_value(c, op >> 3, (uint16_t)v, &sv)) != EMUL_OK)
            return rc;
        sp_add(c, st, os);
        seg_commit(c, op >> 3, &sv);
        if (op == 0x17)
            c->shadow = EMUL_SHADOW_MOVSS;
        return EMUL_OK;
    }
    case 0x60:                                              /* PUSHA */
        return pusha(c, st, os);
    case 0x61:                                              /* POPA */
        return popa(c, st, os);
    case 0xc4: case 0xc5:                                   /* LES / LDS r, m16:16/32 */
        return load_far_ptr(c, st, in, op == 0xc4 ? EMUL_ES : EMUL_DS);
    case 0xc8:                                              /* ENTER imm16, imm8 */
        return enter(c, st, in);
    case 0xc9: {                                            /* LEAVE: SP = BP, POP BP */
        struct guest_regs tmp = *st;
        unsigned ss = emul_stack_size(c);
        emul_set_sp(&tmp, ss, st->rbp & emul_size_mask(ss));
        if ((rc = peek(c, &tmp, 0, os, &v)) != EMUL_OK)
            return rc;
        sp_add(c, &tmp, os);
        emul_reg_write(&tmp, in, 5, os, v);
        *st = tmp;
        return EMUL_OK;
    }
    case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47:
    case 0x48: case 0x49: case 0x4a: case 0x4b: case 0x4c: case 0x4d: case 0x4e: case 0x4f: {  /* INC/DEC r */
        uint64_t r = emul_reg_read(st, in, op & 7, os);
        emul_reg_write(st, in, op & 7, os, emul_alu(op < 0x48 ? EMUL_ALU_INC : EMUL_ALU_DEC, r, 0, os, &st->rflags));
        return EMUL_OK;
    }
    case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57:  /* PUSH r */
        return push(c, st, emul_reg_read(st, in, op & 7, os), os);
    case 0x58: case 0x59: case 0x5a: case 0x5b: case 0x5c: case 0x5d: case 0x5e: case 0x5f:  /* POP r */
        if ((rc = peek(c, st, 0, os, &v)) != EMUL_OK)
            return rc;
        sp_add(c, st, os);
        emul_reg_write(st, in, op & 7, os, v);      /* POP SP: the value popped wins */
        return EMUL_OK;
    case 0x68: case 0x6a:                                   /* PUSH imm */
        return push(c, st, in->imm, os);
    case 0x70: case 0x71: case 0x72: case 0x73: case 0x74: case 0x75: case 0x76: case 0x77:
    case 0x78: case 0x79: case 0x7a: case 0x7b: case 0x7c: case 0x7d: case 0x7e: case 0x7f:  /* Jcc rel8 */
        return emul_cond(op & 15, st->rflags) ? jump_near(c, st, in, next + in->imm) : EMUL_OK;
    case 0x8d:                                              /* LEA */
        if (!in->mem)
            return emul_raise(c, EMUL_EXC_UD, false, 0);
        emul_reg_write(st, in, in->reg, os, in->ea);
        return EMUL_OK;
    case 0x8e: {                                            /* MOV Sreg, r/m16 */
        unsigned s = in->reg & 7;
        if (s == EMUL_CS || s >= EMUL_NR_SEGS)
            return emul_raise(c, EMUL_EXC_UD, false, 0);
        struct emul_opnd o = emul_opnd_rm(in, 2);
        if ((rc = emul_opnd_read(c, st, in, &o, &v, false)) != EMUL_OK ||
            (rc = seg_value(c, s, (uint16_t)v, &sv)) != EMUL_OK)
            return rc;
        seg_commit(c, s, &sv);
        if (s == EMUL_SS)
            c->shadow = EMUL_SHADOW_MOVSS;
        return EMUL_OK;
    }
    case 0x90:                                              /* NOP (F3 90: PAUSE) */
        return EMUL_OK;
    case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97:  /* XCHG eAX, r */
        v = emul_reg_read(st, in, op & 7, os);
        emul_reg_write(st, in, op & 7, os, emul_reg_read(st, in, 0, os));
        emul_reg_write(st, in, 0, os, v);
        return EMUL_OK;
    case 0x98:                                              /* CBW / CWDE */
        v = emul_reg_read(st, in, 0, os / 2);
        v = (uint64_t)((int64_t)(v << (64 - 4 * os)) >> (64 - 4 * os));
        emul_reg_write(st, in, 0, os, v);
        return EMUL_OK;
    case 0x99:                                              /* CWD / CDQ */
        v = emul_reg_read(st, in, 0, os) >> (8 * os - 1);
        emul_reg_write(st, in, 2, os, v ? ~0ull : 0);
        return EMUL_OK;
    case 0x9a: case 0xea: {                                 /* far CALL / JMP ptr16:16/32 */
        uint64_t off, sel;
        if ((rc = emul_fetch_imm(c, in, os, false, &off)) != EMUL_OK ||
            (rc = emul_fetch_imm(c, in, 2, false, &sel)) != EMUL_OK)
            return rc;
        c->insn_len = in->len;
        return far_transfer(c, st, in, (uint16_t)sel, off, op == 0x9a);
    }
    case 0x9c:                                              /* PUSHF: VM and RF read as 0 */
        return push(c, st, st->rflags & 0x3cffd7ull, os);
    case 0x9d:
        return popf(c, st, in);
    case 0x9e:                                              /* SAHF */
        st->rflags = (st->rflags & ~0xd5ull) | ((st->rax >> 8) & 0xd5) | 2;
        return EMUL_OK;
    case 0x9f:                                              /* LAHF */
        st->rax = (st->rax & ~0xff00ull) | (((st->rflags & 0xd5) | 2) << 8);
        return EMUL_OK;
    case 0xc2: case 0xc3: case 0xca: case 0xcb: {           /* RET / RETF [imm16] */
        uint64_t imm = 0;
        if (!(op & 1)) {
            if ((rc = emul_fetch_imm(c, in, 2, false, &imm)) != EMUL_OK)
                return rc;
            c->insn_len = in->len;
        }
        if (op >= 0xca)
            return far_ret(c, st, in, imm);
        if ((rc = peek(c, st, 0, os, &v)) != EMUL_OK || (rc = ip_check(c, &c->seg[EMUL_CS], v)) != EMUL_OK)
            return rc;
        sp_add(c, st, os + imm);
        st->rip = v;
        in->rip_set = true;
        return EMUL_OK;
    }
    case 0xcf:
        return iret_real(c, st, in);
    case 0xe0: case 0xe1: case 0xe2: case 0xe3: {           /* LOOPNE, LOOPE, LOOP, JCXZ */
        unsigned cs = count_reg_size(in);
        uint64_t cnt = emul_reg_read(st, in, 1, cs);
        bool take;
        if (op == 0xe3) {
            take = cnt == 0;
        } else {
            cnt = (cnt - 1) & emul_size_mask(cs);
            emul_reg_write(st, in, 1, cs, cnt);
            bool zf = st->rflags & EMUL_FL_ZF;
            take = cnt != 0 && (op == 0xe2 || (op == 0xe1 ? zf : !zf));
        }
        return take ? jump_near(c, st, in, next + in->imm) : EMUL_OK;
    }
    case 0xe8:                                              /* CALL rel */
        if ((rc = ip_check(c, &c->seg[EMUL_CS], (next + in->imm) & emul_size_mask(os))) != EMUL_OK ||
            (rc = push(c, st, next & emul_size_mask(os), os)) != EMUL_OK)
            return rc;
        return jump_near(c, st, in, next + in->imm);
    case 0xe9: case 0xeb:                                   /* JMP rel */
        return jump_near(c, st, in, next + in->imm);
    case 0xf5:
        st->rflags ^= EMUL_FL_CF;
        return EMUL_OK;
    case 0xf8: case 0xf9:
        st->rflags = (st->rflags & ~(uint64_t)EMUL_FL_CF) | (op & 1);
        return EMUL_OK;
    case 0xfa: case 0xfb:                                   /* CLI / STI */
        if (!real_mode(c) && c->cpl > ((st->rflags >> 12) & 3))
            return gp(c, 0);
        if (op == 0xfb && !(st->rflags & FL_IF))
            c->shadow = EMUL_SHADOW_STI;                    /* only when IF was 0 (SDM vol. 2, STI) */
        st->rflags = (st->rflags & ~(uint64_t)FL_IF) | ((op & 1) ? FL_IF : 0);
        return EMUL_OK;
    case 0xfc: case 0xfd:
        st->rflags = (st->rflags & ~(uint64_t)EMUL_FL_DF) | ((op & 1) ? EMUL_FL_DF : 0);
        return EMUL_OK;
    case 0xff: {                                            /* CALL/JMP near and far through r/m */
        unsigned r = in->reg & 7;
        if (r == 2 || r == 4) {
            struct emul_opnd o = emul_opnd_rm(in, os);
            if ((rc = emul_opnd_read(c, st, in, &o, &v, false)) != EMUL_OK)
                return rc;
            if (r == 2) {
                if ((rc = ip_check(c, &c->seg[EMUL_CS], v & emul_size_mask(os))) != EMUL_OK ||
                    (rc = push(c, st, next & emul_size_mask(os), os)) != EMUL_OK)
                    return rc;
            }
            return jump_near(c, st, in, v);
        }
        uint16_t sel;
        if ((rc = read_farptr(c, in, &sel, &v)) != EMUL_OK)
            return rc;
        return far_transfer(c, st, in, sel, v, r == 3);
    }
    }
    return emul_unhandled_insn(c, "unsupported instruction");
}

enum emul_rc emul_flow_twobyte(struct emul_ctx *c, struct guest_regs *st, struct emul_insn *in)
{
    unsigned op = in->op, os = in->opsize;
    struct emul_segment sv;
    uint64_t v;
    enum emul_rc rc;

    if (!emul_flow_allowed(c))
        return emul_unhandled_insn(c, "unsupported instruction");
    if (op >= 0x80 && op <= 0x8f)                           /* Jcc rel16/32 */
        return emul_cond(op & 15, st->rflags) ? jump_near(c, st, in, st->rip + in->len + in->imm) : EMUL_OK;
    switch (op) {
    case 0xa0: case 0xa8:                                   /* PUSH FS / GS */
        return push(c, st, c->seg[op == 0xa0 ? EMUL_FS : EMUL_GS].sel, os);
    case 0xa1: case 0xa9: {                                 /* POP FS / GS */
        unsigned s = op == 0xa1 ? EMUL_FS : EMUL_GS;
        if ((rc = peek(c, st, 0, os, &v)) != EMUL_OK || (rc = seg_value(c, s, (uint16_t)v, &sv)) != EMUL_OK)
            return rc;
        sp_add(c, st, os);
        seg_commit(c, s, &sv);
        return EMUL_OK;
    }
    case 0xb2: case 0xb4: case 0xb5:                        /* LSS / LFS / LGS r, m16:16/32 */
        return load_far_ptr(c, st, in, op == 0xb2 ? EMUL_SS : op - 0xb0);
    }
    return emul_unhandled_insn(c, "unsupported instruction");
}
