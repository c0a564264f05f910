/*
 * emul_exc: the exceptions an instruction raises by its kind, natively and
 * through the instruction emulator (forced-emulation prefix), which must
 * agree:
 *   - INT3 (#BP) and INT1/ICEBP (#DB) are traps: the handler's return
 *     address is the next instruction; INTO with OF set (#OF trap) and
 *     clear (nothing), #UD in 64-bit mode;
 *   - INT n through a present gate is delivered; through a not-present
 *     gate it is #NP(n*8+2), through a call gate #GP(n*8+2), past the IDT
 *     limit #GP(n*8+2), from CPL 3 through a DPL 0 gate #GP(n*8+2), each a
 *     fault (RIP on the INT);
 *   - x87 with CR0.EM or CR0.TS: #NM; WAIT with CR0.TS and CR0.MP: #NM,
 *     with TS alone nothing; MMX with EM: #UD, with TS: #NM; SSE with EM
 *     or CR4.OSFXSR clear: #UD (not #NM), with TS: #NM; FXSAVE with EM:
 *     #NM; LDMXCSR with EM: #UD; VEX (VXORPS) with CR4.OSXSAVE clear
 *     (XSAVE is not offered): #UD;
 *   - a memory operand past the segment limit or non-canonical: #SS(0)
 *     through rBP/rSP, #GP(0) otherwise.
 * With "fep=on" on the guest's command line (the emul_exc[64]_on.cfg
 * variants, run with hvm_fep on the hypervisor's command line) each check
 * also runs after the prefix ("-fep" checks), except those where the
 * instruction raises nothing: the emulator does not execute x87/SSE/AVX
 * instructions (it would answer #UD, docs/hvm-platform.md).
 * The gate-DPL check: INT n and INT3 from CPL 3 (lib/ring3.c) through the
 * library's DPL 0 gates are #GP(vector*8+2).
 */
#include "guest.h"

#define FEP ".byte 0x0f, 0x0b, 0x78, 0x65, 0x6e\n\t"
#ifdef __x86_64__
#define R(x) "%%r" x
#else
#define R(x) "%%e" x
#endif

#define CR0_MP  (1u << 1)
#define CR0_EM  (1u << 2)
#define CR0_TS  (1u << 3)
#define CR4_OSFXSR (1u << 9)
#define NO_ERR  (~0ul)

/* Set by the fault path: the exception came back with the address of the
 * instruction itself (a fault), not the next one (a trap). */
static volatile int at_insn;
static uint8_t scratch[512] __attribute__((aligned(16)));

/*
 * One instruction at label 1, natively or after the prefix; `pre` runs
 * before (and before the prefix), `post` after either path.  A fault at 1
 * resumes at 3 (at_insn = 1), a trap whose return address is 2 at 2.
 * EAX/RAX = a and EDX/RDX = d on entry.
 */
#define BODY(pre, insn, post) \
    pre "1: " insn "\n2: jmp 4f\n3: movl $1, %[at]\n4:\n\t" post "\n\t" EXC_FIXUP("1b", "3b") EXC_FIXUP("2b", "2b")
#define CASE(name, pre, insn, post)                                                                      \
    static void name(bool fep, unsigned long a, unsigned long d)                                         \
    {                                                                                                    \
        if (fep)                                                                                         \
            asm volatile(BODY(pre FEP, insn, post) : [at] "+m"(at_insn), "+a"(a), "+d"(d) : : "memory", "cc"); \
        else                                                                                             \
            asm volatile(BODY(pre, insn, post) : [at] "+m"(at_insn), "+a"(a), "+d"(d) : : "memory", "cc"); \
    }

CASE(c_int3, "", "int3", "")
CASE(c_icebp, "", ".byte 0xf1", "")
/* OF from 0x7f + 1 in AL (d != 0), or cleared by 0 + 0 (d == 0). */
CASE(c_into, "test %%edx, %%edx\n\tjz 5f\n\tmov $0x7f, %%al\n\tadd $1, %%al\n\tjmp 6f\n5: add $0, %%al\n6:\n\t",
     ".byte 0xce", "")
