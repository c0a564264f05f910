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
#include "core/percpu.h"
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

/* DEBUGCTL bits a guest may set: LBR (0) and BTF (1), as Xen allows, and
 * on Intel RTM (15, TSX debugging) where CPUID offers RTM, as Xen.  They
 * are stored and read back; no branch records are kept and BTF does not
 * change single-stepping (docs). */
#define DEBUGCTL_VALID      0x3ull
#define DEBUGCTL_RTM        (1ull << 15)

static uint64_t debugctl_valid(const struct cpu_policy *p)
{
    return DEBUGCTL_VALID | (p->intel && cpu_policy_has(p, F_RTM) ? DEBUGCTL_RTM : 0);
}

#define MSR_SPEC_CTRL       0x48
#define MSR_PRED_CMD        0x49
#define MSR_ARCH_CAPS       0x10a
#define MSR_TSC_AUX         0xc0000103

/* The IA32_ARCH_CAPABILITIES bits a guest gets from the host's value
 * (SDM vol. 4 table 2-2): those that only say how the CPU behaves or which
 * flaw it lacks, so that the guest's mitigation choices are the ones the
 * host's hardware needs: RDCL_NO 0, IBRS_ALL 1 (enhanced IBRS: the guest's
 * SPEC_CTRL.IBRS is offered), RSBA 2, SKIP_L1DFL_VMENTRY 3 (the guest is
 * offered no VMX, nothing to flush for), SSB_NO 4, MDS_NO 5,
 * IF_PSCHANGE_MC_NO 6, TAA_NO 8, SBDR_SSDP_NO 13, FBSDP_NO 14, PSDP_NO 15,
 * FB_CLEAR 17 (VERW, unprivileged), RRSBA 19, BHI_NO 20, PBRSB_NO 24,
 * GDS_NO 26, RFDS_NO 27, RFDS_CLEAR 28.  Bits that enumerate an MSR or a
 * control the guest does not get read 0, as on Xen: TSX_CTRL 7 (0x122),
 * MCU_CONTROL 9, MISC_PACKAGE_CTRLS 10, ENERGY_FILTERING_CTL 11, DOITM 12,
 * FB_CLEAR_CTRL 18, XAPIC_DISABLE 21, OVERCLOCKING_STATUS 23, GDS_CTRL 25. */
#define ARCH_CAPS_GUEST     (0x7full | (1ull << 8) | (7ull << 13) | (1ull << 17) | (3ull << 19) | \
                             (1ull << 24) | (7ull << 26))

/*
 * The host's own TSC_AUX and SPEC_CTRL on each CPU, read the first time a
 * vCPU runs there (0 where the CPU lacks the MSR: a guest can then never
 * hold anything else, its MSR does not exist).  The hypervisor writes
 * neither MSR itself, so the value read stays the host's.
 */
static struct {
    bool read;
    uint64_t tsc_aux, spec_ctrl;
} host_msrs[RV_MAX_CPUS] __hot_data;      /* (o) per physical CPU, written only by that CPU (no interrupt handler reads it) */

static void host_msrs_read(unsigned cpu)
{
    uint32_t a, b, c, d;
    uint64_t val;

    if (host_msrs[cpu].read)
        return;
    cpuid(0, &a, &b, &c, &d);
    uint32_t max = a;
    cpuid(0x80000000u, &a, &b, &c, &d);
    uint32_t emax = a;
    bool rdtscp = false, spec = false;
    if (emax >= 0x80000001u) {
        cpuid(0x80000001u, &a, &b, &c, &d);
        rdtscp = d & (1u << 27);
    }
    if (max >= 7) {
        cpuid_count(7, 0, &a, &b, &c, &d);
        rdtscp |= c & (1u << 22);                       /* RDPID alone has TSC_AUX too */
        spec = d & ((1u << 26) | (1u << 27) | (1u << 31));
    }
    if (emax >= 0x80000008u) {
        cpuid(0x80000008u, &a, &b, &c, &d);
        spec |= b & ((1u << 14) | (1u << 15) | (1u << 24));
    }
    host_msrs[cpu].tsc_aux = rdtscp && rdmsr_safe(MSR_TSC_AUX, &val) == 0 ? val : 0;
    host_msrs[cpu].spec_ctrl = spec && rdmsr_safe(MSR_SPEC_CTRL, &val) == 0 ? val : 0;
    host_msrs[cpu].read = true;
}

/*
 * Right before the backend enters v (its vcpu_run), and right after the
 * exit: TSC_AUX and SPEC_CTRL hold the guest's value while it runs, the
 * host's otherwise.  Neither is in the VMCB's save area nor switched by a
 * VMX control (SVM: the guest's RDTSCP/RDPID read the CPU's TSC_AUX
 * directly; VMX the same with "enable RDTSCP"), so they are written here,
 * for both backends, and only when the two values differ (Linux's vCPU 0
 * keeps TSC_AUX 0 and SPEC_CTRL usually stays 0: no MSR write then).  The
 * guest can change neither without an exit (every WRMSR of them is
 * intercepted and goes through msr_write), so the value to restore is
 * known without reading the MSR back.  Interrupts may be on at the load:
 * a host interrupt handler in that window runs with the guest's values,
 * which the hypervisor does not use (no RDTSCP, no IBRS of its own).
 */
