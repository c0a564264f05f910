/*
 * SYSENTER and SYSCALL from a 32-bit PV guest (ring 1 kernel, ring 3 user
 * space, compatibility mode), delivered as Xen x86_64 delivers them to a
 * 32-bit PV guest (docs/pv.md "Ring 1 and compat", "SYSENTER and
 * SYSCALL"; Xen's public callback.h: CALLBACKTYPE_sysenter and
 * CALLBACKTYPE_syscall32, registered through callback_op as cs:eip).
 *
 * What the CPUs do (Intel SDM vol. 2 SYSENTER/SYSCALL, AMD APM vol. 3):
 *  - SYSENTER in compatibility mode: Intel CPUs enter ring 0 through
 *    SYSENTER_CS/EIP/ESP; AMD CPUs raise #UD (invalid in long mode).
 *  - SYSCALL in compatibility mode: AMD CPUs enter ring 0 at CSTAR in
 *    64-bit mode (RCX = the next EIP, R11 = EFLAGS, SFMASK applied);
 *    Intel CPUs raise #UD (SYSCALL is for 64-bit mode only).
 *
 * The hypervisor keeps SYSENTER_CS null during 32-bit stints (pv32.c), so
 * an Intel SYSENTER is a #GP(0) raised before anything changes, with EIP
 * on the 0F 34 bytes; its CSTAR is entry.S's pv_syscall_entry32, which
 * exits with PV_VEC_SYSCALL32 and the frame EIP = RCX, EFLAGS = R11.
 * From these, the guest gets what Xen's compat entry gives it:
 *
 *  - SYSENTER from ring 3 (Intel): bounced to the sysenter callback with
 *    the frame EIP 0, CS 3 (null, RPL 3), EFLAGS, ESP 0, SS 0xe02b (Xen's
 *    64-bit FLAT_USER_SS: SYSENTER saves neither EIP nor ESP, and i386
 *    Linux discards these five words, its return EIP/ESP come in
 *    EDX/ECX), on stack_switch's stack, events masked if the callback's
 *    CALLBACKF_mask_events says so.  No callback (address 0), or EFLAGS.NT
 *    set (Xen refuses the callback then: an IRET with NT would fault in
 *    the kernel): #GP(0) through the trap table with that same frame.
 *    AMD's #UD stays a #UD at the instruction (Xen's guests see the same).
 *    A SYSENTER in ring 1 keeps its #GP at the instruction (under Xen on
 *    Intel it would enter the callback with the ring-3 frame above and
 *    lose the kernel's EIP/ESP; no kernel does that).
 *  - SYSCALL (AMD), from either ring, as Xen's CSTAR path: the frame EIP
 *    (the next instruction), CS 0xe02b and SS 0xe033 (the flat ring-3
 *    selectors, whatever ring it came from), EFLAGS (before SFMASK), ESP;
 *    on stack_switch's stack, to the syscall32 callback, events masked by
 *    its flag.  No callback (a null selector): #GP(0) through the trap
 *    table, EIP back on the SYSCALL.  ECX is the next EIP (the CPU wrote
 *    it), as under Xen.
 *
 * The handlers run on the registered selectors (pv32_kernel_sel's rule;
 * a null sysenter one means 0xe019, as in Xen).  Runs on the CPU that
 * runs the vCPU, from its exit handler; everything read is the guest's.
 */
#include "pv/pv.h"
#include "core/domain.h"
#include "public/callback.h"

#define PV32_RING1_CS   0xe019
#define PV32_RING3_CS   0xe02b
#define PV32_RING3_DS   0xe033
#define XEN64_USER_SS   0xe02b          /* Xen's x86_64 FLAT_USER_SS, what its sysenter frame holds */
#define RF_NT           0x4000u

bool pv32_syscall(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    struct cpu_regs *c = &pv->ctx;

    pv->nr_syscall32++;
    /* entry.S: rip = RCX (zero-extended: the next EIP), rflags = R11. */
    c->rip = (uint32_t)c->rip;
    c->cs = PV32_RING3_CS;
    c->ss = PV32_RING3_DS;
    if (!(pv->compat_syscall32_cs & ~3u)) {
        c->rip = (uint32_t)(c->rip - 2);
        return pv32_bounce_exception(v, 13, 0);
    }
    return pv32_bounce(v, pv->compat_syscall32_cs, pv->syscall32_cb, false, 0,
                       pv->callback_flags[CALLBACKTYPE_syscall32] & CALLBACKF_mask_events, "SYSCALL");
}

bool pv32_sysenter(struct vcpu *v, unsigned vec, uint64_t err)
{
    struct pv_vcpu *pv = v->vendor;
    struct cpu_regs *c = &pv->ctx;
    uint8_t insn[2];

    /* Only the faults of a SYSENTER with SYSENTER_CS 0 (#GP(0) Intel, #UD
     * AMD), from ring 3, at the instruction's bytes. */
    if (!((vec == 13 && err == 0) || vec == 6) || (c->cs & 3) != 3 || c->rip >> 32)
        return false;
    if (pv_copy_guest(v, insn, pv32_linear_ip(v), 2, false) || insn[0] != 0x0f || insn[1] != 0x34)
        return false;
    pv->nr_sysenter++;
    if (vec == 6)
        return false;       /* AMD: the #UD stands */
    bool nt = c->rflags & RF_NT;
    c->rip = 0;
    c->cs = 3;
    c->rsp = 0;
    c->ss = XEN64_USER_SS;
    /* Either bounce may crash the domain: the caller's state check sees it. */
    if (!pv->sysenter_cb || nt)
        pv32_bounce_exception(v, 13, 0);
    else
        /* Xen: a null sysenter selector means the flat ring-1 one. */
        pv32_bounce(v, (pv->compat_sysenter_cs & ~3u) ? pv->compat_sysenter_cs : PV32_RING1_CS, pv->sysenter_cb,
                    false, 0, pv->callback_flags[CALLBACKTYPE_sysenter] & CALLBACKF_mask_events, "SYSENTER");
    return true;
}
