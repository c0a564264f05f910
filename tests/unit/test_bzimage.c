/* The Linux boot-protocol planner (hvm/bzimage.c) on synthetic bzImages
 * (bzbuild.c) and, when given on the command line, a real kernel:
 *   unit_bzimage [vmlinuz [initrd]]                                       */
#include <stdbool.h>

#include "bzbuild.h"
#include "hvm/bzimage.h"
#include "hvm/bz_boot.h"
#include "mm/e820.h"
#include "hvm/platform.h"
#include "lib/errno.h"
#include "test.h"

#define MB(x) ((uint64_t)(x) << 20)
#define GB(x) ((uint64_t)(x) << 30)

static char err[200];
static struct bz_plan pl;

static int plan(const struct bzb_opts *o, uint64_t mem, uint64_t initrd, size_t cmdlen)
{
    size_t size;
    uint8_t *img = bzb_build(o, &size);
    memset(err, 0x5a, sizeof(err));
    int rc = bz_plan(img, size, mem, initrd, cmdlen, &pl, err, sizeof(err));
    if (!rc)
        CHECK_EQ(err[0], 0);
    else
        CHECK(!strncmp(err, "bzImage: ", 9) && strlen(err) > 9 && !strchr(err, '\n'));
    free(img);
    return rc;
}

/* Placement invariants of every successful plan. */
static void check_plan(uint64_t mem)
{
    uint64_t low = e820_lowmem_end(mem);

    CHECK(pl.load_gpa >= MB(1) && pl.load_gpa + pl.init_size <= low);
    CHECK_EQ(pl.entry, pl.load_gpa + 0x200);
    CHECK(pl.kernel_size <= pl.init_size);
    if (pl.initrd_size) {
        CHECK_EQ(pl.initrd_gpa % 4096, 0);
        CHECK(pl.initrd_gpa >= MB(1) && pl.initrd_gpa + pl.initrd_size <= low);
        CHECK(pl.initrd_gpa >= pl.load_gpa + pl.init_size || pl.initrd_gpa + pl.initrd_size <= pl.load_gpa);
    }
}

static void test_debian_like(void)
{
    struct bzb_opts o = bzb_defaults();

    CHECK_EQ(plan(&o, GB(1), MB(1) + 123, 13), 0);
    CHECK_EQ(pl.version, 0x020f);
    CHECK_EQ(pl.hdr_end, 0x26c);
    CHECK_EQ(pl.kernel_off, 28 * 512);
    CHECK_EQ(pl.kernel_size, 256 << 10);
    CHECK_EQ(pl.load_gpa, MB(16));          /* pref_address */
    CHECK_EQ(pl.init_size, MB(64));
    CHECK_EQ(pl.cmdline_max, 2047);
    /* Initrd as high as possible: its page-aligned start just below 1 GiB. */
    CHECK_EQ(pl.initrd_gpa, (GB(1) - (MB(1) + 123)) & ~4095ull);
    check_plan(GB(1));
    /* 4 GiB of RAM (3.75 below 4 GiB): initrd_addr_max 0x7fffffff bounds it. */
    CHECK_EQ(plan(&o, GB(4), MB(8), 0), 0);
    CHECK_EQ(pl.initrd_gpa, 0x80000000ull - MB(8));
    check_plan(GB(4));
    /* 8 GiB: nothing goes above 4 GiB. */
    o.initrd_addr_max = 0xffffffff;
    CHECK_EQ(plan(&o, GB(8), MB(8), 0), 0);
    CHECK_EQ(pl.initrd_gpa, GPA_LOWMEM_LIMIT - MB(8));
    check_plan(GB(8));
    /* No initrd. */
    CHECK_EQ(plan(&o, MB(128), 0, 0), 0);
    CHECK_EQ(pl.initrd_gpa, 0);
    CHECK_EQ(pl.initrd_size, 0);
}

