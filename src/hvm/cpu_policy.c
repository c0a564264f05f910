/*
 * The shared CPUID/MSR table (cpu_policy.h).  Each decision, and why, is
 * also listed in docs/hvm-platform.md ("The MSR table").  Facts: Intel SDM
 * vol. 2A (CPUID), vol. 4 (MSRs); AMD APM vol. 2 and vol. 3 appendix E;
 * Xen 4.17's guest MSR policy (which MSRs an HVM guest has, as ABI facts).
 */
#include "hvm/cpu_policy.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

enum { EAX, EBX, ECX, EDX };

const struct cpu_word_src cpu_word_src[CPW_NR] = {
    [CPW_1C] = { 1, 0, ECX },           [CPW_1D] = { 1, 0, EDX },
    [CPW_6A] = { 6, 0, EAX },           [CPW_6C] = { 6, 0, ECX },
    [CPW_7B] = { 7, 0, EBX },           [CPW_7C] = { 7, 0, ECX },
    [CPW_7D] = { 7, 0, EDX },           [CPW_D1A] = { 0xd, 1, EAX },
    [CPW_E1C] = { 0x80000001, 0, ECX }, [CPW_E1D] = { 0x80000001, 0, EDX },
    [CPW_E7B] = { 0x80000007, 0, EBX }, [CPW_E8B] = { 0x80000008, 0, EBX }, [CPW_E21A] = { 0x80000021, 0, EAX },
};

#define HIDE(f, why) { f, CPF_HIDE, #f, why }
#define FORCE(f, why) { f, CPF_FORCE, #f, why }
#define HOST(f, why) { f, CPF_HOST, #f, why }

