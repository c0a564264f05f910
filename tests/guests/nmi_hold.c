/*
 * nmi_hold: takes an NMI sent to itself and stays in the NMI handler for a
 * while (hold_ms on the command line, default 1500 ms of guest time), making
 * VM exits all along (port reads, PAUSE), so that its vCPU leaves the CPU
 * with NMIs blocked; then returns with IRET.  Paired with nmi_nest on the
 * same physical CPU (nmi_pair_*.cfg, cpus = "0") it checks that one guest's
 * NMI blocking does not follow the CPU into another guest.
 */
#include "guest.h"

#define LAPIC_BASE      0xfee00000u
#define LAPIC_SVR       0x0f0
#define LAPIC_ICR_HI    0x310
#define LAPIC_ICR_LO    0x300

static volatile unsigned nmis;
static uint64_t hold_tsc;

static volatile uint32_t *lapic(unsigned reg) { return (volatile uint32_t *)(LAPIC_BASE + reg); }

static void hook(unsigned vector)
{
    if (vector != 2)
        return;
    nmis++;
    uint64_t until = rdtsc() + hold_tsc;
    while (rdtsc() < until) {
        (void)inb(0x3fd);
        pause();
    }
}

void test_main(void)
{
    if (!hv_require())
        return;
    uint32_t khz = gi->tsc_khz ? gi->tsc_khz : 1000000;
    hold_tsc = (uint64_t)cmdline_uint("hold_ms", 1500) * khz;
    *lapic(LAPIC_SVR) = 0x1ff;
    irq_hook = hook;
    cli();
    *lapic(LAPIC_ICR_HI) = 0;
    *lapic(LAPIC_ICR_LO) = (1u << 18) | (4u << 8);     /* NMI, shorthand self */
    for (volatile int i = 0; i < 100000; i++)
        ;
    irq_hook = NULL;
    check(nmis == 1, "nmi-taken", "%u NMIs, expected 1", nmis);
}
