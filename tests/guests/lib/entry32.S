/*
 * 32-bit entry of every test guest: the multiboot1 header, our own GDT, the
 * stack, and the call into guest_start32(magic, info).
 *
 * The loader (Ringvisor's HVM loader, or QEMU -kernel) enters _start in
 * 32-bit flat protected mode with paging off, EAX = 0x2BADB002 and EBX = the
 * multiboot information (Multiboot Specification 0.6.96, section 3.2).  The
 * spec leaves GDTR undefined, so we load our own GDT before touching a
 * segment register.
 */
#include "entry_macros.h"          /* layout.h, FLAT_GDT, LOAD_FLAT_GDT, ZERO_BSS */

    .section .multiboot, "a"
    .align 4
mb1_header:
    .long MB1_HEADER_MAGIC
    .long MB1_HEADER_FLAGS
    .long -(MB1_HEADER_MAGIC + MB1_HEADER_FLAGS)

    .section .text.entry, "ax"
    .code32
    .globl _start
_start:
    cli
    cld
    mov %eax, %esi                  /* multiboot magic */
    mov %ebx, %ebp                  /* multiboot info */
    /* Only the boot vCPU (initial APIC ID 0, CPUID.1:EBX[31:24]) runs the
     * guest: a secondary vCPU started at the same entry (how they start is
     * not defined yet) is counted and parked here, before it could touch
     * .bss or the stack the boot vCPU is using. */
    mov $1, %eax
    cpuid
    shr $24, %ebx
    jnz secondary_park
    LOAD_FLAT_GDT gdt32_desc
    ZERO_BSS
    mov $stack32_top, %esp
    push %ebp
    push %esi
    call guest_start32
2:  cli                             /* guest_start32 does not return */
    hlt
    jmp 2b

secondary_park:
    lock incl secondary_arrivals
3:  cli                             /* interrupts off, no timer: stays here */
    hlt
    jmp 3b

    .section .data
    .align 4
    .globl secondary_arrivals
secondary_arrivals:                 /* in .data, not .bss: the boot vCPU zeroes .bss */
    .long 0

    .globl gdt32, gdt32_desc
    FLAT_GDT gdt32, gdt32_desc

    .section .bss
    .align 16
stack32:
    .skip GUEST_STACK_SIZE
stack32_top:

    .section .note.GNU-stack, "", @progbits
