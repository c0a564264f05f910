/*
 * The HVM guest memory map (see e820.h).  The reserved ranges are where a PC
 * BIOS keeps its data (EBDA below 640 KiB) and its ROM and tables (0xE0000-
 * 0xFFFFF, where an OS looks for the ACPI RSDP: ACPI 6.5 section 5.2.5.1).
 * Below 1 MiB only [0, GPA_EBDA) is usable; the VGA window 0xA0000-0xDFFFF is
 * left out of the map altogether, as on a PC.
 */
#include "mm/e820.h"

#define E820_1M 0x100000ull

uint64_t e820_lowmem_end(uint64_t mem)
{
    return mem < GPA_LOWMEM_LIMIT ? mem : GPA_LOWMEM_LIMIT;
}

uint64_t e820_highmem_size(uint64_t mem)
{
    return mem > GPA_LOWMEM_LIMIT ? mem - GPA_LOWMEM_LIMIT : 0;
}

unsigned e820_ram_ranges(uint64_t mem, uint64_t out[2][2])
{
    unsigned n = 0;

    out[n][0] = 0;
    out[n][1] = e820_lowmem_end(mem);
    n++;
    if (e820_highmem_size(mem)) {
        out[n][0] = GPA_HIGHMEM_START;
        out[n][1] = GPA_HIGHMEM_START + e820_highmem_size(mem);
        n++;
    }
    return n;
}

/* Appends [start, min(end, limit)) when not empty. */
static unsigned add(struct e820_entry *out, unsigned n, uint64_t start, uint64_t end, uint64_t limit,
                    uint32_t type)
{
    if (end > limit)
        end = limit;
    if (start >= end)
        return n;
    out[n].addr = start;
    out[n].size = end - start;
    out[n].type = type;
    return n + 1;
}

unsigned e820_build(uint64_t mem, struct e820_entry out[E820_MAX_ENTRIES])
{
    uint64_t low = e820_lowmem_end(mem);
    unsigned n = 0;

    n = add(out, n, 0, GPA_EBDA, low, E820_RAM);
    n = add(out, n, GPA_EBDA, 0xa0000, low, E820_RESERVED);
    n = add(out, n, GPA_BIOS_AREA, E820_1M, low, E820_RESERVED);
    n = add(out, n, E820_1M, low, low, E820_RAM);
    if (e820_highmem_size(mem))
        n = add(out, n, GPA_HIGHMEM_START, GPA_HIGHMEM_START + e820_highmem_size(mem), UINT64_MAX, E820_RAM);
    return n;
}
