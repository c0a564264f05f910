/*
 * Operand access for the emulator: registers (with the 8-bit AH..BH forms
 * and the 32-bit zero extension), and memory through segmentation to a
 * linear address handed to the callbacks.
 *
 * Segmentation follows SDM vol. 3, 5.3 (limit checking, expand-down
 * segments), 5.4-5.5 (type checks: no writes to code or read-only data, no
 * reads of execute-only code) and vol. 1, 3.3.7.1 (64-bit mode: only FS/GS
 * bases count, no limits, canonical addresses).  A violation is #SS(0) for
 * a stack-segment access and #GP(0) otherwise (SDM vol. 3, 6.15).
 */
#include "hvm/emulate/emul_priv.h"
#include "lib/string.h"

static bool canonical(uint64_t la)
{
    return (uint64_t)((int64_t)(la << 16) >> 16) == la;
}

enum emul_rc emul_linear(struct emul_ctx *c, unsigned seg, uint64_t off, unsigned size, bool write,
                         uint64_t *la)
{
    const struct emul_segment *s = &c->seg[seg];
    uint8_t vec = seg == EMUL_SS ? EMUL_EXC_SS : EMUL_EXC_GP;
    uint64_t last = off + size - 1;

    if (c->mode == 64) {
        uint64_t base = (seg == EMUL_FS || seg == EMUL_GS) ? s->base : 0;
        *la = base + off;
        if (!canonical(*la) || !canonical(*la + size - 1))
            return emul_raise(c, vec, true, 0);
        return EMUL_OK;
    }
    bool protected_mode = (c->cr0 & 1) && !(c->regs.rflags & EMUL_FL_VM);
    if (protected_mode) {
        unsigned type = EMUL_SEG_TYPE(s->attr);
        /* A null or not-present segment is unusable; system types never
         * appear in DS..GS but the state comes from the guest. */
        if (!(s->attr & EMUL_SEG_P) || !(s->attr & EMUL_SEG_S))
            return emul_raise(c, vec, true, 0);
        if (type & 8) {                                 /* code */
            if (write || !(type & 2))
                return emul_raise(c, vec, true, 0);
        } else if (write && !(type & 2)) {              /* read-only data */
            return emul_raise(c, vec, true, 0);
        }
        if (!(type & 8) && (type & 4)) {                /* expand-down: valid (limit, top] */
            uint64_t top = (s->attr & EMUL_SEG_DB) ? 0xffffffffull : 0xffffull;
            if (off <= s->limit || last > top)
                return emul_raise(c, vec, true, 0);
        } else if (last > s->limit) {
            return emul_raise(c, vec, true, 0);
        }
    } else if (last > s->limit) {
        return emul_raise(c, vec, true, 0);             /* real mode / VM86: limits still apply */
    }
    *la = (s->base + off) & 0xffffffffull;
    return EMUL_OK;
}

enum emul_rc emul_mem_read(struct emul_ctx *c, unsigned seg, uint64_t off, void *buf, unsigned size,
                           unsigned acc)
{
    uint64_t la;
    enum emul_rc rc = emul_linear(c, seg, off, size, acc & EMUL_ACC_RMW, &la);
    if (rc != EMUL_OK)
        return rc;
    return c->ops->read(c, la, buf, size, acc);
}

enum emul_rc emul_mem_write(struct emul_ctx *c, unsigned seg, uint64_t off, const void *buf, unsigned size)
{
    uint64_t la;
    enum emul_rc rc = emul_linear(c, seg, off, size, true, &la);
    if (rc != EMUL_OK)
        return rc;
    return c->ops->write(c, la, buf, size);
}

/* Without REX, byte registers 4-7 are AH, CH, DH, BH (SDM vol. 2, 3.1.1.1). */
static bool is_high8(const struct emul_insn *in, unsigned reg, unsigned size)
{
    return size == 1 && !in->rex && reg >= 4 && reg < 8;
}

uint64_t emul_reg_read(const struct guest_regs *st, const struct emul_insn *in, unsigned reg, unsigned size)
{
    struct guest_regs *r = (struct guest_regs *)st;
    if (is_high8(in, reg, size))
        return (*guest_gpr(r, reg - 4) >> 8) & 0xff;
    return *guest_gpr(r, reg) & emul_size_mask(size);
}

void emul_reg_write(struct guest_regs *st, const struct emul_insn *in, unsigned reg, unsigned size, uint64_t v)
{
    if (is_high8(in, reg, size)) {
        uint64_t *p = guest_gpr(st, reg - 4);
        *p = (*p & ~0xff00ull) | ((v & 0xff) << 8);
        return;
    }
    uint64_t *p = guest_gpr(st, reg);
    if (size >= 4)
        *p = v & emul_size_mask(size);      /* 32-bit results zero-extend (SDM vol. 1, 3.4.1.1) */
    else
        *p = (*p & ~emul_size_mask(size)) | (v & emul_size_mask(size));
}

struct emul_opnd emul_opnd_rm(const struct emul_insn *in, unsigned size)
{
    struct emul_opnd o = { .mem = in->mem, .size = (uint8_t)size };
    if (in->mem) {
        o.seg = in->ea_seg;
        o.off = in->ea;
    } else {
        o.reg = in->rm;
        o.high8 = is_high8(in, in->rm, size);
    }
    return o;
}

struct emul_opnd emul_opnd_reg(unsigned reg, const struct emul_insn *in, unsigned size)
{
    struct emul_opnd o = { .mem = false, .size = (uint8_t)size, .reg = reg };
    o.high8 = is_high8(in, reg, size);
    return o;
}

enum emul_rc emul_opnd_read(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in,
                            const struct emul_opnd *o, uint64_t *val, bool rmw)
{
    if (!o->mem) {
        *val = emul_reg_read(st, in, o->reg, o->size);
        return EMUL_OK;
    }
    uint64_t v = 0;
    enum emul_rc rc = emul_mem_read(c, o->seg, o->off, &v, o->size, rmw ? EMUL_ACC_RMW : 0);
    *val = v;                               /* little-endian host and guest */
    return rc;
}

enum emul_rc emul_opnd_write(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in,
                             const struct emul_opnd *o, uint64_t val)
{
    if (!o->mem) {
        emul_reg_write(st, in, o->reg, o->size, val);
        return EMUL_OK;
    }
    return emul_mem_write(c, o->seg, o->off, &val, o->size);
}