static void test_placement(void)
{
    struct bzb_opts o = bzb_defaults();

    /* pref_address above RAM: relocated to 16 MiB. */
    o.pref_address = MB(512);
    CHECK_EQ(plan(&o, MB(256), 0, 0), 0);
    CHECK_EQ(pl.load_gpa, MB(16));
    check_plan(MB(256));
    /* Unaligned pref_address: the kernel would realign itself up. */
    o.pref_address = 0x1100000;
    CHECK_EQ(plan(&o, MB(256), 0, 0), 0);
    CHECK_EQ(pl.load_gpa, 0x1200000);
    /* A low pref_address that fits is honoured. */
    o.pref_address = MB(2);
    CHECK_EQ(plan(&o, MB(256), 0, 0), 0);
    CHECK_EQ(pl.load_gpa, MB(2));
    /* 1 GiB alignment: the first aligned address >= 16 MiB is 1 GiB. */
    o = bzb_defaults();
    o.kernel_alignment = 1u << 30;
    CHECK_EQ(plan(&o, GB(2), 0, 0), 0);
    CHECK_EQ(pl.load_gpa, GB(1));
    CHECK_EQ(plan(&o, GB(1), 0, 0), -ENOMEM);
    /* RAM exactly big enough: 16 MiB + init_size. */
    o = bzb_defaults();
    CHECK_EQ(plan(&o, MB(80), 0, 0), 0);
    CHECK_EQ(pl.load_gpa, MB(16));
    CHECK_EQ(plan(&o, MB(80) - 4096, 0, 0), -ENOMEM);
    CHECK_CONTAINS(err, "kernel needs 64 MiB");
    CHECK_EQ(plan(&o, MB(32), 0, 0), -ENOMEM);
    /* Non-relocatable: pref_address or nothing. */
    o.relocatable = 0;
    o.pref_address = MB(512);
    CHECK_EQ(plan(&o, MB(256), 0, 0), -ENOMEM);
    CHECK_CONTAINS(err, "non-relocatable kernel needs [0x20000000, 0x24000000)");
    o.pref_address = 0x1100000;             /* alignment does not matter then */
    CHECK_EQ(plan(&o, MB(256), 0, 0), 0);
    CHECK_EQ(pl.load_gpa, 0x1100000);
    o.pref_address = 0x80000;               /* below 1 MiB */
    CHECK_EQ(plan(&o, MB(256), 0, 0), -ENOMEM);
}

static void test_initrd(void)
{
    struct bzb_opts o = bzb_defaults();

    /* No room above the kernel [16, 126) MiB in 128 MiB: below it. */
    o.init_size = MB(110);
    CHECK_EQ(plan(&o, MB(128), MB(8), 0), 0);
    CHECK_EQ(pl.initrd_gpa, MB(8));
    check_plan(MB(128));
    /* Exactly the 2 MiB above the kernel. */
    CHECK_EQ(plan(&o, MB(128), MB(2), 0), 0);
    CHECK_EQ(pl.initrd_gpa, MB(126));
    /* Neither above nor below (15 MiB between 1 MiB and the kernel). */
    CHECK_EQ(plan(&o, MB(128), MB(16), 0), -ENOMEM);
    CHECK_CONTAINS(err, "initrd of 16777216 bytes does not fit");
    /* Bigger than RAM. */
    o = bzb_defaults();
    CHECK_EQ(plan(&o, MB(128), GB(1), 0), -ENOMEM);
    /* initrd_addr_max below the kernel: the initrd goes under it. */
    o.initrd_addr_max = MB(12) - 1;
    CHECK_EQ(plan(&o, MB(256), MB(4), 0), 0);
    CHECK_EQ(pl.initrd_gpa, MB(8));
    /* initrd_addr_max inside the kernel's range. */
    o.initrd_addr_max = MB(40) - 1;
    CHECK_EQ(plan(&o, MB(256), MB(4), 0), 0);
    CHECK_EQ(pl.initrd_gpa, MB(12));
    check_plan(MB(256));
}

