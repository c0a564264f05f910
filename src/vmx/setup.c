/*
 * Turning VT-x on: the probe that checks the CPU and derives every control
 * from the capability MSRs (Intel SDM vol. 3D appendix A), so that missing
 * optional features degrade instead of failing, and VMXON on each CPU
 * (vol. 3C 23.7, 23.8).
 */
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "core/percpu.h"
#include "core/console.h"
#include "arch/x86/cpufeature.h"
#include "arch/x86/asm.h"
#include "mm/mm.h"
#include "lib/string.h"
#include "lib/errno.h"

#define MSR_VMX_BASIC       0x480
#define MSR_VMX_MISC        0x485
#define MSR_VMX_CR0_FIXED0  0x486
#define MSR_VMX_CR0_FIXED1  0x487
#define MSR_VMX_CR4_FIXED0  0x488
#define MSR_VMX_CR4_FIXED1  0x489
#define FC_LOCKED           (1u << 0)
#define FC_VMXON_OUTSIDE_SMX (1u << 2)

struct vmx_config vmx_cfg __hot_data;

static void *vmxon_region[RV_MAX_CPUS];     /* (o) */

/* ---- Turning VMX on ---------------------------------------------------- */

/* IA32_FEATURE_CONTROL (SDM 23.7): VMXON outside SMX needs bit 2, and the
 * MSR locked (bit 0).  Firmware that left it unlocked leaves the choice to
 * us: enable and lock. */
static bool feature_control_ok(void)
{
    uint64_t fc;

    if (rdmsr_safe(MSR_FEATURE_CONTROL, &fc)) {
        log_warn("vmx: IA32_FEATURE_CONTROL cannot be read; HVM domains unavailable\n");
        return false;
    }
    if (!(fc & FC_LOCKED)) {
        if (wrmsr_safe(MSR_FEATURE_CONTROL, fc | FC_LOCKED | FC_VMXON_OUTSIDE_SMX)) {
            log_warn("vmx: IA32_FEATURE_CONTROL cannot be locked; HVM domains unavailable\n");
            return false;
        }
        return true;
    }
    if (!(fc & FC_VMXON_OUTSIDE_SMX)) {
        log_warn("vmx: disabled by firmware (IA32_FEATURE_CONTROL %#lx locked without VMXON outside SMX); "
                 "HVM domains unavailable\n", (unsigned long)fc);
        return false;
    }
    return true;
}

int vmx_cpu_up(void)
{
    unsigned cpu = smp_processor_id();

    if (vmxon_region[cpu])
        return 0;
    if (!feature_control_ok())
        return -ENODEV;
    /* CR0 and CR4 must respect the fixed bits in VMX operation (SDM 23.8,
     * A.7, A.8): CR4.VMXE and CR0.NE set, nothing outside FIXED1. */
    uint64_t f0 = rdmsr(MSR_VMX_CR0_FIXED0), f1 = rdmsr(MSR_VMX_CR0_FIXED1), cr0 = read_cr0() | f0;
    if (cr0 & ~f1) {
        log_err("vmx: cpu%u: CR0 %#lx cannot meet IA32_VMX_CR0_FIXED1 %#lx\n", cpu, (unsigned long)cr0,
                (unsigned long)f1);
        return -EIO;
    }
    uint64_t cr4_old = read_cr4();
    uint64_t g0 = rdmsr(MSR_VMX_CR4_FIXED0), g1 = rdmsr(MSR_VMX_CR4_FIXED1), cr4 = cr4_old | g0 | CR4_VMXE;
    if (cr4 & ~g1) {
        log_err("vmx: cpu%u: CR4 %#lx cannot meet IA32_VMX_CR4_FIXED1 %#lx\n", cpu, (unsigned long)cr4,
                (unsigned long)g1);
        return -EIO;
    }
    void *region = alloc_pages(0, DOMID_XEN);
    if (!region)
        return -ENOMEM;
    *(uint32_t *)region = vmx_cfg.revision;    /* VMXON region: revision id first (24.11.5) */
    write_cr0(cr0);
    write_cr4(cr4);
    if (!vmx_vmxon(virt_to_phys(region))) {
        log_err("vmx: cpu%u: VMXON failed\n", cpu);
        write_cr4(cr4_old);
        free_pages(region, 0);
        return -EIO;
    }
    vmxon_region[cpu] = region;
    return 0;
}