__hot_path void hvm_msr_guest_load(struct vcpu *v)
{
    unsigned cpu = smp_processor_id();

    host_msrs_read(cpu);
    if (v->msr.tsc_aux != host_msrs[cpu].tsc_aux)
        wrmsr(MSR_TSC_AUX, v->msr.tsc_aux);
    if (v->msr.spec_ctrl != host_msrs[cpu].spec_ctrl)
        wrmsr(MSR_SPEC_CTRL, v->msr.spec_ctrl);
}

__hot_path void hvm_msr_host_load(struct vcpu *v)
{
    unsigned cpu = smp_processor_id();

    if (v->msr.tsc_aux != host_msrs[cpu].tsc_aux)
        wrmsr(MSR_TSC_AUX, host_msrs[cpu].tsc_aux);
    if (v->msr.spec_ctrl != host_msrs[cpu].spec_ctrl)
        wrmsr(MSR_SPEC_CTRL, host_msrs[cpu].spec_ctrl);
}

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
    struct vcpu_msrs *m = &v->msr;

    if (m->ready)
        return;
    m->mtrr_def = (1u << 11) | 6;
    for (unsigned i = 0; i < ARRAY_SIZE(m->mtrr_fixed); i++)
        m->mtrr_fixed[i] = 0x0606060606060606ull;
    m->ready = true;
}

/* Index of a fixed-range MTRR in vcpu_msrs.mtrr_fixed. */
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
    case MSRK_TSC_AUX: *val = v->msr.tsc_aux; return true;
    case MSRK_SPEC_CTRL: *val = v->msr.spec_ctrl; return true;
    case MSRK_ARCH_CAPS:
        /* The host's value, filtered (ARCH_CAPS_GUEST); read-only. */
        *val = rdmsr_safe(MSR_ARCH_CAPS, &host) == 0 ? host & ARCH_CAPS_GUEST : 0;
        return true;
    case MSRK_LBR:
        /* AMD: what was written (Xen keeps them in the VMCB); Intel: 0. */
        *val = p->amd ? v->msr.lbr[msr - 0x1db] : 0;
        return true;
    case MSRK_RAZ_WI:
    case MSRK_RAZ_RO:
    case MSRK_RAZ_FIXED:
        *val = 0;
        return true;
    default:
        /* FLUSH_CMD, XSS, PKRS, ...: reached only if CPUID
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
    case MSRK_LBR:
        /* LastBranchFromIP/ToIP, LastExceptionFromIP/ToIP: no branch is
         * ever recorded.  As Xen: on Intel a write is dropped (the
         * last-branch MSRs of a vCPU without LBR), on AMD it is stored
         * and read back (the VMCB's copies, which only LBR
         * virtualization would overwrite). */
        if (p->amd)
            v->msr.lbr[msr - 0x1db] = val;
        return true;
    case MSRK_DEBUGCTL:
        if (val & ~debugctl_valid(p))
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
    case MSRK_TSC_AUX:
        /* 32 bits; 63:32 reserved (SDM vol. 4, APM vol. 2 13.2.4). */
        if (val >> 32)
            return false;
        v->msr.tsc_aux = val;           /* loaded at the next entry */
        return true;
    case MSRK_SPEC_CTRL: {
        /* IBRS, STIBP, SSBD as the guest's CPUID offers them; then the
         * host CPU itself must take the value (a bit it does not
         * implement would make the load at entry fault): tried here,
         * with the host's value put back at once. */
        unsigned cpu = smp_processor_id();
        uint64_t f;
        bool ok;

        if (val & ~cpu_policy_spec_ctrl_valid(p))
            return false;
        host_msrs_read(cpu);
        f = irq_save();
        ok = wrmsr_safe(MSR_SPEC_CTRL, val) == 0;
        wrmsr_safe(MSR_SPEC_CTRL, host_msrs[cpu].spec_ctrl);
        irq_restore(f);
        if (!ok)
            return false;
        v->msr.spec_ctrl = val;         /* loaded at the next entry */
        return true;
    }
    case MSRK_PRED_CMD:
        /* Write-only command: bit 0 IBPB, the rest reserved.  The barrier
         * is the host's to give: one IBPB now separates what ran on this
         * CPU before from what the guest runs next (the guest's own
         * predictions included, which is what it asks for). */
        if (val & ~1ull)
            return false;
        if (val)
            return wrmsr_safe(MSR_PRED_CMD, 1) == 0;
        return true;
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
