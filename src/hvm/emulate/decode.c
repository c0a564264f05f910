/*
 * Instruction decoding: fetch from CS:RIP, prefixes, REX, opcode, ModRM/SIB
 * with displacement (16-bit, 32-bit, 64-bit and RIP-relative forms) and the
 * immediate.  Formats: Intel SDM vol. 2, chapter 2 (2.1 instruction format,
 * 2.2.1 REX, tables 2-1 to 2-3 for the addressing forms) and AMD APM vol. 3,
 * chapter 1.
 *
 * Bytes are fetched lazily and never past what the instruction needs beyond
 * the current page: an instruction that ends inside the first page must not
 * fault on the next one (SDM vol. 3, 6.15 #PF: the fault is for the bytes
 * actually fetched).
 */
#include <stdarg.h>

#include "hvm/emulate/emul_priv.h"
#include "lib/fmt.h"
#include "lib/string.h"

/* Opcode properties (only what decoding needs). */
#define D_MODRM     0x01u
#define D_IMM8      0x02u
#define D_IMMZ      0x04u       /* 16 or 32 bits by operand size (32 sign-extended for 64) */
#define D_MOFFS     0x08u       /* an address-size offset */
#define D_GRP3      0x10u       /* F6/F7: immediate only for /0 and /1 (TEST) */
#define D_IMMV      0x20u       /* operand-size immediate, 8 bytes with REX.W (MOV r, imm) */
#define D_MODRM_REG 0x40u       /* ModRM whose mod is ignored: always a register (MOV CR) */
#define D_KNOWN     0x80u

