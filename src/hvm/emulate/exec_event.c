/*
 * The exceptions an instruction raises by its kind rather than by its
 * operands: the software events INT n, INT3, INTO and INT1 (ICEBP), and the
 * #UD / #NM that CR0 and CR4 give x87, MMX, SSE and AVX instructions.
 *
 * Software events (SDM vol. 2, INT n/INTO/INT3/INT1; vol. 3, 6.12.1.1):
 * the emulator does the checks that belong to the instruction, in the
 * pseudocode's order, and raises their fault itself with RIP on the
 * instruction:
 *   - INTO in 64-bit mode: #UD; with OF clear it does nothing;
 *   - INT n in VM86 with IOPL < 3: #GP(0) (CR4.VME's redirection is not
 *     emulated: unhandleable then);
 *   - the gate past the IDT limit, or not an interrupt, trap (or, outside
 *     IA-32e mode, task) gate: #GP(vector*8+2);
 *   - INT n, INT3 and INTO (not INT1) through a gate with DPL < CPL:
 *     #GP(vector*8+2);
 *   - a not-present gate: #NP(vector*8+2).
 * When these pass the event itself is handed back (EMUL_EVT_TRAP or
 * EMUL_EVT_SOFTINT) with RIP past the instruction, for the caller to inject;
 * the CPU then does the rest of the delivery (code segment, stack switch)
 * and raises what that finds.  Real mode has no gates: only the delivery.
 *
 * FPU classes (SDM vol. 2, each instruction's "Protected Mode Exceptions"
 * and 2.8 for the VEX exception classes; vol. 3, 2.5 for CR0.EM/TS/MP and
 * 13.1 for CR4.OSFXSR/OSXSAVE):
 *   x87 escapes, FXSAVE/FXRSTOR: #NM if CR0.EM or CR0.TS;
 *   WAIT/FWAIT: #NM if CR0.TS and CR0.MP;
 *   MMX: #UD if CR0.EM, then #NM if CR0.TS;
 *   SSE (and LDMXCSR/STMXCSR): #UD if CR0.EM or !CR4.OSFXSR, then #NM if TS;
 *   VEX: #UD in real mode/VM86, after a 66/F2/F3/F0/REX prefix, with a
 *        reserved map, if !CR4.OSXSAVE or XCR0 lacks SSE or AVX state;
 *        then #NM if CR0.TS (CR0.EM does not apply).
 * None of them is executed by the emulator: when no exception applies they
 * are unhandleable (the forced-emulation prefix turns that into #UD).
 */
#include "hvm/emulate/emul_priv.h"

#define CR0_PE      (1ull << 0)
#define CR0_MP      (1ull << 1)
#define CR0_EM      (1ull << 2)
#define CR0_TS      (1ull << 3)
#define CR4_VME     (1ull << 0)
#define CR4_OSFXSR  (1ull << 9)
#define CR4_OSXSAVE (1ull << 18)
#define EFER_LMA    (1ull << 10)
#define XCR0_SSE_AVX 6ull

enum emul_rc emul_fpu_checks(struct emul_ctx *c, const struct emul_insn *in)
{
    bool em = c->cr0 & CR0_EM, ts = c->cr0 & CR0_TS;
    bool vm86_or_real = !(c->cr0 & CR0_PE) || (c->regs.rflags & EMUL_FL_VM);

