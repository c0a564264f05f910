/*
 * Entry of the PVH test guests (one ELF64 image linked at 1 MiB).
 *
 * The Xen ELF note XEN_ELFNOTE_PHYS32_ENTRY (owner "Xen", type 18, a 4-byte
 * physical address) tells a PVH domain builder where to start vCPU 0: in
 * 32-bit protected mode with paging off and EBX = the guest-physical address
 * of struct hvm_start_info (include/public/hvm.h).  GDTR/IDTR are undefined
 * then, so we load our own GDT first, zero .bss, build identity page tables
 * for 0-4 GiB (2 MiB pages), enable long mode (Intel SDM vol. 3, 10.8.5:
 * CR4.PAE, CR3, EFER.LME, CR0.PG, far jump to a 64-bit code segment) and
 * call pvh_start64(start_info) with a 64-bit stack.
 */
#include "public/elfnote.h"
#include "entry_macros.h"          /* tests/guests/lib: PVH_ENTRY, FLAT_GDT */

#define PTE_P       0x001
#define PTE_RW      0x002
#define PTE_PS      0x080

    PVH_ENTRY pvh_gdt_desc     /* the note; pvh_entry: GDT, .bss zeroed, ESI = start info */
    mov $pvh_stack_top, %esp

    mov $pvh_pdpt + (PTE_P | PTE_RW), %eax
    mov %eax, pvh_pml4
    xor %ecx, %ecx
2:  mov %ecx, %eax
    shl $12, %eax
    add $pvh_pd + (PTE_P | PTE_RW), %eax
    mov %eax, pvh_pdpt(,%ecx,8)
    inc %ecx
    cmp $4, %ecx
    jb 2b
    xor %ecx, %ecx
3:  mov %ecx, %eax                  /* PDE n maps n * 2 MiB */
    shl $21, %eax
    or $(PTE_P | PTE_RW | PTE_PS), %eax
    mov %eax, pvh_pd(,%ecx,8)
    inc %ecx
    cmp $2048, %ecx
    jb 3b

    mov %cr4, %eax
    or $(1 << 5), %eax              /* PAE */
    mov %eax, %cr4
    mov $pvh_pml4, %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx           /* EFER.LME */
    rdmsr
    or $(1 << 8), %eax
    wrmsr
    mov %cr0, %eax
    or $0x80000000, %eax            /* PG: long mode active */
    mov %eax, %cr0
    ljmp $SEL_CODE64, $4f

    .code64
4:  mov $SEL_DATA, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    lea pvh_stack_top(%rip), %rsp
    mov %esi, %edi                  /* zero-extends */
    call pvh_start64
5:  cli
    hlt
    jmp 5b

    .section .data
    FLAT_GDT pvh_gdt, pvh_gdt_desc

    .section .bss
    .align 4096
pvh_pml4:
    .skip 4096
pvh_pdpt:
    .skip 4096
pvh_pd:
    .skip 4 * 4096
    .align 16
    .globl pvh_stack_top
pvh_stack:
    .skip 32768
pvh_stack_top:

    .section .note.GNU-stack, "", @progbits
