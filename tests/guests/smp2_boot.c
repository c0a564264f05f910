/*
 * smp2_boot: a domain with vcpus = 2 boots.  How secondary vCPUs are started
 * is not specified yet (no virtual LAPIC/INIT-SIPI, no VCPUOP_up), so this
 * test runs on vCPU0 only and checks that it is the boot processor; the
 * second vCPU must simply not disturb it.
 */
#include "guest.h"

void test_main(void)
{
    uint32_t a, b, c, d;
    uint64_t apic_base = 0;

    if (!hv_require())
        return;
    printf("note: cfg vcpus = %u; secondary vCPU start-up is not defined yet: only vCPU0 runs this test\n",
           guest_cfg_vcpus);
    cpuid(1, &a, &b, &c, &d);
    check(b >> 24 == 0, "bsp-apic-id", "CPUID.1:EBX[31:24] (initial APIC ID) = %u on the boot vCPU, expected 0",
          (unsigned)(b >> 24));
    int vec = rdmsr_safe(MSR_APIC_BASE, &apic_base);
    check(vec == NO_FAULT && (apic_base & (1u << 8)), "bsp-flag",
          "IA32_APIC_BASE = %#llx (vector %d): the BSP flag (bit 8) is not set on vCPU0",
          (unsigned long long)apic_base, vec);
    printf("note: CPUID.1:EBX[23:16] (logical processors) = %u\n", (unsigned)((b >> 16) & 0xff));
}
