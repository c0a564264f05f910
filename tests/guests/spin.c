/*
 * spin: a CPU-bound loop of a fixed number of iterations (cmdline
 * "iters=N", default 50 million), timed with the TSC.  The fairness test
 * runs eight of these (spin0..spin7) on four CPUs and compares the
 * "spin: N iterations in T us" lines.  While it spins it also checks that
 * the TSC never goes backwards, which it would if the vCPU moved between
 * CPUs whose TSCs the hypervisor did not keep in step.
 */
#include "guest.h"

#define CHUNK 65536u

void test_main(void)
{
    uint32_t iters = cmdline_uint("iters", 50000000);
    uint32_t x = 1, backwards = 0;

    hv_require();
    uint64_t t0 = rdtsc(), prev = t0;
    for (uint32_t done = 0; done < iters;) {
        uint32_t n = iters - done < CHUNK ? iters - done : CHUNK;
        for (uint32_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            asm volatile("" : "+r"(x));     /* keep the loop: the compiler may not fold it */
        }
        done += n;
        uint64_t now = rdtsc();
        if (now < prev)
            backwards++;
        prev = now;
    }
    uint64_t t1 = rdtsc();
    check(backwards == 0 && t1 > t0, "tsc-monotonic", "the TSC went backwards %u times while spinning", backwards);
    if (clock_available())
        printf("spin: %u iterations in %llu us\n", iters, (unsigned long long)((tsc_to_ns(t1) - tsc_to_ns(t0)) / 1000));
    else
        printf("spin: %u iterations in %llu TSC cycles (TSC frequency unknown)\n", iters,
               (unsigned long long)(t1 - t0));
}
