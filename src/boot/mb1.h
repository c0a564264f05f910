/*
 * Multiboot (version 1) information parsing (Multiboot specification 0.6.96,
 * section 3.3).  QEMU's -kernel loader speaks only this protocol.  The block
 * holds physical pointers, which are followed only through the phys_map_fn.
 */
#ifndef RV_BOOT_MB1_H
#define RV_BOOT_MB1_H

#include "boot/bootinfo.h"

#define MB1_BOOTLOADER_MAGIC 0x2badb002u   /* in EAX at entry (spec 3.2) */

/* Bytes of the information structure mb1_parse reads (up to boot_loader_name). */
#define MB1_INFO_SIZE 68

/* Longest string (command line, loader name) accepted, including the NUL. */
#define MB1_MAX_STRING 4096

/*
 * info: the information structure, MB1_INFO_SIZE readable bytes.  Uses flags
 * bit 0 (mem_lower/upper), 2 (cmdline), 3 (modules), 6 (memory map) and 9
 * (boot loader name).  Returns 0; -EINVAL with a one-line reason in err
 * ("multiboot1: ...") for unmappable or malformed data; -ENOENT with
 * "multiboot1: no memory map" when neither bit 6 nor bit 0 gives one.  err
 * may be NULL.  Strings in *bi point into memory returned by map().
 */
int mb1_parse(const void *info, phys_map_fn map, void *ctx, struct boot_info *bi, char *err,
              size_t errlen);

#endif
