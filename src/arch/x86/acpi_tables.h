/*
 * ACPI static table parsing (ACPI 6.5 chapter 5.2): RSDP, RSDT/XSDT, MADT,
 * FADT, HPET, MCFG.  Pure code: tables are reached only through a
 * phys_map_fn, and every table is checked (signature, length, checksum)
 * before any field of it is used, because firmware tables are often wrong.
 */
#ifndef RV_ARCH_X86_ACPI_TABLES_H
#define RV_ARCH_X86_ACPI_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/bootinfo.h"

#define ACPI_MAX_CPUS    256
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_ISOS    24

/* Largest table acpi_parse maps (the DSDT is the only big one). */
#define ACPI_MAX_TABLE_LEN (4u << 20)

struct acpi_cpu { uint32_t apic_id, acpi_uid; bool enabled, online_capable, x2apic; };
struct acpi_ioapic { uint32_t id, addr, gsi_base; };
struct acpi_iso { uint8_t bus, source; uint32_t gsi; uint16_t flags; };   /* MPS INTI flags */

/* (i) filled once by acpi_parse() on the boot CPU, read-only afterwards. */
struct acpi_info {
    int rsdp_rev; uint64_t xsdt, rsdt;                       /* from the RSDP (xsdt 0 if not usable) */
    uint64_t madt, fadt, hpet, dsdt, facs, mcfg;             /* physical table addresses, 0 if absent/invalid */
    uint32_t lapic_addr; bool pcat_compat;                   /* MADT */
    struct acpi_cpu cpus[ACPI_MAX_CPUS]; unsigned nr_cpus;   /* usable (enabled or online-capable) CPUs */
    struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS]; unsigned nr_ioapics;
    struct acpi_iso isos[ACPI_MAX_ISOS]; unsigned nr_isos;
    uint64_t hpet_addr; uint8_t hpet_number;                 /* hpet_addr 0 if no (valid) HPET */
    /* From the FADT; the *_blk fields are I/O ports, 0 if absent. */
    uint32_t pm_tmr_blk; bool pm_tmr_32; uint32_t pm1a_cnt_blk, pm1b_cnt_blk; uint16_t sci_int; uint16_t iapc_boot_arch; uint32_t fadt_flags;
    uint8_t reset_space; uint64_t reset_addr; uint8_t reset_value;
    bool reset_supported;                                    /* FADT RESET_REG_SUP and a nonzero RESET_REG */
    unsigned nr_warnings;                                    /* tables or entries skipped */
};

/*
 * Searches the BIOS areas for the RSDP (ACPI 6.5 section 5.2.5.1): the first
 * KiB of the EBDA (segment at 0x40E) and 0xE0000-0xFFFFF, on 16-byte
 * boundaries, for "RSD PTR " with valid checksum(s).  Returns 0 with
 * *rsdp_phys set, or -ENOENT.
 */
int acpi_rsdp_find_legacy(phys_map_fn map, void *ctx, uint64_t *rsdp_phys);

/*
 * Parses the tables reachable from the RSDP copy at rsdp (rsdp_len readable
 * bytes).  Prefers the XSDT when revision >= 2 and it is valid, else the
 * RSDT.  A bad table or entry is skipped and counted in out->nr_warnings;
 * the first such problem is described in err.  Returns 0, or -EINVAL (reason
 * in err) only if the RSDP or the root table is unusable.  err may be NULL.
 */
int acpi_parse(const void *rsdp, size_t rsdp_len, phys_map_fn map, void *ctx,
               struct acpi_info *out, char *err, size_t errlen);

#endif
