/*
 * smp2_boot: a domain with vcpus = 2 boots and both vCPUs run.  Until a
 * virtual LAPIC (INIT/SIPI) exists, Ringvisor starts every vCPU of a
 * multiboot domain at the kernel entry, vCPU n with initial APIC ID n
 * (docs/hvm.md).  entry32.S lets vCPU0 run the guest and makes every other
 * vCPU count itself in secondary_arrivals and halt; vCPU0 checks that the
 * secondaries arrived while it was running, i.e. that the vCPUs ran
 * concurrently and each knew which one it was.
 */
#include "guest.h"

void test_main(void)
{
    uint32_t a, b, c, d;
    uint64_t apic_base = 0;

    if (!hv_require())
        return;
    cpuid(1, &a, &b, &c, &d);
    check(b >> 24 == 0, "bsp-apic-id", "CPUID.1:EBX[31:24] (initial APIC ID) = %u on the boot vCPU, expected 0",
          (unsigned)(b >> 24));
    int vec = rdmsr_safe(MSR_APIC_BASE, &apic_base);
    check(vec == NO_FAULT && (apic_base & (1u << 8)), "bsp-flag",
          "IA32_APIC_BASE = %#llx (vector %d): the BSP flag (bit 8) is not set on vCPU0",
          (unsigned long long)apic_base, vec);
    check(((b >> 16) & 0xff) == guest_cfg_vcpus, "logical-count",
          "CPUID.1:EBX[23:16] (logical processors) = %u, cfg says vcpus = %u", (unsigned)((b >> 16) & 0xff),
          guest_cfg_vcpus);
    /* Give a secondary vCPU that runs from the entry point time to arrive. */
    uint64_t until = clock_ns() + 2000000000ull;
    while (secondary_arrivals < guest_cfg_vcpus - 1 && clock_ns() < until)
        hv_sched_yield();
    check(secondary_arrivals == guest_cfg_vcpus - 1, "secondaries-ran",
          "%u of %u secondary vCPU(s) ran to the kernel entry within 2 s", (unsigned)secondary_arrivals,
          guest_cfg_vcpus - 1);
}
