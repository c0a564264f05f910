/*
 * Multiboot2 information parsing (Multiboot2 specification 1.6, section 3.6).
 * The information block comes from the boot loader and is validated field by
 * field; nothing in it is trusted before it has been bounds-checked.
 */
#ifndef RV_BOOT_MB2_H
#define RV_BOOT_MB2_H

#include <stddef.h>

#include "boot/bootinfo.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289u   /* in EAX at entry (spec 3.3) */

/* Tag types of the information block (spec 3.6). */
enum {
    MB2_TAG_END           = 0,
    MB2_TAG_CMDLINE       = 1,
    MB2_TAG_LOADER_NAME   = 2,
    MB2_TAG_MODULE        = 3,
    MB2_TAG_BASIC_MEMINFO = 4,
    MB2_TAG_MMAP          = 6,
    MB2_TAG_EFI64         = 12,
    MB2_TAG_ACPI_OLD      = 14,
    MB2_TAG_ACPI_NEW      = 15,
    MB2_TAG_EFI_MMAP      = 17,
};

/*
 * info: the information block (u32 total_size, u32 reserved, then tags on
 * 8-byte boundaries); avail: how many bytes may be read at info.  Fills *bi
 * (strings, the RSDP copy and the EFI map point into the block).  Returns 0;
 * -EINVAL for a malformed block, with a one-line reason in err (e.g.
 * "multiboot2: tag 3 at offset 0x48 has size 4 (< 8)"); -ENOENT with
 * "multiboot2: no memory map" when there is neither a memory map, an EFI
 * memory map nor basic meminfo.  err may be NULL.  More modules or regions
 * than fit: the first are kept and bi->nr_warnings counts it.
 */
int mb2_parse(const void *info, size_t avail, struct boot_info *bi, char *err, size_t errlen);

#endif
