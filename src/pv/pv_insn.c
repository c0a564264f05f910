/*
 * Decoder of the privileged instructions a 64-bit PV kernel executes
 * (pv_insn.h).  Every byte is guest-controlled: the decoder reads at most
 * 'avail' bytes and at most 15, and anything it does not know exactly is
 * PVI_NONE, so the fault the instruction raised goes back to the guest.
 */
#include "pv/pv_insn.h"
#include "pv/pv_emul.h"
#include "public/arch-x86_64.h"
#include "lib/errno.h"

#include <stddef.h>

#define MAX_LEN 15u

static const char *const names[PVI_NR] = {
    [PVI_NONE] = "none", [PVI_CPUID] = "cpuid", [PVI_FORCED_CPUID] = "forced-cpuid",
    [PVI_RDMSR] = "rdmsr", [PVI_WRMSR] = "wrmsr", [PVI_IN] = "in", [PVI_OUT] = "out",
    [PVI_INS] = "ins", [PVI_OUTS] = "outs", [PVI_MOV_FROM_CR] = "mov-from-cr",
    [PVI_MOV_TO_CR] = "mov-to-cr", [PVI_MOV_FROM_DR] = "mov-from-dr", [PVI_MOV_TO_DR] = "mov-to-dr",
    [PVI_CLTS] = "clts", [PVI_INVD] = "invd", [PVI_WBINVD] = "wbinvd", [PVI_HLT] = "hlt",
    [PVI_CLI] = "cli", [PVI_STI] = "sti", [PVI_RDTSC] = "rdtsc", [PVI_RDTSCP] = "rdtscp",
    [PVI_RDPMC] = "rdpmc", [PVI_INVLPG] = "invlpg",
};

const char *pv_insn_name(unsigned op)
{
    return op < PVI_NR && names[op] ? names[op] : "?";
}

/* A memory operand (ModRM at b[*i], 64-bit addressing rules, REX.B/X
 * extending base/index): fills o's mem_* and moves *i past it.  false if
 * it is a register operand or runs past 'avail'. */
static bool mem_operand(const uint8_t *b, unsigned avail, unsigned *i, unsigned rex, struct pv_insn *o)
{
    if (*i >= avail)
        return false;
    uint8_t m = b[(*i)++], mod = m >> 6, rm = m & 7;
    unsigned disp_len = mod == 1 ? 1 : mod == 2 ? 4 : 0;

    if (mod == 3)
        return false;
    o->mem_base = (uint8_t)(rm | ((rex & 1) ? 8 : 0));
    o->mem_index = PV_NO_REG;
    o->mem_scale = 1;
    if (rm == 4) {
        /* SIB: index 4 (without REX.X) is none; base 5 with mod 0 is a
         * 32-bit displacement without a base. */
        if (*i >= avail)
            return false;
        uint8_t sib = b[(*i)++];
        unsigned idx = ((sib >> 3) & 7) | ((rex & 2) ? 8 : 0);
        o->mem_scale = (uint8_t)(1u << (sib >> 6));
        o->mem_index = idx == 4 ? PV_NO_REG : (uint8_t)idx;
        o->mem_base = (uint8_t)((sib & 7) | ((rex & 1) ? 8 : 0));
        if ((sib & 7) == 5 && mod == 0) {
            o->mem_base = PV_NO_REG;
            disp_len = 4;
        }
    } else if (rm == 5 && mod == 0) {
        o->mem_base = PV_NO_REG;
        o->mem_riprel = true;
        disp_len = 4;
    }
    if (*i + disp_len > avail)
        return false;
    if (disp_len == 1) {
        o->mem_disp = (int8_t)b[*i];
    } else if (disp_len == 4) {
        uint32_t d = (uint32_t)b[*i] | (uint32_t)b[*i + 1] << 8 | (uint32_t)b[*i + 2] << 16 |
                     (uint32_t)b[*i + 3] << 24;
        o->mem_disp = (int32_t)d;
    }
    *i += disp_len;
    return true;
}

