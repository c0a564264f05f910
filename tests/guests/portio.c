/*
 * portio: port I/O from the guest.  The UART at 0x3f8 (guest-abi: LSR reads
 * 0x60; Ringvisor's UART also keeps the scratch register at 0x3ff, which
 * probing drivers use to see whether a 16550 is there), unclaimed ports
 * (read all-ones, writes ignored: an empty ISA bus), and string I/O with REP,
 * forwards and backwards (EFLAGS.DF), which the hypervisor must carry out
 * element by element through guest memory.
 */
#include "guest.h"

#define UART_LSR    (UART_BASE + 5)
#define UART_SCR    (UART_BASE + 7)
#define PORT_POST   0x80        /* POST code port: claimed by no emulated device */
#define PORT_COM2   0x2f8       /* no second UART */

static void test_uart(void)
{
    uart_drain();
    uint8_t lsr = inb(UART_LSR);
    check(lsr == 0x60, "uart-lsr", "LSR = %#x, expected 0x60 (THR empty, transmitter idle)", lsr);
    outb(UART_SCR, 0x5a);
    uint8_t a = inb(UART_SCR);
    outb(UART_SCR, 0xa5);
    uint8_t b = inb(UART_SCR);
    check(a == 0x5a && b == 0xa5, "uart-scratch", "scratch register read %#x after 0x5a, %#x after 0xa5", a, b);
}

static void test_unclaimed(void)
{
    outb(PORT_POST, 0x12);
    outw(PORT_COM2, 0x1234);
    uint8_t b = inb(PORT_POST);
    uint16_t w = inw(PORT_COM2);
    uint32_t l = inl(PORT_COM2);
    check(b == 0xff && w == 0xffff && l == 0xffffffffu, "unclaimed-ports",
          "inb %#x = %#x, inw %#x = %#x, inl %#x = %#x: expected all-ones", PORT_POST, b, PORT_COM2, w,
          PORT_COM2, l);
}

static void test_string_io(void)
{
    static const char fwd[] = "portio: REP OUTSB forwards\n";
    static const char bwd[] = "\nsdrawkcab BSTUO PER :oitrop";   /* printed last byte first */
    const char *si;
    unsigned long cx;

    si = fwd;
    cx = sizeof(fwd) - 1;
    asm volatile("cld\n\trep outsb" : "+S"(si), "+c"(cx) : "d"(UART_BASE) : "memory");
    check(si == fwd + sizeof(fwd) - 1 && cx == 0, "rep-outsb", "after REP OUTSB: ESI advanced %ld (want %zu), ECX %lu",
          (long)(si - fwd), sizeof(fwd) - 1, cx);

    si = bwd + sizeof(bwd) - 2;
    cx = sizeof(bwd) - 1;
    asm volatile("std\n\trep outsb\n\tcld" : "+S"(si), "+c"(cx) : "d"(UART_BASE) : "memory");
    /* ESI ends one byte below the buffer: compare addresses as integers. */
    long moved = (long)((uintptr_t)si - (uintptr_t)(bwd + sizeof(bwd) - 2));
    check(moved == -(long)(sizeof(bwd) - 1) && cx == 0, "rep-outsb-backwards",
          "after STD; REP OUTSB: ESI moved %ld (want %ld), ECX %lu", moved, -(long)(sizeof(bwd) - 1), cx);

    uint8_t lsr[8];
    char *di = (char *)lsr;
    memset(lsr, 0, sizeof(lsr));
    uart_drain();
    cx = sizeof(lsr);
    asm volatile("cld\n\trep insb" : "+D"(di), "+c"(cx) : "d"(UART_LSR) : "memory");
    bool all = true;
    for (unsigned i = 0; i < sizeof(lsr); i++)
        all &= lsr[i] == 0x60;
    check(all && di == (char *)lsr + sizeof(lsr) && cx == 0, "rep-insb",
          "REP INSB from LSR: bytes %02x %02x .. %02x, EDI advanced %ld, ECX %lu", lsr[0], lsr[1], lsr[7],
          (long)(di - (char *)lsr), cx);

    uint16_t w[4] = { 0, 0, 0, 0 };
    di = (char *)w;
    cx = 4;
    asm volatile("cld\n\trep insw" : "+D"(di), "+c"(cx) : "d"(PORT_COM2) : "memory");
    check(w[0] == 0xffff && w[3] == 0xffff && di == (char *)(w + 4) && cx == 0, "rep-insw-unclaimed",
          "REP INSW from %#x: %#x .. %#x, EDI advanced %ld", PORT_COM2, w[0], w[3], (long)(di - (char *)w));
}

void test_main(void)
{
    hv_require();
    test_uart();
    test_unclaimed();
    test_string_io();
}
