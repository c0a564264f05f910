/*
 * exit_mix: a known number of exits of three kinds, for the hypervisor's
 * per-kind exit cost (hvm/exit_stats.c, tests/integration/
 * test_exit_cost.py): cmdline "cpuid=N io=M hc=K" (defaults 3000, 2000,
 * 1000) makes N CPUID(0), M reads of the UART's LSR (emulated port I/O)
 * and K xen_version(XENVER_version) hypercalls, in that order, then prints
 * what it did, and the mean round trip of each kind in guest TSC time.  The
 * test compares the hypervisor's counts with these; rv-bench the times.
 */
#include "guest.h"

#define UART_LSR (UART_BASE + 5)

void test_main(void)
{
    uint32_t nc = cmdline_uint("cpuid", 3000), ni = cmdline_uint("io", 2000), nh = cmdline_uint("hc", 1000);
    uint32_t a, b, c, d, bad_io = 0, bad_hc = 0;

    if (!hv_require())
        return;
    uart_drain();
    long v0 = hv_version();
    uint64_t t0 = rdtsc();
    for (uint32_t i = 0; i < nc; i++)
        cpuid(0, &a, &b, &c, &d);
    uint64_t t1 = rdtsc();
    for (uint32_t i = 0; i < ni; i++)
        bad_io += inb(UART_LSR) != 0x60;
    uint64_t t2 = rdtsc();
    for (uint32_t i = 0; i < nh; i++)
        bad_hc += hv_version() != v0;
    uint64_t t3 = rdtsc();
    check(bad_io == 0, "lsr-stable", "%u of %u LSR reads were not 0x60", bad_io, ni);
    check(bad_hc == 0, "version-stable", "%u of %u xen_version calls gave another answer", bad_hc, nh);
    printf("exit_mix: did cpuid %u, io %u, xen_version %u\n", nc, ni, nh);
    /* The whole round trip each kind costs as the guest sees it (rv-bench
     * sets the hypervisor's share against the CPUID one, the floor). */
    if (clock_available() && nc && ni && nh)
        printf("exit_mix: round trip ns: cpuid %llu, io %llu, xen_version %llu\n",
               (unsigned long long)((tsc_to_ns(t1) - tsc_to_ns(t0)) / nc),
               (unsigned long long)((tsc_to_ns(t2) - tsc_to_ns(t1)) / ni),
               (unsigned long long)((tsc_to_ns(t3) - tsc_to_ns(t2)) / nh));
}
