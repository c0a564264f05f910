/*
 * Xen's x86_32 vcpu_guest_context (public arch-x86/xen.h and xen-x86_32.h:
 * 2800 bytes), the form VCPUOP_initialise and XEN_DOMCTL_setvcpucontext
 * take for a 32-bit PV domain: read by the hypervisor (pv32_smp.c), written
 * by `rv create` (tools/rv/pv32_build.c).  Layout only, no code.
 */
#ifndef RV_PV_PV32_CONTEXT_H
#define RV_PV_PV32_CONTEXT_H

#include <stdint.h>

/* Xen's x86_32 flat ring-1 (kernel) selectors. */
#define PV32_CTX_KERNEL_CS  0xe019
#define PV32_CTX_KERNEL_DS  0xe021

struct compat_user_regs {
    uint32_t ebx, ecx, edx, esi, edi, ebp, eax;
    uint16_t error_code, entry_vector;
    uint32_t eip;
    uint16_t cs;
    uint8_t saved_upcall_mask, pad0;
    uint32_t eflags, esp;
    uint16_t ss, pad1, es, pad2, ds, pad3, fs, pad4, gs, pad5;
};
_Static_assert(sizeof(struct compat_user_regs) == 68, "x86_32 cpu_user_regs");

struct compat_guest_context {
    uint8_t fpu_ctxt[512];
    uint32_t flags;
    struct compat_user_regs user_regs;
    struct { uint8_t vector, flags; uint16_t cs; uint32_t address; } trap_ctxt[256];
    uint32_t ldt_base, ldt_ents;
    uint32_t gdt_frames[16], gdt_ents;
    uint32_t kernel_ss, kernel_sp;
    uint32_t ctrlreg[8];
    uint32_t debugreg[8];
    uint32_t event_callback_cs, event_callback_eip;
    uint32_t failsafe_callback_cs, failsafe_callback_eip;
    uint32_t vm_assist;
};
_Static_assert(__builtin_offsetof(struct compat_guest_context, trap_ctxt) == 584, "x86_32 vcpu_guest_context");
_Static_assert(__builtin_offsetof(struct compat_guest_context, ctrlreg) == 2716, "x86_32 vcpu_guest_context");
_Static_assert(sizeof(struct compat_guest_context) == 2800, "x86_32 vcpu_guest_context");

/* CR3 as an x86_32 guest's context holds it (Xen's xen_pfn_to_cr3 for
 * x86_32): bits 31-12 the frame's low 20 bits, bits 11-0 the ones above. */
static inline uint32_t pv32_ctx_mfn_to_cr3(uint64_t mfn)
{
    return (uint32_t)(mfn << 12) | (uint32_t)(mfn >> 20);
}

static inline uint64_t pv32_ctx_cr3_to_mfn(uint32_t cr3)
{
    return (uint64_t)(cr3 >> 12) | (uint64_t)(cr3 & 0xfff) << 20;
}

#endif
