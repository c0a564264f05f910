/*
 * MMIO by instruction emulation: on a nested page fault outside RAM the CPU
 * tells us only the guest-physical address (no decode assist under QEMU
 * TCG, and none for many exits on real parts), so we fetch the instruction
 * at CS:RIP through the guest's page tables and run it in the emulator
 * core.  Every memory operand goes through the guest's page tables again
 * and then either to RAM (the p2m has it) or to the device model
 * (hvm_mmio): nothing relies on the faulting gpa, so an instruction the
 * guest rewrote between the exit and our fetch (self-modifying code,
 * another vCPU) is still carried out for what it is now, against the
 * addresses it names now.
 *
 * Faults the instruction raises (#PF with CR2, #GP, #SS, #UD) are injected
 * into the guest; what we cannot emulate crashes the domain with the
 * instruction bytes in the log.
 */
#include "hvm/hvm.h"
#include "hvm/platform.h"
#include "hvm/emulate/x86_emulate.h"
#include "hvm/emulate/hvm_emul.h"
#include "core/domain.h"
#include "core/console.h"
#include "mm/p2m.h"
#include "hvm/shadow.h"
#include "hvm/ctrlreg.h"
#include "lib/errno.h"
#include "lib/string.h"

/* do_access only: a supervisor access whatever the CPL (not a paging bit). */
#define HVM_XLAT_IMPLICIT (1u << 31)

/* Translates [la, la + len) within one page. */
static enum emul_rc xlat(struct emul_ctx *c, uint64_t la, unsigned xacc, uint64_t *gpa)
{
    struct hvm_emul_priv *p = c->priv;
    uint32_t pfec;
    int rc = hvm_translate(p->v, la, xacc, gpa, &pfec);
    if (rc == -EFAULT)
        return emul_raise_pf(c, la, pfec);
    if (rc)
        return emul_fail(c, "the guest page tables for linear %#llx are outside RAM", (unsigned long long)la);
    return EMUL_OK;
}

/* One access inside one guest-physical page: RAM, or device registers in
 * naturally aligned pieces of 1, 2, 4 or 8 bytes (what devices decode). */
static enum emul_rc phys_access(struct emul_ctx *c, uint64_t gpa, uint8_t *buf, unsigned len, bool write,
                                bool fetch)
{
    struct vcpu *v = ((struct hvm_emul_priv *)c->priv)->v;
    unsigned perms = 0;

    if (p2m_lookup(&v->domain->p2m, gpa >> 12, &perms) != ~0ull && (!write || (perms & P2M_W))) {
        int rc = write ? hvm_copy_to_gphys(v->domain, gpa, buf, len)
                       : hvm_copy_from_gphys(v->domain, buf, gpa, len);
        return rc ? emul_fail(c, "guest RAM at %#llx vanished during emulation", (unsigned long long)gpa)
                  : EMUL_OK;
    }
    if (fetch)
        return emul_fail(c, "instruction fetch from guest-physical %#llx, which is not RAM",
                         (unsigned long long)gpa);
    while (len) {
        unsigned size = 8;
        while (size > len || (gpa & (size - 1)))
            size >>= 1;
        uint64_t val = 0;
        if (write)
            memcpy(&val, buf, size);
        if (!hvm_mmio(v, gpa, size, write, &val))
            return emul_fail(c, "%s of %u bytes at guest-physical %#llx: no RAM or device there",
                             write ? "write" : "read", size, (unsigned long long)gpa);
        if (!write)
            memcpy(buf, &val, size);
        gpa += size;
        buf += size;
        len -= size;
    }
    return EMUL_OK;
}

/* Both pages of an access are translated before either is touched, so a
 * #PF on the second leaves the first unaccessed (no half-done MMIO write). */