    switch (in->fpu) {
    case EMUL_FPU_X87:
        if (em || ts)
            return emul_raise(c, EMUL_EXC_NM, false, 0);
        break;
    case EMUL_FPU_WAIT:
        if (ts && (c->cr0 & CR0_MP))
            return emul_raise(c, EMUL_EXC_NM, false, 0);
        break;
    case EMUL_FPU_MMX:
        if (em)
            return emul_raise(c, EMUL_EXC_UD, false, 0);
        if (ts)
            return emul_raise(c, EMUL_EXC_NM, false, 0);
        break;
    case EMUL_FPU_SSE:
        if (em || !(c->cr4 & CR4_OSFXSR))
            return emul_raise(c, EMUL_EXC_UD, false, 0);
        if (ts)
            return emul_raise(c, EMUL_EXC_NM, false, 0);
        break;
    case EMUL_FPU_VEX:
        if (vm86_or_real || in->vex_prefixed || in->fpu_map < 1 || in->fpu_map > 3 ||
            !(c->cr4 & CR4_OSXSAVE) || (c->xcr0 & XCR0_SSE_AVX) != XCR0_SSE_AVX)
            return emul_raise(c, EMUL_EXC_UD, false, 0);
        if (ts)
            return emul_raise(c, EMUL_EXC_NM, false, 0);
        break;
    default:
        break;
    }
    return emul_unhandled_insn(c, "unsupported instruction (x87/MMX/SSE/AVX)");
}

/* The IDT gate checks of a software event; EMUL_OK when delivery may go on. */
static enum emul_rc gate_checks(struct emul_ctx *c, unsigned vector, bool int1)
{
    bool ia32e = c->efer & EFER_LMA;
    unsigned gsize = ia32e ? 16 : 8;
    uint32_t err = vector * 8 + 2;                  /* IDT bit set, EXT clear (SDM vol. 3, 6.13) */
    uint8_t gate[8];
    enum emul_rc rc;

    if ((uint64_t)vector * gsize + gsize - 1 > c->idtr_limit)
        return emul_raise(c, EMUL_EXC_GP, true, err);
    uint64_t la = c->idtr_base + (uint64_t)vector * gsize;
    if (!ia32e)
        la &= 0xffffffffull;
    /* A supervisor read whatever the CPL (the CPU's own IDT access). */
    if ((rc = c->ops->read(c, la, gate, sizeof(gate), EMUL_ACC_IMPLICIT)) != EMUL_OK)
        return rc;
    unsigned type = gate[5] & 0x1f, dpl = (gate[5] >> 5) & 3;     /* S (bit 4) must be 0 */
    bool ok = type == 0x0e || type == 0x0f || (!ia32e && (type == 0x05 || type == 0x06 || type == 0x07));
    if (!ok)
        return emul_raise(c, EMUL_EXC_GP, true, err);
    if (!int1 && dpl < c->cpl)
        return emul_raise(c, EMUL_EXC_GP, true, err);
    if (!(gate[5] & 0x80))
        return emul_raise(c, EMUL_EXC_NP, true, err);
    return EMUL_OK;
}

enum emul_rc emul_soft_event(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in)
{
    bool real = !(c->cr0 & CR0_PE), vm86 = !real && (c->regs.rflags & EMUL_FL_VM);
    unsigned vector;
    uint8_t kind = EMUL_EVT_TRAP;
    enum emul_rc rc;

    switch (in->op) {
    case 0xcc:
        vector = EMUL_EXC_BP;
        break;
    case 0xf1:
        vector = EMUL_EXC_DB;
        break;
    case 0xce:
        if (c->mode == 64)
            return emul_raise(c, EMUL_EXC_UD, false, 0);
        if (!(st->rflags & EMUL_FL_OF))
            return EMUL_OK;
        vector = EMUL_EXC_OF;
        break;
    default:                                        /* 0xcd: INT imm8 */
        vector = (unsigned)(in->imm & 0xff);
        kind = EMUL_EVT_SOFTINT;
        if (vm86 && ((st->rflags >> 12) & 3) != 3) {
            if (c->cr4 & CR4_VME)
                return emul_unhandled_insn(c, "INT n in VM86 mode with CR4.VME");
            return emul_raise(c, EMUL_EXC_GP, true, 0);
        }
        break;
    }
    if (!real && (rc = gate_checks(c, vector, in->op == 0xf1)) != EMUL_OK)
        return rc;
    emul_raise(c, (uint8_t)vector, false, 0);
    c->exc.kind = kind;
    return EMUL_EXCEPTION;
}