static uint8_t onebyte_props(uint8_t op, unsigned mode)
{
    if (op < 0x40) {
        unsigned lo = op & 7;
        if (lo < 4)
            return D_KNOWN | D_MODRM;
        if (lo == 4)
            return D_KNOWN | D_IMM8;
        if (lo == 5)
            return D_KNOWN | D_IMMZ;
        if (op < 0x20 && op != 0x0f)
            return mode == 64 ? 0 : D_KNOWN;           /* PUSH/POP ES, CS, SS, DS (exec_flow.c) */
        if (lo == 7 && op >= 0x20)
            return mode == 64 ? 0 : D_KNOWN;           /* DAA, DAS, AAA, AAS (exec_arith.c) */
        return 0;           /* prefixes */
    }
    if (op < 0x60)
        return D_KNOWN;                                 /* INC/DEC/PUSH/POP r (REX in 64-bit mode) */
    if (op >= 0x70 && op <= 0x7f)
        return D_KNOWN | D_IMM8;                        /* Jcc rel8 */
    switch (op) {
    case 0x63:
        return mode == 64 ? D_KNOWN | D_MODRM : 0;     /* MOVSXD; ARPL elsewhere */
    case 0x60: case 0x61:                               /* PUSHA / POPA (exec_flow.c) */
        return mode == 64 ? 0 : D_KNOWN;
    case 0x69:                                          /* IMUL Gv, Ev, Iz (exec_arith.c) */
        return D_KNOWN | D_MODRM | D_IMMZ;
    case 0x6b:                                          /* IMUL Gv, Ev, Ib */
        return D_KNOWN | D_MODRM | D_IMM8;
    case 0xc0: case 0xc1:                               /* shift group 2, imm8 */
        return D_KNOWN | D_MODRM | D_IMM8;
    case 0xd0: case 0xd1: case 0xd2: case 0xd3:         /* shift group 2, by 1 / CL */
        return D_KNOWN | D_MODRM;
    case 0xd4: case 0xd5:                               /* AAM / AAD imm8 */
        return mode == 64 ? 0 : D_KNOWN | D_IMM8;
    case 0xc4: case 0xc5:                               /* LES / LDS (not VEX: see vex()) */
        return mode == 64 ? 0 : D_KNOWN | D_MODRM;
    case 0xc8:                                          /* ENTER imm16, imm8: fetched in exec_flow.c */
    case 0xc9:                                          /* LEAVE */
        return D_KNOWN;
    case 0x80: case 0x83:
        return D_KNOWN | D_MODRM | D_IMM8;
    case 0x82:
        return mode == 64 ? 0 : D_KNOWN | D_MODRM | D_IMM8;
    case 0x81:
        return D_KNOWN | D_MODRM | D_IMMZ;
    case 0x84: case 0x85: case 0x86: case 0x87: case 0x88: case 0x89: case 0x8a: case 0x8b:
    case 0x8c: case 0x8d: case 0x8e: case 0x8f: case 0xfe: case 0xff:
        return D_KNOWN | D_MODRM;
    /* Control flow, stack, flags (exec_flow.c; far pointers and RET's
     * imm16 are fetched there). */
    case 0x68: case 0xe8: case 0xe9:
        return D_KNOWN | D_IMMZ;
    case 0x6a: case 0xe0: case 0xe1: case 0xe2: case 0xe3: case 0xeb:
        return D_KNOWN | D_IMM8;
    case 0x90: case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97: case 0x98:
    case 0x99: case 0x9a: case 0x9c: case 0x9d: case 0x9e: case 0x9f: case 0xc2: case 0xc3: case 0xca:
    case 0xcb: case 0xcf: case 0xea: case 0xf5: case 0xf8: case 0xf9: case 0xfa: case 0xfb: case 0xfc:
    case 0xfd:
        return D_KNOWN;
    case 0xa0: case 0xa1: case 0xa2: case 0xa3:
        return D_KNOWN | D_MOFFS;
    case 0xa4: case 0xa5: case 0xa6: case 0xa7: case 0xaa: case 0xab: case 0xac: case 0xad:
    case 0xae: case 0xaf:
        return D_KNOWN;
    case 0xa8:
        return D_KNOWN | D_IMM8;
    case 0xa9:
        return D_KNOWN | D_IMMZ;
    case 0xb0: case 0xb1: case 0xb2: case 0xb3: case 0xb4: case 0xb5: case 0xb6: case 0xb7:
        return D_KNOWN | D_IMM8;                        /* MOV r8, imm8 */
    case 0xb8: case 0xb9: case 0xba: case 0xbb: case 0xbc: case 0xbd: case 0xbe: case 0xbf:
        return D_KNOWN | D_IMMV;                        /* MOV r, imm16/32/64 */
    case 0xc6:
        return D_KNOWN | D_MODRM | D_IMM8;
    case 0xc7:
        return D_KNOWN | D_MODRM | D_IMMZ;
    case 0xf6: case 0xf7:
        return D_KNOWN | D_MODRM | D_GRP3;
    case 0x9b: case 0xcc: case 0xce: case 0xf1:         /* WAIT, INT3, INTO, INT1 */
        return D_KNOWN;
    case 0xcd:                                          /* INT imm8 */
        return D_KNOWN | D_IMM8;
    case 0xd8: case 0xd9: case 0xda: case 0xdb: case 0xdc: case 0xdd: case 0xde: case 0xdf:
        return D_KNOWN | D_MODRM;                       /* x87 escapes */
    default:
        return 0;
    }
}

/*
 * MMX/SSE instructions of the 0F map (SDM vol. 2, appendix A, table A-3):
 * their class for the CR0/CR4 checks, EMUL_FPU_NONE if op is not one.
 * mand: a 66, F2 or F3 prefix, which selects the SSE form of the MMX
 * opcodes.  The 0F 38 and 0F 3A maps are not decoded (unsupported).
 */
