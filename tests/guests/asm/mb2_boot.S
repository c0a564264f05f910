/*
 * mb2_boot: a kernel with only a multiboot2 header must be entered with the
 * multiboot2 magic (EAX = 0x36d76289) and a multiboot2 information block in
 * EBX holding the command line (tag 1) and the memory map (tag 6).
 */
#include "macros.inc"
    .text
    .code32
    .globl _start
    .balign 8
mb2_header:
    .long 0xe85250d6, 0, mb2_end - mb2_header, -(0xe85250d6 + (mb2_end - mb2_header))
    .short 0, 0
    .long 8
mb2_end:
_start:
    mov     $0x90000, %esp
    cmp     $0x36d76289, %eax
    jne     bad_magic
    PUTS    pass_magic
    mov     (%ebx), %edi            /* total size */
    cmp     $16, %edi
    jb      bad_tags
    add     %ebx, %edi              /* end of the block */
    lea     8(%ebx), %esi           /* first tag */
    xor     %ebp, %ebp              /* bit 0: cmdline seen, bit 1: mmap seen */
next_tag:
    cmp     %edi, %esi
    jae     bad_tags
    mov     (%esi), %eax            /* type */
    mov     4(%esi), %edx           /* size */
    test    %eax, %eax
    jz      tags_done
    cmp     $1, %eax
    jne     1f
    cmpl    $0x2032626d, 8(%esi)    /* "mb2 " little-endian */
    jne     bad_tags
    or      $1, %ebp
1:  cmp     $6, %eax
    jne     2f
    cmpl    $24, 8(%esi)            /* entry size */
    jne     bad_tags
    or      $2, %ebp
2:  add     $7, %edx                /* next tag: 8-byte aligned */
    and     $~7, %edx
    jz      bad_tags
    add     %edx, %esi
    jmp     next_tag
tags_done:
    cmp     $3, %ebp
    jne     bad_tags
    PUTS    pass_tags
    xor     %ecx, %ecx
    jmp     shutdown
bad_magic:
    PUTS    fail_magic
    mov     $3, %ecx
    jmp     shutdown
bad_tags:
    PUTS    fail_tags
    mov     $3, %ecx
    jmp     shutdown

#include "common.inc"

    .section .rodata
pass_magic: .asciz "PASS multiboot2-magic\n"
pass_tags:  .asciz "PASS multiboot2-tags\n"
fail_magic: .asciz "FAIL multiboot2-magic: EAX is not 0x36d76289\n"
fail_tags:  .asciz "FAIL multiboot2-tags: no cmdline 'mb2 ...' or memory map tag\n"
