/*
 * ACPI table builder for HVM domains.  Layouts from the ACPI 6.5
 * specification (section numbers below); values from hvm/platform.h.  The
 * tables claim ACPI 6.0 revisions (FADT 6.0, MADT 4, DSDT 2 for 64-bit AML
 * integers), which every OS of interest reads.
 *
 * Table order in the table area: FACS (needs 64-byte alignment, 5.2.10),
 * DSDT, FADT, MADT, HPET (when the domain has one), XSDT, RSDT, each
 * 16-byte aligned.
 */
#include "hvm/acpi_build.h"
#include "hvm/platform.h"
#include "lib/errno.h"
#include "lib/string.h"

#define HDR_LEN         36          /* system description table header (5.2.6) */
#define RSDP_LEN        36          /* revision 2 RSDP (5.2.5.3) */
#define FACS_LEN        64
#define FADT_LEN        276         /* FADT major version 6 (5.2.9) */

/* Generic Address Structure address space ids (5.2.3.2). */
#define GAS_SYSTEM_IO   1
/* GAS access sizes. */
#define GAS_BYTE        1
#define GAS_WORD        2
#define GAS_DWORD       3

/* FADT fixed feature flags (5.2.9, table 5.10). */
#define FADT_WBINVD         (1u << 0)
#define FADT_PROC_C1        (1u << 2)
#define FADT_PWR_BUTTON     (1u << 4)   /* no fixed-feature power button */
#define FADT_SLP_BUTTON     (1u << 5)   /* no fixed-feature sleep button */
#define FADT_FIX_RTC        (1u << 6)   /* no RTC wake status in the fixed registers */
#define FADT_TMR_VAL_EXT    (1u << 8)   /* the PM timer counts 32 bits */
#define FADT_RESET_REG_SUP  (1u << 10)
#define FADT_HW_REDUCED     (1u << 20)  /* HW_REDUCED_ACPI: no fixed hardware, no SCI, no FACS needed */

/* IA-PC boot architecture flags (5.2.9.3). */
#define IAPC_LEGACY_DEVICES (1u << 0)   /* ISA devices (UART, PIT, RTC, PICs) exist */
#define IAPC_8042           (1u << 1)   /* left clear: there is no keyboard controller */
#define IAPC_VGA_NOT_PRESENT (1u << 2)
#define IAPC_CMOS_RTC_NOT_PRESENT (1u << 5)

/* MADT (5.2.12): flags and the interrupt controller structure types. */
#define MADT_PCAT_COMPAT    1u          /* dual 8259s present: the OS must mask them */
#define MADT_LAPIC          0
#define MADT_IOAPIC         1
#define MADT_ISO            2
#define MADT_LAPIC_NMI      4
#define MADT_LAPIC_ENABLED  1u
/* MPS INTI flags (5.2.12.5): polarity bits 1:0, trigger mode bits 3:2. */
#define INTI_HIGH           0x1
#define INTI_EDGE           0x4
#define INTI_LEVEL          0xc

/* HPET description table (IA-PC HPET specification 1.0a, 3.2.4). */
#define HPET_TABLE_LEN      56
#define HPET_BLOCK_ID       0x8086a201u     /* GCAP_ID bits 31:0 of hvm/vhpet.c */
#define HPET_MIN_TICK       6250            /* 100 µs at 62.5 MHz: vhpet's periodic interrupt floor */
#define HPET_PAGE_PROT_4K   0x1             /* nothing else in the block's 4 KiB page */

#define PM1_EVT_LEN     4
#define PM1_CNT_LEN     2
#define PM_TMR_LEN      4
#define RESET_VALUE     0x06            /* 0xCF9: full reset (bit 2) + system reset (bit 1) */
#define SLP_TYP_S5      5               /* what the PM device's PM1a_CNT treats as soft-off */

static void w8(uint8_t *p, unsigned off, uint8_t v)   { p[off] = v; }
static void w16(uint8_t *p, unsigned off, uint16_t v) { memcpy(p + off, &v, 2); }
static void w32(uint8_t *p, unsigned off, uint32_t v) { memcpy(p + off, &v, 4); }
static void w64(uint8_t *p, unsigned off, uint64_t v) { memcpy(p + off, &v, 8); }

