/*
 * lapic_esr: the local APIC's error reporting (SDM vol. 3A 11.5.3, x2APIC
 * in 11.12; src/hvm/vlapic_err.c).
 *
 * - the write-then-read protocol: the ESR shows what was collected up to
 *   the last write to it; two writes in a row read 0;
 * - send illegal vector (bit 5): an IPI or self-IPI with a vector 0-15 and
 *   fixed or lowest-priority delivery; nothing is delivered;
 * - receive illegal vector (bit 6): the LVT timer firing with vector 5;
 *   no IRR bit below 16 is ever set;
 * - illegal register address (bit 7): xAPIC MMIO to a reserved slot; in
 *   x2APIC mode the same register #GPs and sets nothing;
 * - the LVT Error entry: its vector is delivered once per newly set error
 *   bit while unmasked, not while masked (the error is still collected),
 *   and a vector 0-15 there only adds bit 6.
 */
#include "guest.h"

#define LAPIC_BASE  0xfee00000u
#define R_EOI       0x0b0
#define R_SVR       0x0f0
#define R_IRR0      0x200
#define R_ESR       0x280
#define R_ICR_LO    0x300
#define R_ICR_HI    0x310
#define R_LVT_TIMER 0x320
#define R_LVT_ERR   0x370
#define R_TMICT     0x380
#define R_TDCR      0x3e0
#define MSR_X2APIC(reg) (0x800u + ((reg) >> 4))

#define ESR_SEND    0x20u
#define ESR_RECV    0x40u
#define ESR_REG     0x80u
#define ERR_VECTOR  0xe3u
#define MASKED      (1u << 16)
#define ICR_SELF    (1u << 18)
#define ICR_LOWEST  (1u << 8)

static volatile bool x2;
static volatile unsigned err_irqs, other_irqs, last_vector;

static uint32_t apic_read(uint32_t reg)
{
    if (x2)
        return (uint32_t)rdmsr(MSR_X2APIC(reg));
    return *(volatile uint32_t *)(uintptr_t)(LAPIC_BASE + reg);
}

static void apic_write(uint32_t reg, uint32_t v)
{
    if (x2)
        wrmsr(MSR_X2APIC(reg), v);
    else
        *(volatile uint32_t *)(uintptr_t)(LAPIC_BASE + reg) = v;
}

static void hook(unsigned vector)
{
    if (vector == ERR_VECTOR)
        err_irqs++;
    else
        other_irqs++;
    last_vector = vector;
    apic_write(R_EOI, 0);
}

/* The protocol: write, then read what the write latched. */
static uint32_t esr_latch(void)
{
    apic_write(R_ESR, 0);
    return apic_read(R_ESR);
}

/* Lets pending interrupts in (each one takes at most one instruction
 * after STI once it is in IRR and above the PPR). */
static void window(void)
{
    sti();
    for (volatile int i = 0; i < 1000; i++)
        ;
    cli();
}

static void self_ipi(uint32_t lo)
{
    if (x2) {
        wrmsr(MSR_X2APIC(R_ICR_LO), lo);    /* destination in ICR[63:32] = 0: ourselves */
    } else {
        apic_write(R_ICR_HI, 0);            /* physical id 0: ourselves */
        apic_write(R_ICR_LO, lo);
    }
}

static void test_protocol(void)
{
    esr_latch();
    check(esr_latch() == 0, "esr-two-writes", "ESR %#x after two writes in a row", apic_read(R_ESR));

    apic_write(R_LVT_ERR, MASKED | ERR_VECTOR);
    unsigned before = other_irqs + err_irqs;
    self_ipi(ICR_SELF | 3);                 /* fixed, shorthand self, vector 3 */
    window();
    check(apic_read(R_ESR) == 0, "esr-not-before-write", "ESR %#x before the latching write (want 0)",
          apic_read(R_ESR));
    uint32_t esr = esr_latch();
    check(esr == ESR_SEND, "send-illegal-self", "ESR %#x after a self IPI with vector 3 (want 0x20)", esr);
    check(other_irqs + err_irqs == before, "illegal-not-delivered", "%u interrupts after the illegal IPI",
          other_irqs + err_irqs - before);
    check(apic_read(R_ESR) == ESR_SEND, "esr-stays-latched", "ESR read twice: %#x", apic_read(R_ESR));
    check(esr_latch() == 0, "esr-write-clears", "ESR %#x after a second write", apic_read(R_ESR));

    self_ipi(0);                            /* fixed, destination 0 (ourselves), vector 0 */
    esr = esr_latch();
    check(esr == ESR_SEND, "send-illegal-dest", "ESR %#x after an IPI to APIC id 0 with vector 0", esr);
    self_ipi(ICR_LOWEST | 15);              /* lowest priority, vector 15 */
    esr = esr_latch();
    check(esr == ESR_SEND, "send-illegal-lowest", "ESR %#x after a lowest-priority IPI with vector 15", esr);
    self_ipi(ICR_SELF | 0x40);              /* a legal one: no error */
    window();
    esr = esr_latch();
    check(esr == 0 && last_vector == 0x40, "legal-ipi-no-error", "ESR %#x, last vector %#x", esr, last_vector);
}

