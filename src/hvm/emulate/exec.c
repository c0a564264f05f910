/*
 * Execution of the decoded instruction.  Each handler works on a copy of the
 * registers (st): memory accesses come first, and st is committed to the
 * context only when every access succeeded, so a fault leaves the guest's
 * registers as they were before the instruction (SDM vol. 3, 6.5: faults
 * are restartable).  String instructions (string.c) commit per iteration.
 *
 * Instruction semantics: Intel SDM vol. 2 (one entry per mnemonic) and AMD
 * APM vol. 3.
 */
#include "hvm/emulate/emul_priv.h"
#include "lib/string.h"

static enum emul_rc ud(struct emul_ctx *c)
{
    return emul_raise(c, EMUL_EXC_UD, false, 0);
}

/* LOCK is only valid on these, with a memory destination; anything else is
 * #UD (SDM vol. 2, LOCK). */
static bool lockable(const struct emul_insn *in)
{
    unsigned r = in->reg & 7;
    if (!in->mem)
        return false;
    if (!in->twobyte) {
        if (in->op < 0x40)
            return (in->op & 7) < 2 && (in->op & 0x38) != 0x38;    /* ALU Eb/Ev,G; not CMP */
        switch (in->op) {
        case 0x80: case 0x81: case 0x82: case 0x83: return r != 7;
        case 0x86: case 0x87: return true;
        case 0xf6: case 0xf7: return r == 2 || r == 3;
        case 0xfe: case 0xff: return r < 2;
        default: return false;
        }
    }
    switch (in->op) {
    case 0xab: case 0xb3: case 0xbb: case 0xb0: case 0xb1: case 0xc0: case 0xc1: return true;
    case 0xba: return r >= 5;
    case 0xc7: return r == 1;
    default: return false;
    }
}

/* dst = dst OP src, flags from emul_alu; CMP and TEST only set flags. */
static enum emul_rc alu_op(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in, unsigned op,
                           const struct emul_opnd *dst, uint64_t src)
{
    bool writes = op != EMUL_ALU_CMP && op != EMUL_ALU_TEST;
    uint64_t d, r;
    enum emul_rc rc = emul_opnd_read(c, st, in, dst, &d, writes);
    if (rc != EMUL_OK)
        return rc;
    r = emul_alu(op, d, src, dst->size, &st->rflags);
    return writes ? emul_opnd_write(c, st, in, dst, r) : EMUL_OK;
}

unsigned emul_stack_size(const struct emul_ctx *c)
{
    if (c->mode == 64)
        return 8;
    return (c->seg[EMUL_SS].attr & EMUL_SEG_DB) ? 4 : 2;    /* SS.B (SDM vol. 3, 3.4.5.1) */
}

void emul_set_sp(struct guest_regs *st, unsigned ssize, uint64_t sp)
{
    uint64_t m = emul_size_mask(ssize);
    st->rsp = ssize == 2 ? (st->rsp & ~m) | (sp & m) : sp & m;
}

/* FF /6 PUSH and 8F /0 POP with a ModRM operand. */
static enum emul_rc push_pop(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in, bool push)
{
    unsigned size = c->mode == 64 ? (in->opsize == 2 ? 2 : 8) : in->opsize;
    unsigned ssize = emul_stack_size(c);
    uint64_t sp = st->rsp & emul_size_mask(ssize), v;
    struct emul_opnd o = emul_opnd_rm(in, size);
    enum emul_rc rc;

    if (push) {
        if ((rc = emul_opnd_read(c, st, in, &o, &v, false)) != EMUL_OK)
            return rc;
        sp = (sp - size) & emul_size_mask(ssize);
        if ((rc = emul_mem_write(c, EMUL_SS, sp, &v, size)) != EMUL_OK)
            return rc;
        emul_set_sp(st, ssize, sp);
        return EMUL_OK;
    }
    v = 0;
    if ((rc = emul_mem_read(c, EMUL_SS, sp, &v, size, 0)) != EMUL_OK)
        return rc;
    /* "If ESP is the base register, the address is computed after the
     * increment" (SDM vol. 2, POP). */
    if (o.mem && in->sp_base)
        o.off = (o.off + size) & emul_addr_mask(in->addrsize);
    emul_set_sp(st, ssize, sp + size);
    return emul_opnd_write(c, st, in, &o, v);
}

