/*
 * The MSRs of HVM guests.  Which MSRs a guest has is decided by the table
 * it shares with the CPUID policy (hvm/cpu_policy.c): an MSR exists when the
 * guest's vendor has it and the CPUID the guest reads enumerates it;
 * everything else, and every access the table does not allow (a write to a
 * read-only MSR, a read of a command MSR), raises #GP as on hardware that
 * lacks it.  Writes are checked bit by bit: a reserved bit is #GP, the MSR
 * unchanged.  MSRs whose state lives in the VMCB/VMCS (FS/GS bases,
 * SYSCALL and SYSENTER MSRs) are handled by the backend without exiting;
 * the x2APIC range and APIC_BASE/TSC_DEADLINE go to the vLAPIC.  Every
 * decision and its reason: docs/hvm-platform.md, "The MSR table".
 */
#include "hvm/hvm.h"
#include "hvm/vlapic.h"
#include "hvm/ctrlreg.h"
#include "hvm/cpu_policy.h"
#include "core/domain.h"
#include "core/time_info.h"
#include "arch/x86/asm.h"
#include "lib/errno.h"

#define MSR_HYPERCALL       0x40000000  /* Xen: installs the hypercall page (CPUID 0x40000002 EBX) */
#define MSR_UCODE_REV       0x8b        /* Intel BIOS_SIGN_ID / AMD PATCH_LEVEL */
#define MSR_MISC_ENABLE_    0x1a0
#define MSR_PLATFORM_ID     0x17

/* IA32_MISC_ENABLE as guests read it (SDM vol. 4 table 2-2): fast strings
 * (bit 0), BTS and PEBS unavailable (bits 11, 12: no debug store, as Xen
 * sets them) and xTPR messages disabled (bit 23: xTPR is hidden).  Every
 * other bit enables something the guest's CPUID hides or nothing emulates
 * (performance monitoring 7, thermal control 3, EIST 16, MONITOR 18, the
 * CPUID leaf limit 22, XD disable 34), so it reads 0.  Xen passes the
 * host's other bits through; a fixed value keeps the virtual CPU the same
 * on every host. */
#define MISC_ENABLE_VALUE   ((1ull << 0) | (1ull << 11) | (1ull << 12) | (1ull << 23))

/* AMD DE_CFG as Xen gives it: LFENCE is dispatch-serialising (bit 1), which
 * guests check before using LFENCE as a speculation barrier. */
#define DE_CFG_VALUE        (1ull << 1)

/* DEBUGCTL bits a guest may set: LBR (0) and BTF (1), as Xen allows.  They
 * are stored and read back; no branch records are kept (the LBR MSRs read
 * 0) and BTF does not change single-stepping (docs). */
#define DEBUGCTL_VALID      0x3ull

/*
 * Moves v's TSC by delta ticks (mod 2^64).  IA32_TSC and IA32_TSC_ADJUST
 * are per logical processor (SDM vol. 3B 17.17.3): a write to either moves
 * the other by the same amount, so TSC_ADJUST always holds the sum of what
 * software added to this vCPU's TSC since it was created.  Whatever turns
 * the guest TSC into time follows: the TSC offset in the VMCB/VMCS, the PV
 * clock record (its tsc_timestamp absorbs the vCPU's distance from the
 * domain's offset) and a TSC-deadline timer.
 */
static void tsc_move(struct vcpu *v, uint64_t delta)
{
    if (!delta)
        return;
    __atomic_store_n(&v->tsc_offset, v->tsc_offset + delta, __ATOMIC_RELAXED);
    v->tsc_adjust += delta;
    hvm_vendor->set_tsc_offset(v, v->tsc_offset);
    time_info_update_vcpu(v);
    vlapic_tsc_changed(v);
}

/* The MTRR defaults the hypervisor sets in place of firmware (a domain has
 * none): MTRRs enabled with write-back as the default type, fixed ranges
 * off (FE = 0) but holding write-back, no variable range valid.  RAM is
 * write-back in the nested page tables whatever the guest writes here:
 * the values are stored and validated, as on Xen with HAP. */
static void msr_defaults(struct vcpu *v)
{
    struct hvm_msr_state *m = &v->msr;

    if (m->ready)
        return;
    m->mtrr_def = (1u << 11) | 6;
    for (unsigned i = 0; i < ARRAY_SIZE(m->mtrr_fixed); i++)
        m->mtrr_fixed[i] = 0x0606060606060606ull;
    m->ready = true;
}

/* Index of a fixed-range MTRR in hvm_msr_state.mtrr_fixed. */
static unsigned mtrr_fixed_index(uint32_t msr)
{
    if (msr == 0x250)
        return 0;
    if (msr <= 0x259)
        return 1 + (msr - 0x258);
    return 3 + (msr - 0x268);
}