static unsigned simd_class(uint8_t op, bool mand)
{
    if ((op >= 0x10 && op <= 0x17) || (op >= 0x28 && op <= 0x2f) || (op >= 0x50 && op <= 0x5f) ||
        op == 0xc2 || op == 0xc6)
        return EMUL_FPU_SSE;
    if ((op >= 0x60 && op <= 0x77) || op == 0x7e || op == 0x7f || op == 0xc4 || op == 0xc5 ||
        (op >= 0xd0 && op <= 0xfe)) {
        if (mand)
            return EMUL_FPU_SSE;
        /* No MMX form: invalid without a prefix (SSE3/SSE2-only opcodes). */
        if (op == 0xd0 || op == 0xd6 || op == 0xe6 || op == 0xf0)
            return EMUL_FPU_NONE;
        return EMUL_FPU_MMX;
    }
    return EMUL_FPU_NONE;
}

static uint8_t twobyte_props(uint8_t op, bool mand)
{
    if (op >= 0x90 && op <= 0x9f)               /* SETcc */
        return D_KNOWN | D_MODRM;
    if (op >= 0x80 && op <= 0x8f)               /* Jcc rel16/32 (exec_flow.c) */
        return D_KNOWN | D_IMMZ;
    if (op == 0x77)                             /* EMMS: no ModRM */
        return mand ? 0 : D_KNOWN;
    if (simd_class(op, mand) != EMUL_FPU_NONE)
        return D_KNOWN | D_MODRM | ((op >= 0x70 && op <= 0x73) || (op >= 0xc2 && op <= 0xc6) ? D_IMM8 : 0);
    switch (op) {
    case 0xa3: case 0xab: case 0xb3: case 0xbb: /* BT/BTS/BTR/BTC Ev,Gv */
    case 0xaf:                                  /* IMUL Gv, Ev (exec_arith.c) */
    case 0xb0: case 0xb1:                       /* CMPXCHG */
    case 0xb6: case 0xb7: case 0xbe: case 0xbf: /* MOVZX/MOVSX */
    case 0xc0: case 0xc1:                       /* XADD */
    case 0xc3:                                  /* MOVNTI */
    case 0xc7:                                  /* CMPXCHG8B/16B */
    case 0xb2: case 0xb4: case 0xb5:            /* LSS/LFS/LGS (exec_flow.c) */
        return D_KNOWN | D_MODRM;
    case 0xa0: case 0xa1: case 0xa8: case 0xa9: /* PUSH/POP FS/GS (exec_flow.c) */
        return D_KNOWN;
    case 0xba:                                  /* BT group, imm8 */
        return D_KNOWN | D_MODRM | D_IMM8;
    case 0xae:                                  /* group 15: FXSAVE, LDMXCSR, ..., fences */
    case 0x00: case 0x01:                       /* groups 6 and 7: SLDT ... LTR, SGDT ... SMSW */
        return D_KNOWN | D_MODRM;
    case 0x20:                                  /* MOV r, CRn */
        return D_KNOWN | D_MODRM | D_MODRM_REG;
    default:
        return 0;
    }
}

unsigned emul_mode(uint64_t cr0, uint64_t efer, uint64_t rflags, uint16_t cs_attr)
{
    if ((efer & (1u << 10)) && (cs_attr & EMUL_SEG_L))     /* EFER.LMA, CS.L */
        return 64;
    (void)cr0;                                             /* real mode: CS.D as cached */
    if (rflags & EMUL_FL_VM)                               /* VM86: always 16-bit */
        return 16;
    return (cs_attr & EMUL_SEG_DB) ? 32 : 16;
}

uint64_t emul_addr_mask(unsigned addrsize)
{
    return emul_size_mask(addrsize);
}

enum emul_rc emul_raise(struct emul_ctx *c, uint8_t vector, bool has_err, uint32_t err)
{
    c->exc.vector = vector;
    c->exc.has_err = has_err;
    c->exc.err = err;
    c->exc.has_cr2 = false;
    c->exc.cr2 = 0;
    return EMUL_EXCEPTION;
}