CASE(c_int40, "", "int $0x40", "")
CASE(c_int41, "", "int $0x41", "")
CASE(c_int42, "", "int $0x42", "")
CASE(c_int60, "", "int $0x60", "")
CASE(c_fnop, "", "fnop", "")
CASE(c_fwait, "", "fwait", "")
CASE(c_xorps, "", "xorps %%xmm0, %%xmm0", "")
CASE(c_pxor_mm, "", "pxor %%mm0, %%mm0", "")
CASE(c_vxorps, "", "vxorps %%xmm0, %%xmm0, %%xmm0", "")
CASE(c_fxsave, "", "fxsave (" R("ax") ")", "")
CASE(c_ldmxcsr, "", "ldmxcsr (" R("ax") ")", "")
CASE(c_mov_rax, "", "movl (" R("ax") "), %%eax", "")
CASE(c_mov_rbp, "push " R("bp") "\n\tmov " R("dx") ", " R("bp") "\n\t", "movl (" R("bp") "), %%eax",
     "pop " R("bp"))

/* The IDT as the library set it up, and changes to it. */
struct __attribute__((packed)) dtr {
    uint16_t limit;
    uintptr_t base;
};
static struct dtr idtr;
#ifdef __x86_64__
#define GATE_SIZE 16
#else
#define GATE_SIZE 8
#endif
static uint8_t *gate_type(unsigned vec)
{
    return (uint8_t *)idtr.base + vec * GATE_SIZE + 5;
}
static uint8_t saved41, saved42;
static void idt_prep(void)
{
    saved41 = *gate_type(0x41);
    saved42 = *gate_type(0x42);
    *gate_type(0x41) = saved41 & 0x7f;          /* not present */
    *gate_type(0x42) = 0x8c;                    /* a call gate: not allowed in the IDT */
}
static void idt_undo(void)
{
    *gate_type(0x41) = saved41;
    *gate_type(0x42) = saved42;
}
static void idt_short(void)
{
    struct dtr s = { 0x50 * GATE_SIZE - 1, idtr.base };     /* vectors 0-0x4f */
    asm volatile("lidt %0" : : "m"(s));
}
static void idt_full(void)
{
    asm volatile("lidt %0" : : "m"(idtr));
}

struct tcase {
    const char *name;
    void (*fn)(bool fep, unsigned long a, unsigned long d);
    unsigned long a, d;
    uint32_t cr0_set, cr0_clr, cr4_set, cr4_clr;
    int vec;                    /* NO_FAULT or the vector */
    unsigned long err;          /* NO_ERR: no error code checked */
    bool trap;                  /* returns after the instruction */
    bool no_fep;                /* no exception: natively only */
    int irq;                    /* the INT n vector that must be delivered, or 0 */
    void (*prep)(void), (*undo)(void);
    bool only32, only64;
    /* A native outcome that differs from the manuals in QEMU's TCG CPU
     * (7.2): reported as SKIP with the reason, natively only.  alt_vec 0:
     * none; alt_err NO_ERR: any error code. */
    int alt_vec;
    unsigned long alt_err;
    const char *alt_why;
    bool ring3;                 /* the instruction runs at CPL 3 (lib/ring3.c) */
};

#define NONCANON 0x8000000000000000ul
#define TCG_ICEBP .alt_vec = EXC_UD, .alt_err = NO_ERR, .alt_why = "QEMU TCG does not implement ICEBP (#UD)"
#define TCG_SSE_TS .alt_vec = 7, .alt_err = NO_ERR, .alt_why = "QEMU TCG checks CR0.TS before CR0.EM for SSE"
#ifdef __x86_64__
/* The manuals' error code names the gate by its vector, whatever the gate
 * size (SDM vol. 3, 6.13; APM vol. 2, 8.4.1). */
#define TCG_IDT_ERR(vec, v) .alt_vec = vec, .alt_err = (v) * 16 + 2, \
    .alt_why = "QEMU TCG's long-mode IDT error code is vector*16+2"
