/*
 * realmode: the trip from 32-bit protected mode to 16-bit real mode and back
 * (Intel SDM vol. 3, 10.9.2 "Switching Back to Real-Address Mode"):
 *   load a 16-bit code segment (limit 64 KiB) and 16-bit data segments,
 *   clear CR0.PE, far-jump to set a real-mode CS, then back: LGDT, set PE,
 *   far-jump to a 32-bit code segment.
 *
 * The code between rm_start and rm_end runs from a copy at RM_BASE
 * (realmode.c copies it there): real-mode code must be below 1 MiB.  All
 * addresses in it are offsets from rm_start, with CS = DS = RM_SEG.  It
 * stores what it saw in rm_results for realmode.c to check.  Interrupts
 * stay disabled throughout; INT n, INT3 and a divide error go through an
 * IVT of its own at RM_BASE + RM_IVT (IDTR base, as real mode uses it).
 */
#define RM_BASE     0x10000
#define RM_SEG      (RM_BASE >> 4)
#define SEL_CODE16  0x20
#define SEL_DATA16  0x28
#define OFF(x)      ((x) - rm_start)
#define RM_IVT      0x8000              /* offset of the IVT in the RM segment */

#include "rm_trip.h"               /* RM_TRIP_SAVE/RESTORE; SEL_CODE32, SEL_DATA */

    .section .text
    .code32
    .globl realmode_run
realmode_run:
    RM_TRIP_SAVE rm_saved
    lgdt rm_gdt_ptr
    ljmp $SEL_CODE16, $OFF(rm_pm16)     /* CS base = RM_BASE */

    .code16
    .globl rm_start
rm_start:
rm_pm16:                                /* 16-bit protected mode */
    mov $SEL_DATA16, %ax                /* 64 KiB limits, as real mode expects */
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %fs
    mov %ax, %gs
    mov %ax, %ss
    mov %cr0, %eax
    and $0xfffffffe, %eax               /* PE off */
    mov %eax, %cr0
    ljmp $RM_SEG, $OFF(rm_real)

rm_real:                                /* real mode: CS = RM_SEG */
    mov $RM_SEG, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0xf000, %sp                    /* linear RM_BASE + 0xf000 */
    /* Vectors 0 (#DE), 3 (INT3) and 0x40 point into this segment. */
    movw $OFF(rm_de), RM_IVT + 0 * 4
    movw $RM_SEG, RM_IVT + 0 * 4 + 2
    movw $OFF(rm_int3), RM_IVT + 3 * 4
    movw $RM_SEG, RM_IVT + 3 * 4 + 2
    movw $OFF(rm_int40), RM_IVT + 0x40 * 4
    movw $RM_SEG, RM_IVT + 0x40 * 4 + 2
    lidt OFF(rm_ivt_ptr)                /* IDTR base = linear RM_BASE + RM_IVT */
    mov $0x77, %ax
    int $0x40                           /* stores AX and the FLAGS it pushed */
    int3
    xor %dx, %dx
    mov $1, %ax
    xor %cx, %cx
    div %cx                             /* #DE: the handler skips the 2 bytes */

    movw $0x5a5a, OFF(res_magic)
    smsw OFF(res_msw)

    /* A line through the UART, polling LSR.THRE (bit 5) before each byte. */
    mov $OFF(msg1), %si
1:  lodsb
    test %al, %al
    jz 3f
    mov %al, %bl
    mov $0x3fd, %dx
2:  in %dx, %al
    test $0x20, %al
    jz 2b
    mov $0x3f8, %dx
    mov %bl, %al
    out %al, %dx
    jmp 1b
3:  mov $0x3fd, %dx
    in %dx, %al
    mov %al, OFF(res_lsr)

    /* A far call through a different segment:offset for the same bytes. */
    lcall $(RM_SEG - 0x10), $(OFF(rm_far) + 0x100)

    /* String I/O with 16-bit SI and CX. */
    mov $OFF(msg2), %si
    mov $(msg2_end - msg2), %cx
    mov $0x3f8, %dx
    cld
    rep outsb
    mov %si, OFF(res_si)
    mov %cx, OFF(res_cx)

    /* Segment arithmetic: 0x2000:0x0010 is linear 0x20010. */
    mov $0x2000, %ax
    mov %ax, %es
    movw $0xbeef, %es:0x10

    /* Back to protected mode. */
    lgdtl OFF(rm_gdt_ptr16)
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $SEL_CODE32, $rm_back32

rm_int40:
    push %bp
    mov %sp, %bp
    mov %ax, OFF(res_intax)
    incw OFF(res_int40n)
    mov 6(%bp), %ax                     /* FLAGS under IP, CS */
    mov %ax, OFF(res_intfl)
    pop %bp
    iret

rm_int3:
    incw OFF(res_int3)
    iret

rm_de:                                  /* a fault: IP on the DIV */
    push %bp
    mov %sp, %bp
    addw $2, 2(%bp)
    incw OFF(res_de)
    pop %bp
    iret

rm_far:
    mov %cs, OFF(res_cs)
    movw $0x1234, OFF(res_far)
    lret

    .align 4
rm_gdt_ptr16:                           /* the same as rm_gdt_ptr, inside the copy */
    .word rm_gdt_end - rm_gdt - 1
    .long rm_gdt
rm_ivt_ptr:
    .word 0x3ff
    .long RM_BASE + RM_IVT
    .globl rm_results
rm_results:                             /* struct rm_results in realmode.c */
res_magic:  .word 0
res_msw:    .word 0
res_lsr:    .word 0
res_cs:     .word 0
res_far:    .word 0
res_si:     .word 0
res_cx:     .word 0
res_intax:  .word 0
res_intfl:  .word 0
res_int3:   .word 0
res_de:     .word 0
res_int40n: .word 0
msg1:
    .asciz "realmode: hello from 16-bit real mode (polled OUTB)\n"
msg2:
    .ascii "realmode: and from REP OUTSB with 16-bit SI and CX\n"
    .globl rm_msg2_end
rm_msg2_end:
msg2_end:
    .globl rm_end
rm_end:

    .code32
rm_back32:
    RM_TRIP_RESTORE rm_saved            /* the library's GDT: same selectors for code32/data */

    .section .data
    .align 16
rm_gdt:
    RM_TRIP_GDT_COMMON                  /* null, SEL_CODE32, SEL_DATA, -, SEL_CODE16, SEL_DATA16 */
rm_gdt_end:
rm_gdt_ptr:
    .word rm_gdt_end - rm_gdt - 1
    .long rm_gdt
    RM_TRIP_SAVE_AREA rm_saved

    .section .note.GNU-stack, "", @progbits