const struct cpu_feat_desc cpu_feat_table[] = {
    /* Emulated whatever the host has. */
    FORCE(F_APIC, "the vLAPIC: APIC_BASE 0x1b, MMIO 0xfee00000"),
    FORCE(F_X2APIC, "the vLAPIC's x2APIC MSRs 0x800-0x8ff"),
    FORCE(F_TSC_DEADLINE, "IA32_TSC_DEADLINE 0x6e0 (vLAPIC)"),
    FORCE(F_TSC_ADJUST, "IA32_TSC_ADJUST 0x3b, per vCPU (msr.c)"),
    FORCE(F_ARAT, "the virtual APIC timer never stops"),
    /* The host's bit; the MSRs behind it are emulated. */
    HOST(F_MSR, "RDMSR/WRMSR"),
    HOST(F_SEP, "SYSENTER_CS/ESP/EIP: in the VMCB/VMCS"),
    HOST(F_MTRR, "MTRRcap, def_type, fixed and 8 variable ranges, per vCPU"),
    HOST(F_PAT, "IA32_PAT: in the VMCB/VMCS"),
    HOST(F_SYSCALL, "EFER.SCE, STAR/LSTAR/CSTAR/SFMASK"),
    HOST(F_NX, "EFER.NXE"),
    HOST(F_LM, "EFER.LME"),
    HOST(F_MCE, "the #MC exception and CR4.MCE (no machine check is ever injected)"),
    HOST(F_MCA, "the vMCE: MCG_CAP/STATUS/CTL, banks 0-1 (MCi_CTL/STATUS/ADDR/MISC, Intel MCi_CTL2)"),
    /* Not virtualized (yet): the guest cannot use them, so it must not see them. */
    HIDE(F_VMX, "VMX capability MSRs, FEATURE_CONTROL VMXON bits: no nested virtualization"),
    HIDE(F_SVM, "VM_CR, VM_HSAVE_PA: no nested virtualization"),
    HIDE(F_SMX, "GETSEC/SMX: not the guest's"),
    HIDE(F_SKINIT, "SKINIT: not the guest's"),
    HIDE(F_MONITOR, "MONITOR/MWAIT are intercepted; MISC_ENABLE.MONITOR reads 0"),
    HIDE(F_WAITPKG, "UMWAIT_CONTROL 0xe1 not emulated"),
    HIDE(F_XSAVE, "XSAVE state is not switched (FXSAVE only); XCR0"),
    HIDE(F_OSXSAVE, "follows XSAVE"),
    HIDE(F_XSAVES, "IA32_XSS 0xda0: XSAVE is hidden, so no supervisor state either (Xen offers XSS only with XSAVES)"),
    HIDE(F_MPX, "IA32_BNDCFGS 0xd90: XSAVE-managed state"),
    HIDE(F_PKU, "PKRU: XSAVE-managed state"),
    HIDE(F_OSPKE, "follows PKU"),
    HIDE(F_PKS, "IA32_PKRS 0x6e1 not switched"),
    HIDE(F_CET_SS, "U_CET/S_CET/PLx_SSP 0x6a0-0x6a8: XSAVES-managed state"),
    HIDE(F_CET_IBT, "U_CET/S_CET: XSAVES-managed state"),
    HIDE(F_SMCA, "scalable MCA MSRs 0xc0002000-: the vMCE has the legacy banks only"),
    HIDE(F_DTES64, "debug store: no DS_AREA"),
    HIDE(F_DSCPL, "debug store: no DS_AREA"),
    HIDE(F_DS, "IA32_DS_AREA 0x600 not emulated"),
    HIDE(F_PDCM, "IA32_PERF_CAPABILITIES 0x345: no vPMU"),
    HIDE(F_SDBG, "IA32_DEBUG_INTERFACE 0xc80 not the guest's"),
    HIDE(F_EIST, "IA32_PERF_CTL is read-as-zero (as Xen)"),
    HIDE(F_TM2, "thermal monitor MSRs not emulated"),
    HIDE(F_TM, "thermal monitor MSRs not emulated"),
    HIDE(F_ACPI, "thermal control MSRs not emulated"),
    HIDE(F_PBE, "pending-break enable: MISC_ENABLE bit, not emulated"),
    HIDE(F_XTPR, "xTPR update control: MISC_ENABLE bit 23, not emulated"),
    HIDE(F_DTS, "IA32_THERM_INTERRUPT/digital thermal sensor MSRs not emulated"),
    HIDE(F_PLN, "power-limit notification: package thermal MSRs"),
    HIDE(F_PTM, "IA32_PACKAGE_THERM_STATUS/INTERRUPT 0x1b1-0x1b2"),
    HIDE(F_HWP, "HWP MSRs 0x770-0x777"),
    HIDE(F_HWP_NOTIFY, "IA32_HWP_INTERRUPT"),
    HIDE(F_HWP_ACT, "HWP activity window"),
    HIDE(F_HWP_EPP, "HWP energy/performance preference"),
    HIDE(F_HWP_PKG, "IA32_HWP_REQUEST_PKG"),
    HIDE(F_HDC, "IA32_PKG_HDC_CTL 0xdb0"),
    HIDE(F_HFI, "hardware feedback interface MSRs 0x17d0-"),
    HIDE(F_APERFMPERF, "IA32_MPERF/APERF 0xe7-0xe8: no virtual frequency counters"),
    HIDE(F_EPB, "IA32_ENERGY_PERF_BIAS 0x1b0 not the guest's"),
    HIDE(F_PQM, "RDT monitoring MSRs 0xc8d-0xc8f"),
    HIDE(F_PQE, "RDT allocation MSRs 0xc90-"),
    HIDE(F_PT, "Processor Trace RTIT MSRs 0x560-0x571"),
    HIDE(F_ARCH_LBR, "architectural LBR MSRs 0x14ce-: no LBR virtualization"),
    /* The host's bit, with their neighbours: the MSRs are emulated per vCPU. */
    HOST(F_RDTSCP, "IA32_TSC_AUX 0xc0000103, per vCPU, loaded around every entry (msr.c); hidden where the backend cannot run RDTSCP in the guest (cpuid.c)"),
    HOST(F_RDPID, "reads IA32_TSC_AUX, per vCPU (as RDTSCP)"),
    HOST(F_IBRSB, "IA32_SPEC_CTRL 0x48 per vCPU, loaded around every entry; PRED_CMD 0x49 IBPB done on the host"),
    HOST(F_STIBP, "IA32_SPEC_CTRL.STIBP"),
    HOST(F_SSBD, "IA32_SPEC_CTRL.SSBD"),
    HIDE(F_L1D_FLUSH, "IA32_FLUSH_CMD 0x10b: follows SPEC_CTRL"),
    HOST(F_ARCH_CAPS, "IA32_ARCH_CAPABILITIES 0x10a: the host's status bits, filtered (msr.c)"),
    HIDE(F_CORE_CAPS, "IA32_CORE_CAPABILITIES 0xcf: not offered (Xen neither)"),
    HOST(F_MD_CLEAR, "VERW flushes buffers: an unprivileged instruction, no MSR"),
    HIDE(F_SRBDS_CTRL, "IA32_MCU_OPT_CTRL 0x123 not offered (Xen neither)"),
    HIDE(F_TSX_FORCE_ABORT, "MSR_TSX_FORCE_ABORT 0x10f not offered (Xen neither)"),
    HOST(F_IBPB, "PRED_CMD 0x49 (AMD enumeration): IBPB done on the host"),
    HOST(F_AMD_IBRS, "SPEC_CTRL 0x48 (AMD enumeration), per vCPU"),
    HOST(F_AMD_STIBP, "SPEC_CTRL.STIBP (AMD enumeration)"),
    HOST(F_AMD_SSBD, "SPEC_CTRL.SSBD (AMD enumeration)"),
    HIDE(F_VIRT_SSBD, "VIRT_SPEC_CTRL 0xc001011f"),
    HIDE(F_AMD_PSFD, "SPEC_CTRL.PSFD"),
    HIDE(F_IRPERF, "instructions-retired counter 0xc00000e9: no vPMU"),
    HIDE(F_OSVW, "OSVW_ID_LENGTH/STATUS 0xc0010140-1 (Xen does not offer OSVW either)"),
    HIDE(F_IBS, "IBS MSRs: no vPMU"),
    HIDE(F_WDT, "watchdog timer MSRs"),
    HIDE(F_LWP, "LWP_CFG/LWP_CBADDR 0xc0000105-6"),
    HIDE(F_DBEXT, "DR0-3 address masks 0xc0011019-b, 0xc0011027 not switched"),
    HIDE(F_PERFCTR_CORE, "core counter extension 0xc0010200-: read as zero, no vPMU"),
    HIDE(F_PERFCTR_NB, "northbridge counters: no vPMU"),
    HIDE(F_PERFCTR_LLC, "LLC counters: no vPMU"),
    HIDE(F_CPUID_USER_DIS, "HWCR.CpuidUserDis: guests get Intel-style CPUID faulting instead (as on Xen)"),
};
const unsigned cpu_feat_table_len = ARRAY_LEN(cpu_feat_table);

