/*
 * Entry points of the hypervisor image.
 *
 *  start32      32-bit protected mode, paging off, as left by a multiboot1
 *               loader (QEMU -kernel: EAX=0x2badb002, EBX=info) or a
 *               multiboot2 loader (GRUB, BIOS or UEFI: EAX=0x36d76289).
 *  start64_efi  64-bit mode with the firmware's identity map, as left by
 *               ringvisor.efi (RDI=magic, RSI=multiboot2 info); found by the
 *               EFI app through the RVBOOT64 record below.
 *
 * Both switch to the static early page tables below (identity map of the
 * low 4 GiB plus the same 4 GiB at HV_IMAGE_VIRT, 2 MiB pages), jump to the
 * linked (high) addresses, clear .bss, and call start_hypervisor(magic, info).
 */
#include "arch/x86/layout.h"

#define PHYS(x)         ((x) - HV_IMAGE_VIRT)

#define MB1_MAGIC       0x1badb002
/* bit 0: page-align modules; bit 1: memory info; bit 16: the address
 * fields below are valid (needed for an ELF64 image: QEMU refuses to parse
 * 64-bit ELF for multiboot1 and uses these instead). */
#define MB1_FLAGS       0x00010003
#define MB2_MAGIC       0xe85250d6

    .section .boot.header, "a"
    .balign 8
mb1_header:
    .long MB1_MAGIC
    .long MB1_FLAGS
    .long -(MB1_MAGIC + MB1_FLAGS)
    .long PHYS(mb1_header)          /* header_addr */
    .long PHYS(__image_start)       /* load_addr */
    .long PHYS(__data_end)          /* load_end_addr */
    .long PHYS(__bss_end)           /* bss_end_addr */
    .long PHYS(start32)             /* entry_addr */

    .balign 8
mb2_header:
    .long MB2_MAGIC
    .long 0                         /* architecture: i386 protected mode */
    .long mb2_header_end - mb2_header
    .long -(MB2_MAGIC + (mb2_header_end - mb2_header))
    /* Entry address tag (type 3): the ELF entry is a virtual address the
     * loader cannot use before paging, so give the physical one. */
    .balign 8
    .short 3, 0
    .long 12
    .long PHYS(start32)
    /* Module alignment tag (type 6): modules page-aligned. */
    .balign 8
    .short 6, 0
    .long 8
    /* End tag. */
    .balign 8
    .short 0, 0
    .long 8
mb2_header_end:

    /* RVBOOT64 record for ringvisor.efi: magic "RVBOOT64", entry (physical). */
    .balign 8
    .quad 0x3436544f4f425652
    .quad PHYS(start64_efi)

/* ------------------------------------------------------------------ */
    .section .boot.text, "ax"
    .code32
    .globl start32
start32:
    cli
    cld
    mov     %eax, %edi              /* loader magic */
    mov     %ebx, %esi              /* loader info (physical) */

    /* Long mode is required: CPUID 0x80000001 EDX bit 29. */
    mov     $0x80000000, %eax
    cpuid
    cmp     $0x80000001, %eax
    jb      .Lno_lm
    mov     $0x80000001, %eax
    cpuid
    bt      $29, %edx
    jnc     .Lno_lm

    lgdt    PHYS(boot_gdtr32)
    mov     $BOOT_DS, %eax
    mov     %eax, %ds
    mov     %eax, %es
    mov     %eax, %ss

    mov     %cr4, %eax
    or      $(1 << 5), %eax         /* CR4.PAE: long mode uses 4-level PAE paging */
    mov     %eax, %cr4
    mov     $PHYS(early_pml4), %eax
    mov     %eax, %cr3
    mov     $0xc0000080, %ecx       /* IA32_EFER */
    rdmsr
    or      $(1 << 8), %eax         /* EFER.LME */
    wrmsr
    mov     %cr0, %eax
    and     $0x9fffffff, %eax       /* clear CD and NW: run with caches on */
    or      $0x80010001, %eax       /* PG | WP | PE */
    mov     %eax, %cr0
    ljmp    $BOOT_CS64, $PHYS(start64_low)

