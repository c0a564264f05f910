# Firmware tables of HVM domains (src/hvm/acpi_build.c).
list(APPEND GUESTS acpi_tables)
