/*
 * Exceptions and interrupts in the test guests.
 *
 * Every vector has a gate (idt32.S / idt64.S stubs).  An exception at an
 * instruction listed in the .rv_fixup table (see x86.h: rdmsr_safe() and
 * friends) is expected: its vector and error code go to exc_caught /
 * exc_error and execution resumes at the fixup address.  Any other exception
 * is a test failure: we print the vector, error code and instruction pointer
 * and end the guest (finish() -> crash), so an unexpected guest exception is
 * visible in the log instead of looking like a hang.  Vectors 32-255
 * (external interrupts) are counted and dismissed.
 */
#include "guest.h"

volatile int exc_caught = NO_FAULT;
volatile unsigned long exc_error;

#ifdef __x86_64__
struct exc_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t ip, cs, flags, sp, ss;     /* pushed by the CPU */
};

struct idt_gate {                       /* Intel SDM vol. 3, figure 6-8 */
    uint16_t off_lo, sel;
    uint8_t ist, type;
    uint16_t off_mid;
    uint32_t off_hi, reserved;
};
#define GATE_SEL SEL_CODE64
#else
struct exc_frame {
    uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;     /* PUSHA */
    uint32_t vector, error;
    uint32_t ip, cs, flags;             /* pushed by the CPU (same privilege: no SS:ESP) */
};

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
static int exc_depth;

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

void exc_dispatch(struct exc_frame *f);

void (*volatile irq_hook)(unsigned vector);

void exc_dispatch(struct exc_frame *f)
{
    /* Interrupts, and NMIs when a test installed a hook for them. */
    if (f->vector >= 32 || (f->vector == 2 && irq_hook)) {
        gi->irq_count++;
        gi->irq_last = (uint32_t)f->vector;
        if (irq_hook)
            irq_hook((unsigned)f->vector);
        return;
    }
    for (const struct fixup *x = __fixup_start; x < __fixup_end; x++) {
        if (x->from == f->ip) {
            exc_caught = (int)f->vector;
            exc_error = (unsigned long)f->error;
            f->ip = x->to;
            return;
        }
    }
    if (exc_depth++) {
        /* Faulting while reporting a fault: stop without more output. */
        triple_fault();
    }
    check(false, "exception", "unexpected %s (vector %lu) error %#lx at %s %#lx, flags %#lx",
          exc_name((unsigned)f->vector), (unsigned long)f->vector, (unsigned long)f->error,
#ifdef __x86_64__
          "RIP", (unsigned long)f->ip, (unsigned long)f->flags);
    printf("  RAX %#lx RBX %#lx RCX %#lx RDX %#lx\n  RSI %#lx RDI %#lx RBP %#lx RSP %#lx\n",
           f->rax, f->rbx, f->rcx, f->rdx, f->rsi, f->rdi, f->rbp, f->sp);
#else
          "EIP", (unsigned long)f->ip, (unsigned long)f->flags);
    printf("  EAX %#x EBX %#x ECX %#x EDX %#x\n  ESI %#x EDI %#x EBP %#x ESP %#x\n",
           f->eax, f->ebx, f->ecx, f->edx, f->esi, f->edi, f->ebp, (uint32_t)(uintptr_t)(f + 1));
#endif
    finish();
}
