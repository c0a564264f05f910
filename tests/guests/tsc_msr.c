/*
 * tsc_msr: WRMSR IA32_TSC (0x10) and IA32_TSC_ADJUST (0x3b) move this vCPU's
 * TSC as on hardware (Intel SDM vol. 3B 17.17.3): writing the TSC adds the
 * difference to TSC_ADJUST, writing TSC_ADJUST adds the difference to the
 * TSC, and TSC_ADJUST reads back what was written.  CPUID.7.0:EBX bit 1
 * advertises the MSR.  A TSC-deadline timer follows the moved TSC, both
 * when armed after a write and when the TSC jumps past an armed deadline.
 *
 * QEMU's TCG (7.2) differs: it drops WRMSR IA32_TSC and reads 0 from
 * TSC_ADJUST without advertising it, so this test is for Ringvisor only.
 * Times: "slack" allows for the exits between two reads (emulators are slow).
 */
#include "guest.h"

#define MSR_TSC_ADJUST      0x3bu
#define MSR_X2APIC(reg)     (0x800u + ((reg) >> 4))
#define X2_EOI              MSR_X2APIC(0xb0)
#define X2_SVR              MSR_X2APIC(0xf0)
#define X2_LVT_TIMER        MSR_X2APIC(0x320)
#define MSR_TSC_DEADLINE    0x6e0u
#define TIMER_VECTOR        0x51

#define JUMP    1000000000000ull        /* 10^12 ticks: minutes at GHz rates */
#define SLACK   20000000000ull          /* 2 * 10^10 ticks allowed between two reads */

static volatile unsigned timer_hits;

static void hook(unsigned vector)
{
    if (vector == TIMER_VECTOR) {
        timer_hits++;
        wrmsr(X2_EOI, 0);
    }
}

static bool near(uint64_t got, uint64_t want)
{
    return got >= want && got - want < SLACK;
}

/* Waits (IF on) for the timer, bounded by TSC ticks counted from now. */
static bool wait_timer(unsigned before, uint64_t ticks)
{
    uint64_t start = rdtsc();
    sti();
    while (timer_hits == before && rdtsc() - start < ticks)
        pause();
    cli();
    return timer_hits != before;
}

static void test_deadline(void)
{
    unsigned before;
    uint64_t khz = gi->tsc_khz ? gi->tsc_khz : 1000000;

    wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 10) | (1u << 11));    /* x2APIC */
    wrmsr(X2_SVR, 0x1ff);
    wrmsr(X2_LVT_TIMER, (2u << 17) | TIMER_VECTOR);     /* TSC-deadline mode */
    irq_hook = hook;

    /* Armed after the TSC moved forward by JUMP: 10 ms on the new TSC. */
    before = timer_hits;
    wrmsr(MSR_TSC_ADJUST, rdmsr(MSR_TSC_ADJUST) + JUMP);
    wrmsr(MSR_TSC_DEADLINE, rdtsc() + khz * 10);
    check(wait_timer(before, khz * 5000), "deadline-after-write",
          "a deadline 10 ms ahead of the moved TSC did not fire within 5 s");

    /* Armed far ahead (JUMP), then the TSC jumps past it: it fires now. */
    before = timer_hits;
    wrmsr(MSR_TSC_DEADLINE, rdtsc() + JUMP);
    wrmsr(MSR_TSC, rdtsc() + JUMP + khz);
    check(wait_timer(before, khz * 5000), "deadline-jumped-past",
          "the TSC moved past an armed deadline and the timer did not fire within 5 s");

    wrmsr(X2_LVT_TIMER, 1u << 16);
    irq_hook = NULL;
}

