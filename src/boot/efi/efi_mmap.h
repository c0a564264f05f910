/*
 * Converting the final UEFI memory map into a multiboot2 memory map.
 *
 * Pure code: it runs after ExitBootServices(), so it must not call the
 * firmware (and must not print), and it can be tested on the host.
 */
#ifndef RV_BOOT_EFI_MMAP_H
#define RV_BOOT_EFI_MMAP_H

#include <stddef.h>
#include <stdint.h>

/* Multiboot2 memory map entry (Multiboot2 spec, "Memory map" tag, type 6). */
struct efi_mmap_mb2_entry {
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;
	uint32_t zero;
};

/* Multiboot2 memory types. */
#define EFI_MMAP_MB2_AVAILABLE 1
#define EFI_MMAP_MB2_RESERVED  2
#define EFI_MMAP_MB2_ACPI      3
#define EFI_MMAP_MB2_NVS       4
#define EFI_MMAP_MB2_BADRAM    5

/* Smallest EFI_MEMORY_DESCRIPTOR the firmware may report (version 1). */
#define EFI_MMAP_DESC_MIN 40

/* Multiboot2 type for an EFI memory type (UEFI 2.10 section 7.2, table
 * "Memory Type Usage after ExitBootServices()"). */
uint32_t efi_mmap_mb2_type(uint32_t efi_type);

/*
 * Convert `map_size` bytes of EFI descriptors, `desc_size` apart, into at
 * most `max` multiboot2 entries, sorted by address, with adjacent entries of
 * the same type merged. Returns the number of entries written (0 if
 * desc_size is too small to be an EFI descriptor). Entries that do not fit
 * are dropped from the top, which the caller prevents by sizing `out` for
 * map_size / desc_size entries.
 */
size_t efi_mmap_convert(const void *map, size_t map_size, size_t desc_size,
			struct efi_mmap_mb2_entry *out, size_t max);

#endif
