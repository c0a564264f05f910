/*
 * hpet: the HPET of an HVM domain (src/hvm/vhpet.c; IA-PC HPET
 * specification 1.0a), in long mode so that 64-bit register accesses are
 * plain MOVs.  Checks: the ACPI HPET table points at the block and repeats
 * its ID; the capabilities (3 timers, 64-bit counter, legacy-replacement
 * capable, Xen's 16 ns period); 32-bit halves read as the 64-bit register;
 * read-only bits ignore writes; the halted counter is writable (64-bit and
 * by halves) and holds still, the running one increases monotonically at
 * its period; a one-shot comparator interrupt through the IOAPIC arrives
 * once, with the counter past the comparator; a periodic timer fires again
 * and again and its comparator advances; a level-triggered timer sets its
 * status bit, which writing 0 leaves and writing 1 clears; 32-bit mode
 * truncates the comparator; legacy replacement puts timer 0 on IRQ 0
 * (the IOAPIC pin the MADT override names, 2) and timer 1 on IRQ 8 while
 * the PIT and RTC, both programmed to interrupt, stay silent; clearing it
 * gives IRQ 0 back to the PIT.
 *
 * No rate is asserted except loosely (the counter against the TSC over the
 * same interval); waits for interrupts are generous deadlines on the guest
 * clock, and silence is checked by exact counts.
 */
#include "plat.h"

#define HPET_BASE       0xfed00000ull
#define IOAPIC_BASE     0xfec00000u
#define LAPIC_BASE      0xfee00000u
#define LAPIC_ID        0x020
#define LAPIC_TPR       0x080
#define LAPIC_EOI       0x0b0
#define LAPIC_SVR       0x0f0

#define GCAP            0x000
#define GCONF           0x010
#define GISR            0x020
#define COUNTER         0x0f0
#define TCONF(n)        (0x100 + 0x20 * (n))
#define TCMP(n)         (0x108 + 0x20 * (n))

#define CONF_ENABLE     1ull
#define CONF_LEGACY     2ull
#define TN_LEVEL        (1ull << 1)
#define TN_INT_ENB      (1ull << 2)
#define TN_PERIODIC     (1ull << 3)
#define TN_PER_CAP      (1ull << 4)
#define TN_SIZE_CAP     (1ull << 5)
#define TN_VAL_SET      (1ull << 6)
#define TN_32MODE       (1ull << 8)
#define TN_ROUTE(r)     ((uint64_t)(r) << 9)
#define TN_FSB_EN       (1ull << 14)

#define RTE_MASKED      (1u << 16)
#define RTE_LEVEL       (1u << 15)

#define VEC_T           0x40            /* timer 2 / timer 0 on their routed pin */
#define VEC_IRQ0        0x50
#define VEC_IRQ8        0x51

static volatile uint32_t nvec[256];
static volatile uint64_t counter_at_irq;
static volatile uint64_t isr_in_handler;
static volatile bool level_mode;
static uint64_t period_fs, ticks_per_ms;
static uint32_t apic_id;

static uint64_t h64(unsigned reg) { return *(volatile uint64_t *)(HPET_BASE + reg); }
static uint32_t h32(unsigned reg) { return *(volatile uint32_t *)(HPET_BASE + reg); }
static void w64(unsigned reg, uint64_t v) { *(volatile uint64_t *)(HPET_BASE + reg) = v; }
static void w32(unsigned reg, uint32_t v) { *(volatile uint32_t *)(HPET_BASE + reg) = v; }

static void lapic_write(uint32_t reg, uint32_t v) { *(volatile uint32_t *)(uintptr_t)(LAPIC_BASE + reg) = v; }
static uint32_t lapic_read(uint32_t reg) { return *(volatile uint32_t *)(uintptr_t)(LAPIC_BASE + reg); }

static void ioapic_write(uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)IOAPIC_BASE = reg;
    *(volatile uint32_t *)(uintptr_t)(IOAPIC_BASE + 0x10) = v;
}

static void pin_set(unsigned pin, uint8_t vector, bool level, bool masked)
{
    ioapic_write(0x11 + 2 * pin, apic_id << 24);
    ioapic_write(0x10 + 2 * pin, vector | (level ? RTE_LEVEL : 0) | (masked ? RTE_MASKED : 0));
}

