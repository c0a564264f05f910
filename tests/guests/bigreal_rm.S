/*
 * bigreal: real-mode states virtual-8086 mode cannot hold (bigreal.c).
 *
 * 32-bit protected mode -> 16-bit protected mode -> (phase 0: 32-bit code
 * segment, CR0.PE = 0: real mode with CS.D = 1, 32-bit code checked, back
 * to 16-bit protected mode) -> FS gets a flat
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
 *   also in phase A: PUSHA/POPA, shifts, MUL/DIV (and #DE through the
 *   IVT), LES, ENTER/LEAVE, and STI's interrupt shadow with the LAPIC
 *   timer pending (emulated on VMX without unrestricted guest);
 *   (with "hostile" on the command line, phase A also runs BSF, which the
 *   emulator does not do: on VMX without unrestricted guest the domain
 *   must crash with the opcode named, the hypervisor carry on);
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
#define SEL_CODE32R 0x40
#define OFF(x)      ((x) - bg_start)
#define RM_IVT      0x8000
#define HI_A        0x800000            /* above 1 MiB: unreal-mode targets */
#define HI_B        0x900000
#define HI_C        0xa00000

#include "rm_trip.h"               /* RM_TRIP_SAVE/RESTORE; SEL_CODE32, SEL_DATA */

/* A fault handler: the return IP moves past the faulting instruction
 * (length in the word `skip`), the word `count` counts the faults. */
.macro FAULT_SKIP skip, count
    push %bp
    mov %sp, %bp
    push %ax
    mov OFF(\skip), %ax
    add %ax, 2(%bp)
    incw OFF(\count)
    pop %ax
    pop %bp
    iret
.endm

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
    /* Phase 0: real mode with a 32-bit CS (D = 1 kept from protected mode):
     * 32-bit code decoded as such, then back through protected mode. */
    ljmp $SEL_CODE32R, $OFF(bg_pm32r)
    .code32
bg_pm32r:
    mov %cr0, %eax
    and $0xfffffffe, %eax
    mov %eax, %cr0                      /* real mode, CS.D = 1 */
    mov $RM_SEG, %ax
    mov %ax, %ds
    mov %ax, %ss
    mov $0xf000, %esp
    movl $0x12345678, %eax              /* a 32-bit immediate */
    movl %eax, OFF(r_cs32)              /* a 32-bit moffs */
    mov %esp, %ebx
    push %eax                           /* 4 bytes in 32-bit code */
    sub %esp, %ebx
    mov %bx, OFF(r_cs32_push)
    pop %eax
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmp $SEL_CODE16, $OFF(bg_pm16_2)
    .code16
bg_pm16_2:
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
    movw $OFF(bg_de), RM_IVT + 0 * 4
    movw $RM_SEG, RM_IVT + 0 * 4 + 2
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
    bsf %ax, %dx
1:

    /* PUSHA/POPA: SP's slot holds SP before the PUSHA; POPA skips it. */
    mov $0x1111, %ax
    mov $0x2222, %cx
    mov $0x3333, %dx
    mov $0x4444, %bx
    mov $0x5555, %bp
    mov $0x6666, %si
    mov $0x7777, %di
    mov %sp, OFF(r_pa_sp0)
    pusha
    mov %sp, %bx
    mov 6(%bx), %ax                     /* DI SI BP, then the SP slot */
    mov %ax, OFF(r_pa_spslot)
    xor %ax, %ax
    mov %ax, %cx
    mov %ax, %dx
    mov %ax, %bx
    mov %ax, %bp
    mov %ax, %si
    mov %ax, %di
    popa
    mov %ax, OFF(r_pa_ax)
    mov %di, OFF(r_pa_di)
    mov %bp, OFF(r_pa_bp)
    mov %sp, OFF(r_pa_sp1)

    /* Shifts: ROL by CL, SHR by 1, SHL 0x80 by 1 (CF, OF, ZF, PF set). */
    mov $0x8181, %ax
    mov $4, %cl
    rol %cl, %ax
    shr $1, %ax
    mov %ax, OFF(r_sh_ax)
    mov $0x80, %al
    shl $1, %al
    pushf
    pop %ax
    mov %ax, OFF(r_sh_fl)

    /* MUL, DIV, 32-bit MUL, and DIV by 0: #DE through the IVT (vector 0). */
    mov $1234, %ax
    mov $5678, %bx
    mul %bx
    mov %dx, OFF(r_mul_dx)
    mov %ax, OFF(r_mul_ax)
    mov $1000, %bx
    div %bx
    mov %ax, OFF(r_div_ax)
    mov %dx, OFF(r_div_dx)
    movl $100000, %eax
    movl $300000, %ecx
    mull %ecx
    movl %eax, OFF(r_mul32_lo)
    movl %edx, OFF(r_mul32_hi)
    movw $(bg_de_end - bg_de_insn), OFF(r_de_skip)
    xor %bx, %bx
