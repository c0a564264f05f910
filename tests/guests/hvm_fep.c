/*
 * hvm_fep: the forced-emulation prefix (ud2; .ascii "xen", bytes 0f 0b 78
 * 65 6e) in front of an instruction.  Run twice:
 *   hvm_fep.cfg     (cmdline "fep=off"; hypervisor without hvm_fep, so it
 *                   is also part of the all-guests runs): every prefixed
 *                   instruction raises #UD at the prefix itself and does
 *                   nothing;
 *   hvm_fep_on.cfg  (cmdline "fep=on", hypervisor started with hvm_fep):
 *                   each prefixed instruction goes through the hypervisor's
 *                   emulator and must give what the CPU gives natively:
 *                   CPUID, IN/OUT (imm8 and DX forms, 8/16/32-bit), RDMSR, RDTSC,
 *                   MOV/ADD/XCHG/CMPXCHG to memory, REP MOVSB; EIP lands after
 *                   the instruction; a fault of the emulated instruction
 *                   (#DE is not emulated: #UD instead, as Xen) is reported at
 *                   the instruction after the prefix.
 * 32-bit protected mode, paging off (the library's environment).
 */
#include "guest.h"

#define FEP ".byte 0x0f, 0x0b, 0x78, 0x65, 0x6e\n\t"
#define UART_SCR (UART_BASE + 7)

static bool emulate;

/* Runs the body (with FEP prefix at label 1) and checks the outcome for the
 * mode: emulated = no fault; off = #UD at the prefix. */
static bool outcome(const char *name)
{
    if (emulate)
        return check(exc_caught == NO_FAULT, name, "%s through the prefix: %s, expected no exception", name,
                     exc_caught == NO_FAULT ? "none" : exc_name((unsigned)exc_caught));
    return check(exc_caught == EXC_UD, name, "%s: %s, expected #UD at the prefix", name,
                 exc_caught == NO_FAULT ? "no exception" : exc_name((unsigned)exc_caught));
}

static void t_cpuid(uint32_t leaf, const char *name)
{
    uint32_t n[4], e[4] = { leaf, 0xdead, 0, 0xdead };

    asm volatile("cpuid" : "=a"(n[0]), "=b"(n[1]), "=c"(n[2]), "=d"(n[3]) : "a"(leaf), "c"(0));
    exc_clear();
    asm volatile("1: " FEP "cpuid\n2:\n\t" EXC_FIXUP("1b", "2b")
                 : "+a"(e[0]), "+b"(e[1]), "+c"(e[2]), "+d"(e[3]) : : "memory");
    if (!outcome(name) || !emulate)
        return;
    /* The APIC ID (leaf 1 EBX[31:24]) and the like are the same vCPU: the
     * whole result must match. */
    check(!memcmp(n, e, sizeof(n)), name, "leaf %#x: emulated %08x %08x %08x %08x, native %08x %08x %08x %08x",
          leaf, e[0], e[1], e[2], e[3], n[0], n[1], n[2], n[3]);
}

static void t_io(void)
{
    uint8_t v8 = 0;
    uint16_t v16 = 0xffff;
    uint32_t v32 = 0;

    /* OUT imm8 and OUT DX to the UART scratch register, read back natively. */
    outb(UART_SCR, 0x11);
    exc_clear();
    asm volatile("1: " FEP "outb %%al, %%dx\n2:\n\t" EXC_FIXUP("1b", "2b") : : "a"(0x5a), "d"(UART_SCR) : "memory");
    if (outcome("out-dx"))
        check(inb(UART_SCR) == (emulate ? 0x5a : 0x11), "out-dx-value", "scratch %#x after the prefixed OUT",
              inb(UART_SCR));

    outb(UART_SCR, 0x22);
    exc_clear();
    asm volatile("1: " FEP "inb %%dx, %%al\n2:\n\t" EXC_FIXUP("1b", "2b") : "=a"(v8) : "d"(UART_SCR), "0"(0) : "memory");
    if (outcome("in-dx") && emulate)
        check(v8 == 0x22, "in-dx-value", "emulated IN read %#x, expected 0x22", v8);

    /* IN imm8 from an unclaimed port: all ones, as natively. */
    exc_clear();
    asm volatile("1: " FEP "inb $0xe9, %%al\n2:\n\t" EXC_FIXUP("1b", "2b") : "=a"(v8) : "0"(0) : "memory");
    if (outcome("in-imm8") && emulate)
        check(v8 == inb(0xe9), "in-imm8-value", "emulated IN $0xe9 read %#x, native %#x", v8, inb(0xe9));

    /* 16- and 32-bit forms (66 prefix after the FEP prefix). */
    exc_clear();
    asm volatile("1: " FEP "inw %%dx, %%ax\n2:\n\t" EXC_FIXUP("1b", "2b") : "=a"(v16) : "d"(0xe8), "0"(0)
                 : "memory");
    if (outcome("in-16") && emulate)
        check(v16 == 0xffff, "in-16-value", "emulated 16-bit IN from an unclaimed port read %#x", v16);
    exc_clear();
    v32 = 0;
    asm volatile("1: " FEP "inl $0xe8, %%eax\n2:\n\t" EXC_FIXUP("1b", "2b") : "=a"(v32) : "0"(0) : "memory");
    if (outcome("in-32") && emulate)
        check(v32 == 0xffffffffu, "in-32-value", "emulated 32-bit IN from an unclaimed port read %#x", v32);
}

