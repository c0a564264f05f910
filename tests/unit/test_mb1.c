/* Multiboot1 parsing through a fake physical memory. */
#include <stdbool.h>

#include "boot/mb1.h"
#include "bootbuild.h"
#include "lib/errno.h"
#include "test.h"

#define MEM_SIZE 0x20000    /* fake physical memory [0, 128 KiB) */
#define INFO     0x1000

enum { F_MEM = 1, F_CMDLINE = 4, F_MODS = 8, F_MMAP = 64, F_LOADER = 512 };

static struct fakemem fm;

static void mmap_entry(uint64_t at, uint32_t size, uint64_t base, uint64_t len, uint32_t type)
{
    fakemem_w32(&fm, at, size);
    fakemem_w64(&fm, at + 4, base);
    fakemem_w64(&fm, at + 12, len);
    fakemem_w32(&fm, at + 20, type);
}

/* A complete structure: memory info, command line, two modules, a 4-entry map
 * (one entry with a larger size field), a loader name. */
static void build_full(void)
{
    memset(fm.mem, 0, fm.size);
    fakemem_w32(&fm, INFO + 0, F_MEM | F_CMDLINE | F_MODS | F_MMAP | F_LOADER);
    fakemem_w32(&fm, INFO + 4, 639);
    fakemem_w32(&fm, INFO + 8, 130048);
    fakemem_w32(&fm, INFO + 16, 0x2000);
    fakemem_str(&fm, 0x2000, "/ringvisor.elf console=com1 loglvl=debug");
    fakemem_w32(&fm, INFO + 20, 2);
    fakemem_w32(&fm, INFO + 24, 0x3000);
    fakemem_w32(&fm, 0x3000, 0x400000);
    fakemem_w32(&fm, 0x3004, 0x480000);
    fakemem_w32(&fm, 0x3008, 0x3100);
    fakemem_str(&fm, 0x3100, "dom0 root=/dev/ram0");
    fakemem_w32(&fm, 0x3010, 0x500000);
    fakemem_w32(&fm, 0x3014, 0x500100);
    fakemem_w32(&fm, 0x3018, 0);            /* no string */
    mmap_entry(0x4000, 20, 0, 0x9fc00, 1);
    mmap_entry(0x4018, 20, 0x9fc00, 0x400, 2);
    mmap_entry(0x4030, 28, 0x100000, 0x7ee0000, 1);     /* 8 extra bytes */
    mmap_entry(0x4050, 20, 0xfffc0000, 0x40000, 42);    /* unknown type */
    fakemem_w32(&fm, INFO + 44, 0x68);
    fakemem_w32(&fm, INFO + 48, 0x4000);
    fakemem_w32(&fm, INFO + 64, 0x5000);
    fakemem_str(&fm, 0x5000, "qemu");
}

static int parse(struct boot_info *bi, char *err, size_t errlen)
{
    return mb1_parse(fakemem_ptr(&fm, INFO), fakemem_map, &fm, bi, err, errlen);
}

static void test_full(void)
{
    struct boot_info bi;
    char err[128] = "x";

    build_full();
    CHECK_EQ(parse(&bi, err, sizeof(err)), 0);
    CHECK_STR(err, "");
    CHECK_STR(bi.cmdline, "/ringvisor.elf console=com1 loglvl=debug");
    CHECK_STR(bi.loader_name, "qemu");
    CHECK(bi.have_meminfo);
    CHECK_EQ(bi.mem_lower_kb, 639);
    CHECK_EQ(bi.mem_upper_kb, 130048);
    CHECK_EQ(bi.nr_mods, 2);
    CHECK_EQ(bi.mods[0].start, 0x400000);
    CHECK_EQ(bi.mods[0].end, 0x480000);
    CHECK_STR(bi.mods[0].cmdline, "dom0 root=/dev/ram0");
    CHECK_EQ(bi.mods[1].start, 0x500000);
    CHECK_STR(bi.mods[1].cmdline, "");
    CHECK_EQ(bi.nr_mmap, 4);
    CHECK_EQ(bi.mmap[0].len, 0x9fc00);
    CHECK_EQ(bi.mmap[1].type, MEM_RESERVED);
    CHECK_EQ(bi.mmap[2].base, 0x100000);
    CHECK_EQ(bi.mmap[2].len, 0x7ee0000);
    CHECK_EQ(bi.mmap[3].type, MEM_RESERVED);
    CHECK_EQ(bi.nr_warnings, 0);
    CHECK(bi.rsdp == NULL && bi.rsdp_phys == 0 && bi.efi_mmap == NULL);
}