static void test_receive_illegal(void)
{
    esr_latch();
    unsigned before = other_irqs + err_irqs;
    apic_write(R_TDCR, 0xb);                /* divide by 1 */
    apic_write(R_LVT_TIMER, 5);             /* one-shot, fixed, vector 5 */
    apic_write(R_TMICT, 10000);
    uint32_t esr = 0;
    uint64_t until = clock_ns() + 10000000000ull;      /* a bound, not a measurement */
    while (!(esr & ESR_RECV) && clock_ns() < until) {
        esr |= esr_latch();
        window();
    }
    check(esr == ESR_RECV, "receive-illegal-lvt", "ESR %#x after the LVT timer fired with vector 5 (want 0x40)",
          esr);
    check((apic_read(R_IRR0) & 0xffff) == 0, "no-irr-below-16", "IRR[31:0] = %#x", apic_read(R_IRR0));
    check(other_irqs + err_irqs == before, "receive-illegal-not-delivered", "%u interrupts",
          other_irqs + err_irqs - before);
    apic_write(R_LVT_TIMER, MASKED);
}

static void test_lvt_error(void)
{
    esr_latch();
    apic_write(R_LVT_ERR, ERR_VECTOR);      /* unmasked */
    unsigned e0 = err_irqs;
    self_ipi(ICR_SELF | 7);
    window();
    check(err_irqs == e0 + 1 && last_vector == ERR_VECTOR, "lvt-error-fires",
          "%u error interrupts, last vector %#x (want 1, %#x)", err_irqs - e0, last_vector, ERR_VECTOR);
    /* The same error again before the ESR write: already collected, no
     * second interrupt. */
    self_ipi(ICR_SELF | 8);
    window();
    check(err_irqs == e0 + 1, "lvt-error-once-per-bit", "%u error interrupts after a repeat", err_irqs - e0);
    check(esr_latch() == ESR_SEND, "lvt-error-esr", "ESR %#x", apic_read(R_ESR));
    /* Collection restarted by the write: it fires again. */
    self_ipi(ICR_SELF | 9);
    window();
    check(err_irqs == e0 + 2, "lvt-error-rearmed", "%u error interrupts after the ESR write", err_irqs - e0);
    esr_latch();

    apic_write(R_LVT_ERR, MASKED | ERR_VECTOR);
    self_ipi(ICR_SELF | 10);
    window();
    check(err_irqs == e0 + 2, "lvt-error-masked", "%u error interrupts while masked", err_irqs - e0);
    check(esr_latch() == ESR_SEND, "masked-still-collected", "ESR %#x while masked", apic_read(R_ESR));

    /* An LVT Error vector 0-15 cannot be delivered: bit 6 too, nothing else. */
    unsigned before = other_irqs + err_irqs;
    apic_write(R_LVT_ERR, 6);
    self_ipi(ICR_SELF | 11);
    window();
    uint32_t esr = esr_latch();
    check(esr == (ESR_SEND | ESR_RECV) && other_irqs + err_irqs == before, "lvt-error-illegal-vector",
          "ESR %#x (want 0x60), %u interrupts", esr, other_irqs + err_irqs - before);
    apic_write(R_LVT_ERR, MASKED | ERR_VECTOR);
}

static void test_illegal_register(void)
{
    esr_latch();
    uint32_t v = apic_read(0x040);          /* reserved slot */
    uint32_t esr = esr_latch();
    check(v == 0 && esr == ESR_REG, "illegal-reg-read", "reserved 0x040 reads %#x, ESR %#x (want 0, 0x80)", v,
          esr);
    last_vector = 0;
    apic_write(0x3f0, 0x40);                /* SELF IPI: reserved in xAPIC mode */
    window();
    esr = esr_latch();
    check(esr == ESR_REG && last_vector != 0x40, "illegal-reg-write", "ESR %#x after writing 0x3f0", esr);
    apic_write(R_LVT_ERR, ERR_VECTOR);
    unsigned e0 = err_irqs;
    (void)apic_read(0x2a0);
    window();
    check(err_irqs == e0 + 1, "illegal-reg-interrupt", "%u error interrupts", err_irqs - e0);
    esr_latch();
    apic_write(R_LVT_ERR, MASKED | ERR_VECTOR);
}

static void test_x2apic(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE), val;
    wrmsr(MSR_APIC_BASE, base | (1u << 10));
    x2 = true;
    esr_latch();
    check(wrmsr_safe(MSR_X2APIC(R_ESR), 1) == 13, "x2-esr-nonzero-gp", "a non-zero ESR write did not #GP");
    check(rdmsr_safe(MSR_X2APIC(0x040), &val) == 13, "x2-reserved-gp", "reserved MSR 0x804 did not #GP");
    check(esr_latch() == 0, "x2-reserved-no-esr", "ESR %#x after the #GP", apic_read(R_ESR));
    wrmsr(MSR_X2APIC(0x3f0), 4);            /* SELF IPI, vector 4 */
    check(esr_latch() == ESR_SEND, "x2-self-ipi-illegal", "ESR %#x after SELF IPI vector 4", apic_read(R_ESR));
    self_ipi(2);
    check(esr_latch() == ESR_SEND, "x2-icr-illegal", "ESR %#x after ICR vector 2", apic_read(R_ESR));
}

void test_main(void)
{
    if (!hv_require())
        return;
    irq_hook = hook;
    cli();
    apic_write(R_SVR, 0x1ff);
    test_protocol();
    test_receive_illegal();
    test_lvt_error();
    test_illegal_register();
    test_x2apic();
    irq_hook = NULL;
}