/* BT/BTS/BTR/BTC (0F A3/AB/B3/BB with a register offset, 0F BA /4-7 with an
 * immediate).  A register offset is signed and may address memory outside
 * the operand: the operand moves by whole operand-size units (SDM vol. 2,
 * BT: "bit base / bit offset"). */
static enum emul_rc bit_op(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in, unsigned kind,
                           bool imm)
{
    unsigned size = in->opsize, bits = 8 * size, shift = size == 2 ? 4 : size == 4 ? 5 : 6;
    struct emul_opnd o = emul_opnd_rm(in, size);
    uint64_t off, v;
    enum emul_rc rc;

    if (imm) {
        off = in->imm & (bits - 1);
    } else {
        off = emul_reg_read(st, in, in->reg, size);
        if (o.mem) {
            int64_t s = (int64_t)(off << (64 - bits)) >> (64 - bits);   /* sign-extend */
            int64_t units = s >> shift;                                 /* arithmetic: rounds down */
            o.off = (o.off + (uint64_t)units * size) & emul_addr_mask(in->addrsize);
        }
        off &= bits - 1;
    }
    if ((rc = emul_opnd_read(c, st, in, &o, &v, kind != 0)) != EMUL_OK)
        return rc;
    st->rflags = (st->rflags & ~(uint64_t)EMUL_FL_CF) | ((v >> off) & 1);
    switch (kind) {
    case 0: return EMUL_OK;                 /* BT */
    case 1: v |= 1ull << off; break;        /* BTS */
    case 2: v &= ~(1ull << off); break;     /* BTR */
    default: v ^= 1ull << off; break;       /* BTC */
    }
    return emul_opnd_write(c, st, in, &o, v);
}

/* 0F C7 /1: CMPXCHG8B, and CMPXCHG16B with REX.W (16-byte aligned, else
 * #GP(0)).  Only ZF changes.  On a mismatch the memory is not rewritten:
 * hardware writes the old value back, which a device must not see as a
 * second write. */
static enum emul_rc cmpxchg8b(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in)
{
    bool wide = in->opsize == 8;
    unsigned half = wide ? 8 : 4, size = 2 * half;
    uint64_t m = emul_size_mask(half), mem[2] = { 0, 0 };
    enum emul_rc rc;

    if (!in->mem)
        return ud(c);
    if (wide && (in->ea & 15))
        return emul_raise(c, EMUL_EXC_GP, true, 0);
    if ((rc = emul_mem_read(c, in->ea_seg, in->ea, mem, size, EMUL_ACC_RMW)) != EMUL_OK)
        return rc;
    uint64_t lo = wide ? mem[0] : mem[0] & m, hi = wide ? mem[1] : mem[0] >> 32;
    if (lo == (st->rax & m) && hi == (st->rdx & m)) {
        uint64_t nv[2];
        if (wide) {
            nv[0] = st->rbx;
            nv[1] = st->rcx;
        } else {
            nv[0] = (st->rbx & m) | ((st->rcx & m) << 32);
        }
        if ((rc = emul_mem_write(c, in->ea_seg, in->ea, nv, size)) != EMUL_OK)
            return rc;
        st->rflags |= EMUL_FL_ZF;
    } else {
        st->rflags &= ~(uint64_t)EMUL_FL_ZF;
        st->rax = lo;                       /* the 32-bit form zero-extends, as any 32-bit write */
        st->rdx = hi;
    }
    return EMUL_OK;
}

static enum emul_rc exec_twobyte(struct emul_ctx *c, struct guest_regs *st, struct emul_insn *in)
{
    unsigned op = in->op, r = in->reg & 7, size = in->opsize;
    struct emul_opnd rm, reg;
    uint64_t a, b;
    enum emul_rc rc;

