/*
 * acpi_tables: the firmware tables every HVM domain gets (src/hvm/
 * acpi_build.c, docs: hvm/platform.h), found the way an OS without firmware
 * help finds them: the RSDP by scanning 0xE0000-0xFFFFF on 16-byte
 * boundaries (ACPI 6.5 section 5.2.5.1).  Every checksum is checked, the
 * MADT must list one enabled LAPIC per vCPU of the cfg (APIC id = index),
 * the IOAPIC and the overrides, and the FADT must name the platform's PM
 * ports, SCI and reset register.  The memory map must keep the tables in a
 * reserved range.  With vcpus = 2: the secondary vCPU parks in entry32.S.
 */
#include "guest.h"

#define PM_BASE     0xb000

static const uint8_t *phys(uint32_t a) { return (const uint8_t *)(uintptr_t)a; }
static uint16_t r16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t r32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t r64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static uint8_t sum(const uint8_t *p, uint32_t n)
{
    uint8_t s = 0;
    while (n--)
        s = (uint8_t)(s + *p++);
    return s;
}

/* n printable characters of p as a string (the guest printf has no %.Ns). */
static const char *chars(const uint8_t *p, unsigned n, char *buf)
{
    for (unsigned i = 0; i < n; i++)
        buf[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
    buf[n] = '\0';
    return buf;
}

/* A table at a: the signature, a sane length below 1 MiB, checksum 0, our
 * OEM id. */
static bool table_ok(uint32_t a, const char *sig, const char *name)
{
    char s4[5], oem[7];
    if (a < 0xe0000 || a > 0x100000 - 36)   /* read nothing outside the BIOS area */
        return check(false, name, "%s table at %#x, outside 0xE0000-0xFFFFF", sig, (unsigned)a);
    const uint8_t *t = phys(a);
    uint32_t len = r32(t + 4);
    bool ok = !memcmp(t, sig, 4) && len >= 36 && len <= 0x100000 - a && sum(t, len) == 0 &&
              !memcmp(t + 10, "RINGVR", 6);
    return check(ok, name, "%s table at %#x: signature \"%s\", length %u, checksum sum %#x, OEM id \"%s\"", sig,
                 (unsigned)a, chars(t, 4, s4), (unsigned)len, ok ? 0 : (unsigned)sum(t, len > 0x10000 ? 36 : len),
                 chars(t + 10, 6, oem));
}

static uint32_t find_rsdp(void)
{
    for (uint32_t a = 0xe0000; a < 0x100000; a += 16) {
        const uint8_t *r = phys(a);
        if (!memcmp(r, "RSD PTR ", 8) && sum(r, 20) == 0)
            return a;
    }
    return 0;
}

static void check_fadt(uint32_t a)
{
    const uint8_t *f = phys(a);
    check(r32(f + 4) >= 244 && f[8] >= 5, "fadt-revision", "FADT length %u revision %u, want an ACPI 5+ FADT",
          (unsigned)r32(f + 4), f[8]);
    check(r16(f + 46) == 9, "fadt-sci", "SCI_INT = %u, expected 9", r16(f + 46));
    check(r32(f + 48) == 0, "fadt-smi-cmd", "SMI_CMD = %#x: should be 0 (always in ACPI mode)", (unsigned)r32(f + 48));
    check(r32(f + 56) == PM_BASE && r32(f + 64) == PM_BASE + 4 && r32(f + 76) == PM_BASE + 8, "fadt-pm-ports",
          "PM1a_EVT %#x PM1a_CNT %#x PM_TMR %#x, expected %#x/+4/+8", (unsigned)r32(f + 56),
          (unsigned)r32(f + 64), (unsigned)r32(f + 76), PM_BASE);
    check(f[88] == 4 && f[89] == 2 && f[91] == 4, "fadt-pm-lengths", "PM1_EVT_LEN %u PM1_CNT_LEN %u PM_TMR_LEN %u",
          f[88], f[89], f[91]);
    check(f[148] == 1 && f[149] == 32 && r64(f + 152) == PM_BASE && f[172] == 1 && f[173] == 16 &&
          r64(f + 176) == PM_BASE + 4 && f[208] == 1 && f[209] == 32 && r64(f + 212) == PM_BASE + 8,
          "fadt-x-pm-blocks", "X_PM1a_EVT/X_PM1a_CNT/X_PM_TMR generic addresses do not match the 32-bit fields");
    uint32_t flags = r32(f + 112);
    check((flags & (1u << 10)) && f[116] == 1 && r64(f + 120) == 0xcf9 && f[128] == 6, "fadt-reset",
          "flags %#x, RESET_REG space %u address %#llx value %#x: want I/O 0xcf9 value 6", (unsigned)flags,
          f[116], (unsigned long long)r64(f + 120), f[128]);
    check(!(flags & (1u << 20)), "fadt-not-reduced", "HW_REDUCED_ACPI set");
    check(!(r16(f + 109) & 2), "fadt-no-8042", "IAPC_BOOT_ARCH %#x claims an 8042", r16(f + 109));
    uint32_t dsdt = r64(f + 140) ? (uint32_t)r64(f + 140) : r32(f + 40);
    if (table_ok(dsdt, "DSDT", "dsdt")) {
        const uint8_t *d = phys(dsdt);
        bool s5 = false;
        for (uint32_t i = 36; i + 4 <= r32(d + 4); i++)
            s5 |= !memcmp(d + i, "_S5_", 4);
        check(s5, "dsdt-s5", "no \\_S5_ object in the DSDT");
    }
    uint32_t facs = r64(f + 132) ? (uint32_t)r64(f + 132) : r32(f + 36);
    char s4[5];
    if (facs < 0xe0000 || facs > 0x100000 - 64)
        facs = 0xe0000 + 1;                 /* fails the alignment check below, reads nothing else */
    check(facs % 64 == 0 && !memcmp(phys(facs), "FACS", 4) && r32(phys(facs) + 4) >= 64, "facs",
          "FACS at %#x: signature \"%s\", length %u", (unsigned)facs, chars(phys(facs), 4, s4),
          (unsigned)r32(phys(facs) + 4));
}

static void check_madt(uint32_t a)
{
    const uint8_t *m = phys(a);
    uint32_t len = r32(m + 4), enabled = 0, ids_ok = 1, ioapics = 0, nmi = 0;
    bool iso0 = false, iso9 = false, ioapic_ok = false;

    check(r32(m + 36) == 0xfee00000, "madt-lapic-addr", "local APIC address %#x", (unsigned)r32(m + 36));
    check(r32(m + 40) & 1, "madt-pcat-compat", "flags %#x: PCAT_COMPAT clear although 8259s exist",
          (unsigned)r32(m + 40));
    for (uint32_t off = 44; off + 2 <= len && m[off + 1] >= 2 && off + m[off + 1] <= len; off += m[off + 1]) {
        const uint8_t *e = m + off;
        switch (e[0]) {
        case 0:
            if (r32(e + 4) & 1) {
                ids_ok &= e[3] == enabled;
                enabled++;
            }
            break;
        case 1:
            ioapics++;
            ioapic_ok = r32(e + 4) == 0xfec00000 && r32(e + 8) == 0 && e[2] == guest_cfg_vcpus;
            break;
        case 2:
            iso0 |= e[3] == 0 && r32(e + 4) == 2;
            iso9 |= e[3] == 9 && r32(e + 4) == 9 && (r16(e + 8) & 0xc) == 0xc;
            break;
        case 4:
            nmi += e[2] == 0xff && e[5] == 1;
            break;
        }
    }
    check(enabled == guest_cfg_vcpus && ids_ok, "madt-lapics",
          "%u enabled LAPIC entries (ids in order: %s), cfg has vcpus = %u", (unsigned)enabled,
          ids_ok ? "yes" : "no", guest_cfg_vcpus);
    check(ioapics == 1 && ioapic_ok, "madt-ioapic", "%u IOAPIC entries; want one at 0xfec00000, GSI base 0, id %u",
          (unsigned)ioapics, guest_cfg_vcpus);
    check(iso0 && iso9, "madt-overrides", "IRQ0->GSI2 %s, IRQ9->GSI9 level %s", iso0 ? "ok" : "missing",
          iso9 ? "ok" : "missing");
    check(nmi == 1, "madt-nmi", "%u LAPIC NMI entries for all processors on LINT1", (unsigned)nmi);
}

/* The tables lie in one reserved range of the memory map, and no usable
 * range touches them. */
static void check_mmap(uint32_t lo, uint32_t hi)
{
    bool reserved = false, clash = false;

    for (unsigned i = 0; i < gi->nr_mmap; i++) {
        const struct guest_mmap *m = &gi->mmap[i];
        uint64_t b = ((uint64_t)m->base_hi << 32) | m->base_lo, e = b + (((uint64_t)m->len_hi << 32) | m->len_lo);
        if (m->type == 1 && b < hi && e > lo)
            clash = true;
        if (m->type == 2 && b <= lo && e >= hi)
            reserved = true;
    }
    check(reserved && !clash, "mmap-reserved", "ACPI tables %#x-%#x: %s, %s", (unsigned)lo, (unsigned)hi,
          reserved ? "in a reserved range" : "not in a reserved range", clash ? "overlap usable RAM" : "clear of RAM");
}

void test_main(void)
{
    if (!hv_require())
        return;
    uint32_t rsdp = find_rsdp();
    if (!check(rsdp != 0, "rsdp-found", "no \"RSD PTR \" with a valid checksum in 0xE0000-0xFFFFF"))
        return;
    printf("note: RSDP at %#x\n", (unsigned)rsdp);
    const uint8_t *r = phys(rsdp);
    check(r[15] >= 2 && r32(r + 20) >= 36 && sum(r, 36) == 0, "rsdp-v2",
          "revision %u, length %u, extended checksum sum %#x", r[15], (unsigned)r32(r + 20), sum(r, 36));
    check(r16(phys(0x40e)) == 0x9fc0 && r16(phys(0x413)) == 639, "bda",
          "BIOS data area: EBDA segment %#x, base memory %u KiB; expected 0x9fc0, 639",
          r16(phys(0x40e)), r16(phys(0x413)));
    uint64_t xsdt64 = r64(r + 24);
    uint32_t rsdt = r32(r + 16), xsdt = (uint32_t)xsdt64, fadt = 0, madt = 0, lo = rsdp, hi = rsdp + 36;
    if (!table_ok(xsdt, "XSDT", "xsdt") || !table_ok(rsdt, "RSDT", "rsdt"))
        return;
    const uint8_t *x = phys(xsdt), *rs = phys(rsdt);
    uint32_t n = (r32(x + 4) - 36) / 8;
    check(n == (r32(rs + 4) - 36) / 4, "rsdt-matches-xsdt", "XSDT has %u entries, RSDT %u", (unsigned)n,
          (unsigned)((r32(rs + 4) - 36) / 4));
    for (uint32_t i = 0; i < n; i++) {
        uint64_t t = r64(x + 36 + 8 * i);
        if (!check(t >> 32 == 0 && r32(rs + 36 + 4 * i) == t, "root-entry", "entry %u: XSDT %#llx, RSDT %#x",
                   (unsigned)i, (unsigned long long)t, (unsigned)r32(rs + 36 + 4 * i)))
            continue;
        if (t < 0xe0000 || t > 0x100000 - 36) {
            table_ok((uint32_t)t, "table", "root-entry-range");
            continue;
        }
        const uint8_t *h = phys((uint32_t)t);
        if (!memcmp(h, "FACP", 4) && table_ok((uint32_t)t, "FACP", "fadt"))
            fadt = (uint32_t)t;
        else if (!memcmp(h, "APIC", 4) && table_ok((uint32_t)t, "APIC", "madt"))
            madt = (uint32_t)t;
        if (t + r32(h + 4) > hi)
            hi = (uint32_t)t + r32(h + 4);
    }
    if (check(fadt != 0, "fadt-present", "no valid FADT (FACP) in the XSDT"))
        check_fadt(fadt);
    if (check(madt != 0, "madt-present", "no valid MADT (APIC) in the XSDT"))
        check_madt(madt);
    if (xsdt + r32(x + 4) > hi)
        hi = xsdt + r32(x + 4);
    if (rsdt + r32(rs + 4) > hi)
        hi = rsdt + r32(rs + 4);
    check_mmap(lo, hi);
}
