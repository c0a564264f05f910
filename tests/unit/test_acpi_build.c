/* The HVM ACPI table builder (hvm/acpi_build.c), checked by parsing its
 * output back with the hypervisor's own ACPI parser (arch/x86/acpi_tables.c)
 * in a fake guest memory of 1 MiB, plus byte-level checks of what that
 * parser does not look at (FADT PM blocks, AML of the DSDT, checksums). */
#include <stdbool.h>

#include "arch/x86/acpi_tables.h"
#include "bootbuild.h"
#include "hvm/acpi_build.h"
#include "hvm/platform.h"
#include "lib/errno.h"
#include "test.h"

static struct fakemem fm;
static struct acpi_info ai;
static char err[160];

static uint16_t r16(uint64_t a) { uint16_t v; memcpy(&v, fakemem_ptr(&fm, a), 2); return v; }
static uint32_t r32(uint64_t a) { uint32_t v; memcpy(&v, fakemem_ptr(&fm, a), 4); return v; }
static uint64_t r64(uint64_t a) { uint64_t v; memcpy(&v, fakemem_ptr(&fm, a), 8); return v; }
static uint8_t r8(uint64_t a) { return *(uint8_t *)fakemem_ptr(&fm, a); }

static int build(unsigned n, struct acpi_build_layout *l)
{
    fakemem_init(&fm, 0, 0x100000);
    return acpi_build_tables(fakemem_ptr(&fm, GPA_ACPI_RSDP), GPA_ACPI_END - GPA_ACPI_RSDP, GPA_ACPI_RSDP, n, false, l);
}

static void check_table(uint64_t at, const char *sig)
{
    uint32_t len = r32(at + 4);

    CHECK(!memcmp(fakemem_ptr(&fm, at), sig, 4));
    CHECK(len >= 36 && at + len <= GPA_ACPI_END);
    CHECK_EQ(acpi_build_sum(fakemem_ptr(&fm, at), len), 0);
    CHECK(!memcmp(fakemem_ptr(&fm, at + 10), "RINGVR", 6));
}

/* GAS for an I/O block: space 1, width, offset 0, address. */
static void check_gas(uint64_t at, uint8_t bits, uint64_t port)
{
    CHECK_EQ(r8(at), 1);
    CHECK_EQ(r8(at + 1), bits);
    CHECK_EQ(r8(at + 2), 0);
    CHECK_EQ(r64(at + 4), port);
}

