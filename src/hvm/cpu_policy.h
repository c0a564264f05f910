/*
 * The one table of CPU features that both the CPUID policy (hvm/cpuid.c)
 * and the MSR policy (hvm/msr.c) read, so that a feature bit and the MSRs
 * it enumerates never disagree (docs/hvm-platform.md, "The MSR table").
 *
 * - The feature table says, per CPUID bit that enumerates MSRs or state,
 *   whether the guest sees the host's bit, never sees it (its MSRs are not
 *   emulated) or always sees it (emulated whatever the host has).
 *   hvm_cpuid() applies it to every leaf it returns.
 * - The MSR table says, per MSR (or range), which vendor's guests have it
 *   and which feature bits make it exist.  Existence is decided from the
 *   guest's own CPUID output (a struct cpu_policy filled from hvm_cpuid),
 *   never from the host's, so an MSR exists exactly when the CPUID the
 *   guest reads says so; otherwise RDMSR and WRMSR raise #GP.
 *
 * Pure code: no hypervisor state, built for the host by tests/unit
 * (unit_cpu_policy).
 */
#ifndef RV_HVM_CPU_POLICY_H
#define RV_HVM_CPU_POLICY_H

#include <stdbool.h>
#include <stdint.h>

/* The CPUID output words the policy knows about: (leaf, sub-leaf, register). */
enum cpu_word {
    CPW_1C, CPW_1D,                 /* leaf 1 ECX, EDX */
    CPW_6A, CPW_6C,                 /* leaf 6 EAX, ECX (thermal and power management) */
    CPW_7B, CPW_7C, CPW_7D,         /* leaf 7.0 EBX, ECX, EDX */
    CPW_D1A,                        /* leaf 0xd.1 EAX */
    CPW_E1C, CPW_E1D,               /* leaf 0x80000001 ECX, EDX */
    CPW_E7B,                        /* leaf 0x80000007 EBX */
    CPW_E8B,                        /* leaf 0x80000008 EBX */
    CPW_E21A,                       /* leaf 0x80000021 EAX */
    CPW_NR
};

