/*
 * debug_exit: a test kernel that ends itself the way QEMU test harnesses
 * expect, by writing its verdict to QEMU's isa-debug-exit port (0xf4,
 * iosize 4).  Its domain file gives the device (debug_exit = 0xf4): the
 * write ends the domain with status (v << 1) | 1, which rv-run checks
 * against rv_expect_exit.  Ports 0xf5-0xf7 belong to the device too; 0xf8
 * (outside it) stays an unclaimed port.
 */
#include "guest.h"

void test_main(void)
{
    hv_require();
    uint32_t r = inl(0xf4);
    check(r == 0, "debug-exit-read", "inl 0xf4 = %#x, expected 0 (QEMU's device reads 0)", r);
    uint8_t u = inb(0xf8);
    check(u == 0xff, "debug-exit-outside", "inb 0xf8 = %#x, expected all ones (not the device's)", u);
    printf("%s: %u passed, %u failed: writing %#x to the debug-exit port\n", guest_name, (unsigned)gi->passed,
           (unsigned)gi->failed, gi->failed ? 0x11u : 0x10u);
    uart_drain();
    /* A 4-byte write, as harnesses built for iosize=4 do. */
    outl(0xf4, gi->failed ? 0x11 : 0x10);
    /* Not reached when the device is there. */
    check(false, "debug-exit-ended", "still running after the write to 0xf4");
}
