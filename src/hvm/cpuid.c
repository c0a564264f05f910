/*
 * The CPUID policy HVM guests see: the host's leaves with the virtualization
 * extensions hidden (the guest cannot use them), the initial APIC id set to
 * the vCPU number, and the Xen-compatible hypervisor leaves at 0x40000000
 * (Xen's public arch-x86/cpuid.h: signature "XenVMMXenVMM", version, and the
 * MSR that installs the hypercall page), unless the domain asks to look like
 * plain hardware.
 */
#include "hvm/hvm.h"
#include "hvm/cpu_policy.h"
#include "public/cpuid.h"
#include "core/domain.h"
#include "arch/x86/asm.h"
#include "arch/x86/time.h"
#include "lib/string.h"

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
            /* The guest's TSC runs at the host's rate.  Xen's layout
             * (public/arch-x86/cpuid.h) has the guest TSC frequency in kHz
             * in sub-leaf 0 ECX (EBX 0: TSC mode "default", EDX 0: no
             * migration) and the host's in sub-leaf 2 EAX.  Ringvisor also
             * puts it in EAX of every sub-leaf, which its test guests read
             * (tests/guests/lib/clock.c); in sub-leaf 0 that is where Xen
             * has feature flags (docs/hvm.md). */
            a = (uint32_t)tsc_khz();
            if (sub == 0)
                c = a;
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
        /* VMX, SMX, MONITOR, XSAVE, MCE/MCA, the debug-store and thermal
         * bits, and x2APIC/TSC-deadline/APIC forced on: the feature table
         * (cpu_policy.c), applied below. */
        c |= 1u << 31;                  /* "running under a hypervisor" */
        if (v->domain->hide_hypervisor_cpuid)
            c &= ~(1u << 31);
        /* The state XSAVE manages (AVX, FMA, F16C) is not offered either:
         * guest FPU state is switched with FXSAVE, which does not cover it. */
        c &= ~((1u << 28) | (1u << 12) | (1u << 29));
        /* PCID: the shadow pager runs the guest with CR4.PCIDE clear. */
        if (v->domain->shadow)
            c &= ~(1u << 17);
        /* Initial APIC id = vCPU number; logical count = vCPUs. */
        b = (b & 0x0000ffffu) | (v->vcpu_id << 24) | ((v->domain->nr_vcpus & 0xff) << 16);
        break;
    case 6:
        /* ARAT forced on, the thermal/power MSR features (DTS, HWP,
         * APERF/MPERF, EPB, ...) hidden: the feature table, below. */
        break;
    case 7:
        if (sub == 0) {
            /* AVX2, AVX-512 (F DQ IFMA PF ER CD BW VL): XSAVE state.  MPX,
             * PKU, WAITPKG, CET, PKS (hidden), RDPID and the speculation
             * controls (the host's), TSC_ADJUST (forced on) are MSR features: the feature table
             * (cpu_policy.c), applied below. */
            b &= ~((1u << 5) | (1u << 16) | (1u << 17) | (1u << 21) | (1u << 26) | (1u << 27) |
                   (1u << 28) | (1u << 30) | (1u << 31));
            /* AVX-512 VBMI/VBMI2/VNNI/BITALG/VPOPCNTDQ, VAES, VPCLMULQDQ. */
            c &= ~((1u << 1) | (1u << 6) | (1u << 9) | (1u << 10) | (1u << 11) | (1u << 12) | (1u << 14));
            /* AVX-512 4VNNIW/4FMAPS, AMX, AVX512-FP16. */
            d &= ~((1u << 2) | (1u << 3) | (1u << 22) | (1u << 23) | (1u << 24) | (1u << 25));
            /* Features whose CR4 enable the guest may not set (hvm/ctrlreg.c):
             * 5-level paging (the hypervisor's guest page walker has 4
             * levels), Key Locker, user interrupts. */
            c &= ~((1u << 16) | (1u << 23));
            d &= ~(1u << 5);
            /* UMIP, as Xen does, also where the CPU lacks it: the backend
             * intercepts the five instructions while CR4.UMIP is set. */
            if (hvm_vendor && hvm_vendor->umip_emulated)
                c |= 1u << 2;
            /* INVPCID is not intercepted: under the shadow pager it would
             * flush the CPU's TLB but not the shadow (docs/shadow.md). */
            if (v->domain->shadow)
                b &= ~(1u << 10);
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
        /* SVM, OSVW, IBS, LWP, DBEXT and the counter extensions hidden,
         * RDTSCP the host's: the feature table (cpu_policy.c), below. */
        break;
    case 0x80000007:
        /* Power management: the host's P-state and sensor hardware is not
         * the guest's, and invariant TSC (EDX[8]) is withheld as Xen's
         * default policy withholds it (a domain may be migrated to a host
         * whose TSC rate differs); Linux on AMD then treats a multi-vCPU
         * guest's TSC as unsynchronized, as it does on Xen.  EBX (RAS
         * features): the feature table, below. */
        a = c = d = 0;
        break;
    case 0x80000008:
        /* Only the speculation controls (their MSRs: msr.c, the feature
         * table) and the hints that describe the host without an MSR:
         * IBPB 12, IBRS 14, STIBP 15, IBRS/STIBP always on 16/17, IBRS
         * preferred 18, IBRS same mode 19, SSBD 24, SSB_NO 26.  The rest
         * (CLZERO, IRPERF, WBNOINVD, VIRT_SSBD, PSFD, ...) stays hidden. */
        b &= (1u << 12) | (1u << 14) | (1u << 15) | (1u << 16) | (1u << 17) | (1u << 18) | (1u << 19) |
             (1u << 24) | (1u << 26);
        break;
    case 0x8000000a:
        a = b = c = d = 0;              /* SVM features: none for guests */
        break;
    }
    {
        uint32_t r[4] = { a, b, c, d };
        cpu_policy_adjust_leaf(leaf, sub, r);
        /* RDTSCP and RDPID #UD in a guest whose backend cannot enable them
         * (VMX without the "enable RDTSCP" control): hidden then. */
        if (hvm_vendor && hvm_vendor->no_rdtscp) {
            if (leaf == 0x80000001u)
                r[3] &= ~(1u << 27);
            if (leaf == 7 && sub == 0)
                r[2] &= ~(1u << 22);
        }
        a = r[0], b = r[1], c = r[2], d = r[3];
    }
