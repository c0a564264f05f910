/*
 * smp2_boot: a domain with vcpus = 2 boots with only vCPU0 running, as on
 * real hardware, QEMU and Xen; vCPU1 waits for INIT-SIPI-SIPI and then
 * starts in real mode at vector * 4096 (lib/smp.c, lib/ap_tramp.S).
 * vCPU0 checks its own identity, that the AP did not run before it was
 * started, and that it ran exactly once with initial APIC ID 1.
 */
#include "guest.h"
#include "smp.h"

void test_main(void)
{
    uint32_t a, b, c, d;
    uint64_t apic_base = 0;
    uint8_t seen[AP_MAX_ID];

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
    /* Before any IPI, no AP may have run (the kernel entry is vCPU0's). */
    uint64_t until = clock_ns() + 200000000ull;
    while (clock_ns() < until)
        hv_sched_yield();
    check(secondary_arrivals == 0, "aps-wait-for-sipi",
          "%u secondary vCPU(s) ran the kernel entry without being started", (unsigned)secondary_arrivals);
    unsigned n = smp_start_aps(guest_cfg_vcpus - 1, 20000, seen);   /* upper bound: returns once it arrived */
    check(n == guest_cfg_vcpus - 1 && seen[1] == 1, "ap-started-by-sipi",
          "%u of %u AP(s) ran the real-mode trampoline (APIC ID 1 seen %u times)", n, guest_cfg_vcpus - 1,
          seen[1]);
}