#define TCG_SS .alt_vec = EXC_GP, .alt_err = 0, .alt_why = "QEMU TCG raises #GP for a non-canonical stack reference"
#else
#define TCG_IDT_ERR(vec, v) .alt_vec = 0
#endif
static const struct tcase cases[] = {
    { "int3", c_int3, .vec = EXC_BP, .err = NO_ERR, .trap = true },
    { "icebp", c_icebp, .vec = 1, .err = NO_ERR, .trap = true, TCG_ICEBP },
    { "into-of", c_into, .d = 1, .vec = 4, .err = NO_ERR, .trap = true, .only32 = true },
    { "into-no-of", c_into, .d = 0, .vec = NO_FAULT, .only32 = true },
    { "into-64", c_into, .d = 1, .vec = EXC_UD, .err = NO_ERR, .only64 = true },
    { "int-present", c_int40, .vec = NO_FAULT, .irq = 0x40 },
    { "int-not-present", c_int41, .vec = 11, .err = 0x41 * 8 + 2, .prep = idt_prep, .undo = idt_undo,
      TCG_IDT_ERR(11, 0x41) },
    { "int-call-gate", c_int42, .vec = EXC_GP, .err = 0x42 * 8 + 2, .prep = idt_prep, .undo = idt_undo,
      TCG_IDT_ERR(EXC_GP, 0x42) },
    /* From CPL 3 through the library's DPL 0 gates: #GP(vector*8+2). */
    { "int-dpl-cpl3", c_int40, .vec = EXC_GP, .err = 0x40 * 8 + 2, .ring3 = true, TCG_IDT_ERR(EXC_GP, 0x40) },
    { "int3-dpl-cpl3", c_int3, .vec = EXC_GP, .err = 3 * 8 + 2, .ring3 = true, TCG_IDT_ERR(EXC_GP, 3) },
    { "int-past-limit", c_int60, .vec = EXC_GP, .err = 0x60 * 8 + 2, .prep = idt_short, .undo = idt_full,
      TCG_IDT_ERR(EXC_GP, 0x60) },
    { "x87-em", c_fnop, .cr0_set = CR0_EM, .vec = 7, .err = NO_ERR },
    { "x87-ts", c_fnop, .cr0_set = CR0_TS, .vec = 7, .err = NO_ERR },
    { "x87-clear", c_fnop, .cr0_clr = CR0_EM | CR0_TS, .vec = NO_FAULT, .no_fep = true },
    { "wait-mp-ts", c_fwait, .cr0_set = CR0_MP | CR0_TS, .vec = 7, .err = NO_ERR },
    { "wait-ts", c_fwait, .cr0_set = CR0_TS, .cr0_clr = CR0_MP, .vec = NO_FAULT, .no_fep = true },
    { "mmx-em", c_pxor_mm, .cr0_set = CR0_EM, .vec = EXC_UD, .err = NO_ERR },
    { "mmx-ts", c_pxor_mm, .cr0_set = CR0_TS, .cr0_clr = CR0_EM, .vec = 7, .err = NO_ERR },
    { "sse-em", c_xorps, .cr0_set = CR0_EM, .cr0_clr = CR0_TS, .cr4_set = CR4_OSFXSR, .vec = EXC_UD,
      .err = NO_ERR },
    { "sse-em-ts", c_xorps, .cr0_set = CR0_EM | CR0_TS, .cr4_set = CR4_OSFXSR, .vec = EXC_UD, .err = NO_ERR,
      TCG_SSE_TS },
    { "sse-ts", c_xorps, .cr0_set = CR0_TS, .cr0_clr = CR0_EM, .cr4_set = CR4_OSFXSR, .vec = 7, .err = NO_ERR },
    { "sse-no-osfxsr", c_xorps, .cr0_clr = CR0_EM | CR0_TS, .cr4_clr = CR4_OSFXSR, .vec = EXC_UD,
      .err = NO_ERR },
    { "sse-clear", c_xorps, .cr0_clr = CR0_EM | CR0_TS, .cr4_set = CR4_OSFXSR, .vec = NO_FAULT, .no_fep = true },
    { "fxsave-em", c_fxsave, .a = 0, .cr0_set = CR0_EM, .cr4_set = CR4_OSFXSR, .vec = 7, .err = NO_ERR },
    { "ldmxcsr-em", c_ldmxcsr, .a = 0, .cr0_set = CR0_EM, .cr4_set = CR4_OSFXSR, .vec = EXC_UD, .err = NO_ERR },
    { "vex-no-osxsave", c_vxorps, .cr4_set = CR4_OSFXSR, .vec = EXC_UD, .err = NO_ERR },
#ifdef __x86_64__
    { "mem-noncanonical", c_mov_rax, .a = NONCANON, .vec = EXC_GP, .err = 0 },
    { "mem-noncanonical-rbp", c_mov_rbp, .d = NONCANON, .vec = 12, .err = 0, TCG_SS },
#else
    { "mem-limit", c_mov_rax, .a = 0xfffffffeul, .vec = EXC_GP, .err = 0 },
    { "mem-limit-ebp", c_mov_rbp, .d = 0xfffffffeul, .vec = 12, .err = 0 },
#endif
};

