/*
 * 64-bit interrupt stubs, as idt32.S: one 16-byte stub per vector pushes a
 * dummy error code where the CPU pushes none, then the vector.  exc_common
 * saves the general registers and calls exc_dispatch(frame).  In 64-bit
 * mode the CPU aligns RSP to 16 bytes before pushing its frame (Intel SDM
 * vol. 3, 6.14.2): 7 + 15 pushes of 8 bytes keep the call aligned.
 */
#include "layout.h"

#define ERR_VECTORS ((1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 14) | \
                     (1 << 17) | (1 << 21) | (1 << 29) | (1 << 30))

    .section .text
    .code64
    .align 16
    .globl exc_stubs
exc_stubs:
    .set vec, 0
    .rept 256
    .align 16
    .if vec < 32
    .if ((ERR_VECTORS >> vec) & 1) == 0
    push $0
    .endif
    .else
    push $0
    .endif
    push $vec
    jmp exc_common
    .set vec, vec + 1
    .endr

exc_common:
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    cld
    mov %rsp, %rdi
    call exc_dispatch
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp                   /* vector, error code */
    iretq

    .section .note.GNU-stack, "", @progbits
