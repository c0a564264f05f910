/*
 * The guest-physical memory map of a domain, as given to every guest (the
 * zero page's e820 table for Linux, the multiboot1/2 memory maps,
 * XENMEM_memory_map for every kind), and the RAM ranges the domain builders
 * back.  It is the PC's layout whatever the kind, so it lives in mm/ where
 * core/ and every kind can use it.  Pure code, built for the host too.
 * Layout (the devices around it: hvm/platform.h):
 *
 *   [0, GPA_EBDA)                      usable
 *   [GPA_EBDA, 0xA0000)                reserved (extended BIOS data area)
 *   [GPA_BIOS_AREA, 1 MiB)             reserved (RAM-backed; the ACPI tables)
 *   [1 MiB, min(mem, GPA_LOWMEM_LIMIT)) usable
 *   [4 GiB, 4 GiB + mem - GPA_LOWMEM_LIMIT) usable, when mem > GPA_LOWMEM_LIMIT
 *
 * mem counts every backed byte below GPA_LOWMEM_LIMIT, 0xA0000-0xFFFFF
 * included (it is RAM too: the ACPI tables live there).
 */
#ifndef RV_MM_E820_H
#define RV_MM_E820_H

#include <stdint.h>

/* Where RAM lies in every domain's guest-physical space (the HVM platform
 * puts its devices around these: hvm/platform.h). */
#define GPA_EBDA            0x9fc00ull      /* 0x9fc00-0x9ffff reserved */
#define GPA_BIOS_AREA       0xe0000ull      /* 0xe0000-0xfffff: RAM-backed, reserved; ACPI tables live here */
#define GPA_LOWMEM_LIMIT    0xf0000000ull   /* RAM below 4 GiB ends here at the latest */
#define GPA_HIGHMEM_START   0x100000000ull  /* RAM beyond GPA_LOWMEM_LIMIT continues here */

/* Entry types (ACPI 6.5 table 15.4: address range types). */
#define E820_RAM        1
#define E820_RESERVED   2

#define E820_MAX_ENTRIES 5

struct e820_entry {
    uint64_t addr, size;
    uint32_t type;
};

/* Fills out[0..n) in ascending address order, no empty entries; returns n
 * (at most E820_MAX_ENTRIES).  mem is the domain's RAM in bytes (>= 1 MiB
 * for a meaningful map; less still gives a map of what exists). */
unsigned e820_build(uint64_t mem, struct e820_entry out[E820_MAX_ENTRIES]);

/* End of the RAM below 4 GiB: min(mem, GPA_LOWMEM_LIMIT). */
uint64_t e820_lowmem_end(uint64_t mem);
/* Bytes of RAM relocated above 4 GiB (start GPA_HIGHMEM_START); 0 if none. */
uint64_t e820_highmem_size(uint64_t mem);

/* Guest-physical ranges backed by RAM, in order: [0, lowmem end) and the
 * high range when present.  Returns how many (1 or 2); out[i] = {start, end}. */
unsigned e820_ram_ranges(uint64_t mem, uint64_t out[2][2]);

#endif