    if (op >= 0x90 && op <= 0x9f) {                         /* SETcc Eb */
        rm = emul_opnd_rm(in, 1);
        return emul_opnd_write(c, st, in, &rm, emul_cond(op & 15, st->rflags));
    }
    switch (op) {
    case 0xaf:
        return emul_arith(c, st, in);                       /* IMUL Gv, Ev */
    case 0xa3: return bit_op(c, st, in, 0, false);
    case 0xab: return bit_op(c, st, in, 1, false);
    case 0xb3: return bit_op(c, st, in, 2, false);
    case 0xbb: return bit_op(c, st, in, 3, false);
    case 0xba:
        if (r < 4)
            return ud(c);
        return bit_op(c, st, in, r - 4, true);
    case 0xb0: case 0xb1:                                   /* CMPXCHG Eb/Ev, Gb/Gv */
        size = op & 1 ? size : 1;
        rm = emul_opnd_rm(in, size);
        if ((rc = emul_opnd_read(c, st, in, &rm, &a, true)) != EMUL_OK)
            return rc;
        emul_alu(EMUL_ALU_CMP, emul_reg_read(st, in, 0, size), a, size, &st->rflags);
        if (st->rflags & EMUL_FL_ZF)
            return emul_opnd_write(c, st, in, &rm, emul_reg_read(st, in, in->reg, size));
        emul_reg_write(st, in, 0, size, a);
        return EMUL_OK;
    case 0xb6: case 0xb7: case 0xbe: case 0xbf: {           /* MOVZX / MOVSX Gv, Eb/Ew */
        unsigned ss = op & 1 ? 2 : 1;
        rm = emul_opnd_rm(in, ss);
        if ((rc = emul_opnd_read(c, st, in, &rm, &a, false)) != EMUL_OK)
            return rc;
        if (op & 8)
            a = (uint64_t)((int64_t)(a << (64 - 8 * ss)) >> (64 - 8 * ss));
        emul_reg_write(st, in, in->reg, size, a);
        return EMUL_OK;
    }
    case 0xc0: case 0xc1:                                   /* XADD Eb/Ev, Gb/Gv */
        size = op & 1 ? size : 1;
        rm = emul_opnd_rm(in, size);
        if ((rc = emul_opnd_read(c, st, in, &rm, &a, true)) != EMUL_OK)
            return rc;
        b = emul_alu(EMUL_ALU_ADD, a, emul_reg_read(st, in, in->reg, size), size, &st->rflags);
        emul_reg_write(st, in, in->reg, size, a);           /* the register first: XADD r, r */
        return emul_opnd_write(c, st, in, &rm, b);
    case 0xc3:                                              /* MOVNTI My, Gy */
        if (!in->mem || size == 2)
            return ud(c);
        rm = emul_opnd_rm(in, size);
        return emul_opnd_write(c, st, in, &rm, emul_reg_read(st, in, in->reg, size));
    case 0xc7:
        if (r == 1)
            return cmpxchg8b(c, st, in);
        break;
    case 0x00:
        return emul_group6(c, st, in);
    case 0x01:
        return emul_group7(c, st, in);
    case 0x20:
        return emul_mov_from_cr(c, st, in);
    case 0xae:                                              /* group 15, memory forms */
        if (in->mem && r <= 3 && !in->opsize_prefix && !in->rep && !in->repne) {
            struct emul_insn x = *in;
            x.fpu = r <= 1 ? EMUL_FPU_X87 : EMUL_FPU_SSE;  /* FXSAVE/FXRSTOR; LDMXCSR/STMXCSR */
            return emul_fpu_checks(c, &x);
        }
        break;
    }
    (void)reg;
    return emul_flow_twobyte(c, st, in);
}

static enum emul_rc exec_onebyte(struct emul_ctx *c, struct guest_regs *st, struct emul_insn *in)
{
    unsigned op = in->op, r = in->reg & 7, size = op & 1 ? in->opsize : 1;
    struct emul_opnd rm = emul_opnd_rm(in, size), reg = emul_opnd_reg(in->reg, in, size);
    struct emul_opnd acc = emul_opnd_reg(0, in, size);
    uint64_t a, b;
    enum emul_rc rc;

