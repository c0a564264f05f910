/*
 * The ACPI tables of an HVM domain (ACPI 6.5 chapter 5): RSDP, RSDT, XSDT,
 * FADT, FACS, MADT, HPET and a small DSDT (PVH: a hardware-reduced set), describing the platform of
 * hvm/platform.h (PM registers, SCI, reset register, LAPICs, IOAPIC, 8259s).
 * Pure code, built for the host too: it only writes the buffer it is given.
 *
 * Placement: the RSDP at GPA_ACPI_RSDP (inside 0xE0000-0xFFFFF, where an OS
 * without firmware help scans for it: ACPI 6.5 section 5.2.5.1), the other
 * tables from GPA_ACPI_TABLES on, all below GPA_ACPI_END.
 */
#ifndef RV_HVM_ACPI_BUILD_H
#define RV_HVM_ACPI_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_BUILD_OEM_ID       "RINGVR"    /* 6 bytes, every table */
#define ACPI_BUILD_OEM_TABLE_ID "RVHVM   "  /* 8 bytes */
/* APIC ids are the vCPU indices and the IOAPIC takes id nr_vcpus, all in
 * the 8-bit xAPIC id space (0xff is the broadcast id). */
#define ACPI_BUILD_MAX_VCPUS    254

/* Guest-physical address of each table, for the loader and the tests. */
struct acpi_build_layout {
    uint64_t rsdp, rsdt, xsdt, fadt, facs, dsdt, madt;
    uint64_t hpet;              /* 0 when built without an HPET */
    uint64_t end;               /* first byte after the last table */
};

/*
 * buf holds guest-physical [base_gpa, base_gpa + buflen); it must cover
 * GPA_ACPI_RSDP and the tables after GPA_ACPI_TABLES.  The whole buffer is
 * zeroed first, then the tables are written.  nr_vcpus: 1 ..
 * ACPI_BUILD_MAX_VCPUS.  Returns the number of bytes of buf used (from its
 * start to layout->end), -EINVAL for a bad nr_vcpus or a base above the
 * RSDP, -ENOSPC when the buffer or the area below GPA_ACPI_END is too small.
 * layout may be NULL.  hpet: also an HPET table (IA-PC HPET 1.0a) for the
 * event timer block of hvm/vhpet.c, listed third in the XSDT and RSDT.
 */
int acpi_build_tables(void *buf, size_t buflen, uint64_t base_gpa, unsigned nr_vcpus, bool hpet,
                      struct acpi_build_layout *layout);

/*
 * The tables of a PVH domain (docs/pvh.md), same placement and return
 * values: RSDP, RSDT, XSDT, a hardware-reduced FADT whose only registers are
 * SLEEP_CONTROL_REG/SLEEP_STATUS_REG (PORT_PVH_SLEEP_CTL/STS), a DSDT with
 * \_S0 and \_S5 only, and a MADT with one enabled local APIC per vCPU and
 * nothing else (no 8259s, IOAPIC or overrides).  No FACS (layout->facs 0).
 */
int acpi_build_pvh_tables(void *buf, size_t buflen, uint64_t base_gpa, unsigned nr_vcpus,
                          struct acpi_build_layout *layout);

/*
 * The same PVH tables placed anywhere below 4 GiB, for a domain whose builder
 * has no firmware area (rv create, tools/rv/pvh_build.c, puts them in a
 * reserved page above RAM and tells the guest by hvm_start_info.rsdp_paddr):
 * buf holds [gpa, gpa + buflen), the RSDP at gpa (16-byte aligned), the tables
 * after it.  Same return values.
 */
int acpi_build_pvh_tables_at(void *buf, size_t buflen, uint64_t gpa, unsigned nr_vcpus,
                             struct acpi_build_layout *layout);

/* Sum of len bytes modulo 256 (0 for a table with a correct checksum). */
uint8_t acpi_build_sum(const void *p, size_t len);

#endif
