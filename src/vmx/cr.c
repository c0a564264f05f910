/*
 * Control registers under VMX.  The guest reads host-owned CR0/CR4 bits
 * (those in the guest/host masks) from the read shadows and its writes to
 * them exit (SDM vol. 3C 24.6.6, 25.1.3).  Host-owned are the bits VMX fixes
 * (CR0.NE, CR4.VMXE, ...) and CR0.PG: a MOV to CR0 that turns paging on or
 * off must also switch EFER.LMA and the "IA-32e mode guest" entry control,
 * which the CPU leaves to the VMM (26.3.1.1), and with PAE paging load the
 * PDPTEs into the VMCS (26.3.2.4).  All functions run with the VMCS current.
 */
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "hvm/hvm.h"
#include "hvm/ctrlreg.h"
#include "hvm/vlapic.h"
#include "core/domain.h"
#include "core/console.h"
#include "arch/x86/asm.h"
#include "arch/x86/cpufeature.h"

__hot_path uint64_t vmx_guest_cr0(const struct vmx_vcpu *x)
{
    if (x->shadow)
        return vmread(VMCS_CR0_SHADOW);         /* every bit host-owned (vmx_set_shadow) */
    return (vmread(VMCS_GUEST_CR0) & ~vmx_cfg.cr0_mask) | (vmread(VMCS_CR0_SHADOW) & vmx_cfg.cr0_mask);
}

__hot_path uint64_t vmx_guest_cr4(const struct vmx_vcpu *x)
{
    if (x->shadow)
        return vmread(VMCS_CR4_SHADOW);
    return (vmread(VMCS_GUEST_CR4) & ~vmx_cfg.cr4_mask) | (vmread(VMCS_CR4_SHADOW) & vmx_cfg.cr4_mask);
}

void vmx_set_cr0_raw(uint64_t val)
{
    vmwrite(VMCS_GUEST_CR0, (val | vmx_cfg.cr0_must1) & vmx_cfg.cr0_may1);
    vmwrite(VMCS_CR0_SHADOW, val);
}

/*
 * The guest's CR4 into the VMCS.  Bits outside IA32_VMX_CR4_FIXED1 live only
 * in the read shadow (they are host-owned: vmx_cfg.cr4_mask).  One of them
 * can be the guest's CR4.UMIP when it is emulated (vmx_ops.umip_emulated):
 * descriptor-table exiting (SDM 25.1.3: LGDT, LIDT, LLDT, LTR, SGDT, SIDT,
 * SLDT, STR) is then on while it is set, each of those exits emulated
 * (HVM_EXIT_DESC_ACCESS).  SMSW has no VM exit: it still works at CPL > 0.
 */
void vmx_set_cr4_raw(uint64_t val)
{
    vmwrite(VMCS_GUEST_CR4, (val | vmx_cfg.cr4_must1) & vmx_cfg.cr4_may1);
    vmwrite(VMCS_CR4_SHADOW, val);
    if (vmx_ops.umip_emulated) {
        uint64_t p2 = vmread(VMCS_PROC_CTLS2);
        p2 = (val & CR4_UMIP) ? p2 | PROC2_DESC_TABLE_EXIT : p2 & ~(uint64_t)PROC2_DESC_TABLE_EXIT;
        vmwrite(VMCS_PROC_CTLS2, p2);
    }
}

void vmx_set_ia32e(struct vcpu *v, bool lma)
{
    struct vmx_vcpu *x = v->vendor;
    uint32_t entry = lma ? x->entry | ENTRY_IA32E_GUEST : x->entry & ~ENTRY_IA32E_GUEST;

    if (entry != x->entry) {
        x->entry = entry;
        vmwrite(VMCS_ENTRY_CTLS, entry);
    }
}

