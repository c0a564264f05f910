/* The HVM backends' entry assembly for the guest's general-purpose
 * registers (struct guest_regs and its offsets: core/guest_regs.h). */
#ifndef RV_HVM_REGS_H
#define RV_HVM_REGS_H

#include "core/guest_regs.h"

#ifdef __ASSEMBLER__
/* The general-purpose registers both backends' entry code swaps the same
 * way: all but RAX, RSP and RDI, which each one handles on its own (SVM
 * keeps RAX/RSP in the VMCB, VMX uses RDI as the pointer to the block). */
.macro GUEST_GPRS_LOAD base
    mov     GREG_RBX(\base), %rbx
    mov     GREG_RCX(\base), %rcx
    mov     GREG_RDX(\base), %rdx
    mov     GREG_RBP(\base), %rbp
    mov     GREG_RSI(\base), %rsi
    mov     GREG_R8(\base), %r8
    mov     GREG_R9(\base), %r9
    mov     GREG_R10(\base), %r10
    mov     GREG_R11(\base), %r11
    mov     GREG_R12(\base), %r12
    mov     GREG_R13(\base), %r13
    mov     GREG_R14(\base), %r14
    mov     GREG_R15(\base), %r15
.endm
.macro GUEST_GPRS_SAVE base
    mov     %rbx, GREG_RBX(\base)
    mov     %rcx, GREG_RCX(\base)
    mov     %rdx, GREG_RDX(\base)
    mov     %rbp, GREG_RBP(\base)
    mov     %rsi, GREG_RSI(\base)
    mov     %r8, GREG_R8(\base)
    mov     %r9, GREG_R9(\base)
    mov     %r10, GREG_R10(\base)
    mov     %r11, GREG_R11(\base)
    mov     %r12, GREG_R12(\base)
    mov     %r13, GREG_R13(\base)
    mov     %r14, GREG_R14(\base)
    mov     %r15, GREG_R15(\base)
.endm
#endif

#endif