/* A 32-bit kernel (XLF_KERNEL_64 clear, as Debian's 686-pae): planned for
 * the 32-bit boot protocol, entered at the load address itself. */
static void test_kernel32(void)
{
    struct bzb_opts o = bzb_defaults();

    o.xloadflags = 0x2;
    CHECK_EQ(plan(&o, MB(256), MB(4), 0), 0);
    CHECK(!pl.entry64);
    CHECK_EQ(pl.entry, pl.load_gpa);
    o = bzb_defaults();
    CHECK_EQ(plan(&o, MB(256), MB(4), 0), 0);
    CHECK(pl.entry64);
    CHECK_EQ(pl.entry, pl.load_gpa + 0x200);
    uint64_t gdt[BZ_GDT_ENTRIES];
    bz_build_gdt(gdt, false);
    CHECK_EQ(gdt[2], 0x00cf9b000000ffffull);    /* 32-bit code: D = 1, L = 0 */
    bz_build_gdt(gdt, true);
    CHECK_EQ(gdt[2], 0x00af9b000000ffffull);    /* 64-bit code: L = 1 */
}

static void expect_bad(const struct bzb_opts *o, int rc, const char *msg)
{
    CHECK_EQ(plan(o, GB(1), 0, 0), rc);
    CHECK_CONTAINS(err, msg);
}

static void test_header_errors(void)
{
    struct bzb_opts o = bzb_defaults();

    o.version = 0x020b;
    expect_bad(&o, -ENOEXEC, "boot protocol 2.11 is older than 2.12");
    o = bzb_defaults();
    o = bzb_defaults();
    o.loadflags = 0;
    expect_bad(&o, -ENOEXEC, "LOADED_HIGH clear");
    o = bzb_defaults();
    o.hdr_end = 0x250;
    expect_bad(&o, -ENOEXEC, "setup header ends at 0x250");
    o.hdr_end = 0x2a0;
    expect_bad(&o, -ENOEXEC, "setup header ends at 0x2a0");
    o = bzb_defaults();
    o.kernel_bytes = 0;
    expect_bad(&o, -ENOEXEC, "setup_sects 27 beyond file size 14336");
    o.kernel_bytes = 0x200;
    expect_bad(&o, -ENOEXEC, "has no 64-bit entry");
    o = bzb_defaults();
    o.init_size = 4096;
    expect_bad(&o, -ENOEXEC, "init_size 0x1000 is smaller");
    o = bzb_defaults();
    o.kernel_alignment = 3 << 20;
    expect_bad(&o, -ENOEXEC, "kernel_alignment 0x300000 is not a power of two");
    o.kernel_alignment = 0;
    expect_bad(&o, -ENOEXEC, "kernel_alignment 0 is not");
    o.kernel_alignment = 2048;
    expect_bad(&o, -ENOEXEC, "kernel_alignment 0x800");
    o = bzb_defaults();
    o.cmdline_size = 10;
    CHECK_EQ(plan(&o, GB(1), 0, 10), 0);
    CHECK_EQ(plan(&o, GB(1), 0, 11), -E2BIG);
    CHECK_CONTAINS(err, "command line of 11 bytes is longer than the kernel's cmdline_size 10");
    o.cmdline_size = 100000;
    CHECK_EQ(plan(&o, GB(1), 0, 5000), -E2BIG);
    CHECK_CONTAINS(err, "loader's 4095");
}