enum emul_rc emul_raise_pf(struct emul_ctx *c, uint64_t cr2, uint32_t pfec)
{
    emul_raise(c, EMUL_EXC_PF, true, pfec);
    c->exc.has_cr2 = true;
    c->exc.cr2 = cr2;
    return EMUL_EXCEPTION;
}

enum emul_rc emul_fail(struct emul_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
    va_end(ap);
    return EMUL_UNHANDLEABLE;
}

/* "unsupported instruction" with the bytes we have, for the crash log. */
enum emul_rc emul_unhandled_insn(struct emul_ctx *c, const char *what)
{
    char hex[3 * 16 + 1];
    unsigned n = 0;
    for (unsigned i = 0; i < c->insn_fetched && i < 16; i++)
        n += (unsigned)fmt_snprintf(hex + n, sizeof(hex) - n, "%s%02x", i ? " " : "", c->insn[i]);
    hex[n] = 0;
    return emul_fail(c, "%s at rip %#llx (%u-bit code), bytes from rip: %s", what,
                     (unsigned long long)c->regs.rip, c->mode, n ? hex : "(none)");
}

/*
 * Makes the instruction bytes [0, need) available.  A fetch reads to the end
 * of the page in one go (the page is present: the byte at RIP is) but not
 * beyond, nor beyond the CS limit or the 15-byte maximum.
 */
static enum emul_rc fetch_upto(struct emul_ctx *c, unsigned need)
{
    if (need > EMUL_MAX_INSN_LEN)
        return emul_raise(c, EMUL_EXC_GP, true, 0);     /* SDM vol. 2, 2.3.11: over 15 bytes is #GP */
    while (c->insn_fetched < need) {
        unsigned start = c->insn_fetched, avail;
        uint64_t la;
        if (c->mode == 64) {
            la = c->regs.rip + start;
            /* A non-canonical RIP is #GP (SDM vol. 1, 3.3.7.1). */
            if ((uint64_t)((int64_t)(la << 16) >> 16) != la)
                return emul_raise(c, EMUL_EXC_GP, true, 0);
            avail = EMUL_MAX_INSN_LEN - start;
        } else {
            const struct emul_segment *cs = &c->seg[EMUL_CS];
            uint64_t off = (c->regs.rip & 0xffffffffull) + start;
            if (off > cs->limit)
                return emul_raise(c, EMUL_EXC_GP, true, 0);
            avail = (unsigned)MIN((uint64_t)(EMUL_MAX_INSN_LEN - start), (uint64_t)cs->limit - off + 1);
            la = (cs->base + off) & 0xffffffffull;
        }
        avail = MIN(avail, 4096u - (unsigned)(la & 4095));
        /* Only what is needed from a new page: never touch it speculatively. */
        if (start > 0 && (la & 4095) == 0)
            avail = MIN(avail, need - start);
        enum emul_rc rc = c->ops->read(c, la, c->insn + start, avail, EMUL_ACC_FETCH);
        if (rc != EMUL_OK)
            return rc;
        c->insn_fetched = start + avail;
    }
    return EMUL_OK;
}

static enum emul_rc fetch_bytes(struct emul_ctx *c, struct emul_insn *in, unsigned n, uint64_t *out)
{
    enum emul_rc rc = fetch_upto(c, in->len + n);
    if (rc != EMUL_OK)
        return rc;
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)c->insn[in->len + i] << (8 * i);
    in->len += n;
    *out = v;
    return EMUL_OK;
}

enum emul_rc emul_fetch_imm(struct emul_ctx *c, struct emul_insn *in, unsigned size, bool sign, uint64_t *out)
{
    enum emul_rc rc = fetch_bytes(c, in, size, out);
    if (rc == EMUL_OK && sign && size < 8) {
        unsigned sh = 64 - 8 * size;
        *out = (uint64_t)((int64_t)(*out << sh) >> sh);
    }
    return rc;
}