static void t_msr(void)
{
    uint32_t lo = 0, hi = 0, nlo, nhi;

    asm volatile("rdmsr" : "=a"(nlo), "=d"(nhi) : "c"(0x1b));
    exc_clear();
    asm volatile("1: " FEP "rdmsr\n2:\n\t" EXC_FIXUP("1b", "2b") : "=a"(lo), "=d"(hi) : "c"(0x1b), "0"(0), "1"(0)
                 : "memory");
    if (outcome("rdmsr") && emulate)
        check(lo == nlo && hi == nhi, "rdmsr-value", "APIC_BASE emulated %08x:%08x, native %08x:%08x", hi, lo,
              nhi, nlo);
}

/* RDTSC: the emulated read lies between two native ones (the same TSC). */
static void t_rdtsc(void)
{
    uint32_t lo = 0, hi = 0, alo, ahi, blo, bhi;
    uint64_t a, b, e;

    asm volatile("rdtsc" : "=a"(alo), "=d"(ahi));
    exc_clear();
    asm volatile("1: " FEP "rdtsc\n2:\n\t" EXC_FIXUP("1b", "2b") : "=a"(lo), "=d"(hi) : "0"(0), "1"(0) : "memory");
    asm volatile("rdtsc" : "=a"(blo), "=d"(bhi));
    if (!outcome("rdtsc") || !emulate)
        return;
    a = (uint64_t)ahi << 32 | alo;
    b = (uint64_t)bhi << 32 | blo;
    e = (uint64_t)hi << 32 | lo;
    check(a <= e && e <= b, "rdtsc-value", "emulated TSC %#llx not between native %#llx and %#llx",
          (unsigned long long)e, (unsigned long long)a, (unsigned long long)b);
}

static void t_memory(void)
{
    static volatile uint32_t m[4];
    static char src[16] = "emulated movsb!", dst[16];
    uint32_t eax;

    m[0] = 1;
    exc_clear();
    asm volatile("1: " FEP "movl %1, %0\n2:\n\t" EXC_FIXUP("1b", "2b") : "=m"(m[0]) : "r"(0xcafef00du) : "memory");
    if (outcome("mov-store"))
        check(m[0] == (emulate ? 0xcafef00du : 1), "mov-store-value", "memory holds %#x", m[0]);

    m[1] = 40;
    exc_clear();
    asm volatile("1: " FEP "addl $2, %0\n2:\n\t" EXC_FIXUP("1b", "2b") : "+m"(m[1]) : : "memory", "cc");
    if (outcome("add-mem"))
        check(m[1] == (emulate ? 42u : 40u), "add-mem-value", "memory holds %u", m[1]);

    m[2] = 7;
    eax = 9;
    exc_clear();
    asm volatile("1: " FEP "xchgl %0, %1\n2:\n\t" EXC_FIXUP("1b", "2b") : "+r"(eax), "+m"(m[2]) : : "memory");
    if (outcome("xchg-mem") && emulate)
        check(m[2] == 9 && eax == 7, "xchg-mem-value", "memory %u, register %u", m[2], eax);

    m[3] = 5;
    eax = 5;
    exc_clear();
    asm volatile("1: " FEP "lock cmpxchgl %2, %1\n2:\n\t" EXC_FIXUP("1b", "2b")
                 : "+a"(eax), "+m"(m[3]) : "r"(6u) : "memory", "cc");
    if (outcome("cmpxchg-mem") && emulate)
        check(m[3] == 6 && eax == 5, "cmpxchg-mem-value", "memory %u, EAX %u", m[3], eax);

    memset(dst, 0, sizeof(dst));
    {
        const char *s = src;
        char *d = dst;
        uint32_t n = sizeof(src);

        exc_clear();
        asm volatile("cld\n1: " FEP "rep movsb\n2:\n\t" EXC_FIXUP("1b", "2b") : "+S"(s), "+D"(d), "+c"(n) : : "memory");
        if (outcome("rep-movsb"))
            check(emulate ? (!memcmp(dst, src, sizeof(src)) && n == 0) : (dst[0] == 0 && n == sizeof(src)),
                  "rep-movsb-value", "dst \"%.16s\", ECX %u left", dst, n);
    }
}

