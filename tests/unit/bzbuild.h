/* Synthetic Linux bzImage files for the unit tests and the fuzz seeds: a
 * boot sector + setup sectors carrying a real-format setup header
 * (Documentation/x86/boot.rst), then a protected-mode kernel of a pattern. */
#ifndef RV_TESTS_UNIT_BZBUILD_H
#define RV_TESTS_UNIT_BZBUILD_H

#include <stddef.h>
#include <stdint.h>

struct bzb_opts {
    uint16_t version;           /* e.g. 0x020f */
    uint8_t setup_sects;        /* as stored (0 means 4) */
    uint32_t kernel_bytes;      /* protected-mode part (multiple of 16); syssize = this / 16 */
    uint32_t init_size;
    uint64_t pref_address;
    uint32_t kernel_alignment;
    uint8_t relocatable;
    uint16_t xloadflags;
    uint8_t loadflags;
    uint32_t cmdline_size;
    uint32_t initrd_addr_max;
    uint32_t hdr_end;           /* 0x202 + jump offset byte */
};

/* Debian 6.1-like defaults: protocol 2.15, 64-bit, relocatable, 2 MiB
 * alignment, pref_address 16 MiB, init_size 64 MiB, 256 KiB kernel. */
struct bzb_opts bzb_defaults(void);
/* malloc'd image of *size bytes; free() it. */
uint8_t *bzb_build(const struct bzb_opts *o, size_t *size);

#endif
