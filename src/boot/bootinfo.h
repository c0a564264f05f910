/*
 * Loader-independent boot information.  mb2_parse() and mb1_parse() fill a
 * struct boot_info from what GRUB/QEMU handed over; everything after the boot
 * entry reads only this.  Pointers in it point into the loader's information
 * block (mb2) or into memory returned by the mapper (mb1): keep those mapped.
 */
#ifndef RV_BOOT_BOOTINFO_H
#define RV_BOOT_BOOTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BOOT_MAX_MMAP    128
#define BOOT_MAX_MODULES 256    /* the Bochs group test boots ~70 domains: 2 modules each */

/* Region types use the e820 numbering (ACPI 6.5 section 15, "System Address Map
 * Interfaces"), which multiboot 1 and 2 share. */
enum { MEM_RAM = 1, MEM_RESERVED = 2, MEM_ACPI = 3, MEM_NVS = 4, MEM_BAD = 5 };

struct mem_region { uint64_t base, len; uint32_t type; };
struct boot_module { uint64_t start, end; const char *cmdline; };   /* physical [start,end) */

/*
 * Returns a readable pointer to physical [phys, phys + len), or NULL if that
 * range cannot be mapped.  Parsers of boot-time structures (multiboot1, ACPI)
 * reach physical memory only through this, so they can run on the host.
 */
typedef const void *(*phys_map_fn)(uint64_t phys, size_t len, void *ctx);

/* (i) written once by the boot CPU while parsing, read-only afterwards. */
struct boot_info {
    const char *cmdline;            /* never NULL ("" if absent) */
    const char *loader_name;        /* never NULL ("" if absent) */
    struct mem_region mmap[BOOT_MAX_MMAP]; unsigned nr_mmap;        /* sanitized */
    struct boot_module mods[BOOT_MAX_MODULES]; unsigned nr_mods;    /* cmdline never NULL */
    const void *rsdp; size_t rsdp_len;  /* copy of the RSDP inside the boot info (MB2 tags 14/15), NULL if none */
    uint64_t rsdp_phys;             /* physical address of the RSDP if known instead (0 otherwise) */
    uint64_t efi_systab;            /* MB2 tag 12, 0 if none */
    const void *efi_mmap; size_t efi_mmap_size; uint32_t efi_desc_size, efi_desc_version;  /* MB2 tag 17 */
    uint32_t mem_lower_kb, mem_upper_kb; bool have_meminfo;
    unsigned nr_warnings;           /* non-fatal oddities skipped (unknown tag types are not warnings) */
};

/* Empties *bi: strings "", counts 0. */
void bootinfo_init(struct boot_info *bi);

/*
 * Puts a memory map in canonical form: sorted by base, no zero-length entries,
 * no overlaps (where entries overlap the more restrictive type wins: anything
 * non-RAM beats RAM, among non-RAM types the higher number wins), adjacent
 * entries of the same type merged, base + len clamped to 2^64 - 1.  Returns 0,
 * or -ENOSPC if resolving an overlap needed more than 'max' entries; the
 * result is still canonical and errs only on the safe side: a RAM piece that
 * did not fit is dropped (a range missing from the map is never used), a
 * non-RAM range may end up with another non-RAM type, but nothing becomes RAM.
 */
int mmap_sanitize(struct mem_region *r, unsigned *n, unsigned max);

/*
 * Converts a UEFI memory map (UEFI 2.10 section 7.2, EFI_MEMORY_DESCRIPTOR,
 * 'desc_size' bytes apart, >= 40) into regions: loader/boot-services code and
 * data and conventional memory (types 1, 2, 3, 4, 7) are RAM, 9 ACPI, 10 NVS,
 * 8 BAD, everything else reserved.  The result is sanitized.  Returns 0,
 * -EINVAL for a bad desc_size, or -ENOSPC if not everything fitted in 'max'
 * entries (what fitted is kept).
 */
int mmap_from_efi(const void *efi_mmap, size_t size, uint32_t desc_size,
                  struct mem_region *r, unsigned *n, unsigned max);

/* Adds RAM [0, lower KiB) and [1 MiB, 1 MiB + upper KiB) (basic meminfo). */
void mmap_from_meminfo(uint32_t lower_kb, uint32_t upper_kb, struct mem_region *r, unsigned *n,
                       unsigned max);

#endif
