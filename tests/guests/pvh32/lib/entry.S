/*
 * Entry of the 32-bit PVH test guests (one ELF32 image linked at 1 MiB).
 *
 * The Xen ELF note XEN_ELFNOTE_PHYS32_ENTRY (owner "Xen", type 18, a 4-byte
 * physical address) tells a PVH domain builder where to start vCPU 0: in
 * 32-bit protected mode, paging off, flat CS/DS/ES/SS, EBX = the
 * guest-physical address of struct hvm_start_info (docs/pvh.md).  GDTR and
 * IDTR are undefined then, so we load our own GDT before anything that may
 * reload a segment, zero .bss (the builder zero-fills it, a plain copy would
 * not), set a stack and call pvh32_start(start_info) in C.  Paging, when the
 * build wants it, is turned on from C (paging.c) after the first line has
 * been printed, so a guest that stops there has said so.
 */
#include "public/elfnote.h"

#define SEL_CODE32  0x08
#define SEL_DATA    0x10

    .section .note.Xen, "a", @note
    .align 4
    .long 4                         /* name size: "Xen\0" */
    .long 4                         /* descriptor size: the 32-bit entry */
    .long XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .align 4
    .long pvh_entry
    .align 4

    .section .text.entry, "ax"
    .code32
    .globl pvh_entry
pvh_entry:
    cli
    cld
    mov %ebx, %esi                  /* struct hvm_start_info * (kept in ESI) */
    lgdt pvh32_gdt_desc
    ljmp $SEL_CODE32, $1f
1:  mov $SEL_DATA, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %fs
    mov %eax, %gs
    mov %eax, %ss
    mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    xor %eax, %eax
    rep stosb
    mov $pvh32_stack_top, %esp
    xor %ebp, %ebp
    push %esi
    call pvh32_start
2:  cli
    hlt
    jmp 2b

    .section .data
    .align 16
pvh32_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff        /* SEL_CODE32: base 0, 4 GiB, execute/read, D=1 */
    .quad 0x00cf92000000ffff        /* SEL_DATA: base 0, 4 GiB, read/write, B=1 */
pvh32_gdt_end:
pvh32_gdt_desc:
    .word pvh32_gdt_end - pvh32_gdt - 1
    .long pvh32_gdt

    .section .bss
    .align 16
pvh32_stack:
    .skip 32768
    .globl pvh32_stack_top
pvh32_stack_top:

    .section .note.GNU-stack, "", @progbits
