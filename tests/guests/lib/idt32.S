/*
 * 32-bit interrupt stubs: one 16-byte stub per vector (exc.c builds the IDT
 * from exc_stubs + 16 * vector).  Each pushes a dummy error code when the CPU
 * pushes none (Intel SDM vol. 3, table 6-1: vectors 8, 10-14, 17, 21, 29, 30
 * have one), then the vector, and joins exc_common, which saves the general
 * registers and calls exc_dispatch(frame) (layout: struct exc_frame, exc.c).
 */
#include "layout.h"

#define ERR_VECTORS ((1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 14) | \
                     (1 << 17) | (1 << 21) | (1 << 29) | (1 << 30))

    .section .text
    .code32
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
    pusha
    cld                             /* C code assumes DF = 0; IRET restores the caller's */
    mov %esp, %eax
    push %eax
    call exc_dispatch
    add $4, %esp
    popa
    add $8, %esp                    /* vector, error code */
    iret

    .section .note.GNU-stack, "", @progbits
