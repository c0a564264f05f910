/*
 * The model-specific registers a vCPU has that no CPU save area holds for
 * it (struct vcpu.msr), kept with the vCPU whatever its kind; hvm/msr.c
 * emulates them today.  Written only by the vCPU itself in its exit
 * handlers; the debug dump may read it.
 * Zero at creation; msr.c fills the firmware defaults (MTRRs) on the
 * first MSR exit (ready = false until then).
 */
#ifndef RV_CORE_VCPU_MSRS_H
#define RV_CORE_VCPU_MSRS_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu_msrs {
    bool ready;                     /* the defaults below have been set */
    uint64_t mtrr_def;              /* IA32_MTRR_DEF_TYPE */
    uint64_t mtrr_fixed[11];        /* FIX64K_00000, FIX16K_80000/A0000, FIX4K_C0000..F8000 */
    uint64_t mtrr_var[16];          /* PHYSBASE0, PHYSMASK0, ... PHYSBASE7, PHYSMASK7 */
    uint64_t misc_features;         /* MSR_MISC_FEATURES_ENABLES: bit 0 CPUID faulting */
    uint64_t debugctl;              /* IA32_DEBUGCTL: LBR, BTF (stored; see msr.c) */
    uint64_t lbr[4];                /* AMD: LastBranchFrom/ToIP, LastExceptionFrom/ToIP as written */
    uint64_t mcg_status;            /* IA32_MCG_STATUS (vMCE) */
    uint64_t mc_ctl2[2];            /* Intel IA32_MC0_CTL2, IA32_MC1_CTL2 */
    /* Loaded into the CPU around every entry (hvm_msr_guest_load). */
    uint64_t tsc_aux;               /* IA32_TSC_AUX: bits 31:0 */
    uint64_t spec_ctrl;             /* IA32_SPEC_CTRL */
};

#endif