static enum emul_rc do_access(struct emul_ctx *c, uint64_t la, uint8_t *buf, unsigned len, unsigned xacc,
                              bool write)
{
    unsigned first = MIN(len, 4096u - (unsigned)(la & 4095));
    uint64_t la2 = c->mode == 64 ? la + first : (la + first) & 0xffffffffull;
    uint64_t gpa[2] = { 0, 0 };
    bool fetch = xacc & HVM_XLAT_FETCH;
    enum emul_rc rc;

    bool implicit = xacc & HVM_XLAT_IMPLICIT;
    if (c->cpl == 3 && !implicit)
        xacc |= HVM_XLAT_USER;
    xacc &= ~HVM_XLAT_IMPLICIT;
    if ((c->regs.rflags & EMUL_FL_AC) && !implicit)
        xacc |= HVM_XLAT_AC;                /* implicit accesses get SMAP whatever AC is (SDM 4.6.1) */
    xacc |= HVM_XLAT_SET_AD;
    if ((rc = xlat(c, la, xacc, &gpa[0])) != EMUL_OK)
        return rc;
    if (first < len && (rc = xlat(c, la2, xacc, &gpa[1])) != EMUL_OK)
        return rc;
    if ((rc = phys_access(c, gpa[0], buf, first, write, fetch)) != EMUL_OK)
        return rc;
    if (first < len)
        rc = phys_access(c, gpa[1], buf + first, len - first, write, fetch);
    return rc;
}

static enum emul_rc mmio_read(struct emul_ctx *c, uint64_t la, void *buf, unsigned len, unsigned acc)
{
    unsigned xacc = (acc & EMUL_ACC_FETCH) ? HVM_XLAT_FETCH : 0;
    if (acc & EMUL_ACC_RMW)
        xacc |= HVM_XLAT_WRITE;             /* a read-modify-write needs write rights up front */
    if (acc & EMUL_ACC_IMPLICIT)
        xacc |= HVM_XLAT_IMPLICIT;          /* the IDT: a supervisor access at any CPL */
    return do_access(c, la, buf, len, xacc, false);
}

static enum emul_rc mmio_write(struct emul_ctx *c, uint64_t la, const void *buf, unsigned len)
{
    return do_access(c, la, (uint8_t *)buf, len, HVM_XLAT_WRITE, true);
}

static const struct emul_ops mmio_ops = { mmio_read, mmio_write };

void hvm_emul_ctx_init(struct vcpu *v, struct emul_ctx *c, struct hvm_emul_priv *priv, struct hvm_ctrl *ctrl)
{
    struct hvm_seg s;

    memset(c, 0, sizeof(*c));
    priv->v = v;
    hvm_vendor->get_ctrl(v, ctrl);
    c->regs = v->regs;
    for (unsigned i = 0; i < EMUL_NR_SEGS; i++) {
        hvm_vendor->get_seg(v, (enum hvm_segreg)i, &s);    /* ES..GS share the order */
        c->seg[i].sel = s.sel;
        c->seg[i].attr = s.attr;
        c->seg[i].limit = s.limit;
        c->seg[i].base = s.base;
    }
    c->cr0 = ctrl->cr0;
    c->cr4 = ctrl->cr4;
    /* XSAVE is not offered (hvm/cpuid.c), so XCR0 keeps its reset value,
     * x87 only: VEX instructions are #UD (CR4.OSXSAVE cannot be set either). */
    c->xcr0 = 1;
    hvm_vendor->get_seg(v, SEG_IDTR, &s);
    c->idtr_base = s.base;
    c->idtr_limit = s.limit;
    hvm_vendor->get_seg(v, SEG_GDTR, &s);
    c->gdtr_base = s.base;
    c->gdtr_limit = s.limit;
    hvm_vendor->get_seg(v, SEG_LDTR, &s);
    c->ldtr = (struct emul_segment){ s.sel, s.attr, s.limit, s.base };
    hvm_vendor->get_seg(v, SEG_TR, &s);
    c->tr = (struct emul_segment){ s.sel, s.attr, s.limit, s.base };
    c->cr2 = ctrl->cr2;
    c->cr3 = ctrl->cr3;
    c->efer = ctrl->efer;
    c->cpl = ctrl->cpl;
    c->ops = &mmio_ops;
    c->priv = priv;
    /* emul_run sets it again; callers that use the callbacks before it
     * (hvm/fep.c fetching the prefix) need it for address wrap-around. */
    c->mode = emul_mode(c->cr0, c->efer, c->regs.rflags, c->seg[EMUL_CS].attr);
}

