/*
 * Flag arithmetic of the emulated ALU instructions.  Each result is computed
 * at the operand width; the six status flags follow the definitions in the
 * SDM (vol. 1, 3.4.3.1 and appendix A; vol. 2 per instruction):
 *   CF  unsigned carry out of / borrow into the top bit
 *   OF  signed overflow: the result's sign cannot be right
 *   AF  carry / borrow between bits 3 and 4 (for BCD adjust)
 *   ZF, SF, PF  zero, top bit, even parity of the low byte.
 * Where the SDM leaves a flag undefined (AF after AND/OR/XOR/TEST) we clear
 * it, which is what current Intel and AMD parts do.
 */
#include "hvm/emulate/emul_priv.h"

uint64_t emul_size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static bool parity_even(uint8_t b)
{
    b ^= b >> 4;
    b ^= b >> 2;
    b ^= b >> 1;
    return !(b & 1);
}

uint64_t emul_alu(unsigned op, uint64_t a, uint64_t b, unsigned size, uint64_t *rflags)
{
    uint64_t mask = emul_size_mask(size), sign = 1ull << (8 * size - 1);
    uint64_t fl = *rflags, r;
    bool cin = fl & EMUL_FL_CF, cf = false, of = false, af = false;

    a &= mask;
    b &= mask;
    switch (op) {
    case EMUL_ALU_ADC:
    case EMUL_ALU_ADD:
    case EMUL_ALU_INC:
        if (op != EMUL_ALU_ADC)
            cin = false;
        if (op == EMUL_ALU_INC)
            b = 1;
        r = (a + b + cin) & mask;
        /* Modulo 2^n, a carry happened exactly when the sum wrapped below a. */
        cf = cin ? r <= a : r < a;
        of = (a ^ r) & (b ^ r) & sign;
        af = (a ^ b ^ r) & 0x10;
        if (op == EMUL_ALU_INC)
            cf = fl & EMUL_FL_CF;       /* INC leaves CF alone */
        break;
    case EMUL_ALU_SBB:
    case EMUL_ALU_SUB:
    case EMUL_ALU_CMP:
    case EMUL_ALU_DEC:
    case EMUL_ALU_NEG:
        if (op != EMUL_ALU_SBB)
            cin = false;
        if (op == EMUL_ALU_DEC)
            b = 1;
        if (op == EMUL_ALU_NEG) {       /* NEG x = 0 - x */
            b = a;
            a = 0;
        }
        r = (a - b - cin) & mask;
        cf = cin ? a <= b : a < b;      /* borrow: a < b + cin, without overflowing */
        of = (a ^ b) & (a ^ r) & sign;
        af = (a ^ b ^ r) & 0x10;
        if (op == EMUL_ALU_DEC)
            cf = fl & EMUL_FL_CF;       /* DEC leaves CF alone */
        break;
    case EMUL_ALU_OR:
        r = a | b;
        break;
    case EMUL_ALU_AND:
    case EMUL_ALU_TEST:
        r = a & b;
        break;
    case EMUL_ALU_XOR:
    default:
        r = a ^ b;
        break;
    }
    fl &= ~(uint64_t)EMUL_FL_ARITH;
    if (cf)
        fl |= EMUL_FL_CF;
    if (of)
        fl |= EMUL_FL_OF;
    if (af)
        fl |= EMUL_FL_AF;
    if (r == 0)
        fl |= EMUL_FL_ZF;
    if (r & sign)
        fl |= EMUL_FL_SF;
    if (parity_even((uint8_t)r))
        fl |= EMUL_FL_PF;
    *rflags = fl;
    return r;
}

/* Condition codes of Jcc/SETcc/CMOVcc (SDM vol. 1, appendix B). */
bool emul_cond(unsigned cc, uint64_t fl)
{
    bool cf = fl & EMUL_FL_CF, zf = fl & EMUL_FL_ZF, sf = fl & EMUL_FL_SF, of = fl & EMUL_FL_OF;
    bool pf = fl & EMUL_FL_PF, r;

    switch ((cc >> 1) & 7) {
    case 0: r = of; break;                  /* O */
    case 1: r = cf; break;                  /* B/C */
    case 2: r = zf; break;                  /* Z */
    case 3: r = cf || zf; break;            /* BE */
    case 4: r = sf; break;                  /* S */
    case 5: r = pf; break;                  /* P */
    case 6: r = sf != of; break;            /* L */
    default: r = zf || sf != of; break;     /* LE */
    }
    return (cc & 1) ? !r : r;
}
