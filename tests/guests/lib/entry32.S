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
#include "layout.h"

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
    lgdt gdt32_desc
    ljmp $SEL_CODE32, $1f
1:  mov $SEL_DATA, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %fs
    mov %eax, %gs
    mov %eax, %ss
    /* A loader that honours the program headers zero-fills .bss already;
     * do it again so a flat copy of the file works too. */
    mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    xor %eax, %eax
    rep stosb
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

    .align 16
    .globl gdt32
gdt32:
    .quad 0                         /* null */
    .quad 0x00cf9a000000ffff        /* SEL_CODE32: base 0, 4 GiB, 32-bit, execute/read */
    .quad 0x00cf92000000ffff        /* SEL_DATA:   base 0, 4 GiB, read/write */
    .quad 0x00af9a000000ffff        /* SEL_CODE64: L=1, D=0 (AMD APM vol. 2, 4.8.1) */
gdt32_end:
    .globl gdt32_desc
gdt32_desc:
    .word gdt32_end - gdt32 - 1
    .long gdt32

    .section .bss
    .align 16
stack32:
    .skip GUEST_STACK_SIZE
stack32_top:

    .section .note.GNU-stack, "", @progbits