static void check_parsed(unsigned n)
{
    struct acpi_build_layout l;
    uint64_t rsdp;
    int used = build(n, &l);

    CHECK(used > 0);
    CHECK_EQ((uint64_t)used, l.end - GPA_ACPI_RSDP);
    CHECK(l.end <= GPA_ACPI_END);
    CHECK_EQ(acpi_rsdp_find_legacy(fakemem_map, &fm, &rsdp), 0);
    CHECK_EQ(rsdp, GPA_ACPI_RSDP);
    CHECK_EQ(rsdp, l.rsdp);
    CHECK_EQ(acpi_build_sum(fakemem_ptr(&fm, rsdp), 20), 0);
    CHECK_EQ(acpi_build_sum(fakemem_ptr(&fm, rsdp), 36), 0);
    CHECK(!memcmp(fakemem_ptr(&fm, rsdp + 9), "RINGVR", 6));

    memset(&ai, 0, sizeof(ai));
    CHECK_EQ(acpi_parse(fakemem_ptr(&fm, rsdp), 36, fakemem_map, &fm, &ai, err, sizeof(err)), 0);
    CHECK_EQ(ai.nr_warnings, 0);
    CHECK_EQ(ai.rsdp_rev, 2);
    CHECK_EQ(ai.xsdt, l.xsdt);
    CHECK_EQ(ai.rsdt, l.rsdt);
    CHECK_EQ(ai.madt, l.madt);
    CHECK_EQ(ai.fadt, l.fadt);
    CHECK_EQ(ai.dsdt, l.dsdt);
    CHECK_EQ(ai.facs, l.facs);
    CHECK_EQ(ai.hpet, 0);
    CHECK_EQ(ai.mcfg, 0);
    /* MADT: one enabled LAPIC per vCPU (APIC id = UID = index), the IOAPIC,
     * the two overrides, PCAT_COMPAT. */
    CHECK_EQ(ai.lapic_addr, GPA_LAPIC);
    CHECK(ai.pcat_compat);
    CHECK_EQ(ai.nr_cpus, n);
    for (unsigned i = 0; i < ai.nr_cpus && i < n; i++) {
        CHECK_EQ(ai.cpus[i].apic_id, i);
        CHECK_EQ(ai.cpus[i].acpi_uid, i);
        CHECK(ai.cpus[i].enabled);
        CHECK(!ai.cpus[i].x2apic);
    }
    CHECK_EQ(ai.nr_ioapics, 1);
    CHECK_EQ(ai.ioapics[0].id, n);
    CHECK_EQ(ai.ioapics[0].addr, GPA_IOAPIC);
    CHECK_EQ(ai.ioapics[0].gsi_base, 0);
    CHECK_EQ(ai.nr_isos, 2);
    CHECK_EQ(ai.isos[0].bus, 0);
    CHECK_EQ(ai.isos[0].source, 0);
    CHECK_EQ(ai.isos[0].gsi, 2);
    CHECK_EQ(ai.isos[0].flags, 0x5);        /* edge, active high */
    CHECK_EQ(ai.isos[1].source, SCI_IRQ);
    CHECK_EQ(ai.isos[1].gsi, SCI_IRQ);
    CHECK_EQ(ai.isos[1].flags, 0xd);        /* level, active high */
    /* FADT as the parser sees it. */
    CHECK_EQ(ai.pm_tmr_blk, PORT_PM_TMR);
    CHECK(ai.pm_tmr_32);
    CHECK_EQ(ai.pm1a_cnt_blk, PORT_PM1A_CNT);
    CHECK_EQ(ai.pm1b_cnt_blk, 0);
    CHECK_EQ(ai.sci_int, SCI_IRQ);
    CHECK_EQ(ai.iapc_boot_arch, 0x5);       /* legacy devices, VGA not present; no 8042 */
    CHECK(ai.reset_supported);
    CHECK_EQ(ai.reset_space, 1);
    CHECK_EQ(ai.reset_addr, PORT_RESET);
    CHECK_EQ(ai.reset_value, 6);
    fakemem_free(&fm);
}

static void test_parse_back(void)
{
    check_parsed(1);
    check_parsed(2);
    check_parsed(64);
    check_parsed(ACPI_BUILD_MAX_VCPUS);
}

