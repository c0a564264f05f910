/*
 * Builders for boot-time structures used by the unit tests and by the fuzz
 * seed generator: multiboot2 information blocks, a fake physical memory with
 * a phys_map_fn, multiboot1 information in that memory, and ACPI tables.
 */
#ifndef RV_TESTS_UNIT_BOOTBUILD_H
#define RV_TESTS_UNIT_BOOTBUILD_H

#include <stddef.h>
#include <stdint.h>

#include "boot/bootinfo.h"

/* ---- multiboot2 ---- */
struct mb2b {
    uint8_t buf[16384];
    size_t len;
};

void mb2b_start(struct mb2b *b);
/* Appends a tag with 'len' bytes of payload; returns its offset. */
size_t mb2b_tag(struct mb2b *b, uint32_t type, const void *payload, size_t len);
size_t mb2b_string(struct mb2b *b, uint32_t type, const char *s);
size_t mb2b_module(struct mb2b *b, uint32_t start, uint32_t end, const char *cmdline);
size_t mb2b_meminfo(struct mb2b *b, uint32_t lower_kb, uint32_t upper_kb);
/* Entries are base, len, type (e820 style); entry_size >= 24. */
size_t mb2b_mmap(struct mb2b *b, const struct mem_region *r, unsigned n, uint32_t entry_size);
/* Descriptors of 'desc_size' bytes: type, phys start, pages. */
struct efi_desc_in { uint32_t type; uint64_t phys; uint64_t pages; };
size_t mb2b_efi_mmap(struct mb2b *b, const struct efi_desc_in *d, unsigned n, uint32_t desc_size);
void mb2b_end(struct mb2b *b);          /* end tag, then total_size */
void mb2b_set_total(struct mb2b *b);    /* total_size = len (no end tag) */

/* ---- fake physical memory ---- */
struct fakemem {
    uint8_t *mem;
    uint64_t base;      /* physical address of mem[0] */
    size_t size;
    unsigned maps;      /* map calls made */
};

void fakemem_init(struct fakemem *m, uint64_t base, size_t size);   /* zero-filled */
void fakemem_free(struct fakemem *m);
const void *fakemem_map(uint64_t phys, size_t len, void *ctx);      /* phys_map_fn */
void *fakemem_ptr(struct fakemem *m, uint64_t phys);
void fakemem_w8(struct fakemem *m, uint64_t phys, uint8_t v);
void fakemem_w16(struct fakemem *m, uint64_t phys, uint16_t v);
void fakemem_w32(struct fakemem *m, uint64_t phys, uint32_t v);
void fakemem_w64(struct fakemem *m, uint64_t phys, uint64_t v);
void fakemem_str(struct fakemem *m, uint64_t phys, const char *s);

/* ---- ACPI ---- */
/* Writes an RSDP (revision 0 or 2) at phys with correct checksums. */
void acpi_put_rsdp(struct fakemem *m, uint64_t phys, int rev, uint32_t rsdt, uint64_t xsdt);
/* Writes a table header + body at phys with a correct checksum; returns length. */
uint32_t acpi_put_table(struct fakemem *m, uint64_t phys, const char sig[4], uint8_t rev,
                        const void *body, uint32_t body_len);
/* Recomputes the checksum of the table at phys (after edits). */
void acpi_fix_checksum(struct fakemem *m, uint64_t phys);
uint8_t acpi_sum(const uint8_t *p, size_t len);

/* A MADT body under construction. */
struct madtb {
    uint8_t buf[8192];
    uint32_t len;
};
void madtb_start(struct madtb *b, uint32_t lapic_addr, uint32_t flags);
void madtb_lapic(struct madtb *b, uint8_t uid, uint8_t apic_id, uint32_t flags);
void madtb_x2apic(struct madtb *b, uint32_t x2apic_id, uint32_t uid, uint32_t flags);
void madtb_ioapic(struct madtb *b, uint8_t id, uint32_t addr, uint32_t gsi_base);
void madtb_iso(struct madtb *b, uint8_t bus, uint8_t source, uint32_t gsi, uint16_t flags);
void madtb_nmi(struct madtb *b);
void madtb_lapic_override(struct madtb *b, uint64_t addr);
void madtb_raw(struct madtb *b, const void *p, uint32_t len);

/* A 276-byte (ACPI 6) FADT body (without the 36-byte header) with common fields. */
struct fadt_in {
    uint32_t facs, dsdt;
    uint16_t sci_int;
    uint32_t pm1a_cnt, pm1b_cnt, pm_tmr;
    uint16_t iapc_boot_arch;
    uint32_t flags;
    uint8_t reset_space; uint64_t reset_addr; uint8_t reset_value;
    uint64_t x_facs, x_dsdt;
    uint8_t x_pm1a_space; uint64_t x_pm1a_cnt;
    uint8_t x_pm_tmr_space; uint64_t x_pm_tmr;
};
#define FADT_BODY_LEN (276 - 36)
void fadt_body(uint8_t body[FADT_BODY_LEN], const struct fadt_in *in);

/* HPET body (20 bytes): GAS space, address, number. */
#define HPET_BODY_LEN 20
void hpet_body(uint8_t body[HPET_BODY_LEN], uint8_t space, uint64_t addr, uint8_t number);

#endif
