/*
 * The IDT and exception helpers shared by every test-guest library (idt.h).
 * Width-neutral: compiled once per width, into the HVM library (32- and
 * 64-bit halves) and into each PVH library.
 */
#include "idt.h"
#include "layout.h"                 /* SEL_CODE32, SEL_CODE64 */
#include "testlib.h"
#include "x86.h"

volatile int exc_caught = NO_FAULT;
volatile unsigned long exc_error;

#ifdef __x86_64__
struct idt_gate {                       /* Intel SDM vol. 3, figure 6-8 */
    uint16_t off_lo, sel;
    uint8_t ist, type;
    uint16_t off_mid;
    uint32_t off_hi, reserved;
};
#define GATE_SEL SEL_CODE64
#else
struct idt_gate {                       /* Intel SDM vol. 3, figure 6-2 */
    uint16_t off_lo, sel;
    uint8_t zero, type;
    uint16_t off_hi;
};
#define GATE_SEL SEL_CODE32
#endif

struct fixup {
    uintptr_t from, to;
};

extern const struct fixup __fixup_start[], __fixup_end[];
extern const char exc_stubs[];

static struct idt_gate idt[256] __attribute__((aligned(16)));

static const char *const names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS", "#NP",
    "#SS", "#GP", "#PF", "res15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "res22",
    "res23", "res24", "res25", "res26", "res27", "#HV", "#VC", "#SX", "res31",
};

const char *exc_name(unsigned vector)
{
    return vector < 32 ? names[vector] : "interrupt";
}

void idt_init(void)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        uintptr_t base;
    } idtr = { sizeof(idt) - 1, (uintptr_t)idt };

    for (unsigned v = 0; v < 256; v++) {
        uintptr_t a = (uintptr_t)exc_stubs + 16 * v;
        struct idt_gate *g = &idt[v];
        memset(g, 0, sizeof(*g));
        g->off_lo = (uint16_t)a;
        g->sel = GATE_SEL;
        g->type = 0x8e;                 /* present, DPL 0, interrupt gate (IF cleared on entry) */
#ifdef __x86_64__
        g->off_mid = (uint16_t)(a >> 16);
        g->off_hi = (uint32_t)(a >> 32);
#else
        g->off_hi = (uint16_t)(a >> 16);
#endif
    }
    asm volatile("lidt %0" : : "m"(idtr));
}

bool exc_fixup(struct exc_frame *f)
{
    for (const struct fixup *x = __fixup_start; x < __fixup_end; x++) {
        if (x->from == f->ip) {
            exc_caught = (int)f->vector;
            exc_error = (unsigned long)f->error;
            f->ip = x->to;
            return true;
        }
    }
    return false;
}

void exc_report(const struct exc_frame *f)
{
    unsigned long cr2;
    asm volatile("mov %%cr2, %0" : "=r"(cr2));
    check(false, "exception", "unexpected %s (vector %lu) error %#lx at %s %#lx, flags %#lx, CR2 %#lx",
          exc_name((unsigned)f->vector), (unsigned long)f->vector, (unsigned long)f->error,
#ifdef __x86_64__
          "RIP", (unsigned long)f->ip, (unsigned long)f->flags, cr2);
    printf("  RAX %#lx RBX %#lx RCX %#lx RDX %#lx\n  RSI %#lx RDI %#lx RBP %#lx RSP %#lx\n",
           f->rax, f->rbx, f->rcx, f->rdx, f->rsi, f->rdi, f->rbp, f->sp);
#else
          "EIP", (unsigned long)f->ip, (unsigned long)f->flags, cr2);
    printf("  EAX %#x EBX %#x ECX %#x EDX %#x\n  ESI %#x EDI %#x EBP %#x ESP %#x\n",
           f->eax, f->ebx, f->ecx, f->edx, f->esi, f->edi, f->ebp, (uint32_t)(uintptr_t)(f + 1));
#endif
}

void triple_fault(void)
{
    /* With an empty IDT no exception can be delivered: #UD -> #DF -> shutdown
     * (Intel SDM vol. 3, 6.15 "Interrupt 8"). */
    static const struct __attribute__((packed)) {
        uint16_t limit;
        uintptr_t base;
    } empty = { 0, 0 };
    asm volatile("lidt %0\n\tud2" : : "m"(empty));
    for (;;)
        asm volatile("cli; hlt");
}
