/*
 * MSRs HVM guests may use.  Unknown MSRs raise #GP as on hardware that does
 * not implement them.  MSRs whose state lives in the VMCB/VMCS (FS/GS bases,
 * SYSCALL and SYSENTER MSRs) may be handled by the backend without exiting.
 */
#include "hvm/hvm.h"
#include "hvm/vlapic.h"
#include "hvm/ctrlreg.h"
#include "core/domain.h"
#include "core/time_info.h"
#include "arch/x86/asm.h"
#include "lib/errno.h"

#define MSR_TSC             0x10
#define MSR_TSC_ADJUST      0x3b
#define MSR_MTRRCAP         0xfe
#define MSR_MTRR_DEF_TYPE   0x2ff
#define MSR_PAT_            0x277
#define MSR_MISC_ENABLE     0x1a0
#define MSR_EFER_           0xc0000080
#define MSR_HYPERCALL       0x40000000
#define MSR_UCODE_REV       0x8b        /* Intel BIOS_SIGN_ID / AMD PATCH_LEVEL */
#define MSR_AMD_HWCR        0xc0010015
#define MSR_AMD_NB_CFG      0xc001001f
#define MSR_AMD_DE_CFG      0xc0011029

/* Performance-monitoring MSRs: with no virtual PMU (CPUID leaf 0xA is
 * zero, the AMD counter extensions are hidden) reads give 0 and writes are
 * accepted and dropped, as QEMU and Xen with vPMU off do, so that a guest
 * resetting its counters does not take a #GP.  AMD's four legacy counters
 * (PerfEvtSel0-3, PerfCtr0-3) exist on every AMD64 CPU without a CPUID
 * bit; the Intel ranges are the architectural counters, event selects,
 * fixed counters and global controls. */
static bool is_pmu_msr(uint32_t msr)
{
    return (msr >= 0xc0010000 && msr <= 0xc0010007) ||     /* AMD PerfEvtSel0-3, PerfCtr0-3 */
           (msr >= 0xc0010200 && msr <= 0xc001020b) ||     /* AMD core counter extension */
           (msr >= 0xc1 && msr <= 0xc8) ||                 /* IA32_PMC0-7 */
           (msr >= 0x4c1 && msr <= 0x4c8) ||               /* IA32_A_PMC0-7 (full-width) */
           (msr >= 0x186 && msr <= 0x18d) ||               /* IA32_PERFEVTSEL0-7 */
           (msr >= 0x309 && msr <= 0x30b) ||               /* IA32_FIXED_CTR0-2 */
           (msr >= 0x38d && msr <= 0x390);                 /* FIXED_CTR_CTRL, PERF_GLOBAL_STATUS/CTRL/OVF_CTRL */
}


static bool valid_pat(uint64_t pat)
{
    /* Each byte must be a defined memory type: 0, 1, 4, 5, 6 or 7. */
    for (int i = 0; i < 8; i++) {
        uint8_t t = (pat >> (8 * i)) & 0xff;
        if (t == 2 || t == 3 || t > 7)
            return false;
    }
    return true;
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

bool hvm_handle_msr(struct vcpu *v, bool write, uint32_t msr)
{
    struct guest_regs *r = &v->regs;
    uint64_t val = ((r->rdx & 0xffffffffull) << 32) | (r->rax & 0xffffffffull);
    struct hvm_ctrl c;

    if (vlapic_is_msr(msr)) {
        bool ok = write ? vlapic_msr_write(v, msr, val) : vlapic_msr_read(v, msr, &val);
        if (!ok) {
            hvm_inject_gp(v);
            return false;
        }
        if (!write) {
            r->rax = (uint32_t)val;
            r->rdx = val >> 32;
        }
        return true;
    }
    hvm_vendor->get_ctrl(v, &c);
    if (!write) {
        switch (msr) {
        case MSR_TSC: val = rdtsc() + v->tsc_offset; break;
        case MSR_TSC_ADJUST: val = v->tsc_adjust; break;
        case MSR_EFER_: val = c.efer; break;
        case MSR_PAT_: val = c.pat; break;
        case MSR_MTRRCAP: val = 0; break;               /* no variable or fixed MTRRs */
        case MSR_MTRR_DEF_TYPE: val = (1u << 11) | 6; break;  /* MTRRs on, default write-back */
        case MSR_MISC_ENABLE: val = 1u << 0; break;     /* fast strings */
        case MSR_UCODE_REV: {
            /* The host's microcode revision: guests judge errata by it
             * (Linux turns the TSC-deadline timer off on some Intel models
             * when it reads an old one).  Without the MSR, report the
             * highest revision: the virtual CPU has no such errata. */
            uint64_t host;
            val = rdmsr_safe(MSR_UCODE_REV, &host) == 0 && host ? host : 0xffffffff00000000ull;
            break;
        }
        /* AMD configuration MSRs guests read to tune errata workarounds:
         * nothing set, and their writes are ignored (the bits concern the
         * physical northbridge and decoder, which the guest does not own). */
        case MSR_AMD_HWCR:
        case MSR_AMD_NB_CFG:
        case MSR_AMD_DE_CFG:
            val = 0;
            break;
        default:
            if (is_pmu_msr(msr)) {
                val = 0;
                break;
            }
            hvm_inject_gp(v);
            return false;
        }
        r->rax = (uint32_t)val;
        r->rdx = val >> 32;
        return true;
    }
    switch (msr) {
    case MSR_TSC:
        /* All 64 bits are written (SDM vol. 4, IA32_TIME_STAMP_COUNTER);
         * the new TSC counts on from val at this instant. */
        tsc_move(v, val - (rdtsc() + v->tsc_offset));
        return true;
    case MSR_TSC_ADJUST:
        tsc_move(v, val - v->tsc_adjust);
        return true;
    case MSR_EFER_:
        /* Bits the guest's CPUID offers (hvm/ctrlreg.c): SCE, LME, LMA,
         * NXE, and FFXSR where AMD offers it; SVME never. */
        if (val & ~hvm_efer_guest_valid(v))
            goto gp;
        /* LME may not change while paging is on (SDM vol. 3 9.8.5,
         * APM vol. 2 3.1.7): the CPU raises #GP. */
        if (((val ^ c.efer) & (1u << 8)) && (c.cr0 & (1u << 31)))
            goto gp;
        c.efer = (val & ~(1ull << 10)) | (c.efer & (1ull << 10));   /* LMA is read-only */
        hvm_vendor->set_ctrl(v, &c);
        return true;
    case MSR_PAT_:
        if (!valid_pat(val))
            goto gp;
        c.pat = val;
        hvm_vendor->set_ctrl(v, &c);
        return true;
    case MSR_HYPERCALL:
        if (v->domain->hide_hypervisor_cpuid || hvm_write_hypercall_page(v, val) < 0)
            goto gp;
        return true;
    case MSR_MTRR_DEF_TYPE:
    case MSR_MISC_ENABLE:
    case MSR_UCODE_REV:     /* written before CPUID to latch the revision */
    case MSR_AMD_HWCR:
    case MSR_AMD_NB_CFG:
    case MSR_AMD_DE_CFG:
        return true;    /* accepted and ignored: nothing behind them yet */
    default:
        if (is_pmu_msr(msr))
            return true;
        goto gp;
    }
gp:
    hvm_inject_gp(v);
    return false;
}
