/*
 * Checking the hypervisor's ELF image and finding its 64-bit entry record,
 * on the file bytes, before any memory is claimed: a malformed file is turned
 * down while nothing has been changed yet.
 *
 * Pure code (no firmware calls), so it can be built for the host and fuzzed.
 */
#ifndef RV_BOOT_EFI_ELF_H
#define RV_BOOT_EFI_ELF_H

#include <stddef.h>
#include <stdint.h>

#define EFI_ELF_SEGS_MAX 16

/* "RVBOOT64" read as a little-endian uint64_t. */
#define EFI_ELF_RVBOOT64_MAGIC 0x3436544f4f425652ULL
/* The record is looked for in this many bytes from the lowest load address. */
#define EFI_ELF_RVBOOT64_WINDOW 0x10000

struct efi_elf_seg {
	uint64_t paddr;		/* physical load address (p_paddr) */
	uint64_t memsz;		/* bytes in memory; > filesz means bss */
	uint64_t offset;	/* file offset of the initialized bytes */
	uint64_t filesz;
};

struct efi_elf_image {
	unsigned nsegs;		/* PT_LOAD segments with memsz > 0, by paddr */
	struct efi_elf_seg segs[EFI_ELF_SEGS_MAX];
	uint64_t lo, hi;	/* [lo, hi): lowest and end of highest segment */
	uint64_t entry64;	/* from the RVBOOT64 record */
};

/*
 * Check that buf[0..size) is an ELF64 little-endian x86_64 ET_EXEC whose
 * PT_LOAD segments lie inside the file, do not overlap each other, and do not
 * wrap around the address space; fill img->segs (sorted) and lo/hi. Prints
 * the reason ("name: ...") and returns -1 on failure, 0 on success.
 */
int efi_elf_check(const uint8_t *buf, size_t size, const char *name,
		  struct efi_elf_image *img);

/*
 * Find the 16-byte record { u64 magic "RVBOOT64"; u64 entry64_phys } on an
 * 8-byte aligned physical address within the first EFI_ELF_RVBOOT64_WINDOW
 * bytes of the image (read through the segments from the file), and check
 * that entry64_phys lies in the initialized part of a segment. Needs a
 * successful efi_elf_check(). Prints the reason and returns -1 on failure.
 */
int efi_elf_find_entry(const uint8_t *buf, size_t size, const char *name,
		       struct efi_elf_image *img);

#endif
