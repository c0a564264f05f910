/*
 * The VMX guest-state checker (hvm/vmstate.h): the checks VM entry makes on
 * the guest-state area (Intel SDM vol. 3C 26.3.1) and on the VM-entry
 * interruption-information field (26.2.1.3), as a pure function over a
 * snapshot of the VMCS fields, so that tests/unit builds it for the host.
 * Only what applies to the VMCSs Ringvisor builds: no shadow VMCS, no SMM,
 * no CET, PKS, RTIT or perf-global-ctrl loading, EPT always on.
 */
#ifndef RV_VMX_VMX_CHECK_H
#define RV_VMX_VMX_CHECK_H

#include "lib/compiler.h"
#include "hvm/vmstate.h"

/* Segment order of the VMCS field families: ES CS SS DS FS GS LDTR TR. */
enum { VSEG_ES, VSEG_CS, VSEG_SS, VSEG_DS, VSEG_FS, VSEG_GS, VSEG_LDTR, VSEG_TR, VSEG_NR };

struct vmx_snapshot {
    /* Controls. */
    uint32_t pin, proc, proc2, entry;
    uint32_t entry_intr_info, entry_errcode, entry_insn_len;
    /* Guest-state area (24.4). */
    uint64_t cr0, cr3, cr4, dr7, debugctl, efer, pat;
    uint64_t sysenter_esp, sysenter_eip;
    struct { uint16_t sel; uint32_t limit, ar; uint64_t base; } seg[VSEG_NR];
    uint64_t gdtr_base, idtr_base;
    uint32_t gdtr_limit, idtr_limit;
    uint64_t rip, rflags;
    uint32_t interruptibility, activity;
    uint64_t pending_dbg, link_ptr;
    uint64_t pdpte[4];
};

/* What the CPU allows (capability MSRs, CPUID). */
struct vmx_check_caps {
    uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;   /* IA32_VMX_CR0/CR4_FIXED0/1 */
    uint64_t misc;              /* IA32_VMX_MISC: activity states (8:6), length-0 injection (30) */
    bool basic_no_errcode_rule; /* IA32_VMX_BASIC[56]: error codes not tied to the vector */
    unsigned phys_bits;         /* MAXPHYADDR */
    unsigned virt_bits;         /* linear-address width: 48 (or 57) */
};

enum vmx_rule {
    VMXR_NONE,
    /* 26.3.1.1 */
    VMXR_CR0_FIXED, VMXR_CR0_PG_NO_PE, VMXR_CR4_FIXED, VMXR_DEBUGCTL_RSVD, VMXR_IA32E_NO_PG_PAE,
    VMXR_PCIDE_NOT_IA32E, VMXR_CR3_MBZ, VMXR_DR7_HIGH, VMXR_SYSENTER_ESP, VMXR_SYSENTER_EIP,
    VMXR_PAT, VMXR_EFER_RSVD, VMXR_EFER_LMA, VMXR_EFER_LME,
    /* 26.3.1.2 */
    VMXR_TR_TI, VMXR_LDTR_TI, VMXR_SS_CS_RPL, VMXR_V86_SEG, VMXR_BASE_CANON, VMXR_BASE_HIGH,
    VMXR_SEG_RSVD, VMXR_SEG_PRESENT, VMXR_SEG_S, VMXR_SEG_LIMIT_G, VMXR_CS_TYPE, VMXR_CS_DPL,
    VMXR_CS_L_D, VMXR_SS_TYPE, VMXR_SS_DPL, VMXR_DATA_TYPE, VMXR_DATA_DPL, VMXR_TR_TYPE,
    VMXR_TR_UNUSABLE, VMXR_LDTR_TYPE,
    /* 26.3.1.3 */
    VMXR_DTR_BASE, VMXR_DTR_LIMIT,
    /* 26.3.1.4 */
    VMXR_RIP, VMXR_RFLAGS_RSVD, VMXR_RFLAGS_VM, VMXR_RFLAGS_IF_INJ,
    /* 26.3.1.5 */
    VMXR_ACTIVITY, VMXR_ACTIVITY_HLT_DPL, VMXR_ACTIVITY_SHADOW, VMXR_INTR_RSVD, VMXR_INTR_STI_MOVSS,
    VMXR_INTR_STI_IF, VMXR_INTR_EXTINT_SHADOW, VMXR_INTR_NMI_MOVSS, VMXR_INTR_SMI, VMXR_INTR_NMI_BLOCKED,
    VMXR_PENDING_DBG_RSVD, VMXR_PENDING_DBG_BS, VMXR_LINK_PTR,
    /* 26.3.1.6 */
    VMXR_PDPTE,
    /* 26.2.1.3 */
    VMXR_INJ_RSVD, VMXR_INJ_TYPE, VMXR_INJ_VECTOR, VMXR_INJ_ERR_BIT, VMXR_INJ_ERRCODE, VMXR_INJ_LEN,
    VMXR_NR
};

/* First rule broken: false and *f filled; true when none. */
bool vmx_check_state(const struct vmx_snapshot *s, const struct vmx_check_caps *caps, struct vmstate_finding *f);

#endif
