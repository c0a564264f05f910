/*
 * enter_long_mode(entry64, arg): from 32-bit protected mode (paging off) to
 * 64-bit mode, the sequence of Intel SDM vol. 3, 10.8.5 / AMD APM vol. 2,
 * 14.6.1: CR4.PAE, CR3 = PML4, EFER.LME, then CR0.PG (which sets EFER.LMA and
 * puts us in compatibility mode), then a far jump to a 64-bit code segment.
 *
 * The page tables identity-map 0-4 GiB with 2 MiB pages (PDE bit 7, PS):
 * one PML4 entry, four PDPT entries, 4 x 512 PDEs.  Present + writable,
 * supervisor, no NX bit (EFER.NXE stays clear), write-back (PAT index 0).
 */
#include "layout.h"

#define PTE_P       0x001
#define PTE_RW      0x002
#define PTE_PS      0x080

    .section .text
    .code32
    .globl enter_long_mode
enter_long_mode:
    cli
    mov 4(%esp), %esi               /* entry64 */
    mov 8(%esp), %edi               /* arg */

    /* The tables live in .bss (zeroed at boot): fill in the entries. */
    mov $lm_pdpt + (PTE_P | PTE_RW), %eax
    mov %eax, lm_pml4
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $12, %eax
    add $lm_pd + (PTE_P | PTE_RW), %eax
    mov %eax, lm_pdpt(,%ecx,8)
    inc %ecx
    cmp $4, %ecx
    jb 1b
    xor %ecx, %ecx
2:  mov %ecx, %eax                  /* PDE n maps n * 2 MiB (all below 4 GiB: high dword 0) */
    shl $21, %eax
    or $(PTE_P | PTE_RW | PTE_PS), %eax
    mov %eax, lm_pd(,%ecx,8)
    movl $0, lm_pd + 4(,%ecx,8)
    inc %ecx
    cmp $2048, %ecx
    jb 2b

    mov %cr4, %eax
    or $(1 << 5), %eax              /* CR4.PAE */
    mov %eax, %cr4
    mov $lm_pml4, %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx           /* EFER */
    rdmsr
    or $(1 << 8), %eax              /* LME */
    wrmsr
    mov %cr0, %eax
    or $0x80000000, %eax            /* PG: long mode becomes active (LMA) */
    mov %eax, %cr0
    ljmp $SEL_CODE64, $lm_64

    .code64
lm_64:
    mov %edi, %edi                  /* zero-extend arg into RDI */
    mov %esi, %eax                  /* zero-extend entry */
    jmp *%rax

    .section .bss
    .align 4096
lm_pml4:
    .skip 4096
lm_pdpt:
    .skip 4096
lm_pd:
    .skip 4 * 4096

    .section .note.GNU-stack, "", @progbits
