/*
 * Entry of the 64-bit half of a 64-bit test, linked at GUEST_BLOB64_BASE
 * (link64.ld puts this first).  enter_long_mode() jumps here in 64-bit mode
 * with EDI = the 32-bit address of the shared struct guest_info, paging on
 * with the identity map of 0-4 GiB, and the GDT of the 32-bit half loaded.
 */
#include "entry_macros.h"          /* layout.h, LOAD_DATA_SEGMENTS */

    .section .text.entry64, "ax"
    .code64
    .globl _start64
_start64:
    cli
    cld
    mov %edi, %r12d                 /* zero-extends: the upper halves are undefined after the mode switch */
    LOAD_DATA_SEGMENTS
    lea __bss_start(%rip), %rdi
    lea __bss_end(%rip), %rcx
    sub %rdi, %rcx
    xor %eax, %eax
    rep stosb
    lea stack64_top(%rip), %rsp     /* 16-byte aligned: the call leaves RSP = 8 mod 16, as the ABI wants */
    mov %r12, %rdi
    call guest_start64
1:  cli
    hlt
    jmp 1b

    .section .bss
    .align 16
stack64:
    .skip GUEST_STACK_SIZE
stack64_top:

    .section .note.GNU-stack, "", @progbits
