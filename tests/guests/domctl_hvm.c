/*
 * domctl_hvm: the HVM domU of the pv_domctl test (tests/guests/pv/pv_domctl.c,
 * docs/shadow.md "Log-dirty").  After its banner it writes five known pages
 * in a loop, forever, and nothing else: 32-bit protected mode with paging
 * off (no page-table A/D updates), interrupts off, the loop's state in
 * registers (no stack).  So between two log-dirty CLEANs exactly these
 * pages are dirty, and none while the domain is paused.  The control
 * domain destroys it.
 *
 * The pages: 0x800, 0x801, 0x805, 0x840 and 0x9ff (the first and the last
 * 4 KiB of the 2 MiB at 8 MiB, which the p2m maps with one large leaf until
 * log-dirty splits it), and 0x5000 (80 MiB: in the second batch of 16384
 * pages that ENABLE and CLEAN handle per call).  pv_domctl.c has the same
 * list.
 */
#include "guest.h"

void test_main(void)
{
    printf("%s: writing pages 0x800 0x801 0x805 0x840 0x9ff 0x5000 until destroyed\n", guest_name);
    uart_drain();
    __asm__ __volatile__("cli\n"
                         "1:\n\t"
                         "incl (%0)\n\t"
                         "incl 0x1000(%0)\n\t"
                         "incl 0x5000(%0)\n\t"
                         "incl 0x40000(%0)\n\t"
                         "incl 0x1ff000(%0)\n\t"
                         "incl 0x4800000(%0)\n\t"
                         "jmp 1b"
                         :: "r"(0x800000u) : "memory");
}
