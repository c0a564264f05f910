/*
 * The CPUID policy HVM guests see: the host's leaves with the virtualization
 * extensions hidden (the guest cannot use them), the initial APIC id set to
 * the vCPU number, and the Xen-compatible hypervisor leaves at 0x40000000
 * (Xen's public arch-x86/cpuid.h: signature "XenVMMXenVMM", version, and the
 * MSR that installs the hypercall page), unless the domain asks to look like
 * plain hardware.
 */
#include "hvm/hvm.h"
#include "public/cpuid.h"
#include "core/domain.h"
#include "arch/x86/asm.h"
#include "arch/x86/time.h"

#define HV_LEAF_BASE    0x40000000u
#define HV_LEAF_MAX     0x40000004u
#define HV_VERSION      ((4u << 16) | 17u)      /* reported as Xen 4.17: what guests check for features */
#define HV_HYPERCALL_MSR 0x40000000u

uint32_t hvm_hypervisor_version(void)
{
    return HV_VERSION;
}

void hvm_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
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
        case HV_LEAF_BASE + 4:
            /* HVM features: which vCPU and domain this is (the ids event
             * channels and vcpu_op take) and per-vCPU upcall vectors. */
            a = XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT | XEN_HVM_CPUID_UPCALL_VECTOR;
            b = v->vcpu_id;
            c = v->domain->domid;
            break;
        }
        goto out;
    }

    cpuid_count(leaf, sub, &a, &b, &c, &d);
    switch (leaf) {
    case 1:
        c &= ~((1u << 5) | (1u << 6));  /* VMX, SMX: CR4.VMXE/SMXE are not the guest's */
        c |= 1u << 31;                  /* "running under a hypervisor" */
        if (v->domain->hide_hypervisor_cpuid)
            c &= ~(1u << 31);
        c &= ~(1u << 3);                /* MONITOR/MWAIT: intercepted, not offered */
        /* The virtual LAPIC offers x2APIC and the TSC-deadline timer
         * whatever the host has. */
        c |= (1u << 21) | (1u << 24);
        /* XSAVE and the state it manages (AVX, FMA, F16C) are not offered:
         * guest FPU state is switched with FXSAVE, which does not cover
         * them. */
        c &= ~((1u << 26) | (1u << 27) | (1u << 28) | (1u << 12) | (1u << 29));
        d |= 1u << 9;                   /* APIC present */
        /* Machine checks are not virtualised: no MCE/MCA, so the guest does
         * not look for bank MSRs. */
        d &= ~((1u << 7) | (1u << 14));
        /* Initial APIC id = vCPU number; logical count = vCPUs. */
        b = (b & 0x0000ffffu) | (v->vcpu_id << 24) | ((v->domain->nr_vcpus & 0xff) << 16);
        break;
    case 6:
        a |= 1u << 2;                   /* ARAT: the virtual APIC timer never stops */
        break;
    case 7:
        if (sub == 0) {
            /* AVX2, AVX-512 (F DQ IFMA PF ER CD BW VL), MPX: XSAVE state. */
            b &= ~((1u << 5) | (1u << 14) | (1u << 16) | (1u << 17) | (1u << 21) | (1u << 26) | (1u << 27) |
                   (1u << 28) | (1u << 30) | (1u << 31));
            b |= 1u << 1;               /* TSC_ADJUST: the MSR is emulated (msr.c) */
            /* AVX-512 VBMI/VBMI2/VNNI/BITALG/VPOPCNTDQ, PKU/OSPKE, VAES,
             * VPCLMULQDQ, WAITPKG. */
            c &= ~((1u << 1) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 9) | (1u << 10) |
                   (1u << 11) | (1u << 12) | (1u << 14) | (1u << 22));    /* ... and RDPID */
            /* AVX-512 4VNNIW/4FMAPS, AMX, AVX512-FP16, and the speculation
             * controls (IBRS/IBPB, STIBP, L1D flush, ARCH_CAPABILITIES,
             * SSBD, MD_CLEAR): their MSRs are not emulated. */
            d &= ~((1u << 2) | (1u << 3) | (1u << 10) | (1u << 22) | (1u << 23) | (1u << 24) | (1u << 25) |
                   (1u << 26) | (1u << 27) | (1u << 28) | (1u << 29) | (1u << 31));
            /* Features whose CR4 enable the guest may not set (hvm/ctrlreg.c):
             * CET shadow stacks / IBT (XSAVE-managed state), 5-level paging
             * (the hypervisor's guest page walker has 4 levels), Key Locker,
             * PKS, user interrupts. */
            c &= ~((1u << 7) | (1u << 16) | (1u << 23) | (1u << 31));
            d &= ~((1u << 5) | (1u << 20));
            /* UMIP, as Xen does, also where the CPU lacks it: the backend
             * intercepts the five instructions while CR4.UMIP is set. */
            if (hvm_vendor && hvm_vendor->umip_emulated)
                c |= 1u << 2;
        } else {
            a = b = c = d = 0;
        }
        break;
    case 0x15:
        /* TSC/crystal ratio: guests would derive the local APIC timer's
         * rate from the crystal, but the virtual APIC timer has its own
         * 1 GHz clock.  Not reported: guests calibrate instead. */
    case 0xa:                           /* architectural performance monitoring: none */
    case 0xd:                           /* XSAVE state components: none */
        a = b = c = d = 0;
        break;
    case 0xb:
    case 0x1f:
        d = v->vcpu_id;                 /* x2APIC id */
        break;
    case 0x80000001:
        c &= ~(1u << 2);                /* SVM */
        /* RDTSCP reads IA32_TSC_AUX, which is not switched per vCPU: not
         * offered (nor RDPID, leaf 7), so guests do not use the MSR. */
        d &= ~(1u << 27);
        /* Core/NB/LLC performance counter extensions: MSRs not emulated. */
        c &= ~((1u << 23) | (1u << 24) | (1u << 28));
        break;
    case 0x80000008:
        b = 0;                          /* IBPB/IBRS/SSBD and friends: MSRs not emulated */
        break;
    case 0x8000000a:
        a = b = c = d = 0;              /* SVM features: none for guests */
        break;
    }
out:
    out[0] = a;
    out[1] = b;
    out[2] = c;
    out[3] = d;
}

bool hvm_handle_cpuid(struct vcpu *v)
{
    struct guest_regs *r = &v->regs;
    uint32_t o[4];

    hvm_cpuid(v, (uint32_t)r->rax, (uint32_t)r->rcx, o);
    r->rax = o[0];
    r->rbx = o[1];
    r->rcx = o[2];
    r->rdx = o[3];
    return true;
}