/* ModRM with 16-bit addressing (SDM vol. 2, table 2-1). */
static enum emul_rc modrm16(struct emul_ctx *c, struct guest_regs *st, struct emul_insn *in)
{
    static const uint8_t base[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };     /* BX BX BP BP SI DI BP BX */
    static const int8_t index[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };  /* SI DI SI DI */
    unsigned rm = in->rm & 7;
    uint64_t disp = 0, ea = 0;
    enum emul_rc rc = EMUL_OK;

    if (in->mod == 0 && rm == 6) {
        rc = emul_fetch_imm(c, in, 2, false, &disp);
        in->ea_seg = EMUL_DS;
    } else {
        struct guest_regs *r = st;
        ea = *guest_gpr(r, base[rm]);
        if (index[rm] >= 0)
            ea += *guest_gpr(r, (unsigned)index[rm]);
        in->ea_seg = base[rm] == 5 ? EMUL_SS : EMUL_DS;     /* BP-based: SS */
        if (in->mod == 1)
            rc = emul_fetch_imm(c, in, 1, true, &disp);
        else if (in->mod == 2)
            rc = emul_fetch_imm(c, in, 2, false, &disp);
    }
    in->ea = (ea + disp) & 0xffff;
    return rc;
}

/* ModRM/SIB with 32- or 64-bit addressing (SDM vol. 2, tables 2-2, 2-3;
 * 2.2.1.6 for RIP-relative).  *riprel: the displacement is relative to the
 * next instruction, added once the length is known. */
static enum emul_rc modrm32(struct emul_ctx *c, struct guest_regs *st, struct emul_insn *in, bool *riprel)
{
    struct guest_regs *r = st;
    uint64_t ea = 0, disp = 0, v;
    enum emul_rc rc;
    unsigned rm = in->rm & 7;

    in->ea_seg = EMUL_DS;
    if (rm == 4) {
        if ((rc = fetch_bytes(c, in, 1, &v)) != EMUL_OK)
            return rc;
        unsigned scale = (unsigned)(v >> 6) & 3;
        unsigned idx = ((unsigned)(v >> 3) & 7) | ((in->rex & 2) ? 8 : 0);
        unsigned b = ((unsigned)v & 7) | ((in->rex & 1) ? 8 : 0);
        if (idx != 4)                                   /* index 100b without REX.X: none */
            ea = *guest_gpr(r, idx) << scale;
        if ((b & 7) == 5 && in->mod == 0) {
            if ((rc = emul_fetch_imm(c, in, 4, true, &disp)) != EMUL_OK)
                return rc;
        } else {
            ea += *guest_gpr(r, b);
            if (b == 4 || b == 5)
                in->ea_seg = EMUL_SS;                   /* rSP/rBP base: stack segment */
            in->sp_base = b == 4;
        }
    } else if (rm == 5 && in->mod == 0) {
        if ((rc = emul_fetch_imm(c, in, 4, true, &disp)) != EMUL_OK)
            return rc;
        *riprel = c->mode == 64;
    } else {
        ea = *guest_gpr(r, in->rm);
        if (in->rm == 5)
            in->ea_seg = EMUL_SS;
    }
    if (in->mod == 1)
        rc = emul_fetch_imm(c, in, 1, true, &disp);
    else if (in->mod == 2)
        rc = emul_fetch_imm(c, in, 4, true, &disp);
    else
        rc = EMUL_OK;
    in->ea = ea + disp;
    return rc;
}

/*
 * C4/C5: a VEX prefix (SDM vol. 2, 2.3) in 64-bit mode, and elsewhere when
 * the next byte has its top two bits set (otherwise LES/LDS, exec_flow.c:
 * EMUL_UNHANDLEABLE here, nothing consumed).  Decodes the VEX fields,
 * the opcode and what follows it (ModRM/SIB/displacement, the immediate of
 * map 0F 3A and of the 0F-map opcodes that have one), so that a fault
 * fetching those bytes comes before the #UD/#NM (SDM vol. 3, 6.9).  The
 * instruction is not executed: its class is EMUL_FPU_VEX.
 */
