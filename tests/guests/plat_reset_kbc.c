/*
 * plat_reset_kbc: the 8042 keyboard controller's reset line.  The
 * controller answers a probe (status: system flag, buffers empty;
 * self-test 0xAA -> 0x55 in the output buffer, which then empties; read
 * command byte 0x20 -> a byte with the system flag), then command 0xFE
 * (pulse reset) must end the domain with a reboot (rv_expect = "reboot").
 */
#include "plat.h"

static bool wait_obf(void)
{
    for (int i = 0; i < 100000; i++)
        if (inb(0x64) & 0x01)
            return true;
    return false;
}

void test_main(void)
{
    if (!hv_require())
        return;
    uint8_t st = inb(0x64);
    check((st & 0x04) && !(st & 0x03), "kbc-status", "status %#x: want system flag, no OBF/IBF", st);
    outb(0x64, 0xaa);
    bool obf = wait_obf();
    uint8_t r = inb(0x60);
    uint8_t st2 = inb(0x64);
    check(obf && r == 0x55 && !(st2 & 1), "kbc-selftest", "self-test: OBF %d, reply %#x, status after %#x", obf,
          r, st2);
    outb(0x64, 0x20);
    obf = wait_obf();
    uint8_t ctr = inb(0x60);
    check(obf && (ctr & 0x04), "kbc-ctr", "command byte: OBF %d, value %#x", obf, ctr);
    printf("note: 8042 command 0xfe: the domain must reboot now\n");
    uart_drain();
    outb(0x64, 0xfe);
    wait_ns(100000000ull);
    check(false, "kbc-reset", "still running 100 ms after 8042 command 0xfe");
}