static void on_irq(unsigned vector)
{
    if (vector == VEC_T) {
        counter_at_irq = h64(COUNTER);
        isr_in_handler = h64(GISR);
        if (level_mode)
            w64(GISR, isr_in_handler);  /* drop the level before the EOI */
    }
    nvec[vector & 0xff]++;
    lapic_write(LAPIC_EOI, 0);
}

/* Waits with interrupts on until *n reaches want or ms of guest time pass
 * (a deadline for liveness, never a measured rate). */
static bool wait_count(volatile uint32_t *n, uint32_t want, uint64_t ms)
{
    uint64_t end = clock_ns() + ms * 1000000ull;
    sti();
    while (*n < want && clock_ns() < end)
        pause();
    cli();
    return *n >= want;
}

/* ---- ACPI: the HPET table ---- */

static uint32_t r32(uint64_t a) { uint32_t v; memcpy(&v, (const void *)(uintptr_t)a, 4); return v; }
static uint64_t r64(uint64_t a) { uint64_t v; memcpy(&v, (const void *)(uintptr_t)a, 8); return v; }

static uint64_t find_table(const char *sig)
{
    for (uint64_t a = 0xe0000; a < 0x100000; a += 16) {
        if (memcmp((const void *)(uintptr_t)a, "RSD PTR ", 8))
            continue;
        uint64_t xsdt = r64(a + 24);
        if (!xsdt || xsdt >= 0x100000)
            return 0;
        uint32_t n = (r32(xsdt + 4) - 36) / 8;
        for (uint32_t i = 0; i < n && i < 64; i++) {
            uint64_t t = r64(xsdt + 36 + 8 * i);
            if (t && t < 0x100000 && !memcmp((const void *)(uintptr_t)t, sig, 4))
                return t;
        }
        return 0;
    }
    return 0;
}

/* The IOAPIC pin of ISA IRQ irq: the MADT's interrupt source override, or irq. */
static unsigned isa_pin(unsigned irq)
{
    uint64_t m = find_table("APIC");
    if (!m)
        return irq;
    uint32_t len = r32(m + 4);
    for (uint32_t off = 44; off + 2 <= len; off += *(uint8_t *)(uintptr_t)(m + off + 1)) {
        const uint8_t *e = (const uint8_t *)(uintptr_t)(m + off);
        if (e[1] < 2)
            break;
        if (e[0] == 2 && e[3] == irq)
            return r32(m + off + 4);
    }
    return irq;
}

static void test_acpi(uint64_t gcap)
{
    uint64_t t = find_table("HPET");
    if (!check(t != 0, "acpi-hpet-table", "no HPET table in the XSDT"))
        return;
    uint8_t sum = 0;
    uint32_t len = r32(t + 4);
    for (uint32_t i = 0; i < len && i < 4096; i++)
        sum = (uint8_t)(sum + *(uint8_t *)(uintptr_t)(t + i));
    check(len >= 56 && sum == 0, "acpi-hpet-checksum", "length %u, checksum sum %#x", (unsigned)len, sum);
    check(r32(t + 36) == (uint32_t)gcap, "acpi-hpet-id", "event timer block id %#x, GCAP_ID low half %#x",
          (unsigned)r32(t + 36), (unsigned)gcap);
    check(*(uint8_t *)(uintptr_t)(t + 40) == 0 && r64(t + 44) == HPET_BASE, "acpi-hpet-address",
          "space %u address %#llx, want memory 0xfed00000", *(uint8_t *)(uintptr_t)(t + 40),
          (unsigned long long)r64(t + 44));
}

/* ---- registers ---- */