bool vmx_load_pdptes(struct vcpu *v, uint64_t cr3)
{
    uint64_t pdpte[4];
    /* Reserved in a present PDPTE: bits 2:1, 8:5 and above MAXPHYADDR
     * (SDM vol. 3A 4.4.1); MOV to CR raises #GP for them. */
    uint64_t rsvd = 0x1e6 | ~((1ull << boot_cpu.phys_addr_bits) - 1);

    if (hvm_copy_from_gphys(v->domain, pdpte, cr3 & 0xffffffe0u, sizeof(pdpte)))
        return false;
    for (unsigned i = 0; i < 4; i++)
        if ((pdpte[i] & 1) && (pdpte[i] & rsvd))
            return false;
    for (unsigned i = 0; i < 4; i++)
        vmwrite(VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
    return true;
}

static bool code64_of(const struct vmx_vcpu *x)
{
    return (vmx_hw_efer(x) & EFER_LMA) && (vmread(VMCS_SEG(VMCS_GUEST_ES_AR, 1)) & (1u << 13));
}

static void flush_guest_tlb(struct vcpu *v)
{
    /* A fresh VPID at the next entry (hvm/tlb_tag.c). */
    __atomic_store_n(&v->tlb_flush_pending, true, __ATOMIC_SEQ_CST);
}

/* MOV to CR0 as the architecture defines it (SDM vol. 3A 2.5, 9.8.5);
 * false: #GP. */
static bool guest_write_cr0(struct vcpu *v, uint64_t val)
{
    uint64_t old = vmx_guest_cr0(v->vendor), cr4 = vmx_guest_cr4(v->vendor);
    uint64_t efer = vmread(VMCS_GUEST_EFER), new_efer = efer;

    /* The checks are the common CR policy's (hvm/ctrlreg.c). */
    if (!hvm_cr0_write_ok(v, old, val, cr4, efer, code64_of(v->vendor)))
        return false;
    val = (val & 0xe005003full) | CR0_ET;       /* undefined bits read 0; ET is hard-wired to 1 */
    if (!(old & CR0_PG) && (val & CR0_PG) && (efer & EFER_LME))
        new_efer |= EFER_LMA;
    else if ((old & CR0_PG) && !(val & CR0_PG) && (efer & EFER_LMA))
        new_efer &= ~(uint64_t)EFER_LMA;
    if ((val & CR0_PG) && !(old & CR0_PG) && (cr4 & CR4_PAE) && !(new_efer & EFER_LMA) &&
        !vmx_load_pdptes(v, vmread(VMCS_GUEST_CR3)))
        return false;
    vmx_set_cr0_raw(val);
    if (new_efer != efer) {
        vmwrite(VMCS_GUEST_EFER, new_efer);
        vmx_set_ia32e(v, new_efer & EFER_LMA);
    }
    if ((old ^ val) & (CR0_PG | CR0_PE | CR0_WP | CR0_CD))
        flush_guest_tlb(v);
    return true;
}

static bool guest_write_cr4(struct vcpu *v, uint64_t val)
{
    uint64_t old = vmx_guest_cr4(v->vendor), cr0 = vmx_guest_cr0(v->vendor), efer = vmread(VMCS_GUEST_EFER);

    /* The guest's CR policy (hvm/ctrlreg.c: bits its CPUID offers, mode
     * rules); bits the CPU cannot have in VMX operation are reserved too. */
    if (!hvm_cr4_write_ok(v, old, val, cr0, vmread(VMCS_GUEST_CR3), efer, code64_of(v->vendor)))
        return false;
    if (val & ~(vmx_cfg.cr4_may1 | (vmx_ops.umip_emulated ? CR4_UMIP : 0)))
        return false;
    if ((cr0 & CR0_PG) && (val & CR4_PAE) && !(efer & EFER_LMA) &&
        ((old ^ val) & (CR4_PAE | CR4_PGE | CR4_PSE)) && !vmx_load_pdptes(v, vmread(VMCS_GUEST_CR3)))
        return false;
    vmx_set_cr4_raw(val);
    if ((old ^ val) & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_PCIDE | CR4_SMEP | CR4_SMAP | CR4_PKE))
        flush_guest_tlb(v);
    return true;
}

/* Only when the CPU forces CR3-load exiting (no TRUE controls). */
static bool guest_write_cr3(struct vcpu *v, uint64_t val)
{
    bool keep = (vmx_guest_cr4(v->vendor) & CR4_PCIDE) && (val & (1ull << 63));
    uint64_t cr0 = vmx_guest_cr0(v->vendor), efer = vmread(VMCS_GUEST_EFER);

    val &= ~(1ull << 63);
    if (val >> boot_cpu.phys_addr_bits)
        return false;
    if ((cr0 & CR0_PG) && (vmx_guest_cr4(v->vendor) & CR4_PAE) && !(efer & EFER_LMA) && !vmx_load_pdptes(v, val))
        return false;
    vmwrite(VMCS_GUEST_CR3, val);
    if (!keep)
        flush_guest_tlb(v);
    return true;
}

