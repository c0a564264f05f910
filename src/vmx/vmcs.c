/*
 * Filling a VMCS (controls, the reset guest state, this CPU's host state)
 * and explaining VM-entry failures: the VM-instruction error (SDM vol. 3C
 * 30.4) when VMLAUNCH/VMRESUME fail outright, and for "invalid guest state"
 * the rule the guest-state checker finds broken (vmx_check.c, 26.3.1),
 * since the CPU does not say which one failed.
 */
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "mm/mm.h"
#include "hvm/hvm.h"
#include "hvm/ctrlreg.h"
#include "core/domain.h"
#include "core/percpu.h"
#include "core/console.h"
#include "arch/x86/asm.h"
#include "arch/x86/layout.h"
#include "arch/x86/cpufeature.h"
#include "lib/fmt.h"

#define PAT_RESET   0x0007040600070406ull

extern char vmx_exit_stub[];

void vmwrite_failed(uint64_t field, uint64_t val)
{
    log_err("vmx: VMWRITE of %#lx to field %#lx failed (VM-instruction error %lu)\n", (unsigned long)val,
            (unsigned long)field, (unsigned long)vmread(VMCS_INSN_ERROR));
}

void vmcs_setup(struct vcpu *v)
{
    struct vmx_vcpu *x = v->vendor;
    const struct vmx_config *c = &vmx_cfg;

    x->proc = c->proc;
    x->entry = c->entry;
    vmwrite(VMCS_PIN_CTLS, c->pin);
    vmwrite(VMCS_PROC_CTLS, c->proc);
    if (c->proc & PROC_SECONDARY)
        vmwrite(VMCS_PROC_CTLS2, c->proc2);
    vmwrite(VMCS_EXIT_CTLS, c->exit);
    vmwrite(VMCS_ENTRY_CTLS, c->entry);
    /* #AC, #DB (and #UD with hvm_fep): the policy is common code's. */
    vmwrite(VMCS_EXCEPTION_BITMAP, hvm_exception_intercepts());
    vmwrite(VMCS_PF_ERR_MASK, 0);
    vmwrite(VMCS_PF_ERR_MATCH, 0);
    vmwrite(VMCS_CR3_TARGET_COUNT, 0);
    vmwrite(VMCS_EXIT_MSR_STORE_COUNT, 0);
    vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, 0);
    vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
    vmwrite(VMCS_ENTRY_INTR_INFO, 0);
    vmwrite(VMCS_ENTRY_EXC_ERRCODE, 0);
    vmwrite(VMCS_ENTRY_INSN_LEN, 0);
    if (c->proc2 & PROC2_XSAVES)
        vmwrite(VMCS_XSS_EXIT_BITMAP, 0);   /* XSAVES/XRSTORS never exit (24.6.20) */
    vmwrite(VMCS_IO_BITMAP_A, c->io_bitmap_pa[0]);
    vmwrite(VMCS_IO_BITMAP_B, c->io_bitmap_pa[1]);
    vmwrite(VMCS_MSR_BITMAP, c->msr_bitmap_pa);
    vmwrite(VMCS_TSC_OFFSET, v->tsc_offset);
    if (c->proc2 & PROC2_PAUSE_LOOP_EXIT) {
        /* PAUSEs at most 128 cycles apart for 4096 cycles: a spin (25.1.3). */
        vmwrite(VMCS_PLE_GAP, 128);
        vmwrite(VMCS_PLE_WINDOW, 4096);
    }
    if (c->ept) {
        x->eptp = v->domain->p2m.root_pa | c->eptp_flags;
        vmwrite(VMCS_EPT_POINTER, x->eptp);
    }
    vmwrite(VMCS_CR0_MASK, c->cr0_mask);
    /* Also host-owned: every CR4 bit the guest's CPUID does not offer, so
     * that setting one exits and cr.c raises the #GP (the CPU would accept
     * e.g. OSXSAVE).  Those bits are always 0 in the guest's CR4, so
     * vmx_guest_cr4 reads them right from either half. */
    vmwrite(VMCS_CR4_MASK, c->cr4_mask | ~hvm_cr4_guest_valid(v));
    /* The state after RESET (SDM vol. 3A 9.1.1), which unrestricted guest
     * can run as it is; the loader replaces most of it. */
    vmx_set_cr0_raw(0x60000010);
    vmx_set_cr4_raw(0);
    vmwrite(VMCS_GUEST_CR3, 0);
    vmwrite(VMCS_GUEST_DR7, 0x400);
    vmwrite(VMCS_GUEST_RSP, x->vmcs_rsp = 0);
    vmwrite(VMCS_GUEST_RIP, x->vmcs_rip = 0xfff0);
    vmwrite(VMCS_GUEST_RFLAGS, x->vmcs_rflags = 2);
    for (unsigned i = 0; i < 8; i++) {
        bool cs = i == 1;
        vmwrite(VMCS_SEG(VMCS_GUEST_ES_SEL, i), cs ? 0xf000 : 0);
        vmwrite(VMCS_SEG(VMCS_GUEST_ES_BASE, i), cs ? 0xffff0000ull : 0);
        vmwrite(VMCS_SEG(VMCS_GUEST_ES_LIMIT, i), 0xffff);
        vmwrite(VMCS_SEG(VMCS_GUEST_ES_AR, i), i == 6 ? 0x82 : i == 7 ? 0x8b : cs ? 0x9b : 0x93);
    }
    vmwrite(VMCS_GUEST_GDTR_BASE, 0);
    vmwrite(VMCS_GUEST_GDTR_LIMIT, 0xffff);
    vmwrite(VMCS_GUEST_IDTR_BASE, 0);
    vmwrite(VMCS_GUEST_IDTR_LIMIT, 0xffff);
    vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
    vmwrite(VMCS_GUEST_ACTIVITY, 0);
    vmwrite(VMCS_GUEST_PENDING_DBG, 0);
    vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
    vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
    vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
    vmwrite(VMCS_GUEST_DEBUGCTL, 0);
    if (c->efer_area) {
        vmwrite(VMCS_ENTRY_MSR_LOAD_ADDR, virt_to_phys(x->msr_area));
        vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, 1);
        vmwrite(VMCS_EXIT_MSR_LOAD_ADDR, virt_to_phys(x->msr_area) + 2048);
        vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, 1);
    }
    vmx_set_hw_efer(x, 0);
    if (c->entry & ENTRY_LOAD_PAT)
        vmwrite(VMCS_GUEST_PAT, PAT_RESET);
    x->pat = PAT_RESET;
    vmwrite(VMCS_LINK_POINTER, ~0ull);     /* no shadow VMCS (24.4.2) */
}

