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
#include "hvm/regs.h"

    .text
    .globl svm_enter
svm_enter:
    push    %rbp
    push    %rbx
    push    %r12
    push    %r13
    push    %r14
    push    %r15
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
    mov     GREG_RBX(%rax), %rbx
    mov     GREG_RCX(%rax), %rcx
    mov     GREG_RDX(%rax), %rdx
    mov     GREG_RBP(%rax), %rbp
    mov     GREG_RSI(%rax), %rsi
    mov     GREG_RDI(%rax), %rdi
    mov     GREG_R8(%rax), %r8
    mov     GREG_R9(%rax), %r9
    mov     GREG_R10(%rax), %r10
    mov     GREG_R11(%rax), %r11
    mov     GREG_R12(%rax), %r12
    mov     GREG_R13(%rax), %r13
    mov     GREG_R14(%rax), %r14
    mov     GREG_R15(%rax), %r15
    mov     (%rsp), %rax            /* RAX/RSP/RIP/RFLAGS travel in the VMCB */
    vmrun

    mov     16(%rsp), %rax
    mov     %rbx, GREG_RBX(%rax)
    mov     %rcx, GREG_RCX(%rax)
    mov     %rdx, GREG_RDX(%rax)
    mov     %rbp, GREG_RBP(%rax)
    mov     %rsi, GREG_RSI(%rax)
    mov     %rdi, GREG_RDI(%rax)
    mov     %r8, GREG_R8(%rax)
    mov     %r9, GREG_R9(%rax)
    mov     %r10, GREG_R10(%rax)
    mov     %r11, GREG_R11(%rax)
    mov     %r12, GREG_R12(%rax)
    mov     %r13, GREG_R13(%rax)
    mov     %r14, GREG_R14(%rax)
    mov     %r15, GREG_R15(%rax)
    mov     (%rsp), %rax
    vmsave
    mov     8(%rsp), %rax
    vmload
    cli
    stgi

    add     $24, %rsp
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %rbx
    pop     %rbp
    ret
