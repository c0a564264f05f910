/*
 * ACPI static tables.  Layouts are from the ACPI 6.5 specification, chapter
 * 5.2; section numbers are given where each structure is used.  Every table
 * is mapped twice: its 36-byte header first (to learn the length), then the
 * whole table, whose checksum is verified before any field is read.
 */
#include "arch/x86/acpi_tables.h"

#include <stdarg.h>

#include "lib/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define RSDP_V1_LEN   20    /* section 5.2.5.3 */
#define RSDP_V2_LEN   36
#define SDT_HDR_LEN   36    /* section 5.2.6 */

#define MADT_MIN_LEN  44    /* header, local APIC address, flags (5.2.12) */
#define HPET_MIN_LEN  56    /* IA-PC HPET specification 1.0a, table 3 */
#define FADT_MIN_LEN  116   /* the ACPI 1.0 FADT, up to the Flags field (5.2.9) */
#define MCFG_MIN_LEN  44    /* header + 8 reserved bytes (PCI Firmware spec 3.2, 4.1.2) */
#define FACS_MIN_LEN  64    /* 5.2.10 */

/* FADT field offsets (ACPI 6.5 table 5.9). */
enum {
    FADT_FIRMWARE_CTRL  = 36,
    FADT_DSDT           = 40,
    FADT_SCI_INT        = 46,
    FADT_PM1A_CNT_BLK   = 64,
    FADT_PM1B_CNT_BLK   = 68,
    FADT_PM_TMR_BLK     = 76,
    FADT_IAPC_BOOT_ARCH = 109,
    FADT_FLAGS          = 112,
    FADT_RESET_REG      = 116,
    FADT_RESET_VALUE    = 128,
    FADT_X_FIRMWARE_CTRL = 132,
    FADT_X_DSDT         = 140,
    FADT_X_PM1A_CNT_BLK = 172,
    FADT_X_PM1B_CNT_BLK = 184,
    FADT_X_PM_TMR_BLK   = 208,
};

#define FADT_F_TMR_VAL_EXT   (1u << 8)     /* PM timer is 32 bits wide, else 24 */
#define FADT_F_RESET_REG_SUP (1u << 10)

/* Generic Address Structure (5.2.3.2): space, width, offset, access size, u64 address. */
#define GAS_LEN        12
#define GAS_SPACE_MEM  0
#define GAS_SPACE_IO   1

/* MADT entry types and lengths (5.2.12.2 - 5.2.12.12). */
enum {
    MADT_LAPIC          = 0,
    MADT_IOAPIC         = 1,
    MADT_ISO            = 2,
    MADT_LAPIC_NMI      = 4,
    MADT_LAPIC_OVERRIDE = 5,
    MADT_X2APIC         = 9,
};

#define MADT_F_PCAT_COMPAT       1u
#define MADT_CPU_ENABLED         (1u << 0)
#define MADT_CPU_ONLINE_CAPABLE  (1u << 1)

struct acpi_run {
    phys_map_fn map;
    void *ctx;
    struct acpi_info *out;
    char *err;
    size_t errlen;
};

static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, sizeof(v)); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, sizeof(v)); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, sizeof(v)); return v; }

static uint8_t checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;

    while (len--)
        sum = (uint8_t)(sum + *p++);
    return sum;
}

static void acpi_msg(struct acpi_run *r, bool overwrite, const char *fmt, va_list ap)
{
    if (r->err && r->errlen && (overwrite || r->err[0] == '\0'))
        fmt_vsnprintf(r->err, r->errlen, fmt, ap);
}