struct desc_ptr { uint16_t limit; uint64_t base; } __packed;

/* This CPU's state, restored by every VM exit (24.5, 27.5).  Selectors
 * from layout.h; bases of the per-CPU GDT, TSS and GS. */
void vmcs_write_host_state(void)
{
    struct percpu *p = this_cpu();
    struct desc_ptr idtr;
    uint16_t fs, gs;

    __asm__ __volatile__("sidt %0" : "=m"(idtr));
    __asm__ __volatile__("mov %%fs, %0; mov %%gs, %1" : "=r"(fs), "=r"(gs));
    vmwrite(VMCS_HOST_CR0, read_cr0());
    vmwrite(VMCS_HOST_CR3, read_cr3());
    vmwrite(VMCS_HOST_CR4, read_cr4());
    vmwrite(VMCS_HOST_CS_SEL, BOOT_CS64);
    vmwrite(VMCS_HOST_SS_SEL, BOOT_DS);
    vmwrite(VMCS_HOST_DS_SEL, BOOT_DS);
    vmwrite(VMCS_HOST_ES_SEL, BOOT_DS);
    vmwrite(VMCS_HOST_FS_SEL, fs & 0xf8);  /* RPL and TI must be 0 (26.2.3) */
    vmwrite(VMCS_HOST_GS_SEL, gs & 0xf8);
    vmwrite(VMCS_HOST_TR_SEL, 0x20);        /* cpu_desc_init: GDT slot 4 */
    vmwrite(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
    vmwrite(VMCS_HOST_GS_BASE, rdmsr(MSR_GS_BASE));
    vmwrite(VMCS_HOST_TR_BASE, (uint64_t)&p->tss);
    vmwrite(VMCS_HOST_GDTR_BASE, (uint64_t)(p->gdt_pv ? p->gdt_pv : p->gdt));   /* the one cpu_desc_init loaded */
    vmwrite(VMCS_HOST_IDTR_BASE, idtr.base);
    vmwrite(VMCS_HOST_SYSENTER_CS, rdmsr(0x174));
    vmwrite(VMCS_HOST_SYSENTER_ESP, rdmsr(0x175));
    vmwrite(VMCS_HOST_SYSENTER_EIP, rdmsr(0x176));
    if (vmx_cfg.exit & EXIT_LOAD_PAT)
        vmwrite(VMCS_HOST_PAT, rdmsr(MSR_PAT));
    if (vmx_cfg.exit & EXIT_LOAD_EFER)
        vmwrite(VMCS_HOST_EFER, rdmsr(MSR_EFER));
    vmwrite(VMCS_HOST_RIP, (uint64_t)vmx_exit_stub);
}

/* ---- Diagnostics ------------------------------------------------------- */

const char *vmcs_insn_error_str(unsigned err)
{
    /* Table 30-1. */
    static const char *const names[] = {
        [1] = "VMCALL executed in VMX root operation",
        [2] = "VMCLEAR with invalid physical address",
        [3] = "VMCLEAR with VMXON pointer",
        [4] = "VMLAUNCH with non-clear VMCS",
        [5] = "VMRESUME with non-launched VMCS",
        [6] = "VMRESUME after VMXOFF",
        [7] = "VM entry with invalid control field(s)",
        [8] = "VM entry with invalid host-state field(s)",
        [9] = "VMPTRLD with invalid physical address",
        [10] = "VMPTRLD with VMXON pointer",
        [11] = "VMPTRLD with incorrect VMCS revision identifier",
        [12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
        [13] = "VMWRITE to read-only VMCS component",
        [15] = "VMXON executed in VMX root operation",
        [16] = "VM entry with invalid executive-VMCS pointer",
        [17] = "VM entry with non-launched executive VMCS",
        [18] = "VM entry with executive-VMCS pointer not VMXON pointer",
        [19] = "VMCALL with non-clear VMCS",
        [20] = "VMCALL with invalid VM-exit control fields",
        [22] = "VMCALL with incorrect MSEG revision identifier",
        [23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
        [24] = "VMCALL with invalid SMM-monitor features",
        [25] = "VM entry with invalid VM-execution control fields in executive VMCS",
        [26] = "VM entry with events blocked by MOV SS",
        [28] = "invalid operand to INVEPT/INVVPID",
    };
    return err < ARRAY_SIZE(names) && names[err] ? names[err] : "unknown VM-instruction error";
}

void vmcs_report_fail(struct vcpu *v, int how)
{
    struct domain *d = v->domain;
    const struct vmx_caps *caps = &boot_cpu.vmx;

    if (how == 1) {
        domain_log(d, LOG_ERR, "v%u: VM entry failed: VMfailInvalid (no current VMCS)\n", v->vcpu_id);
        return;
    }
    unsigned err = (unsigned)vmread(VMCS_INSN_ERROR);
    domain_log(d, LOG_ERR, "v%u: VM entry failed: VM-instruction error %u (%s)\n", v->vcpu_id, err,
               vmcs_insn_error_str(err));
    if (err == 7) {
        vmx_check_explain(v, "VM entry failed: invalid control fields");
        domain_log(d, LOG_ERR, "v%u: pin %#lx (cap %#lx) proc %#lx (cap %#lx) proc2 %#lx (cap %#lx)\n",
                   v->vcpu_id, (unsigned long)vmread(VMCS_PIN_CTLS), (unsigned long)caps->pinbased,
                   (unsigned long)vmread(VMCS_PROC_CTLS), (unsigned long)caps->procbased,
                   (unsigned long)vmread(VMCS_PROC_CTLS2), (unsigned long)caps->procbased2);
        domain_log(d, LOG_ERR, "v%u: exit %#lx (cap %#lx) entry %#lx (cap %#lx) EPTP %#lx VPID %lu\n",
                   v->vcpu_id, (unsigned long)vmread(VMCS_EXIT_CTLS), (unsigned long)caps->exit,
                   (unsigned long)vmread(VMCS_ENTRY_CTLS), (unsigned long)caps->entry,
                   (unsigned long)vmread(VMCS_EPT_POINTER), (unsigned long)vmread(VMCS_VPID));
        domain_log(d, LOG_ERR, "v%u: entry interruption %#lx error code %#lx length %lu; CR3 targets %lu\n",
                   v->vcpu_id, (unsigned long)vmread(VMCS_ENTRY_INTR_INFO),
                   (unsigned long)vmread(VMCS_ENTRY_EXC_ERRCODE), (unsigned long)vmread(VMCS_ENTRY_INSN_LEN),
                   (unsigned long)vmread(VMCS_CR3_TARGET_COUNT));
    } else if (err == 8) {
        domain_log(d, LOG_ERR, "v%u: host CR0 %#lx CR3 %#lx CR4 %#lx EFER %#lx RIP %#lx RSP %#lx\n", v->vcpu_id,
                   (unsigned long)vmread(VMCS_HOST_CR0), (unsigned long)vmread(VMCS_HOST_CR3),
                   (unsigned long)vmread(VMCS_HOST_CR4), (unsigned long)vmread(VMCS_HOST_EFER),
                   (unsigned long)vmread(VMCS_HOST_RIP), (unsigned long)vmread(VMCS_HOST_RSP));
        domain_log(d, LOG_ERR, "v%u: host CS %#lx SS %#lx TR %#lx; FS %#lx GS %#lx TR %#lx GDTR %#lx IDTR %#lx\n",
                   v->vcpu_id, (unsigned long)vmread(VMCS_HOST_CS_SEL), (unsigned long)vmread(VMCS_HOST_SS_SEL),
                   (unsigned long)vmread(VMCS_HOST_TR_SEL), (unsigned long)vmread(VMCS_HOST_FS_BASE),
                   (unsigned long)vmread(VMCS_HOST_GS_BASE), (unsigned long)vmread(VMCS_HOST_TR_BASE),
                   (unsigned long)vmread(VMCS_HOST_GDTR_BASE), (unsigned long)vmread(VMCS_HOST_IDTR_BASE));
    } else if (err == 26) {
        domain_log(d, LOG_ERR, "v%u: guest interruptibility %#lx\n", v->vcpu_id,
                   (unsigned long)vmread(VMCS_GUEST_INTERRUPTIBILITY));
    }
}

void vmcs_report_entry_exit(struct vcpu *v, uint32_t reason)
{
    struct domain *d = v->domain;
    unsigned basic = reason & 0xffff;
    uint64_t qual = vmread(VMCS_EXIT_QUAL);

    if (basic == EXIT_INVALID_GUEST_STATE) {
        /* Qualification (27.8): 2 PDPTE loading, 3 NMI injection, 4 link pointer. */
        static const char *const what[] = { "", "", ": loading the PDPTEs", ": injecting an NMI",
                                            ": the VMCS link pointer" };
        domain_log(d, LOG_ERR, "v%u: VM entry failed: invalid guest state%s\n", v->vcpu_id,
                   qual < ARRAY_SIZE(what) ? what[qual] : "");
        /* The CPU does not say which rule: the checker (vmx_check.c) does. */
        vmx_check_explain(v, "VM entry failed: invalid guest state");
    } else if (basic == EXIT_MSR_LOADING) {
        domain_log(d, LOG_ERR, "v%u: VM entry failed loading entry %lu of the MSR-load area\n", v->vcpu_id,
                   (unsigned long)qual);
    } else {
        domain_log(d, LOG_ERR, "v%u: VM entry failed: exit reason %#x\n", v->vcpu_id, reason);
    }
    domain_log(d, LOG_ERR, "v%u: guest CR0 %#lx CR4 %#lx EFER %#lx entry %#lx RFLAGS %#lx RIP %#lx interruptibility %#lx\n",
               v->vcpu_id, (unsigned long)vmread(VMCS_GUEST_CR0), (unsigned long)vmread(VMCS_GUEST_CR4),
               (unsigned long)vmx_hw_efer(v->vendor), (unsigned long)vmread(VMCS_ENTRY_CTLS),
               (unsigned long)vmread(VMCS_GUEST_RFLAGS), (unsigned long)vmread(VMCS_GUEST_RIP),
               (unsigned long)vmread(VMCS_GUEST_INTERRUPTIBILITY));
    domain_log(d, LOG_ERR, "v%u: CS %#lx/%#lx SS %#lx/%#lx TR %#lx/%#lx LDTR %#lx/%#lx\n", v->vcpu_id,
               (unsigned long)vmread(VMCS_SEG(VMCS_GUEST_ES_SEL, 1)), (unsigned long)vmread(VMCS_SEG(VMCS_GUEST_ES_AR, 1)),
               (unsigned long)vmread(VMCS_SEG(VMCS_GUEST_ES_SEL, 2)), (unsigned long)vmread(VMCS_SEG(VMCS_GUEST_ES_AR, 2)),
               (unsigned long)vmread(VMCS_SEG(VMCS_GUEST_ES_SEL, 7)), (unsigned long)vmread(VMCS_SEG(VMCS_GUEST_ES_AR, 7)),
               (unsigned long)vmread(VMCS_SEG(VMCS_GUEST_ES_SEL, 6)), (unsigned long)vmread(VMCS_SEG(VMCS_GUEST_ES_AR, 6)));
}
