# The legacy platform devices of an HVM domain (src/hvm/v*.c): one guest
# per device or behaviour; plat.h holds their shared helpers.
list(APPEND GUESTS
    plat_pit_pic plat_pit_ch2 plat_rtc plat_pmtimer plat_ioapic plat_pci plat_reset plat_reset_kbc
    plat_acpi_s5)
