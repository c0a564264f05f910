/*
 * The guest's own GDT and LDT for 32-bit PV vCPUs (docs/pv.md "Ring 1 and
 * compat", "Guest descriptors of 32-bit guests").  The tables themselves
 * are the 64-bit machinery (pv_seg.c copies them, mm_hcall.c types the
 * GDT frames); this file holds what the x86_32 ABI changes:
 *
 *  - the descriptor check (pv32_check_descriptor, in pv/desc.c next to
 *    the 64-bit one, pure): DPL 0 raised to 1, 64-bit code segments and
 *    system descriptors (call gates included) refused, base and limit not
 *    checked (compatibility mode wraps at 4 GiB; the compat M2P below it
 *    is mapped read-only);
 *  - the frame IRETQ will load (pv32_frame_problem): guest GDT/LDT
 *    selectors as the vCPU's copies hold them;
 *  - the failsafe callback's 32-bit frame;
 *  - the linear address of EIP (a guest code segment may have a base).
 */
#include "pv/pv.h"
#include "pv/pv_seg.h"
#include "pv/desc.h"
#include "pv/pv_ptwr.h"
#include "core/domain.h"
#include "core/console.h"
#include "lib/errno.h"
#include "public/callback.h"

#define PV32_RING1_CS   0xe019
#define PV32_RING1_DS   0xe021
#define PV32_RING3_CS   0xe02b
#define PV32_RING3_DS   0xe033
#define FIRST_RESERVED  7168                /* 0xe000 >> 3: the hypervisor's entries from here */

/* pv32_check_descriptor, the descriptor bits (DESC_*), their decoding and
 * the CS/SS rules of IRET: pv/desc.c (pure, shared with pv_seg.c and
 * pv32_smp.c). */

/* The descriptor sel names in the vCPU's copies (what the CPU will read):
 * a guest GDT or LDT entry, or one of the four flat compat selectors of
 * the reserved area; false if null, beyond the tables or another reserved
 * entry (the hypervisor's ring-0 ones). */
static bool desc32_of(const struct pv_vcpu *pv, uint16_t sel, uint64_t *d)
{
    unsigned idx = sel >> 3;

    if (!(sel & ~3u) || !pv->seg.gdt)
        return false;
    if (sel & 4) {
        if (!pv->seg.ldt || idx >= pv->seg.ldt_copied)
            return false;
        *d = pv->seg.ldt[idx];
        return true;
    }
    if (idx >= FIRST_RESERVED) {
        unsigned s = sel & ~3u;
        if (s != (PV32_RING1_CS & ~3u) && s != (PV32_RING1_DS & ~3u) && s != (PV32_RING3_CS & ~3u) &&
            s != (PV32_RING3_DS & ~3u))
            return false;
    } else if (idx >= pv->seg.gdt_copied) {
        return false;
    }
    *d = pv->seg.gdt[idx];
    return true;
}

/* What IRETQ from 64-bit ring 0 to a compatibility-mode ring checks (SDM
 * vol. 2 IRET, return to an outer ring; AMD APM vol. 3): CS a present
 * 32/16-bit code segment (L=0), RPL the new ring, DPL = RPL (conforming:
 * <= RPL); SS a present writable data segment with RPL = DPL = the new
 * ring; EIP within the code limit; ESP 32-bit.  Rings 1 and 3 only (ring
 * 0 is the hypervisor's; ring 2 is no ring a PV guest uses, and the bounce
 * rules know kernel (1) and user (3) only).  Before the vCPU's first copy
 * only the flat selectors exist. */
