/*
 * VCPUOP_initialise for 32-bit PV guests (docs/pv.md "Ring 1 and
 * compat"): the x86_32 vcpu_guest_context (Xen's public arch-x86/xen.h and
 * xen-x86_32.h: 2800 bytes) read, checked and given to the offline target
 * vCPU as pv_smp.c does for 64-bit ones, with what Xen's compat path takes
 * from it:
 *  - the selectors: RPL 0 raised to 1 (Xen's fixup for a ring-1 kernel);
 *    CS's RPL is the ring the vCPU starts in: 1 (kernel) or 3 (user mode:
 *    a 32-bit guest's mode is its CS's ring, VGCF_in_kernel does not
 *    decide it, as in Xen); CS and SS the flat pair of that ring, or guest
 *    GDT entries checked here against the frames just taken (the rules of
 *    the first entry, pv32_frame_problem); CS/SS naming LDT entries too:
 *    the descriptor read through the context's own page tables (its CR3's
 *    L3, validated first) at ldt_base, an LDT page the tables do not map
 *    being a refusal as well.  Xen's set_info_guest only raises RPL 0 and
 *    checks the LDT's base and size; a selector it cannot load shows only
 *    when the vCPU first runs.  Here every CS/SS is refused during the call
 *    (-EINVAL), so a vCPU that VCPUOP_up starts can always be entered;
 *  - gdt_frames/gdt_ents taken as set_gdt takes them (descriptor frames,
 *    compat rules, at most 7168 entries); ldt_base/ldt_ents as
 *    MMUEXT_SET_LDT checks them (page-aligned, <= 8192 entries, below the
 *    compat hypervisor range);
 *  - the FPU image (VGCF_I387_VALID): the 32-bit FXSAVE layout (FIP/FDP
 *    32-bit offsets with FCS/FDS beside them), converted into the 64-bit
 *    layout the hypervisor keeps (core/compat/layout.h
 *    compat_fxsave_to_native): FIP/FDP zero-extended, FCS/FDS dropped (its
 *    FXSAVE64 between stints keeps no selectors either); an MXCSR with bits
 *    the CPU does not have is refused (FXRSTOR would #GP on it).  No call
 *    reads a 32-bit context back yet (no getvcpucontext);
 *  - the debug registers: DR0-3, DR6, DR7 each as set_debugreg checks it
 *    (pv_dr_check); DR4/DR5 ignored, as Xen since 4.11 does;
 *  - vm_assist: a type a 32-bit guest may not enable is refused (Xen's
 *    check since 4.14); a valid value is then not applied: Xen applies it
 *    for vCPU 0 only, which the domain builder starts (pv32_build.c);
 *  - EFLAGS.IOPL as the vCPU's virtual IOPL (Xen's rule, as pv_smp.c).
 * Any refusal is -EINVAL with its reason logged for the first few, and
 * leaves the target as it was: offline, uninitialised, no GDT frames held.
 */
#include "pv/pv.h"
#include "pv/pv_emul.h"
#include "pv/desc.h"
#include "core/domain.h"
#include "core/console.h"
#include "mm/mm.h"
#include "mm/pgtype.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "public/vcpu.h"
#include "core/compat/layout.h"
#include "pv/pv32_context.h"

#define PV32_RING1_CS   0xe019
#define PV32_RING1_DS   0xe021
#define PV32_RING3_CS   0xe02b
#define PV32_RING3_DS   0xe033
#define PV32_HV_START   0xf5800000ull
#define FIRST_RESERVED  7168            /* 0xe000 >> 3: the hypervisor's GDT entries */
#define VGCF_I387_VALID (1u << 0)

/* Xen's fixup of a ring-1 guest's selector: RPL 0 becomes 1. */
static uint16_t fix_rpl(uint16_t sel)
{
    return (sel & 3) ? sel : (uint16_t)(sel | 1);
}

/* The MXCSR bits this CPU has (FXSAVE's MXCSR_MASK; 0 there means the
 * architectural default 0xffbf). */
static uint32_t mxcsr_mask(void)
{
    static uint32_t mask;       /* (i) read once, the same on every CPU */

    if (!__atomic_load_n(&mask, __ATOMIC_RELAXED)) {
        uint8_t buf[512] __attribute__((aligned(16)));
        __asm__ __volatile__("fxsave64 %0" : "=m"(buf));
        uint32_t m;
        memcpy(&m, &buf[28], 4);
        __atomic_store_n(&mask, m ? m : 0xffbf, __ATOMIC_RELAXED);
    }
    return __atomic_load_n(&mask, __ATOMIC_RELAXED);
}

/* vm_assist types a 32-bit guest may enable here: Xen's low 32 (the
 * compat mask), as the vm_assist hypercall accepts them (pv_vm_assist). */
