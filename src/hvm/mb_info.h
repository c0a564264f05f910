/*
 * The multiboot information a multiboot kernel finds in EBX (Multiboot
 * Specification 0.6.96 section 3.3; Multiboot2 1.6 section 3.6), built as
 * one page of bytes.  Pure code: the boot path's loader (hvm/loader.c)
 * copies the page into a domain it builds, and rv's HVM builder in dom0
 * (tools/rv/hvm_build.c) writes the same page through a foreign mapping,
 * so a kernel started either way reads the same information.
 */
#ifndef RV_HVM_MB_INFO_H
#define RV_HVM_MB_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kimg_plan;

#define MBINFO_SIZE         0x1000      /* one page */
#define MBINFO_DEFAULT_GPA  0x8000      /* unless the kernel is there */
#define MBINFO_CMDLINE_MAX  1024        /* with its NUL */
#define MB1_LOADER_MAGIC    0x2badb002u /* EAX at a multiboot1 entry */
#define MB2_LOADER_MAGIC    0x36d76289u /* EAX at a multiboot2 entry */

/* The BIOS data area words an OS reads to find the EBDA and the size of
 * conventional memory (IBM PC BIOS: segment of the EBDA at 0x40E, KiB at
 * 0x413): their addresses and the values every HVM domain gets. */
#define BDA_EBDA_SEG        0x40e
#define BDA_BASE_KIB        0x413
uint16_t mbinfo_bda_ebda_seg(void);
uint16_t mbinfo_bda_base_kib(void);

/* Where the page goes: MBINFO_DEFAULT_GPA when the kernel leaves it free,
 * else the first free page above the real-mode IVT and BDA and below the
 * EBDA, else the page after the kernel's end (as QEMU's loader does) when
 * still below lowmem_end.  0: no page is free. */
uint64_t mbinfo_pick_gpa(const struct kimg_plan *plan, uint64_t lowmem_end);

/*
 * The whole page for a kernel at info_gpa in a domain of mem_bytes RAM
 * (mm/e820.h layout): multiboot1 (memory, command line, memory map, boot
 * loader name) or, with mb2, the multiboot2 tags for the same.  page gets
 * MBINFO_SIZE bytes (zero where nothing is); 0, or -E2BIG when the command
 * line is MBINFO_CMDLINE_MAX bytes or longer.
 */
int mbinfo_build(uint8_t *page, bool mb2, uint64_t info_gpa, uint64_t mem_bytes, const char *cmdline);

#endif