/* EIP after the emulated instruction: the code right after it runs (a
 * 2-instruction sequence whose second part sets a register). */
static void t_flow(void)
{
    uint32_t a = 0, b = 0;

    exc_clear();
    asm volatile("1: " FEP "movl $3, %0\n\tmovl $4, %1\n2:\n\t" EXC_FIXUP("1b", "2b")
                 : "=r"(a), "=r"(b) : "0"(0), "1"(0) : "memory");
    if (outcome("rip-advance") && emulate)
        check(a == 3 && b == 4, "rip-advance-value", "a %u b %u (expected 3 and 4)", a, b);
}

/* An instruction the emulator does not do: #UD, reported at the
 * instruction after the prefix (Xen's behaviour); without hvm_fep at the
 * prefix. */
static void t_unemulated(void)
{
    exc_clear();
    if (emulate) {
        asm volatile(FEP "1: ud2\n2:\n\t" EXC_FIXUP("1b", "2b") : : : "memory");
        check(exc_caught == EXC_UD, "unemulated-ud", "FEP + UD2: %s, expected #UD after the prefix",
              exc_caught == NO_FAULT ? "no exception" : exc_name((unsigned)exc_caught));
    } else {
        asm volatile("1: " FEP "ud2\n2:\n\t" EXC_FIXUP("1b", "2b") : : : "memory");
        check(exc_caught == EXC_UD, "unemulated-ud", "FEP + UD2: %s, expected #UD at the prefix",
              exc_caught == NO_FAULT ? "no exception" : exc_name((unsigned)exc_caught));
    }
}

/* Not the prefix: a plain UD2, and UD2 + "xeN" (one byte off), raise #UD at
 * the UD2 whether or not hvm_fep is on (the intercepted #UD is given back). */
static void t_not_prefix(void)
{
    exc_clear();
    asm volatile("1: ud2\n2:\n\t" EXC_FIXUP("1b", "2b") : : : "memory");
    check(exc_caught == EXC_UD, "plain-ud2", "UD2: %s, expected #UD at it",
          exc_caught == NO_FAULT ? "no exception" : exc_name((unsigned)exc_caught));
    exc_clear();
    asm volatile("1: .byte 0x0f, 0x0b, 0x78, 0x65, 0x4e\n2:\n\t" EXC_FIXUP("1b", "2b") : : : "memory");
    check(exc_caught == EXC_UD, "near-prefix", "UD2 \"xeN\": %s, expected #UD at the UD2",
          exc_caught == NO_FAULT ? "no exception" : exc_name((unsigned)exc_caught));
}

void test_main(void)
{
    hv_require();
    if (cmdline_has("fep=on")) {
        emulate = true;
    } else if (!cmdline_has("fep=off")) {
        check(false, "cmdline", "needs fep=on or fep=off, got '%s'", gi->cmdline);
        return;
    }
    printf("hvm_fep: expecting %s\n", emulate ? "emulation" : "#UD");
    t_cpuid(0, "cpuid-0");
    t_cpuid(1, "cpuid-1");
    t_cpuid(0x40000000, "cpuid-hv");
    t_io();
    t_msr();
    t_rdtsc();
    t_memory();
    t_flow();
    t_unemulated();
    t_not_prefix();
}
