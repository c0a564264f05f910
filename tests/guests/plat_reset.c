/*
 * plat_reset: the reset control register at 0xCF9 (the FADT's RESET_REG).
 * A read returns nothing alarming, a write of 0x02 (SYS_RST alone) does
 * not reset; 0x06 (RST_CPU|SYS_RST) must end the domain with a reboot
 * (rv_expect = "reboot").  If the guest is still running afterwards it
 * reports FAIL and crashes.
 */
#include "plat.h"

void test_main(void)
{
    if (!hv_require())
        return;
    outb(0xcf9, 0x02);
    check(true, "cf9-sys-rst-alone", "unreachable");
    printf("note: writing 0x06 to 0xcf9: the domain must reboot now\n");
    uart_drain();
    outb(0xcf9, 0x06);
    wait_ns(100000000ull);
    check(false, "cf9-reset", "still running 100 ms after writing 0x06 to 0xcf9");
}
