/*
 * The 32-bit ends of a test guest's trip down to real mode and back
 * (realmode_rm.S, bigreal_rm.S): what the caller's C code expects kept
 * (callee-saved registers, EFLAGS, ESP), and the library's GDTR and IDTR,
 * which the trip replaces.  Include from a .S file only; the trip's own
 * GDT must have SEL_CODE32 and SEL_DATA as the library's (layout.h).
 */
#ifndef GUEST_RM_TRIP_H
#define GUEST_RM_TRIP_H

#include "entry_macros.h"           /* layout.h, LOAD_DATA_SEGMENTS */

/* Entry, 32-bit: save, interrupts off, the GDTR/IDTR into `save`. */
.macro RM_TRIP_SAVE save
    push %ebp
    push %ebx
    push %esi
    push %edi
    pushf
    cli
    mov %esp, \save
    sgdt \save + 4
    sidt \save + 10
.endm

/* Back in 32-bit protected mode (CS = SEL_CODE32 of the trip's GDT):
 * flat data segments, the library's GDT and IDT, the caller's state. */
.macro RM_TRIP_RESTORE save
    LOAD_DATA_SEGMENTS
    lgdt \save + 4
    ljmp $SEL_CODE32, $1f
1:  lidt \save + 10
    mov \save, %esp
    popf
    pop %edi
    pop %esi
    pop %ebx
    pop %ebp
    ret
.endm

/* The first six entries of a trip's GDT: null, SEL_CODE32 and SEL_DATA as
 * the library's, a free slot, 0x20: 16-bit code at base 0x10000 (the
 * real-mode copy of the trip's code) and 0x28: 16-bit data at base 0, both
 * with the 64 KiB limit real mode expects. */
.macro RM_TRIP_GDT_COMMON
    .quad 0
    .quad 0x00cf9a000000ffff            /* SEL_CODE32 */
    .quad 0x00cf92000000ffff            /* SEL_DATA */
    .quad 0
    .quad 0x00009a010000ffff            /* 0x20: base 0x10000, limit 0xffff, 16-bit */
    .quad 0x000092000000ffff            /* 0x28: base 0, limit 0xffff */
.endm

/* The save area: ESP, then GDTR and IDTR images (6 bytes each). */
.macro RM_TRIP_SAVE_AREA save
    .align 4
\save:
    .long 0
    .word 0
    .long 0
    .word 0
    .long 0
.endm

#endif
