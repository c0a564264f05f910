/*
 * emul_pf_straddle: an MMIO load whose instruction straddles a page
 * boundary.  32-bit paging: 0-16 MiB and the IOAPIC identity-mapped with
 * 4 MiB pages, and at 0x40000000 two 4 KiB pages holding
 *     0x40000ffe: A1 10 00 C0 FE    mov 0xfec00010, %eax
 *     0x40001003: C3                ret
 * First both pages are present: the load returns the IOAPIC version (the
 * emulator fetched the instruction across the boundary).  Then the second
 * page is made not present without INVLPG, so a stale TLB entry may still
 * let the CPU run the instruction: the emulator's own walk must then find
 * the page gone and inject #PF with CR2 = 0x40001000 (the first byte it
 * could not fetch), error code "not present, read, supervisor" (Intel SDM
 * vol. 3, 4.7; I/D stays 0 without NXE/SMEP).  If the CPU faults first, the
 * guest sees the same #PF.
 */
#include "guest.h"

#define VERSION     0x00170011u
#define VA_CODE     0x40000000u
#define INSN_VA     (VA_CODE + 0xffe)

static uint32_t pd[1024] __attribute__((aligned(4096)));
static uint32_t pt[1024] __attribute__((aligned(4096)));
static uint8_t pages[2][4096] __attribute__((aligned(4096)));

static inline uint32_t read_cr2(void)
{
    uint32_t v;
    asm volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

/* Runs the straddling instruction; returns EAX, or sets exc_caught. */
/* Not inlined: the .rv_fixup entry for 0x40000ffe must have one target. */
__attribute__((noinline)) static uint32_t run_insn(void)
{
    uint32_t v = 0;
    exc_clear();
    asm volatile("call *%1\n\t"
                 "jmp 2f\n"
                 "1: add $4, %%esp\n"           /* the #PF came inside the call: drop its return address */
                 "2:\n\t"
                 EXC_FIXUP("0x40000ffe", "1b")
                 : "+a"(v) : "r"(INSN_VA) : "memory", "cc");
    return v;
}

void test_main(void)
{
    hv_require();

    for (uint32_t i = 0; i < 4; i++)
        pd[i] = (i << 22) | 0x83;                               /* P, RW, PS: 0-16 MiB */
    pd[0xfec00000u >> 22] = 0xfec00000u | 0x83 | (1u << 4);     /* IOAPIC/LAPIC, PCD */
    pd[VA_CODE >> 22] = (uint32_t)(uintptr_t)pt | 0x3;
    pt[0] = (uint32_t)(uintptr_t)pages[0] | 0x3;
    pt[1] = (uint32_t)(uintptr_t)pages[1] | 0x3;
    static const uint8_t insn[] = { 0xa1, 0x10, 0x00, 0xc0, 0xfe, 0xc3 };
    for (unsigned i = 0; i < 2; i++)
        pages[0][4094 + i] = insn[i];
    for (unsigned i = 2; i < sizeof(insn); i++)
        pages[1][i - 2] = insn[i];

    *(volatile uint32_t *)0xfec00000u = 1;                      /* IOREGSEL = version */
    asm volatile("mov %0, %%cr3\n\t"
                 "mov %%cr4, %%eax\n\tor $0x10, %%eax\n\tmov %%eax, %%cr4\n\t"    /* PSE */
                 "mov %%cr0, %%eax\n\tor $0x80000000, %%eax\n\tmov %%eax, %%cr0"
                 : : "r"(pd) : "eax", "memory");

    uint32_t v = run_insn();
    check(exc_caught == NO_FAULT && v == VERSION, "straddle-present",
          "both pages present: %s, EAX %#x (expected %#x)",
          exc_caught == NO_FAULT ? "no fault" : exc_name((unsigned)exc_caught), v, VERSION);

    pt[1] = 0;                                                  /* no INVLPG: the TLB may still have it */
    v = run_insn();
    uint32_t cr2 = read_cr2();
    check(exc_caught == EXC_PF && cr2 == VA_CODE + 0x1000 && (exc_error & ~0x10ul) == 0, "straddle-pf",
          "second page gone: %s error %#lx CR2 %#x, expected #PF error 0 CR2 %#x",
          exc_caught == NO_FAULT ? "no fault" : exc_name((unsigned)exc_caught), exc_error, cr2,
          VA_CODE + 0x1000);

    asm volatile("invlpg (%0)" : : "r"(VA_CODE + 0x1000) : "memory");
    v = run_insn();
    check(exc_caught == EXC_PF && read_cr2() == VA_CODE + 0x1000, "straddle-pf-flushed",
          "after INVLPG: %s CR2 %#x", exc_caught == NO_FAULT ? "no fault" : exc_name((unsigned)exc_caught),
          read_cr2());

    asm volatile("mov %%cr0, %%eax\n\tand $0x7fffffff, %%eax\n\tmov %%eax, %%cr0" : : : "eax", "memory");
}
