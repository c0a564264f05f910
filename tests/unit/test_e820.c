/* The HVM guest memory map (mm/e820.c) and the RAM ranges behind it. */
#include <stdbool.h>

#include "mm/e820.h"
#include "hvm/platform.h"
#include "test.h"

#define MB(x) ((uint64_t)(x) << 20)

struct want { uint64_t addr, size; uint32_t type; };

static void expect(uint64_t mem, const struct want *w, unsigned n)
{
    struct e820_entry e[E820_MAX_ENTRIES];
    unsigned got = e820_build(mem, e);

    CHECK_EQ(got, n);
    for (unsigned i = 0; i < n && i < got; i++) {
        CHECK_EQ(e[i].addr, w[i].addr);
        CHECK_EQ(e[i].size, w[i].size);
        CHECK_EQ(e[i].type, w[i].type);
    }
}

static void test_small(void)
{
    const struct want w16[] = {
        { 0, GPA_EBDA, E820_RAM }, { GPA_EBDA, 0xa0000 - GPA_EBDA, E820_RESERVED },
        { GPA_BIOS_AREA, 0x100000 - GPA_BIOS_AREA, E820_RESERVED }, { MB(1), MB(15), E820_RAM },
    };
    expect(MB(16), w16, 4);
    /* 1 MiB: nothing above 1 MiB. */
    expect(MB(1), w16, 3);
    CHECK_EQ(e820_lowmem_end(MB(16)), MB(16));
    CHECK_EQ(e820_highmem_size(MB(16)), 0);
}

static void test_lowmem_limit(void)
{
    const struct want w[] = {
        { 0, GPA_EBDA, E820_RAM }, { GPA_EBDA, 0xa0000 - GPA_EBDA, E820_RESERVED },
        { GPA_BIOS_AREA, 0x100000 - GPA_BIOS_AREA, E820_RESERVED },
        { MB(1), GPA_LOWMEM_LIMIT - MB(1), E820_RAM },
        { GPA_HIGHMEM_START, 4096ull << 20, E820_RAM },
    };
    /* Exactly at the limit: no high range. */
    expect(GPA_LOWMEM_LIMIT, w, 4);
    /* 8 GiB: 3.75 GiB low, 4.25 GiB from 4 GiB. */
    struct want w8[5];
    memcpy(w8, w, sizeof(w));
    w8[4].size = (8ull << 30) - GPA_LOWMEM_LIMIT;
    expect(8ull << 30, w8, 5);
    CHECK_EQ(e820_lowmem_end(8ull << 30), GPA_LOWMEM_LIMIT);
    CHECK_EQ(e820_highmem_size(8ull << 30), (8ull << 30) - GPA_LOWMEM_LIMIT);
}

static void test_ranges(void)
{
    uint64_t r[2][2];

    CHECK_EQ(e820_ram_ranges(MB(16), r), 1);
    CHECK_EQ(r[0][0], 0);
    CHECK_EQ(r[0][1], MB(16));
    CHECK_EQ(e820_ram_ranges(GPA_LOWMEM_LIMIT + MB(2), r), 2);
    CHECK_EQ(r[0][1], GPA_LOWMEM_LIMIT);
    CHECK_EQ(r[1][0], GPA_HIGHMEM_START);
    CHECK_EQ(r[1][1], GPA_HIGHMEM_START + MB(2));
    /* Every usable e820 byte is backed by RAM; the total matches mem. */
    for (uint64_t mem = MB(1); mem < (16ull << 30); mem = mem * 3 + MB(1)) {
        struct e820_entry e[E820_MAX_ENTRIES];
        unsigned n = e820_build(mem, e), nr = e820_ram_ranges(mem, r);
        uint64_t ram = 0;
        for (unsigned i = 0; i < nr; i++)
            ram += r[i][1] - r[i][0];
        CHECK_EQ(ram, mem);
        for (unsigned i = 0; i < n; i++) {
            bool inside = false;
            for (unsigned j = 0; j < nr; j++)
                inside |= e[i].addr >= r[j][0] && e[i].addr + e[i].size <= r[j][1];
            CHECK(inside);
            if (i)
                CHECK(e[i - 1].addr + e[i - 1].size <= e[i].addr);
        }
    }
}

int main(void)
{
    RUN(test_small);
    RUN(test_lowmem_limit);
    RUN(test_ranges);
    return t_finish("e820");
}