uint8_t acpi_build_sum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t s = 0;

    while (len--)
        s = (uint8_t)(s + *b++);
    return s;
}

/* The 36-byte header (5.2.6); the checksum is set by finish(). */
static void header(uint8_t *t, const char sig[4], uint32_t len, uint8_t rev)
{
    memcpy(t, sig, 4);
    w32(t, 4, len);
    w8(t, 8, rev);
    memcpy(t + 10, ACPI_BUILD_OEM_ID, 6);
    memcpy(t + 16, ACPI_BUILD_OEM_TABLE_ID, 8);
    w32(t, 24, 1);                      /* OEM revision */
    memcpy(t + 28, "RVMM", 4);          /* creator id */
    w32(t, 32, 1);                      /* creator revision */
}

static void finish(uint8_t *t, uint32_t len)
{
    t[9] = 0;
    t[9] = (uint8_t)(0x100 - acpi_build_sum(t, len));
}

/* Generic Address Structure (5.2.3.2) for an I/O port block. */
static void gas_io(uint8_t *p, unsigned off, uint8_t bits, uint8_t access, uint64_t port)
{
    w8(p, off, GAS_SYSTEM_IO);
    w8(p, off + 1, bits);
    w8(p, off + 2, 0);
    w8(p, off + 3, access);
    w64(p, off + 4, port);
}

/* ---- DSDT: a few hand-assembled AML objects (ACPI 6.5 chapter 20) ---- */

#define AML_ZERO        0x00
#define AML_NAME        0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_DWORD_PREFIX 0x0c
#define AML_SCOPE       0x10
#define AML_PACKAGE     0x12
#define AML_EXT_PREFIX  0x5b
#define AML_DEVICE      0x82            /* after AML_EXT_PREFIX */
#define AML_ROOT_CHAR   0x5c            /* '\' */

struct aml {
    uint8_t *p;
    unsigned len, cap;
    bool overflow;
};

static void aml_byte(struct aml *a, uint8_t b)
{
    if (a->len < a->cap)
        a->p[a->len] = b;
    else
        a->overflow = true;
    a->len++;
}

static void aml_bytes(struct aml *a, const void *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        aml_byte(a, ((const uint8_t *)s)[i]);
}

/* A PkgLength (20.2.4) opens at 'start' (where the placeholder byte was
 * emitted); close it once the package's contents are out: the length counts
 * the PkgLength bytes themselves, which take 1 byte up to 63 and 2 bytes up
 * to 4095 (bits 7:6 of the lead byte = number of following bytes, its bits
 * 3:0 = low nibble, then the remaining bits). */
static void aml_pkg_close(struct aml *a, unsigned start)
{
    unsigned body = a->len - start - 1;

    if (a->overflow)
        return;
    if (body + 1 <= 63) {
        a->p[start] = (uint8_t)(body + 1);
        return;
    }
    unsigned total = body + 2;
    if (total > 0xfff || a->len + 1 > a->cap) {
        a->overflow = true;
        return;
    }
    memmove(a->p + start + 2, a->p + start + 1, body);
    a->p[start] = (uint8_t)(0x40 | (total & 0xf));
    a->p[start + 1] = (uint8_t)(total >> 4);
    a->len++;
}

static unsigned aml_pkg_open(struct aml *a)
{
    unsigned at = a->len;
    aml_byte(a, 0);
    return at;
}

/* Name(<4-char name>, Package() { v0, v1, 0, 0 }): the sleep-state objects
 * \_Sx (7.4.2): SLP_TYPa, SLP_TYPb, then two reserved entries. */
static void aml_sleep_state(struct aml *a, const char name[4], uint8_t slp_typ)
{
    aml_byte(a, AML_NAME);
    aml_bytes(a, name, 4);
    aml_byte(a, AML_PACKAGE);
    unsigned pkg = aml_pkg_open(a);
    aml_byte(a, 4);                     /* NumElements */
    for (int i = 0; i < 2; i++) {
        if (slp_typ) {
            aml_byte(a, AML_BYTE_PREFIX);
            aml_byte(a, slp_typ);
        } else {
            aml_byte(a, AML_ZERO);
        }
    }
    aml_byte(a, AML_ZERO);
    aml_byte(a, AML_ZERO);
    aml_pkg_close(a, pkg);
}

