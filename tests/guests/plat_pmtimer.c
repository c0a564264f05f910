/*
 * plat_pmtimer: the ACPI PM timer (FADT PM_TMR_BLK, 0xb008 on Ringvisor)
 * counts at 3.579545 MHz of TSC time and never goes backwards (32-bit
 * reads, wrap-around allowed); PM1_EN holds its enable bits; PM1_CNT
 * reads SCI_EN = 1 (the platform is always in ACPI mode).
 */
#include "plat.h"

static void test_rate(void)
{
    uint32_t prev = inl(PM_TMR);
    uint32_t first = prev;
    uint64_t t0 = rdtsc(), t_last = t0, end = clock_ns() + 100000000ull;    /* 100 ms */
    uint64_t total = 0;
    unsigned backwards = 0, reads = 0;
    while (clock_ns() < end) {
        uint32_t v = inl(PM_TMR);
        /* The TSC at the last read, not after the loop: a vCPU descheduled
         * after its last read would otherwise count time the PM ticks do
         * not. */
        t_last = rdtsc();
        uint32_t delta = v - prev;      /* 32-bit wrap is fine */
        if (delta > 0x80000000u)
            backwards++;
        else
            total += delta;
        prev = v;
        reads++;
    }
    uint64_t tsc = t_last - t0;
    uint64_t hz = total * (uint64_t)gi->tsc_khz * 1000 / (tsc ? tsc : 1);
    printf("note: PM timer %#x -> %#x, %llu ticks over %u reads: %llu Hz\n", (unsigned)first, (unsigned)prev,
           (unsigned long long)total, reads, (unsigned long long)hz);
    check(backwards == 0, "pmtmr-monotonic", "%u reads went backwards", backwards);
    check(hz >= PM_TMR_HZ / 100 * 95 && hz <= PM_TMR_HZ / 100 * 105, "pmtmr-rate",
          "PM timer at %llu Hz vs TSC, expected 3579545 +- 5%%", (unsigned long long)hz);
}

static void test_registers(void)
{
    uint16_t en0 = inw(PM1_EN);
    outw(PM1_EN, 0x0100);               /* PWRBTN_EN */
    uint16_t en1 = inw(PM1_EN);
    outw(PM1_EN, en0);
    check(en1 == 0x0100, "pm1-en", "PM1_EN read %#x after writing 0x0100", en1);
    if (!gi->hv_present) {
        skip("pm1-sci-en", "plain QEMU: the BIOS leaves ACPI mode to the OS");
        return;
    }
    uint16_t cnt = inw(PM1_CNT);
    check(cnt & 1, "pm1-sci-en", "PM1_CNT = %#x: SCI_EN clear", cnt);
    uint16_t sts = inw(PM1_STS);
    check((sts & ~1u) == 0, "pm1-sts", "PM1_STS = %#x: only TMR_STS may be set", sts);
}

void test_main(void)
{
    hv_require();
    if (!plat_clock_init())
        return;
    if (!gi->hv_present && inl(PM_TMR) == 0xffffffffu) {
        skip("pmtmr", "plain QEMU: no PM timer at %#x", PM_TMR);
        return;
    }
    test_rate();
    test_registers();
}
