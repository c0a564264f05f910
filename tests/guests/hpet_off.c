/*
 * hpet_off: with hpet = 0 in the domain file there is no HPET: its
 * register block reads all ones and ignores writes, like the rest of the
 * chipset's fixed window that no device claims (docs/hvm-platform.md),
 * and the ACPI tables have no HPET table.  Also checks the window's other
 * unclaimed places: the IOAPIC range past its page, the LAPIC range past
 * the APIC page and 0xfef00000-0xfeffffff read all ones too, while the
 * IOAPIC and the LAPIC themselves still answer.
 */
#include "guest.h"

static uint32_t r32(uint32_t a) { return *(volatile uint32_t *)(uintptr_t)a; }
static uint32_t m32(uint32_t a) { uint32_t v; memcpy(&v, (const void *)(uintptr_t)a, 4); return v; }

static bool has_table(const char *sig, bool *found_root)
{
    *found_root = false;
    for (uint32_t a = 0xe0000; a < 0x100000; a += 16) {
        if (memcmp((const void *)(uintptr_t)a, "RSD PTR ", 8))
            continue;
        uint32_t rsdt = m32(a + 16);
        if (!rsdt || rsdt >= 0x100000)
            return false;
        *found_root = true;
        uint32_t n = (m32(rsdt + 4) - 36) / 4;
        for (uint32_t i = 0; i < n && i < 64; i++) {
            uint32_t t = m32(rsdt + 36 + 4 * i);
            if (t && t < 0x100000 && !memcmp((const void *)(uintptr_t)t, sig, 4))
                return true;
        }
        return false;
    }
    return false;
}

static void expect_ones(uint32_t a, const char *name)
{
    uint32_t v = r32(a);
    uint8_t b = *(volatile uint8_t *)(uintptr_t)(a + 1);
    *(volatile uint32_t *)(uintptr_t)a = 0;
    uint32_t after = r32(a);
    check(v == 0xffffffffu && b == 0xff && after == 0xffffffffu, name,
          "%#x reads %#x (byte %#x), %#x after writing 0; want all ones", (unsigned)a, (unsigned)v, b,
          (unsigned)after);
}

void test_main(void)
{
    hv_require();
    bool root;
    bool hpet = has_table("HPET", &root);
    bool madt = has_table("APIC", &root);
    check(root && madt && !hpet, "no-acpi-hpet", "RSDT found %d, MADT %d, HPET table %d (want none)", root, madt,
          hpet);
    expect_ones(0xfed00000u, "hpet-absent-gcap");
    expect_ones(0xfed000f0u, "hpet-absent-counter");
    expect_ones(0xfec01000u, "ioapic-range-unclaimed");
    expect_ones(0xfed00400u, "hpet-page-unclaimed");
    expect_ones(0xfee01000u, "lapic-range-unclaimed");
    expect_ones(0xfeff0000u, "fixed-window-top");
    /* The devices in the window still answer. */
    *(volatile uint32_t *)(uintptr_t)0xfec00000u = 1;
    uint32_t ver = r32(0xfec00010u);
    check((ver & 0xff) == 0x11 || (ver & 0xff) == 0x20, "ioapic-still-there", "IOAPIC version register %#x",
          (unsigned)ver);
    uint32_t lver = r32(0xfee00030u);
    check((lver & 0xff) >= 0x10 && lver != 0xffffffffu, "lapic-still-there", "LAPIC version register %#x",
          (unsigned)lver);
}