static const char *vec_str(int vec)
{
    return vec == NO_FAULT ? "no exception" : exc_name((unsigned)vec);
}

static void write_cr0(unsigned long v)
{
    asm volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static void write_cr4(unsigned long v)
{
    asm volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

/* For ring3_call: the case being run and how. */
static const struct tcase *r3_case;
static bool r3_fep;
static unsigned long r3_run(unsigned long a)
{
    r3_case->fn(r3_fep, a, r3_case->d);
    return 0;
}

static void run_case(const struct tcase *t, bool fep)
{
    unsigned long cr0 = read_cr0(), cr4 = read_cr4(), a = t->a, err;
    uint32_t irqs = gi->irq_count;
    char name[64];
    int vec, at;
    bool ok;

    /* Operands that name memory point at the scratch buffer unless given. */
    if ((t->fn == c_fxsave || t->fn == c_ldmxcsr) && !a)
        a = (uintptr_t)scratch;
    if (t->prep)
        t->prep();
    write_cr4((cr4 | t->cr4_set) & ~(unsigned long)t->cr4_clr);
    write_cr0((cr0 | t->cr0_set) & ~(unsigned long)t->cr0_clr);
    exc_clear();
    at_insn = 0;
    if (t->ring3) {
        r3_case = t;
        r3_fep = fep;
        ring3_call(r3_run, a);
    } else {
        t->fn(fep, a, t->d);
    }
    vec = exc_caught;
    err = exc_error;
    at = at_insn;
    write_cr0(cr0);
    write_cr4(cr4);
    if (t->undo)
        t->undo();

    {
        size_t n = strlen(t->name);
        const char *sfx = fep ? "-fep" : "-native";
        memcpy(name, t->name, n);
        memcpy(name + n, sfx, strlen(sfx) + 1);
    }
    ok = vec == t->vec;
    if (ok && vec != NO_FAULT) {
        ok = at == !t->trap && (t->err == NO_ERR || err == t->err);
    }
    if (ok && t->irq)
        ok = gi->irq_count == irqs + 1 && gi->irq_last == (uint32_t)t->irq;
    if (!ok && !fep && t->alt_vec && vec == t->alt_vec && (t->alt_err == NO_ERR || err == t->alt_err)) {
        skip(name, "%s (error %#lx) instead of %s: %s", vec_str(vec), err, vec_str(t->vec), t->alt_why);
        return;
    }
    check(ok, name, "%s (error %#lx, %s), expected %s (error %#lx, %s); interrupts %u -> %u, last %#x",
          vec_str(vec), err, at ? "at the instruction" : "after it", vec_str(t->vec), t->err,
          t->trap ? "after it" : "at the instruction", irqs, gi->irq_count, gi->irq_last);
}

void test_main(void)
{
    bool fep;

    hv_require();
    fep = cmdline_has("fep=on");
    asm volatile("sidt %0" : "=m"(idtr));
    printf("emul_exc: native%s\n", fep ? " and through the forced-emulation prefix" : " only");
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct tcase *t = &cases[i];
#ifdef __x86_64__
        if (t->only32)
            continue;
#else
        if (t->only64)
            continue;
#endif
        run_case(t, false);
        if (fep && !t->no_fep)
            run_case(t, true);
    }
}
