/*
 * emul_x87: an x87 store (FNSTCW m16, D9 /7) to the IOAPIC's IOWIN.  The
 * MMIO emulator does not do x87/SSE; it must crash the domain with a
 * reason naming the instruction bytes, never store something arbitrary or
 * skip the instruction (rv_expect = "crash").
 */
#include "guest.h"

void test_main(void)
{
    if (!hv_require())
        return;
    expect_domain_crash();
    printf("emul_x87: FNSTCW to 0xfec00010\n");
    asm volatile("fninit\n\tfnstcw 0xfec00010" : : : "memory");
    check(false, "x87-mmio", "FNSTCW to MMIO returned instead of crashing the domain");
}
