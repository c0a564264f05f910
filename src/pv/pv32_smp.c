/*
 * VCPUOP_initialise for 32-bit PV guests (docs/pv.md "Ring 1 and
 * compat"): the x86_32 vcpu_guest_context (Xen's public arch-x86/xen.h and
 * xen-x86_32.h: 2800 bytes) read, checked and given to the offline target
 * vCPU as pv_smp.c does for 64-bit ones.  What 32-bit guests cannot have
 * yet is refused (their own GDT/LDT, user mode at start), with the
 * reason logged for the first few.
 */
#include "pv/pv.h"
#include "core/domain.h"
#include "core/console.h"
#include "mm/mm.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "public/vcpu.h"

#define PV32_RING1_CS   0xe019
#define PV32_RING1_DS   0xe021
#define PV32_HV_START   0xf5800000ull

struct compat_user_regs {
    uint32_t ebx, ecx, edx, esi, edi, ebp, eax;
    uint16_t error_code, entry_vector;
    uint32_t eip;
    uint16_t cs;
    uint8_t saved_upcall_mask, pad0;
    uint32_t eflags, esp;
    uint16_t ss, pad1, es, pad2, ds, pad3, fs, pad4, gs, pad5;
};
_Static_assert(sizeof(struct compat_user_regs) == 68, "x86_32 cpu_user_regs");

struct compat_guest_context {
    uint8_t fpu_ctxt[512];
    uint32_t flags;
    struct compat_user_regs user_regs;
    struct { uint8_t vector, flags; uint16_t cs; uint32_t address; } trap_ctxt[256];
    uint32_t ldt_base, ldt_ents;
    uint32_t gdt_frames[16], gdt_ents;
    uint32_t kernel_ss, kernel_sp;
    uint32_t ctrlreg[8];
    uint32_t debugreg[8];
    uint32_t event_callback_cs, event_callback_eip;
    uint32_t failsafe_callback_cs, failsafe_callback_eip;
    uint32_t vm_assist;
};
_Static_assert(__builtin_offsetof(struct compat_guest_context, trap_ctxt) == 584, "x86_32 vcpu_guest_context");
_Static_assert(__builtin_offsetof(struct compat_guest_context, ctrlreg) == 2716, "x86_32 vcpu_guest_context");
_Static_assert(sizeof(struct compat_guest_context) == 2800, "x86_32 vcpu_guest_context");

/* The L3's mfn from a 32-bit CR3 (Xen's xen_cr3_to_pfn for x86_32: bits
 * 31-12 the low 20 bits of the frame, bits 11-0 the ones above). */
static uint64_t cr3_to_mfn(uint32_t cr3)
{
    return (uint64_t)(cr3 >> 12) | (uint64_t)(cr3 & 0xfff) << 20;
}

static const char *context_problem(const struct compat_guest_context *c)
{
    const struct compat_user_regs *r = &c->user_regs;

    if (!(c->flags & VGCF_in_kernel))
        return "user mode";
    if (r->cs != PV32_RING1_CS || r->ss != PV32_RING1_DS)
        return "selectors (only the flat ring-1 ones for now)";
    if (r->eip >= PV32_HV_START || r->esp >= PV32_HV_START || c->kernel_sp >= PV32_HV_START)
        return "eip/esp";
    if (c->gdt_ents || c->ldt_ents)
        return "gdt/ldt (not for 32-bit guests yet)";
    if (c->event_callback_eip >= PV32_HV_START || c->failsafe_callback_eip >= PV32_HV_START)
        return "callbacks";
    for (unsigned i = 0; i < 256; i++)
        if (c->trap_ctxt[i].address >= PV32_HV_START)
            return "trap table";
    if (!c->ctrlreg[3] || c->ctrlreg[1])
        return "cr3";
    return NULL;
}

static long initialise32(struct vcpu *v, struct vcpu *t, uint64_t arg)
{
    struct pv_vcpu *tp = t->vendor;
    struct compat_guest_context *c = xmalloc(sizeof(*c), HEAP_PV);
    long rc;

    if (!c)
        return -ENOMEM;
    if (pv_copy_guest(v, c, arg, sizeof(*c), false)) {
        rc = -EFAULT;
        goto out;
    }
    rc = pv_init_check_claim(v, t, context_problem(c), "pv32");
    if (rc)
        goto out;
    /* The target's L4 (kept if a later step fails: freed with the vCPU). */
    if (!tp->compat_l4) {
        uint64_t *l4 = alloc_pages(0, DOMID_XEN);
        if (!l4) {
            __atomic_store_n(&tp->initialised, false, __ATOMIC_RELEASE);
            rc = -ENOMEM;
            goto out;
        }
        const uint64_t *hv = phys_to_virt(mm_root_phys());
        for (unsigned i = PGT_L4_HV_FIRST; i <= PGT_L4_HV_LAST; i++)
            l4[i] = hv[i];
        tp->compat_l4 = virt_to_phys(l4) >> 12;
    }
    uint64_t l3 = cr3_to_mfn(c->ctrlreg[3]);
    if (pv_mmu_get_base(v, l3)) {      /* an L3 of the domain's (pv_mmu_env.c: compat) */
        __atomic_store_n(&tp->initialised, false, __ATOMIC_RELEASE);
        rc = -EINVAL;
        goto out;
    }
    const struct compat_user_regs *r = &c->user_regs;
    struct cpu_regs *x = &tp->ctx;
    memset(x, 0, sizeof(*x));
    x->rbx = r->ebx, x->rcx = r->ecx, x->rdx = r->edx, x->rsi = r->esi, x->rdi = r->edi;
    x->rbp = r->ebp, x->rax = r->eax;
    x->rip = r->eip;
    x->rsp = r->esp;
    x->cs = PV32_RING1_CS;
    x->ss = PV32_RING1_DS;
    x->rflags = (r->eflags & 0x240dd5u) | 0x202;
    tp->seg.ds = tp->seg.es = tp->seg.fs = tp->seg.gs = PV32_RING1_DS;
    tp->seg.stale = true;
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
    __atomic_store_n(&tp->ready, true, __ATOMIC_RELEASE);
    rc = 0;
out:
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