static void aml_name_zero(struct aml *a, const char name[4])
{
    aml_byte(a, AML_NAME);
    aml_bytes(a, name, 4);
    aml_byte(a, AML_ZERO);
}

/* The DSDT body: \_S0_, \_S5_ and the PCI host bridge \_SB_.PCI0 (_HID
 * PNP0A03, bus 0).  No _CRS: the OS then uses its default PCI windows. */
static unsigned build_dsdt_body(uint8_t *p, unsigned cap, bool pvh, bool *overflow)
{
    /* EISA id "PNP0A03" compressed (6.1.5): 'P','N','P' as 5-bit letters
     * (0x10, 0x0e, 0x10) in the first big-endian word, then 0x0a03. */
    static const uint8_t pnp0a03[4] = { 0x41, 0xd0, 0x0a, 0x03 };
    struct aml a = { p, 0, cap, false };

    aml_sleep_state(&a, "_S0_", 0);
    aml_sleep_state(&a, "_S5_", SLP_TYP_S5);
    if (pvh) {
        /* PVH: no PCI, nothing else to describe. */
        *overflow = a.overflow;
        return a.len;
    }
    aml_byte(&a, AML_SCOPE);
    unsigned scope = aml_pkg_open(&a);
    aml_byte(&a, AML_ROOT_CHAR);
    aml_bytes(&a, "_SB_", 4);
    aml_byte(&a, AML_EXT_PREFIX);
    aml_byte(&a, AML_DEVICE);
    unsigned dev = aml_pkg_open(&a);
    aml_bytes(&a, "PCI0", 4);
    aml_byte(&a, AML_NAME);
    aml_bytes(&a, "_HID", 4);
    aml_byte(&a, AML_DWORD_PREFIX);
    aml_bytes(&a, pnp0a03, 4);
    aml_name_zero(&a, "_UID");
    aml_name_zero(&a, "_BBN");
    aml_pkg_close(&a, dev);
    aml_pkg_close(&a, scope);
    *overflow = a.overflow;
    return a.len;
}

/* ---- the fixed tables ---- */

static void build_facs(uint8_t *t)
{
    memcpy(t, "FACS", 4);
    w32(t, 4, FACS_LEN);
    w8(t, 32, 2);                       /* version (5.2.10) */
}

static void build_fadt(uint8_t *t, uint64_t facs, uint64_t dsdt)
{
    header(t, "FACP", FADT_LEN, 6);
    w32(t, 36, 0);                      /* FIRMWARE_CTRL: zero when X_FIRMWARE_CTRL is set (ACPI 6.4 5.2.9) */
    w32(t, 40, (uint32_t)dsdt);
    w16(t, 46, SCI_IRQ);                /* SCI_INT */
    /* SMI_CMD (48), ACPI_ENABLE, ACPI_DISABLE stay 0: there is no SMM and
     * the hardware is always in ACPI mode (PM1_CNT.SCI_EN reads 1), so the
     * OS never performs the legacy-to-ACPI handoff (4.8.2.5). */
    w32(t, 56, PORT_PM1A_EVT);          /* PM1a_EVT_BLK */
    w32(t, 64, PORT_PM1A_CNT);          /* PM1a_CNT_BLK */
    w32(t, 76, PORT_PM_TMR);            /* PM_TMR_BLK */
    w8(t, 88, PM1_EVT_LEN);
    w8(t, 89, PM1_CNT_LEN);
    w8(t, 91, PM_TMR_LEN);
    w16(t, 96, 101);                    /* P_LVL2_LAT > 100: no C2 */
    w16(t, 98, 1001);                   /* P_LVL3_LAT > 1000: no C3 */
    w16(t, 109, IAPC_LEGACY_DEVICES | IAPC_VGA_NOT_PRESENT);
    w32(t, 112, FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON | FADT_SLP_BUTTON | FADT_FIX_RTC |
                FADT_TMR_VAL_EXT | FADT_RESET_REG_SUP);
    gas_io(t, 116, 8, GAS_BYTE, PORT_RESET);   /* RESET_REG */
    w8(t, 128, RESET_VALUE);
    w8(t, 131, 0);                      /* FADT minor version: 6.0 */
    w64(t, 132, facs);                  /* X_FIRMWARE_CTRL */
    w64(t, 140, dsdt);                  /* X_DSDT */
    gas_io(t, 148, PM1_EVT_LEN * 8, GAS_WORD, PORT_PM1A_EVT);   /* status and enable: 16 bits each */
    gas_io(t, 172, PM1_CNT_LEN * 8, GAS_WORD, PORT_PM1A_CNT);
    gas_io(t, 208, PM_TMR_LEN * 8, GAS_DWORD, PORT_PM_TMR);
    finish(t, FADT_LEN);
}