#define PV32_VMASST_OK ((uint32_t)PV_VMASST_VALID)

static const char *context_problem(const struct compat_guest_context *c)
{
    const struct compat_user_regs *r = &c->user_regs;
    uint16_t cs = fix_rpl(r->cs), ss = fix_rpl(r->ss);
    unsigned ring = cs & 3;

    if ((ring != 1 && ring != 3) || (ss & 3) != ring || !(cs & ~3) || !(ss & ~3))
        return "selectors";
    /* The hypervisor's entries: only the flat pair of the starting ring. */
    if ((cs >> 3) >= FIRST_RESERVED && cs != (ring == 1 ? PV32_RING1_CS : PV32_RING3_CS))
        return "selectors";
    if ((ss >> 3) >= FIRST_RESERVED && ss != (ring == 1 ? PV32_RING1_DS : PV32_RING3_DS))
        return "selectors";
    /* A guest selector names an entry the tables have. */
    if (((cs >> 3) < FIRST_RESERVED && (cs >> 3) >= ((cs & 4) ? c->ldt_ents : c->gdt_ents)) ||
        ((ss >> 3) < FIRST_RESERVED && (ss >> 3) >= ((ss & 4) ? c->ldt_ents : c->gdt_ents)))
        return "selectors";
    if (r->eip >= PV32_HV_START || r->esp >= PV32_HV_START || c->kernel_sp >= PV32_HV_START)
        return "eip/esp";
    if (c->gdt_ents > PV_GDT_MAX_ENTRIES)
        return "gdt";
    if (c->ldt_ents > PV_LDT_MAX_ENTRIES || (c->ldt_ents && ((c->ldt_base & 0xfff) ||
        (uint64_t)c->ldt_base + c->ldt_ents * 8ull > PV32_HV_START)))
        return "ldt";                       /* as MMUEXT_SET_LDT for a 32-bit guest */
    if (c->event_callback_eip >= PV32_HV_START || c->failsafe_callback_eip >= PV32_HV_START)
        return "callbacks";
    for (unsigned i = 0; i < 256; i++)
        if (c->trap_ctxt[i].address >= PV32_HV_START)
            return "trap table";
    if (!c->ctrlreg[3] || c->ctrlreg[1])
        return "cr3";
    uint64_t stored;
    for (unsigned i = 0; i < 8; i++)
        if (i != 4 && i != 5 && pv_dr_check(i, c->debugreg[i], &stored))
            return "debug registers";
    if (c->flags & VGCF_I387_VALID) {
        uint32_t mxcsr;
        memcpy(&mxcsr, &c->fpu_ctxt[24], 4);
        if (mxcsr & ~mxcsr_mask())
            return "fpu (mxcsr)";
    }
    if (c->vm_assist & ~PV32_VMASST_OK)
        return "vm_assist";
    return NULL;
}

/* A GDT selector of the context against the descriptor in the frames the
 * target now holds (validated by set_gdt's compat rules): what the first
 * entry would check, so that a context that cannot run is refused here. */
static bool gdt_desc(const struct pv_vcpu *tp, uint16_t sel, uint64_t *d)
{
    unsigned idx = sel >> 3;

    if ((sel & 4) || idx >= FIRST_RESERVED)
        return false;       /* flat (checked above) or LDT (at the first entry) */
    const uint64_t *f = phys_to_virt(tp->mmu.gdt_frames[idx / 512] << 12);
    *d = __atomic_load_n(&f[idx % 512], __ATOMIC_ACQUIRE);
    return true;
}

/* An LDT selector's descriptor read through the context's tables: the L3
 * (validated: pv_mmu_get_base holds it), its L2 and L1, as the CPU will
 * read the LDT once the vCPU runs.  The domain's mm_lock keeps the tables
 * from changing type meanwhile.  1: found; 0: not an LDT selector; -1:
 * beyond ldt_ents or not mapped (the vCPU could not load it). */
static int ldt_desc(struct vcpu *v, uint64_t l3, uint32_t ldt_base, uint32_t ldt_ents, uint16_t sel, uint64_t *d)
{
    unsigned idx = sel >> 3;

    if (!(sel & 4))
        return 0;
    if (idx >= ldt_ents)
        return -1;
    uint64_t gva = (uint64_t)ldt_base + idx * 8ull, mfn = l3;   /* below 0xf5800000: context_problem */
    bool took = pv_mm_lock(v);
    int rc = 1;
    for (unsigned level = 3; level >= 1; level--) {
        const uint64_t *t = phys_to_virt(mfn << 12);
        uint64_t e = __atomic_load_n(&t[(gva >> (12 + 9 * (level - 1))) & 511], __ATOMIC_RELAXED);
        if (!(e & PTE_P) || (level > 1 && (e & PTE_PS))) {
            rc = -1;
            break;
        }
        mfn = (e & PTE_ADDR) >> 12;
    }
    /* A privileged domain's device frames are outside the direct map (as
     * pv_gva_to_maddr keeps them from every access). */
    if (rc == 1 && domain_is_privileged(v->domain) && pv_dom0_io_frame(mfn))
        rc = -1;
    if (rc == 1)
        *d = __atomic_load_n((const uint64_t *)phys_to_virt(mfn << 12 | (gva & 0xfff)), __ATOMIC_ACQUIRE);
    pv_mm_unlock(v, took);
    return rc;
}

