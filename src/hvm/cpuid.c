/*
 * The CPUID policy HVM guests see: the host's leaves with the virtualization
 * extensions hidden (the guest cannot use them), the initial APIC id set to
 * the vCPU number, and the Xen-compatible hypervisor leaves at 0x40000000
 * (Xen's public arch-x86/cpuid.h: signature "XenVMMXenVMM", version, and the
 * MSR that installs the hypercall page), unless the domain asks to look like
 * plain hardware.
 */
#include "hvm/hvm.h"
#include "core/domain.h"
#include "arch/x86/asm.h"
#include "arch/x86/time.h"

#define HV_LEAF_BASE    0x40000000u
#define HV_LEAF_MAX     0x40000003u
#define HV_VERSION      ((4u << 16) | 17u)      /* reported as Xen 4.17: what guests check for features */
#define HV_HYPERCALL_MSR 0x40000000u

uint32_t hvm_hypervisor_version(void)
{
    return HV_VERSION;
}

bool hvm_handle_cpuid(struct vcpu *v)
{
    struct guest_regs *r = &v->regs;
    uint32_t leaf = (uint32_t)r->rax, sub = (uint32_t)r->rcx;
    uint32_t a = 0, b = 0, c = 0, d = 0;

    if (leaf >= HV_LEAF_BASE && leaf < HV_LEAF_BASE + 0x10000) {
        if (v->domain->hide_hypervisor_cpuid)
            goto out;                   /* plain hardware: nothing there */
        switch (leaf) {
        case HV_LEAF_BASE:
            a = HV_LEAF_MAX;
            b = 0x566e6558;             /* "XenV" */
            c = 0x65584d4d;             /* "MMXe" */
            d = 0x4d4d566e;             /* "nVMM" */
            break;
        case HV_LEAF_BASE + 1:
            a = HV_VERSION;
            break;
        case HV_LEAF_BASE + 2:
            a = 1;                      /* one hypercall page */
            b = HV_HYPERCALL_MSR;
            break;
        case HV_LEAF_BASE + 3:
            /* Ringvisor: TSC frequency in kHz in EAX (the guest's TSC runs
             * at the host's rate). */
            a = (uint32_t)tsc_khz();
            break;
        }
        goto out;
    }

    cpuid_count(leaf, sub, &a, &b, &c, &d);
    switch (leaf) {
    case 1:
        c &= ~(1u << 5);                /* VMX */
        c |= 1u << 31;                  /* "running under a hypervisor" */
        if (v->domain->hide_hypervisor_cpuid)
            c &= ~(1u << 31);
        c &= ~(1u << 3);                /* MONITOR/MWAIT: intercepted, not offered */
        c &= ~(1u << 21);               /* x2APIC: no virtual LAPIC yet */
        /* Initial APIC id = vCPU number; logical count = vCPUs. */
        b = (b & 0x0000ffffu) | (v->vcpu_id << 24) | ((v->domain->nr_vcpus & 0xff) << 16);
        break;
    case 0x80000001:
        c &= ~(1u << 2);                /* SVM */
        break;
    case 0x8000000a:
        a = b = c = d = 0;              /* SVM features: none for guests */
        break;
    }
out:
    r->rax = a;
    r->rbx = b;
    r->rcx = c;
    r->rdx = d;
    return true;
}