void cpu_policy_adjust_leaf(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    for (unsigned i = 0; i < cpu_feat_table_len; i++) {
        const struct cpu_feat_desc *f = &cpu_feat_table[i];
        const struct cpu_word_src *s = &cpu_word_src[f->feat / 32];
        uint32_t bit = 1u << (f->feat % 32);

        if (s->leaf != leaf || s->sub != sub)
            continue;
        if (f->action == CPF_HIDE)
            out[s->reg] &= ~bit;
        else if (f->action == CPF_FORCE)
            out[s->reg] |= bit;
    }
}

#define N F_NONE
#define M(lo, hi, ven, acc, kind, g0, g1, name) { lo, hi, ven, acc, kind, { g0, g1 }, name }

const struct msr_desc msr_table[] = {
    /* Architectural, every vendor. */
    M(0x10, 0x10, CPV_ANY, MSRA_RW, MSRK_TSC, N, N, "IA32_TIME_STAMP_COUNTER"),
    M(0x3b, 0x3b, CPV_ANY, MSRA_RW, MSRK_TSC_ADJUST, F_TSC_ADJUST, N, "IA32_TSC_ADJUST"),
    M(0x8b, 0x8b, CPV_ANY, MSRA_RW, MSRK_UCODE_REV, N, N, "IA32_BIOS_SIGN_ID / PATCH_LEVEL"),
    M(0xce, 0xce, CPV_ANY, MSRA_R, MSRK_PLATFORM_INFO, N, N, "MSR_PLATFORM_INFO"),
    M(0x140, 0x140, CPV_ANY, MSRA_RW, MSRK_MISC_FEATURES, N, N, "MSR_MISC_FEATURES_ENABLES"),
    M(0xfe, 0xfe, CPV_ANY, MSRA_R, MSRK_MTRRCAP, F_MTRR, N, "IA32_MTRRCAP"),
    M(0x200, 0x20f, CPV_ANY, MSRA_RW, MSRK_MTRR_VAR, F_MTRR, N, "IA32_MTRR_PHYSBASE/MASK0-7"),
    M(0x250, 0x250, CPV_ANY, MSRA_RW, MSRK_MTRR_FIXED, F_MTRR, N, "IA32_MTRR_FIX64K_00000"),
    M(0x258, 0x259, CPV_ANY, MSRA_RW, MSRK_MTRR_FIXED, F_MTRR, N, "IA32_MTRR_FIX16K"),
    M(0x268, 0x26f, CPV_ANY, MSRA_RW, MSRK_MTRR_FIXED, F_MTRR, N, "IA32_MTRR_FIX4K"),
    M(0x277, 0x277, CPV_ANY, MSRA_RW, MSRK_PAT, F_PAT, N, "IA32_PAT"),
    M(0x2ff, 0x2ff, CPV_ANY, MSRA_RW, MSRK_MTRR_DEF, F_MTRR, N, "IA32_MTRR_DEF_TYPE"),
    M(0x1d9, 0x1d9, CPV_ANY, MSRA_RW, MSRK_DEBUGCTL, N, N, "IA32_DEBUGCTL"),
    M(0x1db, 0x1de, CPV_ANY, MSRA_RW, MSRK_LBR, N, N, "LastBranch/LastException From/To IP"),
    M(0xc0000080, 0xc0000080, CPV_ANY, MSRA_RW, MSRK_EFER, N, N, "IA32_EFER"),
    /* Intel only. */
    M(0x17, 0x17, CPV_INTEL, MSRA_R, MSRK_PLATFORM_ID, N, N, "IA32_PLATFORM_ID"),
    M(0x3a, 0x3a, CPV_INTEL, MSRA_R, MSRK_FEATURE_CONTROL, N, N, "IA32_FEATURE_CONTROL"),
    M(0x198, 0x198, CPV_INTEL, MSRA_R, MSRK_RAZ_RO, N, N, "IA32_PERF_STATUS"),
    M(0x199, 0x199, CPV_INTEL, MSRA_RW, MSRK_RAZ_WI, N, N, "IA32_PERF_CTL"),
    M(0x19c, 0x19c, CPV_INTEL, MSRA_R, MSRK_RAZ_RO, N, N, "IA32_THERM_STATUS"),
    M(0x1a0, 0x1a0, CPV_INTEL, MSRA_RW, MSRK_MISC_ENABLE, N, N, "IA32_MISC_ENABLE"),
    /* The model-specific LBR stack of the Nehalem..Ice Lake family (TOS,
     * FROM_IP, TO_IP, LBR_INFO): Xen reads 0 and drops writes for the
     * models it knows, with LBR not in use; nothing is ever recorded here. */
    M(0x1c9, 0x1c9, CPV_INTEL, MSRA_RW, MSRK_RAZ_WI, N, N, "MSR_LASTBRANCH_TOS"),
    M(0x680, 0x69f, CPV_INTEL, MSRA_RW, MSRK_RAZ_WI, N, N, "MSR_LASTBRANCH_n_FROM_IP"),
    M(0x6c0, 0x6df, CPV_INTEL, MSRA_RW, MSRK_RAZ_WI, N, N, "MSR_LASTBRANCH_n_TO_IP"),
    M(0xdc0, 0xddf, CPV_INTEL, MSRA_RW, MSRK_RAZ_WI, N, N, "MSR_LBR_INFO_n"),
    /* AMD only. */
    M(0xc0010010, 0xc0010010, CPV_AMD, MSRA_RW, MSRK_RAZ_WI, N, N, "SYSCFG"),
    M(0xc0010015, 0xc0010015, CPV_AMD, MSRA_RW, MSRK_RAZ_FIXED, N, N, "HWCR"),
    M(0xc001001a, 0xc001001a, CPV_AMD, MSRA_RW, MSRK_RAZ_WI, N, N, "TOP_MEM"),
    M(0xc001001d, 0xc001001d, CPV_AMD, MSRA_RW, MSRK_RAZ_WI, N, N, "TOP_MEM2"),
    M(0xc001001f, 0xc001001f, CPV_AMD, MSRA_RW, MSRK_RAZ_WI, N, N, "NB_CFG"),
    M(0xc0010114, 0xc0010114, CPV_AMD, MSRA_RW, MSRK_RAZ_WI, N, N, "VM_CR"),
    M(0xc0011029, 0xc0011029, CPV_AMD, MSRA_RW, MSRK_DE_CFG, N, N, "DE_CFG"),
    /* Performance counters: no vPMU, read as zero, writes dropped (as Xen
     * and QEMU with the PMU off), on both vendors as before. */
    M(0xc0010000, 0xc0010007, CPV_ANY, MSRA_RW, MSRK_RAZ_WI, N, N, "PerfEvtSel0-3/PerfCtr0-3"),
    M(0xc0010200, 0xc001020b, CPV_ANY, MSRA_RW, MSRK_RAZ_WI, N, N, "core counter extension"),
    M(0xc1, 0xc8, CPV_ANY, MSRA_RW, MSRK_RAZ_WI, N, N, "IA32_PMC0-7"),
    M(0x4c1, 0x4c8, CPV_ANY, MSRA_RW, MSRK_RAZ_WI, N, N, "IA32_A_PMC0-7"),
    M(0x186, 0x18d, CPV_ANY, MSRA_RW, MSRK_RAZ_WI, N, N, "IA32_PERFEVTSEL0-7"),
    M(0x309, 0x30b, CPV_ANY, MSRA_RW, MSRK_RAZ_WI, N, N, "IA32_FIXED_CTR0-2"),
    M(0x38d, 0x390, CPV_ANY, MSRA_RW, MSRK_RAZ_WI, N, N, "IA32_FIXED_CTR_CTRL, PERF_GLOBAL_*"),
    /* Gated on a CPUID bit the guest sees. */
    M(0x48, 0x48, CPV_ANY, MSRA_RW, MSRK_SPEC_CTRL, F_IBRSB, F_AMD_IBRS, "IA32_SPEC_CTRL"),
    M(0x49, 0x49, CPV_ANY, MSRA_W, MSRK_PRED_CMD, F_IBRSB, F_IBPB, "IA32_PRED_CMD"),
    M(0x10a, 0x10a, CPV_ANY, MSRA_R, MSRK_ARCH_CAPS, F_ARCH_CAPS, N, "IA32_ARCH_CAPABILITIES"),
    M(0x10b, 0x10b, CPV_ANY, MSRA_W, MSRK_FLUSH_CMD, F_L1D_FLUSH, N, "IA32_FLUSH_CMD"),
    M(0xc001011f, 0xc001011f, CPV_ANY, MSRA_RW, MSRK_VIRT_SPEC_CTRL, F_VIRT_SSBD, N, "VIRT_SPEC_CTRL"),
    M(0xc0000103, 0xc0000103, CPV_ANY, MSRA_RW, MSRK_TSC_AUX, F_RDTSCP, F_RDPID, "IA32_TSC_AUX"),
    M(0xda0, 0xda0, CPV_ANY, MSRA_RW, MSRK_XSS, F_XSAVES, N, "IA32_XSS"),
    M(0x6e1, 0x6e1, CPV_ANY, MSRA_RW, MSRK_PKRS, F_PKS, N, "IA32_PKRS"),
    M(0xd90, 0xd90, CPV_ANY, MSRA_RW, MSRK_BNDCFGS, F_MPX, N, "IA32_BNDCFGS"),
    M(0xc0010140, 0xc0010141, CPV_ANY, MSRA_RW, MSRK_OSVW, F_OSVW, N, "OSVW_ID_LENGTH/STATUS"),
    M(0x179, 0x17b, CPV_ANY, MSRA_RW, MSRK_MCE, F_MCA, N, "IA32_MCG_CAP/STATUS/CTL"),
    /* Two banks (MCG_CAP.Count); CTL2 is Intel's (CMCI). */
    M(0x280, 0x281, CPV_INTEL, MSRA_RW, MSRK_MCE, F_MCA, N, "IA32_MC0-1_CTL2"),
    M(0x400, 0x407, CPV_ANY, MSRA_RW, MSRK_MCE, F_MCA, N, "IA32_MC0-1_CTL/STATUS/ADDR/MISC"),
    M(0x4d0, 0x4d0, CPV_ANY, MSRA_RW, MSRK_NEVER, N, N, "IA32_MCG_EXT_CTL (no LMCE_P)"),
    M(0x0, 0x1, CPV_ANY, MSRA_R, MSRK_RAZ_RO, N, N, "P5_MC_ADDR/TYPE"),
    M(0xc0011019, 0xc001101b, CPV_ANY, MSRA_RW, MSRK_DR_MASK, F_DBEXT, N, "DR1-3_ADDR_MASK"),
    M(0xc0011027, 0xc0011027, CPV_ANY, MSRA_RW, MSRK_DR_MASK, F_DBEXT, N, "DR0_ADDR_MASK"),
    /* Known, never offered (Xen neither): #GP even should CPUID show them;
     * every gate of these is hidden by the feature table (unit_cpu_policy
     * checks it). */
    M(0xcf, 0xcf, CPV_ANY, MSRA_RW, MSRK_NEVER, F_CORE_CAPS, N, "IA32_CORE_CAPABILITIES"),
    M(0x10f, 0x10f, CPV_ANY, MSRA_RW, MSRK_NEVER, F_TSX_FORCE_ABORT, N, "MSR_TSX_FORCE_ABORT"),
    /* TSX_CTRL is enumerated by ARCH_CAPABILITIES bit 7, which the guest's
     * value never has (msr.c), not by a CPUID bit: no gate. */
    M(0x122, 0x122, CPV_ANY, MSRA_RW, MSRK_NEVER, N, N, "IA32_TSX_CTRL"),
    M(0x123, 0x123, CPV_ANY, MSRA_RW, MSRK_NEVER, F_SRBDS_CTRL, N, "IA32_MCU_OPT_CTRL"),
    M(0xe1, 0xe1, CPV_ANY, MSRA_RW, MSRK_NEVER, F_WAITPKG, N, "IA32_UMWAIT_CONTROL"),
    M(0x345, 0x345, CPV_ANY, MSRA_RW, MSRK_NEVER, F_PDCM, N, "IA32_PERF_CAPABILITIES"),
    M(0x560, 0x571, CPV_ANY, MSRA_RW, MSRK_NEVER, F_PT, N, "IA32_RTIT_*"),
    M(0x600, 0x600, CPV_ANY, MSRA_RW, MSRK_NEVER, F_DS, N, "IA32_DS_AREA"),
    M(0x6a0, 0x6a0, CPV_ANY, MSRA_RW, MSRK_NEVER, F_CET_SS, F_CET_IBT, "IA32_U_CET"),
    M(0x6a2, 0x6a2, CPV_ANY, MSRA_RW, MSRK_NEVER, F_CET_SS, F_CET_IBT, "IA32_S_CET"),
    M(0x6a4, 0x6a8, CPV_ANY, MSRA_RW, MSRK_NEVER, F_CET_SS, N, "IA32_PL0-3_SSP, INTERRUPT_SSP_TABLE"),
    M(0xe7, 0xe8, CPV_ANY, MSRA_RW, MSRK_NEVER, F_APERFMPERF, N, "IA32_MPERF/APERF"),
    M(0x1b0, 0x1b0, CPV_ANY, MSRA_RW, MSRK_NEVER, F_EPB, N, "IA32_ENERGY_PERF_BIAS"),
    M(0x1b1, 0x1b2, CPV_ANY, MSRA_RW, MSRK_NEVER, F_PTM, N, "IA32_PACKAGE_THERM_STATUS/INTERRUPT"),
    M(0x770, 0x777, CPV_ANY, MSRA_RW, MSRK_NEVER, F_HWP, N, "IA32_PM_ENABLE, IA32_HWP_*"),
    M(0xdb0, 0xdb1, CPV_ANY, MSRA_RW, MSRK_NEVER, F_HDC, N, "IA32_PKG_HDC_CTL, PM_CTL1"),
    M(0xc80, 0xc80, CPV_ANY, MSRA_RW, MSRK_NEVER, F_SDBG, N, "IA32_DEBUG_INTERFACE"),
    M(0xc00000e9, 0xc00000e9, CPV_ANY, MSRA_RW, MSRK_NEVER, F_IRPERF, N, "IRPerfCount"),
    M(0xc0000105, 0xc0000106, CPV_ANY, MSRA_RW, MSRK_NEVER, F_LWP, N, "LWP_CFG/LWP_CBADDR"),
    M(0x4e, 0x4f, CPV_ANY, MSRA_RW, MSRK_NEVER, N, N, "MSR_PPIN_CTL/PPIN"),
    M(0xc00102f0, 0xc00102f1, CPV_ANY, MSRA_RW, MSRK_NEVER, N, N, "AMD PPIN_CTL/PPIN"),
};
const unsigned msr_table_len = ARRAY_LEN(msr_table);

