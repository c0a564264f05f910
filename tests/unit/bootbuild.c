/* Builders for boot structures (see bootbuild.h).  Host code: plain libc. */
#include "bootbuild.h"

#include <stdlib.h>
#include <string.h>

/* ---- multiboot2 ---- */

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

void mb2b_start(struct mb2b *b)
{
    memset(b->buf, 0, sizeof(b->buf));
    b->len = 8;
}

size_t mb2b_tag(struct mb2b *b, uint32_t type, const void *payload, size_t len)
{
    size_t off = b->len;

    put32(b->buf + off, type);
    put32(b->buf + off + 4, (uint32_t)(8 + len));
    if (len)
        memcpy(b->buf + off + 8, payload, len);
    b->len = (off + 8 + len + 7) & ~(size_t)7;
    return off;
}

size_t mb2b_string(struct mb2b *b, uint32_t type, const char *s)
{
    return mb2b_tag(b, type, s, strlen(s) + 1);
}

size_t mb2b_module(struct mb2b *b, uint32_t start, uint32_t end, const char *cmdline)
{
    uint8_t p[512];
    size_t n = strlen(cmdline) + 1;

    put32(p, start);
    put32(p + 4, end);
    memcpy(p + 8, cmdline, n);
    return mb2b_tag(b, 3, p, 8 + n);
}

size_t mb2b_meminfo(struct mb2b *b, uint32_t lower_kb, uint32_t upper_kb)
{
    uint8_t p[8];

    put32(p, lower_kb);
    put32(p + 4, upper_kb);
    return mb2b_tag(b, 4, p, 8);
}

size_t mb2b_mmap(struct mb2b *b, const struct mem_region *r, unsigned n, uint32_t entry_size)
{
    uint8_t p[8192];
    unsigned i;

    memset(p, 0, sizeof(p));
    put32(p, entry_size);
    put32(p + 4, 0);
    for (i = 0; i < n; i++) {
        uint8_t *e = p + 8 + (size_t)i * entry_size;

        put64(e, r[i].base);
        put64(e + 8, r[i].len);
        put32(e + 16, r[i].type);
    }
    return mb2b_tag(b, 6, p, 8 + (size_t)n * entry_size);
}

size_t mb2b_efi_mmap(struct mb2b *b, const struct efi_desc_in *d, unsigned n, uint32_t desc_size)
{
    uint8_t p[8192];
    unsigned i;

    memset(p, 0, sizeof(p));
    put32(p, desc_size);
    put32(p + 4, 1);
    for (i = 0; i < n; i++) {
        uint8_t *e = p + 8 + (size_t)i * desc_size;

        put32(e, d[i].type);
        put64(e + 8, d[i].phys);
        put64(e + 16, 0);
        put64(e + 24, d[i].pages);
        put64(e + 32, 0xf);
    }
    return mb2b_tag(b, 17, p, 8 + (size_t)n * desc_size);
}

void mb2b_set_total(struct mb2b *b)
{
    put32(b->buf, (uint32_t)b->len);
}

void mb2b_end(struct mb2b *b)
{
    mb2b_tag(b, 0, NULL, 0);
    mb2b_set_total(b);
}

/* ---- fake physical memory ---- */

void fakemem_init(struct fakemem *m, uint64_t base, size_t size)
{
    m->mem = calloc(1, size);
    if (!m->mem)
        abort();
    m->base = base;
    m->size = size;
    m->maps = 0;
}

void fakemem_free(struct fakemem *m)
{
    free(m->mem);
    m->mem = NULL;
}

const void *fakemem_map(uint64_t phys, size_t len, void *ctx)
{
    struct fakemem *m = ctx;

    m->maps++;
    if (phys < m->base || phys - m->base > m->size || len > m->size - (phys - m->base))
        return NULL;
    return m->mem + (phys - m->base);
}

void *fakemem_ptr(struct fakemem *m, uint64_t phys)
{
    if (phys < m->base || phys - m->base >= m->size)
        abort();
    return m->mem + (phys - m->base);
}

static void fakemem_write(struct fakemem *m, uint64_t phys, const void *p, size_t n)
{
    if (phys < m->base || phys - m->base > m->size || n > m->size - (phys - m->base))
        abort();
    memcpy(m->mem + (phys - m->base), p, n);
}

void fakemem_w8(struct fakemem *m, uint64_t phys, uint8_t v)   { fakemem_write(m, phys, &v, 1); }
void fakemem_w16(struct fakemem *m, uint64_t phys, uint16_t v) { fakemem_write(m, phys, &v, 2); }
void fakemem_w32(struct fakemem *m, uint64_t phys, uint32_t v) { fakemem_write(m, phys, &v, 4); }
void fakemem_w64(struct fakemem *m, uint64_t phys, uint64_t v) { fakemem_write(m, phys, &v, 8); }
void fakemem_str(struct fakemem *m, uint64_t phys, const char *s) { fakemem_write(m, phys, s, strlen(s) + 1); }

/* ---- ACPI ---- */

uint8_t acpi_sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;

    while (len--)
        s = (uint8_t)(s + *p++);
    return s;
}

