/*
 * CPU identification and the capabilities later subsystems choose from
 * (VMX/SVM backends, the APIC timer, XSAVE).  Read once on the boot CPU.
 */
#ifndef RV_ARCH_X86_CPUFEATURE_H
#define RV_ARCH_X86_CPUFEATURE_H

#include "lib/compiler.h"

enum cpu_vendor { VENDOR_UNKNOWN, VENDOR_INTEL, VENDOR_AMD };

struct vmx_caps {
    bool present;           /* CPUID.1:ECX.VMX */
    bool usable;            /* and IA32_FEATURE_CONTROL allows VMXON outside SMX */
    uint32_t revision;      /* IA32_VMX_BASIC[30:0] */
    bool true_ctls;         /* IA32_VMX_BASIC bit 55: the TRUE_* capability MSRs exist */
    uint64_t pinbased, procbased, procbased2, exit, entry;   /* allowed-0 (low) / allowed-1 (high) */
    uint64_t ept_vpid;      /* IA32_VMX_EPT_VPID_CAP */
    bool ept, vpid, unrestricted_guest, ept_2m, ept_1g, ept_ad;
};

struct svm_caps {
    bool present;           /* CPUID 0x80000001:ECX.SVM */
    bool usable;            /* VM_CR.SVMDIS clear */
    uint32_t revision;      /* CPUID 0x8000000A EAX[7:0] */
    uint32_t nr_asids;      /* CPUID 0x8000000A EBX */
    uint32_t features;      /* CPUID 0x8000000A EDX */
};
/* CPUID 0x8000000A EDX bits (AMD APM vol. 3, appendix E). */
#define SVM_FEAT_NPT            (1u << 0)
#define SVM_FEAT_LBRV           (1u << 1)
#define SVM_FEAT_SVML           (1u << 2)
#define SVM_FEAT_NRIPS          (1u << 3)
#define SVM_FEAT_TSC_RATE       (1u << 4)
#define SVM_FEAT_VMCB_CLEAN     (1u << 5)
#define SVM_FEAT_FLUSH_BY_ASID  (1u << 6)
#define SVM_FEAT_DECODE_ASSISTS (1u << 7)
#define SVM_FEAT_PAUSE_FILTER   (1u << 10)
#define SVM_FEAT_PAUSE_THRESH   (1u << 12)
#define SVM_FEAT_AVIC           (1u << 13)
#define SVM_FEAT_VMSAVE_VIRT    (1u << 15)
#define SVM_FEAT_VGIF           (1u << 16)

struct cpu_features {
    enum cpu_vendor vendor;
    char vendor_str[13];
    char brand[49];
    uint32_t family, model, stepping;
    uint32_t max_leaf, max_ext_leaf;
    bool x2apic, tsc_deadline, xsave, osxsave_ok, nx, pdpe1gb, invariant_tsc, hypervisor;
    bool smep, smap, pge, pcid, mwait;
    uint32_t phys_addr_bits, virt_addr_bits;
    struct vmx_caps vmx;
    struct svm_caps svm;
};

extern struct cpu_features boot_cpu;   /* (i) filled by cpufeature_init() */

void cpufeature_init(void);
void cpufeature_print_summary(void);

#endif
