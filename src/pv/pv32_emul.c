/*
 * INS/OUTS and INVLPG from ring 1 of a 32-bit PV kernel (docs/pv.md "Ring
 * 1 and compat", "Privileged instructions from ring 1").  pv_emul.c
 * decodes the instruction and checks the privilege (kernel mode; IOPL or
 * the I/O bitmap for the port) as for 64-bit guests; what compatibility
 * mode changes is the addressing, done here (Intel SDM vol. 2 INS/OUTS,
 * INVLPG; vol. 1 3.7.5 and vol. 2 2.1.5 for the ModRM forms):
 *
 *  - the address size is 32 bits, 16 with a 67 prefix: ESI/EDI/ECX or
 *    SI/DI/CX (only the low 16 bits of the registers change then);
 *  - segments have bases and limits: INS writes ES:[E]DI (no override),
 *    OUTS reads DS:[E]SI or the override's segment; each element is
 *    checked as the CPU checks it (present, writable/readable, within the
 *    limit, expand-down included: pv32_desc.c pv32_seg_linear), a failure
 *    is #GP(0) (#SS(0) through SS), the linear address wraps at 4 GiB;
 *  - REP repeats at most IO_REPS per exit (the 64-bit path's bound): EIP
 *    stays on the instruction and the guest runs it again for the rest;
 *    DF decrements;
 *  - an element the guest's tables do not map (or that reaches the
 *    hypervisor's range at 0xf5800000) is a #PF with CR2 = its address,
 *    supervisor (ring 1), W for INS, P when the page is present;
 *  - INVLPG's operand uses the 32-bit ModRM forms (mod 0 rm 5 is an
 *    absolute disp32, not RIP-relative) or, with 67, the 16-bit ones
 *    (BX/BP + SI/DI, disp16), the default segment SS for an (E)BP or ESP
 *    base, else DS, or the override; INVLPG checks no segment limit, so
 *    only the base is added.  pv_insn_decode's 64-bit rules do not give
 *    the 16-bit forms' length, so the instruction is decoded again here.
 *
 * Runs on the CPU that runs the vCPU, from its exit handler; every byte
 * and register is the guest's.
 */
#include "pv/pv.h"
#include "pv/pv_emul.h"
#include "pv/pv_insn.h"
#include "pv/pv_user.h"
#include "core/domain.h"
#include "arch/x86/asm.h"
#include "lib/compiler.h"

#define IO_REPS         1024u           /* as pv_emul.c's IO_REPS_PER_EXIT */
#define RF_DF           0x400u
#define PF_P            1u
#define PF_W            2u
#define PV32_HV_START   0xf5800000ull

static int fault32(unsigned *vec, uint64_t *err, unsigned v)
{
    *vec = v;
    *err = 0;
    return 0;
}

/* The segment selector of an override prefix, else the default one. */
static uint16_t seg_sel(const struct pv_vcpu *pv, unsigned seg, unsigned dflt)
{
    switch (seg == PVS_NONE ? dflt : seg) {
    case PVS_ES: return pv->seg.es;
    case PVS_CS: return (uint16_t)pv->ctx.cs;
    case PVS_SS: return (uint16_t)pv->ctx.ss;
    case PVS_FS: return pv->seg.fs;
    case PVS_GS: return pv->seg.gs;
    default: return pv->seg.ds;
    }
}

int pv32_emul_string_io(struct vcpu *v, const struct pv_insn *in, unsigned *vec, uint64_t *err)
{
    struct pv_vcpu *pv = v->vendor;
    struct cpu_regs *c = &pv->ctx;
    bool ins = in->op == PVI_INS;
    bool a16 = in->addr32;                  /* 67 in compatibility mode: 16-bit addressing */
    uint32_t amask = a16 ? 0xffffu : 0xffffffffu;
    uint32_t ones = in->size == 4 ? 0xffffffffu : in->size == 2 ? 0xffffu : 0xffu;
    uint16_t port = (uint16_t)c->rdx;
    uint64_t *ptr = ins ? &c->rdi : &c->rsi;
    unsigned seg = ins ? PVS_ES : (in->seg == PVS_NONE ? PVS_DS : in->seg);
    uint16_t sel = seg_sel(pv, seg, PVS_DS);
    uint32_t count = in->rep ? (uint32_t)c->rcx & amask : 1;

    for (unsigned k = 0; count && k < IO_REPS; k++) {
        uint32_t off = (uint32_t)*ptr & amask, buf = ones;
        uint64_t la, ma;
        unsigned fv;
        if (!pv32_seg_linear(v, sel, seg == PVS_SS, off, in->size, ins, &la, &fv))
            return fault32(vec, err, fv);
        if (ins)
            (void)pv_dom0_port_in(v->domain, port, in->size, &buf);
        if (la + in->size > PV32_HV_START || pv_copy_guest(v, &buf, la, in->size, ins)) {
            pv->cr2 = la;
            *vec = 14;
            *err = (ins ? PF_W : 0) | (pv32_gva_to_maddr(v, la, false, &ma) == 0 ? PF_P : 0);
            return 0;
        }
        if (!ins)
            (void)pv_dom0_port_out(v->domain, port, in->size, buf & ones);
        uint32_t next = (c->rflags & RF_DF) ? off - in->size : off + in->size;
        *ptr = ((uint32_t)*ptr & ~amask) | (next & amask);
        count--;
        if (in->rep)
            c->rcx = ((uint32_t)c->rcx & ~amask) | count;
    }
    if (count)
        return 1;           /* EIP stays: the rest when the guest runs it again */
    c->rip = (uint32_t)(c->rip + in->len);
    return 1;
}

