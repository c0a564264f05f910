/*
 * plat_pit_pic: the 8259 pair and PIT channel 0 (ISA IRQ 0).  After
 * ICW1-ICW4 (vectors 0x20/0x28, cascade on IRQ2) the IMR reads back; with
 * the PIT in mode 2 at 1 kHz and only IRQ 0 unmasked, IRQ 0 arrives at
 * vector 0x20 at about 1 kHz of guest (TSC) time; the count latched from
 * channel 0 stays within the reload value; the poll command acknowledges
 * a pending IRQ 0 with interrupts off (IRR -> ISR, EOI clears ISR); and
 * once IRQ 0 is masked in the IMR, no more interrupts arrive.
 */
#include "plat.h"

#define PIT_1KHZ        1193            /* 1,193,182 Hz / 1000 */

static volatile uint32_t irq0_count, other_count;
static volatile uint32_t other_vector;

static void on_irq(unsigned vector)
{
    if (vector == PIC1_VECTOR)
        irq0_count++;
    else {
        other_count++;
        other_vector = vector;
    }
    if (vector >= PIC1_VECTOR && vector < PIC2_VECTOR + 8)
        pic_eoi(vector);
}

static void test_init_words(void)
{
    pic_init(0xff, 0xff);
    uint8_t m = inb(PIC1_DATA), s = inb(PIC2_DATA);
    outb(PIC1_DATA, 0x5a);
    uint8_t m2 = inb(PIC1_DATA);
    outb(PIC1_DATA, 0xff);
    check(m == 0xff && s == 0xff && m2 == 0x5a, "pic-imr", "IMR read %#x/%#x after init, %#x after writing 0x5a",
          m, s, m2);
    uint8_t isr = pic_read(PIC1_CMD, PIC_READ_ISR);
    check(isr == 0, "pic-isr-empty", "master ISR = %#x after initialization", isr);
}

static void test_rate(void)
{
    pit_ch0_program(2, PIT_1KHZ);
    irq0_count = 0;
    other_count = 0;
    outb(PIC1_DATA, 0xfe);              /* only IRQ 0 */
    uint64_t t0 = clock_ns();
    wait_ns_sti(200000000ull);          /* 200 ms */
    uint64_t dt = clock_ns() - t0;
    uint32_t n = irq0_count;
    uint64_t hz = (uint64_t)n * 1000000000ull / dt;
    printf("note: %u IRQ0 in %llu us = %llu Hz\n", (unsigned)n, (unsigned long long)(dt / 1000),
           (unsigned long long)hz);
    /* Loose: the device coalesces edges the host timer delivers late, and
     * a busy emulator host (nested SVM under TCG) delivers its timer
     * interrupts late: 400-600 Hz have been seen there.  A wrong divisor
     * or a flood is far outside. */
    check(hz >= 250 && hz <= 1200, "irq0-rate", "IRQ0 at %llu Hz, expected about 1000",
          (unsigned long long)hz);
    check(other_count == 0, "irq0-only", "%u interrupts at other vectors (last %u)", (unsigned)other_count,
          (unsigned)other_vector);

    uint16_t max = 0;
    for (int i = 0; i < 100; i++) {
        outb(PIT_CMD, 0x00);            /* latch channel 0 */
        uint16_t c = inb(PIT_CH0);
        c |= (uint16_t)(inb(PIT_CH0) << 8);
        if (c > max)
            max = c;
    }
    check(max <= PIT_1KHZ && max > 0, "pit-latch", "latched counts up to %u, reload %u", max, PIT_1KHZ);
}

static void test_poll(void)
{
    /* Interrupts off: IRQ 0 waits in IRR; the poll command takes it. */
    cli();
    uint64_t end = clock_ns() + 50000000ull;
    uint8_t irr = 0;
    while (clock_ns() < end && !((irr = pic_read(PIC1_CMD, PIC_READ_IRR)) & 1))
        pause();
    check(irr & 1, "pic-irr", "IRQ 0 not pending in IRR within 50 ms (IRR %#x)", irr);
    outb(PIC1_CMD, PIC_POLL);
    uint8_t poll = inb(PIC1_CMD);
    uint8_t isr = pic_read(PIC1_CMD, PIC_READ_ISR);
    outb(PIC1_CMD, 0x60);               /* specific EOI, level 0 */
    uint8_t isr2 = pic_read(PIC1_CMD, PIC_READ_ISR);
    check(poll == 0x80 && (isr & 1) && !(isr2 & 1), "pic-poll",
          "poll returned %#x (want 0x80), ISR %#x after it, %#x after specific EOI", poll, isr, isr2);
}

static void test_masked(void)
{
    cli();
    outb(PIC1_DATA, 0xff);
    uint32_t before = irq0_count + other_count;
    wait_ns_sti(50000000ull);           /* 50 ms */
    uint32_t after = irq0_count + other_count;
    check(after == before, "irq0-masked", "%u interrupts with every input masked", (unsigned)(after - before));
    outb(PIT_CMD, 0x30);                /* channel 0 mode 0, no count: stops it */
}

void test_main(void)
{
    hv_require();
    if (!plat_clock_init())
        return;
    irq_hook = on_irq;
    test_init_words();
    test_rate();
    test_poll();
    test_masked();
}