/* CS and SS against their descriptors, GDT (the frames the target now
 * holds) or LDT (through the context's tables, l3): the rules of the
 * first entry (pv32_frame_problem). */
static const char *selectors_problem(struct vcpu *v, const struct pv_vcpu *tp, uint64_t l3,
                                     const struct compat_guest_context *c, uint16_t cs, uint16_t ss)
{
    unsigned rpl = cs & 3;
    uint32_t eip = c->user_regs.eip;
    uint64_t d;
    int l;

    l = ldt_desc(v, l3, c->ldt_base, c->ldt_ents, cs, &d);
    if (l < 0)
        return "code selector's LDT entry";
    if ((l > 0 || gdt_desc(tp, cs, &d)) && (!pv32_code_desc_ok(d, rpl) || eip > pv_desc_limit(d)))
        return "code selector's descriptor";
    l = ldt_desc(v, l3, c->ldt_base, c->ldt_ents, ss, &d);
    if (l < 0)
        return "stack selector's LDT entry";
    if ((l > 0 || gdt_desc(tp, ss, &d)) && !pv32_stack_desc_ok(d, rpl))
        return "stack selector's descriptor";
    return NULL;
}

/* Undoes what initialise32 took before a refusal: the GDT frames (set_gdt
 * with no entries drops them) and the claim. */
static long refuse(struct vcpu *v, struct vcpu *t, bool gdt, long rc)
{
    struct pv_vcpu *tp = t->vendor;

    if (gdt)
        (void)pv_mmu_set_gdt_of(v, t, NULL, 0);
    __atomic_store_n(&tp->initialised, false, __ATOMIC_RELEASE);
    return rc;
}

_Static_assert(sizeof(struct compat_guest_context) == PV32_CONTEXT_BYTES, "pv.h's size of the x86_32 context");

void pv32_context_fields(const void *ctx, struct pv32_context_fields *f)
{
    const struct compat_guest_context *c = ctx;

    f->flags = c->flags;
    f->vm_assist = c->vm_assist;
    f->eip = c->user_regs.eip;
    f->esp = c->user_regs.esp;
    f->cr3 = c->ctrlreg[3];
}

/* VCPUOP_initialise's 32-bit body on a context already read into the
 * hypervisor (ctx, PV32_CONTEXT_BYTES): by the guest's own call below, or
 * by XEN_DOMCTL_setvcpucontext for a 32-bit domain the toolstack builds
 * (pv_ctl.c, which passes the target's own vCPU 0 as v). */
