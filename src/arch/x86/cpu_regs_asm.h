/*
 * Register save/restore sequences for assembly.  The general registers of a
 * struct cpu_regs frame (arch/x86/traps.h): every path that builds such a frame on a stack (the interrupt
 * and exception stubs, the IST entry, a PV guest's exit in pv/entry.S)
 * pushes them in this one order, so the C side sees one layout.
 */
#ifndef RV_ARCH_X86_CPU_REGS_ASM_H
#define RV_ARCH_X86_CPU_REGS_ASM_H

    .macro PUSH_CPU_GPRS
    pushq   %rax
    pushq   %rbx
    pushq   %rcx
    pushq   %rdx
    pushq   %rsi
    pushq   %rdi
    pushq   %rbp
    pushq   %r8
    pushq   %r9
    pushq   %r10
    pushq   %r11
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    .endm

    .macro POP_CPU_GPRS
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %r11
    popq    %r10
    popq    %r9
    popq    %r8
    popq    %rbp
    popq    %rdi
    popq    %rsi
    popq    %rdx
    popq    %rcx
    popq    %rbx
    popq    %rax
    .endm

    /* The SysV callee-saved registers, around a world switch (pv_enter,
     * svm_enter, vmx_enter): the hypervisor's C caller expects them back. */
    .macro PUSH_CALLEE_SAVED
    push    %rbp
    push    %rbx
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    .endm

    .macro POP_CALLEE_SAVED
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %rbx
    pop     %rbp
    .endm

#endif
