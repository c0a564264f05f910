/*
 * umip: CR4.UMIP (User-Mode Instruction Prevention, SDM vol. 3, 2.5), which
 * Ringvisor offers in CPUID 7.0:ECX[2] also where the CPU lacks it, by
 * intercepting the instructions (docs/hvm-platform.md).
 *   - CPUID offers UMIP and CR4.UMIP can be set and read back;
 *   - with UMIP on, at CPL 0: LGDT, LLDT, LTR (intercepted and emulated
 *     under VMX) load what SGDT, SIDT, SLDT, STR, SMSW then store, and
 *     MOV from CR0/CR4 (intercepted under SVM) read the right values;
 *   - with UMIP on, at CPL 3: SGDT, SIDT, SLDT, STR, SMSW raise #GP(0) with
 *     nothing stored (except SMSW under Intel VMX with emulated UMIP: VMX
 *     has no exit for SMSW, reported as SKIP);
 *   - with UMIP off, at CPL 3: all five work and store the CPL-0 values.
 * CPL 3 through the library's ring3_call (lib/ring3.c).
 */
#include "guest.h"

#define CR4_UMIP    (1u << 11)

struct __attribute__((packed)) dtr {
    uint16_t limit;
    uintptr_t base;
};

/* The library's GDT (ring3.c: 9 entries, TSS at 0x38) copied, plus an LDT
 * descriptor at 0x48 for an 8-entry LDT. */
#define SEL_TSS 0x38
#define SEL_LDT 0x48
static uint64_t gdt[12] __attribute__((aligned(16)));
static uint64_t ldt[8] __attribute__((aligned(16)));