static void test_flags_off(void)
{
    struct boot_info bi;

    /* Only the memory bit: everything else is ignored, even if garbage. */
    build_full();
    fakemem_w32(&fm, INFO, F_MEM);
    fakemem_w32(&fm, INFO + 16, 0xdeadbeef);
    CHECK_EQ(parse(&bi, NULL, 0), 0);
    CHECK_STR(bi.cmdline, "");
    CHECK_STR(bi.loader_name, "");
    CHECK_EQ(bi.nr_mods, 0);
    CHECK_EQ(bi.nr_mmap, 2);    /* synthesized from mem_lower/upper */
    CHECK_EQ(bi.mmap[0].len, 639 * 1024);
    CHECK_EQ(bi.mmap[1].base, 0x100000);
    CHECK_EQ(bi.mmap[1].len, 130048ull * 1024);

    /* Neither memory bit nor map. */
    {
        char err[64];

        fakemem_w32(&fm, INFO, F_CMDLINE);
        fakemem_w32(&fm, INFO + 16, 0x2000);
        CHECK_EQ(parse(&bi, err, sizeof(err)), -ENOENT);
        CHECK_STR(err, "multiboot1: no memory map");
    }
    /* Modules bit with a count of 0. */
    build_full();
    fakemem_w32(&fm, INFO + 20, 0);
    CHECK_EQ(parse(&bi, NULL, 0), 0);
    CHECK_EQ(bi.nr_mods, 0);
}

static void test_string_limits(void)
{
    struct boot_info bi;
    char err[128];

    /* A string ending exactly at the end of physical memory is fine. */
    build_full();
    fakemem_w32(&fm, INFO + 16, MEM_SIZE - 4);
    fakemem_str(&fm, MEM_SIZE - 4, "end");
    CHECK_EQ(parse(&bi, err, sizeof(err)), 0);
    CHECK_STR(bi.cmdline, "end");
    /* Running off the end of memory without a NUL. */
    fakemem_w8(&fm, MEM_SIZE - 1, 'x');
    CHECK_EQ(parse(&bi, err, sizeof(err)), -EINVAL);
    CHECK_STR(err, "multiboot1: command line at 0x1fffc unterminated or not mappable");
    CHECK_STR(bi.cmdline, "");
    /* Unmappable address. */
    fakemem_w32(&fm, INFO + 16, 0x80000000u);
    CHECK_EQ(parse(&bi, err, sizeof(err)), -EINVAL);
    CHECK_CONTAINS(err, "command line at 0x80000000");
    /* 4095 characters + NUL is the longest accepted; 4096 is too long. */
    build_full();
    memset(fakemem_ptr(&fm, 0x8000), 'a', 4095);
    fakemem_w8(&fm, 0x8000 + 4095, 0);
    fakemem_w32(&fm, INFO + 64, 0x8000);
    CHECK_EQ(parse(&bi, err, sizeof(err)), 0);
    CHECK_EQ(strlen(bi.loader_name), 4095);
    fakemem_w8(&fm, 0x8000 + 4095, 'a');
    CHECK_EQ(parse(&bi, err, sizeof(err)), -EINVAL);
    CHECK_CONTAINS(err, "multiboot1: loader name at 0x8000 unterminated");
    /* A memory that ends mid-page (the mapper refuses the rest of the page). */
    {
        struct fakemem small;

        fakemem_init(&small, 0, 0x150);
        fakemem_w32(&small, 0, F_MEM | F_CMDLINE);
        fakemem_w32(&small, 8, 1024);
        fakemem_w32(&small, 16, 0x100);
        fakemem_str(&small, 0x100, "short memory");
        CHECK_EQ(mb1_parse(small.mem, fakemem_map, &small, &bi, err, sizeof(err)), 0);
        CHECK_STR(bi.cmdline, "short memory");
        memset(fakemem_ptr(&small, 0x100), 'z', 0x50);     /* now unterminated up to the end */
        CHECK_EQ(mb1_parse(small.mem, fakemem_map, &small, &bi, err, sizeof(err)), -EINVAL);
        fakemem_free(&small);
    }
    /* An unaligned start crossing a page boundary. */
    build_full();
    fakemem_w32(&fm, INFO + 16, 0x6ffd);
    fakemem_str(&fm, 0x6ffd, "abcdefgh");
    CHECK_EQ(parse(&bi, err, sizeof(err)), 0);
    CHECK_STR(bi.cmdline, "abcdefgh");
}

static void test_bad_modules(void)
{
    struct boot_info bi;
    char err[128];

    build_full();
    fakemem_w32(&fm, 0x3010, 0x600000);     /* start > end */
    CHECK_EQ(parse(&bi, err, sizeof(err)), -EINVAL);
    CHECK_STR(err, "multiboot1: module 1 starts at 0x600000 after its end 0x500100");

    build_full();
    fakemem_w32(&fm, 0x3008, 0x7fffffff);
    CHECK_EQ(parse(&bi, err, sizeof(err)), -EINVAL);
    CHECK_CONTAINS(err, "module 0 string at 0x7fffffff unterminated or not mappable");

    build_full();
    fakemem_w32(&fm, INFO + 24, MEM_SIZE - 16);     /* list runs off memory */
    CHECK_EQ(parse(&bi, err, sizeof(err)), -EINVAL);
    CHECK_CONTAINS(err, "module list at 0x1fff0 (2 entries) not mappable");

    /* More modules than fit: the first 32 are kept with a warning. */
    build_full();
    fakemem_w32(&fm, INFO + 20, 1000);
    fakemem_w32(&fm, INFO + 24, 0x9000);
    for (unsigned i = 0; i < 40; i++) {
        fakemem_w32(&fm, 0x9000 + i * 16, i * 0x1000);
        fakemem_w32(&fm, 0x9000 + i * 16 + 4, i * 0x1000 + 10);
        fakemem_w32(&fm, 0x9000 + i * 16 + 8, 0);
    }
    CHECK_EQ(parse(&bi, err, sizeof(err)), 0);
    CHECK_EQ(bi.nr_mods, BOOT_MAX_MODULES);
    CHECK_EQ(bi.mods[31].start, 31 * 0x1000);
    CHECK_EQ(bi.nr_warnings, 1);
    /* A huge count is not multiplied into an overflowing mapping. */
    fakemem_w32(&fm, INFO + 20, 0xffffffffu);
    CHECK_EQ(parse(&bi, err, sizeof(err)), 0);
    CHECK_EQ(bi.nr_mods, BOOT_MAX_MODULES);
}