/*
 * The virtual machine-check architecture, as Xen's vMCE gives it (no
 * machine check is ever injected: the banks stay clear).  MCG_CAP: two
 * banks, on Intel with SER_P/TES_P/CMCI_P; read-only, writes ignored as
 * Xen does.  MCG_CTL (no MCG_CTL_P) reads 0, writes ignored, as Xen.
 * MCG_STATUS: RIPV/EIPV/MCIP writable, bits 63:3 reserved (no LMCE).
 * MCi_CTL reads all ones and ignores writes (every error class enabled);
 * MCi_STATUS/ADDR/MISC read 0 and take only 0 (Xen: a non-zero write is
 * #GP).  Intel MCi_CTL2: CMCI_EN (30) and the threshold (14:0), stored.
 * SDM vol. 3B 17.3; APM vol. 2 9.3.
 */
static bool mce_read(struct vcpu *v, const struct cpu_policy *p, uint32_t msr, uint64_t *val)
{
    if (msr == 0x179)
        *val = p->intel ? MCG_CAP_INTEL : MCG_CAP_AMD;
    else if (msr == 0x17a)
        *val = v->msr.mcg_status;
    else if (msr == 0x17b)
        *val = 0;
    else if (msr >= 0x280 && msr <= 0x281)
        *val = v->msr.mc_ctl2[msr - 0x280];
    else
        *val = (msr & 3) == 0 ? ~0ull : 0;      /* 0x400 + 4 * bank: CTL, STATUS, ADDR, MISC */
    return true;
}

static bool mce_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
    if (msr == 0x179 || msr == 0x17b)
        return true;
    if (msr == 0x17a) {
        if (val & ~7ull)
            return false;
        v->msr.mcg_status = val;
        return true;
    }
    if (msr >= 0x280 && msr <= 0x281) {
        if (val & ~((1ull << 30) | 0x7fffull))
            return false;
        v->msr.mc_ctl2[msr - 0x280] = val;
        return true;
    }
    return (msr & 3) == 0 || val == 0;
}

static bool msr_read(struct vcpu *v, const struct cpu_policy *p, const struct msr_desc *d, uint32_t msr, uint64_t *val)
{
    struct hvm_ctrl c;
    uint64_t host;

    switch (d->kind) {
    case MSRK_TSC: *val = rdtsc() + v->tsc_offset; return true;
    case MSRK_TSC_ADJUST: *val = v->tsc_adjust; return true;
    case MSRK_EFER: hvm_vendor->get_ctrl(v, &c); *val = c.efer; return true;
    case MSRK_PAT: hvm_vendor->get_ctrl(v, &c); *val = c.pat; return true;
    case MSRK_UCODE_REV:
        /* The host's microcode revision, as Xen: guests judge errata by it
         * (Linux turns the TSC-deadline timer off on some Intel models
         * when it reads an old one).  Without the MSR, report the highest
         * revision: the virtual CPU has no such errata. */
        *val = rdmsr_safe(MSR_UCODE_REV, &host) == 0 && host ? host : 0xffffffff00000000ull;
        return true;
    case MSRK_PLATFORM_ID:
        /* The host's platform id (which microcode applies), as Xen. */
        *val = rdmsr_safe(MSR_PLATFORM_ID, &host) == 0 ? host : 0;
        return true;
    case MSRK_PLATFORM_INFO:
        /* Only what Xen reports: CPUID faulting is available (bit 31),
         * emulated on both vendors. */
        *val = PLATFORM_INFO_CPUID_FAULTING;
        return true;
    case MSRK_MISC_FEATURES: *val = v->msr.misc_features; return true;
    case MSRK_FEATURE_CONTROL: *val = 1; return true;     /* locked, VMX off (Xen: no nested VMX) */
    case MSRK_MISC_ENABLE: *val = MISC_ENABLE_VALUE; return true;
    case MSRK_MTRRCAP: *val = MTRRCAP_VALUE; return true;
    case MSRK_MTRR_DEF: *val = v->msr.mtrr_def; return true;
    case MSRK_MTRR_VAR: *val = v->msr.mtrr_var[msr - 0x200]; return true;
    case MSRK_MTRR_FIXED: *val = v->msr.mtrr_fixed[mtrr_fixed_index(msr)]; return true;
    case MSRK_DEBUGCTL: *val = v->msr.debugctl; return true;
    case MSRK_DE_CFG: *val = DE_CFG_VALUE; return true;
    case MSRK_MCE: return mce_read(v, p, msr, val);
    case MSRK_LBR:
    case MSRK_RAZ_WI:
    case MSRK_RAZ_RO:
    case MSRK_RAZ_FIXED:
        *val = 0;
        return true;
    default:
        /* SPEC_CTRL, TSC_AUX, XSS, MCE banks, ...: reached only if CPUID
         * showed their feature, which the feature table hides
         * (unit_cpu_policy checks that no such MSR can exist). */
        return false;
    }
}