/*
 * PVH: a hardware-reduced FADT (ACPI 6.5 4.1, 5.2.9 flag HW_REDUCED_ACPI):
 * no PM1 blocks, PM timer, GPEs, SCI or FACS.  The only register is the
 * sleep control/status pair (5.2.9 SLEEP_CONTROL_REG and SLEEP_STATUS_REG,
 * 4.8.3.7-8), which an OS writes with the \_S5 SLP_TYP to power off (hvm/
 * vpm.c: vpm_sleep_io).  IAPC_BOOT_ARCH says there are no legacy devices,
 * no 8042, no VGA and no CMOS RTC, so the OS does not probe for them.
 */
static void build_fadt_pvh(uint8_t *t, uint64_t dsdt)
{
    header(t, "FACP", FADT_LEN, 6);
    w32(t, 40, (uint32_t)dsdt);
    w16(t, 109, IAPC_VGA_NOT_PRESENT | IAPC_CMOS_RTC_NOT_PRESENT);
    w32(t, 112, FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON | FADT_SLP_BUTTON | FADT_HW_REDUCED);
    w8(t, 131, 0);                      /* FADT minor version: 6.0 */
    w64(t, 140, dsdt);                  /* X_DSDT */
    gas_io(t, 244, 8, GAS_BYTE, PORT_PVH_SLEEP_CTL);    /* SLEEP_CONTROL_REG */
    gas_io(t, 256, 8, GAS_BYTE, PORT_PVH_SLEEP_STS);    /* SLEEP_STATUS_REG */
    finish(t, FADT_LEN);
}

static unsigned madt_len(unsigned nr_vcpus)
{
    return HDR_LEN + 8 + 8 * nr_vcpus + 12 + 2 * 10 + 6;
}

static unsigned madt_pvh_len(unsigned nr_vcpus)
{
    return HDR_LEN + 8 + 8 * nr_vcpus;
}

static void madt_lapics(uint8_t *t, unsigned off, unsigned nr_vcpus)
{
    for (unsigned i = 0; i < nr_vcpus; i++, off += 8) {
        w8(t, off, MADT_LAPIC);
        w8(t, off + 1, 8);
        w8(t, off + 2, (uint8_t)i);     /* ACPI processor UID */
        w8(t, off + 3, (uint8_t)i);     /* APIC id = vCPU index */
        w32(t, off + 4, MADT_LAPIC_ENABLED);
    }
}

/* PVH: the local APICs only; no 8259s (flags 0), no IOAPIC, no overrides. */
static void build_madt_pvh(uint8_t *t, unsigned nr_vcpus)
{
    unsigned len = madt_pvh_len(nr_vcpus);

    header(t, "APIC", len, 4);
    w32(t, 36, (uint32_t)GPA_LAPIC);
    w32(t, 40, 0);
    madt_lapics(t, HDR_LEN + 8, nr_vcpus);
    finish(t, len);
}

static void madt_iso(uint8_t *t, unsigned off, uint8_t source, uint32_t gsi, uint16_t flags)
{
    w8(t, off, MADT_ISO);
    w8(t, off + 1, 10);
    w8(t, off + 2, 0);                  /* bus: ISA */
    w8(t, off + 3, source);
    w32(t, off + 4, gsi);
    w16(t, off + 8, flags);
}