/* Descriptor-table registers LGDT/LIDT/LLDT/LTR loaded. */
static void commit_sys(struct vcpu *v, const struct emul_ctx *c)
{
    struct hvm_seg s;

    if (c->sys_dirty & EMUL_DIRTY_GDTR) {
        hvm_vendor->get_seg(v, SEG_GDTR, &s);
        s.base = c->gdtr_base;
        s.limit = c->gdtr_limit;
        hvm_vendor->set_seg(v, SEG_GDTR, &s);
    }
    if (c->sys_dirty & EMUL_DIRTY_IDTR) {
        hvm_vendor->get_seg(v, SEG_IDTR, &s);
        s.base = c->idtr_base;
        s.limit = c->idtr_limit;
        hvm_vendor->set_seg(v, SEG_IDTR, &s);
    }
    if (c->sys_dirty & EMUL_DIRTY_LDTR)
        hvm_vendor->set_seg(v, SEG_LDTR, &(struct hvm_seg){ c->ldtr.sel, c->ldtr.attr, c->ldtr.limit, c->ldtr.base });
    if (c->sys_dirty & EMUL_DIRTY_TR)
        hvm_vendor->set_seg(v, SEG_TR, &(struct hvm_seg){ c->tr.sel, c->tr.attr, c->tr.limit, c->tr.base });
    if (c->sys_dirty & EMUL_DIRTY_INVLPG)
        hvm_shadow_invlpg(v, c->invlpg_la);
}

bool hvm_emul_commit(struct vcpu *v, struct emul_ctx *c, enum emul_rc rc, struct hvm_ctrl *ctrl)
{
    switch (rc) {
    case EMUL_OK:
        /* LMSW first, before anything is written back: its CR0 goes
         * through the CR policy (hvm/ctrlreg.c), and a refusal is the
         * instruction's #GP with RIP on it. */
        if ((c->sys_dirty & EMUL_DIRTY_LMSW) && !hvm_lmsw(v, c->lmsw_val)) {
            hvm_inject_gp(v);
            return true;
        }
        v->regs = c->regs;
        commit_sys(v, c);
        for (unsigned i = 0; i < EMUL_NR_SEGS; i++)         /* segment loads (exec_flow.c) */
            if (c->seg_dirty & (1u << i))
                hvm_vendor->set_seg(v, (enum hvm_segreg)i,
                                    &(struct hvm_seg){ c->seg[i].sel, c->seg[i].attr, c->seg[i].limit, c->seg[i].base });
        return true;
    case EMUL_EXCEPTION:
        v->regs = c->regs;                  /* RIP on the instruction; completed REP iterations stay */
        if (c->exc.has_cr2) {
            ctrl->cr2 = c->exc.cr2;
            hvm_vendor->set_ctrl(v, ctrl);
        }
        /* A trap or INT n: RIP is already past the instruction, the return
         * address the delivery pushes; INT n as a software interrupt. */
        hvm_vendor->inject_event(v, c->exc.kind == EMUL_EVT_SOFTINT ? HVM_EVENT_SOFTINT : HVM_EVENT_EXCEPTION,
                                 c->exc.vector, c->exc.has_err, c->exc.err);
        return true;
    case EMUL_UNHANDLEABLE:
    default:
        return false;
    }
}

bool hvm_emulate_insn(struct vcpu *v, const struct hvm_exit *x)
{
    struct emul_ctx c;
    struct hvm_emul_priv priv;
    struct hvm_ctrl ctrl;

    hvm_emul_ctx_init(v, &c, &priv, &ctrl);
    if (hvm_emul_commit(v, &c, emul_run(&c), &ctrl))
        return true;
    hvm_dump_and_crash(v, x, "intercepted instruction cannot be emulated: %s", c.reason);
    return false;
}

bool hvm_emulate_mmio(struct vcpu *v, const struct hvm_exit *x)
{
    struct emul_ctx c;
    struct hvm_emul_priv priv;
    struct hvm_ctrl ctrl;
    const char *kind = (x->qual & HVM_NPF_WRITE) ? "write" : (x->qual & HVM_NPF_FETCH) ? "fetch" : "read";

    if (x->qual & HVM_NPF_FETCH) {
        /* Executing from a device (the bytes are not memory) or from RAM
         * the p2m does not let run (a grant mapping): nothing to decode. */
        unsigned perms = 0;
        bool ram = p2m_lookup(&v->domain->p2m, x->gpa >> 12, &perms) != ~0ull;
        hvm_dump_and_crash(v, x, ram ? "instruction fetch from %#lx, mapped not executable (a grant mapping)"
                                     : "instruction fetch from non-RAM address %#lx",
                           (unsigned long)x->gpa);
        return false;
    }

    hvm_emul_ctx_init(v, &c, &priv, &ctrl);
    if (hvm_emul_commit(v, &c, emul_run(&c), &ctrl))
        return true;
    hvm_dump_and_crash(v, x, "MMIO %s at %#lx cannot be emulated: %s", kind, (unsigned long)x->gpa, c.reason);
    return false;
}