/* Damage a built image in place. */
static void test_file_errors(void)
{
    struct bzb_opts o = bzb_defaults();
    size_t size;
    uint8_t *img = bzb_build(&o, &size);

    CHECK(bz_detect(img, size));
    /* Too short for anything. */
    CHECK(!bz_detect(img, 0x205));
    CHECK_EQ(bz_plan(img, 0x100, GB(1), 0, 0, &pl, err, sizeof(err)), -ENOEXEC);
    CHECK_CONTAINS(err, "file of 256 bytes is too short");
    /* Cut inside the header / before the kernel. */
    CHECK_EQ(bz_plan(img, 0x206, GB(1), 0, 0, &pl, err, sizeof(err)), -ENOEXEC);
    CHECK_CONTAINS(err, "ends inside the setup header");
    CHECK_EQ(bz_plan(img, 0x240, GB(1), 0, 0, &pl, err, sizeof(err)), -ENOEXEC);
    CHECK_CONTAINS(err, "beyond file size 576");
    /* setup_sects past the end; 0 means 4. */
    img[0x1f1] = 200;
    CHECK_EQ(bz_plan(img, 0x8000, GB(1), 0, 0, &pl, err, sizeof(err)), -ENOEXEC);
    CHECK_CONTAINS(err, "setup_sects 200 beyond file size 32768");
    CHECK_EQ(bz_plan(img, size, GB(1), 0, 0, &pl, err, sizeof(err)), -ENOEXEC);   /* syssize now too big */
    CHECK_CONTAINS(err, "syssize 0x4000 (262144 bytes) beyond file size (173568 bytes");
    CHECK_EQ(bz_plan(img, size, GB(1), 0, 0, &pl, NULL, 0), -ENOEXEC);  /* NULL err is fine */
    img[0x1f1] = 0;                         /* 0 means 4 setup sectors */
    CHECK_EQ(bz_plan(img, size, GB(1), 0, 0, &pl, err, sizeof(err)), 0);
    CHECK_EQ(pl.kernel_off, 5 * 512);
    img[0x1f1] = 27;
    /* syssize beyond the file. */
    CHECK_EQ(bz_plan(img, size - 16, GB(1), 0, 0, &pl, err, sizeof(err)), -ENOEXEC);
    CHECK_CONTAINS(err, "beyond file size");
    /* Trailing bytes (a signature) are fine. */
    uint8_t *big = calloc(1, size + 1472);
    memcpy(big, img, size);
    CHECK_EQ(bz_plan(big, size + 1472, GB(1), 0, 0, &pl, err, sizeof(err)), 0);
    CHECK_EQ(pl.kernel_size, 256 << 10);
    free(big);
    /* Magic numbers. */
    img[0x1fe] = 0x56;
    CHECK(!bz_detect(img, size));
    CHECK_EQ(bz_plan(img, size, GB(1), 0, 0, &pl, err, sizeof(err)), -ENOEXEC);
    CHECK_CONTAINS(err, "no setup header (boot_flag 0xaa56");
    img[0x1fe] = 0x55;
    img[0x203] = 'x';
    CHECK(!bz_detect(img, size));
    CHECK_EQ(bz_plan(img, size, GB(1), 0, 0, &pl, err, sizeof(err)), -ENOEXEC);
    CHECK_CONTAINS(err, "\"HdrS\" missing");
    /* A small error buffer truncates, still terminated. */
    char small[12];
    CHECK_EQ(bz_plan(img, size, GB(1), 0, 0, &pl, small, sizeof(small)), -ENOEXEC);
    CHECK_STR(small, "bzImage: no");
    free(img);
}

static uint64_t zr(const uint8_t *zp, unsigned off, unsigned n)
{
    uint64_t v = 0;
    memcpy(&v, zp + off, n);
    return v;
}

