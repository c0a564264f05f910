/*
 * bigreal: real-mode states virtual-8086 mode cannot hold (bigreal.c).
 *
 * 32-bit protected mode -> 16-bit protected mode, where FS gets a flat
 * 4 GiB data segment and GS a data segment whose base (0x12345) is not a
 * multiple of 16 -> CR0.PE = 0 with those cached descriptors kept:
 *   phase A (GS odd, FS 4 GiB): real-mode code with a segment no
 *     virtual-8086 selector can give, so a VMX host without unrestricted
 *     guest must emulate it: GS-relative access, near and far CALL/RET,
 *     LOOP, PUSH/POP, INT 0x40 through the IVT and IRET, and FS accesses
 *     above 1 MiB with 32-bit addresses ("unreal" mode), FS reloaded in
 *     real mode (limit kept) and used again;
 *   phase B (GS reloaded in real mode: representable again): FS above
 *     1 MiB once more, a far jump;
 *   phase C: back to 16-bit protected mode to give FS a 64 KiB limit, real
 *     mode again: an FS access at 0x10000 must raise #GP (vector 13 through
 *     the IVT; QEMU TCG does not check limits, bigreal.c knows);
 *   (with "hostile" on the command line, phase A also runs PUSHA/POPA,
 *   which the emulator does not do: on VMX without unrestricted guest the
 *   domain must crash with the opcode named, the hypervisor carry on);
 *   phase D: from CS = RM_SEG + 1 (RPL 1 in protected-mode terms) CR0.PE
 *     is set and a far jump goes to 32-bit code: VM entry cannot hold CS
 *     with RPL 1 and DPL 0 until the jump.
 * Results in rm_results (struct bg_results in bigreal.c).
 */
#define RM_BASE     0x10000
#define RM_SEG      (RM_BASE >> 4)
#define SEL_CODE16  0x20
#define SEL_DATA16  0x28
#define SEL_FLAT16  0x30
#define SEL_ODD     0x38
#define OFF(x)      ((x) - bg_start)
#define RM_IVT      0x8000
#define HI_A        0x800000            /* above 1 MiB: unreal-mode targets */
#define HI_B        0x900000
#define HI_C        0xa00000

#include "rm_trip.h"               /* RM_TRIP_SAVE/RESTORE; SEL_CODE32, SEL_DATA */

    .section .text
    .code32
    .globl bigreal_run
bigreal_run:
    RM_TRIP_SAVE bg_saved
    lgdt bg_gdt_ptr
    ljmp $SEL_CODE16, $OFF(bg_pm16)

    .code16
    .globl bg_start
bg_start:
bg_pm16:
    mov $SEL_DATA16, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $SEL_FLAT16, %ax                /* FS: base 0, limit 4 GiB */
    mov %ax, %fs
    mov $SEL_ODD, %ax                   /* GS: base 0x12345, limit 64 KiB */
    mov %ax, %gs
    mov %cr0, %eax
    and $0xfffffffe, %eax
    mov %eax, %cr0
    ljmp $RM_SEG, $OFF(bg_real)

bg_real:                                /* phase A: GS cannot be a vm86 selector */
    mov $RM_SEG, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0xf000, %sp
    movw $OFF(bg_int40), RM_IVT + 0x40 * 4
    movw $RM_SEG, RM_IVT + 0x40 * 4 + 2
    movw $OFF(bg_gp), RM_IVT + 13 * 4
    movw $RM_SEG, RM_IVT + 13 * 4 + 2
    lidt OFF(bg_ivt_ptr)

    mov %gs:0x10, %ax                   /* linear 0x12355, set by bigreal.c */
    mov %ax, OFF(r_gsread)
    movw $0x6a6a, %gs:0x12              /* linear 0x12357 */

    mov $5, %cx                         /* LOOP: five rounds of a near call */
    xor %bx, %bx
1:  call bg_addbx
    loop 1b
    mov %bx, OFF(r_loop)

    push $0x1357                        /* PUSH imm / POP r */
    pop %dx
    mov %dx, OFF(r_pop)

    lcall $(RM_SEG - 0x10), $(OFF(bg_far) + 0x100)

    cmpw $0, OFF(r_hostile)             /* bigreal_bad: an instruction the */
    je 1f                               /* emulator does not do, while GS is odd */
    pusha
    popa