static void build_madt(uint8_t *t, unsigned nr_vcpus)
{
    unsigned len = madt_len(nr_vcpus), off = HDR_LEN + 8;

    header(t, "APIC", len, 4);
    w32(t, 36, (uint32_t)GPA_LAPIC);
    w32(t, 40, MADT_PCAT_COMPAT);
    madt_lapics(t, off, nr_vcpus);
    off += 8 * nr_vcpus;
    w8(t, off, MADT_IOAPIC);
    w8(t, off + 1, 12);
    w8(t, off + 2, (uint8_t)nr_vcpus);  /* IOAPIC id: the first id after the LAPICs */
    w32(t, off + 4, (uint32_t)GPA_IOAPIC);
    w32(t, off + 8, 0);                 /* GSI base */
    off += 12;
    /* The PIT (ISA IRQ0) is wired to IOAPIC pin 2, as on PC chipsets. */
    madt_iso(t, off, 0, 2, INTI_HIGH | INTI_EDGE);
    off += 10;
    /* The SCI is level triggered, active high (5.2.12.5 requires an
     * override whenever it is not the ISA default of edge/high). */
    madt_iso(t, off, SCI_IRQ, SCI_IRQ, INTI_HIGH | INTI_LEVEL);
    off += 10;
    w8(t, off, MADT_LAPIC_NMI);
    w8(t, off + 1, 6);
    w8(t, off + 2, 0xff);               /* all processors */
    w16(t, off + 3, INTI_HIGH | INTI_EDGE);
    w8(t, off + 5, 1);                  /* LINT1 */
    finish(t, len);
}

/* The event timer block of hvm/vhpet.c at GPA_HPET, number 0. */
static void build_hpet(uint8_t *t)
{
    header(t, "HPET", HPET_TABLE_LEN, 1);
    w32(t, 36, HPET_BLOCK_ID);
    w8(t, 40, 0);                       /* GAS: system memory */
    w8(t, 41, 64);                      /* register width */
    w8(t, 42, 0);
    w8(t, 43, 0);
    w64(t, 44, GPA_HPET);
    w8(t, 52, 0);                       /* HPET number */
    w16(t, 53, HPET_MIN_TICK);
    w8(t, 55, HPET_PAGE_PROT_4K);
    finish(t, HPET_TABLE_LEN);
}

static void build_root(uint8_t *t, bool xsdt, const uint64_t *entries, unsigned n)
{
    unsigned esz = xsdt ? 8 : 4, len = HDR_LEN + esz * n;

    header(t, xsdt ? "XSDT" : "RSDT", len, 1);
    for (unsigned i = 0; i < n; i++) {
        if (xsdt)
            w64(t, HDR_LEN + 8 * i, entries[i]);
        else
            w32(t, HDR_LEN + 4 * i, (uint32_t)entries[i]);
    }
    finish(t, len);
}

static void build_rsdp(uint8_t *r, uint64_t rsdt, uint64_t xsdt)
{
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, ACPI_BUILD_OEM_ID, 6);
    w8(r, 15, 2);                       /* revision 2: XSDT and length fields valid */
    w32(r, 16, (uint32_t)rsdt);
    w32(r, 20, RSDP_LEN);
    w64(r, 24, xsdt);
    r[8] = (uint8_t)(0x100 - acpi_build_sum(r, 20));       /* first 20 bytes (ACPI 1.0 part) */
    r[32] = (uint8_t)(0x100 - acpi_build_sum(r, RSDP_LEN));
}

#define ALIGN16(x) (((x) + 15) & ~(uint64_t)15)

/* Where one set of tables goes: the RSDP, the first table, the limit. */
struct place {
    uint64_t rsdp, tables, end;
};