static bool msr_write(struct vcpu *v, const struct cpu_policy *p, const struct msr_desc *d, uint32_t msr,
                      uint64_t val)
{
    struct hvm_ctrl c;

    switch (d->kind) {
    case MSRK_TSC:
        /* All 64 bits are written (SDM vol. 4, IA32_TIME_STAMP_COUNTER);
         * the new TSC counts on from val at this instant. */
        tsc_move(v, val - (rdtsc() + v->tsc_offset));
        return true;
    case MSRK_TSC_ADJUST:
        tsc_move(v, val - v->tsc_adjust);
        return true;
    case MSRK_EFER:
        hvm_vendor->get_ctrl(v, &c);
        /* Bits the guest's CPUID offers (hvm/ctrlreg.c): SCE, LME, LMA,
         * NXE, and FFXSR where AMD offers it; SVME never. */
        if (val & ~hvm_efer_guest_valid(v))
            return false;
        /* LME may not change while paging is on (SDM vol. 3 9.8.5,
         * APM vol. 2 3.1.7): the CPU raises #GP. */
        if (((val ^ c.efer) & (1u << 8)) && (c.cr0 & (1u << 31)))
            return false;
        c.efer = (val & ~(1ull << 10)) | (c.efer & (1ull << 10));   /* LMA is read-only */
        hvm_vendor->set_ctrl(v, &c);
        return true;
    case MSRK_PAT:
        if (!cpu_policy_pat_ok(val))
            return false;
        hvm_vendor->get_ctrl(v, &c);
        c.pat = val;
        hvm_vendor->set_ctrl(v, &c);
        return true;
    case MSRK_UCODE_REV:
        /* Read-only on both vendors; Intel asks software to write 0 before
         * the CPUID that latches the revision (SDM vol. 3A 10.11.7.1), so
         * that write is accepted there, as Xen does. */
        return p->intel && val == 0;
    case MSRK_MISC_FEATURES:
        if (val & ~MISC_FEATURES_CPUID_FAULTING)
            return false;
        v->msr.misc_features = val;     /* hvm_handle_cpuid checks it */
        return true;
    case MSRK_MTRR_DEF:
        if (!cpu_policy_mtrr_def_ok(val))
            return false;
        v->msr.mtrr_def = val;
        return true;
    case MSRK_MTRR_VAR:
        if (!cpu_policy_mtrr_var_ok(p, msr & 1, val))
            return false;
        v->msr.mtrr_var[msr - 0x200] = val;
        return true;
    case MSRK_MTRR_FIXED:
        if (!cpu_policy_mtrr_fixed_ok(val))
            return false;
        v->msr.mtrr_fixed[mtrr_fixed_index(msr)] = val;
        return true;
    case MSRK_DEBUGCTL:
        if (val & ~DEBUGCTL_VALID)
            return false;
        v->msr.debugctl = val;
        return true;
    case MSRK_MISC_ENABLE:
        /* No bit is writable (none of the features behind the writable
         * bits is emulated): writing back the value read is accepted,
         * as Linux's read-modify-write helpers do, any change is #GP. */
        return val == MISC_ENABLE_VALUE;
    case MSRK_MCE:
        return mce_write(v, msr, val);
    case MSRK_RAZ_FIXED:
        /* HWCR: read as 0 (Xen); no bit has an effect here, so only the
         * value read may be written back. */
        return val == 0;
    case MSRK_RAZ_WI:
    case MSRK_DE_CFG:
        /* Dropped, as Xen: SYSCFG/TOP_MEM/TOP_MEM2/VM_CR are read-only
         * views; DE_CFG writes must not fault (OpenBSD panics on a #GP);
         * the performance counters have no vPMU behind them.  NB_CFG:
         * Linux sets EnableCf8ExtCfg (bit 46) with an unchecked WRMSR on
         * every AMD CPU it brings up; there is no northbridge to enable. */
        return true;
    default:
        return false;
    }
}

bool hvm_handle_msr(struct vcpu *v, bool write, uint32_t msr)
{
    struct guest_regs *r = &v->regs;
    uint64_t val = ((r->rdx & 0xffffffffull) << 32) | (r->rax & 0xffffffffull);
    struct cpu_policy p;
    const struct msr_desc *d;

    if (vlapic_is_msr(msr)) {
        bool ok = write ? vlapic_msr_write(v, msr, val) : vlapic_msr_read(v, msr, &val);
        if (!ok)
            goto gp;
        goto done;
    }
    if (msr == MSR_HYPERCALL) {
        /* Write-only; absent when the domain hides the hypervisor. */
        if (!write || v->domain->hide_hypervisor_cpuid || hvm_write_hypercall_page(v, val) < 0)
            goto gp;
        return true;
    }
    hvm_cpu_policy(v, &p);
    d = cpu_policy_msr(&p, msr);
    if (!d || !(d->access & (write ? MSRA_W : MSRA_R)))
        goto gp;
    msr_defaults(v);
    if (write ? !msr_write(v, &p, d, msr, val) : !msr_read(v, &p, d, msr, &val))
        goto gp;
done:
    if (!write) {
        r->rax = (uint32_t)val;
        r->rdx = val >> 32;
    }
    return true;
gp:
    hvm_inject_gp(v);
    return false;
}