/* ---- Probe ----------------------------------------------------------------- */

/* A control word from its capability MSR: bits that must be 1 in the low
 * half, bits that may be 1 in the high half (A.3-A.5). */
static bool pick_ctls(const char *name, uint64_t cap, uint32_t required, uint32_t optional, uint32_t *out)
{
    uint32_t must1 = (uint32_t)cap, may1 = (uint32_t)(cap >> 32);

    if (required & ~may1) {
        log_warn("vmx: %s controls %#x not supported (allowed %#x); HVM domains unavailable\n", name,
                 required & ~may1, may1);
        return false;
    }
    *out = must1 | required | (optional & may1);
    return true;
}

static void msr_bitmap_allow(uint8_t *bm, uint32_t msr)
{
    /* Four 1 KiB bitmaps (24.6.9): reads of 0-0x1fff, reads of
     * 0xc0000000-0xc0001fff, then the same two for writes. */
    unsigned base = msr >= 0xc0000000u ? 1024 : 0, n = msr & 0x1fff;
    bm[base + n / 8] &= (uint8_t)~(1u << (n % 8));
    bm[2048 + base + n / 8] &= (uint8_t)~(1u << (n % 8));
}

static bool alloc_bitmaps(void)
{
    void *io = alloc_pages(1, DOMID_XEN), *msr = alloc_pages(0, DOMID_XEN);

    if (!io || !msr)
        return false;
    /* Every port and every MSR exits, except the MSRs whose guest values
     * the VMCS holds (FS/GS base, SYSENTER) or that are switched with the
     * vCPU (STAR..SFMASK, KERNEL_GS_BASE): the guest sees only what common
     * code emulates. */
    memset(io, 0xff, 2 * 4096);
    memset(msr, 0xff, 4096);
    static const uint32_t direct[] = { MSR_FS_BASE, MSR_GS_BASE, 0x174, 0x175, 0x176 };
    for (unsigned i = 0; i < ARRAY_SIZE(direct); i++)
        msr_bitmap_allow(msr, direct[i]);
    for (unsigned i = 0; i < ARRAY_SIZE(vmx_lazy_msrs); i++)
        msr_bitmap_allow(msr, vmx_lazy_msrs[i]);
    vmx_cfg.io_bitmap_pa[0] = virt_to_phys(io);
    vmx_cfg.io_bitmap_pa[1] = virt_to_phys(io) + 4096;
    vmx_cfg.msr_bitmap_pa = virt_to_phys(msr);
    return true;
}

