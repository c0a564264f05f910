/*
 * String instructions: MOVS, CMPS, STOS, LODS, SCAS, with REP (F3) and
 * REPE/REPNE (F3/F2 on CMPS and SCAS).  SDM vol. 2, "REP/REPE/REPZ/REPNE/
 * REPNZ" and each instruction; vol. 3, 6.5 for faults in the middle.
 *
 * rSI, rDI and rCX have the address size; they step by the operand size,
 * down when RFLAGS.DF is set.  The source segment is DS unless overridden;
 * the destination is always ES (no override).  A REP runs at most
 * c->max_reps iterations per call, committing the registers after each one:
 * when it stops early RIP stays on the instruction, so the guest executes
 * it again (and can take interrupts in between), and when an iteration
 * faults the completed ones stand, as on hardware.
 */
#include "hvm/emulate/emul_priv.h"

/* Writes a count/index register of the address size: a 16-bit one keeps
 * the upper bits, a 32-bit one zero-extends. */
static void set_areg(uint64_t *r, unsigned asize, uint64_t v)
{
    uint64_t m = emul_size_mask(asize);
    *r = asize == 2 ? (*r & ~m) | (v & m) : v & m;
}

enum emul_rc emul_string(struct emul_ctx *c, struct guest_regs *st, struct emul_insn *in, bool *done)
{
    unsigned op = in->op, size = op & 1 ? in->opsize : 1, asize = in->addrsize;
    uint64_t amask = emul_addr_mask(asize);
    unsigned src_seg = in->seg_override >= 0 ? (unsigned)in->seg_override : EMUL_DS;
    bool rep = in->rep || in->repne;
    bool cond = op == 0xa6 || op == 0xa7 || op == 0xae || op == 0xaf;   /* CMPS, SCAS: REPE/REPNE */
    uint64_t step = (st->rflags & EMUL_FL_DF) ? (uint64_t)0 - size : size;
    unsigned max = c->max_reps ? c->max_reps : EMUL_DEFAULT_REPS;
    enum emul_rc rc;

    *done = true;
    if (rep && (st->rcx & amask) == 0)
        return EMUL_OK;                     /* zero count: nothing, not even a fault */
    for (unsigned i = 0; i < (rep ? max : 1u); i++) {
        uint64_t si = st->rsi & amask, di = st->rdi & amask, a = 0, b = 0;
        switch (op) {
        case 0xa4: case 0xa5:               /* MOVS: ES:[rDI] = seg:[rSI] */
            if ((rc = emul_mem_read(c, src_seg, si, &a, size, 0)) != EMUL_OK)
                return rc;
            if ((rc = emul_mem_write(c, EMUL_ES, di, &a, size)) != EMUL_OK)
                return rc;
            set_areg(&st->rsi, asize, si + step);
            set_areg(&st->rdi, asize, di + step);
            break;
        case 0xa6: case 0xa7:               /* CMPS: flags of seg:[rSI] - ES:[rDI] */
            if ((rc = emul_mem_read(c, src_seg, si, &a, size, 0)) != EMUL_OK)
                return rc;
            if ((rc = emul_mem_read(c, EMUL_ES, di, &b, size, 0)) != EMUL_OK)
                return rc;
            emul_alu(EMUL_ALU_CMP, a, b, size, &st->rflags);
            set_areg(&st->rsi, asize, si + step);
            set_areg(&st->rdi, asize, di + step);
            break;
        case 0xaa: case 0xab:               /* STOS: ES:[rDI] = rAX */
            a = emul_reg_read(st, in, 0, size);
            if ((rc = emul_mem_write(c, EMUL_ES, di, &a, size)) != EMUL_OK)
                return rc;
            set_areg(&st->rdi, asize, di + step);
            break;
        case 0xac: case 0xad:               /* LODS: rAX = seg:[rSI] */
            if ((rc = emul_mem_read(c, src_seg, si, &a, size, 0)) != EMUL_OK)
                return rc;
            emul_reg_write(st, in, 0, size, a);
            set_areg(&st->rsi, asize, si + step);
            break;
        default:                            /* SCAS: flags of rAX - ES:[rDI] */
            if ((rc = emul_mem_read(c, EMUL_ES, di, &b, size, 0)) != EMUL_OK)
                return rc;
            emul_alu(EMUL_ALU_CMP, emul_reg_read(st, in, 0, size), b, size, &st->rflags);
            set_areg(&st->rdi, asize, di + step);
            break;
        }
        if (!rep)
            return EMUL_OK;
        set_areg(&st->rcx, asize, (st->rcx & amask) - 1);
        c->regs = *st;                      /* this iteration is done, whatever comes next */
        if ((st->rcx & amask) == 0)
            return EMUL_OK;
        if (cond && (in->rep ? !(st->rflags & EMUL_FL_ZF) : (st->rflags & EMUL_FL_ZF)))
            return EMUL_OK;                 /* REPE stops on a difference, REPNE on a match */
    }
    *done = false;                          /* more to do: run the instruction again */
    return EMUL_OK;
}