static void test_caps(uint64_t gcap)
{
    unsigned timers = (unsigned)((gcap >> 8) & 0x1f) + 1;
    period_fs = gcap >> 32;
    check(timers >= 3 && (gcap & (1ull << 13)) && (gcap & (1ull << 15)) && (gcap & 0xff) != 0, "caps",
          "GCAP_ID %#llx: %u timers, 64-bit %d, legacy %d", (unsigned long long)gcap, timers,
          !!(gcap & (1ull << 13)), !!(gcap & (1ull << 15)));
    /* The spec's limit is 100 ns (0x05F5E100 fs); Xen and Ringvisor: 16 ns. */
    check(period_fs && period_fs <= 100000000ull && (!gi->hv_present || period_fs == 16000000ull), "period",
          "COUNTER_CLK_PERIOD %llu fs", (unsigned long long)period_fs);
    if (gi->hv_present)
        check((uint32_t)gcap == 0x8086a201u, "caps-xen", "GCAP_ID low half %#x, want Xen's 0x8086a201",
              (unsigned)gcap);
    ticks_per_ms = 1000000000000ull / (period_fs ? period_fs : 1);
    check(h32(GCAP) == (uint32_t)gcap && h32(GCAP + 4) == (uint32_t)(gcap >> 32), "caps-32bit-halves",
          "32-bit reads %#x %#x, 64-bit %#llx", (unsigned)h32(GCAP), (unsigned)h32(GCAP + 4),
          (unsigned long long)gcap);
    w64(GCAP, 0);
    check(h64(GCAP) == gcap, "caps-read-only", "GCAP_ID %#llx after writing 0", (unsigned long long)h64(GCAP));
    w64(GCONF, ~0ull & ~(CONF_ENABLE | CONF_LEGACY));
    check(h64(GCONF) == 0, "gconf-reserved", "GEN_CONF %#llx after writing its reserved bits",
          (unsigned long long)h64(GCONF));
    for (unsigned n = 0; n < 3; n++) {
        uint64_t c = h64(TCONF(n));
        check((c & TN_SIZE_CAP) && (c >> 32) != 0, "tconf-caps", "timer %u config %#llx: 64-bit capable, some route",
              n, (unsigned long long)c);
        /* Write zeros everywhere (and FSB_EN where FSB is not offered):
         * the capability bits stay. */
        w64(TCONF(n), (c & (1ull << 15)) ? 0 : TN_FSB_EN);
        uint64_t c2 = h64(TCONF(n));
        check((c2 & ~0x7fffull) == (c & ~0x7fffull) && (c2 & (TN_PER_CAP | TN_SIZE_CAP)) ==
              (c & (TN_PER_CAP | TN_SIZE_CAP)) && !(c2 & TN_FSB_EN), "tconf-read-only",
              "timer %u config %#llx -> %#llx", n, (unsigned long long)c, (unsigned long long)c2);
    }
    /* An interrupt route outside the capability is not taken: the one
     * written before stays. */
    uint64_t cap = h64(TCONF(2)) >> 32;
    unsigned bad = 0, good = 0;
    while (bad < 32 && (cap & (1u << bad)))
        bad++;
    while (good < 32 && !(cap & (1u << good)))
        good++;
    if (bad < 32 && good < 32) {
        w64(TCONF(2), TN_ROUTE(good));
        w64(TCONF(2), TN_ROUTE(bad));
        unsigned got = (unsigned)((h64(TCONF(2)) >> 9) & 0x1f);
        check(got == good || !gi->hv_present, "route-validated",
              "route %u (not in cap %#llx) after %u reads back %u", bad, (unsigned long long)cap, good, got);
        w64(TCONF(2), 0);
    }
}

static void test_counter(void)
{
    w64(GCONF, 0);
    w64(COUNTER, 0x123456789aull);
    uint64_t a = h64(COUNTER);
    wait_ns(1000000);
    uint64_t b = h64(COUNTER);
    check(a == 0x123456789aull && b == a, "counter-halted", "wrote 0x123456789a, read %#llx then %#llx",
          (unsigned long long)a, (unsigned long long)b);
    w32(COUNTER, 0x11112222u);
    w32(COUNTER + 4, 0x33u);
    a = h64(COUNTER);
    check(a == 0x3311112222ull && h32(COUNTER) == 0x11112222u && h32(COUNTER + 4) == 0x33u, "counter-32bit-halves",
          "after writing halves 0x11112222/0x33: %#llx", (unsigned long long)a);
    w64(COUNTER, 0);

    w64(GCONF, CONF_ENABLE);
    uint64_t t0 = clock_ns(), c0 = h64(COUNTER), prev = c0;
    bool mono = true;
    for (unsigned i = 0; i < 2000; i++) {
        uint64_t c = h64(COUNTER);
        mono &= c >= prev;
        prev = c;
    }
    wait_ns(20000000);
    uint64_t c1 = h64(COUNTER), t1 = clock_ns();
    check(mono && c1 > c0, "counter-runs", "monotonic %d, %#llx -> %#llx", mono, (unsigned long long)c0,
          (unsigned long long)c1);
    /* The counter against the TSC over the same interval: the period is
     * what GCAP_ID says, within a factor of two either way. */
    uint64_t hpet_ns = (c1 - c0) * (period_fs / 1000) / 1000, tsc_ns = t1 - t0;
    printf("note: %llu HPET ticks in %llu ns of guest TSC time (%llu ns by the HPET)\n",
           (unsigned long long)(c1 - c0), (unsigned long long)tsc_ns, (unsigned long long)hpet_ns);
    check(hpet_ns * 2 >= tsc_ns && hpet_ns <= tsc_ns * 2, "counter-rate", "HPET %llu ns vs TSC %llu ns",
          (unsigned long long)hpet_ns, (unsigned long long)tsc_ns);
    if (gi->hv_present) {
        /* Ringvisor ignores writes while running (spec 2.3.8: halt it first). */
        w64(COUNTER, 5);
        check(h64(COUNTER) > 5, "counter-running-write", "a write of 5 while running took effect");
    }
    w64(GCONF, 0);
}

/* A comparator set "counter + delta" must not race the counter: a vCPU
 * descheduled for longer than delta between the read and the write would
 * set it behind the counter (no match for a very long time, as on
 * hardware).  So the counter is halted while a comparator is armed, and
 * runs again afterwards (GEN_CONF as it was). */
static uint64_t counter_halt(void)
{
    uint64_t g = h64(GCONF);
    w64(GCONF, g & ~CONF_ENABLE);
    return g;
}

/* One-shot on timer 2, edge, routed to pin `pin`. */
static void test_oneshot(unsigned pin)
{
    pin_set(pin, VEC_T, false, false);
    w64(GCONF, 0);
    uint64_t cmp = h64(COUNTER) + 2 * ticks_per_ms;
    w64(TCONF(2), TN_INT_ENB | TN_ROUTE(pin));
    w64(TCMP(2), cmp);
    check(h64(TCMP(2)) == cmp, "oneshot-cmp-readback", "comparator %#llx, wrote %#llx",
          (unsigned long long)h64(TCMP(2)), (unsigned long long)cmp);
    w64(GCONF, CONF_ENABLE);
    bool got = wait_count(&nvec[VEC_T], 1, 2000);
    check(got, "oneshot-irq", "no interrupt at vector %#x within 2 s (pin %u)", VEC_T, pin);
    if (got)
        check(counter_at_irq >= cmp, "oneshot-after-match", "counter %#llx at the interrupt, comparator %#llx",
              (unsigned long long)counter_at_irq, (unsigned long long)cmp);
    wait_count(&nvec[VEC_T], 2, 20);
    check(nvec[VEC_T] == 1, "oneshot-once", "%u interrupts from a one-shot comparator", (unsigned)nvec[VEC_T]);
    /* Edge-triggered timers leave the status register alone. */
    check((h64(GISR) & 4) == 0, "oneshot-edge-no-status", "GINTR_STA %#llx", (unsigned long long)h64(GISR));
    w64(TCONF(2), TN_ROUTE(pin));
}

/* A 64-bit one-shot comparator written 100 ms behind the counter matches
 * at once on Xen (its vHPET takes a negative 64-bit difference as 0; real
 * hardware would wait 2^64 ticks): guests written against Xen rely on it. */
static void test_oneshot_past64(unsigned pin)
{
    nvec[VEC_T] = 0;
    uint64_t g = counter_halt();
    uint64_t now = h64(COUNTER);
    uint64_t cmp = now > 100 * ticks_per_ms ? now - 100 * ticks_per_ms : 0;
    w64(TCONF(2), TN_INT_ENB | TN_ROUTE(pin));
    w64(TCMP(2), cmp);
    w64(GCONF, g | CONF_ENABLE);
    bool got = wait_count(&nvec[VEC_T], 1, 1000);
    check(got, "oneshot-past64-fires", "no interrupt within 1 s from a 64-bit comparator %#llx behind the counter %#llx",
          (unsigned long long)cmp, (unsigned long long)now);
    wait_count(&nvec[VEC_T], 2, 20);
    check(nvec[VEC_T] == 1, "oneshot-past64-once", "%u interrupts", (unsigned)nvec[VEC_T]);
    w64(TCONF(2), TN_ROUTE(pin));
    w64(GCONF, g);
}

/* Periodic on timer 0 (not legacy), routed to the same pin. */
static void test_periodic(unsigned pin)
{
    nvec[VEC_T] = 0;
    uint64_t conf0 = h64(TCONF(0));
    if (!(conf0 & TN_PER_CAP) || !((conf0 >> 32) & (1u << pin))) {
        skip("periodic", "timer 0 config %#llx: not periodic-capable on pin %u", (unsigned long long)conf0, pin);
        return;
    }
    uint64_t period = ticks_per_ms;         /* 1 kHz */
    uint64_t g = counter_halt();
    uint64_t start = h64(COUNTER) + period;
    w64(TCONF(0), TN_INT_ENB | TN_PERIODIC | TN_VAL_SET | TN_ROUTE(pin));
    w64(TCMP(0), start);
    w64(TCMP(0), period);
    w64(GCONF, g);
    check(!(h64(TCONF(0)) & TN_VAL_SET), "periodic-valset-clears", "VAL_SET still set after the comparator write");
    bool got = wait_count(&nvec[VEC_T], 5, 3000);
    uint64_t cmp = h64(TCMP(0));
    w64(TCONF(0), TN_ROUTE(pin));
    printf("note: %u periodic interrupts, comparator %#llx (started at %#llx)\n", (unsigned)nvec[VEC_T],
           (unsigned long long)cmp, (unsigned long long)start);
    check(got, "periodic-repeats", "only %u interrupts within 3 s", (unsigned)nvec[VEC_T]);
    check(cmp >= start + 4 * period && (cmp - start) % period == 0, "periodic-cmp-advances",
          "comparator %#llx, start %#llx, period %#llx", (unsigned long long)cmp, (unsigned long long)start,
          (unsigned long long)period);
}

/* Level-triggered timer 2: status bit, W1C, and the interrupt. */
static void test_level(unsigned pin)
{
    /* Without INT_ENB the match still sets the status bit. */
    w64(TCONF(2), TN_LEVEL | TN_ROUTE(pin));
    uint64_t g = counter_halt();
    w64(TCMP(2), h64(COUNTER) + ticks_per_ms / 4);
    w64(GCONF, g);
    uint64_t end = clock_ns() + 2000000000ull;
    while (!(h64(GISR) & 4) && clock_ns() < end)
        pause();
    check(h64(GISR) & 4, "level-status-set", "GINTR_STA %#llx: timer 2's bit not set", (unsigned long long)h64(GISR));
    w64(GISR, 0);
    check(h64(GISR) & 4, "status-write0-kept", "writing 0 cleared the status bit");
    w32(GISR, 4);
    check(!(h64(GISR) & 4), "status-w1c", "GINTR_STA %#llx after writing 1", (unsigned long long)h64(GISR));

    /* Now with the interrupt: the handler sees the bit, clears it, EOIs. */
    nvec[VEC_T] = 0;
    level_mode = true;
    pin_set(pin, VEC_T, true, false);
    w64(TCONF(2), TN_LEVEL | TN_INT_ENB | TN_ROUTE(pin));
    g = counter_halt();
    w64(TCMP(2), h64(COUNTER) + ticks_per_ms);
    w64(GCONF, g);
    bool got = wait_count(&nvec[VEC_T], 1, 2000);
    wait_count(&nvec[VEC_T], 2, 20);
    check(got && nvec[VEC_T] == 1 && (isr_in_handler & 4), "level-irq",
          "%u interrupts, GINTR_STA in the handler %#llx", (unsigned)nvec[VEC_T], (unsigned long long)isr_in_handler);
    check(!(h64(GISR) & 4), "level-cleared", "GINTR_STA %#llx", (unsigned long long)h64(GISR));
    level_mode = false;
    w64(TCONF(2), TN_ROUTE(pin));
    pin_set(pin, VEC_T, false, true);
}

static void test_32bit_mode(void)
{
    w64(TCONF(2), TN_32MODE);
    w64(TCMP(2), 0xabcd000012345678ull);
    uint64_t c = h64(TCMP(2));
    w64(TCONF(2), 0);
    check(c == 0x12345678ull, "32bit-mode-cmp", "comparator %#llx in 32-bit mode", (unsigned long long)c);
}

/* Legacy replacement: timer 0 on IRQ 0, timer 1 on IRQ 8; PIT and RTC silent. */
static void test_legacy(void)
{
    unsigned pin0 = isa_pin(0), pin8 = isa_pin(8);
    check(pin0 == 2, "madt-irq0-pin", "the MADT routes IRQ 0 to GSI %u", pin0);
    pin_set(pin0, VEC_IRQ0, false, false);
    pin_set(pin8, VEC_IRQ8, false, false);
    nvec[VEC_IRQ0] = nvec[VEC_IRQ8] = 0;

    /* Legacy replacement on, the counter halted while the comparators are
     * armed (counter_halt: a descheduled vCPU must not arm them behind it). */
    w64(GCONF, CONF_LEGACY);
    /* The PIT at 1 kHz and the RTC's periodic interrupt at 1024 Hz: both
     * would interrupt on pins 2 and 8 without legacy replacement. */
    pit_ch0_program(2, 1193);
    cmos_read(0x0c);
    uint8_t b = cmos_read(0x0b);
    cmos_write(0x0b, b | 0x40);

    uint64_t now = h64(COUNTER);
    w64(TCONF(0), TN_INT_ENB);
    w64(TCONF(1), TN_INT_ENB);
    w64(TCMP(0), now + 3 * ticks_per_ms);
    w64(TCMP(1), now + 4 * ticks_per_ms);
    w64(GCONF, CONF_ENABLE | CONF_LEGACY);
    bool got0 = wait_count(&nvec[VEC_IRQ0], 1, 2000);
    bool got8 = wait_count(&nvec[VEC_IRQ8], 1, 2000);
    wait_ns_sti(30000000ull);               /* the PIT and the RTC would interrupt dozens of times */
    printf("note: legacy: %u on IRQ 0 (pin %u), %u on IRQ 8 (pin %u)\n", (unsigned)nvec[VEC_IRQ0], pin0,
           (unsigned)nvec[VEC_IRQ8], pin8);
    check(got0 && nvec[VEC_IRQ0] == 1, "legacy-timer0-irq0", "%u interrupts on IRQ 0 (want timer 0's one)",
          (unsigned)nvec[VEC_IRQ0]);
    check(got8 && nvec[VEC_IRQ8] == 1, "legacy-timer1-irq8", "%u interrupts on IRQ 8 (want timer 1's one)",
          (unsigned)nvec[VEC_IRQ8]);

    /* Legacy replacement off: IRQ 0 is the PIT's again. */
    w64(TCONF(0), 0);
    w64(TCONF(1), 0);
    cmos_write(0x0b, b);
    cmos_read(0x0c);
    w64(GCONF, CONF_ENABLE);
    nvec[VEC_IRQ0] = 0;
    check(wait_count(&nvec[VEC_IRQ0], 3, 2000), "legacy-off-pit-back", "%u PIT interrupts on IRQ 0 in 2 s",
          (unsigned)nvec[VEC_IRQ0]);
    outb(PIT_CMD, 0x30);                    /* channel 0 mode 0, no count: OUT stays low */
    pin_set(pin0, VEC_IRQ0, false, true);
    pin_set(pin8, VEC_IRQ8, false, true);
    w64(GCONF, 0);
}

void test_main(void)
{
    hv_require();
    if (!plat_clock_init())
        return;
    pic_init(0xff, 0xff);
    irq_hook = on_irq;
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_SVR, 0x1ff);
    apic_id = lapic_read(LAPIC_ID) >> 24;

    uint64_t gcap = h64(GCAP);
    printf("note: GCAP_ID %#llx\n", (unsigned long long)gcap);
    test_acpi(gcap);
    test_caps(gcap);
    test_counter();
    /* The route: the lowest pin of timer 2's capability from 16 up (Xen: 20). */
    uint64_t cap = h64(TCONF(2)) >> 32;
    unsigned pin = 16;
    while (pin < 24 && !(cap & (1u << pin)))
        pin++;
    if (!check(pin < 24, "route-cap", "timer 2 routing capability %#llx has no pin 16-23", (unsigned long long)cap))
        return;
    test_oneshot(pin);
    if (gi->hv_present)
        test_oneshot_past64(pin);
    test_periodic(pin);
    test_level(pin);
    test_32bit_mode();
    test_legacy();
}