static void test_tables_bytes(void)
{
    struct acpi_build_layout l;

    CHECK(build(4, &l) > 0);
    check_table(l.xsdt, "XSDT");
    check_table(l.rsdt, "RSDT");
    check_table(l.fadt, "FACP");
    check_table(l.madt, "APIC");
    check_table(l.dsdt, "DSDT");
    CHECK_EQ(r32(l.xsdt + 4), 36 + 16);
    CHECK_EQ(r64(l.xsdt + 36), l.fadt);
    CHECK_EQ(r64(l.xsdt + 44), l.madt);
    CHECK_EQ(r32(l.rsdt + 36), l.fadt);
    CHECK_EQ(r32(l.rsdt + 40), l.madt);
    CHECK_EQ(r8(l.dsdt + 8), 2);            /* 64-bit AML integers */
    /* FACS: no checksum, 64-byte aligned, length 64. */
    CHECK(!memcmp(fakemem_ptr(&fm, l.facs), "FACS", 4));
    CHECK_EQ(r32(l.facs + 4), 64);
    CHECK_EQ(l.facs % 64, 0);
    /* FADT (ACPI 6.0, 276 bytes), fields the parser does not report. */
    uint64_t f = l.fadt;
    CHECK_EQ(r32(f + 4), 276);
    CHECK_EQ(r8(f + 8), 6);
    CHECK_EQ(r32(f + 36), 0);            /* FIRMWARE_CTRL zero: X_FIRMWARE_CTRL is used */
    CHECK_EQ(r32(f + 40), l.dsdt);
    CHECK_EQ(r64(f + 132), l.facs);
    CHECK_EQ(r64(f + 140), l.dsdt);
    CHECK_EQ(r32(f + 48), 0);               /* SMI_CMD: no ACPI enable handshake */
    CHECK_EQ(r8(f + 52), 0);
    CHECK_EQ(r8(f + 53), 0);
    CHECK_EQ(r32(f + 56), PORT_PM1A_EVT);
    CHECK_EQ(r32(f + 60), 0);
    CHECK_EQ(r32(f + 64), PORT_PM1A_CNT);
    CHECK_EQ(r32(f + 76), PORT_PM_TMR);
    CHECK_EQ(r32(f + 80), 0);               /* no GPE block */
    CHECK_EQ(r8(f + 88), 4);
    CHECK_EQ(r8(f + 89), 2);
    CHECK_EQ(r8(f + 91), 4);
    CHECK_EQ(r16(f + 109) & 0x2, 0);        /* no 8042 */
    CHECK_EQ(r32(f + 112) & (1u << 20), 0); /* not hardware-reduced */
    CHECK(r32(f + 112) & (1u << 10));       /* RESET_REG_SUP */
    check_gas(f + 116, 8, PORT_RESET);
    check_gas(f + 148, 32, PORT_PM1A_EVT);
    check_gas(f + 172, 16, PORT_PM1A_CNT);
    check_gas(f + 208, 32, PORT_PM_TMR);
    CHECK_EQ(r64(f + 160 + 4), 0);          /* no PM1b */
    /* MADT LAPIC NMI entry: all processors, LINT1; it is the last entry. */
    uint32_t ml = r32(l.madt + 4);
    CHECK_EQ(r8(l.madt + ml - 6), 4);
    CHECK_EQ(r8(l.madt + ml - 5), 6);
    CHECK_EQ(r8(l.madt + ml - 4), 0xff);
    CHECK_EQ(r8(l.madt + ml - 1), 1);
    /* Tables do not overlap and come in the documented order. */
    CHECK(l.facs + 64 <= l.dsdt && l.dsdt + r32(l.dsdt + 4) <= l.fadt && l.fadt + 276 <= l.madt &&
          l.madt + ml <= l.xsdt && l.xsdt + 52 <= l.rsdt && l.rsdt + 44 == l.end);
    CHECK(l.facs >= GPA_ACPI_TABLES);
    fakemem_free(&fm);
}

static const uint8_t *find(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++)
        if (!memcmp(hay + i, needle, m))
            return hay + i;
    return NULL;
}

/* AML (ACPI 6.5 chapter 20): \_S5_ = Package(4) {5, 5, 0, 0}; the scope
 * \_SB_ with Device(PCI0) holding _HID EISAID("PNP0A03"), _UID 0, _BBN 0,
 * and package lengths that add up to the end of the table. */
static void test_dsdt_aml(void)
{
    struct acpi_build_layout l;
    static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00 };
    static const uint8_t s0[] = { 0x08, '_', 'S', '0', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00 };
    static const uint8_t hid[] = { 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03 };
    static const uint8_t uid[] = { 0x08, '_', 'U', 'I', 'D', 0x00 };
    static const uint8_t bbn[] = { 0x08, '_', 'B', 'B', 'N', 0x00 };

    CHECK(build(1, &l) > 0);
    const uint8_t *d = fakemem_ptr(&fm, l.dsdt);
    uint32_t len = r32(l.dsdt + 4);
    CHECK(find(d + 36, len - 36, s5, sizeof(s5)) != NULL);
    CHECK(find(d + 36, len - 36, s0, sizeof(s0)) != NULL);
    CHECK(find(d + 36, len - 36, hid, sizeof(hid)) != NULL);
    CHECK(find(d + 36, len - 36, uid, sizeof(uid)) != NULL);
    CHECK(find(d + 36, len - 36, bbn, sizeof(bbn)) != NULL);
    const uint8_t *sc = find(d + 36, len - 36, "\x10", 1);     /* ScopeOp: the one package at the end */
    const uint8_t *sb = find(d + 36, len - 36, "\\_SB_", 5);
    CHECK(sc && sb && sb == sc + 2);
    if (sc && sb == sc + 2) {
        CHECK((sc[1] & 0xc0) == 0);         /* 1-byte PkgLength */
        CHECK_EQ((size_t)(sc + 1 + sc[1] - d), len);    /* scope runs to the end of the table */
        const uint8_t *dev = sb + 5;
        CHECK(dev[0] == 0x5b && dev[1] == 0x82 && !memcmp(dev + 3, "PCI0", 4));
        CHECK_EQ((size_t)(dev + 2 + dev[2] - d), len);  /* device too (the last object) */
    }
    fakemem_free(&fm);
}