void test_main(void)
{
    uint32_t a, b, c, d;
    uint64_t adj = ~0ull, t0, t1, v;

    if (!hv_require())
        return;
    cpuid(0, &a, &b, &c, &d);
    cpuid_count(7, 0, &a, &b, &c, &d);
    check((b >> 1) & 1, "cpuid-tsc-adjust", "CPUID.7.0:EBX = %#x: TSC_ADJUST (bit 1) not advertised", b);

    check(rdmsr_safe(MSR_TSC_ADJUST, &adj) == NO_FAULT && adj == 0, "adjust-initial",
          "IA32_TSC_ADJUST reads %#llx (or faults), expected 0", (unsigned long long)adj);

    /* WRMSR TSC: reads continue from the written value; TSC_ADJUST moved by
     * the same amount. */
    t0 = rdtsc();
    uint64_t target = t0 + JUMP;
    check(wrmsr_safe(MSR_TSC, target) == NO_FAULT, "tsc-write", "WRMSR IA32_TSC faulted");
    t1 = rdtsc();
    check(near(t1, target), "tsc-write-readback", "wrote %#llx, RDTSC then %#llx",
          (unsigned long long)target, (unsigned long long)t1);
    v = rdmsr(MSR_TSC);
    check(near(v, target), "tsc-rdmsr", "wrote %#llx, RDMSR IA32_TSC then %#llx", (unsigned long long)target,
          (unsigned long long)v);
    adj = rdmsr(MSR_TSC_ADJUST);
    /* adj = target - (TSC just before the write) <= JUMP, and within the
     * time between the first read and the write. */
    check(adj <= JUMP && JUMP - adj < SLACK, "tsc-write-moves-adjust",
          "TSC_ADJUST = %#llx after writing TSC + %#llx", (unsigned long long)adj, (unsigned long long)JUMP);

    /* WRMSR TSC_ADJUST: the TSC jumps by the difference (here back by
     * JUMP / 2), and the MSR reads what was written. */
    uint64_t new_adj = adj - JUMP / 2;
    t0 = rdtsc();
    wrmsr(MSR_TSC_ADJUST, new_adj);
    t1 = rdtsc();
    check(rdmsr(MSR_TSC_ADJUST) == new_adj, "adjust-readback", "TSC_ADJUST = %#llx, wrote %#llx",
          (unsigned long long)rdmsr(MSR_TSC_ADJUST), (unsigned long long)new_adj);
    check(near(t1 + JUMP / 2, t0), "adjust-moves-tsc", "TSC %#llx before, %#llx after moving back by %#llx",
          (unsigned long long)t0, (unsigned long long)t1, (unsigned long long)(JUMP / 2));

    /* A TSC written below its current value (backwards, to 2^32): TSC_ADJUST
     * goes down by the same amount (modulo 2^64, so it may be "negative"). */
    adj = rdmsr(MSR_TSC_ADJUST);
    t0 = rdtsc();
    wrmsr(MSR_TSC, 1ull << 32);
    t1 = rdtsc();
    uint64_t adj2 = rdmsr(MSR_TSC_ADJUST);
    check(near(t1, 1ull << 32), "tsc-write-backwards", "wrote 2^32, RDTSC then %#llx", (unsigned long long)t1);
    /* adj2 - adj = 2^32 - (TSC at the write), and that TSC is just after t0. */
    uint64_t at_write = (1ull << 32) - (adj2 - adj);
    check(near(at_write, t0), "tsc-write-backwards-adjust",
          "TSC_ADJUST %#llx -> %#llx for a write of 2^32 at TSC %#llx", (unsigned long long)adj,
          (unsigned long long)adj2, (unsigned long long)t0);

    /* Back to TSC_ADJUST 0: the TSC is the one the vCPU started with again
     * (at least what it was at the very first read, and not far beyond). */
    wrmsr(MSR_TSC_ADJUST, 0);
    t1 = rdtsc();
    check(rdmsr(MSR_TSC_ADJUST) == 0 && t1 > target - JUMP && t1 - (target - JUMP) < 4 * SLACK, "adjust-zero-restores",
          "TSC %#llx with TSC_ADJUST 0; it started near %#llx", (unsigned long long)t1,
          (unsigned long long)(target - JUMP));

    test_deadline();
    wrmsr(MSR_TSC_ADJUST, 0);
}