static enum emul_rc vex(struct emul_ctx *c, struct emul_insn *in, uint8_t b0, uint8_t *props)
{
    enum emul_rc rc;
    uint64_t b1, b2 = 0, op;
    unsigned map = 1;

    if ((rc = fetch_upto(c, in->len + 1)) != EMUL_OK)
        return rc;
    b1 = c->insn[in->len];
    if (c->mode != 64 && (b1 & 0xc0) != 0xc0)
        return EMUL_UNHANDLEABLE;
    in->len++;
    in->vex_prefixed = in->rex || in->opsize_prefix || in->rep || in->repne || in->lock;
    in->lock = false;                           /* not lockable: reported as the prefix #UD */
    uint8_t rex = 0x40 | ((b1 & 0x80) ? 0 : 4);
    if (b0 == 0xc4) {
        if ((rc = fetch_bytes(c, in, 1, &b2)) != EMUL_OK)
            return rc;
        map = (unsigned)b1 & 0x1f;
        rex |= ((b1 & 0x40) ? 0 : 2) | ((b1 & 0x20) ? 0 : 1) | ((b2 & 0x80) ? 8 : 0);
    }
    in->rex = c->mode == 64 ? rex : 0;          /* outside 64-bit mode R/X/B/W select nothing */
    if ((rc = fetch_bytes(c, in, 1, &op)) != EMUL_OK)
        return rc;
    in->op = (uint8_t)op;
    in->twobyte = true;
    in->fpu = EMUL_FPU_VEX;
    if (map == 1 && op == 0x77)
        *props = D_KNOWN;                       /* VZEROUPPER / VZEROALL */
    else if (map == 1)
        *props = D_KNOWN | D_MODRM | ((op >= 0x70 && op <= 0x73) || (op >= 0xc2 && op <= 0xc6) ? D_IMM8 : 0);
    else if (map == 2)
        *props = D_KNOWN | D_MODRM;
    else if (map == 3)
        *props = D_KNOWN | D_MODRM | D_IMM8;
    else
        *props = D_KNOWN;                       /* a reserved map: #UD without more bytes */
    in->fpu_map = (uint8_t)map;
    return EMUL_OK;
}

enum emul_rc emul_decode(struct emul_ctx *c, struct guest_regs *st, struct emul_insn *in)
{
    enum emul_rc rc;
    uint64_t b;
    bool riprel = false;
    uint8_t props;

    memset(in, 0, sizeof(*in));
    in->seg_override = -1;
    unsigned def = c->mode == 64 ? 4 : c->mode / 8;
    in->opsize = (uint8_t)def;
    in->addrsize = (uint8_t)(c->mode / 8);

    /* Prefixes (SDM vol. 2, 2.1.1); REX counts only right before the opcode. */
    for (;;) {
        if ((rc = fetch_bytes(c, in, 1, &b)) != EMUL_OK)
            return rc;
        switch (b) {
        case 0x66: in->opsize_prefix = true; in->rex = 0; continue;
        case 0x67: in->addrsize = (uint8_t)(c->mode == 64 ? 4 : (c->mode == 32 ? 2 : 4)); in->rex = 0; continue;
        case 0x26: in->seg_override = EMUL_ES; in->rex = 0; continue;
        case 0x2e: in->seg_override = EMUL_CS; in->rex = 0; continue;
        case 0x36: in->seg_override = EMUL_SS; in->rex = 0; continue;
        case 0x3e: in->seg_override = EMUL_DS; in->rex = 0; continue;
        case 0x64: in->seg_override = EMUL_FS; in->rex = 0; continue;
        case 0x65: in->seg_override = EMUL_GS; in->rex = 0; continue;
        case 0xf0: in->lock = true; in->rex = 0; continue;
        case 0xf2: in->repne = true; in->rep = false; in->rex = 0; continue;
        case 0xf3: in->rep = true; in->repne = false; in->rex = 0; continue;
        default: break;
        }
        if (c->mode == 64 && (b & 0xf0) == 0x40) {
            in->rex = (uint8_t)b;
            continue;
        }
        break;
    }
    if (in->opsize_prefix)
        in->opsize = def == 2 ? 4 : 2;
    if (in->rex & 8)
        in->opsize = 8;                                 /* REX.W beats 66 */
    /* In 64-bit mode only FS and GS overrides do anything (SDM vol. 1, 3.3.7.1). */
    if (c->mode == 64 && in->seg_override >= 0 && in->seg_override < EMUL_FS)
        in->seg_override = -1;