static void test_errors(void)
{
    uint8_t *buf = malloc(0x10000);
    struct acpi_build_layout l;

    CHECK_EQ(acpi_build_tables(buf, 0x10000, GPA_ACPI_RSDP, 0, false, &l), -EINVAL);
    CHECK_EQ(acpi_build_tables(buf, 0x10000, GPA_ACPI_RSDP, ACPI_BUILD_MAX_VCPUS + 1, false, &l), -EINVAL);
    CHECK_EQ(acpi_build_tables(buf, 0x10000, GPA_ACPI_RSDP + 16, 1, false, &l), -EINVAL);
    CHECK_EQ(acpi_build_tables(buf, 0x1000, GPA_ACPI_RSDP, 1, false, &l), -ENOSPC);
    int used = acpi_build_tables(buf, 0x10000, GPA_ACPI_RSDP, 8, false, &l);
    CHECK(used > 0x1000);
    free(buf);
    /* Exactly sized (ASan catches a write past it), and one byte short. */
    buf = malloc((size_t)used);
    CHECK_EQ(acpi_build_tables(buf, (size_t)used, GPA_ACPI_RSDP, 8, false, NULL), used);
    CHECK_EQ(acpi_build_tables(buf, (size_t)used - 1, GPA_ACPI_RSDP, 8, false, NULL), -ENOSPC);
    free(buf);
    /* A buffer starting below the RSDP works too. */
    buf = malloc(0x30000);
    used = acpi_build_tables(buf, 0x30000, GPA_ACPI_RSDP - 0x10000, 3, false, &l);
    CHECK(used > 0x10000 && memcmp(buf + 0x10000, "RSD PTR ", 8) == 0);
    free(buf);
}

/* With the HPET: a third root entry, parsed back by the hypervisor's own
 * parser (which checks the table and its memory-space base). */
static void test_hpet_table(void)
{
    struct acpi_build_layout l;
    uint64_t rsdp;

    fakemem_init(&fm, 0, 0x100000);
    int used = acpi_build_tables(fakemem_ptr(&fm, GPA_ACPI_RSDP), GPA_ACPI_END - GPA_ACPI_RSDP, GPA_ACPI_RSDP, 4,
                                 true, &l);
    CHECK(used > 0);
    CHECK_EQ((uint64_t)used, l.end - GPA_ACPI_RSDP);
    CHECK(l.hpet > l.madt && l.hpet < l.xsdt && l.hpet % 16 == 0);
    check_table(l.hpet, "HPET");
    CHECK_EQ(r32(l.hpet + 4), 56);
    CHECK_EQ(r8(l.hpet + 8), 1);
    CHECK_EQ(r32(l.hpet + 36), 0x8086a201);
    CHECK_EQ(r8(l.hpet + 40), 0);                   /* system memory */
    CHECK_EQ(r64(l.hpet + 44), GPA_HPET);
    CHECK_EQ(r8(l.hpet + 52), 0);
    CHECK_EQ(r16(l.hpet + 53), 6250);
    CHECK_EQ(r32(l.xsdt + 4), 36 + 24);
    CHECK_EQ(r64(l.xsdt + 52), l.hpet);
    CHECK_EQ(r32(l.rsdt + 4), 36 + 12);
    CHECK_EQ(r32(l.rsdt + 44), (uint32_t)l.hpet);
    CHECK_EQ(acpi_rsdp_find_legacy(fakemem_map, &fm, &rsdp), 0);
    memset(&ai, 0, sizeof(ai));
    CHECK_EQ(acpi_parse(fakemem_ptr(&fm, rsdp), 36, fakemem_map, &fm, &ai, err, sizeof(err)), 0);
    CHECK_EQ(ai.nr_warnings, 0);
    CHECK_EQ(ai.hpet, l.hpet);
    CHECK_EQ(ai.hpet_addr, GPA_HPET);
    CHECK_EQ(ai.hpet_number, 0);
    CHECK_EQ(ai.madt, l.madt);
    CHECK_EQ(ai.fadt, l.fadt);
    fakemem_free(&fm);
}

/* ---- PVH: hardware-reduced FADT, LAPIC-only MADT, no FACS ---- */

static int build_pvh(unsigned n, struct acpi_build_layout *l)
{
    fakemem_init(&fm, 0, 0x100000);
    return acpi_build_pvh_tables(fakemem_ptr(&fm, GPA_ACPI_RSDP), GPA_ACPI_END - GPA_ACPI_RSDP, GPA_ACPI_RSDP,
                                 n, l);
}

static void check_pvh_parsed(unsigned n)
{
    struct acpi_build_layout l;
    uint64_t rsdp;
    int used = build_pvh(n, &l);

    CHECK(used > 0);
    CHECK_EQ((uint64_t)used, l.end - GPA_ACPI_RSDP);
    CHECK(l.end <= GPA_ACPI_END);
    CHECK_EQ(l.facs, 0);
    CHECK_EQ(acpi_rsdp_find_legacy(fakemem_map, &fm, &rsdp), 0);
    CHECK_EQ(rsdp, GPA_ACPI_RSDP);
    CHECK_EQ(acpi_build_sum(fakemem_ptr(&fm, rsdp), 20), 0);
    CHECK_EQ(acpi_build_sum(fakemem_ptr(&fm, rsdp), 36), 0);
    check_table(l.xsdt, "XSDT");
    check_table(l.rsdt, "RSDT");
    check_table(l.fadt, "FACP");
    check_table(l.madt, "APIC");
    check_table(l.dsdt, "DSDT");

    memset(&ai, 0, sizeof(ai));
    CHECK_EQ(acpi_parse(fakemem_ptr(&fm, rsdp), 36, fakemem_map, &fm, &ai, err, sizeof(err)), 0);
    CHECK_EQ(ai.nr_warnings, 0);
    CHECK_EQ(ai.xsdt, l.xsdt);
    CHECK_EQ(ai.madt, l.madt);
    CHECK_EQ(ai.fadt, l.fadt);
    CHECK_EQ(ai.dsdt, l.dsdt);
    CHECK_EQ(ai.facs, 0);
    /* MADT: the LAPICs and nothing else; no 8259s. */
    CHECK_EQ(ai.lapic_addr, GPA_LAPIC);
    CHECK(!ai.pcat_compat);
    CHECK_EQ(ai.nr_cpus, n);
    for (unsigned i = 0; i < ai.nr_cpus && i < n; i++) {
        CHECK_EQ(ai.cpus[i].apic_id, i);
        CHECK_EQ(ai.cpus[i].acpi_uid, i);
        CHECK(ai.cpus[i].enabled);
    }
    CHECK_EQ(ai.nr_ioapics, 0);
    CHECK_EQ(ai.nr_isos, 0);
    CHECK_EQ(r32(l.madt + 4), 36 + 8 + 8 * n);
    for (unsigned i = 0; i < n; i++) {
        CHECK_EQ(r8(l.madt + 44 + 8 * i), 0);          /* type: processor local APIC */
        CHECK_EQ(r8(l.madt + 44 + 8 * i + 1), 8);
    }
    /* FADT: hardware-reduced, no fixed PM hardware, no legacy devices. */
    CHECK(ai.fadt_flags & (1u << 20));
    CHECK_EQ(ai.fadt_flags & (1u << 10), 0);        /* no reset register */
    CHECK(!ai.reset_supported);
    CHECK_EQ(ai.pm_tmr_blk, 0);
    CHECK_EQ(ai.pm1a_cnt_blk, 0);
    CHECK_EQ(ai.iapc_boot_arch, 0x24);              /* VGA not present, CMOS RTC not present; no 8042 */
    fakemem_free(&fm);
}

static void test_pvh_parse_back(void)
{
    check_pvh_parsed(1);
    check_pvh_parsed(2);
    check_pvh_parsed(64);
    check_pvh_parsed(ACPI_BUILD_MAX_VCPUS);
}

static void test_pvh_bytes(void)
{
    struct acpi_build_layout l;
    static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00 };

    CHECK(build_pvh(3, &l) > 0);
    uint64_t f = l.fadt;
    CHECK_EQ(r32(f + 4), 276);
    CHECK_EQ(r8(f + 8), 6);
    CHECK_EQ(r32(f + 36), 0);               /* FIRMWARE_CTRL and X_FIRMWARE_CTRL 0: no FACS */
    CHECK_EQ(r64(f + 132), 0);
    CHECK_EQ(r32(f + 40), l.dsdt);
    CHECK_EQ(r64(f + 140), l.dsdt);
    CHECK_EQ(r16(f + 46), 0);               /* no SCI */
    for (unsigned off = 56; off < 92; off += 4)
        CHECK_EQ(r32(f + off), 0);          /* PM1a/b EVT/CNT, PM2, PM_TMR, GPE0/1 blocks */
    CHECK_EQ(r8(f + 88), 0);
    CHECK_EQ(r8(f + 91), 0);
    for (unsigned off = 148; off < 244; off++)
        CHECK_EQ(r8(f + off), 0);           /* no extended PM/GPE blocks */
    /* SLEEP_CONTROL_REG / SLEEP_STATUS_REG: one-byte I/O registers. */
    check_gas(f + 244, 8, PORT_PVH_SLEEP_CTL);
    CHECK_EQ(r8(f + 247), 1);
    check_gas(f + 256, 8, PORT_PVH_SLEEP_STS);
    CHECK_EQ(r8(f + 259), 1);
    CHECK(r32(f + 112) & (1u << 20));
    CHECK_EQ(r32(f + 112) & (1u << 8), 0);  /* no TMR_VAL_EXT: there is no PM timer */
    /* DSDT: \_S5 with SLP_TYP 5, which is what the sleep register acts on;
     * no PCI host bridge. */
    const uint8_t *d = fakemem_ptr(&fm, l.dsdt);
    uint32_t len = r32(l.dsdt + 4);
    CHECK(find(d + 36, len - 36, s5, sizeof(s5)) != NULL);
    CHECK(find(d + 36, len - 36, "PCI0", 4) == NULL);
    CHECK(find(d + 36, len - 36, "_SB_", 4) == NULL);
    /* XSDT: FADT and MADT only. */
    CHECK_EQ(r32(l.xsdt + 4), 36 + 16);
    CHECK_EQ(r64(l.xsdt + 36), l.fadt);
    CHECK_EQ(r64(l.xsdt + 44), l.madt);
    CHECK(l.dsdt >= GPA_ACPI_TABLES && l.dsdt + len <= l.fadt && l.fadt + 276 <= l.madt &&
          l.madt + r32(l.madt + 4) <= l.xsdt && l.xsdt + 52 <= l.rsdt && l.rsdt + 44 == l.end);
    fakemem_free(&fm);
}

static void test_pvh_errors(void)
{
    uint8_t *buf = malloc(0x10000);

    CHECK_EQ(acpi_build_pvh_tables(buf, 0x10000, GPA_ACPI_RSDP, 0, NULL), -EINVAL);
    CHECK_EQ(acpi_build_pvh_tables(buf, 0x10000, GPA_ACPI_RSDP, ACPI_BUILD_MAX_VCPUS + 1, NULL), -EINVAL);
    CHECK_EQ(acpi_build_pvh_tables(buf, 0x10000, GPA_ACPI_RSDP + 16, 1, NULL), -EINVAL);
    CHECK_EQ(acpi_build_pvh_tables(buf, 0x1000, GPA_ACPI_RSDP, 1, NULL), -ENOSPC);
    int used = acpi_build_pvh_tables(buf, 0x10000, GPA_ACPI_RSDP, 8, NULL);
    CHECK(used > 0x1000);
    free(buf);
    buf = malloc((size_t)used);
    CHECK_EQ(acpi_build_pvh_tables(buf, (size_t)used, GPA_ACPI_RSDP, 8, NULL), used);
    CHECK_EQ(acpi_build_pvh_tables(buf, (size_t)used - 1, GPA_ACPI_RSDP, 8, NULL), -ENOSPC);
    free(buf);
}

/* Placed anywhere (rv create's PVH builder: one reserved page above RAM,
 * found by hvm_start_info.rsdp_paddr): the RSDP at the page's start, every
 * table inside the page even for the most vCPUs, parsed back by the
 * hypervisor's own reader; refusals for a bad place or a short buffer. */
static void test_pvh_at(void)
{
    const uint64_t page = 0x10002000ull;        /* 256 MiB + 2 toolstack pages */
    static const unsigned ns[] = { 1, 2, ACPI_BUILD_MAX_VCPUS };

    for (unsigned k = 0; k < 3; k++) {
        struct acpi_build_layout l;
        fakemem_init(&fm, page, 0x1000);
        int used = acpi_build_pvh_tables_at(fakemem_ptr(&fm, page), 0x1000, page, ns[k], &l);
        CHECK(used > 0 && used <= 0x1000);
        CHECK_EQ(l.rsdp, page);
        CHECK_EQ(l.end, page + (uint64_t)used);
        CHECK_EQ(l.facs, 0);
        CHECK(!memcmp(fakemem_ptr(&fm, page), "RSD PTR ", 8));
        CHECK_EQ(acpi_build_sum(fakemem_ptr(&fm, page), 20), 0);
        CHECK_EQ(acpi_build_sum(fakemem_ptr(&fm, page), 36), 0);
        CHECK_EQ(r32(page + 16), (uint32_t)l.rsdt);
        CHECK_EQ(r64(page + 24), l.xsdt);
        CHECK(l.dsdt >= page + 36 && l.rsdt + 44 == l.end);
        memset(&ai, 0, sizeof(ai));
        CHECK_EQ(acpi_parse(fakemem_ptr(&fm, page), 36, fakemem_map, &fm, &ai, err, sizeof(err)), 0);
        CHECK_EQ(ai.nr_warnings, 0);
        CHECK_EQ(ai.madt, l.madt);
        CHECK_EQ(ai.fadt, l.fadt);
        CHECK_EQ(ai.dsdt, l.dsdt);
        CHECK(ai.fadt_flags & (1u << 20));
        CHECK_EQ(ai.nr_cpus, ns[k]);
        CHECK_EQ(ai.cpus[ns[k] - 1].apic_id, ns[k] - 1);
        CHECK(ai.cpus[ns[k] - 1].enabled);
        CHECK_EQ(ai.nr_ioapics, 0);
        fakemem_free(&fm);
    }
    uint8_t *buf = malloc(0x1000);
    CHECK_EQ(acpi_build_pvh_tables_at(buf, 0x1000, page + 8, 1, NULL), -EINVAL);          /* not 16-aligned */
    CHECK_EQ(acpi_build_pvh_tables_at(buf, 0x1000, 0xfffff000ull + 0x1000, 1, NULL), -EINVAL);  /* above 4 GiB */
    CHECK_EQ(acpi_build_pvh_tables_at(buf, 0x1000, page, 0, NULL), -EINVAL);
    CHECK_EQ(acpi_build_pvh_tables_at(buf, 0x100, page, 1, NULL), -ENOSPC);
    int used = acpi_build_pvh_tables_at(buf, 0x1000, page, 4, NULL);
    CHECK(used > 0x100);
    CHECK_EQ(acpi_build_pvh_tables_at(buf, (size_t)used, page, 4, NULL), used);
    CHECK_EQ(acpi_build_pvh_tables_at(buf, (size_t)used - 1, page, 4, NULL), -ENOSPC);
    free(buf);
}

int main(void)
{
    RUN(test_parse_back);
    RUN(test_tables_bytes);
    RUN(test_dsdt_aml);
    RUN(test_errors);
    RUN(test_hpet_table);
    RUN(test_pvh_parse_back);
    RUN(test_pvh_bytes);
    RUN(test_pvh_errors);
    RUN(test_pvh_at);
    return t_finish("acpi_build");
}
