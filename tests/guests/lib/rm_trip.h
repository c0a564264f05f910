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
