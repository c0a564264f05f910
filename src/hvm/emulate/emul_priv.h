/*
 * Internals of the instruction emulator shared by its files: the decoded
 * instruction, operand access and the flag arithmetic.  Not for users of
 * the emulator (they include x86_emulate.h only).
 */
#ifndef RV_HVM_EMULATE_EMUL_PRIV_H
#define RV_HVM_EMULATE_EMUL_PRIV_H

#include "hvm/emulate/x86_emulate.h"

/* One decoded instruction. */
struct emul_insn {
    uint8_t opsize;             /* operand size in bytes: 2, 4 or 8 */
    uint8_t addrsize;           /* address size in bytes: 2, 4 or 8 */
    uint8_t rex;                /* REX byte (0x40-0x4f) or 0 */
    int8_t seg_override;        /* enum emul_seg, or -1 */
    bool lock, rep, repne;      /* F0, F3, F2 */
    bool opsize_prefix;         /* 66 seen */
    bool twobyte;               /* 0F escape */
    uint8_t op;                 /* opcode byte (after 0F when twobyte) */
    uint8_t fpu;                /* enum emul_fpu_class: the CR0/CR4 checks it needs */
    uint8_t fpu_map;            /* VEX: the opcode map (1-3 valid) */
    uint8_t vex_prefixed;       /* VEX after a 66/F2/F3/F0/REX prefix: #UD */
    /* ModRM, when the opcode has one. */
    bool has_modrm;
    uint8_t mod, reg, rm;       /* reg and rm include REX.R / REX.B */
    bool mem;                   /* rm names memory */
    uint8_t ea_seg;             /* segment of the memory operand */
    uint64_t ea;                /* its offset, already wrapped to addrsize */
    bool sp_base;               /* rSP is the base register (POP adjusts the address) */
    uint64_t imm;               /* immediate, sign- or zero-extended per opcode */
    bool rip_set;               /* a jump set regs.rip to the target: no length to add */
    unsigned len;               /* bytes consumed so far */
};

/* A place an operand lives. */
struct emul_opnd {
    bool mem;
    uint8_t size;               /* bytes */
    uint8_t seg;                /* mem */
    uint64_t off;               /* mem: offset within seg */
    unsigned reg;               /* !mem: register number 0-15 */
    bool high8;                 /* !mem, size 1: AH/CH/DH/BH */
};

/* Instructions that touch the x87/MMX/SSE/AVX state, by the CR0/CR4/XCR0
 * checks the manuals give them (exec_event.c). */
enum emul_fpu_class {
    EMUL_FPU_NONE = 0,
    EMUL_FPU_X87,               /* D8-DF, FXSAVE/FXRSTOR: #NM if CR0.EM or CR0.TS */
    EMUL_FPU_WAIT,              /* 9B: #NM if CR0.TS and CR0.MP */
    EMUL_FPU_MMX,               /* 0F map, no 66/F2/F3: #UD if EM, #NM if TS */
    EMUL_FPU_SSE,               /* #UD if EM or !OSFXSR, #NM if TS */
    EMUL_FPU_VEX,               /* #UD if !OSXSAVE or XCR0 lacks SSE|YMM, #NM if TS */
};

/* decode.c */
enum emul_rc emul_decode(struct emul_ctx *c, struct guest_regs *st, struct emul_insn *in);
enum emul_rc emul_fetch_imm(struct emul_ctx *c, struct emul_insn *in, unsigned size, bool sign, uint64_t *out);
enum emul_rc emul_unhandled_insn(struct emul_ctx *c, const char *what);
uint64_t emul_addr_mask(unsigned addrsize);

/* access.c: segmentation and operands. */
enum emul_rc emul_linear(struct emul_ctx *c, unsigned seg, uint64_t off, unsigned size, bool write,
                         uint64_t *la);
enum emul_rc emul_mem_read(struct emul_ctx *c, unsigned seg, uint64_t off, void *buf, unsigned size,
                           unsigned acc);
enum emul_rc emul_mem_write(struct emul_ctx *c, unsigned seg, uint64_t off, const void *buf, unsigned size);
enum emul_rc emul_opnd_read(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in,
                            const struct emul_opnd *o, uint64_t *val, bool rmw);
enum emul_rc emul_opnd_write(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in,
                             const struct emul_opnd *o, uint64_t val);
uint64_t emul_reg_read(const struct guest_regs *st, const struct emul_insn *in, unsigned reg, unsigned size);
void emul_reg_write(struct guest_regs *st, const struct emul_insn *in, unsigned reg, unsigned size, uint64_t v);
/* The r/m operand and the reg operand of in, of the given size. */
struct emul_opnd emul_opnd_rm(const struct emul_insn *in, unsigned size);
struct emul_opnd emul_opnd_reg(unsigned reg, const struct emul_insn *in, unsigned size);

/* alu.c: the flag-setting arithmetic (SDM vol. 1, appendix A; vol. 2 per
 * instruction).  op: 0-7 in the ALU-group order, or one of EMUL_ALU_*. */
enum { EMUL_ALU_ADD, EMUL_ALU_OR, EMUL_ALU_ADC, EMUL_ALU_SBB, EMUL_ALU_AND, EMUL_ALU_SUB, EMUL_ALU_XOR,
       EMUL_ALU_CMP, EMUL_ALU_TEST, EMUL_ALU_INC, EMUL_ALU_DEC, EMUL_ALU_NEG };
uint64_t emul_alu(unsigned op, uint64_t a, uint64_t b, unsigned size, uint64_t *rflags);
bool emul_cond(unsigned cc, uint64_t rflags);
uint64_t emul_size_mask(unsigned size);

/* exec_event.c: INT n / INT3 / INTO / INT1, and the FPU-class checks. */
enum emul_rc emul_soft_event(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in);
enum emul_rc emul_fpu_checks(struct emul_ctx *c, const struct emul_insn *in);

/* exec_sys.c: 0F 00 and 0F 01 groups, MOV from CR. */
enum emul_rc emul_group6(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in);
enum emul_rc emul_group7(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in);
enum emul_rc emul_mov_from_cr(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in);

/* exec.c: the stack's address size (SS.B) and an SP update at it. */
unsigned emul_stack_size(const struct emul_ctx *c);
void emul_set_sp(struct guest_regs *st, unsigned ssize, uint64_t sp);

/* exec_flow.c: control flow, stack, flags, segment loads (real mode, or
 * c->flow). */
bool emul_flow_allowed(const struct emul_ctx *c);
enum emul_rc emul_flow_onebyte(struct emul_ctx *c, struct guest_regs *st, struct emul_insn *in);
enum emul_rc emul_flow_twobyte(struct emul_ctx *c, struct guest_regs *st, struct emul_insn *in);

/* exec_arith.c: shifts/rotates, MUL/IMUL/DIV/IDIV, BCD adjusts (real mode
 * or c->flow, like exec_flow.c).  emul_shift: group 2 op kind (ModRM.reg)
 * on d, the flags in *rflags. */
bool emul_arith_op(const struct emul_insn *in);
enum emul_rc emul_arith(struct emul_ctx *c, struct guest_regs *st, const struct emul_insn *in);
uint64_t emul_shift(unsigned kind, uint64_t d, unsigned count, unsigned size, uint64_t *rflags);

/* string.c */
enum emul_rc emul_string(struct emul_ctx *c, struct guest_regs *st, struct emul_insn *in, bool *done);

#endif
