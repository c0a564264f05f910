/*
 * The hardware side of the VMX guest-state checker: the VMCS snapshot
 * (VMREADs of every field vmx_check.c looks at) and the capabilities it is
 * held to, read from the VMX capability MSRs.  Called with the VMCS current,
 * interrupts off: right before VMLAUNCH/VMRESUME when vmstate_check is on,
 * and after a failed entry to name the rule (vmcs.c).
 */
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_check.h"
#include "core/domain.h"
#include "arch/x86/asm.h"
#include "arch/x86/cpufeature.h"

#define MSR_VMX_BASIC       0x480
#define MSR_VMX_CR0_FIXED0  0x486
#define MSR_VMX_CR0_FIXED1  0x487
#define MSR_VMX_CR4_FIXED0  0x488
#define MSR_VMX_CR4_FIXED1  0x489

static struct vmx_check_caps caps;      /* (o) filled once; every CPU has the same MSRs */
static bool caps_ready;

static void read_caps(void)
{
    if (READ_ONCE(caps_ready))
        return;
    caps.cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
    caps.cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
    caps.cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
    caps.cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
    caps.misc = vmx_cfg.misc;
    caps.basic_no_errcode_rule = rdmsr(MSR_VMX_BASIC) & (1ull << 56);
    caps.phys_bits = boot_cpu.phys_addr_bits ? boot_cpu.phys_addr_bits : 36;
    caps.virt_bits = boot_cpu.virt_addr_bits ? boot_cpu.virt_addr_bits : 48;
    WRITE_ONCE(caps_ready, true);   /* the same values whoever writes them: a race is harmless */
}

static void snapshot(struct vmx_snapshot *s)
{
    s->pin = (uint32_t)vmread(VMCS_PIN_CTLS);
    s->proc = (uint32_t)vmread(VMCS_PROC_CTLS);
    s->proc2 = (s->proc & PROC_SECONDARY) ? (uint32_t)vmread(VMCS_PROC_CTLS2) : 0;
    s->entry = (uint32_t)vmread(VMCS_ENTRY_CTLS);
    s->entry_intr_info = (uint32_t)vmread(VMCS_ENTRY_INTR_INFO);
    s->entry_errcode = (uint32_t)vmread(VMCS_ENTRY_EXC_ERRCODE);
    s->entry_insn_len = (uint32_t)vmread(VMCS_ENTRY_INSN_LEN);
    s->cr0 = vmread(VMCS_GUEST_CR0);
    s->cr3 = vmread(VMCS_GUEST_CR3);
    s->cr4 = vmread(VMCS_GUEST_CR4);
    s->dr7 = vmread(VMCS_GUEST_DR7);
    s->debugctl = vmread(VMCS_GUEST_DEBUGCTL);
    s->efer = (s->entry & ENTRY_LOAD_EFER) ? vmread(VMCS_GUEST_EFER) : 0;
    s->pat = (s->entry & ENTRY_LOAD_PAT) ? vmread(VMCS_GUEST_PAT) : 0;
    s->sysenter_esp = vmread(VMCS_GUEST_SYSENTER_ESP);
    s->sysenter_eip = vmread(VMCS_GUEST_SYSENTER_EIP);
    for (unsigned i = 0; i < VSEG_NR; i++) {
        s->seg[i].sel = (uint16_t)vmread(VMCS_SEG(VMCS_GUEST_ES_SEL, i));
        s->seg[i].base = vmread(VMCS_SEG(VMCS_GUEST_ES_BASE, i));
        s->seg[i].limit = (uint32_t)vmread(VMCS_SEG(VMCS_GUEST_ES_LIMIT, i));
        s->seg[i].ar = (uint32_t)vmread(VMCS_SEG(VMCS_GUEST_ES_AR, i));
    }
    s->gdtr_base = vmread(VMCS_GUEST_GDTR_BASE);
    s->idtr_base = vmread(VMCS_GUEST_IDTR_BASE);
    s->gdtr_limit = (uint32_t)vmread(VMCS_GUEST_GDTR_LIMIT);
    s->idtr_limit = (uint32_t)vmread(VMCS_GUEST_IDTR_LIMIT);
    s->rip = vmread(VMCS_GUEST_RIP);
    s->rflags = vmread(VMCS_GUEST_RFLAGS);
    s->interruptibility = (uint32_t)vmread(VMCS_GUEST_INTERRUPTIBILITY);
    s->activity = (uint32_t)vmread(VMCS_GUEST_ACTIVITY);
    s->pending_dbg = vmread(VMCS_GUEST_PENDING_DBG);
    s->link_ptr = vmread(VMCS_LINK_POINTER);
    /* The PDPTE fields exist only where EPT does (SDM vol. 3 appendix B);
     * the check reads them only with EPT on (vmx_check.c, 26.3.1.6). */
    for (unsigned i = 0; i < 4; i++)
        s->pdpte[i] = (s->proc2 & PROC2_EPT) ? vmread(VMCS_GUEST_PDPTE0 + 2 * i) : 0;
}

bool vmx_check_find(struct vmstate_finding *f)
{
    struct vmx_snapshot s;

    read_caps();
    snapshot(&s);
    return vmx_check_state(&s, &caps, f);
}

bool vmx_check_before_entry(struct vcpu *v, bool launched)
{
    struct vmstate_finding f;

    if (vmx_check_find(&f))
        return true;
    hvm_vmstate_report(v, launched ? "before VMRESUME" : "before VMLAUNCH", &f);
    return false;
}

void vmx_check_explain(struct vcpu *v, const char *when)
{
    struct vmstate_finding f;

    if (vmx_check_find(&f))
        f.rule = 0;
    hvm_vmstate_report(v, when, &f);
}
