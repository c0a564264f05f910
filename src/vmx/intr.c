/*
 * Interrupt and NMI windows of the VT-x backend (vendor.h: event_pending,
 * interrupts_enabled, request_intr_window, nmi_allowed, request_nmi_window);
 * moved out of vmx.c.  Each runs on the vCPU's own CPU with its VMCS
 * loadable there (vmcs_get).
 */
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "hvm/hvm.h"
#include "core/domain.h"

#define RFLAGS_IF           (1u << 9)

__hot_path bool vmx_event_pending(struct vcpu *v)
{
    struct vmx_vcpu *x = v->vendor;
    struct vmcs_ctx c;
    bool pending = false;

    if (vmcs_get(x, &c)) {
        pending = vmread(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID;
        vmcs_put(x, &c);
    }
    return pending;
}

__hot_path bool vmx_interrupts_enabled(struct vcpu *v)
{
    struct vmx_vcpu *x = v->vendor;
    uint32_t shadow = x->intr_state & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS);

    if (v->regs.rip != x->exit_rip)
        shadow = 0;         /* the instruction that had it was emulated */
    return (v->regs.rflags & RFLAGS_IF) && !shadow;
}

__hot_path void vmx_request_intr_window(struct vcpu *v, bool on)
{
    struct vmx_vcpu *x = v->vendor;
    struct vmcs_ctx c;
    /* Interrupt-window exiting: an exit as soon as RFLAGS.IF = 1 and no STI
     * / MOV SS shadow (25.2). */
    uint32_t proc = on ? x->proc | PROC_INTR_WINDOW_EXIT : x->proc & ~PROC_INTR_WINDOW_EXIT;

    if (proc == x->proc || !vmcs_get(x, &c))
        return;
    x->proc = proc;
    vmwrite(VMCS_PROC_CTLS, proc);
    vmcs_put(x, &c);
}

__hot_path bool vmx_nmi_allowed(struct vcpu *v)
{
    struct vmx_vcpu *x = v->vendor;
    uint32_t block = x->intr_state & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS);

    if (v->regs.rip != x->exit_rip)
        block = 0;          /* the instruction that had the shadow was emulated */
    /* With virtual NMIs the CPU tracks "NMI handler running" for us; an NMI
     * may not be injected under MOV SS blocking (26.3.1.5), and some CPUs
     * refuse it under STI blocking too. */
    if (vmx_cfg.pin & PIN_VIRTUAL_NMIS)
        block |= x->intr_state & INTR_BLOCK_NMI;
    return !block;
}

void vmx_request_nmi_window(struct vcpu *v, bool on)
{
    struct vmx_vcpu *x = v->vendor;
    struct vmcs_ctx c;

    /* Without NMI-window exiting the interrupt window stands in for it (it
     * opens no earlier than the NMI could be taken, with IF set). */
    if (!vmx_cfg.nmi_window) {
        if (on)
            vmx_request_intr_window(v, true);
        return;
    }
    uint32_t proc = on ? x->proc | PROC_NMI_WINDOW_EXIT : x->proc & ~PROC_NMI_WINDOW_EXIT;
    if (proc == x->proc || !vmcs_get(x, &c))
        return;
    x->proc = proc;
    vmwrite(VMCS_PROC_CTLS, proc);
    vmcs_put(x, &c);
}
