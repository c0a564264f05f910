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
#include "entry_macros.h"          /* tests/guests/lib: PVH_ENTRY, FLAT_GDT */

    PVH_ENTRY pvh32_gdt_desc     /* the note; pvh_entry: GDT, .bss zeroed, ESI = start info */
    mov $pvh32_stack_top, %esp
    xor %ebp, %ebp
    push %esi
    call pvh32_start
2:  cli
    hlt
    jmp 2b

    .section .data
    FLAT_GDT pvh32_gdt, pvh32_gdt_desc

    .section .bss
    .align 16
pvh32_stack:
    .skip 32768
    .globl pvh32_stack_top
pvh32_stack_top:

    .section .note.GNU-stack, "", @progbits
