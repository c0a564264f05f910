/*
 * flat_boot: a flat binary (kernel = "*.bin", no ELF, no multiboot header) is
 * loaded at 1 MiB and entered there in 32-bit protected mode with paging off
 * and multiboot1 information in EBX.
 */
#include "macros.inc"
    .text
    .code32
    .globl _start
_start:
    mov     $0x90000, %esp
    call    1f
1:  pop     %eax
    cmp     $0x100000 + (1b - _start), %eax
    jne     bad_place
    PUTS    pass_entry
    mov     %cr0, %eax
    test    $0x80000000, %eax
    jnz     bad_mode
    test    $1, %eax
    jz      bad_mode
    PUTS    pass_mode
    xor     %ecx, %ecx
    jmp     shutdown
bad_place:
    PUTS    fail_entry
    mov     $3, %ecx
    jmp     shutdown
bad_mode:
    PUTS    fail_mode
    mov     $3, %ecx
    jmp     shutdown

#include "common.inc"

    .section .rodata
pass_entry: .asciz "PASS flat-entry\n"
pass_mode:  .asciz "PASS flat-protected-mode\n"
fail_entry: .asciz "FAIL flat-entry: not entered at 1 MiB\n"
fail_mode:  .asciz "FAIL flat-protected-mode: not 32-bit protected mode with paging off\n"
