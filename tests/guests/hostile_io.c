/*
 * hostile_io: random values of every size written to every emulated port
 * and to the local APIC / IOAPIC MMIO registers, with interrupts off.  The
 * devices must range-check each write: the hypervisor keeps running, this
 * domain keeps running (its UART still prints, its timer still ticks) and
 * other domains are not disturbed.
 *
 * Writes that legitimately end the domain are left out: the reset register
 * 0xCF9, the i8042 command/data ports (pulse reset, output port) and the PM1a
 * control register (S5).
 */
#include "guest.h"

static uint32_t seed = 0x12345678;

static uint32_t rnd(void)
{
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) ^ (seed << 13);
}

static const uint16_t ports[] = {
    0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1,           /* 8259s, ELCR */
    0x40, 0x41, 0x42, 0x43, 0x61,                   /* 8254, port B */
    0x70, 0x71,                                     /* RTC */
    0xb000, 0xb008,                                 /* PM1a event, PM timer (a dword access at 0xb000
                                                       stops short of PM1a_CNT at 0xb004) */
    0xcf8, 0xcfc, 0xcfd, 0xcfe, 0xcff,              /* PCI configuration (host bridge, Xen platform device) */
    0x10, 0x11, 0x12, 0x13,                         /* Xen platform unplug ports: unplug, product, log bytes */
    0x2f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3ff,       /* COM2 (absent), UART IER/FCR/LCR/MCR/SCR */
    0x80, 0x92, 0x3c0, 0xffff,                      /* unclaimed */
};

static void poke_port(uint16_t port, uint32_t v)
{
    switch (rnd() % 6) {
    case 0: outb(port, (uint8_t)v); break;
    case 1: outw(port, (uint16_t)v); break;
    case 2: outl(port, v); break;
    case 3: (void)inb(port); break;
    case 4: (void)inw(port); break;
    default: (void)inl(port); break;
    }
}

static void poke_mmio(uintptr_t base, uint32_t off)
{
    volatile uint8_t *p = (volatile uint8_t *)(base + off);
    uint32_t v = rnd();
    switch (rnd() % 5) {
    case 0: *(volatile uint32_t *)((uintptr_t)p & ~3u) = v; break;
    case 1: *(volatile uint16_t *)((uintptr_t)p & ~1u) = (uint16_t)v; break;
    case 2: *p = (uint8_t)v; break;
    case 3: (void)*(volatile uint32_t *)((uintptr_t)p & ~3u); break;
    default: (void)*p; break;
    }
}

static void ignore(unsigned vector)
{
    (void)vector;   /* an IOAPIC pin made an NMI source: fine, just count it */
}

void test_main(void)
{
    if (!hv_require())
        return;
    irq_hook = ignore;
    uint32_t rounds = cmdline_uint("rounds", 4000);
    cli();
    /* The UART's LCR must keep DLAB clear and its IER interrupts off for the
     * output to stay readable: restored after each round. */
    for (uint32_t i = 0; i < rounds; i++) {
        poke_port(ports[rnd() % ARRAY_SIZE(ports)], rnd());
        /* The Xen platform device's configuration space (00:02.0): any
         * register, any width (its BARs may move: nothing here touches
         * its memory BAR afterwards). */
        outl(0xcf8, 0x80001000u | (rnd() & 0xfc));
        poke_port((uint16_t)(0xcfc + (rnd() & 3)), rnd());
        /* IOAPIC: select a random register (also out of range), write it. */
        *(volatile uint32_t *)0xfec00000u = rnd() & 0xff;
        *(volatile uint32_t *)0xfec00010u = rnd();
        poke_mmio(0xfec00000u, rnd() & 0xfff);
        /* Local APIC: every register, except that the SVR keeps it enabled
         * so that the page stays where it is. */
        uint32_t off = rnd() & 0xff0;
        if (off != 0xf0 && off != 0x300)        /* SVR, and ICR (no IPI storms at ourselves) */
            poke_mmio(0xfee00000u, off | (rnd() & 0xf));
        outb(0x3fb, 0x03);
        outb(0x3f9, 0x00);
        outb(0x3fc, 0x00);
    }
    /* Reprogram the UART as after a reset (divisor, 8N1, FIFOs cleared):
     * the random writes may have changed anything in it. */
    outb(0x3fb, 0x80);
    outb(0x3f8, 0x01);
    outb(0x3f9, 0x00);
    outb(0x3fb, 0x03);
    outb(0x3fa, 0x07);
    outb(0x3fa, 0x00);
    outb(0x3f9, 0x00);
    outb(0x3fc, 0x03);
    check(true, "survived", "the guest is still running");
    /* The domain is still whole: RAM, the UART (this line) and the clock. */
    uint64_t t0 = clock_ns();
    for (volatile int i = 0; i < 100000; i++)
        ;
    check(clock_ns() > t0, "clock", "TSC-based clock stopped");
    printf("%u rounds of random device accesses done\n", (unsigned)rounds);
}
