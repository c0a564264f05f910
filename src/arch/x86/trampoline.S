/*
 * Application-processor start-up code.  Copied to a page T below 1 MiB; a
 * STARTUP IPI with vector T>>12 starts the AP in real mode at T:0 (SDM vol. 3
 * 8.4.4).  It walks real mode -> protected mode -> long mode (SDM 9.8.5) using
 * the parameters the boot CPU wrote into the copy, then jumps to ap_entry on
 * the AP's own stack.  The page is identity-mapped in the hypervisor's page
 * tables so execution survives the moment paging is turned on.
 */
#include "arch/x86/layout.h"

#define OFF(x) ((x) - trampoline_start)

    .section .trampoline, "ax"
    .code16
    .globl trampoline_start
trampoline_start:
    cli
    cld
    mov     %cs, %ax
    mov     %ax, %ds
    movzwl  %ax, %esi
    shl     $4, %esi                    /* esi = T, used by the 32-bit part */
    lgdtl   OFF(tramp_gdtr)
    mov     %cr0, %eax
    or      $1, %eax                    /* CR0.PE */
    mov     %eax, %cr0
    ljmpl   *OFF(tramp_pm_ptr)

    .code32
tramp_pm32:
    mov     $BOOT_DS, %eax
    mov     %eax, %ds
    mov     %eax, %es
    mov     %eax, %ss
    mov     %cr4, %eax
    or      $(1 << 5), %eax             /* CR4.PAE */
    mov     %eax, %cr4
    mov     OFF(tramp_cr3)(%esi), %eax  /* below 4 GiB: mm.c allocates the root there */
    mov     %eax, %cr3
    mov     $0xc0000080, %ecx           /* EFER: LME, plus NXE if the BSP uses NX */
    rdmsr
    or      OFF(tramp_efer)(%esi), %eax
    wrmsr
    mov     %cr0, %eax
    and     $0x9fffffff, %eax           /* CD and NW are set at reset: turn caching on */
    or      $0x80010001, %eax           /* PG | WP | PE */
    mov     %eax, %cr0
    ljmpl   *OFF(tramp_lm_ptr)(%esi)

    .code64
tramp_lm64:
    mov     %esi, %esi
    mov     OFF(tramp_stack)(%rsi), %rsp
    mov     OFF(tramp_entry)(%rsi), %rax
    xor     %ebp, %ebp
    pushq   $0
    pushq   $0
    mov     %rsp, %rbp
    jmp     *%rax

    .balign 16
tramp_gdt:
    .quad 0
    .quad 0x00af9a000000ffff            /* BOOT_CS64 */
    .quad 0x00cf92000000ffff            /* BOOT_DS */
    .quad 0x00cf9a000000ffff            /* BOOT_CS32 */
tramp_gdt_end:
/* Parameters, filled in the copy by smpboot.c (struct trampoline_params). */
    .balign 8
    .globl tramp_params
tramp_params:
tramp_gdtr:
    .short tramp_gdt_end - tramp_gdt - 1
    .long 0                             /* T + OFF(tramp_gdt) */
    .short 0
tramp_pm_ptr:
    .long 0                             /* T + OFF(tramp_pm32) */
    .short BOOT_CS32
    .short 0
tramp_lm_ptr:
    .long 0                             /* T + OFF(tramp_lm64) */
    .short BOOT_CS64
    .short 0
tramp_cr3:
    .long 0
tramp_efer:
    .long 0
tramp_stack:
    .quad 0
tramp_entry:
    .quad 0
    .globl tramp_offsets
/* Offsets the C side needs, so it never hard-codes the layout. */
tramp_offsets:
    .long OFF(tramp_gdt), OFF(tramp_pm32), OFF(tramp_lm64), OFF(tramp_params)
    .globl trampoline_end
trampoline_end:
