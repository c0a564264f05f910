/*
 * TSC calibration.  The HPET (IA-PC HPET spec 1.0a: period in femtoseconds
 * in GCAP_ID[63:32], main counter at 0xf0) is the preferred reference since
 * its rate is stated exactly; without it, PIT channel 2 in mode 0 gives a
 * 10 ms gate (1.193182 MHz input, 8254 data sheet).
 *
 * Time in ns is TSC * mult >> 32; the 64x64 multiplication goes to 128 bits
 * (a single MUL: no libgcc division needed).
 */
#include "arch/x86/time.h"
#include "arch/x86/acpi_tables.h"
#include "arch/x86/asm.h"
#include "core/console.h"
#include "mm/mm.h"

static uint64_t tsc_hz = 3000000000ull;   /* (i) until calibrated: a guess for early delays */
static uint64_t tsc_boot __hot_data;                 /* (i) */
static uint64_t ns_per_tsc_q32 __hot_data;           /* (i) ns per TSC tick, 32.32 */
static uint64_t tsc_per_ns_q24 __hot_data;           /* (i) TSC ticks per ns, 40.24 (hz << 24 fits for hz < 2^40) */
static const char *calib_src = "none";

#define HPET_GCAP_ID    0x000
#define HPET_GEN_CONF   0x010
#define HPET_MAIN_CNT   0x0f0

/* One HPET read with the TSC on both sides, the tightest of a few tries:
 * the TSC value taken is the middle of that window.  Under an emulator the
 * host may deschedule the CPU between the two reads of a pair; a wide
 * window shows it. */
static bool hpet_tsc_pair(volatile uint64_t *hpet, uint64_t *h, uint64_t *t)
{
    uint64_t best = ~0ull;

    for (unsigned i = 0; i < 5; i++) {
        uint64_t a = rdtsc_ordered(), hv = hpet[HPET_MAIN_CNT / 8], b = rdtsc_ordered();
        if (b - a < best) {
            best = b - a;
            *h = hv;
            *t = a + (b - a) / 2;
        }
    }
    return best != ~0ull;
}

/* One 10 ms measurement: TSC Hz, 0 if the counter does not move. */
static uint64_t calibrate_hpet_once(volatile uint64_t *hpet, uint64_t period_fs)
{
    uint64_t ticks_10ms = 10000000000000ull / period_fs;
    uint64_t h0, t0, h1, t1, spins = 0;

    hpet_tsc_pair(hpet, &h0, &t0);
    do {
        if (++spins > 100000000ull)
            return 0;                       /* counter stuck */
    } while (hpet[HPET_MAIN_CNT / 8] - h0 < ticks_10ms);
    hpet_tsc_pair(hpet, &h1, &t1);
    uint64_t elapsed_ns = (h1 - h0) * period_fs / 1000000;
    return elapsed_ns ? (t1 - t0) * 1000000000ull / elapsed_ns : 0;
}

/* The median of five measurements: one that the host's scheduling spoilt
 * (QEMU's thread descheduled between an HPET read and its TSC read made
 * the rate 5 % off once, and every timer of the machine with it) does not
 * count. */
static uint64_t calibrate_hpet(uint64_t hpet_phys)
{
    volatile uint64_t *hpet = ioremap(hpet_phys, 1024);
    uint64_t m[5];

    if (!hpet)
        return 0;
    uint64_t period_fs = hpet[HPET_GCAP_ID / 8] >> 32;
    /* The spec caps the period at 100 ns (10^8 fs); 0 or larger is bogus. */
    if (period_fs == 0 || period_fs > 100000000ull)
        return 0;
    hpet[HPET_GEN_CONF / 8] |= 1;          /* ENABLE_CNF: let the counter run */
    for (unsigned i = 0; i < 5; i++) {
        m[i] = calibrate_hpet_once(hpet, period_fs);
        if (!m[i])
            return 0;
        for (unsigned j = i; j > 0 && m[j] < m[j - 1]; j--) {      /* insertion sort */
            uint64_t x = m[j];
            m[j] = m[j - 1];
            m[j - 1] = x;
        }
    }
    return m[2];
}

static uint64_t calibrate_pit(void)
{
    const uint16_t count = 11932;           /* 10 ms at 1.193182 MHz */
    uint8_t gate = inb(0x61);

    outb(0x61, (gate & ~0x02) | 0x01);      /* speaker off, channel 2 gate on */
    outb(0x43, 0xb0);                       /* channel 2, lobyte/hibyte, mode 0 */
    outb(0x42, count & 0xff);
    outb(0x42, count >> 8);
    uint64_t t0 = rdtsc_ordered(), spins = 0;
    while (!(inb(0x61) & 0x20))             /* OUT2 goes high at terminal count */
        if (++spins > 100000000ull)
            return 0;
    uint64_t t1 = rdtsc_ordered();
    outb(0x61, gate);
    return (t1 - t0) * 100;
}

void tsc_init(const struct acpi_info *acpi)
{
    uint64_t hz = 0;

    if (acpi && acpi->hpet_addr) {
        hz = calibrate_hpet(acpi->hpet_addr);
        if (hz)
            calib_src = "HPET";
    }
    if (!hz) {
        hz = calibrate_pit();
        if (hz)
            calib_src = "PIT";
    }
    if (!hz) {
        log_warn("time: no HPET or PIT answered; assuming a 2 GHz TSC\n");
        hz = 2000000000ull;
        calib_src = "guess";
    }
    tsc_hz = hz;
    ns_per_tsc_q32 = (1000000000ull << 32) / hz;  /* hz > 1e9/2^32 always */
    tsc_per_ns_q24 = (hz << 24) / 1000000000ull;
    tsc_boot = rdtsc();
    log_info("time: TSC %lu.%03lu MHz (calibrated against the %s)\n",
             (unsigned long)(hz / 1000000), (unsigned long)(hz / 1000 % 1000), calib_src);
}

uint64_t tsc_khz(void)
{
    return tsc_hz / 1000;
}

const char *tsc_calibration_source(void)
{
    return calib_src;
}

__hot_path uint64_t now_ns(void)
{
    uint64_t t = rdtsc() - tsc_boot;
    return (uint64_t)(((unsigned __int128)t * ns_per_tsc_q32) >> 32);
}

__hot_path uint64_t ns_to_tsc_deadline(uint64_t ns)
{
    return tsc_boot + (uint64_t)(((unsigned __int128)ns * tsc_per_ns_q24) >> 24);
}

void tsc_delay_us(uint64_t us)
{
    uint64_t end = rdtsc() + us * (tsc_hz / 1000000);
    while ((int64_t)(rdtsc() - end) < 0)
        cpu_relax();
}

uint64_t tsc_to_abs_ns(uint64_t tsc)
{
    return (uint64_t)(((unsigned __int128)tsc * ns_per_tsc_q32) >> 32);
}

uint64_t tsc_ns_per_tick_q32(void)
{
    return ns_per_tsc_q32;
}

__hot_path uint64_t guest_ns_to_host_ns(uint64_t guest_ns)
{
    uint64_t boot = tsc_to_abs_ns(tsc_boot);
    return guest_ns > boot ? guest_ns - boot : 0;
}