const char *pv32_frame_problem(struct vcpu *v, const struct cpu_regs *c)
{
    struct pv_vcpu *pv = v->vendor;
    unsigned rpl = c->cs & 3;
    uint64_t cd, sd;

    if (!pv->seg.gdt) {
        if (!((c->cs == PV32_RING1_CS && c->ss == PV32_RING1_DS) || (c->cs == PV32_RING3_CS && c->ss == PV32_RING3_DS)))
            return c->cs == PV32_RING1_CS || c->cs == PV32_RING3_CS ? "stack selector" : "code selector";
    } else {
        if (c->cs > 0xffff || (rpl != 1 && rpl != 3) || !desc32_of(pv, (uint16_t)c->cs, &cd) ||
            !pv32_code_desc_ok(cd, rpl))
            return "code selector";
        if (c->ss > 0xffff || (c->ss & 3) != rpl || !desc32_of(pv, (uint16_t)c->ss, &sd) ||
            !pv32_stack_desc_ok(sd, rpl))
            return "stack selector";
        if (c->rip > pv_desc_limit(cd))
            return "instruction pointer";
    }
    if (c->rip >> 32)
        return "instruction pointer";
    if (c->rsp >> 32)
        return "stack pointer";
    return NULL;
}

/* The linear address of EIP: the code segment's base added, wrapped at 4
 * GiB as compatibility mode does (the frame was checked: CS is loadable). */
uint64_t pv32_linear_ip(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    uint64_t cd;

    if (!desc32_of(pv, (uint16_t)pv->ctx.cs, &cd))
        return pv->ctx.rip;
    return (uint32_t)(pv_desc_base(cd) + pv->ctx.rip);
}

/* Xen's compat failsafe callback: from the lowest address DS, ES, FS, GS
 * (the values that failed to load), then the bounce frame EIP, CS (upcall
 * mask in bits 16-23), EFLAGS, and ESP, SS when ring 3 was interrupted; on
 * the ring-1 stack (stack_switch's from ring 3), the handler on the
 * registered selector.  Interrupts on. */
void pv32_failsafe(struct vcpu *v, const uint16_t sel[4])
{
    struct pv_vcpu *pv = v->vendor;
    struct cpu_regs *c = &pv->ctx;
    struct vcpu_info *vi = v->vcpu_info;
    uint8_t mask = __atomic_load_n(&vi->evtchn_upcall_mask, __ATOMIC_RELAXED);
    bool from_user = (c->cs & 3) == 3;
    uint64_t sp = from_user ? pv->kernel_sp : c->rsp;
    uint32_t f[9] = { sel[0], sel[1], sel[2], sel[3], (uint32_t)c->rip, (uint32_t)(uint16_t)c->cs | (uint32_t)mask << 16,
                      (uint32_t)((c->rflags & ~0x200ull) | (mask ? 0 : 0x200)), (uint32_t)c->rsp, (uint32_t)c->ss };
    unsigned n = from_user ? 9 : 7;

    if (!pv->failsafe_cb) {
        domain_crash(v->domain, "v%u: pv32: cannot load data selectors ds %#x es %#x fs %#x gs %#x at eip %#lx: "
                     "no failsafe callback", v->vcpu_id, sel[0], sel[1], sel[2], sel[3], (unsigned long)c->rip);
        return;
    }
    if (sp >> 32 || sp < n * 4 || pv_copy_guest(v, f, sp - n * 4, n * 4, true)) {
        domain_crash(v->domain, "v%u: pv32: failsafe callback at %#lx: cannot write the frame below %#lx",
                     v->vcpu_id, (unsigned long)c->rip, (unsigned long)sp);
        return;
    }
    if (pv->callback_flags[CALLBACKTYPE_failsafe] & CALLBACKF_mask_events)
        __atomic_store_n(&vi->evtchn_upcall_mask, 1, __ATOMIC_RELAXED);
    pv->seg.nr_failsafe++;
    c->rip = pv->failsafe_cb;
    c->cs = (uint16_t)pv->compat_failsafe_cs;
    if (from_user)
        c->ss = pv->kernel_ss;
    c->rsp = sp - n * 4;
    c->rflags &= ~(uint64_t)(0x100 | 0x4000 | 0x10000);    /* TF, NT, RF */
}