static void test_boot_params(void)
{
    struct bzb_opts o = bzb_defaults();
    size_t size;

    o.loadflags = 0x01 | 0x20 | 0x40;       /* QUIET and KEEP_SEGMENTS set in the file */
    uint8_t *img = bzb_build(&o, &size);
    memset(img + 0x250, 0xee, 8);           /* garbage setup_data pointer */
    memset(img + 0x26c, 0xdd, 0x100);       /* bytes past the header end: not copied */
    CHECK_EQ(bz_plan(img, size, GB(5), MB(3), 20, &pl, err, sizeof(err)), 0);
    struct e820_entry e[E820_MAX_ENTRIES];
    unsigned ne = e820_build(GB(5), e);
    uint8_t *zp = malloc(BP_SIZE);
    memset(zp, 0x77, BP_SIZE);
    bz_boot_params(zp, img, &pl, 0x19000, e, ne, GPA_ACPI_RSDP);

    for (unsigned i = 0; i < 0x1e8; i++)    /* screen_info etc. zero except acpi_rsdp_addr */
        if (i < 0x70 || i >= 0x78)
            if (i < 0xc0 || i >= 0xcc)
                CHECK_EQ(zp[i], 0);
    CHECK_EQ(zp[0x0f], 0);                  /* orig_video_isVGA */
    CHECK_EQ(zr(zp, BP_ACPI_RSDP_ADDR, 8), GPA_ACPI_RSDP);
    CHECK_EQ(zp[BP_SENTINEL], 0);
    /* The header copied: the untouched fields equal the file's. */
    CHECK(!memcmp(zp + 0x1f1, img + 0x1f1, 0x210 - 0x1f1));
    CHECK(!memcmp(zp + 0x22c, img + 0x22c, 0x23c - 0x22c));
    CHECK(!memcmp(zp + 0x258, img + 0x258, 0x26c - 0x258));
    for (unsigned i = 0x26c; i < BP_E820_TABLE; i++)
        CHECK_EQ(zp[i], 0);
    CHECK_EQ(zp[SH_TYPE_OF_LOADER], 0xff);
    CHECK_EQ(zp[SH_LOADFLAGS], 0x81);       /* LOADED_HIGH | CAN_USE_HEAP */
    CHECK_EQ(zr(zp, SH_HEAP_END_PTR, 2), 0xde00);
    CHECK_EQ(zr(zp, 0x214, 4), pl.load_gpa);
    CHECK_EQ(zr(zp, SH_RAMDISK_IMAGE, 4), pl.initrd_gpa);
    CHECK_EQ(zr(zp, SH_RAMDISK_SIZE, 4), MB(3));
    CHECK_EQ(zr(zp, BP_EXT_RAMDISK_IMAGE, 4), 0);
    CHECK_EQ(zr(zp, BP_EXT_RAMDISK_SIZE, 4), 0);
    CHECK_EQ(zr(zp, SH_CMD_LINE_PTR, 4), 0x19000);
    CHECK_EQ(zr(zp, BP_EXT_CMD_LINE_PTR, 4), 0);
    CHECK_EQ(zr(zp, SH_SETUP_DATA, 8), 0);
    CHECK_EQ(zr(zp, SH_HW_SUBARCH, 4), 0);
    CHECK_EQ(zp[BP_E820_ENTRIES], 5);
    for (unsigned i = 0; i < ne; i++) {
        CHECK_EQ(zr(zp, BP_E820_TABLE + 20 * i, 8), e[i].addr);
        CHECK_EQ(zr(zp, BP_E820_TABLE + 20 * i + 8, 8), e[i].size);
        CHECK_EQ(zr(zp, BP_E820_TABLE + 20 * i + 16, 4), e[i].type);
    }
    CHECK_EQ(zr(zp, BP_E820_TABLE + 20 * 4, 8), GPA_HIGHMEM_START);
    CHECK_EQ(zr(zp, BP_E820_TABLE + 20 * 4 + 8, 8), GB(5) - GPA_LOWMEM_LIMIT);
    for (unsigned i = BP_E820_TABLE + 20 * ne; i < BP_SIZE; i++)
        CHECK_EQ(zp[i], 0);
    /* High halves of a command line and an initrd above 4 GiB. */
    pl.initrd_gpa = 0x123456000ull;
    pl.initrd_size = 0x100000000ull + 5;
    bz_boot_params(zp, img, &pl, 0x987654321ull, e, ne, GPA_ACPI_RSDP);
    CHECK_EQ(zr(zp, SH_RAMDISK_IMAGE, 4), 0x23456000);
    CHECK_EQ(zr(zp, BP_EXT_RAMDISK_IMAGE, 4), 1);
    CHECK_EQ(zr(zp, SH_RAMDISK_SIZE, 4), 5);
    CHECK_EQ(zr(zp, BP_EXT_RAMDISK_SIZE, 4), 1);
    CHECK_EQ(zr(zp, SH_CMD_LINE_PTR, 4), 0x87654321);
    CHECK_EQ(zr(zp, BP_EXT_CMD_LINE_PTR, 4), 9);
    /* At most 128 e820 entries are written. */
    struct e820_entry many[200] = { { 0, 4096, 1 } };
    bz_boot_params(zp, img, &pl, 0x19000, many, 200, GPA_ACPI_RSDP);
    CHECK_EQ(zp[BP_E820_ENTRIES], 128);
    free(zp);
    free(img);
}