static uint32_t reg32(const struct cpu_regs *c, unsigned n)
{
    const uint64_t *const map[8] = { &c->rax, &c->rcx, &c->rdx, &c->rbx, &c->rsp, &c->rbp, &c->rsi, &c->rdi };
    return (uint32_t)*map[n & 7];
}

/* INVLPG m in compatibility mode: decoded from the bytes at CS:EIP; 1 done
 * (EIP past it), 0 when it is not one (the #GP stands). */
int pv32_emul_invlpg(struct vcpu *v, unsigned *vec, uint64_t *err)
{
    struct pv_vcpu *pv = v->vendor;
    struct cpu_regs *c = &pv->ctx;
    uint8_t b[15];
    unsigned n = 15, i = 0, seg = PVS_NONE, dflt = PVS_DS;
    bool a16 = false;
    uint32_t ea = 0;
    uint64_t ip = pv32_linear_ip(v), la;

    *vec = 13;
    *err = 0;
    /* As pv_emul.c's fetch: to the end of the page, then the next one. */
    unsigned first = (unsigned)MIN(15ull, 4096 - (ip & 0xfff));
    if (pv_user_fetch(v, b, ip, first))
        return 0;
    if (first < 15 && pv_user_fetch(v, b + first, ip + first, 15 - first))
        n = first;
    for (; i < n; i++) {
        switch (b[i]) {
        case 0x26: seg = PVS_ES; continue;
        case 0x2e: seg = PVS_CS; continue;
        case 0x36: seg = PVS_SS; continue;
        case 0x3e: seg = PVS_DS; continue;
        case 0x64: seg = PVS_FS; continue;
        case 0x65: seg = PVS_GS; continue;
        case 0x67: a16 = true; continue;
        case 0x66: case 0xf2: case 0xf3: continue;
        default: break;
        }
        break;
    }
    /* 0F 01 /7 with a memory operand. */
    if (i + 3 > n || b[i] != 0x0f || b[i + 1] != 0x01)
        return 0;
    i += 2;
    uint8_t m = b[i++], mod = m >> 6, rm = m & 7;
    if (mod == 3 || ((m >> 3) & 7) != 7)
        return 0;
    unsigned disp_len;
    if (a16) {
        /* BX+SI, BX+DI, BP+SI, BP+DI, SI, DI, BP (mod 0: disp16), BX. */
        static const uint8_t base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 }, index16[8] = { 6, 7, 6, 7, 8, 8, 8, 8 };
        disp_len = mod == 1 ? 1 : mod == 2 ? 2 : (rm == 6 ? 2 : 0);
        if (!(mod == 0 && rm == 6)) {
            ea = reg32(c, base16[rm]);
            if (index16[rm] < 8)
                ea += reg32(c, index16[rm]);
            if (rm == 2 || rm == 3 || rm == 6)
                dflt = PVS_SS;          /* BP-based */
        }
    } else {
        disp_len = mod == 1 ? 1 : mod == 2 ? 4 : 0;
        if (rm == 4) {
            if (i >= n)
                return 0;
            uint8_t sib = b[i++], idx = (sib >> 3) & 7, base = sib & 7;
            if (idx != 4)
                ea += reg32(c, idx) << (sib >> 6);
            if (base == 5 && mod == 0) {
                disp_len = 4;
            } else {
                ea += reg32(c, base);
                if (base == 4 || base == 5)
                    dflt = PVS_SS;
            }
        } else if (rm == 5 && mod == 0) {
            disp_len = 4;           /* absolute: compatibility mode has no RIP-relative form */
        } else {
            ea += reg32(c, rm);
            if (rm == 5)
                dflt = PVS_SS;
        }
    }
    if (i + disp_len > n)
        return 0;
    uint32_t disp = 0;
    for (unsigned k = 0; k < disp_len; k++)
        disp |= (uint32_t)b[i + k] << (8 * k);
    if (disp_len == 1)
        disp = (uint32_t)(int32_t)(int8_t)disp;
    i += disp_len;
    ea += disp;
    if (a16)
        ea &= 0xffff;
    unsigned unused;
    (void)pv32_seg_linear(v, seg_sel(pv, seg, dflt), false, ea, 0, false, &la, &unused);
    pv->emul.nr_invlpg++;
    if (la < PV32_HV_START)
        invlpg(la);
    c->rip = (uint32_t)(c->rip + i);
    return 1;
}