const struct hvm_vendor_ops *vmx_probe(void)
{
    const struct vmx_caps *caps = &boot_cpu.vmx;
    struct vmx_config *c = &vmx_cfg;

    if (!caps->present || !feature_control_ok())
        return NULL;
    uint64_t basic = rdmsr(MSR_VMX_BASIC);
    /* A.1: VMCS size (44:32), 32-bit address limit (48), memory type (53:50). */
    if (((basic >> 32) & 0x1fff) > 4096 || (basic & (1ull << 48))) {
        log_warn("vmx: unusable IA32_VMX_BASIC %#lx; HVM domains unavailable\n", (unsigned long)basic);
        return NULL;
    }
    c->revision = caps->revision;
    c->ept_vpid = caps->ept_vpid;
    c->misc = rdmsr(MSR_VMX_MISC);
    /* Nested paging (hap) needs EPT with 4-level walks, write-back (or at
     * least uncached) paging structures and INVEPT (A.10), and unrestricted
     * guest for the guest's real mode (which needs EPT itself, 26.2.1.1).
     * Without them every HVM domain runs on the shadow pager (docs/shadow.md
     * "Shadow paging on VMX"), as does a hap = 0 domain on any CPU. */
    /* EFER switched by the entry/exit controls (A.4, A.5), or else (first-
     * generation VT-x) through the MSR-load areas (24.7.2, 24.8.2): the
     * shadow pager can live with that, EPT guests are not offered it. */
    bool load_efer = ((caps->exit >> 32) & (EXIT_SAVE_EFER | EXIT_LOAD_EFER)) == (EXIT_SAVE_EFER | EXIT_LOAD_EFER) &&
                     ((caps->entry >> 32) & ENTRY_LOAD_EFER);
    c->efer_area = !load_efer;
    c->host_efer = rdmsr(MSR_EFER);
    c->ept = load_efer && caps->ept && caps->unrestricted_guest && (c->ept_vpid & (1ull << 6)) &&
             (c->ept_vpid & ((1ull << 14) | (1ull << 8))) && (c->ept_vpid & (1ull << 20)) &&
             (c->ept_vpid & ((1ull << 25) | (1ull << 26)));
    if (!c->ept)
        log_warn("vmx: no usable EPT with unrestricted guest (EPT %d, UG %d, IA32_VMX_EPT_VPID_CAP %#lx): "
                 "HVM domains use the shadow pager\n", caps->ept, caps->unrestricted_guest,
                 (unsigned long)c->ept_vpid);
    c->invept_single = c->ept_vpid & (1ull << 25);
    c->exec_only = c->ept_vpid & 1;
    c->eptp_flags = c->ept ? ((c->ept_vpid & (1ull << 14)) ? 6 : 0) | (3u << 3) | (caps->ept_ad ? 1u << 6 : 0) : 0;
    /* VPIDs only with INVVPID all-context, which a new tag generation needs. */
    c->vpid = caps->vpid && (c->ept_vpid & (1ull << 32)) && (c->ept_vpid & (1ull << 42));
    c->sw_inject_len0 = c->misc & (1ull << 30);

    uint32_t pat_exit = EXIT_SAVE_PAT | EXIT_LOAD_PAT;
    if (!pick_ctls("pin-based", caps->pinbased, PIN_EXT_INTR_EXIT | PIN_NMI_EXIT, PIN_VIRTUAL_NMIS, &c->pin) ||
        !pick_ctls("processor-based", caps->procbased,
                   PROC_HLT_EXIT | PROC_TSC_OFFSETTING | PROC_CR8_LOAD_EXIT | PROC_CR8_STORE_EXIT |
                   PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS,
                   PROC_MWAIT_EXIT | PROC_MONITOR_EXIT | PROC_SECONDARY, &c->proc) ||
        !pick_ctls("secondary", caps->procbased2, c->ept ? PROC2_EPT | PROC2_UNRESTRICTED : 0,
                   (c->vpid ? PROC2_VPID : 0) | PROC2_RDTSCP | PROC2_INVPCID | PROC2_XSAVES |
                   PROC2_PAUSE_LOOP_EXIT, &c->proc2) ||
        !pick_ctls("VM-exit", caps->exit, EXIT_HOST_64BIT | (load_efer ? EXIT_SAVE_EFER | EXIT_LOAD_EFER : 0),
                   EXIT_SAVE_DEBUG | pat_exit, &c->exit) ||
        !pick_ctls("VM-entry", caps->entry, load_efer ? ENTRY_LOAD_EFER : 0, ENTRY_LOAD_DEBUG | ENTRY_LOAD_PAT,
                   &c->entry))
        return NULL;
    /* Secondary controls are optional only without EPT (first-generation
     * VT-x: the shadow pager needs none of them). */
    if (!(c->proc & PROC_SECONDARY))
        c->proc2 = 0;
    c->vpid = c->vpid && (c->proc2 & PROC2_VPID);
    /* NMI-window exiting needs virtual NMIs (SDM 26.2.1.1) and is switched
     * on only while an NMI waits for the guest's NMI handler to return. */
    c->nmi_window = (c->pin & PIN_VIRTUAL_NMIS) && ((caps->procbased >> 32) & PROC_NMI_WINDOW_EXIT);
    /* Interrupts stay pending in the LAPIC until the host re-enables them. */
    c->exit &= ~EXIT_ACK_INTR;
    /* MOV DR does not exit: DR7 must be saved on exit if it is loaded on
     * entry, or the guest's own writes would be undone. */
    if (!(c->entry & ENTRY_LOAD_DEBUG) != !(c->exit & EXIT_SAVE_DEBUG))
        log_warn("vmx: debug controls cannot be saved and loaded together: guest DR7 may be lost\n");
    if ((c->exit & pat_exit) != pat_exit || !(c->entry & ENTRY_LOAD_PAT)) {
        c->exit &= ~pat_exit;
        c->entry &= ~ENTRY_LOAD_PAT;
        log_warn("vmx: no PAT switching on entry/exit: guests run with the host's PAT\n");
    }

    /* CR0/CR4 in VMX non-root operation (A.7, A.8); unrestricted guest lifts
     * PE and PG (26.3.1.1).  Host-owned bits (the mask) read from the
     * shadow: the fixed ones, VMXE, and PG, whose writes cr.c emulates. */
    c->cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
    c->cr0_must1 = c->cr0_fixed0 & ~(uint64_t)(c->ept ? CR0_PE | CR0_PG : 0);
    c->cr0_may1 = rdmsr(MSR_VMX_CR0_FIXED1);
    c->cr4_must1 = rdmsr(MSR_VMX_CR4_FIXED0);
    c->cr4_may1 = rdmsr(MSR_VMX_CR4_FIXED1);
    /* CD and NW too: VM entry leaves them as the host has them on some
     * CPUs (older SDM editions of 26.3.2.1 say so; Bochs does it), so the
     * guest's view of them must come from the shadow. */
    c->cr0_mask = c->cr0_must1 | ~c->cr0_may1 | CR0_PG | CR0_CD | CR0_NW;
    c->cr4_mask = c->cr4_must1 | ~c->cr4_may1 | CR4_VMXE;

    if (!alloc_bitmaps()) {
        log_warn("vmx: out of memory; HVM domains unavailable\n");
        return NULL;
    }
    /* UMIP without CPU support, by descriptor-table exiting (cr.c). */
    vmx_ops.umip_emulated = !(c->cr4_may1 & CR4_UMIP) && ((caps->procbased2 >> 32) & PROC2_DESC_TABLE_EXIT);
    /* RDTSCP and RDPID #UD in the guest without this control (SDM 25.3). */
    vmx_ops.no_rdtscp = !(c->proc2 & PROC2_RDTSCP);
    /* Without EPT the p2m is software only (shadow leaves are 4 KiB): any
     * leaf size will do. */
    vmx_ops.p2m_no_1g = c->ept && !caps->ept_1g;
    vmx_ops.p2m_no_2m = c->ept && !caps->ept_2m;
    vmx_ops.hap = c->ept;
    log_info("vmx: %s (%s%s%s), %s%s, controls pin %#x proc %#x/%#x exit %#x entry %#x\n",
             c->ept ? "EPT" : "no EPT: shadow paging", caps->ept_2m ? "2M" : "no 2M",
             caps->ept_1g ? " 1G" : " no 1G", caps->ept_ad ? " A/D" : "",
             c->vpid ? "VPID" : "no VPID", c->efer_area ? ", EFER through MSR-load areas" : "", c->pin, c->proc, c->proc2, c->exit, c->entry);
    return &vmx_ops;
}
