/*
 * Assembly macros for the start of every test guest: the HVM multiboot
 * entry (entry32.S) and both PVH entries (pvh/lib/entry.S,
 * pvh32/lib/entry.S) begin in 32-bit protected mode with paging off and
 * GDTR undefined (Multiboot Specification 0.6.96, 3.2; docs/pvh.md), so
 * each loads the same flat GDT first and zeroes .bss itself.  Include from
 * a .S file only.
 */
#ifndef GUEST_ENTRY_MACROS_H
#define GUEST_ENTRY_MACROS_H

#include "layout.h"                 /* SEL_CODE32, SEL_DATA, SEL_CODE64 */

/* The flat GDT: null, SEL_CODE32, SEL_DATA, SEL_CODE64 (the last unused by
 * guests that stay in 32-bit mode), and its descriptor for LGDT at `desc`. */
.macro FLAT_GDT gdt, desc
    .align 16
\gdt:
    .quad 0                         /* null */
    .quad 0x00cf9a000000ffff        /* SEL_CODE32: base 0, 4 GiB, 32-bit, execute/read */
    .quad 0x00cf92000000ffff        /* SEL_DATA:   base 0, 4 GiB, read/write */
    .quad 0x00af9a000000ffff        /* SEL_CODE64: L=1, D=0 (AMD APM vol. 2, 4.8.1) */
\desc:
    .word \desc - \gdt - 1
    .long \gdt
.endm

/* DS ES FS GS SS = SEL_DATA (in 32- or 64-bit code).  Clobbers EAX. */
.macro LOAD_DATA_SEGMENTS
    mov $SEL_DATA, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %fs
    mov %eax, %gs
    mov %eax, %ss
.endm

/* LGDT, then CS = SEL_CODE32 (far jump) and the data segments.  Clobbers
 * EAX. */
.macro LOAD_FLAT_GDT desc
    lgdt \desc
    ljmp $SEL_CODE32, $.Lflat_cs\@
.Lflat_cs\@:
    LOAD_DATA_SEGMENTS
.endm

/* Zeroes __bss_start..__bss_end (linker script): a loader that honours the
 * program headers has done so already, a flat copy of the file has not.
 * Clobbers EAX, ECX, EDI; needs DF = 0. */
.macro ZERO_BSS
    mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    xor %eax, %eax
    rep stosb
.endm

/* The Xen ELF note XEN_ELFNOTE_PHYS32_ENTRY (public/elfnote.h: owner "Xen",
 * a 4-byte physical address): where a PVH domain builder starts vCPU 0, with
 * EBX = the guest-physical address of struct hvm_start_info. */
.macro XEN_PHYS32_ENTRY_NOTE entry
    .pushsection .note.Xen, "a", @note
    .align 4
    .long 4                         /* name size: "Xen\0" */
    .long 4                         /* descriptor size: the 32-bit entry */
    .long XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .align 4
    .long \entry
    .align 4
    .popsection
.endm

/* The start of both PVH entries (pvh/lib, pvh32/lib): the note, then
 * pvh_entry in .text.entry: interrupts off, DF = 0, EBX (the start info)
 * kept in ESI, the flat GDT at `desc` loaded, .bss zeroed.  The entry goes
 * on from there (stack, mode, the call into C). */
.macro PVH_ENTRY desc
    XEN_PHYS32_ENTRY_NOTE pvh_entry
    .section .text.entry, "ax"
    .code32
    .globl pvh_entry
pvh_entry:
    cli
    cld
    mov %ebx, %esi                  /* struct hvm_start_info * (kept in ESI) */
    LOAD_FLAT_GDT \desc
    ZERO_BSS
.endm

#endif
