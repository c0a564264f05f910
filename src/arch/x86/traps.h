/* Exceptions, interrupts, descriptor tables. */
#ifndef RV_ARCH_X86_TRAPS_H
#define RV_ARCH_X86_TRAPS_H

#include "lib/compiler.h"

struct cpu_regs {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;      /* pushed by the CPU */
};

/* Vectors (docs/interrupts.md).  0x20-0x2f: legacy PIC (masked; only
 * spurious interrupts arrive); 0x30-0xdf: device interrupts via the IOAPIC. */
#define VEC_PIC_BASE        0x20
#define VEC_DEVICE_FIRST    0x30
#define VEC_DEVICE_LAST     0xdf
#define VEC_TIMER           0xf0
#define VEC_CALL_FUNCTION   0xf1
#define VEC_EVENT_CHECK     0xf2
#define VEC_APIC_ERROR      0xfe
#define VEC_SPURIOUS        0xff

#define X86_EXC_DE  0
#define X86_EXC_DB  1
#define X86_EXC_NMI 2
#define X86_EXC_UD  6
#define X86_EXC_DF  8
#define X86_EXC_GP  13
#define X86_EXC_PF  14
#define X86_EXC_MC  18

struct percpu;
void idt_init(void);                        /* build the shared IDT (boot CPU) */
void cpu_desc_init(struct percpu *p);       /* load GDT/TSS/IDT on the running CPU */
typedef void (*irq_handler_t)(struct cpu_regs *regs);
void set_irq_handler(unsigned vector, irq_handler_t fn);
/* The common handler of every vector (entry.S); the PV run loop calls it
 * for a host interrupt that arrived while a guest ran in ring 3. */
void x86_trap(struct cpu_regs *regs);
const char *exception_name(unsigned vec);
/* A #DB taken in ring 0 (db_trap.c): recorded for the PV vCPU running
 * here, never fatal. */
void x86_db_ring0(struct cpu_regs *regs);

#endif