static enum pv_insn_op done(struct pv_insn *o, enum pv_insn_op op, unsigned len)
{
    if (len > MAX_LEN)
        op = PVI_NONE;          /* the CPU raises #GP for a longer one */
    o->op = (uint8_t)op;
    o->len = op == PVI_NONE ? 0 : (uint8_t)len;
    return op;
}

enum pv_insn_op pv_insn_decode(const uint8_t *b, unsigned avail, struct pv_insn *o)
{
    static const uint8_t forced[7] = { 0x0f, 0x0b, 'x', 'e', 'n', 0x0f, 0xa2 };
    bool opsize = false, lock = false;
    unsigned rex = 0, i = 0;

    *o = (struct pv_insn){ 0 };
    if (avail > MAX_LEN)
        avail = MAX_LEN;
    /* Xen's forced-emulation prefix: UD2 then "xen", then the instruction
     * (only CPUID is emulated behind it, as Xen's PV path does). */
    if (avail >= sizeof(forced)) {
        unsigned k = 0;
        while (k < sizeof(forced) && b[k] == forced[k])
            k++;
        if (k == sizeof(forced))
            return done(o, PVI_FORCED_CPUID, sizeof(forced));
    }
    /* Prefixes.  REX only counts as the last one before the opcode. */
    for (;; i++) {
        if (i >= avail)
            return done(o, PVI_NONE, 0);
        uint8_t p = b[i];
        if ((p & 0xf0) == 0x40) {
            rex = p;
            continue;
        }
        switch (p) {
        case 0x66: opsize = true; break;
        case 0x67: o->addr32 = true; break;
        case 0xf0: lock = true; break;
        case 0xf2: case 0xf3: o->rep = true; break;
        case 0x26: o->seg = PVS_ES; break;
        case 0x2e: o->seg = PVS_CS; break;
        case 0x36: o->seg = PVS_SS; break;
        case 0x3e: o->seg = PVS_DS; break;
        case 0x64: o->seg = PVS_FS; break;
        case 0x65: o->seg = PVS_GS; break;
        default:
            goto opcode;
        }
        rex = 0;                /* a legacy prefix after REX: REX is ignored */
    }
opcode:
    if (lock)
        return done(o, PVI_NONE, 0);
    uint8_t op = b[i++];
    unsigned iosz = opsize ? 2 : 4;     /* 16 with 66, else 32 (REX.W does not make 64) */
    switch (op) {
    case 0xe4: case 0xe5: case 0xe6: case 0xe7:
        if (i >= avail)
            return done(o, PVI_NONE, 0);
        o->port = b[i++];
        o->port_imm = true;
        o->size = (op & 1) ? iosz : 1;
        return done(o, (op & 2) ? PVI_OUT : PVI_IN, i);
    case 0xec: case 0xed: case 0xee: case 0xef:
        o->size = (op & 1) ? iosz : 1;
        return done(o, (op & 2) ? PVI_OUT : PVI_IN, i);
    case 0x6c: case 0x6d: case 0x6e: case 0x6f:
        o->size = (op & 1) ? iosz : 1;
        return done(o, (op & 2) ? PVI_OUTS : PVI_INS, i);
    case 0xf4: return done(o, PVI_HLT, i);
    case 0xfa: return done(o, PVI_CLI, i);
    case 0xfb: return done(o, PVI_STI, i);
    case 0x0f:
        break;
    default:
        return done(o, PVI_NONE, 0);
    }
    if (i >= avail)
        return done(o, PVI_NONE, 0);
    op = b[i++];
    switch (op) {
    case 0xa2: return done(o, PVI_CPUID, i);
    case 0x32: return done(o, PVI_RDMSR, i);
    case 0x30: return done(o, PVI_WRMSR, i);
    case 0x31: return done(o, PVI_RDTSC, i);
    case 0x33: return done(o, PVI_RDPMC, i);
    case 0x06: return done(o, PVI_CLTS, i);
    case 0x08: return done(o, PVI_INVD, i);
    case 0x09: return done(o, PVI_WBINVD, i);
    case 0x01:
        if (i >= avail)
            return done(o, PVI_NONE, 0);
        if (b[i] == 0xf9)
            return done(o, PVI_RDTSCP, i + 1);
        /* INVLPG: 0F 01 /7 with a memory operand (mod 3 is another
         * instruction: SWAPGS, RDTSCP, ...). */
        if (((b[i] >> 3) & 7) != 7 || (b[i] >> 6) == 3 || !mem_operand(b, avail, &i, rex, o))
            return done(o, PVI_NONE, 0);
        return done(o, PVI_INVLPG, i);
    case 0x20: case 0x21: case 0x22: case 0x23: {
        /* MOV to/from CR/DR: ModRM's mod is ignored (always a register),
         * reg the CR/DR (REX.R adds 8), rm the GPR (REX.B adds 8). */
        if (i >= avail)
            return done(o, PVI_NONE, 0);
        uint8_t m = b[i++];
        o->reg = (uint8_t)(((m >> 3) & 7) | ((rex & 4) ? 8 : 0));
        o->gpr = (uint8_t)((m & 7) | ((rex & 1) ? 8 : 0));
        static const uint8_t ops[4] = { PVI_MOV_FROM_CR, PVI_MOV_FROM_DR, PVI_MOV_TO_CR, PVI_MOV_TO_DR };
        return done(o, ops[op - 0x20], i);
    }
    default:
        return done(o, PVI_NONE, 0);
    }
}