bg_de_insn:
    div %bx
bg_de_end:

    /* LES: DI and ES from a far pointer (ES base = sel << 4). */
    les OFF(bg_les_ptr), %di
    mov %di, OFF(r_les_di)
    mov %es, OFF(r_les_es)
    push %ds
    pop %es

    /* ENTER 8, 1 / LEAVE. */
    mov %sp, %dx
    mov $0xbeef, %bp
    enter $8, $1
    mov %bp, OFF(r_en_bp)
    mov %sp, OFF(r_en_sp)
    mov -2(%bp), %ax                    /* the frame pointer ENTER pushed */
    mov %ax, OFF(r_en_slot)
    mov (%bp), %ax                      /* the old BP */
    mov %ax, OFF(r_en_old)
    leave
    mov %bp, OFF(r_lv_bp)
    mov %sp, %ax
    sub %dx, %ax
    mov %ax, OFF(r_lv_spd)

    /* STI's shadow: the LAPIC timer (one-shot, vector 0x41) made pending
     * with IF = 0, then STI; INC: the interrupt must come after the INC
     * (the handler records the IP it returns to). */
    movw $OFF(bg_t41), RM_IVT + 0x41 * 4
    movw $RM_SEG, RM_IVT + 0x41 * 4 + 2
    movl $0xfee00000, %ebx
    movl $0xb, %fs:0x3e0(%ebx)          /* divide by 1 */
    movl $0x41, %fs:0x320(%ebx)         /* LVT timer: one-shot, vector 0x41 */
    movl $16, %fs:0x380(%ebx)           /* initial count */
    mov $0x4000, %cx
1:  testl $2, %fs:0x220(%ebx)           /* IRR bit of vector 0x41 */
    jnz 2f
    loop 1b
2:  movl %fs:0x220(%ebx), %eax
    mov %ax, OFF(r_irr)
    movw $OFF(bg_sti_after), OFF(r_sti_want)
    sti
    inc %si
bg_sti_after:
    cli

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

bg_de:                                  /* #DE: skip the DIV */
    FAULT_SKIP r_de_skip, r_den

bg_t41:                                 /* LAPIC timer: record the return IP, EOI */
    push %bp
    mov %sp, %bp
    push %ax
    push %ebx
    mov 2(%bp), %ax
    mov %ax, OFF(r_sti_ip)
    incw OFF(r_sti_n)
    movl $0xfee00000, %ebx
    movl $0, %fs:0xb0(%ebx)
    pop %ebx
    pop %ax
    pop %bp
    iret

bg_les_ptr:
    .word 0x1234, 0x2468

bg_gp:                                  /* #GP: skip the faulting instruction */
    FAULT_SKIP r_gp_skip, r_gpn

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
r_pa_sp0:   .word 0
r_pa_spslot: .word 0
r_pa_ax:    .word 0
r_pa_di:    .word 0
r_pa_bp:    .word 0
r_pa_sp1:   .word 0
r_sh_ax:    .word 0
r_sh_fl:    .word 0
r_mul_dx:   .word 0
r_mul_ax:   .word 0
r_div_ax:   .word 0
r_div_dx:   .word 0
r_mul32_lo: .long 0
r_mul32_hi: .long 0
r_de_skip:  .word 0
r_den:      .word 0
r_les_di:   .word 0
r_les_es:   .word 0
r_en_bp:    .word 0
r_en_sp:    .word 0
r_en_slot:  .word 0
r_en_old:   .word 0
r_lv_bp:    .word 0
r_lv_spd:   .word 0
r_irr:      .word 0
r_sti_want: .word 0
r_sti_ip:   .word 0
r_sti_n:    .word 0
r_cs32:     .long 0
r_cs32_push: .word 0
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
    .quad 0x00409a010000ffff            /* SEL_CODE32R: base 0x10000, limit 0xffff, 32-bit */
bg_gdt_end:
bg_gdt_ptr:
    .word bg_gdt_end - bg_gdt - 1
    .long bg_gdt
    RM_TRIP_SAVE_AREA bg_saved

    .section .note.GNU-stack, "", @progbits
