/*
 * Multiboot information pages (mb_info.h).  Offsets inside the multiboot1
 * page: the information structure at 0, the command line at 0x100, the
 * memory map at 0x600, the boot loader name at 0x700.
 */
#include "hvm/mb_info.h"
#include "hvm/kernel_image.h"
#include "mm/e820.h"
#include "lib/errno.h"
#include "lib/string.h"

#define CMDLINE_OFF     0x100
#define MMAP_OFF        0x600
#define LOADER_NAME_OFF 0x700
#define MiB1            0x100000ull

static const char loader_name[] = "Ringvisor";

uint16_t mbinfo_bda_ebda_seg(void)
{
    return (uint16_t)(GPA_EBDA >> 4);
}

uint16_t mbinfo_bda_base_kib(void)
{
    return (uint16_t)(GPA_EBDA >> 10);
}

static bool fits_at(const struct kimg_plan *plan, uint64_t a)
{
    return a + MBINFO_SIZE <= plan->lowest || a >= plan->highest;
}

uint64_t mbinfo_pick_gpa(const struct kimg_plan *plan, uint64_t lowmem_end)
{
    if (fits_at(plan, MBINFO_DEFAULT_GPA))
        return MBINFO_DEFAULT_GPA;
    for (uint64_t a = 0x1000; a + MBINFO_SIZE <= GPA_EBDA; a += 0x1000)
        if (fits_at(plan, a))
            return a;
    uint64_t after = (plan->highest + 0xfff) & ~0xfffull;
    if (after >= MiB1 && after + MBINFO_SIZE <= lowmem_end)
        return after;
    return 0;
}

/* Multiboot1: flags memory (0), command line (2), memory map (6), boot
 * loader name (9). */
static void build_mb1(uint8_t *page, uint64_t info_gpa, uint64_t mem, const char *cmdline, size_t n)
{
    uint32_t info[22] = { 0 };
    struct e820_entry e[E820_MAX_ENTRIES];
    unsigned ne = e820_build(mem, e);

    for (unsigned i = 0; i < ne; i++) {
        /* size (of the rest: 20), base, length, type; packed, 24 bytes */
        uint32_t size = 20;
        memcpy(page + MMAP_OFF + 24 * i, &size, 4);
        memcpy(page + MMAP_OFF + 24 * i + 4, &e[i].addr, 8);
        memcpy(page + MMAP_OFF + 24 * i + 12, &e[i].size, 8);
        memcpy(page + MMAP_OFF + 24 * i + 20, &e[i].type, 4);
    }
    info[0] = (1u << 0) | (1u << 2) | (1u << 6) | (1u << 9);
    info[1] = (uint32_t)(GPA_EBDA >> 10);                           /* mem_lower, KiB */
    info[2] = (uint32_t)((e820_lowmem_end(mem) - MiB1) >> 10);      /* mem_upper: KiB from 1 MiB to the first hole */
    info[4] = (uint32_t)(info_gpa + CMDLINE_OFF);
    info[11] = ne * 24;
    info[12] = (uint32_t)(info_gpa + MMAP_OFF);
    info[16] = (uint32_t)(info_gpa + LOADER_NAME_OFF);
    memcpy(page, info, sizeof(info));
    memcpy(page + CMDLINE_OFF, cmdline, n + 1);
    memcpy(page + LOADER_NAME_OFF, loader_name, sizeof(loader_name));
}

static void mb2_tag(uint8_t *page, size_t off, uint32_t type, uint32_t size)
{
    memcpy(page + off, &type, 4);
    memcpy(page + off + 4, &size, 4);
}

/* Multiboot2: the command line (1), loader name (2), basic memory (4) and
 * memory map (6) tags, each 8-byte aligned, then the end tag. */
static void build_mb2(uint8_t *page, uint64_t mem, const char *cmdline, size_t n)
{
    struct e820_entry e[E820_MAX_ENTRIES];
    unsigned ne = e820_build(mem, e);
    size_t off = 8;

    mb2_tag(page, off, 1, (uint32_t)(8 + n + 1));
    memcpy(page + off + 8, cmdline, n + 1);
    off = (off + 8 + n + 1 + 7) & ~(size_t)7;
    mb2_tag(page, off, 2, 8 + sizeof(loader_name));
    memcpy(page + off + 8, loader_name, sizeof(loader_name));
    off = (off + 8 + sizeof(loader_name) + 7) & ~(size_t)7;
    mb2_tag(page, off, 4, 16);
    uint32_t m[2] = { (uint32_t)(GPA_EBDA >> 10), (uint32_t)((e820_lowmem_end(mem) - MiB1) >> 10) };
    memcpy(page + off + 8, m, 8);
    off += 16;
    mb2_tag(page, off, 6, 16 + 24 * ne);
    uint32_t esz[2] = { 24, 0 };                                    /* entry size, entry version */
    memcpy(page + off + 8, esz, 8);
    for (unsigned i = 0; i < ne; i++) {
        uint8_t *ent = page + off + 16 + 24 * i;                     /* base, length, type, reserved */
        memcpy(ent, &e[i].addr, 8);
        memcpy(ent + 8, &e[i].size, 8);
        memcpy(ent + 16, &e[i].type, 4);
    }
    off = (off + 16 + 24 * ne + 7) & ~(size_t)7;
    mb2_tag(page, off, 0, 8);                                       /* end */
    off += 8;
    uint32_t total[2] = { (uint32_t)off, 0 };
    memcpy(page, total, 8);
}

int mbinfo_build(uint8_t *page, bool mb2, uint64_t info_gpa, uint64_t mem_bytes, const char *cmdline)
{
    size_t n = strlen(cmdline);

    /* mb2: command line, loader name and at most 5 map entries with their
     * headers fit in 256 bytes besides the line (asserted here). */
    if (n >= MBINFO_CMDLINE_MAX)
        return -E2BIG;
    _Static_assert(MBINFO_CMDLINE_MAX + 256 <= MBINFO_SIZE, "mb2 tags fit in the page");
    _Static_assert(CMDLINE_OFF + MBINFO_CMDLINE_MAX <= MMAP_OFF && MMAP_OFF + 24 * E820_MAX_ENTRIES <= LOADER_NAME_OFF,
                   "mb1 layout");
    memset(page, 0, MBINFO_SIZE);
    if (mb2)
        build_mb2(page, mem_bytes, cmdline, n);
    else
        build_mb1(page, info_gpa, mem_bytes, cmdline, n);
    return 0;
}
