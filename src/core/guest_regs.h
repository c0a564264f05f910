/* The guest's general-purpose registers as every kind of vCPU keeps them
 * (HVM, PVH and PV alike: struct vcpu's regs).  The offsets are used by
 * the HVM backends' entry assembly (hvm/regs.h has its macros), hence the
 * assertions below; this header is includable from assembly. */
#ifndef RV_CORE_GUEST_REGS_H
#define RV_CORE_GUEST_REGS_H

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