.Lno_lm:
    mov     $PHYS(msg_no_lm), %ebx
1:  movzbl  (%ebx), %eax
    test    %eax, %eax
    jz      2f
    mov     $0x3fd, %dx             /* COM1 LSR: wait for THR empty */
3:  push    %eax
    inb     %dx, %al
    test    $0x20, %al
    pop     %eax
    jz      3b
    mov     $0x3f8, %dx
    outb    %al, %dx
    inc     %ebx
    jmp     1b
2:  cli
    hlt
    jmp     2b

    .code64
start64_low:
    /* Upper register halves are undefined after the mode switch. */
    mov     %edi, %edi
    mov     %esi, %esi
    movabs  $start64_high, %rax
    jmp     *%rax

    .globl start64_efi
start64_efi:
    cli
    cld
    /* Load our GDT and segments while the firmware's stack is still mapped. */
    lgdt    boot_gdtr64(%rip)
    pushq   $BOOT_CS64
    lea     1f(%rip), %rax
    pushq   %rax
    lretq
1:  mov     $BOOT_DS, %eax
    mov     %eax, %ds
    mov     %eax, %es
    mov     %eax, %ss
    mov     %eax, %fs
    mov     %eax, %gs
    /* The early tables identity-map the low 4 GiB, where this code and the
     * multiboot2 info are (the EFI app guarantees it). */
    lea     early_pml4(%rip), %rax
    mov     %rax, %cr3
    mov     %edi, %edi
    movabs  $start64_high, %rax
    jmp     *%rax

    .text
start64_high:
    mov     %edi, %r12d
    mov     %rsi, %r13
    /* .bss may not be zeroed by every loader; clear it before using it. */
    lea     __bss_start(%rip), %rdi
    lea     __bss_end(%rip), %rcx
    sub     %rdi, %rcx
    xor     %eax, %eax
    rep stosb
    lea     boot_stack_top(%rip), %rsp
    xor     %ebp, %ebp
    push    $0                      /* terminates stack traces */
    push    $0
    mov     %rsp, %rbp
    mov     $BOOT_DS, %eax
    mov     %eax, %fs
    mov     %eax, %gs
    mov     %r12d, %edi
    mov     %r13, %rsi
    call    start_hypervisor
    ud2

/* ------------------------------------------------------------------ */
    .section .boot.data, "aw"
    .balign 16
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff        /* 0x08: 64-bit code, DPL0 */
    .quad 0x00cf92000000ffff        /* 0x10: data, DPL0 */
    .quad 0x00cf9a000000ffff        /* 0x18: 32-bit code, DPL0 */
boot_gdt_end:
boot_gdtr32:
    .short boot_gdt_end - boot_gdt - 1
    .long PHYS(boot_gdt)
    .balign 8
boot_gdtr64:
    .short boot_gdt_end - boot_gdt - 1
    .quad PHYS(boot_gdt)

msg_no_lm:
    .asciz "ringvisor: this CPU has no long mode (x86_64); cannot boot\r\n"

    .balign 4096
    .globl early_pml4
early_pml4:
    .quad PHYS(early_pdpt) + 0x3
    .fill 261, 8, 0
    .quad PHYS(early_pdpt) + 0x3    /* slot 262 = HV_IMAGE_VIRT */
    .fill 249, 8, 0
early_pdpt:
    .quad PHYS(early_pd) + 0x0000 + 0x3
    .quad PHYS(early_pd) + 0x1000 + 0x3
    .quad PHYS(early_pd) + 0x2000 + 0x3
    .quad PHYS(early_pd) + 0x3000 + 0x3
    .fill 508, 8, 0
early_pd:                           /* 2048 x 2 MiB = 4 GiB, present|rw|large */
    .set i, 0
    .rept 2048
    .quad (i << 21) | 0x83
    .set i, i + 1
    .endr

    .section .bss, "aw", @nobits
    .balign 4096
boot_stack:
    .skip 16384
    .globl boot_stack_top
boot_stack_top:
