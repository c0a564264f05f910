/*
 * low_load: a multiboot1 ELF kernel linked and loaded at 0x8000, where a
 * boot loader might have liked to put its boot information.  QEMU and GRUB
 * place the information wherever the image is not; so must Ringvisor.  The
 * kernel checks the multiboot magic, that the information block (EBX), its
 * command line and its memory map lie outside the image, that the command
 * line is the domain's, and that its own data (a 4 KiB pattern covering
 * 0x9000-0xa000 and the rest of the image) arrived intact.
 */
#include "macros.inc"
#define PATTERN_WORDS 1024
    .text
    .code32
    .globl _start
    .balign 4
mb1_header:
    .long 0x1badb002, 0, -0x1badb002    /* magic, flags (ELF: no address fields), checksum */
_start:
    mov     $0x7000, %esp               /* below the image, above the IVT/BDA */
    cmp     $0x2badb002, %eax
    jne     bad_magic
    PUTS    pass_magic
    mov     %ebx, %eax                  /* the info block (88 bytes) */
    mov     $88, %edx
    call    outside_image
    jc      bad_place
    testb   $4, (%ebx)                  /* flags bit 2: cmdline */
    jz      bad_cmdline
    mov     16(%ebx), %eax
    mov     $4, %edx
    call    outside_image
    jc      bad_place
    cmpl    $0x20776f6c, (%eax)         /* "low " little-endian */
    jne     bad_cmdline
    testb   $0x40, (%ebx)               /* flags bit 6: memory map */
    jz      bad_place
    mov     48(%ebx), %eax              /* mmap_addr */
    mov     44(%ebx), %edx              /* mmap_length */
    call    outside_image
    jc      bad_place
    PUTS    pass_place
    /* The image itself: the pattern at its end and the code we are running. */
    mov     $pattern, %esi
    xor     %ecx, %ecx
1:  cmp     %ecx, (%esi,%ecx,4)
    jne     bad_pattern
    inc     %ecx
    cmp     $PATTERN_WORDS, %ecx
    jne     1b
    PUTS    pass_pattern
    xor     %ecx, %ecx
    jmp     shutdown
bad_magic:
    PUTS    fail_magic
    jmp     crash
bad_place:
    PUTS    fail_place
    jmp     crash
bad_cmdline:
    PUTS    fail_cmdline
    jmp     crash
bad_pattern:
    PUTS    fail_pattern
crash:
    mov     $3, %ecx
    jmp     shutdown

/* CF set if [eax, eax+edx) overlaps [_start image, image_end). */
outside_image:
    push    %eax
    add     %eax, %edx                  /* edx = end */
    cmp     $image_end, %eax
    jae     2f                          /* starts after the image */
    cmp     $mb1_header, %edx
    jbe     2f                          /* ends before it */
    pop     %eax
    stc
    ret
2:  pop     %eax
    clc
    ret

#include "common.inc"

    .section .rodata
pass_magic:   .asciz "PASS low-load-magic\n"
pass_place:   .asciz "PASS low-load-info-outside-image\n"
pass_pattern: .asciz "PASS low-load-image-intact\n"
fail_magic:   .asciz "FAIL low-load-magic: EAX is not 0x2badb002\n"
fail_place:   .asciz "FAIL low-load-info-outside-image: boot information overlaps the image at 0x8000\n"
fail_cmdline: .asciz "FAIL low-load-cmdline: no command line 'low ...'\n"
fail_pattern: .asciz "FAIL low-load-image-intact: the image was overwritten\n"

    .data
    .balign 4
pattern:
    .set i, 0
    .rept PATTERN_WORDS
    .long i
    .set i, i + 1
    .endr
image_end:
