/* ACPI table parsing over synthesized tables in a fake physical memory. */
#include <stdbool.h>

#include "arch/x86/acpi_tables.h"
#include "bootbuild.h"
#include "lib/errno.h"
#include "test.h"

#define MEM_SIZE 0x100000

enum {
    RSDP = 0xe0000, RSDT = 0x10000, XSDT = 0x11000, MADT = 0x12000, FADT = 0x13000,
    HPET = 0x14000, DSDT = 0x15000, FACS = 0x16000, MCFG = 0x17000,
};

static struct fakemem fm;
static struct acpi_info ai;     /* large: keep it off the stack */
static char err[160];

static void put_root(uint64_t at, bool x, const uint64_t *e, unsigned n)
{
    uint8_t body[8 * 512];
    unsigned i;

    for (i = 0; i < n; i++) {
        if (x) {
            memcpy(body + i * 8, &e[i], 8);
        } else {
            uint32_t v = (uint32_t)e[i];

            memcpy(body + i * 4, &v, 4);
        }
    }
    acpi_put_table(&fm, at, x ? "XSDT" : "RSDT", 1, body, n * (x ? 8u : 4u));
}

static void put_madt_default(void)
{
    struct madtb b;

    madtb_start(&b, 0xfee00000, 1);
    madtb_lapic(&b, 0, 0, 1);
    madtb_lapic(&b, 1, 2, 1);
    madtb_lapic(&b, 2, 4, 0);       /* neither enabled nor online-capable: unusable */
    madtb_lapic(&b, 3, 6, 2);       /* online-capable */
    madtb_x2apic(&b, 0x100, 10, 1);
    madtb_ioapic(&b, 1, 0xfec00000, 0);
    madtb_iso(&b, 0, 0, 2, 0);
    madtb_iso(&b, 0, 9, 9, 0xd);
    madtb_nmi(&b);
    acpi_put_table(&fm, MADT, "APIC", 5, b.buf, b.len);
}

static struct fadt_in default_fadt(void)
{
    struct fadt_in f = {
        .facs = FACS, .dsdt = DSDT, .sci_int = 9, .pm1a_cnt = 0x604, .pm1b_cnt = 0, .pm_tmr = 0x608,
        .iapc_boot_arch = 3, .flags = (1u << 8) | (1u << 10), .reset_space = 1, .reset_addr = 0xcf9,
        .reset_value = 6, .x_dsdt = DSDT, .x_pm1a_space = 1, .x_pm1a_cnt = 0x604,
        .x_pm_tmr_space = 1, .x_pm_tmr = 0x608,
    };

    return f;
}

static void put_fadt(const struct fadt_in *in, uint32_t len)
{
    uint8_t body[FADT_BODY_LEN];

    fadt_body(body, in);
    acpi_put_table(&fm, FADT, "FACP", 6, body, len - 36);
}

/* The standard machine: RSDP v2, XSDT with MADT/FADT/HPET/MCFG, an RSDT
 * without the HPET (so tests can tell which root was used). */
static void build_default(void)
{
    uint64_t xe[] = { MADT, FADT, HPET, MCFG };
    uint64_t re[] = { MADT, FADT, MCFG };
    uint8_t hb[HPET_BODY_LEN], mcfg[24] = { 0 }, aml[64];
    struct fadt_in f = default_fadt();

    memset(fm.mem, 0, fm.size);
    acpi_put_rsdp(&fm, RSDP, 2, RSDT, XSDT);
    put_root(XSDT, true, xe, 4);
    put_root(RSDT, false, re, 3);
    put_madt_default();
    put_fadt(&f, 276);
    hpet_body(hb, 0, 0xfed00000, 0);
    acpi_put_table(&fm, HPET, "HPET", 1, hb, sizeof(hb));
    memset(aml, 0x5b, sizeof(aml));
    acpi_put_table(&fm, DSDT, "DSDT", 2, aml, sizeof(aml));
    memcpy(fakemem_ptr(&fm, FACS), "FACS", 4);
    fakemem_w32(&fm, FACS + 4, 64);
    mcfg[8] = 0xe0;  /* base address byte */
    acpi_put_table(&fm, MCFG, "MCFG", 1, mcfg, sizeof(mcfg));
}

static int parse_at(uint64_t rsdp, size_t len)
{
    memset(err, 0, sizeof(err));
    return acpi_parse(fakemem_ptr(&fm, rsdp), len, fakemem_map, &fm, &ai, err, sizeof(err));
}

static int parse(void)
{
    return parse_at(RSDP, 36);
}

static void test_full(void)
{
    build_default();
    CHECK_EQ(parse(), 0);
    CHECK_STR(err, "");
    CHECK_EQ(ai.nr_warnings, 0);
    CHECK_EQ(ai.rsdp_rev, 2);
    CHECK_EQ(ai.xsdt, XSDT);
    CHECK_EQ(ai.rsdt, RSDT);
    CHECK_EQ(ai.madt, MADT);
    CHECK_EQ(ai.fadt, FADT);
    CHECK_EQ(ai.hpet, HPET);            /* only in the XSDT: the XSDT was used */
    CHECK_EQ(ai.mcfg, MCFG);
    CHECK_EQ(ai.dsdt, DSDT);
    CHECK_EQ(ai.facs, FACS);
    CHECK_EQ(ai.lapic_addr, 0xfee00000);
    CHECK(ai.pcat_compat);
    CHECK_EQ(ai.nr_cpus, 4);
    CHECK_EQ(ai.cpus[0].apic_id, 0);
    CHECK(ai.cpus[0].enabled && !ai.cpus[0].online_capable && !ai.cpus[0].x2apic);
    CHECK_EQ(ai.cpus[1].apic_id, 2);
    CHECK_EQ(ai.cpus[1].acpi_uid, 1);
    CHECK_EQ(ai.cpus[2].apic_id, 6);
    CHECK(!ai.cpus[2].enabled && ai.cpus[2].online_capable);
    CHECK_EQ(ai.cpus[3].apic_id, 0x100);
    CHECK_EQ(ai.cpus[3].acpi_uid, 10);
    CHECK(ai.cpus[3].x2apic && ai.cpus[3].enabled);
    CHECK_EQ(ai.nr_ioapics, 1);
    CHECK_EQ(ai.ioapics[0].id, 1);
    CHECK_EQ(ai.ioapics[0].addr, 0xfec00000);
    CHECK_EQ(ai.ioapics[0].gsi_base, 0);
    CHECK_EQ(ai.nr_isos, 2);
    CHECK_EQ(ai.isos[0].source, 0);
    CHECK_EQ(ai.isos[0].gsi, 2);
    CHECK_EQ(ai.isos[1].source, 9);
    CHECK_EQ(ai.isos[1].flags, 0xd);
    CHECK_EQ(ai.hpet_addr, 0xfed00000);
    CHECK_EQ(ai.hpet_number, 0);
    CHECK_EQ(ai.pm_tmr_blk, 0x608);
    CHECK(ai.pm_tmr_32);
    CHECK_EQ(ai.pm1a_cnt_blk, 0x604);
    CHECK_EQ(ai.pm1b_cnt_blk, 0);
    CHECK_EQ(ai.sci_int, 9);
    CHECK_EQ(ai.iapc_boot_arch, 3);
    CHECK_EQ(ai.fadt_flags, (1u << 8) | (1u << 10));
    CHECK(ai.reset_supported);
    CHECK_EQ(ai.reset_space, 1);
    CHECK_EQ(ai.reset_addr, 0xcf9);
    CHECK_EQ(ai.reset_value, 6);
}

static void test_rsdt_only(void)
{
    build_default();
    acpi_put_rsdp(&fm, RSDP, 0, RSDT, 0);
    CHECK_EQ(parse_at(RSDP, 20), 0);
    CHECK_EQ(ai.rsdp_rev, 0);
    CHECK_EQ(ai.xsdt, 0);
    CHECK_EQ(ai.rsdt, RSDT);
    CHECK_EQ(ai.madt, MADT);
    CHECK_EQ(ai.hpet, 0);
    CHECK_EQ(ai.hpet_addr, 0);
    CHECK_EQ(ai.nr_warnings, 0);
    CHECK_EQ(ai.nr_cpus, 4);
}

static void test_rsdp_errors(void)
{
    uint8_t *r;

    build_default();
    r = fakemem_ptr(&fm, RSDP);
    CHECK_EQ(parse_at(RSDP, 19), -EINVAL);
    CHECK_STR(err, "acpi: RSDP missing its signature or truncated (19 bytes)");
    r[0] = 'X';
    CHECK_EQ(parse(), -EINVAL);
    CHECK_CONTAINS(err, "missing its signature");
    r[0] = 'R';
    r[8]++;
    CHECK_EQ(parse(), -EINVAL);
    CHECK_STR(err, "acpi: RSDP checksum is bad");
    r[8]--;
    CHECK_EQ(parse(), 0);
    CHECK_EQ(acpi_parse(NULL, 36, fakemem_map, &fm, &ai, err, sizeof(err)), -EINVAL);
    CHECK_EQ(acpi_parse(r, 36, NULL, NULL, &ai, NULL, 0), -EINVAL);

    /* Revision 2 with a bad extended checksum: the RSDT is used instead. */
    r[32]++;
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.xsdt, 0);
    CHECK_EQ(ai.madt, MADT);
    CHECK_EQ(ai.hpet, 0);
    CHECK_EQ(ai.nr_warnings, 1);
    CHECK_STR(err, "acpi: RSDP revision 2 but its extended part is invalid, using the RSDT");
    r[32]--;
    /* ... and likewise when the caller supplied only 20 bytes. */
    CHECK_EQ(parse_at(RSDP, 20), 0);
    CHECK_EQ(ai.xsdt, 0);
    CHECK_EQ(ai.nr_warnings, 1);
}

static void test_root_fallbacks(void)
{
    build_default();
    fakemem_w8(&fm, XSDT + 9, (uint8_t)(*(uint8_t *)fakemem_ptr(&fm, XSDT + 9) + 1));
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.xsdt, 0);
    CHECK_EQ(ai.madt, MADT);
    CHECK_EQ(ai.hpet, 0);               /* from the RSDT */
    CHECK_EQ(ai.nr_warnings, 1);
    CHECK_STR(err, "acpi: XSDT at 0x11000 has a bad checksum, using the RSDT");

    /* Both roots bad: fatal. */
    fakemem_w32(&fm, RSDT + 4, 20);
    CHECK_EQ(parse(), -EINVAL);
    CHECK_STR(err, "acpi: no usable root table (RSDT has a bad length)");
    /* RSDT pointer unmappable. */
    build_default();
    acpi_put_rsdp(&fm, RSDP, 0, 0xfff00000u, 0);
    CHECK_EQ(parse_at(RSDP, 20), -EINVAL);
    CHECK_STR(err, "acpi: no usable root table (RSDT is not mappable)");
    acpi_put_rsdp(&fm, RSDP, 0, 0, 0);
    CHECK_EQ(parse_at(RSDP, 20), -EINVAL);
    CHECK_STR(err, "acpi: no usable root table (RSDT is 0)");
    /* XSDT with a wrong signature. */
    build_default();
    memcpy(fakemem_ptr(&fm, XSDT), "RSDT", 4);
    acpi_fix_checksum(&fm, XSDT);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.xsdt, 0);
    CHECK_CONTAINS(err, "XSDT at 0x11000 has the wrong signature");
}

static void test_root_entries(void)
{
    uint64_t e[] = { 0, 0xfff00000u, MADT, MADT, 0x9000, FADT };

    build_default();
    put_root(XSDT, true, e, 6);     /* 0x9000 holds zeros: unknown table, ignored */
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.madt, MADT);
    CHECK_EQ(ai.fadt, FADT);
    CHECK_EQ(ai.nr_cpus, 4);        /* the duplicate MADT entry is not parsed twice */
    CHECK_EQ(ai.nr_warnings, 2);
    CHECK_STR(err, "acpi: root table entry 0 is 0, ignored");
}

static void test_bad_tables(void)
{
    /* MADT checksum. */
    build_default();
    fakemem_w8(&fm, MADT + 40, 0);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.madt, 0);
    CHECK_EQ(ai.nr_cpus, 0);
    CHECK_EQ(ai.lapic_addr, 0);
    CHECK_EQ(ai.nr_warnings, 1);
    CHECK_STR(err, "acpi: APIC at 0x12000 has a bad checksum, ignored");
    CHECK_EQ(ai.fadt, FADT);        /* the others are still parsed */
    /* MADT shorter than its fixed part. */
    build_default();
    fakemem_w32(&fm, MADT + 4, 40);
    acpi_fix_checksum(&fm, MADT);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.madt, 0);
    CHECK_STR(err, "acpi: APIC at 0x12000 has a bad length, ignored");
    /* A length beyond mappable memory. */
    build_default();
    fakemem_w32(&fm, MADT + 4, MEM_SIZE);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.madt, 0);
    CHECK_CONTAINS(err, "APIC at 0x12000 is not mappable");
    /* FADT checksum: no FADT-derived fields at all. */
    build_default();
    fakemem_w8(&fm, FADT + 100, 0x77);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.fadt, 0);
    CHECK_EQ(ai.dsdt, 0);
    CHECK_EQ(ai.pm_tmr_blk, 0);
    CHECK(!ai.reset_supported);
    CHECK_CONTAINS(err, "FACP at 0x13000 has a bad checksum");
    /* FADT shorter than ACPI 1.0's. */
    build_default();
    {
        struct fadt_in f = default_fadt();

        put_fadt(&f, 115);
    }
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.fadt, 0);
    /* HPET: bad checksum, then an I/O-space base. */
    build_default();
    fakemem_w8(&fm, HPET + 44, 1);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.hpet, 0);
    CHECK_EQ(ai.hpet_addr, 0);
    CHECK_EQ(ai.nr_warnings, 1);
    build_default();
    {
        uint8_t hb[HPET_BODY_LEN];

        hpet_body(hb, 1, 0x1000, 2);
        acpi_put_table(&fm, HPET, "HPET", 1, hb, sizeof(hb));
    }
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.hpet_addr, 0);
    CHECK_EQ(ai.nr_warnings, 1);
    CHECK_STR(err, "acpi: HPET base address (space 1, 0x1000) unusable");
    /* DSDT checksum and FACS signature. */
    build_default();
    fakemem_w8(&fm, DSDT + 50, 0);
    memcpy(fakemem_ptr(&fm, FACS), "FACX", 4);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.fadt, FADT);
    CHECK_EQ(ai.dsdt, 0);
    CHECK_EQ(ai.facs, 0);
    CHECK_EQ(ai.nr_warnings, 2);
    CHECK_STR(err, "acpi: DSDT at 0x15000 has a bad checksum, ignored");
    /* MCFG too short. */
    build_default();
    acpi_put_table(&fm, MCFG, "MCFG", 1, "12345678", 7);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.mcfg, 0);
    CHECK_EQ(ai.nr_warnings, 1);
}

static void test_madt_walk(void)
{
    struct madtb b;
    uint8_t zero_len[2] = { 0, 0 }, short_lapic[6] = { 0, 6, 1, 1, 1, 0 };

    /* A zero-length entry stops the walk; what came before is kept. */
    build_default();
    madtb_start(&b, 0xfee00000, 0);
    madtb_lapic(&b, 0, 0, 1);
    madtb_raw(&b, zero_len, 2);
    madtb_lapic(&b, 1, 1, 1);
    acpi_put_table(&fm, MADT, "APIC", 5, b.buf, b.len);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.madt, MADT);
    CHECK(!ai.pcat_compat);
    CHECK_EQ(ai.nr_cpus, 1);
    CHECK_EQ(ai.nr_warnings, 1);
    CHECK_STR(err, "acpi: MADT entry at offset 52 has length 0, walk stopped");
    /* An entry running past the end. */
    madtb_start(&b, 0xfee00000, 0);
    madtb_lapic(&b, 0, 0, 1);
    madtb_x2apic(&b, 7, 7, 1);
    b.len -= 4;
    acpi_put_table(&fm, MADT, "APIC", 5, b.buf, b.len);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.nr_cpus, 1);
    CHECK_STR(err, "acpi: MADT entry at offset 52 has length 16, walk stopped");
    /* One stray byte at the end. */
    madtb_start(&b, 0xfee00000, 0);
    madtb_lapic(&b, 0, 0, 1);
    madtb_raw(&b, zero_len, 1);
    acpi_put_table(&fm, MADT, "APIC", 5, b.buf, b.len);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.nr_cpus, 1);
    CHECK_STR(err, "acpi: MADT has 1 stray bytes at its end");
    /* A known type that is too short is skipped, the walk goes on; unknown types are skipped silently. */
    madtb_start(&b, 0xfee00000, 0);
    madtb_raw(&b, short_lapic, 6);
    madtb_raw(&b, "\x7f\x03\x00", 3);
    madtb_lapic(&b, 0, 3, 1);
    acpi_put_table(&fm, MADT, "APIC", 5, b.buf, b.len);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.nr_cpus, 1);
    CHECK_EQ(ai.cpus[0].apic_id, 3);
    CHECK_EQ(ai.nr_warnings, 1);
    CHECK_STR(err, "acpi: MADT entry type 0 has length 6 (< 8), skipped");
    /* Duplicates, APIC ID 0xff, address overrides. */
    madtb_start(&b, 0xfee00000, 0);
    madtb_lapic(&b, 0, 0, 1);
    madtb_x2apic(&b, 0, 0, 1);
    madtb_lapic(&b, 1, 0xff, 1);
    madtb_lapic_override(&b, 0xfee10000);
    madtb_lapic_override(&b, 0x100000000ull);
    acpi_put_table(&fm, MADT, "APIC", 5, b.buf, b.len);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.nr_cpus, 1);
    CHECK_EQ(ai.lapic_addr, 0xfee10000);
    CHECK_EQ(ai.nr_warnings, 3);
    CHECK_STR(err, "acpi: MADT lists APIC ID 0 twice, second ignored");
}

static void test_madt_limits(void)
{
    static struct madtb b;
    unsigned i;

    build_default();
    madtb_start(&b, 0xfee00000, 1);
    for (i = 0; i < 300; i++)
        madtb_x2apic(&b, i, i, 1);
    for (i = 0; i < 10; i++)
        madtb_ioapic(&b, (uint8_t)i, 0xfec00000 + i * 0x1000, i * 24);
    for (i = 0; i < 30; i++)
        madtb_iso(&b, 0, (uint8_t)i, i, 0);
    acpi_put_table(&fm, MADT, "APIC", 5, b.buf, b.len);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.nr_cpus, ACPI_MAX_CPUS);
    CHECK_EQ(ai.cpus[255].apic_id, 255);
    CHECK_EQ(ai.nr_ioapics, ACPI_MAX_IOAPICS);
    CHECK_EQ(ai.ioapics[7].gsi_base, 7 * 24);
    CHECK_EQ(ai.nr_isos, ACPI_MAX_ISOS);
    CHECK_EQ(ai.nr_warnings, 44 + 2 + 6);
    CHECK_STR(err, "acpi: MADT lists more than 256 CPUs, APIC ID 256 ignored");
}

static void test_fadt_variants(void)
{
    struct fadt_in f;

    /* ACPI 1.0 FADT (116 bytes): legacy fields only, no reset register. */
    build_default();
    f = default_fadt();
    f.pm_tmr = 0xb008;
    f.flags = 0;
    put_fadt(&f, 116);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.fadt, FADT);
    CHECK_EQ(ai.pm_tmr_blk, 0xb008);
    CHECK(!ai.pm_tmr_32);
    CHECK(!ai.reset_supported);
    CHECK_EQ(ai.reset_addr, 0);
    CHECK_EQ(ai.dsdt, DSDT);
    CHECK_EQ(ai.facs, FACS);
    CHECK_EQ(ai.nr_warnings, 0);
    /* ACPI 2.0 length (244): reset register, X_ fields up to X_GPE1. */
    f = default_fadt();
    f.flags = 1u << 10;
    f.pm_tmr = 0x408;
    f.x_pm_tmr = 0x608;
    put_fadt(&f, 244);
    CHECK_EQ(parse(), 0);
    CHECK(ai.reset_supported);
    CHECK_EQ(ai.pm_tmr_blk, 0x608);     /* X_PM_TMR_BLK preferred */
    /* X_PM_TMR_BLK in memory space or zero: the legacy field is used. */
    f.x_pm_tmr_space = 0;
    put_fadt(&f, 276);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.pm_tmr_blk, 0x408);
    f.x_pm_tmr_space = 1;
    f.x_pm_tmr = 0;
    put_fadt(&f, 276);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.pm_tmr_blk, 0x408);
    /* X_DSDT preferred over DSDT; X_FIRMWARE_CTRL over FIRMWARE_CTRL. */
    f = default_fadt();
    f.dsdt = 0x9000;        /* zeros there: would be invalid */
    f.x_dsdt = DSDT;
    f.facs = 0x9000;
    f.x_facs = FACS;
    put_fadt(&f, 276);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.dsdt, DSDT);
    CHECK_EQ(ai.facs, FACS);
    CHECK_EQ(ai.nr_warnings, 0);
    /* Reset flag without a reset address is not "supported". */
    f = default_fadt();
    f.reset_addr = 0;
    put_fadt(&f, 276);
    CHECK_EQ(parse(), 0);
    CHECK(!ai.reset_supported);
    /* X_PM1a_CNT_BLK preferred. */
    f = default_fadt();
    f.pm1a_cnt = 0x1004;
    f.x_pm1a_cnt = 0x604;
    put_fadt(&f, 276);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(ai.pm1a_cnt_blk, 0x604);
}

static void test_legacy_find(void)
{
    uint64_t at = 0;

    memset(fm.mem, 0, fm.size);
    CHECK_EQ(acpi_rsdp_find_legacy(fakemem_map, &fm, &at), -ENOENT);
    /* In the BIOS area, 16-byte aligned. */
    acpi_put_rsdp(&fm, 0xf5a40, 0, RSDT, 0);
    CHECK_EQ(acpi_rsdp_find_legacy(fakemem_map, &fm, &at), 0);
    CHECK_EQ(at, 0xf5a40);
    /* Not aligned: not found. */
    memset(fm.mem, 0, fm.size);
    acpi_put_rsdp(&fm, 0xf5a48, 0, RSDT, 0);
    CHECK_EQ(acpi_rsdp_find_legacy(fakemem_map, &fm, &at), -ENOENT);
    /* Bad checksum skipped, a later good one found. */
    memset(fm.mem, 0, fm.size);
    acpi_put_rsdp(&fm, 0xe0100, 0, RSDT, 0);
    fakemem_w8(&fm, 0xe0100 + 8, 0x42);
    acpi_put_rsdp(&fm, 0xe0200, 2, RSDT, XSDT);
    fakemem_w8(&fm, 0xe0200 + 32, 0x42);        /* extended checksum bad */
    acpi_put_rsdp(&fm, 0xffff0 - 32, 2, RSDT, XSDT);
    CHECK_EQ(acpi_rsdp_find_legacy(fakemem_map, &fm, &at), 0);
    CHECK_EQ(at, 0xffff0 - 32);
    /* The EBDA is searched first. */
    fakemem_w16(&fm, 0x40e, 0x9fc0);
    acpi_put_rsdp(&fm, 0x9fc00 + 0x3f0, 0, RSDT, 0);
    CHECK_EQ(acpi_rsdp_find_legacy(fakemem_map, &fm, &at), 0);
    CHECK_EQ(at, 0x9fc00 + 0x3f0);
    /* ... but only its first KiB. */
    memset(fakemem_ptr(&fm, 0x9fc00), 0, 0x400);
    acpi_put_rsdp(&fm, 0x9fc00 + 0x400, 0, RSDT, 0);
    CHECK_EQ(acpi_rsdp_find_legacy(fakemem_map, &fm, &at), 0);
    CHECK_EQ(at, 0xffff0 - 32);
    /* An EBDA pointer to unmappable memory is survived. */
    fakemem_w16(&fm, 0x40e, 0xffff);
    CHECK_EQ(acpi_rsdp_find_legacy(fakemem_map, &fm, &at), 0);
    CHECK_EQ(at, 0xffff0 - 32);
}

/* Byte corruption anywhere in the tables: no crash, and the result keeps its invariants. */
static void test_byte_flips(void)
{
    static const uint64_t tables[] = { RSDP, RSDT, XSDT, MADT, FADT, HPET, MCFG };
    static const uint32_t lens[] = { 36, 48, 68, 120, 276, 56, 60 };
    static const uint8_t vals[] = { 0x00, 0xff, 0x01, 0x80 };
    unsigned t, i, v;

    for (t = 0; t < 7; t++) {
        for (i = 0; i < lens[t]; i++) {
            for (v = 0; v < sizeof(vals); v++) {
                int rc;

                build_default();
                fakemem_w8(&fm, tables[t] + i, vals[v]);
                if (t > 0 && i != 9 && v == 0)
                    acpi_fix_checksum(&fm, tables[t]);  /* also try content changes that pass the checksum */
                rc = parse();
                CHECK(rc == 0 || rc == -EINVAL);
                CHECK(ai.nr_cpus <= ACPI_MAX_CPUS && ai.nr_ioapics <= ACPI_MAX_IOAPICS &&
                      ai.nr_isos <= ACPI_MAX_ISOS);
                CHECK(strlen(err) < sizeof(err));
            }
        }
    }
}

int main(void)
{
    fakemem_init(&fm, 0, MEM_SIZE);
    RUN(test_full);
    RUN(test_rsdt_only);
    RUN(test_rsdp_errors);
    RUN(test_root_fallbacks);
    RUN(test_root_entries);
    RUN(test_bad_tables);
    RUN(test_madt_walk);
    RUN(test_madt_limits);
    RUN(test_fadt_variants);
    RUN(test_legacy_find);
    RUN(test_byte_flips);
    fakemem_free(&fm);
    return t_finish("test_acpi");
}