/* A feature: word * 32 + bit. */
#define CPF(w, b) ((uint16_t)((w) * 32 + (b)))
enum cpu_feat {
    /* leaf 1 ECX */
    F_DTES64 = CPF(CPW_1C, 2), F_MONITOR = CPF(CPW_1C, 3), F_DSCPL = CPF(CPW_1C, 4), F_VMX = CPF(CPW_1C, 5),
    F_SMX = CPF(CPW_1C, 6), F_EIST = CPF(CPW_1C, 7), F_TM2 = CPF(CPW_1C, 8), F_SDBG = CPF(CPW_1C, 11),
    F_XTPR = CPF(CPW_1C, 14), F_PDCM = CPF(CPW_1C, 15), F_X2APIC = CPF(CPW_1C, 21),
    F_TSC_DEADLINE = CPF(CPW_1C, 24), F_XSAVE = CPF(CPW_1C, 26), F_OSXSAVE = CPF(CPW_1C, 27),
    /* leaf 1 EDX */
    F_MSR = CPF(CPW_1D, 5), F_MCE = CPF(CPW_1D, 7), F_APIC = CPF(CPW_1D, 9), F_SEP = CPF(CPW_1D, 11),
    F_MTRR = CPF(CPW_1D, 12), F_MCA = CPF(CPW_1D, 14), F_PAT = CPF(CPW_1D, 16), F_DS = CPF(CPW_1D, 21),
    F_ACPI = CPF(CPW_1D, 22), F_TM = CPF(CPW_1D, 29), F_PBE = CPF(CPW_1D, 31),
    /* leaf 6 EAX, ECX */
    F_DTS = CPF(CPW_6A, 0), F_ARAT = CPF(CPW_6A, 2), F_PLN = CPF(CPW_6A, 4), F_PTM = CPF(CPW_6A, 6),
    F_HWP = CPF(CPW_6A, 7), F_HWP_NOTIFY = CPF(CPW_6A, 8), F_HWP_ACT = CPF(CPW_6A, 9),
    F_HWP_EPP = CPF(CPW_6A, 10), F_HWP_PKG = CPF(CPW_6A, 11), F_HDC = CPF(CPW_6A, 13),
    F_HFI = CPF(CPW_6A, 19), F_APERFMPERF = CPF(CPW_6C, 0), F_EPB = CPF(CPW_6C, 3),
    /* leaf 7.0 EBX */
    F_TSC_ADJUST = CPF(CPW_7B, 1), F_HLE = CPF(CPW_7B, 4), F_RTM = CPF(CPW_7B, 11), F_PQM = CPF(CPW_7B, 12),
    F_MPX = CPF(CPW_7B, 14), F_PQE = CPF(CPW_7B, 15), F_PT = CPF(CPW_7B, 25),
    /* leaf 7.0 ECX */
    F_PKU = CPF(CPW_7C, 3), F_OSPKE = CPF(CPW_7C, 4), F_WAITPKG = CPF(CPW_7C, 5), F_CET_SS = CPF(CPW_7C, 7),
    F_RDPID = CPF(CPW_7C, 22), F_PKS = CPF(CPW_7C, 31),
    /* leaf 7.0 EDX */
    F_SRBDS_CTRL = CPF(CPW_7D, 9), F_MD_CLEAR = CPF(CPW_7D, 10), F_TSX_FORCE_ABORT = CPF(CPW_7D, 13),
    F_HYBRID = CPF(CPW_7D, 15), F_PCONFIG = CPF(CPW_7D, 18), F_ARCH_LBR = CPF(CPW_7D, 19),
    F_CET_IBT = CPF(CPW_7D, 20), F_IBRSB = CPF(CPW_7D, 26), F_STIBP = CPF(CPW_7D, 27),
    F_L1D_FLUSH = CPF(CPW_7D, 28), F_ARCH_CAPS = CPF(CPW_7D, 29), F_CORE_CAPS = CPF(CPW_7D, 30),
    F_SSBD = CPF(CPW_7D, 31),
    /* leaf 0xd.1 EAX */
    F_XSAVES = CPF(CPW_D1A, 3),
    /* leaf 0x80000001 ECX */
    F_SVM = CPF(CPW_E1C, 2), F_OSVW = CPF(CPW_E1C, 9), F_IBS = CPF(CPW_E1C, 10), F_SKINIT = CPF(CPW_E1C, 12),
    F_WDT = CPF(CPW_E1C, 13), F_LWP = CPF(CPW_E1C, 15), F_PERFCTR_CORE = CPF(CPW_E1C, 23),
    F_PERFCTR_NB = CPF(CPW_E1C, 24), F_DBEXT = CPF(CPW_E1C, 26), F_PERFCTR_LLC = CPF(CPW_E1C, 28),
    /* leaf 0x80000001 EDX */
    F_SYSCALL = CPF(CPW_E1D, 11), F_NX = CPF(CPW_E1D, 20), F_RDTSCP = CPF(CPW_E1D, 27), F_LM = CPF(CPW_E1D, 29),
    /* leaf 0x80000007 EBX */
    F_SMCA = CPF(CPW_E7B, 3),
    /* leaf 0x80000008 EBX */
    F_IRPERF = CPF(CPW_E8B, 1), F_IBPB = CPF(CPW_E8B, 12), F_AMD_IBRS = CPF(CPW_E8B, 14),
    F_AMD_STIBP = CPF(CPW_E8B, 15), F_AMD_SSBD = CPF(CPW_E8B, 24), F_VIRT_SSBD = CPF(CPW_E8B, 25),
    F_AMD_PSFD = CPF(CPW_E8B, 28),
    /* leaf 0x80000021 EAX */
    F_CPUID_USER_DIS = CPF(CPW_E21A, 17),
    F_NONE = 0xffff
};

/* What the CPUID policy does with a feature of the table. */
enum cpf_action {
    CPF_HOST,       /* the host's bit; its MSRs are emulated when it is shown */
    CPF_HIDE,       /* never shown: its MSRs (or state) are not emulated */
    CPF_FORCE,      /* always shown: emulated whatever the host has */
};

struct cpu_feat_desc {
    uint16_t feat;
    uint8_t action;                 /* enum cpf_action */
    const char *name;
    const char *why;                /* the MSRs or state behind it, and the reason */
};
extern const struct cpu_feat_desc cpu_feat_table[];
extern const unsigned cpu_feat_table_len;

/* The guest's CPUID, as far as the MSR policy needs it. */
struct cpu_policy {
    uint32_t w[CPW_NR];             /* the words of enum cpu_word; 0 where the leaf is absent */
    bool intel, amd;                /* vendor string GenuineIntel / AuthenticAMD (or HygonGenuine) */
    uint8_t maxphysaddr;            /* 0x80000008 EAX[7:0], or 36/32 without that leaf */
};

