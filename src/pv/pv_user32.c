/*
 * 32-bit user processes under a 64-bit PV kernel (docs/pv.md "32-bit user
 * space"): Linux's IA32 emulation runs them on Xen's compat user code
 * segment FLAT_RING3_CS32 (0xe023), which every PV GDT has.  Their ways
 * into the kernel, as Xen's x86_64 entry code delivers them:
 *  - SYSCALL from compatibility mode (AMD CPUs; Intel ones raise #UD,
 *    which is the guest's like any other), entering through CSTAR
 *    (entry.S's pv_syscall_entry32): bounced to the syscall32 callback, or
 *    to the 64-bit syscall callback when none is registered, with the
 *    same frame as a 64-bit SYSCALL (RCX = return RIP, R11 = RFLAGS, CS
 *    0xe023), events masked by the 64-bit callback's flag as Xen's
 *    switch_to_kernel does; neither registered: #UD at the instruction.
 *    From kernel mode too (Xen's CSTAR path never treats it as a
 *    hypercall).
 *  - SYSENTER: the hypervisor keeps SYSENTER_CS at 0 while a PV vCPU runs,
 *    so the instruction faults in ring 3 before it changes anything (#GP(0)
 *    on Intel CPUs, #UD on AMD ones, where SYSENTER is invalid in long
 *    mode).  The fault at the 0F 34 bytes from user mode is bounced to the
 *    sysenter callback with Xen's frame: RIP 0, CS 3 (a null selector, RPL
 *    3), RSP 0, SS FLAT_USER_SS, since SYSENTER saves neither (the guest's
 *    convention passes them in registers).  No callback: Intel's #GP(0)
 *    goes to the kernel's #GP handler with that same frame, as Xen does;
 *    AMD's #UD stays a #UD at the instruction (what Xen's guests see there).
 *  - INT $0x80 needs nothing of its own: the trap table's entry with
 *    privilege 3 (pv_vcpu.c soft_int), the frame's CS 0xe023.
 * Runs on the CPU that runs the vCPU, from its exit handler.
 */
#include "pv/pv.h"
#include "pv/pv_user.h"
#include "core/domain.h"
#include "core/console.h"
#include "arch/x86/asm.h"
#include "public/callback.h"

#define MSR_SYSENTER_CS 0x174u
#define RF_DF           0x400u
#define RF_NT           0x4000u

void pv_user32_stint_begin(void)
{
    /* Whatever another kind left in the MSR (a VMX exit restores the
     * host's, SVM's VMLOAD a guest's): with a non-null SYSENTER_CS a ring-3
     * SYSENTER would enter ring 0 at SYSENTER_EIP on the guest's terms. */
    if (rdmsr(MSR_SYSENTER_CS))
        wrmsr(MSR_SYSENTER_CS, 0);
}

bool pv_user32_syscall(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    /* Xen falls back to the 64-bit callback. */
    uint64_t target = pv->syscall32_cb ? pv->syscall32_cb : pv->syscall_cb;

    pv->nr_syscall32++;
    if (!target) {
        pv->ctx.rip -= 2;   /* at the SYSCALL, as a CPU without EFER.SCE; DF kept (Xen) */
        return pv_bounce_exc(v, 6, 0);
    }
    /* entry.S built the frame as for a 64-bit SYSCALL, with CS 0xe023.
     * Events masked by the 64-bit syscall callback's flag, whichever
     * callback runs: Xen's switch_to_kernel reads only that one (the
     * syscall32 registration's flag serves 32-bit PV kernels). */
    bool mask = pv->callback_flags[CALLBACKTYPE_syscall] & CALLBACKF_mask_events;
    if (!pv_bounce_to(v, target, false, 0, mask, "SYSCALL (32-bit)"))
        return false;
    pv->ctx.rflags &= ~(uint64_t)RF_DF;
    return true;
}

bool pv_user32_sysenter(struct vcpu *v, unsigned vec, uint64_t err)
{
    struct pv_vcpu *pv = v->vendor;
    struct cpu_regs *c = &pv->ctx;
    uint8_t insn[2];

    /* Only the faults SYSENTER with SYSENTER_CS 0 raises, from user mode
     * (a kernel's SYSENTER keeps its fault), at the instruction's bytes. */
    if (!((vec == 13 && err == 0) || vec == 6) || !pv_user_mode(v))
        return false;
    if (pv_user_fetch(v, insn, c->rip, 2) || insn[0] != 0x0f || insn[1] != 0x34)
        return false;
    pv->nr_sysenter++;
    if (!pv->sysenter_cb && vec == 6)
        return false;       /* AMD: the #UD stands */
    /* Xen's frame: what SYSENTER does not save is null.  NT is cleared
     * as Xen does (XSA-44: an IRET with NT would fault in the kernel). */
    c->rip = 0;
    c->cs = 3;
    c->rsp = 0;
    c->ss = FLAT_RING3_SS64;
    c->rflags &= ~(uint64_t)RF_NT;
    /* Either bounce may crash the domain: the caller's state check sees it. */
    if (!pv->sysenter_cb) {
        pv_bounce_exc(v, 13, 0);
        return true;
    }
    bool mask = pv->callback_flags[CALLBACKTYPE_sysenter] & CALLBACKF_mask_events;
    pv_bounce_to(v, pv->sysenter_cb, false, 0, mask, "SYSENTER");
    return true;
}
