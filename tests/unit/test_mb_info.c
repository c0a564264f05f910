/*
 * hvm/mb_info.c: the multiboot information page both the boot path
 * (hvm/loader.c) and rv's HVM builder in dom0 (tools/rv/hvm_build.c) give
 * a multiboot kernel.  Checked field by field against Multiboot 0.6.96
 * section 3.3 and Multiboot2 1.6 section 3.6 for a 16 MiB and a 4 GiB
 * domain; the page's placement around a kernel; the command line limit.
 */
#include <stdbool.h>
#include <stdint.h>

#include "hvm/mb_info.h"
#include "hvm/kernel_image.h"
#include "lib/errno.h"
#include "test.h"

static uint8_t page[MBINFO_SIZE];

static uint32_t r32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t r64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static void test_mb1_16m(void)
{
    CHECK_EQ(mbinfo_build(page, false, 0x8000, 16ull << 20, "boot32 alpha=1 beta"), 0);
    CHECK_EQ(r32(page), (1u << 0) | (1u << 2) | (1u << 6) | (1u << 9));     /* mem, cmdline, mmap, loader */
    CHECK_EQ(r32(page + 4), 639);                       /* mem_lower: KiB below the EBDA */
    CHECK_EQ(r32(page + 8), 15 * 1024);                 /* mem_upper: KiB from 1 MiB */
    CHECK_EQ(r32(page + 16), 0x8100);                   /* cmdline */
    CHECK_STR((const char *)page + 0x100, "boot32 alpha=1 beta");
    CHECK_EQ(r32(page + 44), 4 * 24);                   /* mmap_length: 4 entries of 24 bytes */
    CHECK_EQ(r32(page + 48), 0x8600);
    CHECK_EQ(r32(page + 64), 0x8700);                   /* boot loader name */
    CHECK_STR((const char *)page + 0x700, "Ringvisor");
    static const uint64_t want[4][3] = { { 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xe0000, 0x20000, 2 },
                                         { 0x100000, 0xf00000, 1 } };
    for (unsigned i = 0; i < 4; i++) {
        const uint8_t *e = page + 0x600 + 24 * i;
        CHECK_EQ(r32(e), 20);
        CHECK_EQ(r64(e + 4), want[i][0]);
        CHECK_EQ(r64(e + 12), want[i][1]);
        CHECK_EQ(r32(e + 20), want[i][2]);
    }
}

/* 4 GiB: RAM up to the chipset window, the rest above 4 GiB (mm/e820.h). */
static void test_mb1_4g(void)
{
    CHECK_EQ(mbinfo_build(page, false, 0x3000, 4ull << 30, ""), 0);
    CHECK_EQ(r32(page + 8), (0xf0000000u - 0x100000u) >> 10);
    CHECK_EQ(r32(page + 16), 0x3100);
    CHECK_EQ(page[0x100], 0);
    CHECK_EQ(r32(page + 44), 5 * 24);
    const uint8_t *e = page + 0x600 + 24 * 4;
    CHECK_EQ(r64(e + 4), 0x100000000ull);
    CHECK_EQ(r64(e + 12), (4ull << 30) - 0xf0000000ull);
}

static void test_mb2(void)
{
    CHECK_EQ(mbinfo_build(page, true, 0x8000, 16ull << 20, "k x=1"), 0);
    uint32_t total = r32(page);
    CHECK(total > 8 && total <= MBINFO_SIZE && total % 8 == 0);
    bool cmd = false, name = false, mem = false, mmap = false, end = false;
    for (uint32_t off = 8; off + 8 <= total && !end; ) {
        uint32_t type = r32(page + off), size = r32(page + off + 4);
        CHECK(size >= 8 && off + size <= total);
        if (type == 1)
            cmd = !strcmp((const char *)page + off + 8, "k x=1");
        else if (type == 2)
            name = !strcmp((const char *)page + off + 8, "Ringvisor");
        else if (type == 4)
            mem = r32(page + off + 8) == 639 && r32(page + off + 12) == 15 * 1024;
        else if (type == 6)
            mmap = r32(page + off + 8) == 24 && size == 16 + 4 * 24 && r64(page + off + 16 + 3 * 24) == 0x100000;
        else if (type == 0)
            end = size == 8 && off + 8 == total;
        if (size < 8)
            break;
        off = (off + size + 7) & ~7u;
    }
    CHECK(cmd && name && mem && mmap && end);
}

static void test_cmdline_limit(void)
{
    static char line[MBINFO_CMDLINE_MAX + 1];
    memset(line, 'a', MBINFO_CMDLINE_MAX - 1);
    CHECK_EQ(mbinfo_build(page, false, 0x8000, 16ull << 20, line), 0);
    CHECK_EQ(strlen((const char *)page + 0x100), MBINFO_CMDLINE_MAX - 1);
    CHECK_EQ(page[0x600 - 1], 0);                       /* the line stops before the memory map */
    line[MBINFO_CMDLINE_MAX - 1] = 'a';
    CHECK_EQ(mbinfo_build(page, false, 0x8000, 16ull << 20, line), -E2BIG);
    CHECK_EQ(mbinfo_build(page, true, 0x8000, 16ull << 20, line), -E2BIG);
}

/* Placement: 0x8000 unless the kernel covers it; then below the EBDA;
 * then after the kernel; 0 when nothing is free. */
static void test_pick(void)
{
    struct kimg_plan p;
    memset(&p, 0, sizeof(p));
    p.lowest = 0x100000;
    p.highest = 0x120000;
    CHECK_EQ(mbinfo_pick_gpa(&p, 16 << 20), 0x8000);
    p.lowest = 0x8000;
    p.highest = 0x9000;
    CHECK_EQ(mbinfo_pick_gpa(&p, 16 << 20), 0x1000);
    p.lowest = 0x7800;                      /* straddles 0x8000: still the first free page below */
    CHECK_EQ(mbinfo_pick_gpa(&p, 16 << 20), 0x1000);
    p.lowest = 0x1000;
    p.highest = 0x9f000;
    CHECK_EQ(mbinfo_pick_gpa(&p, 16 << 20), 0);       /* 0x1000-0x9f000 taken, 0x9f000 would cross the EBDA */
    p.highest = 0x200000;
    CHECK_EQ(mbinfo_pick_gpa(&p, 16 << 20), 0x200000);
    CHECK_EQ(mbinfo_pick_gpa(&p, 0x200000), 0);
    CHECK_EQ(mbinfo_bda_ebda_seg(), 0x9fc0);
    CHECK_EQ(mbinfo_bda_base_kib(), 639);
}

int main(void)
{
    RUN(test_mb1_16m);
    RUN(test_mb1_4g);
    RUN(test_mb2);
    RUN(test_cmdline_limit);
    RUN(test_pick);
    return t_finish("test_mb_info");
}