/*
 * set_debugreg's checks (Xen's for a 64-bit PV guest): DR0-3 hold an
 * address the guest could use (canonical, 8 bytes of it, not the
 * hypervisor's range: so an armed breakpoint never matches the
 * hypervisor's own accesses); DR6 and DR7 have their fixed bits set and
 * their upper half zero; DR7 enables no I/O breakpoint (CR4.DE is clear in
 * the guest's view) and no general detect (GD would make the
 * hypervisor's own MOV DR fault).  DR4/DR5 are DR6/DR7.
 */
static bool canonical(uint64_t va)
{
    return (va >> 47) == 0 || (va >> 47) == 0x1ffff;
}

long pv_dr_check(unsigned reg, uint64_t value, uint64_t *stored)
{
    switch (reg) {
    case 0: case 1: case 2: case 3: {
        uint64_t end = value + 7;
        if (!canonical(value) || end < value || !canonical(end) ||
            (end >= HYPERVISOR_VIRT_START && value < HYPERVISOR_VIRT_END))
            return -EPERM;
        *stored = value;
        return 0;
    }
    case 4: case 6:
        if (value >> 32)
            return -EPERM;
        *stored = (value & 0x0000e00full) | 0xffff0ff0ull;
        return 0;
    case 5: case 7:
        if (value >> 32)
            return -EPERM;
        if (value & (1ull << 13))
            return -EPERM;                  /* GD */
        /* Armed breakpoints are fine: a data breakpoint hit by MOV SS /
         * POP SS whose #DB the CPU delivers in ring 0 at the hypervisor's
         * entry is taken on #DB's own IST stack and handed back to the
         * guest (arch/x86/db_trap.c, pv_dbg.c).  An enabled one may not be
         * an I/O breakpoint (R/W 10: CR4.DE is clear in the guest's view,
         * and ports are the hypervisor's). */
        for (unsigned i = 0; i < 4; i++)
            if (((value >> (2 * i)) & 3) && ((value >> (16 + 4 * i)) & 3) == 2)
                return -EPERM;
        /* Bits 11, 12, 14, 15 read as 0, bit 10 as 1. */
        *stored = (value & ~0xd800ull) | 0x400ull;
        return 0;
    default:
        return -EINVAL;
    }
}