long pv32_vcpu_set_context(struct vcpu *v, struct vcpu *t, const void *ctx)
{
    struct pv_vcpu *tp = t->vendor;
    const struct compat_guest_context *c = ctx;
    long rc = pv_init_check_claim(v, t, context_problem(c), "pv32");
    if (rc)
        return rc;
    /* The target's L4 (kept if a later step fails: freed with the vCPU). */
    if (!tp->compat_l4) {
        uint64_t *l4 = alloc_pages(0, DOMID_XEN);
        if (!l4)
            return refuse(v, t, false, -ENOMEM);
        const uint64_t *hv = phys_to_virt(mm_root_phys());
        for (unsigned i = PGT_L4_HV_FIRST; i <= PGT_L4_HV_LAST; i++)
            l4[i] = hv[i];
        tp->compat_l4 = virt_to_phys(l4) >> 12;
    }
    /* The GDT as set_gdt takes it (32-bit frame numbers widened); then
     * CS/SS against it.  A refusal after this drops the frames again. */
    uint64_t frames[PV_GDT_MAX_FRAMES] = { 0 };
    for (unsigned i = 0; i < (c->gdt_ents + 511) / 512; i++)
        frames[i] = c->gdt_frames[i];
    const struct compat_user_regs *r = &c->user_regs;
    uint16_t cs = fix_rpl(r->cs), ss = fix_rpl(r->ss);
    if (pv_mmu_set_gdt_of(v, t, frames, c->gdt_ents))
        return refuse(v, t, false, -EINVAL);
    uint64_t l3 = pv32_ctx_cr3_to_mfn(c->ctrlreg[3]);
    if (pv_mmu_get_base(v, l3))        /* an L3 of the domain's (pv_mmu_env.c: compat) */
        return refuse(v, t, true, -EINVAL);
    const char *bad = selectors_problem(v, tp, l3, c, cs, ss);
    if (bad) {
        struct pv_vcpu *cp = v->vendor;
        if (++cp->nr_init_refused <= 4)
            domain_log(v->domain, LOG_WARN, "v%u: pv32: VCPUOP_initialise for v%u refused: %s\n", v->vcpu_id,
                       t->vcpu_id, bad);
        pgt_put_top(&((struct pv_domain *)v->domain->kind_priv)->env, l3);
        return refuse(v, t, true, -EINVAL);
    }
    /* Nothing is refused from here on: the offline vCPU's state is
     * written, published by VCPUOP_up's release store. */
    struct cpu_regs *x = &tp->ctx;
    memset(x, 0, sizeof(*x));
    x->rbx = r->ebx, x->rcx = r->ecx, x->rdx = r->edx, x->rsi = r->esi, x->rdi = r->edi;
    x->rbp = r->ebp, x->rax = r->eax;
    x->rip = r->eip;
    x->rsp = r->esp;
    x->cs = cs;
    x->ss = ss;
    x->rflags = (r->eflags & 0x240dd5u) | 0x202;
    tp->emul.iopl = (uint8_t)((r->eflags >> 12) & 3);
    /* The data selectors as given (a null one is Xen's too); one that
     * cannot be loaded goes through the failsafe callback at the first
     * entry (pv_seg.c). */
    tp->seg.ds = r->ds, tp->seg.es = r->es, tp->seg.fs = r->fs, tp->seg.gs = r->gs;
    tp->seg.stale = true;
    tp->mmu.ldt_base = c->ldt_ents ? c->ldt_base : 0;
    tp->mmu.ldt_ents = c->ldt_ents;
    tp->kernel_ss = pv32_kernel_sel(c->kernel_ss & 0xffff);
    tp->kernel_sp = c->kernel_sp;
    tp->mmu.base = l3;
    memset(tp->traps, 0, sizeof(tp->traps));
    for (unsigned i = 0; i < 256; i++)
        if (c->trap_ctxt[i].address)
            tp->traps[i] = (struct trap_info){ (uint8_t)i, c->trap_ctxt[i].flags,
                                               pv32_kernel_sel(c->trap_ctxt[i].cs), c->trap_ctxt[i].address };
    tp->compat_event_cs = pv32_kernel_sel(c->event_callback_cs);
    tp->event_cb = c->event_callback_eip;
    tp->compat_failsafe_cs = pv32_kernel_sel(c->failsafe_callback_cs);
    tp->failsafe_cb = c->failsafe_callback_eip;
    /* Debug registers: loaded at the vCPU's stint begin (pv_emul.c). */
    uint64_t st;
    for (unsigned i = 0; i < 4; i++)
        tp->emul.dr[i] = pv_dr_check(i, c->debugreg[i], &st) ? 0 : st;
    tp->emul.dr6 = pv_dr_check(6, c->debugreg[6], &st) ? 0 : st;
    tp->emul.dr7 = pv_dr_check(7, c->debugreg[7], &st) ? 0 : st;
    /* The FPU image (FXSAVE layout: loaded by FXRSTOR at the vCPU's
     * first stint); without VGCF_I387_VALID the vCPU starts from FNINIT's
     * state (vcpu_fpu_load). */
    if (c->flags & VGCF_I387_VALID) {
        _Static_assert(sizeof(t->fpu) == FXSAVE_BYTES, "an FXSAVE image");
        compat_fxsave_to_native(t->fpu, c->fpu_ctxt);     /* the 32-bit layout read as such */
        t->fpu_init = true;
    } else {
        t->fpu_init = false;
    }
    __atomic_store_n(&tp->ready, true, __ATOMIC_RELEASE);
    return 0;
}

static long initialise32(struct vcpu *v, struct vcpu *t, uint64_t arg)
{
    struct compat_guest_context *c = xmalloc(sizeof(*c), HEAP_PV);
    long rc;

    if (!c)
        return -ENOMEM;
    rc = pv_copy_guest(v, c, arg, sizeof(*c), false) ? -EFAULT : pv32_vcpu_set_context(v, t, c);
    xfree(c);
    return rc;
}

long pv32_vcpu_initialise(struct vcpu *v, unsigned id, uint64_t arg)
{
    struct domain *d = v->domain;

    if (id >= d->nr_vcpus || !d->vcpus[id] || !d->vcpus[id]->vendor)
        return -ENOENT;
    return initialise32(v, d->vcpus[id], arg);
}
