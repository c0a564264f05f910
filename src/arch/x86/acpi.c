/*
 * ACPI glue: find the RSDP (from the loader, else the legacy BIOS areas),
 * then let acpi_tables.c check and parse every table through read-only
 * mappings of firmware memory.
 */
#include "arch/x86/acpi.h"
#include "boot/bootinfo.h"
#include "core/console.h"
#include "mm/mm.h"

struct acpi_info acpi_info;
bool acpi_present;

static const void *fw_map(uint64_t phys, size_t len, void *ctx)
{
    return map_firmware_table(phys, len);
}

void acpi_init(const struct boot_info *bi)
{
    char err[128] = "";
    const void *rsdp = bi->rsdp;
    size_t len = bi->rsdp_len;

    if (!rsdp) {
        uint64_t phys = bi->rsdp_phys;
        if (!phys && acpi_rsdp_find_legacy(fw_map, NULL, &phys) < 0) {
            log_warn("acpi: no RSDP found; running on the boot CPU only\n");
            return;
        }
        rsdp = fw_map(phys, 36, NULL);
        len = 36;
        if (!rsdp) {
            log_warn("acpi: cannot map the RSDP at %#lx\n", (unsigned long)phys);
            return;
        }
    }
    int rc = acpi_parse(rsdp, len, fw_map, NULL, &acpi_info, err, sizeof(err));
    if (rc < 0) {
        log_warn("acpi: unusable tables (%s); running on the boot CPU only\n", err);
        return;
    }
    if (acpi_info.nr_warnings)
        log_warn("acpi: %u table problem(s) skipped; first: %s\n", acpi_info.nr_warnings, err);
    acpi_present = true;
    log_info("acpi: rev %d %s, %u CPUs, %u IOAPICs, HPET %s, PM timer %#x, FADT %s\n",
             acpi_info.rsdp_rev, acpi_info.xsdt ? "XSDT" : "RSDT", acpi_info.nr_cpus,
             acpi_info.nr_ioapics, acpi_info.hpet_addr ? "yes" : "no", acpi_info.pm_tmr_blk,
             acpi_info.fadt ? "yes" : "no");
}