/* A non-fatal problem: counted; the first one is described in err. */
static void acpi_warn(struct acpi_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void acpi_warn(struct acpi_run *r, const char *fmt, ...)
{
    va_list ap;

    r->out->nr_warnings++;
    va_start(ap, fmt);
    acpi_msg(r, false, fmt, ap);
    va_end(ap);
}

static int acpi_fail(struct acpi_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int acpi_fail(struct acpi_run *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    acpi_msg(r, true, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/*
 * Maps the table at 'phys' and checks its signature, its length against
 * [minlen, ACPI_MAX_TABLE_LEN] and its checksum.  Returns the table or NULL
 * with the reason in *why.
 */
static const uint8_t *table_map(struct acpi_run *r, uint64_t phys, const char *sig,
                                uint32_t minlen, uint32_t *lenp, const char **why)
{
    const uint8_t *h;
    uint32_t len;

    if (phys == 0) {
        *why = "has address 0";
        return NULL;
    }
    h = r->map(phys, SDT_HDR_LEN, r->ctx);
    if (!h) {
        *why = "is not mappable";
        return NULL;
    }
    if (memcmp(h, sig, 4) != 0) {
        *why = "has the wrong signature";
        return NULL;
    }
    len = rd32(h + 4);
    if (len < minlen || len > ACPI_MAX_TABLE_LEN) {
        *why = "has a bad length";
        return NULL;
    }
    h = r->map(phys, len, r->ctx);
    if (!h) {
        *why = "is not mappable";
        return NULL;
    }
    /* Re-check: the second mapping is what gets parsed. */
    if (memcmp(h, sig, 4) != 0 || rd32(h + 4) != len) {
        *why = "changed while being mapped";
        return NULL;
    }
    if (checksum(h, len) != 0) {
        *why = "has a bad checksum";
        return NULL;
    }
    *lenp = len;
    return h;
}

/* table_map() that counts and reports a failure as a warning. */
static const uint8_t *table_get(struct acpi_run *r, uint64_t phys, const char *sig,
                                uint32_t minlen, uint32_t *lenp)
{
    const char *why = NULL;
    const uint8_t *t = table_map(r, phys, sig, minlen, lenp, &why);

    if (!t)
        acpi_warn(r, "acpi: %.4s at 0x%llx %s, ignored", sig, (unsigned long long)phys, why);
    return t;
}

/* ---- MADT (5.2.12) ---- */

static void madt_add_cpu(struct acpi_run *r, uint32_t apic_id, uint32_t uid, uint32_t flags, bool x2)
{
    struct acpi_info *o = r->out;
    unsigned i;

    /* Neither enabled nor online-capable: the processor cannot be used (5.2.12.2). */
    if (!(flags & (MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE)))
        return;
    for (i = 0; i < o->nr_cpus; i++) {
        if (o->cpus[i].apic_id == apic_id) {
            acpi_warn(r, "acpi: MADT lists APIC ID %u twice, second ignored", apic_id);
            return;
        }
    }
    if (o->nr_cpus == ACPI_MAX_CPUS) {
        acpi_warn(r, "acpi: MADT lists more than %u CPUs, APIC ID %u ignored", ACPI_MAX_CPUS, apic_id);
        return;
    }
    o->cpus[o->nr_cpus].apic_id = apic_id;
    o->cpus[o->nr_cpus].acpi_uid = uid;
    o->cpus[o->nr_cpus].enabled = flags & MADT_CPU_ENABLED;
    o->cpus[o->nr_cpus].online_capable = !(flags & MADT_CPU_ENABLED) && (flags & MADT_CPU_ONLINE_CAPABLE);
    o->cpus[o->nr_cpus].x2apic = x2;
    o->nr_cpus++;
}

static void madt_entry(struct acpi_run *r, const uint8_t *e, uint8_t type, uint8_t len)
{
    static const uint8_t minlen[] = {
        [MADT_LAPIC] = 8, [MADT_IOAPIC] = 12, [MADT_ISO] = 10, [MADT_LAPIC_OVERRIDE] = 12,
        [MADT_X2APIC] = 16,
    };
    struct acpi_info *o = r->out;

    if (type < sizeof(minlen) && minlen[type] && len < minlen[type]) {
        acpi_warn(r, "acpi: MADT entry type %u has length %u (< %u), skipped", type, len, minlen[type]);
        return;
    }
    switch (type) {
    case MADT_LAPIC:
        /* APIC ID 0xFF cannot be addressed in xAPIC mode; such CPUs must use type 9. */
        if (e[3] == 0xff) {
            acpi_warn(r, "acpi: MADT local APIC entry with APIC ID 0xff skipped");
            return;
        }
        madt_add_cpu(r, e[3], e[2], rd32(e + 4), false);
        break;
    case MADT_X2APIC:
        madt_add_cpu(r, rd32(e + 4), rd32(e + 12), rd32(e + 8), true);
        break;
    case MADT_IOAPIC:
        if (o->nr_ioapics == ACPI_MAX_IOAPICS) {
            acpi_warn(r, "acpi: MADT lists more than %u I/O APICs, extra ignored", ACPI_MAX_IOAPICS);
            return;
        }
        o->ioapics[o->nr_ioapics].id = e[2];
        o->ioapics[o->nr_ioapics].addr = rd32(e + 4);
        o->ioapics[o->nr_ioapics].gsi_base = rd32(e + 8);
        o->nr_ioapics++;
        break;
    case MADT_ISO:
        if (o->nr_isos == ACPI_MAX_ISOS) {
            acpi_warn(r, "acpi: MADT lists more than %u interrupt overrides, extra ignored", ACPI_MAX_ISOS);
            return;
        }
        o->isos[o->nr_isos].bus = e[2];
        o->isos[o->nr_isos].source = e[3];
        o->isos[o->nr_isos].gsi = rd32(e + 4);
        o->isos[o->nr_isos].flags = rd16(e + 8);
        o->nr_isos++;
        break;
    case MADT_LAPIC_OVERRIDE: {
        uint64_t a = rd64(e + 4);

        if (a > UINT32_MAX)
            acpi_warn(r, "acpi: MADT local APIC address override 0x%llx above 4 GiB ignored",
                      (unsigned long long)a);
        else
            o->lapic_addr = (uint32_t)a;
        break;
    }
    case MADT_LAPIC_NMI:
    default:
        break;  /* NMI wiring, GIC, ...: not used */
    }
}

static void parse_madt(struct acpi_run *r, uint64_t phys)
{
    struct acpi_info *o = r->out;
    const uint8_t *t;
    uint32_t len, off;

    t = table_get(r, phys, "APIC", MADT_MIN_LEN, &len);
    if (!t)
        return;
    o->madt = phys;
    o->lapic_addr = rd32(t + 36);
    o->pcat_compat = rd32(t + 40) & MADT_F_PCAT_COMPAT;
    for (off = MADT_MIN_LEN; off < len;) {
        uint8_t type, elen;

        if (len - off < 2) {
            acpi_warn(r, "acpi: MADT has %u stray bytes at its end", len - off);
            return;
        }
        type = t[off];
        elen = t[off + 1];
        if (elen < 2 || elen > len - off) {
            acpi_warn(r, "acpi: MADT entry at offset %u has length %u, walk stopped", off, elen);
            return;
        }
        madt_entry(r, t + off, type, elen);
        off += elen;
    }
}

/* ---- HPET (IA-PC HPET specification 1.0a, section 3.2.4) ---- */

static void parse_hpet(struct acpi_run *r, uint64_t phys)
{
    struct acpi_info *o = r->out;
    const uint8_t *t;
    uint32_t len;
    uint64_t addr;

    t = table_get(r, phys, "HPET", HPET_MIN_LEN, &len);
    if (!t)
        return;
    o->hpet = phys;
    addr = rd64(t + 40 + 4);
    /* The HPET registers are memory-mapped; any other space is a broken table. */
    if (t[40] != GAS_SPACE_MEM || addr == 0) {
        acpi_warn(r, "acpi: HPET base address (space %u, 0x%llx) unusable", t[40],
                  (unsigned long long)addr);
        return;
    }
    o->hpet_addr = addr;
    o->hpet_number = t[52];
}

/* ---- FADT (5.2.9) ---- */

/* A GAS field of the FADT if the table is long enough to hold it. */
static bool fadt_gas(const uint8_t *t, uint32_t len, uint32_t off, uint8_t *space, uint64_t *addr)
{
    if (len < off + GAS_LEN)
        return false;
    *space = t[off];
    *addr = rd64(t + off + 4);
    return true;
}

/* X_ I/O block if present, nonzero and in I/O space, else the 32-bit field. */
static uint32_t fadt_io_block(const uint8_t *t, uint32_t len, uint32_t x_off, uint32_t legacy_off)
{
    uint8_t space;
    uint64_t a;

    if (fadt_gas(t, len, x_off, &space, &a) && a != 0 && space == GAS_SPACE_IO && a <= 0xffff)
        return (uint32_t)a;
    return rd32(t + legacy_off);
}

/* The 64-bit address field if present and nonzero, else the 32-bit one. */
static uint64_t fadt_addr(const uint8_t *t, uint32_t len, uint32_t x_off, uint32_t legacy_off)
{
    if (len >= x_off + 8 && rd64(t + x_off) != 0)
        return rd64(t + x_off);
    return rd32(t + legacy_off);
}

static void fadt_dsdt_facs(struct acpi_run *r, uint64_t dsdt, uint64_t facs)
{
    struct acpi_info *o = r->out;
    const uint8_t *h;
    uint32_t len;

    if (dsdt && table_get(r, dsdt, "DSDT", SDT_HDR_LEN, &len))
        o->dsdt = dsdt;
    if (!facs)
        return;
    /* The FACS has no checksum (5.2.10): signature and length are all there is. */
    h = r->map(facs, FACS_MIN_LEN, r->ctx);
    if (h && memcmp(h, "FACS", 4) == 0 && rd32(h + 4) >= FACS_MIN_LEN)
        o->facs = facs;
    else
        acpi_warn(r, "acpi: FACS at 0x%llx is not valid, ignored", (unsigned long long)facs);
}

static void parse_fadt(struct acpi_run *r, uint64_t phys)
{
    struct acpi_info *o = r->out;
    const uint8_t *t;
    uint32_t len;
    uint8_t space;
    uint64_t a;

    t = table_get(r, phys, "FACP", FADT_MIN_LEN, &len);
    if (!t)
        return;
    o->fadt = phys;
    o->sci_int = rd16(t + FADT_SCI_INT);
    o->iapc_boot_arch = rd16(t + FADT_IAPC_BOOT_ARCH);
    o->fadt_flags = rd32(t + FADT_FLAGS);
    o->pm_tmr_32 = o->fadt_flags & FADT_F_TMR_VAL_EXT;
    o->pm_tmr_blk = fadt_io_block(t, len, FADT_X_PM_TMR_BLK, FADT_PM_TMR_BLK);
    o->pm1a_cnt_blk = fadt_io_block(t, len, FADT_X_PM1A_CNT_BLK, FADT_PM1A_CNT_BLK);
    o->pm1b_cnt_blk = fadt_io_block(t, len, FADT_X_PM1B_CNT_BLK, FADT_PM1B_CNT_BLK);

    /* RESET_REG and RESET_VALUE exist from ACPI 2.0 on (FADT revision 3+). */
    if (fadt_gas(t, len, FADT_RESET_REG, &space, &a) && len > FADT_RESET_VALUE) {
        o->reset_space = space;
        o->reset_addr = a;
        o->reset_value = t[FADT_RESET_VALUE];
        o->reset_supported = (o->fadt_flags & FADT_F_RESET_REG_SUP) && a != 0;
    }

    fadt_dsdt_facs(r, fadt_addr(t, len, FADT_X_DSDT, FADT_DSDT),
                   fadt_addr(t, len, FADT_X_FIRMWARE_CTRL, FADT_FIRMWARE_CTRL));
}

/* ---- RSDP and root table (5.2.5, 5.2.7, 5.2.8) ---- */

static void root_entry(struct acpi_run *r, uint64_t phys, unsigned idx)
{
    struct acpi_info *o = r->out;
    const uint8_t *h;
    uint32_t len;

    if (phys == 0) {
        acpi_warn(r, "acpi: root table entry %u is 0, ignored", idx);
        return;
    }
    h = r->map(phys, SDT_HDR_LEN, r->ctx);
    if (!h) {
        acpi_warn(r, "acpi: root table entry %u (0x%llx) is not mappable, ignored", idx,
                  (unsigned long long)phys);
        return;
    }
    /* The first valid table of each kind is used; later copies are ignored. */
    if (memcmp(h, "APIC", 4) == 0 && !o->madt)
        parse_madt(r, phys);
    else if (memcmp(h, "FACP", 4) == 0 && !o->fadt)
        parse_fadt(r, phys);
    else if (memcmp(h, "HPET", 4) == 0 && !o->hpet)
        parse_hpet(r, phys);
    else if (memcmp(h, "MCFG", 4) == 0 && !o->mcfg && table_get(r, phys, "MCFG", MCFG_MIN_LEN, &len))
        o->mcfg = phys;
}

static int check_rsdp(const uint8_t *p, size_t avail, bool *v2_ok)
{
    uint32_t len;

    if (avail < RSDP_V1_LEN || memcmp(p, "RSD PTR ", 8) != 0)
        return -1;
    if (checksum(p, RSDP_V1_LEN) != 0)
        return -2;
    *v2_ok = false;
    if (p[15] >= 2 && avail >= RSDP_V2_LEN) {
        len = rd32(p + 20);
        *v2_ok = len >= RSDP_V2_LEN && len <= avail && checksum(p, len) == 0;
    }
    return 0;
}

int acpi_parse(const void *rsdp, size_t rsdp_len, phys_map_fn map, void *ctx,
               struct acpi_info *out, char *err, size_t errlen)
{
    struct acpi_run r = { .map = map, .ctx = ctx, .out = out, .err = err, .errlen = errlen };
    const uint8_t *p = rsdp, *root = NULL;
    const char *why = "is 0";
    uint32_t len = 0, esize = 4, i, n;
    bool v2_ok = false;
    int rc;

    memset(out, 0, sizeof(*out));
    if (err && errlen)
        err[0] = '\0';
    if (!p || !map)
        return acpi_fail(&r, "acpi: no RSDP");
    rc = check_rsdp(p, rsdp_len, &v2_ok);
    if (rc == -1)
        return acpi_fail(&r, "acpi: RSDP missing its signature or truncated (%zu bytes)", rsdp_len);
    if (rc == -2)
        return acpi_fail(&r, "acpi: RSDP checksum is bad");
    out->rsdp_rev = p[15];
    out->rsdt = rd32(p + 16);
    if (p[15] >= 2 && !v2_ok)
        acpi_warn(&r, "acpi: RSDP revision %u but its extended part is invalid, using the RSDT", p[15]);

    /* The XSDT supersedes the RSDT when both exist (5.2.5.3). */
    if (v2_ok) {
        out->xsdt = rd64(p + 24);
        if (out->xsdt) {
            root = table_map(&r, out->xsdt, "XSDT", SDT_HDR_LEN, &len, &why);
            if (root)
                esize = 8;
            else
                acpi_warn(&r, "acpi: XSDT at 0x%llx %s, using the RSDT",
                          (unsigned long long)out->xsdt, why);
        }
        if (!root)
            out->xsdt = 0;
    }
    if (!root && out->rsdt) {
        root = table_map(&r, out->rsdt, "RSDT", SDT_HDR_LEN, &len, &why);
        if (!root)
            out->rsdt = 0;
    }
    if (!root)
        return acpi_fail(&r, "acpi: no usable root table (RSDT %s)", why);

    n = (len - SDT_HDR_LEN) / esize;
    for (i = 0; i < n; i++) {
        const uint8_t *e = root + SDT_HDR_LEN + (size_t)i * esize;

        root_entry(&r, esize == 8 ? rd64(e) : rd32(e), i);
    }
    return 0;
}

/* ---- Legacy RSDP search (5.2.5.1) ---- */

/* Candidates start in [base, base + len); the last ones may extend past it. */
static bool scan_rsdp(phys_map_fn map, void *ctx, uint64_t base, size_t len, uint64_t *found)
{
    size_t win = len + RSDP_V2_LEN, off;
    const uint8_t *p = map(base, win, ctx);

    if (!p) {
        win = len;
        p = map(base, win, ctx);
    }
    if (!p)
        return false;
    for (off = 0; off < len && off + RSDP_V1_LEN <= win; off += 16) {
        const uint8_t *c = p + off;
        bool v2_ok;

        if (check_rsdp(c, win - off, &v2_ok) != 0)
            continue;
        /* A revision 2 RSDP must also pass its extended checksum. */
        if (c[15] >= 2 && !v2_ok) {
            uint32_t xlen = off + RSDP_V2_LEN <= win ? rd32(c + 20) : 0;
            const uint8_t *x;

            if (xlen < RSDP_V2_LEN || xlen > 4096)
                continue;
            x = map(base + off, xlen, ctx);
            if (!x || memcmp(x, "RSD PTR ", 8) != 0 || checksum(x, xlen) != 0)
                continue;
        }
        *found = base + off;
        return true;
    }
    return false;
}

int acpi_rsdp_find_legacy(phys_map_fn map, void *ctx, uint64_t *rsdp_phys)
{
    const uint8_t *bda = map(0x40e, 2, ctx);

    /* The BDA word at 0x40E holds the EBDA's real-mode segment. */
    if (bda) {
        uint64_t ebda = (uint64_t)rd16(bda) << 4;

        if (ebda && scan_rsdp(map, ctx, ebda, 1024, rsdp_phys))
            return 0;
    }
    if (scan_rsdp(map, ctx, 0xe0000, 0x20000, rsdp_phys))
        return 0;
    return -ENOENT;
}