out:
    out[0] = a;
    out[1] = b;
    out[2] = c;
    out[3] = d;
}

void hvm_cpu_policy(struct vcpu *v, struct cpu_policy *p)
{
    uint32_t r[4], max, emax;

    memset(p, 0, sizeof(*p));
    hvm_cpuid(v, 0, 0, r);
    max = r[0];
    /* "GenuineIntel", "AuthenticAMD", "HygonGenuine" in EBX EDX ECX. */
    p->intel = r[1] == 0x756e6547 && r[3] == 0x49656e69 && r[2] == 0x6c65746e;
    p->amd = (r[1] == 0x68747541 && r[3] == 0x69746e65 && r[2] == 0x444d4163) ||
             (r[1] == 0x6f677948 && r[3] == 0x6e65476e && r[2] == 0x656e6975);
    hvm_cpuid(v, 0x80000000u, 0, r);
    emax = r[0] >= 0x80000000u && r[0] < 0x80010000u ? r[0] : 0;
    for (unsigned w = 0; w < CPW_NR; w++) {
        const struct cpu_word_src *s = &cpu_word_src[w];
        if (s->leaf < 0x80000000u ? s->leaf > max : s->leaf > emax)
            continue;                   /* the leaf is absent: no features */
        hvm_cpuid(v, s->leaf, s->sub, r);
        p->w[w] = r[s->reg];
    }
    if (emax >= 0x80000008u) {
        hvm_cpuid(v, 0x80000008u, 0, r);
        p->maxphysaddr = (uint8_t)r[0];
    }
    if (!p->maxphysaddr)                /* SDM vol. 3A 4.1.4: 36 with PAE, else 32 */
        p->maxphysaddr = (p->w[CPW_1D] & (1u << 6)) ? 36 : 32;
}

bool hvm_handle_cpuid(struct vcpu *v)
{
    struct guest_regs *r = &v->regs;
    uint32_t o[4];

    /* CPUID faulting (MSR_MISC_FEATURES_ENABLES bit 0, msr.c): CPUID at
     * CPL > 0 raises #GP(0) instead (SDM vol. 4 MSR 0x140; Intel's "CPUID
     * faulting" application note).  Every CPUID exits, so the check is
     * here, for both backends and the forced-emulation prefix. */
    if (v->msr.misc_features & MISC_FEATURES_CPUID_FAULTING) {
        struct hvm_ctrl c;
        hvm_vendor->get_ctrl(v, &c);
        if (c.cpl) {
            hvm_inject_gp(v);
            return false;
        }
    }
    hvm_cpuid(v, (uint32_t)r->rax, (uint32_t)r->rcx, o);
    r->rax = o[0];
    r->rbx = o[1];
    r->rcx = o[2];
    r->rdx = o[3];
    return true;
}
