/*
 * nmi_nest: an NMI a vCPU sends itself from inside its NMI handler (xAPIC
 * ICR, delivery mode NMI) is held while the handler runs and delivered once
 * the handler's IRET has completed, before the interrupted code runs
 * another instruction, whatever RFLAGS.IF is (NMIs ignore it: SDM vol. 3A
 * 6.7.1); and exactly once, even when sent twice (one NMI can be pending).
 * Both the destination shorthand "self" (what QEMU-era test kernels use;
 * the SDM lists it as valid for fixed delivery only, QEMU and Ringvisor
 * deliver it) and a physical destination of the own APIC ID are tried.
 */
#include "guest.h"

#define LAPIC_BASE      0xfee00000u
#define LAPIC_ID        0x020
#define LAPIC_SVR       0x0f0
#define LAPIC_ICR_LO    0x300
#define LAPIC_ICR_HI    0x310
#define ICR_NMI         (4u << 8)
#define ICR_SELF        (1u << 18)

static volatile unsigned nmis, in_handler, nested, sends_per_nmi;
static volatile uint32_t icr_lo, icr_hi;

static volatile uint32_t *lapic(unsigned reg) { return (volatile uint32_t *)(LAPIC_BASE + reg); }

static void send(void)
{
    *lapic(LAPIC_ICR_HI) = icr_hi;
    *lapic(LAPIC_ICR_LO) = icr_lo;
}

static void hook(unsigned vector)
{
    if (vector != 2)
        return;
    if (in_handler)
        nested = 1;
    in_handler = 1;
    if (++nmis == 1) {
        for (unsigned i = 0; i < sends_per_nmi; i++)
            send();
        /* Long enough for a wrongly delivered NMI to land in here. */
        for (volatile int i = 0; i < 100000; i++)
            ;
        if (nmis != 1)
            nested = 1;
    }
    in_handler = 0;
}

static void run(const char *tag, uint32_t lo, uint32_t hi, unsigned sends, bool irqs_on)
{
    char name[48];
    size_t n = strlen(tag);

    nmis = nested = in_handler = 0;
    icr_lo = lo;
    icr_hi = hi;
    sends_per_nmi = sends;
    if (irqs_on)
        sti();
    send();
    /* The first NMI ran at the end of the ICR write, its handler sent the
     * second and IRET-ed; the second must have run before this load. */
    unsigned right_after = nmis;
    uint64_t until = rdtsc() + 2000ull * (gi->tsc_khz ? gi->tsc_khz : 1000000);
    while (nmis < 2 && rdtsc() < until)
        pause();
    /* And no third one later on. */
    for (volatile int i = 0; i < 200000; i++)
        ;
    cli();
    memcpy(name, tag, n);
    memcpy(name + n, "-held", 6);
    check(!nested, name, "an NMI arrived inside the NMI handler");
    memcpy(name + n, "-at-iret", 9);
    check(right_after == 2, name, "%u NMIs right after the handler's IRET, expected 2 (the held one delivered then)",
          right_after);
    memcpy(name + n, "-once", 6);
    check(nmis == 2, name, "%u NMIs in all, expected 2", nmis);
}

void test_main(void)
{
    if (!hv_require())
        return;
    *lapic(LAPIC_SVR) = 0x1ff;                  /* software-enable the LAPIC */
    uint32_t id = *lapic(LAPIC_ID) >> 24;
    irq_hook = hook;
    cli();
    run("self-if0", ICR_SELF | ICR_NMI, 0, 1, false);
    run("self-if1", ICR_SELF | ICR_NMI, 0, 1, true);
    run("phys-if0", ICR_NMI, id << 24, 1, false);
    run("self-twice", ICR_SELF | ICR_NMI, 0, 2, false);
    irq_hook = NULL;
}