/* Walks the 4-level tables like the MMU (2 MiB leaves). */
static bool translate(const uint8_t *pt, uint64_t base, uint64_t va, uint64_t *pa)
{
    uint64_t e;
    memcpy(&e, pt + ((va >> 39) & 511) * 8, 8);
    if (!(e & 1) || (e & ~0xfffull & ((1ull << 52) - 1)) - base >= BZ_PGT_PAGES * 4096ull)
        return false;
    const uint8_t *pdpt = pt + ((e & ~0xfffull) - base);
    memcpy(&e, pdpt + ((va >> 30) & 511) * 8, 8);
    if (!(e & 1) || (e & 0x80) || (e & ~0xfffull) - base >= BZ_PGT_PAGES * 4096ull)
        return false;
    const uint8_t *pd = pt + ((e & ~0xfffull) - base);
    memcpy(&e, pd + ((va >> 21) & 511) * 8, 8);
    if (!(e & 1) || !(e & 0x80) || !(e & 2))
        return false;
    *pa = (e & ~0x1fffffull & ((1ull << 52) - 1)) | (va & 0x1fffff);
    return true;
}

static void test_pagetables_gdt(void)
{
    uint8_t *pt = malloc(BZ_PGT_PAGES * 4096);
    memset(pt, 0xcc, BZ_PGT_PAGES * 4096);
    CHECK_EQ(bz_build_pagetables(pt, BZ_PGT_GPA), BZ_PGT_GPA);
    const uint64_t probes[] = { 0, 0x1000, BZ_ZERO_PAGE_GPA, MB(16) + 0x200, 0x7fffffff, GPA_IOAPIC,
                                GPA_LAPIC, GB(4) - 1 };
    for (unsigned i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        uint64_t pa = ~0ull;
        CHECK(translate(pt, BZ_PGT_GPA, probes[i], &pa));
        CHECK_EQ(pa, probes[i]);
    }
    uint64_t pa;
    CHECK(!translate(pt, BZ_PGT_GPA, GB(4), &pa));      /* nothing above 4 GiB */
    /* The tables fit in the boot data area, clear of the zero page. */
    CHECK(BZ_PGT_GPA + BZ_PGT_PAGES * 4096 <= BZ_GDT_GPA);
    CHECK(BZ_GDT_GPA + 8 * BZ_GDT_ENTRIES <= BZ_ZERO_PAGE_GPA);
    CHECK(BZ_ZERO_PAGE_GPA + BP_SIZE <= BZ_CMDLINE_GPA);
    CHECK(BZ_CMDLINE_GPA + BZ_CMDLINE_MAX <= BZ_BOOT_DATA_END && BZ_BOOT_DATA_END <= GPA_EBDA);
    free(pt);

    uint64_t gdt[BZ_GDT_ENTRIES];
    bz_build_gdt(gdt, true);
    CHECK_EQ(gdt[0], 0);
    uint64_t cs = gdt[BZ_BOOT_CS / 8], ds = gdt[BZ_BOOT_DS / 8];
    CHECK((cs >> 47) & 1);                  /* present */
    CHECK((cs >> 53) & 1);                  /* L */
    CHECK(!((cs >> 54) & 1));               /* D must be 0 with L */
    CHECK_EQ((cs >> 40) & 0x1f, 0x1b);      /* S, code, readable */
    CHECK_EQ((ds >> 40) & 0x1f, 0x13);      /* S, data, writable */
    CHECK((ds >> 47) & 1);
    CHECK_EQ((ds & 0xffff) | ((ds >> 32) & 0xf0000), 0xfffff);   /* 4 GiB limit with G */
    CHECK((ds >> 55) & 1);
}

