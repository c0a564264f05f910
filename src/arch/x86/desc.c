/*
 * GDT, TSS and IDT.  Each CPU has its own GDT because the TSS descriptor
 * (and the TSS's IST stacks) are per CPU; the IDT is shared.
 */
#include "arch/x86/traps.h"
#include "arch/x86/layout.h"
#include "core/percpu.h"
#include "lib/string.h"

struct idt_gate {
    uint16_t off_lo, sel;
    uint8_t ist, attr;
    uint16_t off_mid;
    uint32_t off_hi, rsvd;
} __packed;

static struct idt_gate idt[256] __aligned(16);  /* (i) written on the boot CPU before APs start */
extern const uint64_t idt_stubs[256];

/* IST slots in the TSS (1-based in the gate): NMI, #DF and #MC get their own
 * stacks so they run on a known-good stack even if they hit while RSP is
 * bad (e.g. a stack overflow into the guard page). */
#define IST_NMI 1
#define IST_DF  2
#define IST_MC  3

static void set_gate(unsigned vec, uint64_t fn, unsigned ist)
{
    idt[vec] = (struct idt_gate){
        .off_lo = fn & 0xffff, .sel = BOOT_CS64, .ist = ist,
        .attr = 0x8e,                       /* present, DPL0, 64-bit interrupt gate */
        .off_mid = (fn >> 16) & 0xffff, .off_hi = fn >> 32,
    };
}

void idt_init(void)
{
    for (unsigned v = 0; v < 256; v++)
        set_gate(v, idt_stubs[v], 0);
    set_gate(X86_EXC_NMI, idt_stubs[X86_EXC_NMI], IST_NMI);
    set_gate(X86_EXC_DF, idt_stubs[X86_EXC_DF], IST_DF);
    set_gate(X86_EXC_MC, idt_stubs[X86_EXC_MC], IST_MC);
}

struct desc_ptr { uint16_t limit; uint64_t base; } __packed;

void cpu_desc_init(struct percpu *p)
{
    struct desc_ptr gdtr = { sizeof(p->gdt) - 1, (uint64_t)p->gdt };
    struct desc_ptr idtr = { sizeof(idt) - 1, (uint64_t)idt };
    uint64_t tss = (uint64_t)&p->tss;

    memset(p->gdt, 0, sizeof(p->gdt));
    p->gdt[BOOT_CS64 >> 3] = 0x00af9a000000ffffull;     /* 64-bit code, DPL0 */
    p->gdt[BOOT_DS >> 3]   = 0x00cf92000000ffffull;     /* data, DPL0 */
    p->gdt[BOOT_CS32 >> 3] = 0x00cf9a000000ffffull;     /* 32-bit code (trampoline) */
    /* 64-bit TSS descriptor (16 bytes), type 9 = available TSS. */
    p->gdt[4] = (sizeof(p->tss) - 1) | ((tss & 0xffffff) << 16) | (0x89ull << 40) |
                ((tss >> 24) & 0xff) << 56;
    p->gdt[5] = tss >> 32;

    memset(&p->tss, 0, sizeof(p->tss));
    p->tss.iomap_base = sizeof(p->tss);                 /* no I/O bitmap */
    p->tss.rsp[0] = p->stack_top;
    p->tss.ist[IST_NMI - 1] = p->ist_top[0];
    p->tss.ist[IST_DF - 1]  = p->ist_top[1];
    p->tss.ist[IST_MC - 1]  = p->ist_top[2];

    __asm__ __volatile__(
        "lgdt %0\n"
        "lidt %1\n"
        "mov %2, %%ds\n mov %2, %%es\n mov %2, %%ss\n"
        /* Reload CS with a far return to the next instruction. */
        "pushq %3\n lea 1f(%%rip), %%rax\n pushq %%rax\n lretq\n1:\n"
        "ltr %w4\n"
        :: "m"(gdtr), "m"(idtr), "r"((uint64_t)BOOT_DS), "i"(BOOT_CS64), "r"((uint64_t)0x20)
        : "rax", "memory");
}