const struct msr_desc *cpu_policy_msr_entry(uint32_t msr)
{
    for (unsigned i = 0; i < msr_table_len; i++)
        if (msr >= msr_table[i].first && msr <= msr_table[i].last)
            return &msr_table[i];
    return 0;
}

const struct msr_desc *cpu_policy_msr(const struct cpu_policy *p, uint32_t msr)
{
    const struct msr_desc *d = cpu_policy_msr_entry(msr);
    uint8_t ven = (p->intel ? CPV_INTEL : 0) | (p->amd ? CPV_AMD : 0);

    if (!d || d->kind == MSRK_NEVER || !(d->vendors & ven))
        return 0;
    if (d->gate[0] != F_NONE && !cpu_policy_has(p, d->gate[0]) &&
        (d->gate[1] == F_NONE || !cpu_policy_has(p, d->gate[1])))
        return 0;
    return d;
}

bool cpu_policy_mtrr_type_ok(uint8_t type)
{
    /* UC 0, WC 1, WT 4, WP 5, WB 6 (SDM vol. 3A 12.11.1); 2, 3, 7+ reserved. */
    return type <= 6 && type != 2 && type != 3;
}

bool cpu_policy_mtrr_def_ok(uint64_t val)
{
    /* Type 7:0, FE bit 10, E bit 11; the rest reserved (SDM 12.11.2.1). */
    return !(val & ~0xcffull) && cpu_policy_mtrr_type_ok((uint8_t)val);
}