1:

    mov $0x77, %ax
    int $0x40

    movl $HI_A, %ebx                    /* unreal: 32-bit address above 1 MiB */
    movl $0xcafef00d, %fs:(%ebx)
    movl %fs:(%ebx), %eax
    movl %eax, OFF(r_hia)
    xor %ax, %ax                        /* FS reloaded in real mode: limit kept */
    mov %ax, %fs
    movl $HI_B, %ebx
    movl $0x600dbeef, %fs:(%ebx)
    movl %fs:(%ebx), %eax
    movl %eax, OFF(r_hib)

    xor %ax, %ax                        /* phase B: GS representable again */
    mov %ax, %gs
    movw $0x5a5a, OFF(r_phase_b)
    movl $HI_C, %ebx
    movl $0x12345678, %fs:(%ebx)
    movl %fs:(%ebx), %eax
    movl %eax, OFF(r_hic)
    ljmp $RM_SEG, $OFF(bg_after_jmp)
bg_after_jmp:
    mov %cs, OFF(r_cs_b)

    /* Phase C: FS back to a 64 KiB limit through protected mode. */
    lgdtl OFF(bg_gdt_ptr16)
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmp $SEL_CODE16, $OFF(bg_pm16b)
bg_pm16b:
    mov $SEL_DATA16, %ax
    mov %ax, %fs
    mov %cr0, %eax
    and $0xfffffffe, %eax
    mov %eax, %cr0
    ljmp $RM_SEG, $OFF(bg_real2)
bg_real2:
    mov $RM_SEG, %ax
    mov %ax, %ss
    mov %ax, %ds
    mov $0x3000, %ax                    /* FS base 0x30000, limit 64 KiB (kept) */
    mov %ax, %fs
    movl $0x10000, %ebx
    movw $(bg_gp_end - bg_gp_insn), OFF(r_gp_skip)
bg_gp_insn:
    movl $0xdeadbeef, %fs:(%ebx)        /* linear 0x40000, beyond FS's limit: #GP */
bg_gp_end:

    /* Phase D: CS = RM_SEG + 1 (selector RPL 1), CR0.PE = 1, far jump. */
    ljmp $(RM_SEG + 1), $(OFF(bg_rpl) - 0x10)
bg_rpl:
    mov %cs, OFF(r_cs_rpl)              /* DS is still RM_SEG: only CS moved */
    lgdtl OFF(bg_gdt_ptr16)
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $SEL_CODE32, $bg_back32

bg_addbx:                               /* near call target */
    add $3, %bx
    ret

bg_far:                                 /* far call target, CS = RM_SEG - 0x10 */
    mov %cs, OFF(r_cs_far)
    push %ds
    pop %dx
    mov %dx, OFF(r_ds_pop)
    lret

bg_int40:
    push %bp
    mov %sp, %bp
    mov %ax, OFF(r_intax)
    incw OFF(r_int40n)
    mov 6(%bp), %ax
    mov %ax, OFF(r_intfl)
    pop %bp
    iret

bg_gp:                                  /* #GP: skip the faulting instruction */
    push %bp
    mov %sp, %bp
    push %ax
    mov OFF(r_gp_skip), %ax
    add %ax, 2(%bp)
    incw OFF(r_gpn)
    pop %ax
    pop %bp
    iret

    .align 4
bg_gdt_ptr16:
    .word bg_gdt_end - bg_gdt - 1
    .long bg_gdt
bg_ivt_ptr:
    .word 0x3ff
    .long RM_BASE + RM_IVT
    .globl bg_results
bg_results:                             /* struct bg_results in bigreal.c */
r_gsread:   .word 0
r_loop:     .word 0
r_pop:      .word 0
r_cs_far:   .word 0
r_ds_pop:   .word 0
r_intax:    .word 0
r_int40n:   .word 0
r_intfl:    .word 0
r_hia:      .long 0
r_hib:      .long 0
r_hic:      .long 0
r_phase_b:  .word 0
r_cs_b:     .word 0
r_gp_skip:  .word 0
r_gpn:      .word 0
r_cs_rpl:   .word 0
r_hostile:  .word 0                     /* in: set by bigreal.c for "hostile" */
    .globl bg_end
bg_end:

    .code32
bg_back32:
    RM_TRIP_RESTORE bg_saved

    .section .data
    .align 16
bg_gdt:
    RM_TRIP_GDT_COMMON                  /* null, SEL_CODE32, SEL_DATA, -, SEL_CODE16, SEL_DATA16 */
    .quad 0x008f92000000ffff            /* SEL_FLAT16: base 0, limit 4 GiB (G), 16-bit */
    .quad 0x000092012345ffff            /* SEL_ODD: base 0x12345, limit 0xffff */
bg_gdt_end:
bg_gdt_ptr:
    .word bg_gdt_end - bg_gdt - 1
    .long bg_gdt
    RM_TRIP_SAVE_AREA bg_saved

    .section .note.GNU-stack, "", @progbits