    if (op < 0x40 && (op & 7) < 6) {                      /* ALU group, six forms each */
        unsigned alu = (op >> 3) & 7;
        switch (op & 7) {
        case 0: case 1:
            return alu_op(c, st, in, alu, &rm, emul_reg_read(st, in, in->reg, size));
        case 2: case 3:
            if ((rc = emul_opnd_read(c, st, in, &rm, &b, false)) != EMUL_OK)
                return rc;
            return alu_op(c, st, in, alu, &reg, b);
        default:
            return alu_op(c, st, in, alu, &acc, in->imm);
        }
    }
    if (emul_arith_op(in))                                  /* shifts, MUL/DIV, BCD */
        return emul_arith(c, st, in);
    switch (op) {
    case 0x63: {                                            /* MOVSXD Gv, Ed (64-bit mode) */
        unsigned ss = in->opsize == 8 ? 4 : in->opsize;
        rm = emul_opnd_rm(in, ss);
        if ((rc = emul_opnd_read(c, st, in, &rm, &a, false)) != EMUL_OK)
            return rc;
        if (ss == 4)
            a = (uint64_t)(int64_t)(int32_t)a;
        emul_reg_write(st, in, in->reg, in->opsize, a);
        return EMUL_OK;
    }
    case 0x80: case 0x81: case 0x82: case 0x83:             /* ALU Eb/Ev, imm */
        size = op == 0x80 || op == 0x82 ? 1 : in->opsize;
        rm = emul_opnd_rm(in, size);
        return alu_op(c, st, in, r, &rm, in->imm);
    case 0x84: case 0x85:                                   /* TEST Eb/Ev, Gb/Gv */
        return alu_op(c, st, in, EMUL_ALU_TEST, &rm, emul_reg_read(st, in, in->reg, size));
    case 0xa8: case 0xa9:
        return alu_op(c, st, in, EMUL_ALU_TEST, &acc, in->imm);
    case 0x86: case 0x87:                                   /* XCHG: locked, no flags */
        if ((rc = emul_opnd_read(c, st, in, &rm, &a, true)) != EMUL_OK)
            return rc;
        b = emul_reg_read(st, in, in->reg, size);
        if ((rc = emul_opnd_write(c, st, in, &rm, b)) != EMUL_OK)
            return rc;
        emul_reg_write(st, in, in->reg, size, a);
        return EMUL_OK;
    case 0x88: case 0x89:                                   /* MOV Eb/Ev, Gb/Gv */
        return emul_opnd_write(c, st, in, &rm, emul_reg_read(st, in, in->reg, size));
    case 0x8a: case 0x8b:                                   /* MOV Gb/Gv, Eb/Ev */
        if ((rc = emul_opnd_read(c, st, in, &rm, &a, false)) != EMUL_OK)
            return rc;
        emul_reg_write(st, in, in->reg, size, a);
        return EMUL_OK;
    case 0x8c:                                              /* MOV Ev, Sreg: 16 bits to memory */
        if (r > 5)
            return ud(c);
        rm = emul_opnd_rm(in, in->mem ? 2 : in->opsize);
        return emul_opnd_write(c, st, in, &rm, c->seg[r].sel);
    case 0x8f:
        if (r != 0)
            return emul_unhandled_insn(c, "unsupported instruction (8F /r, r != 0)");
        return push_pop(c, st, in, false);
    case 0xa0: case 0xa1:                                   /* MOV AL/rAX, moffs */
        if ((rc = emul_opnd_read(c, st, in, &rm, &a, false)) != EMUL_OK)
            return rc;
        emul_reg_write(st, in, 0, size, a);
        return EMUL_OK;
    case 0xa2: case 0xa3:                                   /* MOV moffs, AL/rAX */
        return emul_opnd_write(c, st, in, &rm, emul_reg_read(st, in, 0, size));
    case 0xb0: case 0xb1: case 0xb2: case 0xb3: case 0xb4: case 0xb5: case 0xb6: case 0xb7:
    case 0xb8: case 0xb9: case 0xba: case 0xbb: case 0xbc: case 0xbd: case 0xbe: case 0xbf:
        /* MOV r, imm: the register is in the opcode (REX.B extends it); no flags. */
        emul_reg_write(st, in, (op & 7) | ((in->rex & 1) ? 8u : 0u), op >= 0xb8 ? in->opsize : 1, in->imm);
        return EMUL_OK;
    case 0xc6: case 0xc7:                                   /* MOV Eb/Ev, imm */
        if (r != 0)
            return in->mem ? ud(c) : emul_unhandled_insn(c, "unsupported instruction (XBEGIN/XABORT)");
        return emul_opnd_write(c, st, in, &rm, in->imm);
    case 0xf6: case 0xf7:
        switch (r) {
        case 0: case 1:                                     /* TEST (/1 is an alias) */
            return alu_op(c, st, in, EMUL_ALU_TEST, &rm, in->imm);
        case 2:                                             /* NOT: no flags */
            if ((rc = emul_opnd_read(c, st, in, &rm, &a, true)) != EMUL_OK)
                return rc;
            return emul_opnd_write(c, st, in, &rm, ~a);
        default:                                            /* NEG (/4-/7: exec_arith.c) */
            return alu_op(c, st, in, EMUL_ALU_NEG, &rm, 0);
        }
    case 0xcc: case 0xcd: case 0xce: case 0xf1:             /* INT3, INT n, INTO, INT1 */
        return emul_soft_event(c, st, in);
    case 0xfe: case 0xff:
        if (r < 2)
            return alu_op(c, st, in, r ? EMUL_ALU_DEC : EMUL_ALU_INC, &rm, 0);
        if (op == 0xfe)
            return ud(c);
        if (r == 6)
            return push_pop(c, st, in, true);
        if (r == 7)
            return ud(c);
        if (!emul_flow_allowed(c))
            return emul_unhandled_insn(c, "unsupported instruction (indirect CALL/JMP)");
        return emul_flow_onebyte(c, st, in);
    }
    return emul_flow_onebyte(c, st, in);
}

