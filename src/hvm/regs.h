/* Guest general-purpose registers as common code sees them.  The offsets
 * are used by the backends' entry assembly (checked below). */
#ifndef RV_HVM_REGS_H
#define RV_HVM_REGS_H

#define GREG_RAX    0x00
#define GREG_RBX    0x08
#define GREG_RCX    0x10
#define GREG_RDX    0x18
#define GREG_RSI    0x20
#define GREG_RDI    0x28
#define GREG_RBP    0x30
#define GREG_RSP    0x38
#define GREG_R8     0x40
#define GREG_R9     0x48
#define GREG_R10    0x50
#define GREG_R11    0x58
#define GREG_R12    0x60
#define GREG_R13    0x68
#define GREG_R14    0x70
#define GREG_R15    0x78

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

#ifndef __ASSEMBLER__
#include "lib/compiler.h"

struct guest_regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags;
};
_Static_assert(offsetof(struct guest_regs, rbx) == GREG_RBX, "asm offsets");
_Static_assert(offsetof(struct guest_regs, rdi) == GREG_RDI, "asm offsets");
_Static_assert(offsetof(struct guest_regs, r15) == GREG_R15, "asm offsets");

/* Register n in the x86 encoding order (0 = rax ... 15 = r15). */
static inline uint64_t *guest_gpr(struct guest_regs *r, unsigned n)
{
    static const unsigned char map[16] = { 0, 2, 3, 1, 7, 6, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15 };
    return &((uint64_t *)r)[map[n & 15]];
}
#endif
#endif