static int build_all(void *buf, size_t buflen, uint64_t base_gpa, const struct place *pl, unsigned nr_vcpus,
                     bool pvh, bool hpet, struct acpi_build_layout *layout)
{
    struct acpi_build_layout l;
    uint8_t dsdt_body[256];
    bool overflow;
    uint8_t *b = buf;

    if (nr_vcpus == 0 || nr_vcpus > ACPI_BUILD_MAX_VCPUS || base_gpa > pl->rsdp)
        return -EINVAL;
    unsigned dsdt_len = HDR_LEN + build_dsdt_body(dsdt_body, sizeof(dsdt_body), pvh, &overflow);
    if (overflow)
        return -ENOSPC;

    l.rsdp = pl->rsdp;
    if (pvh) {
        l.facs = 0;                     /* hardware-reduced: no FACS (5.2.9 FIRMWARE_CTRL) */
        l.dsdt = pl->tables;
    } else {
        l.facs = pl->tables;            /* page aligned, so 64-byte aligned */
        l.dsdt = ALIGN16(l.facs + FACS_LEN);
    }
    l.fadt = ALIGN16(l.dsdt + dsdt_len);
    l.madt = ALIGN16(l.fadt + FADT_LEN);
    uint64_t after_madt = ALIGN16(l.madt + (pvh ? madt_pvh_len(nr_vcpus) : madt_len(nr_vcpus)));
    l.hpet = hpet ? after_madt : 0;
    unsigned nent = hpet ? 3 : 2;
    l.xsdt = hpet ? ALIGN16(l.hpet + HPET_TABLE_LEN) : after_madt;
    l.rsdt = ALIGN16(l.xsdt + HDR_LEN + nent * 8);
    l.end = l.rsdt + HDR_LEN + nent * 4;
    if (l.end > pl->end || l.end - base_gpa > buflen)
        return -ENOSPC;

    memset(b, 0, buflen);
    build_rsdp(b + (l.rsdp - base_gpa), l.rsdt, l.xsdt);
    if (!pvh)
        build_facs(b + (l.facs - base_gpa));
    uint8_t *d = b + (l.dsdt - base_gpa);
    header(d, "DSDT", dsdt_len, 2);     /* revision 2: 64-bit integers (5.2.11.1) */
    memcpy(d + HDR_LEN, dsdt_body, dsdt_len - HDR_LEN);
    finish(d, dsdt_len);
    if (pvh) {
        build_fadt_pvh(b + (l.fadt - base_gpa), l.dsdt);
        build_madt_pvh(b + (l.madt - base_gpa), nr_vcpus);
    } else {
        build_fadt(b + (l.fadt - base_gpa), l.facs, l.dsdt);
        build_madt(b + (l.madt - base_gpa), nr_vcpus);
    }
    if (hpet)
        build_hpet(b + (l.hpet - base_gpa));
    const uint64_t entries[3] = { l.fadt, l.madt, l.hpet };
    build_root(b + (l.xsdt - base_gpa), true, entries, nent);
    build_root(b + (l.rsdt - base_gpa), false, entries, nent);
    if (layout)
        *layout = l;
    return (int)(l.end - base_gpa);
}

/* The firmware-area placement of every HVM and boot-module PVH domain. */
static const struct place bios_area = { GPA_ACPI_RSDP, GPA_ACPI_TABLES, GPA_ACPI_END };

int acpi_build_tables(void *buf, size_t buflen, uint64_t base_gpa, unsigned nr_vcpus, bool hpet,
                      struct acpi_build_layout *layout)
{
    return build_all(buf, buflen, base_gpa, &bios_area, nr_vcpus, false, hpet, layout);
}

int acpi_build_pvh_tables(void *buf, size_t buflen, uint64_t base_gpa, unsigned nr_vcpus,
                          struct acpi_build_layout *layout)
{
    return build_all(buf, buflen, base_gpa, &bios_area, nr_vcpus, true, false, layout);
}

int acpi_build_pvh_tables_at(void *buf, size_t buflen, uint64_t gpa, unsigned nr_vcpus,
                             struct acpi_build_layout *layout)
{
    /* The RSDT and the RSDP's RSDT address are 32-bit: all of it below 4 GiB. */
    if ((gpa & 15) || buflen > 0x100000 || gpa + buflen > 0x100000000ull)
        return -EINVAL;
    const struct place at = { gpa, gpa + ALIGN16(RSDP_LEN), gpa + buflen };
    return build_all(buf, buflen, gpa, &at, nr_vcpus, true, false, layout);
}
