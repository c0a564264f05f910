/*
 * Interrupt and exception entry stubs: one per vector, so the common code
 * knows the vector without asking the APIC.  Vectors where the CPU pushes an
 * error code (Intel SDM vol. 3 table 6-1: 8, 10-14, 17, 21, 29, 30) skip the
 * dummy push so every frame has the layout of struct cpu_regs.
 *
 * The hypervisor runs in ring 0 and never uses SWAPGS itself.  An event
 * taken while a PV guest runs in ring 3 (CS RPL 3 in the frame) is a guest
 * exit: it goes to pv_trap_entry (src/pv/entry.S), which swaps GS and
 * returns to the PV run loop.
 */
#include "arch/x86/cpu_regs_asm.h"
    .text
    .altmacro               /* lets %expr pass a computed vector to a macro */

    .macro STUB vec
    .balign 16
stub_\vec:
    .if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
    .else
    pushq   $0
    .endif
    pushq   $\vec
    jmp     trap_common
    .endm

    .set v, 0
    .rept 256
    STUB %v
    .set v, v + 1
    .endr

trap_common:
    testb   $3, 24(%rsp)            /* CS of the interrupted context: vector, error code, RIP, CS */
    jnz     pv_trap_entry
    cmpq    $2, (%rsp)              /* the IST vectors: NMI, #DF, #MC, #DB */
    je      ist_entry
    cmpq    $1, (%rsp)
    je      ist_entry
    cmpq    $8, (%rsp)
    je      ist_entry
    cmpq    $18, (%rsp)
    je      ist_entry
    PUSH_CPU_GPRS
    cld
    mov     %rsp, %rdi
    /* Frame pointer chain through the interrupted context for traces. */
    mov     %rsp, %rbp
    call    x86_trap
    POP_CPU_GPRS
    add     $16, %rsp               /* vector and error code */
    iretq

/*
 * NMI, #DF, #MC and #DB from ring 0, on their IST stacks.  They can arrive
 * in the few instructions where ring 0 runs with a PV guest's GS base
 * (src/pv/entry.S: after the SWAPGS before IRETQ, before the SWAPGS after
 * SYSCALL, the first instruction of the INT3 stub); a #DB comes exactly
 * there when a guest's MOV SS / POP SS delayed it past a SYSCALL or INT3
 * (arch/x86/db_trap.c).  So the GS base is compared with this CPU's percpu pointer,
 * kept at the IST stack's top - 8 (arch/x86/desc.c), and swapped for the
 * handler if it is not that.  Frame here: vector, error code, the CPU's
 * five words, then the 16 reserved bytes: the pointer is at 64(%rsp).
 */
ist_entry:
    PUSH_CPU_GPRS
    cld
    mov     $0xc0000101, %ecx       /* MSR_GS_BASE */
    rdmsr
    shl     $32, %rdx
    or      %rdx, %rax
    xor     %ebx, %ebx              /* callee-saved: 1 if GS was swapped */
    cmp     64+120(%rsp), %rax
    je      1f
    swapgs
    mov     $1, %ebx
1:  mov     %rsp, %rdi
    mov     %rsp, %rbp
    call    x86_trap
    test    %ebx, %ebx
    jz      2f
    swapgs
2:  POP_CPU_GPRS
    add     $16, %rsp
    iretq

    .section .rodata
    .balign 8
    .globl idt_stubs
idt_stubs:
    .macro STUBREF vec
    .quad stub_\vec
    .endm
    .set v, 0
    .rept 256
    STUBREF %v
    .set v, v + 1
    .endr
    .noaltmacro

/*
 * switch_stack_and_call(top, fn, arg): continue on another stack, never
 * returning (used to move the boot CPU onto its guarded stack).
 */
    .text
    .globl switch_stack_and_call
switch_stack_and_call:
    mov     %rdi, %rsp
    xor     %ebp, %ebp
    pushq   $0
    pushq   $0
    mov     %rsp, %rbp
    mov     %rdx, %rdi
    call    *%rsi
    ud2
