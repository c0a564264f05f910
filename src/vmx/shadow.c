/*
 * The shadow pager on VT-x (docs/shadow.md "Shadow paging on VMX"): the
 * controls a shadow-paged vCPU runs with and its control registers, whose
 * guest values live in the read shadows and struct vmx_vcpu while the VMCS
 * holds what the CPU runs with; and EFER on CPUs without the load/save-EFER
 * controls (first-generation VT-x), through the MSR-load areas.  The
 * shadow itself is common code (hvm/shadow_hvm.c, mm/shadow.c).
 */
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "hvm/hvm.h"
#include "hvm/shadow.h"
#include "core/domain.h"
#include "core/console.h"
#include "arch/x86/asm.h"

__hot_path uint64_t vmx_hw_efer(const struct vmx_vcpu *x)
{
    return vmx_cfg.efer_area ? x->msr_area[1] : vmread(VMCS_GUEST_EFER);
}

void vmx_set_hw_efer(struct vmx_vcpu *x, uint64_t efer)
{
    if (vmx_cfg.efer_area)
        x->msr_area[1] = efer;
    else
        vmwrite(VMCS_GUEST_EFER, efer);
}

/*
 * Shadow paging: the read shadows hold the guest's CR0/CR4 (all bits
 * host-owned), the VMCS what the CPU runs with (hvm_shadow_hw_ctrl, then
 * VMX's fixed bits without the UG relaxation: PE and PG are 1), CR3 the
 * shadow's root, EFER the guest's without LME/LMA while its paging is off.
 * The shadow notices paging-mode and CR3 changes itself before the next
 * entry (hvm_shadow_before_entry) and asks for the fresh VPID.  Without
 * EPT the CPU loads the PAE PDPTEs from the shadow's root at each entry
 * (26.3.2.4), which never change.
 */
void vmx_set_ctrl_shadow(struct vcpu *v, struct vmx_vcpu *x, const struct hvm_ctrl *in)
{
    uint64_t cr0, cr4, efer;

    hvm_shadow_hw_ctrl(in->cr0, in->cr4, in->efer, &cr0, &cr4, &efer);
    vmwrite(VMCS_GUEST_CR0, (cr0 | vmx_cfg.cr0_fixed0) & vmx_cfg.cr0_may1);
    vmwrite(VMCS_CR0_SHADOW, in->cr0);
    /* vmx_set_cr4_raw: the fixed bits, and emulated UMIP's exiting; the
     * guest's full CR4 then goes into the read shadow. */
    vmx_set_cr4_raw(cr4 | (in->cr4 & CR4_UMIP));
    vmwrite(VMCS_CR4_SHADOW, in->cr4);
    vmwrite(VMCS_GUEST_CR3, x->sh_root);
    x->g_cr3 = in->cr3;
    x->g_efer = in->efer;
    x->sh_realmode = !(in->cr0 & CR0_PE);
    x->cr2 = in->cr2;
    vmx_set_hw_efer(x, efer);
    vmx_set_ia32e(v, efer & EFER_LMA);
    if (vmx_cfg.entry & ENTRY_LOAD_PAT)
        vmwrite(VMCS_GUEST_PAT, in->pat);
    else
        x->pat = in->pat;
}

/*
 * Shadow paging for v (vendor.h, docs/shadow.md "Shadow paging on VMX"),
 * before it first runs: EPT, unrestricted guest and INVPCID off (INVPCID
 * would flush the CPU's TLB and not the shadow: it #UDs, and CPUID hides
 * it); CR3 loads and stores, INVLPG and every #PF exit (PFEC mask and
 * match 0: the bitmap's bit decides, 25.2); every CR0/CR4 bit host-owned,
 * so that the guest reads its own values from the read shadows and every
 * write comes to the common CR code.
 */
void vmx_set_shadow(struct vcpu *v, uint64_t root_pa)
{
    struct vmx_vcpu *x = v->vendor;
    struct hvm_ctrl ctrl;
    struct vmcs_ctx c;

    vmx_ops.get_ctrl(v, &ctrl);
    if (!vmcs_get(x, &c)) {
        /* Not before the first run: the VMCS is only active elsewhere
         * once the vCPU has run.  The entry path then refuses it. */
        domain_log(v->domain, LOG_ERR, "v%u: cannot switch to shadow paging (VMCS busy)\n", v->vcpu_id);
        x->shadow = true;       /* with sh_root 0: vmx_vcpu_run refuses to enter */
        return;
    }
    x->shadow = true;
    x->sh_root = root_pa;
    x->proc |= PROC_INVLPG_EXIT | PROC_CR3_LOAD_EXIT | PROC_CR3_STORE_EXIT;
    vmwrite(VMCS_PROC_CTLS, x->proc);
    if (x->proc & PROC_SECONDARY)
        vmwrite(VMCS_PROC_CTLS2, vmread(VMCS_PROC_CTLS2) & ~(uint64_t)(PROC2_EPT | PROC2_UNRESTRICTED | PROC2_INVPCID));
    vmwrite(VMCS_EXCEPTION_BITMAP, vmread(VMCS_EXCEPTION_BITMAP) | (1u << 14));
    vmwrite(VMCS_PF_ERR_MASK, 0);
    vmwrite(VMCS_PF_ERR_MATCH, 0);
    vmwrite(VMCS_CR0_MASK, ~0ull);
    vmwrite(VMCS_CR4_MASK, ~0ull);
    vmx_set_ctrl_shadow(v, x, &ctrl);
    vmcs_put(x, &c);
}

/* Another cached shadow root (vendor.h set_shadow_root), on v's entry
 * path, where its VMCS is current. */
void vmx_set_shadow_root(struct vcpu *v, uint64_t root_pa)
{
    struct vmx_vcpu *x = v->vendor;

    x->sh_root = root_pa;
    vmwrite(VMCS_GUEST_CR3, root_pa);
}
