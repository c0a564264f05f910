/*
 * User mode (CPL 3) for the 32-bit HVM test guests (user.c).  Not in the
 * 64-bit half.
 *
 * user_call(fn, arg) runs fn(arg) at CPL 3 on its own stack, with flat
 * 32-bit user code and data segments (DPL 3) and paging as it is, and
 * returns fn's result at CPL 0.  The first call installs a larger GDT (the
 * library's four descriptors at their selectors, then USER_CS, USER_DS, a
 * TSS and a call gate) and loads TR; exceptions at CPL 3 arrive on the
 * TSS's ring-0 stack and go through the IDT as usual, so rdmsr_safe(),
 * EXC_FIXUP and friends work in fn too (a fixup resumes fn at CPL 3).
 * fn returns to CPL 0 through the call gate.  Interrupts stay as they are
 * (EFLAGS is copied); IOPL is 0, so fn cannot change IF.
 */
#ifndef GUEST_USER_H
#define GUEST_USER_H

#include <stdint.h>

#define USER_CS     (0x20 | 3)
#define USER_DS     (0x28 | 3)
#define USER_TSS    0x30
#define USER_GATE   (0x38 | 3)

uint32_t user_call(uint32_t (*fn)(uint32_t), uint32_t arg);
/* The CPL fn runs at, read from CS (for a check that it really is 3). */
static inline unsigned user_cpl(void)
{
    uint16_t cs;
    asm volatile("mov %%cs, %0" : "=r"(cs));
    return cs & 3;
}

#endif
