/* The firmware's ACPI tables, parsed once at boot. */
#ifndef RV_ARCH_X86_ACPI_H
#define RV_ARCH_X86_ACPI_H
#include "arch/x86/acpi_tables.h"

struct boot_info;
extern struct acpi_info acpi_info;     /* (i) filled by acpi_init on the boot CPU */
extern bool acpi_present;              /* (i) */
void acpi_init(const struct boot_info *bi);
#endif