    bool mand = in->opsize_prefix || in->rep || in->repne;
    if ((b == 0xc4 || b == 0xc5) && (rc = vex(c, in, (uint8_t)b, &props)) != EMUL_UNHANDLEABLE) {
        if (rc != EMUL_OK)
            return rc;
    } else if (b == 0x0f) {
        in->twobyte = true;
        if ((rc = fetch_bytes(c, in, 1, &b)) != EMUL_OK)
            return rc;
        in->op = (uint8_t)b;
        props = twobyte_props(in->op, mand);
        in->fpu = (uint8_t)simd_class(in->op, mand);
        if (in->op == 0x77 && !mand)
            in->fpu = EMUL_FPU_MMX;
    } else {
        in->op = (uint8_t)b;
        props = onebyte_props(in->op, c->mode);
        if (in->op >= 0xd8 && in->op <= 0xdf)
            in->fpu = EMUL_FPU_X87;
        else if (in->op == 0x9b)
            in->fpu = EMUL_FPU_WAIT;
    }
    if (!(props & D_KNOWN)) {
        fetch_upto(c, MIN(in->len + 8, EMUL_MAX_INSN_LEN));     /* more bytes for the log, if they are there */
        return emul_unhandled_insn(c, "unsupported instruction");
    }

    if (props & D_MODRM) {
        if ((rc = fetch_bytes(c, in, 1, &b)) != EMUL_OK)
            return rc;
        in->has_modrm = true;
        in->mod = (uint8_t)(b >> 6);
        in->reg = (uint8_t)(((b >> 3) & 7) | ((in->rex & 4) ? 8 : 0));
        in->rm = (uint8_t)((b & 7) | ((in->rex & 1) ? 8 : 0));
        in->mem = in->mod != 3 && !(props & D_MODRM_REG);
        if (in->mem) {
            rc = in->addrsize == 2 ? modrm16(c, st, in) : modrm32(c, st, in, &riprel);
            if (rc != EMUL_OK)
                return rc;
        }
    }

    unsigned immsize = 0;
    if (props & D_IMM8)
        immsize = 1;
    if ((props & D_IMMZ) || ((props & D_GRP3) && (in->reg & 7) < 2))
        immsize = (props & D_GRP3) && !(in->op & 1) ? 1 : (in->opsize == 2 ? 2 : 4);
    if (props & D_IMMV)
        immsize = in->opsize;
    if (immsize && (rc = emul_fetch_imm(c, in, immsize, true, &in->imm)) != EMUL_OK)
        return rc;
    if (props & D_MOFFS) {
        if ((rc = emul_fetch_imm(c, in, in->addrsize, false, &in->ea)) != EMUL_OK)
            return rc;
        in->mem = true;
        in->ea_seg = EMUL_DS;
    }
    if (riprel)
        in->ea += c->regs.rip + in->len;
    in->ea &= emul_addr_mask(in->addrsize);
    if (in->seg_override >= 0)
        in->ea_seg = (uint8_t)in->seg_override;
    c->insn_len = in->len;
    return EMUL_OK;
}