static void write_cr4(unsigned long v)
{
    asm volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static unsigned long dummy(unsigned long a)
{
    return a + 1;
}

/* What each instruction stored, and the exception it raised (NO_FAULT). */
struct result {
    struct dtr gdtr, idtr;
    unsigned long ldtr, tr, msw;
    int exc[5];
    unsigned long err[5];
};
static struct result res;
#define MARK 0x5a5a5a5aul

static unsigned long run_five(unsigned long unused)
{
    (void)unused;
    memset(&res, 0x5a, sizeof(res));
    res.ldtr = res.tr = res.msw = MARK;
    exc_clear();
    asm volatile("1: sgdt %0\n2:\n\t" EXC_FIXUP("1b", "2b") : "=m"(res.gdtr) : : "memory");
    res.exc[0] = exc_caught;
    res.err[0] = exc_error;
    exc_clear();
    asm volatile("1: sidt %0\n2:\n\t" EXC_FIXUP("1b", "2b") : "=m"(res.idtr) : : "memory");
    res.exc[1] = exc_caught;
    res.err[1] = exc_error;
    exc_clear();
    asm volatile("1: sldt %k0\n2:\n\t" EXC_FIXUP("1b", "2b") : "+r"(res.ldtr) : : "memory");
    res.exc[2] = exc_caught;
    res.err[2] = exc_error;
    exc_clear();
    asm volatile("1: str %k0\n2:\n\t" EXC_FIXUP("1b", "2b") : "+r"(res.tr) : : "memory");
    res.exc[3] = exc_caught;
    res.err[3] = exc_error;
    exc_clear();
    asm volatile("1: smsw %0\n2:\n\t" EXC_FIXUP("1b", "2b") : "+r"(res.msw) : : "memory");
    res.exc[4] = exc_caught;
    res.err[4] = exc_error;
    return 0;
}

static bool intel(void)
{
    uint32_t a, b, c, d;
    asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
    return b == 0x756e6547;             /* "Genu" */
}

static const char *const names[5] = { "sgdt", "sidt", "sldt", "str", "smsw" };

/* The five results against the expected values (want_gp: #GP(0) and
 * nothing stored). */
static void check_five(const char *when, bool want_gp, const struct dtr *g, const struct dtr *i, unsigned long cr0)
{
    bool stored[5] = {
        res.gdtr.limit == g->limit && res.gdtr.base == g->base,
        res.idtr.limit == i->limit && res.idtr.base == i->base,
        res.ldtr == SEL_LDT,
        res.tr == SEL_TSS,
        res.msw == cr0,
    };
    bool untouched[5] = {
        res.gdtr.limit == 0x5a5a, res.idtr.limit == 0x5a5a, res.ldtr == MARK, res.tr == MARK, res.msw == MARK,
    };
    char name[48];

    for (unsigned k = 0; k < 5; k++) {
        size_t n = strlen(names[k]), m = strlen(when);
        memcpy(name, names[k], n);
        name[n] = '-';
        memcpy(name + n + 1, when, m + 1);
        if (want_gp) {
            if (k == 4 && res.exc[k] == NO_FAULT && intel()) {
                skip(name, "SMSW at CPL 3 worked: VMX has no exit for SMSW, emulated UMIP cannot stop it");
                continue;
            }
            check(res.exc[k] == EXC_GP && res.err[k] == 0 && untouched[k], name,
                  "%s (error %#lx), %s; expected #GP(0), nothing stored",
                  res.exc[k] == NO_FAULT ? "no exception" : exc_name((unsigned)res.exc[k]), res.err[k],
                  untouched[k] ? "nothing stored" : "destination changed");
        } else {
            check(res.exc[k] == NO_FAULT && stored[k], name,
                  "%s; stored gdtr %#x/%#lx idtr %#x/%#lx ldtr %#lx tr %#lx msw %#lx (cr0 %#lx)",
                  res.exc[k] == NO_FAULT ? "no exception" : exc_name((unsigned)res.exc[k]), res.gdtr.limit,
                  (unsigned long)res.gdtr.base, res.idtr.limit, (unsigned long)res.idtr.base, res.ldtr, res.tr,
                  res.msw, cr0);
        }
    }
}

void test_main(void)
{
    struct dtr g, i;
    uint32_t a, b, c, d;
    unsigned long cr4, cr0, v;

    hv_require();
    asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
    if (!check(c & (1u << 2), "cpuid-umip", "CPUID 7.0:ECX %#x without UMIP (bit 2)", c))
        return;
    check(ring3_call(dummy, 41) == 42, "ring3-call", "a function at CPL 3 did not return its value");

    /* UMIP on; its CR4 bit reads back (SVM: an intercepted, emulated read). */
    cr4 = read_cr4();
    write_cr4(cr4 | CR4_UMIP);
    v = read_cr4();
    if (!check(v & CR4_UMIP, "cr4-umip", "CR4 %#lx after setting UMIP", v))
        return;
    cr0 = read_cr0();
    v = read_cr0();
    check(v == cr0 && (v & CR0_PE), "cr0-read", "CR0 %#lx then %#lx", cr0, v);

    /* Loads at CPL 0 with UMIP on (VMX: descriptor-table exits, emulated). */
    asm volatile("sgdt %0" : "=m"(g));
    memcpy(gdt, (void *)g.base, 9 * 8);
    gdt[SEL_TSS / 8] &= ~(2ull << 40);                              /* busy -> available, for LTR */
    gdt[SEL_LDT / 8] = (sizeof(ldt) - 1) | (((uint64_t)(uintptr_t)ldt & 0xffffff) << 16) | (0x82ull << 40) |
                       ((uint64_t)((uintptr_t)ldt >> 24 & 0xff) << 56);
    gdt[SEL_LDT / 8 + 1] = (uint64_t)(uintptr_t)ldt >> 32;         /* long mode: 16-byte descriptor */
    g.limit = sizeof(gdt) - 1;
    g.base = (uintptr_t)gdt;
    asm volatile("lgdt %0\n\tlldt %w1\n\tltr %w2" : : "m"(g), "r"(SEL_LDT), "r"(SEL_TSS) : "memory");
    check(((gdt[SEL_TSS / 8] >> 40) & 0xf) == 0xb, "ltr-busy", "TSS descriptor type %#x after LTR, expected 0xb",
          (unsigned)((gdt[SEL_TSS / 8] >> 40) & 0xf));
    asm volatile("sidt %0" : "=m"(i));
    /* The IDT again, through LIDT (emulated under VMX), unchanged. */
    asm volatile("lidt %0" : : "m"(i));

    cr0 = read_cr0();
    run_five(0);
    check_five("cpl0-umip", false, &g, &i, cr0);
    ring3_call(run_five, 0);
    check_five("cpl3-umip", true, &g, &i, cr0);

    write_cr4(cr4 & ~(unsigned long)CR4_UMIP);
    check(!(read_cr4() & CR4_UMIP), "cr4-umip-off", "CR4 %#lx after clearing UMIP", read_cr4());
    ring3_call(run_five, 0);
    check_five("cpl3", false, &g, &i, cr0);
    run_five(0);
    check_five("cpl0", false, &g, &i, cr0);
}
