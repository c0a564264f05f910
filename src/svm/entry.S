/*
 * svm_enter(guest_vmcb_pa, regs, host_vmcb_pa): one world switch.
 * Called with interrupts disabled.  GIF is cleared first so nothing (not
 * even an NMI) lands between loading guest and host state; interrupts are
 * re-enabled (RFLAGS.IF=1) before VMRUN because with V_INTR_MASKING the
 * host's IF decides whether a physical interrupt exits the guest (APM vol. 2
 * 15.21.1).  VMRUN saves/restores only part of the host state; VMSAVE/VMLOAD
 * carry the rest (FS, GS, TR, LDTR, KernelGsBase, STAR/LSTAR/CSTAR/SFMASK,
 * SYSENTER_*), which includes this CPU's GS base (per-CPU data).
 */
#include "arch/x86/cpu_regs_asm.h"
#include "hvm/regs.h"

    .section .text.hot, "ax", @progbits     /* the exit path (lib/compiler.h __hot_path) */
    .globl svm_enter
svm_enter:
    PUSH_CALLEE_SAVED
    push    %rsi                    /* 16(%rsp): regs */
    push    %rdx                    /*  8(%rsp): host VMCB */
    push    %rdi                    /*  0(%rsp): guest VMCB */

    clgi
    sti
    mov     %rdx, %rax
    vmsave
    mov     %rdi, %rax
    vmload

    mov     %rsi, %rax
    GUEST_GPRS_LOAD %rax
    mov     GREG_RDI(%rax), %rdi
    mov     (%rsp), %rax            /* RAX/RSP/RIP/RFLAGS travel in the VMCB */
    vmrun
    /* Where VMRUN saves the host's RIP: svm.c checks that the guest's saved
     * RIP is never this (the guest state would then be the host's). */
    .globl svm_vmrun_return
svm_vmrun_return:

    mov     16(%rsp), %rax
    GUEST_GPRS_SAVE %rax
    mov     %rdi, GREG_RDI(%rax)
    mov     (%rsp), %rax
    vmsave
    mov     8(%rsp), %rax
    vmload
    cli
    stgi

    add     $24, %rsp
    POP_CALLEE_SAVED
    ret
