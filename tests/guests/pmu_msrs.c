/*
 * pmu_msrs: with no virtual PMU, the performance-counter MSRs a guest's PMU
 * reset touches read 0 and take writes without a #GP (QEMU and Xen with
 * vPMU off behave so): AMD's legacy PerfEvtSel0-3/PerfCtr0-3
 * (0xc0010000-0xc0010007) and the Intel architectural counters, event
 * selects, fixed counters and global controls.  CPUID leaf 0xA (Intel
 * architectural PMU) reports version 0, so a guest knows not to use them.
 * An MSR next to the ranges still raises #GP.
 */
#include "guest.h"

static void try_msr(uint32_t msr, const char *name)
{
    uint64_t v = 0x1234;
    int rv = rdmsr_safe(msr, &v);
    int wv = wrmsr_safe(msr, 0x42);
    uint64_t after = 0x1234;
    int rv2 = rdmsr_safe(msr, &after);
    check(rv == NO_FAULT && v == 0 && wv == NO_FAULT && rv2 == NO_FAULT && after == 0, name,
          "MSR %#x: read vector %d value %#llx, write vector %d, read-back %#llx: expected 0, no fault, writes dropped",
          msr, rv, (unsigned long long)v, wv, (unsigned long long)after);
}

void test_main(void)
{
    uint32_t a, b, c, d;

    if (!hv_require())
        return;
    for (uint32_t m = 0xc0010000; m <= 0xc0010007; m++)
        try_msr(m, m < 0xc0010004 ? "amd-perfevtsel" : "amd-perfctr");
    try_msr(0xc1, "intel-pmc0");
    try_msr(0x186, "intel-perfevtsel0");
    try_msr(0x309, "intel-fixed-ctr0");
    try_msr(0x38d, "intel-fixed-ctr-ctrl");
    try_msr(0x38f, "intel-perf-global-ctrl");
    uint64_t v;
    int vec = rdmsr_safe(0xc0010008, &v);
    check(vec == 13, "beyond-amd-range", "RDMSR 0xc0010008: vector %d, expected #GP", vec);
    cpuid(0, &a, &b, &c, &d);
    if (a >= 0xa) {
        cpuid(0xa, &a, &b, &c, &d);
        check((a & 0xff) == 0, "cpuid-no-arch-pmu", "CPUID.0xA:EAX = %#x: PMU version should be 0", a);
    }
}