static bool is_string(const struct emul_insn *in)
{
    return !in->twobyte && in->op >= 0xa4 && in->op <= 0xaf && in->op != 0xa8 && in->op != 0xa9;
}

enum emul_rc emul_run(struct emul_ctx *c)
{
    struct emul_insn in;
    struct guest_regs st = c->regs;
    enum emul_rc rc;
    bool done = true;

    memset(&c->exc, 0, sizeof(c->exc));
    c->reason[0] = 0;
    c->insn_fetched = 0;
    c->insn_len = 0;
    c->seg_dirty = 0;
    c->shadow = 0;
    c->mode = emul_mode(c->cr0, c->efer, c->regs.rflags, c->seg[EMUL_CS].attr);
    if (!c->ops || !c->ops->read || !c->ops->write)
        return emul_fail(c, "emulator called without memory callbacks");

    if ((rc = emul_decode(c, &st, &in)) != EMUL_OK)
        return rc;
    if (in.lock && !lockable(&in))
        return ud(c);
    if (in.fpu != EMUL_FPU_NONE)
        rc = emul_fpu_checks(c, &in);
    else if (is_string(&in))
        rc = emul_string(c, &st, &in, &done);
    else if (in.twobyte)
        rc = exec_twobyte(c, &st, &in);
    else
        rc = exec_onebyte(c, &st, &in);
    /* A trap or software interrupt completes the instruction: RIP moves
     * past it before the event is delivered. */
    if (rc != EMUL_OK && !(rc == EMUL_EXCEPTION && c->exc.kind != EMUL_EVT_FAULT))
        return rc;
    if (done && in.rip_set) {
        st.rflags &= ~(1ull << 16);
    } else if (done) {
        uint64_t next = st.rip + in.len;
        st.rip = c->mode == 64 ? next : next & emul_size_mask(c->mode / 8);
        st.rflags &= ~(1ull << 16);         /* RF clears once an instruction completes (SDM vol. 3, 17.3.1.1) */
    }
    c->regs = st;
    return rc;
}