/* The leaf each word comes from (register: 0 EAX .. 3 EDX). */
struct cpu_word_src { uint32_t leaf, sub; uint8_t reg; };
extern const struct cpu_word_src cpu_word_src[CPW_NR];

static inline bool cpu_policy_has(const struct cpu_policy *p, unsigned feat)
{
    return feat < CPW_NR * 32 && (p->w[feat / 32] >> (feat % 32)) & 1;
}

/* Applies the feature table to one CPUID output (EAX EBX ECX EDX) of leaf/sub. */
void cpu_policy_adjust_leaf(uint32_t leaf, uint32_t sub, uint32_t out[4]);

/* What hvm/msr.c does with an MSR of the table. */
enum msr_kind {
    MSRK_TSC, MSRK_TSC_ADJUST, MSRK_PAT, MSRK_EFER,
    MSRK_MTRRCAP, MSRK_MTRR_DEF, MSRK_MTRR_VAR, MSRK_MTRR_FIXED,
    MSRK_PLATFORM_INFO, MSRK_MISC_FEATURES, MSRK_MISC_ENABLE, MSRK_FEATURE_CONTROL, MSRK_PLATFORM_ID,
    MSRK_UCODE_REV, MSRK_DEBUGCTL, MSRK_LBR, MSRK_RAZ_WI, MSRK_RAZ_RO, MSRK_RAZ_FIXED,
    MSRK_DE_CFG, MSRK_SPEC_CTRL, MSRK_PRED_CMD, MSRK_FLUSH_CMD, MSRK_ARCH_CAPS, MSRK_VIRT_SPEC_CTRL,
    MSRK_TSC_AUX, MSRK_XSS, MSRK_PKRS, MSRK_BNDCFGS, MSRK_OSVW, MSRK_MCE, MSRK_DR_MASK,
    MSRK_NEVER,     /* known, but never offered: #GP */
};

/* Who may access it. */
#define MSRA_R  1u
#define MSRA_W  2u
#define MSRA_RW (MSRA_R | MSRA_W)
#define CPV_INTEL 1u
#define CPV_AMD   2u
#define CPV_ANY   (CPV_INTEL | CPV_AMD)

struct msr_desc {
    uint32_t first, last;           /* inclusive range */
    uint8_t vendors;                /* CPV_*: the guest's CPUID vendor */
    uint8_t access;                 /* MSRA_* */
    uint8_t kind;                   /* enum msr_kind */
    uint16_t gate[2];               /* exists if the guest has either feature (F_NONE: no gate) */
    const char *name;
};
extern const struct msr_desc msr_table[];
extern const unsigned msr_table_len;

/* The entry of msr in the table if the guest described by p has it, else
 * NULL (#GP).  An MSR not in the table at all also gives NULL. */
const struct msr_desc *cpu_policy_msr(const struct cpu_policy *p, uint32_t msr);
/* The entry of msr whatever the guest has (NULL if not in the table). */
const struct msr_desc *cpu_policy_msr_entry(uint32_t msr);

/* Write checks (true: the value may be written). */
bool cpu_policy_mtrr_type_ok(uint8_t type);                 /* UC WC WT WP WB */
bool cpu_policy_mtrr_def_ok(uint64_t val);
bool cpu_policy_mtrr_fixed_ok(uint64_t val);
bool cpu_policy_mtrr_var_ok(const struct cpu_policy *p, bool is_mask, uint64_t val);
bool cpu_policy_pat_ok(uint64_t val);
/* Bits of IA32_SPEC_CTRL the guest may set (Xen: IBRS, STIBP, SSBD and
 * PSFD where offered). */
uint64_t cpu_policy_spec_ctrl_valid(const struct cpu_policy *p);

/* Architectural values. */
#define MTRRCAP_VALUE   0x508ull        /* 8 variable ranges (VCNT), fixed ranges (FIX, bit 8), WC (bit 10) */
#define MTRR_NR_VAR     8
#define PLATFORM_INFO_CPUID_FAULTING (1ull << 31)
#define MISC_FEATURES_CPUID_FAULTING (1ull << 0)
/* The virtual machine-check architecture (as Xen's vMCE): two banks;
 * Intel adds SER_P (24), TES_P (11) and CMCI_P (10) to the count. */
#define MCE_NR_BANKS        2
#define MCG_CAP_INTEL       ((1ull << 24) | (1ull << 11) | (1ull << 10) | MCE_NR_BANKS)
#define MCG_CAP_AMD         ((uint64_t)MCE_NR_BANKS)

#endif