/* A control-register access exit; qualification in table 27-3. */
void vmx_handle_cr_access(struct vcpu *v, uint64_t qual, uint32_t insn_len)
{
    unsigned cr = qual & 15, type = (qual >> 4) & 3;
    uint64_t *gpr = guest_gpr(&v->regs, (qual >> 8) & 15);
    bool lm = code64_of(v->vendor), ok = true;

    switch (type) {
    case 0: {                                   /* MOV to CR */
        uint64_t val = lm ? *gpr : (uint32_t)*gpr;
        switch (cr) {
        case 0: ok = guest_write_cr0(v, val); break;
        case 3: ok = guest_write_cr3(v, val); break;
        case 4: ok = guest_write_cr4(v, val); break;
        case 8:                                 /* CR8 is TPR[7:4] of the local APIC (SDM 10.8.6.1) */
            ok = !(val & ~0xfull);
            if (ok)
                vlapic_set_tpr(v, (uint8_t)(val << 4));
            break;
        default: ok = false; break;
        }
        break;
    }
    case 1: {                                   /* MOV from CR */
        uint64_t val = cr == 3 ? vmread(VMCS_GUEST_CR3) : cr == 8 ? vlapic_get_tpr(v) >> 4 : 0;
        *gpr = lm ? val : (uint32_t)val;
        break;
    }
    case 2:                                     /* CLTS */
        ok = guest_write_cr0(v, vmx_guest_cr0(v->vendor) & ~(uint64_t)CR0_TS);
        break;
    case 3: {                                   /* LMSW: bits 3:0 only, cannot clear PE */
        uint64_t cr0 = vmx_guest_cr0(v->vendor);
        ok = guest_write_cr0(v, (cr0 & ~0xeull) | ((qual >> 16) & 0xf) | (cr0 & CR0_PE));
        break;
    }
    }
    if (ok)
        v->regs.rip += insn_len;
    else
        vmx_inject(v, INTR_TYPE_HW_EXC, 13, true, 0);
}

/*
 * Shadow paging (vmx_set_shadow): the CPU's CR0/CR3/CR4 are not the
 * guest's, every CR0/CR4 bit is host-owned and CR3 loads and stores exit.
 * Writes go to the common CR code (hvm/ctrlreg.c, as under SVM), which
 * checks them, sets the guest's values through set_ctrl and asks the
 * shadow for the flush the instruction implies; a MOV from CR3 reads the
 * guest's CR3 (qualification: table 27-3).
 */
bool vmx_shadow_cr_access(struct vcpu *v, uint64_t qual, uint32_t insn_len, struct hvm_exit *e)
{
    struct vmx_vcpu *x = v->vendor;
    unsigned cr = qual & 15, type = (qual >> 4) & 3, gpr = (qual >> 8) & 15;

    if (type == 1 && cr == 3) {                 /* MOV from CR3 */
        *guest_gpr(&v->regs, gpr) = code64_of(v->vendor) ? x->g_cr3 : (uint32_t)x->g_cr3;
        v->regs.rip += insn_len;
        e->reason = HVM_EXIT_NONE;
        return true;
    }
    if (type == 0 && (cr == 0 || cr == 3 || cr == 4)) {
        e->reason = HVM_EXIT_CR_WRITE;
        e->qual = cr | HVM_CR_QUAL_GPR_VALID | ((uint64_t)gpr << 8);
        e->insn_len = insn_len;
        return true;
    }
    if (type == 2) {                            /* CLTS: decoded by common code */
        e->reason = HVM_EXIT_CR_WRITE;
        e->qual = 0;
        e->insn_len = insn_len;
        return true;
    }
    if (type == 3) {
        /* LMSW: the CPU read the source, from a register or from memory
         * (qualification bit 6), and gives it in bits 31:16; nothing to
         * decode or fetch. */
        e->reason = HVM_EXIT_CR_WRITE;
        e->qual = HVM_CR_QUAL_LMSW_VALID | (qual & 0xffff0000ull);
        e->insn_len = insn_len;
        return true;
    }
    return false;
}