static uint8_t *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return p;
}

/* A real distribution kernel (and initrd), when the build found one. */
static void test_real(const char *kpath, const char *ipath)
{
    size_t size, isize = 0;
    uint8_t *img = slurp(kpath, &size), *ird = ipath ? slurp(ipath, &isize) : NULL;

    CHECK(img != NULL);
    if (!img)
        return;
    free(ird);
    CHECK(bz_detect(img, size));
    int rc = bz_plan(img, size, GB(1), isize ? isize : MB(1), 14, &pl, err, sizeof(err));
    CHECK_EQ(rc, 0);
    if (rc)
        fprintf(stderr, "%s: %s\n", kpath, err);
    printf("real kernel %s: protocol %u.%02u, kernel %#llx+%#llx bytes at %#llx (init_size %#llx), "
           "initrd at %#llx, cmdline_size %u\n", kpath, pl.version >> 8, pl.version & 0xff,
           (unsigned long long)pl.kernel_off, (unsigned long long)pl.kernel_size,
           (unsigned long long)pl.load_gpa, (unsigned long long)pl.init_size,
           (unsigned long long)pl.initrd_gpa, pl.cmdline_max);
    check_plan(GB(1));
    CHECK(pl.version >= 0x020c);
    uint8_t *zp = malloc(BP_SIZE);
    struct e820_entry e[E820_MAX_ENTRIES];
    bz_boot_params(zp, img, &pl, BZ_CMDLINE_GPA, e, e820_build(GB(1), e), GPA_ACPI_RSDP);
    CHECK(!memcmp(zp + 0x202, "HdrS", 4));
    CHECK_EQ(zr(zp, 0x1fe, 2), 0xaa55);
    free(zp);
    /* Too little RAM for its init_size: a clear refusal. */
    CHECK_EQ(bz_plan(img, size, MB(48), 0, 0, &pl, err, sizeof(err)), -ENOMEM);
    CHECK_CONTAINS(err, "bzImage: kernel needs");
    free(img);
}

/* bz_boot.c: the pieces both the boot loader and rv's HVM builder copy --
 * where each goes, what it holds, and that a refused plan builds nothing. */