bool cpu_policy_mtrr_fixed_ok(uint64_t val)
{
    for (unsigned i = 0; i < 8; i++)
        if (!cpu_policy_mtrr_type_ok((uint8_t)(val >> (8 * i))))
            return false;
    return true;
}

bool cpu_policy_mtrr_var_ok(const struct cpu_policy *p, bool is_mask, uint64_t val)
{
    unsigned width = p->maxphysaddr ? p->maxphysaddr : 36;
    uint64_t above = width >= 64 ? 0 : ~0ull << width;

    /* PHYSBASE: type 7:0, 11:8 reserved; PHYSMASK: 10:0 reserved, V bit 11;
     * both: address bits at and above MAXPHYADDR reserved (SDM 12.11.2.3). */
    if (val & above)
        return false;
    if (is_mask)
        return !(val & 0x7ffull);
    return !(val & 0xf00ull) && cpu_policy_mtrr_type_ok((uint8_t)val);
}

bool cpu_policy_pat_ok(uint64_t val)
{
    /* Each byte one of UC 0, WC 1, WT 4, WP 5, WB 6, UC- 7 (SDM 13.12.2). */
    for (unsigned i = 0; i < 8; i++) {
        uint8_t t = (uint8_t)(val >> (8 * i));
        if (t == 2 || t == 3 || t > 7)
            return false;
    }
    return true;
}

uint64_t cpu_policy_spec_ctrl_valid(const struct cpu_policy *p)
{
    /* IBRS bit 0 and STIBP bit 1 always (STIBP is ignored where it is not
     * enumerated, SDM "Speculative Execution Side Channel Mitigations");
     * SSBD bit 2 and PSFD bit 7 where either vendor enumerates them. */
    uint64_t v = 3;
    if (cpu_policy_has(p, F_SSBD) || cpu_policy_has(p, F_AMD_SSBD))
        v |= 1u << 2;
    if (cpu_policy_has(p, F_AMD_PSFD))
        v |= 1u << 7;
    return v;
}