void acpi_put_rsdp(struct fakemem *m, uint64_t phys, int rev, uint32_t rsdt, uint64_t xsdt)
{
    uint8_t r[36];

    memset(r, 0, sizeof(r));
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, "RVTEST", 6);
    r[15] = (uint8_t)rev;
    put32(r + 16, rsdt);
    r[8] = (uint8_t)-acpi_sum(r, 20);
    if (rev >= 2) {
        put32(r + 20, 36);
        put64(r + 24, xsdt);
        r[32] = (uint8_t)-acpi_sum(r, 36);
    }
    fakemem_write(m, phys, r, rev >= 2 ? 36 : 20);
}

uint32_t acpi_put_table(struct fakemem *m, uint64_t phys, const char sig[4], uint8_t rev,
                        const void *body, uint32_t body_len)
{
    uint8_t h[36];
    uint32_t len = 36 + body_len;

    memset(h, 0, sizeof(h));
    memcpy(h, sig, 4);
    put32(h + 4, len);
    h[8] = rev;
    memcpy(h + 10, "RVTEST", 6);
    memcpy(h + 16, "RVTABLE ", 8);
    fakemem_write(m, phys, h, 36);
    if (body_len)
        fakemem_write(m, phys + 36, body, body_len);
    acpi_fix_checksum(m, phys);
    return len;
}

void acpi_fix_checksum(struct fakemem *m, uint64_t phys)
{
    uint8_t *t = fakemem_ptr(m, phys);
    uint32_t len;

    memcpy(&len, t + 4, 4);
    t[9] = 0;
    t[9] = (uint8_t)-acpi_sum(t, len);
}

void madtb_start(struct madtb *b, uint32_t lapic_addr, uint32_t flags)
{
    memset(b->buf, 0, sizeof(b->buf));
    put32(b->buf, lapic_addr);
    put32(b->buf + 4, flags);
    b->len = 8;
}

void madtb_raw(struct madtb *b, const void *p, uint32_t len)
{
    memcpy(b->buf + b->len, p, len);
    b->len += len;
}

void madtb_lapic(struct madtb *b, uint8_t uid, uint8_t apic_id, uint32_t flags)
{
    uint8_t e[8] = { 0, 8, uid, apic_id };

    put32(e + 4, flags);
    madtb_raw(b, e, sizeof(e));
}

void madtb_x2apic(struct madtb *b, uint32_t x2apic_id, uint32_t uid, uint32_t flags)
{
    uint8_t e[16] = { 9, 16 };

    put32(e + 4, x2apic_id);
    put32(e + 8, flags);
    put32(e + 12, uid);
    madtb_raw(b, e, sizeof(e));
}

void madtb_ioapic(struct madtb *b, uint8_t id, uint32_t addr, uint32_t gsi_base)
{
    uint8_t e[12] = { 1, 12, id, 0 };

    put32(e + 4, addr);
    put32(e + 8, gsi_base);
    madtb_raw(b, e, sizeof(e));
}

void madtb_iso(struct madtb *b, uint8_t bus, uint8_t source, uint32_t gsi, uint16_t flags)
{
    uint8_t e[10] = { 2, 10, bus, source };

    put32(e + 4, gsi);
    memcpy(e + 8, &flags, 2);
    madtb_raw(b, e, sizeof(e));
}

void madtb_nmi(struct madtb *b)
{
    uint8_t e[6] = { 4, 6, 0xff, 5, 0, 1 };

    madtb_raw(b, e, sizeof(e));
}

void madtb_lapic_override(struct madtb *b, uint64_t addr)
{
    uint8_t e[12] = { 5, 12 };

    put64(e + 4, addr);
    madtb_raw(b, e, sizeof(e));
}

static void put_gas(uint8_t *p, uint8_t space, uint8_t width, uint64_t addr)
{
    p[0] = space;
    p[1] = width;
    p[2] = 0;
    p[3] = space == 1 ? 2 : 3;
    put64(p + 4, addr);
}

void fadt_body(uint8_t body[FADT_BODY_LEN], const struct fadt_in *in)
{
    /* Offsets are FADT offsets (ACPI 6.5 table 5.9); the header is dropped at the end. */
    uint8_t f[36 + FADT_BODY_LEN];

    memset(f, 0, sizeof(f));
    put32(f + 36, in->facs);
    put32(f + 40, in->dsdt);
    memcpy(f + 46, &in->sci_int, 2);
    put32(f + 64, in->pm1a_cnt);
    put32(f + 68, in->pm1b_cnt);
    put32(f + 76, in->pm_tmr);
    f[91] = 4;  /* PM_TMR_LEN */
    memcpy(f + 109, &in->iapc_boot_arch, 2);
    put32(f + 112, in->flags);
    put_gas(f + 116, in->reset_space, 8, in->reset_addr);
    f[128] = in->reset_value;
    f[131] = 4; /* minor version */
    put64(f + 132, in->x_facs);
    put64(f + 140, in->x_dsdt);
    put_gas(f + 172, in->x_pm1a_space, 16, in->x_pm1a_cnt);
    put_gas(f + 208, in->x_pm_tmr_space, 32, in->x_pm_tmr);
    memcpy(body, f + 36, FADT_BODY_LEN);
}

void hpet_body(uint8_t body[HPET_BODY_LEN], uint8_t space, uint64_t addr, uint8_t number)
{
    memset(body, 0, HPET_BODY_LEN);
    put32(body, 0x8086a201);        /* event timer block id */
    put_gas(body + 4, space, 64, addr);
    body[16] = number;
    body[17] = 0x80;                /* minimum tick, low byte */
}
