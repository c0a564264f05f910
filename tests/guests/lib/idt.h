/*
 * The IDT of every test guest (idt.c, stubs in idt32.S / idt64.S): each
 * vector's stub saves the registers as struct exc_frame and calls
 * exc_dispatch(), which each library defines (lib/exc.c for the HVM guests,
 * lib/pvh_common.c for the PVH ones) from the helpers below.
 */
#ifndef GUEST_IDT_H
#define GUEST_IDT_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __x86_64__
struct exc_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t ip, cs, flags, sp, ss;     /* pushed by the CPU */
};
#else
struct exc_frame {
    uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;     /* PUSHA */
    uint32_t vector, error;
    uint32_t ip, cs, flags;             /* pushed by the CPU (same privilege: no SS:ESP) */
};
#endif

/* Every vector to its stub (exc_stubs + 16 * vector) through an interrupt
 * gate of the code selector of the current width (layout.h: SEL_CODE32 or
 * SEL_CODE64, the same in every guest's GDT). */
void idt_init(void);
/* "#PF" etc. for vectors 0-31, "interrupt" above. */
const char *exc_name(unsigned vector);
/* If the faulting instruction is in the .rv_fixup table (x86.h): records
 * the vector and error code in exc_caught / exc_error, resumes at the fixup
 * address and returns true. */
bool exc_fixup(struct exc_frame *f);
/* An unexpected exception: a FAIL line (check()) with the vector, error
 * code, instruction pointer and flags, then the general registers. */
void exc_report(const struct exc_frame *f);
/* Stops the guest at once without a hypercall: empty IDT + #UD = triple
 * fault (a crash for a domain, the end of a QEMU -no-reboot run). */
__attribute__((noreturn)) void triple_fault(void);

/* Defined by each library: called by the stubs. */
void exc_dispatch(struct exc_frame *f);

#endif
