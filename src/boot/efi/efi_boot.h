/*
 * Firmware-facing parts of the Ringvisor UEFI loader: files on the boot
 * volume, claiming memory for the kernel and modules, and the multiboot2
 * handover. See efi_main.c for the whole sequence and why.
 */
#ifndef RV_BOOT_EFI_BOOT_H
#define RV_BOOT_EFI_BOOT_H

#include <efi.h>
#include <efilib.h>

#include "efi_cfg.h"

/* Allocations below 4 GiB end at or below this address, so that a 32-bit
 * multiboot2 mod_end (one past the last byte) cannot wrap to 0. */
#define EFI_BOOT_MAX_ADDR32 0xffffefffULL

/* Short name of an EFI_STATUS for messages ("NOT_FOUND", ...). */
const char *efi_status_str(EFI_STATUS st);

/* --- efi_file.c: files beside the application on its own volume --- */

/* Open the volume the image was loaded from and note the image's directory.
 * Prints the reason on failure. */
EFI_STATUS efi_file_init(EFI_LOADED_IMAGE *li);
/* The image's own file name ("BOOTX64.EFI"), or NULL if unknown. */
const char *efi_file_own_name(void);
/* Open `name` (relative to the image's directory unless it starts with '\'
 * or '/') for reading; `*size` gets its length. `path` (EFI_CFG_PATH_MAX
 * bytes) gets the full path for messages. Prints nothing on EFI_NOT_FOUND
 * (the caller decides whether that is an error); prints other failures. */
EFI_STATUS efi_file_open(const char *name, EFI_FILE_HANDLE *fh, UINT64 *size,
			 char *path);
/* Read exactly `size` bytes; prints the reason on failure and closes fh. */
EFI_STATUS efi_file_read_close(EFI_FILE_HANDLE fh, void *buf, UINT64 size,
			       const char *path);

/* --- efi_load.c: kernel segments and modules --- */

struct efi_boot_mod {
	UINT32 start, end;	/* [start, end) physical, end = start + size */
	const char *string;	/* multiboot2 module string */
};

/* Load and place the kernel ELF; *entry64 gets the 64-bit entry point. */
EFI_STATUS efi_load_kernel(const char *name, UINT64 *entry64);
/* Load one module into pages below 4 GiB. */
EFI_STATUS efi_load_module(const char *name, struct efi_boot_mod *mod);
/* Print which memory-map ranges overlap physical [lo, hi). */
void efi_load_describe_range(UINT64 lo, UINT64 hi);
/* Give back every page the loader has claimed (on a failed boot). */
void efi_load_release_all(void);

/* --- efi_mb2.c: multiboot2 information and the jump --- */

struct efi_boot_info {
	const char *cmdline;
	unsigned nmods;
	struct efi_boot_mod mods[EFI_CFG_MODS_MAX];
	UINT64 entry64;
};

/* Build the multiboot2 information, exit boot services and jump to the
 * kernel. Returns only on failure (after printing why, if still allowed). */
EFI_STATUS efi_mb2_boot(EFI_HANDLE image, const struct efi_boot_info *bi);
/* True once ExitBootServices() has been called, even if it failed: from
 * then on no boot service may be used (UEFI 2.10 section 7.4). */
int efi_mb2_services_gone(void);

#endif
