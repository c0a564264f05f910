/*
 * smp_start: a test kernel written for QEMU's PC: it reads its CPU count
 * and RAM size from fw_cfg (FW_CFG_NB_CPUS, FW_CFG_RAM_SIZE), starts the
 * application processors with INIT-SIPI-SIPI, and checks that each AP came up once, in real mode at the
 * SIPI vector's page, with its own initial APIC ID 1..n-1 — and that the
 * ACPI MADT lists every one of them as enabled.  The same image runs on
 * plain QEMU (-smp N) and as a Ringvisor domain of 1, 2 or 4 vCPUs.
 */
#include "guest.h"
#include "smp.h"

static unsigned fwcfg_cpus(void)
{
    outw(0x510, 0x05);
    unsigned lo = inb(0x511), hi = inb(0x511);
    return lo | hi << 8;
}

static uint64_t fwcfg_ram(void)
{
    uint64_t v = 0;
    outw(0x510, 0x03);
    for (unsigned i = 0; i < 8; i++)
        v |= (uint64_t)inb(0x511) << (8 * i);
    return v;
}

/* Enabled processor-local APIC entries (type 0, flags bit 0) in the MADT. */
static unsigned madt_cpus(void)
{
    const uint8_t *p = (const uint8_t *)0xe0000, *rsdp = 0;
    for (; p < (const uint8_t *)0x100000; p += 16)
        if (!memcmp(p, "RSD PTR ", 8)) {
            rsdp = p;
            break;
        }
    if (!rsdp)
        return 0;
    const uint8_t *rsdt = (const uint8_t *)(uintptr_t)*(const uint32_t *)(rsdp + 16);
    uint32_t len = *(const uint32_t *)(rsdt + 4);
    for (uint32_t off = 36; off + 4 <= len; off += 4) {
        const uint8_t *t = (const uint8_t *)(uintptr_t)*(const uint32_t *)(rsdt + off);
        if (memcmp(t, "APIC", 4))
            continue;
        uint32_t tl = *(const uint32_t *)(t + 4);
        unsigned n = 0;
        for (uint32_t e = 44; e + 2 <= tl && t[e + 1] >= 2; e += t[e + 1])
            if (t[e] == 0 && (t[e + 4] & 1))
                n++;
        return n;
    }
    return 0;
}

void test_main(void)
{
    uint8_t seen[AP_MAX_ID];

    hv_require();
    unsigned ncpu = fwcfg_cpus();
    if (!check(ncpu >= 1 && ncpu <= 64, "fwcfg-cpus", "FW_CFG_NB_CPUS = %u", ncpu))
        return;
    /* Under Ringvisor CPUID.1:EBX[23:16] is the domain's vCPU count (the
     * same image runs with several domain files, so not guest_cfg_vcpus). */
    if (gi->hv_present) {
        uint32_t a, b, c, d;
        cpuid(1, &a, &b, &c, &d);
        check(ncpu == ((b >> 16) & 0xff), "fwcfg-cpus-match", "fw_cfg says %u CPUs, CPUID.1 %u logical", ncpu,
              (unsigned)((b >> 16) & 0xff));
    }
    uint64_t ram = fwcfg_ram();
    check(ram == (uint64_t)guest_cfg_memory_mib << 20, "fwcfg-ram", "FW_CFG_RAM_SIZE = %#llx, the domain has %u MiB",
          (unsigned long long)ram, guest_cfg_memory_mib);
    unsigned madt = madt_cpus();
    check(madt == ncpu, "madt-cpus", "the MADT lists %u enabled LAPICs, fw_cfg %u CPUs", madt, ncpu);
    unsigned n = smp_start_aps(ncpu - 1, 20000, seen);    /* an upper bound only: returns when all arrived */
    bool once = true;
    for (unsigned id = 1; id < ncpu && id < AP_MAX_ID; id++)
        once &= seen[id] == 1;
    check(n == ncpu - 1 && once && seen[0] == 0, "aps-up",
          "%u of %u APs ran the trampoline; seen[0] = %u, every APIC ID 1..%u once: %s", n, ncpu - 1, seen[0],
          ncpu - 1, once ? "yes" : "no");
}