static void test_bz_boot(void)
{
    static struct bz_boot b;
    struct bzb_opts o = bzb_defaults();
    size_t size;
    uint8_t *img = bzb_build(&o, &size);
    static uint8_t rd[5000];
    const char *cmd = "console=ttyS0 quiet";

    CHECK(img != NULL);
    memset(rd, 0x5a, sizeof(rd));
    CHECK_EQ(bz_boot_build(&b, img, size, MB(256), rd, sizeof(rd), cmd, 0xe0000, err, sizeof(err)), 0);
    CHECK_EQ(b.nr_pieces, 6);
    CHECK_EQ(b.pieces[0].gpa, b.plan.load_gpa);             /* kernel */
    CHECK(b.pieces[0].src == img + b.plan.kernel_off && b.pieces[0].len == b.plan.kernel_size);
    CHECK_EQ(b.pieces[1].gpa, b.plan.initrd_gpa);           /* initrd */
    CHECK(b.pieces[1].src == rd && b.pieces[1].len == sizeof(rd));
    CHECK_EQ(b.pieces[2].gpa, BZ_CMDLINE_GPA);              /* command line with its NUL */
    CHECK(b.pieces[2].src == cmd && b.pieces[2].len == strlen(cmd) + 1);
    CHECK_EQ(b.pieces[3].gpa, BZ_GDT_GPA);
    CHECK_EQ(b.pieces[4].gpa, BZ_ZERO_PAGE_GPA);
    CHECK_EQ(b.pieces[5].gpa, BZ_PGT_GPA);
    CHECK_EQ(b.cr3, BZ_PGT_GPA);                            /* 64-bit entry: paging on */
    CHECK_EQ(b.zero_page_gpa, BZ_ZERO_PAGE_GPA);
    CHECK_EQ(b.stack_top, BZ_STACK_TOP);
    CHECK_EQ(b.gdt[2], 0x00af9b000000ffffull);              /* 64-bit __BOOT_CS */
    uint32_t v;
    memcpy(&v, b.zero_page + SH_RAMDISK_IMAGE, 4);
    CHECK_EQ(v, b.plan.initrd_gpa);
    memcpy(&v, b.zero_page + SH_CMD_LINE_PTR, 4);
    CHECK_EQ(v, BZ_CMDLINE_GPA);
    uint64_t rsdp;
    memcpy(&rsdp, b.zero_page + BP_ACPI_RSDP_ADDR, 8);
    CHECK_EQ(rsdp, 0xe0000);
    CHECK(b.zero_page[BP_E820_ENTRIES] >= 2);
    CHECK_EQ(bz_boot_end(&b), b.plan.initrd_gpa + sizeof(rd));
    /* No ramdisk: five pieces, ramdisk fields zero. */
    CHECK_EQ(bz_boot_build(&b, img, size, MB(256), NULL, 0, "", 0xe0000, err, sizeof(err)), 0);
    CHECK_EQ(b.nr_pieces, 5);
    memcpy(&v, b.zero_page + SH_RAMDISK_SIZE, 4);
    CHECK_EQ(v, 0);
    /* A ramdisk larger than what the kernel leaves free: refused, no piece. */
    CHECK_EQ(bz_boot_build(&b, img, size, MB(96), rd, MB(64), "", 0xe0000, err, sizeof(err)), -ENOMEM);
    CHECK_EQ(b.nr_pieces, 0);
    CHECK(!strncmp(err, "bzImage: initrd of", 18));
    /* A file cut short: refused. */
    CHECK_EQ(bz_boot_build(&b, img, 4096, MB(256), NULL, 0, "", 0xe0000, err, sizeof(err)), -ENOEXEC);
    CHECK_EQ(b.nr_pieces, 0);
    /* A 32-bit kernel: paging off (no CR3), 32-bit __BOOT_CS. */
    o.xloadflags = 0;
    free(img);
    img = bzb_build(&o, &size);
    CHECK_EQ(bz_boot_build(&b, img, size, MB(256), NULL, 0, "", 0xe0000, err, sizeof(err)), 0);
    CHECK_EQ(b.cr3, 0);
    CHECK_EQ(b.gdt[2], 0x00cf9b000000ffffull);
    CHECK_EQ(b.plan.entry, b.plan.load_gpa);
    free(img);
}

int main(int argc, char **argv)
{
    RUN(test_debian_like);
    RUN(test_placement);
    RUN(test_initrd);
    RUN(test_kernel32);
    RUN(test_header_errors);
    RUN(test_file_errors);
    RUN(test_boot_params);
    RUN(test_pagetables_gdt);
    RUN(test_bz_boot);
    if (argc > 1)
        test_real(argv[1], argc > 2 ? argv[2] : NULL);
    else
        printf("test_real: skipped (no kernel image given)\n");
    return t_finish("bzimage");
}