static void test_bad_mmap(void)
{
    struct boot_info bi;
    char err[128];

    build_full();
    fakemem_w32(&fm, 0x4018, 16);       /* entry size below 20 */
    CHECK_EQ(parse(&bi, err, sizeof(err)), -EINVAL);
    CHECK_STR(err, "multiboot1: memory map entry at offset 0x18 has size 16");

    build_full();
    fakemem_w32(&fm, 0x4050, 200);      /* last entry runs past mmap_length */
    CHECK_EQ(parse(&bi, err, sizeof(err)), -EINVAL);
    CHECK_CONTAINS(err, "entry at offset 0x50 has size 200");

    build_full();
    fakemem_w32(&fm, INFO + 44, 0xffffff00u);
    CHECK_EQ(parse(&bi, err, sizeof(err)), -EINVAL);
    CHECK_STR(err, "multiboot1: memory map at 0x4000 (4294967040 bytes) not mappable");

    /* A length that leaves a few stray bytes: they are ignored. */
    build_full();
    fakemem_w32(&fm, INFO + 44, 0x68 + 3);
    CHECK_EQ(parse(&bi, err, sizeof(err)), 0);
    CHECK_EQ(bi.nr_mmap, 4);

    /* A map with only empty entries falls back to the memory info. */
    build_full();
    fakemem_w32(&fm, INFO + 44, 24);
    mmap_entry(0x4000, 20, 0x1000, 0, 1);
    CHECK_EQ(parse(&bi, err, sizeof(err)), 0);
    CHECK_EQ(bi.nr_mmap, 2);
    CHECK_EQ(bi.mmap[1].base, 0x100000);

    /* 300 alternating entries: 128 are kept with a warning, still canonical. */
    build_full();
    for (unsigned i = 0; i < 300; i++)
        mmap_entry(0xa000 + i * 24, 20, i * 0x2000ull, 0x1000, i % 2 ? 1 : 2);
    fakemem_w32(&fm, INFO + 44, 300 * 24);
    fakemem_w32(&fm, INFO + 48, 0xa000);
    CHECK_EQ(parse(&bi, err, sizeof(err)), 0);
    CHECK_EQ(bi.nr_mmap, BOOT_MAX_MMAP);
    CHECK_EQ(bi.nr_warnings, 1);
    for (unsigned i = 1; i < bi.nr_mmap; i++)
        CHECK(bi.mmap[i - 1].base + bi.mmap[i - 1].len <= bi.mmap[i].base);
}

static void test_no_info(void)
{
    struct boot_info bi;
    char err[64];

    CHECK_EQ(mb1_parse(NULL, fakemem_map, &fm, &bi, err, sizeof(err)), -EINVAL);
    CHECK_STR(err, "multiboot1: no information structure");
    CHECK_EQ(mb1_parse(fakemem_ptr(&fm, INFO), NULL, NULL, &bi, NULL, 0), -EINVAL);
}

/* Byte corruption of the whole structure area: no crash, consistent result. */
static void test_byte_flips(void)
{
    static const uint8_t vals[] = { 0x00, 0xff, 0x7f, 0x13 };
    unsigned i, v;

    for (i = 0; i < 0x80; i++) {
        for (v = 0; v < sizeof(vals); v++) {
            struct boot_info bi;
            int rc;

            build_full();
            fakemem_w8(&fm, INFO + i, vals[v]);
            fakemem_w8(&fm, 0x4000 + i % 0x68, vals[v]);
            rc = parse(&bi, NULL, 0);
            CHECK(rc == 0 || rc == -EINVAL || rc == -ENOENT);
            CHECK(bi.cmdline != NULL && bi.loader_name != NULL);
            if (rc == 0)
                CHECK(bi.nr_mmap > 0 && bi.nr_mmap <= BOOT_MAX_MMAP);
        }
    }
}

int main(void)
{
    fakemem_init(&fm, 0, MEM_SIZE);
    RUN(test_full);
    RUN(test_flags_off);
    RUN(test_string_limits);
    RUN(test_bad_modules);
    RUN(test_bad_mmap);
    RUN(test_no_info);
    RUN(test_byte_flips);
    fakemem_free(&fm);
    return t_finish("test_mb1");
}
