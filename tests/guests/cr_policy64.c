/*
 * cr_policy64: the long-mode half of cr_policy (see cr_policy.c): in 64-bit
 * mode MOV to CR0/CR4 with a bit in 63:32 set, clearing CR4.PAE, clearing
 * CR0.PG (long mode is left from compatibility mode only) and toggling
 * CR4.LA57 raise #GP with the register unchanged; MOV CR through REX
 * prefixes (REX.W, REX.B naming R8) decodes and works on an allowed bit.
 */
#include "guest.h"

#define CR4_PCE     (1ull << 8)
#define CR4_LA57    (1ull << 12)

static int mov_cr0(uint64_t v)
{
    exc_clear();
    asm volatile("1: mov %0, %%cr0\n2:\n\t" EXC_FIXUP("1b", "2b") : : "r"(v) : "memory");
    return exc_caught;
}

static int mov_cr4(uint64_t v)
{
    exc_clear();
    asm volatile("1: mov %0, %%cr4\n2:\n\t" EXC_FIXUP("1b", "2b") : : "r"(v) : "memory");
    return exc_caught;
}

/* mov %r8, %cr4 (REX.WB: 49 0f 22 e0) */
static int mov_cr4_r8(uint64_t v)
{
    register uint64_t r8 asm("r8") = v;
    exc_clear();
    asm volatile("1: .byte 0x49, 0x0f, 0x22, 0xe0\n2:\n\t" EXC_FIXUP("1b", "2b") : : "r"(r8) : "memory");
    return exc_caught;
}

static void expect_gp(const char *name, int vec, uint64_t before, uint64_t after)
{
    check(vec == EXC_GP && before == after, name, "vector %d, register %#llx -> %#llx (expected #GP, unchanged)", vec,
          (unsigned long long)before, (unsigned long long)after);
}

void test_main(void)
{
    if (!hv_require())
        return;
    uint64_t cr0 = read_cr0(), cr4 = read_cr4();

    expect_gp("cr0-bit32", mov_cr0(cr0 | (1ull << 32)), cr0, read_cr0());
    expect_gp("cr0-bit63", mov_cr0(cr0 | (1ull << 63)), cr0, read_cr0());
    expect_gp("cr0-clear-pg-64bit", mov_cr0(cr0 & ~(uint64_t)CR0_PG), cr0, read_cr0());
    expect_gp("cr4-bit32", mov_cr4(cr4 | (1ull << 32)), cr4, read_cr4());
    expect_gp("cr4-clear-pae-long-mode", mov_cr4(cr4 & ~(uint64_t)CR4_PAE), cr4, read_cr4());
    expect_gp("cr4-la57-long-mode", mov_cr4(cr4 ^ CR4_LA57), cr4, read_cr4());
    expect_gp("cr4-osxsave-rex", mov_cr4_r8(cr4 | (1ull << 18)), cr4, read_cr4());
    int vec = mov_cr4_r8(cr4 | CR4_PCE);
    check(vec == NO_FAULT && read_cr4() == (cr4 | CR4_PCE), "cr4-pce-rex", "mov %%r8,%%cr4 with PCE: vector %d, CR4 %#lx",
          vec, read_cr4());
    vec = mov_cr4_r8(cr4);
    check(vec == NO_FAULT && read_cr4() == cr4, "cr4-restore-rex", "vector %d, CR4 %#lx", vec, read_cr4());
}