/* The four flat compat descriptors (pv32_gdt_reserved), for a vCPU whose
 * GDT copy does not exist yet. */
static bool flat32_of(uint16_t sel, uint64_t *d)
{
    uint64_t g[(PV32_RING3_DS >> 3) + 1];

    if ((sel & ~3u) != (PV32_RING1_CS & ~3u) && (sel & ~3u) != (PV32_RING1_DS & ~3u) &&
        (sel & ~3u) != (PV32_RING3_CS & ~3u) && (sel & ~3u) != (PV32_RING3_DS & ~3u))
        return false;
    pv32_gdt_reserved(g);
    *d = g[sel >> 3];
    return true;
}

/* A data access through a segment register holding sel, as the CPU checks
 * it in compatibility mode (SDM vol. 3, 5.3 "Limit checking", 3.4.5.1
 * segment types): the descriptor the vCPU's tables hold (the CPU's hidden
 * copy was loaded from it), present, readable (data, or code with R) or
 * writable (data with W), and the bytes off .. off+len-1 within the limit
 * (expand-down: above it, up to 0xffff or 0xffffffff by the B bit).  A
 * null or unusable selector, or a failed check: #GP(0), #SS(0) through
 * SS.  len 0: the base only (INVLPG checks nothing), 0 when unusable. */
bool pv32_seg_linear(struct vcpu *v, uint16_t sel, bool is_ss, uint32_t off, unsigned len, bool write,
                     uint64_t *la, unsigned *vec)
{
    struct pv_vcpu *pv = v->vendor;
    uint64_t d;
    bool found = pv->seg.gdt ? desc32_of(pv, sel, &d) : flat32_of(sel, &d);

    *vec = is_ss ? 12 : 13;
    if (!len) {
        *la = (uint32_t)((found ? pv_desc_base(d) : 0) + off);
        return true;
    }
    if (!found || (d & (DESC_S | DESC_P)) != (DESC_S | DESC_P))
        return false;
    if (d & DESC_CODE) {
        if (write || !(d & DESC_W))        /* bit 41 of a code descriptor: readable */
            return false;
    } else if (write && !(d & DESC_W)) {
        return false;
    }
    uint64_t end = (uint64_t)off + len - 1, limit = pv_desc_limit(d);
    if (!(d & DESC_CODE) && (d & DESC_C)) {   /* bit 42 of a data descriptor: expand-down */
        uint64_t top = (d & (1ull << 54)) ? 0xffffffffull : 0xffffull;
        if (off <= limit || end > top)
            return false;
    } else if (end > limit) {
        return false;
    }
    *la = (uint32_t)(pv_desc_base(d) + off);
    return true;
}

/* The writable-page-table assist's view of a ring-1 vCPU (pv_ptwr.h): each
 * segment register's descriptor in the emulator's packed form (bits 40-47
 * and 52-55), base and byte limit; a null or missing one unusable (attr
 * 0), so the emulator raises what the CPU would and the #PF is bounced. */
void pv32_ptwr_segs(struct vcpu *v, struct pv_ptwr_seg *seg)
{
    struct pv_vcpu *pv = v->vendor;
    const uint16_t sel[6] = { pv->seg.es, (uint16_t)pv->ctx.cs, (uint16_t)pv->ctx.ss, pv->seg.ds, pv->seg.fs, pv->seg.gs };

    for (unsigned s = 0; s < 6; s++) {
        uint64_t d;
        bool found = pv->seg.gdt ? desc32_of(pv, sel[s], &d) : flat32_of(sel[s], &d);
        seg[s] = (struct pv_ptwr_seg){ sel[s], 0, 0, 0 };
        if (!found || !(d & DESC_P))
            continue;
        seg[s].attr = (uint16_t)(((d >> 40) & 0xff) | (((d >> 52) & 0xf) << 8));
        seg[s].limit = (uint32_t)pv_desc_limit(d);
        seg[s].base = (uint32_t)pv_desc_base(d);
    }
}
