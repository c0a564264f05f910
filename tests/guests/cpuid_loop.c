/*
 * cpuid_loop: benchmark of the cheapest exit there is.  N CPUID(0) (cmdline
 * "n=N", default 100000), each of which the hypervisor intercepts; prints
 * the TSC-measured time per operation.  CPUID(0) must give the same answer
 * every time.
 */
#include "guest.h"

void test_main(void)
{
    uint32_t n = cmdline_uint("n", 100000), a0, b0, c0, d0, a, b, c, d, diff = 0;

    hv_require();
    cpuid(0, &a0, &b0, &c0, &d0);
    uint64_t t0 = rdtsc();
    for (uint32_t i = 0; i < n; i++) {
        cpuid(0, &a, &b, &c, &d);
        diff += (a != a0) | (b != b0) | (c != c0) | (d != d0);
    }
    uint64_t t1 = rdtsc();
    check(diff == 0, "cpuid-stable", "%u of %u CPUID(0) results differed from the first", diff, n);
    uint64_t cycles = (t1 - t0) / (n ? n : 1);
    if (clock_available())
        printf("cpuid_loop: %u CPUID in %llu us: %llu ns per CPUID (%llu TSC cycles)\n", n,
               (unsigned long long)((tsc_to_ns(t1) - tsc_to_ns(t0)) / 1000),
               (unsigned long long)((tsc_to_ns(t1) - tsc_to_ns(t0)) / (n ? n : 1)), (unsigned long long)cycles);
    else
        printf("cpuid_loop: %u CPUID: %llu TSC cycles per CPUID (TSC frequency unknown)\n", n,
               (unsigned long long)cycles);
}
