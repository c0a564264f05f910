/*
 * Ring switches of 64-bit PV vCPUs (docs/pv.md "The PV vCPU").
 *
 * pv_enter(ctx) works like a VM entry: it saves the hypervisor's callee-saved
 * registers on its own stack, records that stack pointer in the per-CPU
 * pv_host_rsp and in TSS.RSP0, loads the guest's registers from ctx (a
 * struct cpu_regs, arch/x86/traps.h) and IRETQs to ring 3.  Whatever takes
 * the CPU out of ring 3 next (an exception, an interrupt, an NMI, SYSCALL)
 * is an exit: the registers are stored in the per-CPU pv_ctx and pv_enter
 * returns to its caller, interrupts disabled, with the vector in
 * ctx->vector (PV_VEC_SYSCALL for SYSCALL).
 *
 * Because TSS.RSP0 is the pv_enter frame's own stack pointer, the CPU
 * pushes the exit frame just below it: nothing of the run loop's frames
 * above is overwritten.  GS: the guest's GS base is in GS while it runs
 * (SWAPGS before IRETQ, SWAPGS first thing at every exit from ring 3).
 *
 * An NMI, #DF or #MC between the SWAPGS and the IRETQ of pv_enter, or
 * between SYSCALL and its SWAPGS, arrives in ring 0 with the guest's GS
 * base: their IST entry (arch/x86/entry.S ist_entry) checks the GS base
 * against the percpu pointer kept on the IST stack and swaps if needed.
 * So does #DB, which a guest's MOV SS / POP SS can hold past SYSCALL (or
 * INT3) onto the first instruction here, still on the guest's stack: it
 * has its own IST stack and only records DR6 (arch/x86/db_trap.c).
 * Other interrupts are off there; a single-step #DB cannot follow SYSCALL
 * (SFMASK clears TF and the trap follows the resulting flags).
 */
#include "arch/x86/cpu_regs_asm.h"
/* struct percpu offsets (core/percpu.h asserts them: PCPU_PV_*) */
#define PCPU_PV_HOST_RSP    8
#define PCPU_PV_SCRATCH     16

#define PV_VEC_SYSCALL      0x100
#define PV_VEC_SYSCALL32    0x101
#define FLAT_SS             0xe02b
#define FLAT_CS64           0xe033
#define FLAT_CS32           0xe023

/* struct cpu_regs offsets (arch/x86/traps.h) */
#define CR_R15      0x00
#define CR_R14      0x08
#define CR_R13      0x10
#define CR_R12      0x18
#define CR_R11      0x20
#define CR_R10      0x28
#define CR_R9       0x30
#define CR_R8       0x38
#define CR_RBP      0x40
#define CR_RDI      0x48
#define CR_RSI      0x50
#define CR_RDX      0x58
#define CR_RCX      0x60
#define CR_RBX      0x68
#define CR_RAX      0x70
#define CR_VEC      0x78
#define CR_ERR      0x80
#define CR_RIP      0x88
#define CR_CS       0x90
#define CR_RFLAGS   0x98
#define CR_RSP      0xa0
#define CR_SS       0xa8

/* TSS.RSP0 in struct percpu is set from C before each entry (pv_vcpu.c):
 * the value is this frame's RSP, known only here, so it is passed back
 * through pv_host_rsp and written by pv_set_rsp0 (C). */

    .text
    .globl pv_enter
pv_enter:
    PUSH_CALLEE_SAVED
    mov     %rsp, %gs:PCPU_PV_HOST_RSP
    push    %rdi
    sub     $8, %rsp                /* 16-byte alignment for the call */
    mov     %gs:PCPU_PV_HOST_RSP, %rdi
    call    pv_set_rsp0
    add     $8, %rsp
    pop     %rdi

    /* The IRETQ frame from the saved registers (validated by the C side). */
    pushq   CR_SS(%rdi)
    pushq   CR_RSP(%rdi)
    pushq   CR_RFLAGS(%rdi)
    pushq   CR_CS(%rdi)
    pushq   CR_RIP(%rdi)
    mov     CR_RAX(%rdi), %rax
    mov     CR_RBX(%rdi), %rbx
    mov     CR_RCX(%rdi), %rcx
    mov     CR_RDX(%rdi), %rdx
    mov     CR_RSI(%rdi), %rsi
    mov     CR_RBP(%rdi), %rbp
    mov     CR_R8(%rdi), %r8
    mov     CR_R9(%rdi), %r9
    mov     CR_R10(%rdi), %r10
    mov     CR_R11(%rdi), %r11
    mov     CR_R12(%rdi), %r12
    mov     CR_R13(%rdi), %r13
    mov     CR_R14(%rdi), %r14
    mov     CR_R15(%rdi), %r15
    mov     CR_RDI(%rdi), %rdi
    swapgs
    iretq

/*
 * Exit by exception or interrupt from ring 3 (arch/x86/entry.S's
 * trap_common jumps here with the vector and error code pushed above the
 * CPU's frame).
 */
    .globl pv_trap_entry
pv_trap_entry:
    swapgs
save_and_exit:
    PUSH_CPU_GPRS
    cld
    mov     %rsp, %rdi
    call    pv_save_exit            /* copies the frame to this CPU's pv_ctx */
    mov     %gs:PCPU_PV_HOST_RSP, %rsp
    POP_CALLEE_SAVED
    ret                             /* from pv_enter, interrupts disabled */

    /* SYSCALL's entry for a guest code segment `cs`, exit vector `vec`. */
    .macro SYSCALL_ENTRY cs, vec
    swapgs
    mov     %rsp, %gs:PCPU_PV_SCRATCH
    mov     %gs:PCPU_PV_HOST_RSP, %rsp
    and     $~15, %rsp
    pushq   $FLAT_SS
    pushq   %gs:PCPU_PV_SCRATCH
    pushq   %r11
    pushq   $\cs
    pushq   %rcx
    pushq   $0
    pushq   $\vec
    jmp     save_and_exit
    .endm

/*
 * SYSCALL from 64-bit ring 3: a hypercall from the guest kernel.  RCX =
 * the guest's RIP, R11 = its RFLAGS; IF, TF, DF, AC, NT cleared by SFMASK.
 * The stack is still the guest's: switch before anything is pushed, and
 * build the same frame an exception would have.
 */
    .globl pv_syscall_entry
pv_syscall_entry:
    SYSCALL_ENTRY FLAT_CS64, PV_VEC_SYSCALL

/* SYSCALL from compatibility mode (a 32-bit code segment in ring 3). */
    .globl pv_syscall_entry32
pv_syscall_entry32:
    SYSCALL_ENTRY FLAT_CS32, PV_VEC_SYSCALL32

