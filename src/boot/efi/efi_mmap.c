/*
 * EFI memory map -> multiboot2 memory map (see efi_mmap.h).
 *
 * EFI_MEMORY_DESCRIPTOR (UEFI 2.10 section 7.2, GetMemoryMap()): u32 Type at
 * offset 0, u64 PhysicalStart at 8, u64 VirtualStart at 16, u64 NumberOfPages
 * at 24, u64 Attribute at 32. Descriptors are DescriptorSize bytes apart,
 * which may be larger than the structure (future versions append fields), so
 * they are read at those offsets rather than through a C structure array.
 */
#include "efi_mmap.h"

/* EFI_MEMORY_TYPE values (UEFI 2.10 section 7.2, AllocatePages()). */
enum {
	EFI_MMAP_LOADER_CODE = 1,
	EFI_MMAP_LOADER_DATA = 2,
	EFI_MMAP_BS_CODE = 3,
	EFI_MMAP_BS_DATA = 4,
	EFI_MMAP_CONVENTIONAL = 7,
	EFI_MMAP_UNUSABLE = 8,
	EFI_MMAP_ACPI_RECLAIM = 9,
	EFI_MMAP_ACPI_NVS = 10,
};

uint32_t efi_mmap_mb2_type(uint32_t efi_type)
{
	switch (efi_type) {
	/* Free for the OS once boot services are gone. Loader code/data also
	 * holds the kernel, modules and this info block: like under GRUB, the
	 * kernel knows those ranges from the tags and keeps them. */
	case EFI_MMAP_CONVENTIONAL:
	case EFI_MMAP_LOADER_CODE:
	case EFI_MMAP_LOADER_DATA:
	case EFI_MMAP_BS_CODE:
	case EFI_MMAP_BS_DATA:
		return EFI_MMAP_MB2_AVAILABLE;
	case EFI_MMAP_ACPI_RECLAIM:
		return EFI_MMAP_MB2_ACPI;
	case EFI_MMAP_ACPI_NVS:
		return EFI_MMAP_MB2_NVS;
	case EFI_MMAP_UNUSABLE:
		return EFI_MMAP_MB2_BADRAM;
	default:	/* runtime services, MMIO, reserved, persistent, ... */
		return EFI_MMAP_MB2_RESERVED;
	}
}

static uint64_t efi_mmap_rd(const uint8_t *p, unsigned off)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 8; i--;)
		v = (v << 8) | p[off + i];
	return v;
}

size_t efi_mmap_convert(const void *map, size_t map_size, size_t desc_size,
			struct efi_mmap_mb2_entry *out, size_t max)
{
	const uint8_t *d = map;
	size_t n = 0, i, j;

	if (desc_size < EFI_MMAP_DESC_MIN)
		return 0;
	for (i = 0; i + desc_size <= map_size && n < max; i += desc_size) {
		const uint8_t *p = d + i;
		uint64_t pages = efi_mmap_rd(p, 24);
		struct efi_mmap_mb2_entry e = {
			.base_addr = efi_mmap_rd(p, 8),
			.type = efi_mmap_mb2_type((uint32_t)efi_mmap_rd(p, 0)),
		};

		if (pages == 0)
			continue;
		/* Clamp so base + length stays representable. */
		e.length = pages > (~e.base_addr >> 12) ? (~e.base_addr & ~0xfffULL)
							 : pages << 12;
		/* The firmware need not sort its map: insertion sort (a few
		 * hundred entries at most, and no allocator here). */
		for (j = n; j && out[j - 1].base_addr > e.base_addr; j--)
			out[j] = out[j - 1];
		out[j] = e;
		n++;
	}
	if (n == 0)
		return 0;
	for (i = 1, j = 0; i < n; i++) {
		struct efi_mmap_mb2_entry *last = &out[j];

		if (out[i].type == last->type &&
		    last->base_addr + last->length == out[i].base_addr)
			last->length += out[i].length;
		else
			out[++j] = out[i];
	}
	return j + 1;
}
