/* Multiboot2 parsing, memory-map sanitizing and EFI map conversion. */
#include <stdbool.h>

#include "boot/mb2.h"
#include "bootbuild.h"
#include "lib/errno.h"
#include "test.h"

/* Parses b in a heap buffer of exactly 'avail' bytes so ASan sees any overread. */
static int parse_exact(const struct mb2b *b, size_t avail, struct boot_info *bi, char *err, size_t errlen)
{
    uint8_t *copy = malloc(avail ? avail : 1);
    int rc;

    memcpy(copy, b->buf, avail);
    rc = mb2_parse(copy, avail, bi, err, errlen);
    free(copy);     /* bi may point into copy: callers only look at scalars after this */
    return rc;
}

static bool canonical(const struct mem_region *r, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        if (r[i].len == 0 || r[i].len > UINT64_MAX - r[i].base)
            return false;
        if (i && r[i - 1].base + r[i - 1].len > r[i].base)
            return false;   /* unsorted or overlapping */
        if (i && r[i - 1].type == r[i].type && r[i - 1].base + r[i - 1].len == r[i].base)
            return false;   /* not merged */
    }
    return true;
}

/* ---- a complete block ---- */

static const struct mem_region good_map[] = {
    { 0x0, 0x9fc00, MEM_RAM },
    { 0x9fc00, 0x400, MEM_RESERVED },
    { 0xf0000, 0x10000, MEM_RESERVED },
    { 0x100000, 0x1fe00000, MEM_RAM },
    { 0x1ff00000, 0x100000, MEM_ACPI },
    { 0xfffc0000, 0x40000, 99 },            /* unknown type: becomes reserved */
};

static void build_full(struct mb2b *b, bool new_rsdp_first)
{
    uint8_t rsdp_old[20] = "RSD PTR old", rsdp_new[36] = "RSD PTR new";
    uint64_t systab = 0x7fe00018;
    struct efi_desc_in efi[] = { { 7, 0x100000, 16 } };

    mb2b_start(b);
    mb2b_string(b, 1, "console=com1 selftest");
    mb2b_string(b, 2, "GRUB 2.06");
    mb2b_module(b, 0x400000, 0x500000, "dom0 kernel root=/dev/xvda");
    mb2b_module(b, 0x600000, 0x600000, "");
    mb2b_meminfo(b, 639, 523264);
    mb2b_tag(b, 21, "\0\0\x20\0", 4);          /* load base address: ignored */
    mb2b_mmap(b, good_map, 6, 24);
    mb2b_tag(b, 12, &systab, 8);
    if (new_rsdp_first) {
        mb2b_tag(b, 15, rsdp_new, sizeof(rsdp_new));
        mb2b_tag(b, 14, rsdp_old, sizeof(rsdp_old));
    } else {
        mb2b_tag(b, 14, rsdp_old, sizeof(rsdp_old));
        mb2b_tag(b, 15, rsdp_new, sizeof(rsdp_new));
    }
    mb2b_efi_mmap(b, efi, 1, 48);
    mb2b_end(b);
}

static void test_full_block(void)
{
    struct mb2b b;
    struct boot_info bi;
    char err[128] = "untouched";
    int order;

    for (order = 0; order < 2; order++) {
        build_full(&b, order);
        CHECK_EQ(mb2_parse(b.buf, b.len, &bi, err, sizeof(err)), 0);
        CHECK_STR(err, "");
        CHECK_STR(bi.cmdline, "console=com1 selftest");
        CHECK_STR(bi.loader_name, "GRUB 2.06");
        CHECK_EQ(bi.nr_mods, 2);
        CHECK_EQ(bi.mods[0].start, 0x400000);
        CHECK_EQ(bi.mods[0].end, 0x500000);
        CHECK_STR(bi.mods[0].cmdline, "dom0 kernel root=/dev/xvda");
        CHECK_EQ(bi.mods[1].start, 0x600000);
        CHECK_STR(bi.mods[1].cmdline, "");
        CHECK(bi.have_meminfo);
        CHECK_EQ(bi.mem_lower_kb, 639);
        CHECK_EQ(bi.mem_upper_kb, 523264);
        CHECK_EQ(bi.efi_systab, 0x7fe00018);
        CHECK(bi.rsdp && memcmp(bi.rsdp, "RSD PTR new", 11) == 0);    /* tag 15 preferred */
        CHECK_EQ(bi.rsdp_len, 36);
        CHECK((const uint8_t *)bi.rsdp > b.buf && (const uint8_t *)bi.rsdp < b.buf + b.len);
        CHECK_EQ(bi.rsdp_phys, 0);
        CHECK(bi.efi_mmap != NULL);
        CHECK_EQ(bi.efi_mmap_size, 48);
        CHECK_EQ(bi.efi_desc_size, 48);
        CHECK_EQ(bi.efi_desc_version, 1);
        CHECK_EQ(bi.nr_warnings, 0);
        /* The mmap tag wins over the EFI map; it comes out sanitized. */
        CHECK_EQ(bi.nr_mmap, 6);
        CHECK(canonical(bi.mmap, bi.nr_mmap));
        CHECK_EQ(bi.mmap[3].base, 0x100000);
        CHECK_EQ(bi.mmap[3].len, 0x1fe00000);
        CHECK_EQ(bi.mmap[3].type, MEM_RAM);
        CHECK_EQ(bi.mmap[5].type, MEM_RESERVED);
    }
}

static void test_only_old_rsdp(void)
{
    struct mb2b b;
    struct boot_info bi;
    struct mem_region m = { 0x100000, 0x100000, MEM_RAM };

    mb2b_start(&b);
    mb2b_tag(&b, 14, "RSD PTR 12345678901", 20);
    mb2b_mmap(&b, &m, 1, 32);       /* a larger entry size is allowed */
    mb2b_end(&b);
    CHECK_EQ(mb2_parse(b.buf, b.len, &bi, NULL, 0), 0);
    CHECK(bi.rsdp && memcmp(bi.rsdp, "RSD PTR 1", 9) == 0);
    CHECK_EQ(bi.rsdp_len, 20);
    CHECK_STR(bi.cmdline, "");
    CHECK_STR(bi.loader_name, "");
    CHECK_EQ(bi.nr_mmap, 1);
    CHECK_EQ(bi.mmap[0].len, 0x100000);
}

static void test_efi_only(void)
{
    struct mb2b b;
    struct boot_info bi;
    struct efi_desc_in d[] = {
        { 3, 0x0, 0xa0 },           /* boot services code */
        { 0, 0xa0000, 0x60 },       /* reserved */
        { 7, 0x100000, 0x100 },     /* conventional */
        { 4, 0x200000, 0x100 },     /* boot services data: RAM, merges */
        { 9, 0x300000, 0x10 },      /* ACPI reclaim */
        { 10, 0x310000, 0x10 },     /* NVS */
        { 8, 0x320000, 0x1 },       /* unusable */
        { 11, 0xfed00000, 0x1 },    /* MMIO: reserved */
    };

    mb2b_start(&b);
    mb2b_efi_mmap(&b, d, 8, 48);
    mb2b_end(&b);
    CHECK_EQ(mb2_parse(b.buf, b.len, &bi, NULL, 0), 0);
    CHECK_EQ(bi.nr_mmap, 7);
    CHECK(canonical(bi.mmap, bi.nr_mmap));
    CHECK_EQ(bi.mmap[0].type, MEM_RAM);
    CHECK_EQ(bi.mmap[0].len, 0xa0000);
    CHECK_EQ(bi.mmap[1].type, MEM_RESERVED);
    CHECK_EQ(bi.mmap[2].base, 0x100000);
    CHECK_EQ(bi.mmap[2].len, 0x200000);
    CHECK_EQ(bi.mmap[3].type, MEM_ACPI);
    CHECK_EQ(bi.mmap[4].type, MEM_NVS);
    CHECK_EQ(bi.mmap[5].type, MEM_BAD);
    CHECK_EQ(bi.mmap[6].base, 0xfed00000);
}

static void test_meminfo_only(void)
{
    struct mb2b b;
    struct boot_info bi;
    char err[80];

    mb2b_start(&b);
    mb2b_meminfo(&b, 640, 130048);
    mb2b_end(&b);
    CHECK_EQ(mb2_parse(b.buf, b.len, &bi, err, sizeof(err)), 0);
    CHECK_EQ(bi.nr_mmap, 2);
    CHECK_EQ(bi.mmap[0].base, 0);
    CHECK_EQ(bi.mmap[0].len, 640 * 1024);
    CHECK_EQ(bi.mmap[0].type, MEM_RAM);
    CHECK_EQ(bi.mmap[1].base, 1 << 20);
    CHECK_EQ(bi.mmap[1].len, 130048ull * 1024);

    mb2b_start(&b);
    mb2b_string(&b, 1, "x");
    mb2b_end(&b);
    CHECK_EQ(mb2_parse(b.buf, b.len, &bi, err, sizeof(err)), -ENOENT);
    CHECK_STR(err, "multiboot2: no memory map");
    CHECK_STR(bi.cmdline, "x");

    /* An mmap tag whose entries are all empty counts as no map. */
    {
        struct mem_region z = { 0x1000, 0, MEM_RAM };

        mb2b_start(&b);
        mb2b_mmap(&b, &z, 1, 24);
        mb2b_end(&b);
        CHECK_EQ(mb2_parse(b.buf, b.len, &bi, err, sizeof(err)), -ENOENT);
    }
}

static void test_too_many(void)
{
    static struct mb2b b;
    struct boot_info bi;
    struct mem_region m[200];
    unsigned i;

    mb2b_start(&b);
    /* 8 more modules than fit: the first BOOT_MAX_MODULES are kept. */
    for (i = 0; i < BOOT_MAX_MODULES + 8; i++)
        mb2b_module(&b, i * 0x1000, i * 0x1000 + 0x800, "m");
    for (i = 0; i < 200; i++)
        m[i] = (struct mem_region){ i * 0x2000ull, 0x1000, i % 2 ? MEM_RAM : MEM_RESERVED };
    mb2b_mmap(&b, m, 200, 24);
    mb2b_end(&b);
    CHECK_EQ(mb2_parse(b.buf, b.len, &bi, NULL, 0), 0);
    CHECK_EQ(bi.nr_mods, BOOT_MAX_MODULES);
    CHECK_EQ(bi.mods[BOOT_MAX_MODULES - 1].start, (BOOT_MAX_MODULES - 1) * 0x1000);
    CHECK_EQ(bi.nr_mmap, BOOT_MAX_MMAP);
    CHECK(canonical(bi.mmap, bi.nr_mmap));
    CHECK_EQ(bi.mmap[0].base, 0);
    CHECK_EQ(bi.nr_warnings, 8 + 1);

    /* 200 touching RAM entries compact into one: no warning. */
    for (i = 0; i < 200; i++)
        m[i] = (struct mem_region){ i * 0x1000ull, 0x1000, MEM_RAM };
    mb2b_start(&b);
    mb2b_mmap(&b, m, 200, 24);
    mb2b_end(&b);
    CHECK_EQ(mb2_parse(b.buf, b.len, &bi, NULL, 0), 0);
    CHECK_EQ(bi.nr_mmap, 1);
    CHECK_EQ(bi.mmap[0].len, 200 * 0x1000);
    CHECK_EQ(bi.nr_warnings, 0);
}

/* ---- malformed blocks ---- */

static void put32_at(struct mb2b *b, size_t off, uint32_t v)
{
    memcpy(b->buf + off, &v, 4);
}

static void expect_bad(struct mb2b *b, size_t avail, const char *msg, int line)
{
    struct boot_info bi;
    char err[160] = "";
    int rc = parse_exact(b, avail, &bi, err, sizeof(err));

    t_checks++;
    if (rc != -EINVAL || !strstr(err, msg) || strchr(err, '\n')) {
        fprintf(stderr, "%s:%d: expected -EINVAL with \"%s\", got %d \"%s\"\n", __FILE__, line, msg, rc, err);
        t_failures++;
    }
    CHECK(bi.cmdline && bi.loader_name);
}

#define EXPECT_BAD(b, avail, msg) expect_bad(b, avail, msg, __LINE__)

static void test_malformed(void)
{
    static struct mb2b b;
    struct mem_region m = { 0, 0x1000, MEM_RAM };
    size_t off;

    /* Header. */
    mb2b_start(&b);
    mb2b_end(&b);
    EXPECT_BAD(&b, 7, "multiboot2: information block truncated (7 bytes)");
    put32_at(&b, 0, 8);
    EXPECT_BAD(&b, 16, "total size 8 out of range");
    put32_at(&b, 0, 64);
    EXPECT_BAD(&b, 16, "total size 64 out of range (16..16)");
    CHECK_EQ(mb2_parse(NULL, 100, &(struct boot_info){ 0 }, NULL, 0), -EINVAL);

    /* The example message of the interface: a tag at 0x48 with size 4. */
    mb2b_start(&b);
    mb2b_string(&b, 1, "0123456789012345678901234567890123456789012345678901234");  /* 8 + 56 + 8 -> 0x48 */
    off = mb2b_tag(&b, 3, NULL, 0);
    CHECK_EQ(off, 0x48);
    put32_at(&b, off + 4, 4);
    mb2b_end(&b);
    EXPECT_BAD(&b, b.len, "multiboot2: tag 3 at offset 0x48 has size 4 (< 8)");

    /* A tag running past total_size. */
    mb2b_start(&b);
    off = mb2b_string(&b, 1, "abc");
    mb2b_end(&b);
    put32_at(&b, off + 4, 0x1000);
    EXPECT_BAD(&b, b.len, "tag 1 at offset 0x8 has size 4096, past the end");

    /* No end tag; end tag of the wrong size; a partial header at the end. */
    mb2b_start(&b);
    mb2b_mmap(&b, &m, 1, 24);
    mb2b_set_total(&b);
    EXPECT_BAD(&b, b.len, "no end tag");
    mb2b_start(&b);
    mb2b_mmap(&b, &m, 1, 24);
    mb2b_tag(&b, 0, "12345678", 8);
    mb2b_set_total(&b);
    EXPECT_BAD(&b, b.len, "(end) has size 16 (!= 8)");
    mb2b_start(&b);
    mb2b_mmap(&b, &m, 1, 24);
    b.len += 4;
    mb2b_set_total(&b);
    EXPECT_BAD(&b, b.len, "no end tag");

    /* Unterminated strings. */
    mb2b_start(&b);
    off = mb2b_tag(&b, 1, "abcd", 4);
    mb2b_end(&b);
    EXPECT_BAD(&b, b.len, "tag 1 at offset 0x8 has an unterminated string");
    mb2b_start(&b);
    mb2b_tag(&b, 2, "", 0);
    mb2b_end(&b);
    EXPECT_BAD(&b, b.len, "tag 2 at offset 0x8 has an unterminated string");
    mb2b_start(&b);
    mb2b_tag(&b, 3, "\0\0\0\0\0\0\0\0mod", 11);
    mb2b_end(&b);
    EXPECT_BAD(&b, b.len, "(module) has an unterminated string");

    /* Modules. */
    mb2b_start(&b);
    mb2b_tag(&b, 3, "\0\0\0\0\0\0\0", 8);
    mb2b_end(&b);
    EXPECT_BAD(&b, b.len, "(module) has size 16 (< 17)");
    mb2b_start(&b);
    mb2b_module(&b, 0x2000, 0x1000, "x");
    mb2b_end(&b);
    EXPECT_BAD(&b, b.len, "(module) starts at 0x2000 after its end 0x1000");

    /* Memory maps. */
    mb2b_start(&b);
    mb2b_mmap(&b, &m, 1, 20);
    mb2b_end(&b);
    EXPECT_BAD(&b, b.len, "(memory map) has entry size 20 (need >= 24, multiple of 8)");
    mb2b_start(&b);
    mb2b_mmap(&b, &m, 1, 28);
    mb2b_end(&b);
    EXPECT_BAD(&b, b.len, "entry size 28");
    mb2b_start(&b);
    mb2b_tag(&b, 6, "\x18\0\0\0", 4);
    mb2b_end(&b);
    EXPECT_BAD(&b, b.len, "(memory map) has size 12 (< 16)");
    mb2b_start(&b);
    mb2b_tag(&b, 17, "\x20\0\0\0\0\0\0\0", 8);
    mb2b_end(&b);
    EXPECT_BAD(&b, b.len, "(EFI memory map) has descriptor size 32 (< 40)");
    mb2b_start(&b);
    mb2b_tag(&b, 17, "\x30\0", 2);
    mb2b_end(&b);
    EXPECT_BAD(&b, b.len, "(EFI memory map) has size 10 (< 16)");

    /* Fixed-size tags that are too short. */
    mb2b_start(&b);
    mb2b_tag(&b, 4, "1234", 4);
    mb2b_end(&b);
    EXPECT_BAD(&b, b.len, "(basic meminfo) has size 12 (< 16)");
    mb2b_start(&b);
    mb2b_tag(&b, 12, "1234", 4);
    mb2b_end(&b);
    EXPECT_BAD(&b, b.len, "(EFI64 system table) has size 12");
    mb2b_start(&b);
    mb2b_tag(&b, 14, "RSD PTR 01234567890", 19);
    mb2b_end(&b);
    EXPECT_BAD(&b, b.len, "tag 14 at offset 0x8 (RSDP) has size 27 (< 28)");
    mb2b_start(&b);
    mb2b_tag(&b, 15, "RSD PTR 01234567890123456789", 28);
    mb2b_end(&b);
    EXPECT_BAD(&b, b.len, "tag 15 at offset 0x8 (RSDP) has size 36 (< 44)");
}

/* Every shorter 'avail', and every shorter total_size, is rejected cleanly. */
static void test_truncations(void)
{
    static struct mb2b b;
    struct boot_info bi;
    size_t k;

    build_full(&b, false);
    for (k = 0; k < b.len; k++) {
        CHECK_EQ(parse_exact(&b, k, &bi, NULL, 0), -EINVAL);
    }
    for (k = 16; k < b.len; k++) {
        static struct mb2b t;

        t = b;
        put32_at(&t, 0, (uint32_t)k);
        CHECK_EQ(parse_exact(&t, k, &bi, NULL, 0), -EINVAL);
    }
}

/* Single-byte corruptions: any result is fine as long as it is consistent. */
static void test_byte_flips(void)
{
    static const uint8_t vals[] = { 0x00, 0xff, 0x80, 0x01, 0x07, 0x10 };
    static struct mb2b b, t;
    struct boot_info bi;
    size_t i, v;

    build_full(&b, false);
    for (i = 0; i < b.len; i++) {
        for (v = 0; v < sizeof(vals); v++) {
            uint8_t *copy;
            int rc;

            t = b;
            t.buf[i] = vals[v];
            copy = malloc(t.len);
            memcpy(copy, t.buf, t.len);
            rc = mb2_parse(copy, t.len, &bi, NULL, 0);
            CHECK(rc == 0 || rc == -EINVAL || rc == -ENOENT);
            if (rc == 0) {
                unsigned m;

                CHECK(canonical(bi.mmap, bi.nr_mmap));
                CHECK(bi.nr_mmap > 0 && bi.nr_mmap <= BOOT_MAX_MMAP && bi.nr_mods <= BOOT_MAX_MODULES);
                CHECK(bi.cmdline[0] == '\0' ||
                      ((const uint8_t *)bi.cmdline >= copy &&
                       (const uint8_t *)bi.cmdline + strlen(bi.cmdline) < copy + t.len));
                for (m = 0; m < bi.nr_mods; m++)
                    CHECK(bi.mods[m].start <= bi.mods[m].end);
            }
            free(copy);
        }
    }
}

/* ---- mmap_sanitize ---- */

struct san_case {
    const char *name;
    unsigned n, max;
    struct mem_region in[8];
    int rc;
    unsigned nout;
    struct mem_region out[8];
};

static void test_sanitize_table(void)
{
    static const struct san_case cases[] = {
        { "empty", 0, 8, { { 0 } }, 0, 0, { { 0 } } },
        { "zero length dropped", 2, 8, { { 0x1000, 0, 1 }, { 0x2000, 0x1000, 1 } }, 0, 1, { { 0x2000, 0x1000, 1 } } },
        { "sorted", 3, 8, { { 0x5000, 0x1000, 1 }, { 0x1000, 0x1000, 2 }, { 0x3000, 0x1000, 3 } }, 0, 3,
          { { 0x1000, 0x1000, 2 }, { 0x3000, 0x1000, 3 }, { 0x5000, 0x1000, 1 } } },
        { "adjacent same type merged", 3, 8, { { 0x2000, 0x1000, 1 }, { 0x1000, 0x1000, 1 }, { 0x3000, 0x1000, 2 } }, 0, 2,
          { { 0x1000, 0x2000, 1 }, { 0x3000, 0x1000, 2 } } },
        { "reserved inside RAM splits it", 2, 8, { { 0, 0x10000, 1 }, { 0x4000, 0x1000, 2 } }, 0, 3,
          { { 0, 0x4000, 1 }, { 0x4000, 0x1000, 2 }, { 0x5000, 0xb000, 1 } } },
        { "RAM inside reserved vanishes", 2, 8, { { 0x4000, 0x1000, 1 }, { 0, 0x10000, 2 } }, 0, 1,
          { { 0, 0x10000, 2 } } },
        { "partial overlap, higher non-RAM wins", 2, 8, { { 0, 0x3000, 2 }, { 0x2000, 0x2000, 3 } }, 0, 2,
          { { 0, 0x2000, 2 }, { 0x2000, 0x2000, 3 } } },
        { "partial overlap, RAM loses either way", 2, 8, { { 0x2000, 0x2000, 1 }, { 0, 0x3000, 4 } }, 0, 2,
          { { 0, 0x3000, 4 }, { 0x3000, 0x1000, 1 } } },
        { "same range, two types", 2, 8, { { 0x1000, 0x1000, 1 }, { 0x1000, 0x1000, 5 } }, 0, 1,
          { { 0x1000, 0x1000, 5 } } },
        { "overlapping same type merged", 3, 8, { { 0, 0x3000, 1 }, { 0x1000, 0x4000, 1 }, { 0x4800, 0x100, 1 } }, 0, 1,
          { { 0, 0x5000, 1 } } },
        { "type 0 still beats RAM", 2, 8, { { 0, 0x2000, 1 }, { 0x1000, 0x1000, 0 } }, 0, 2,
          { { 0, 0x1000, 1 }, { 0x1000, 0x1000, 0 } } },
        { "end clamped at 2^64-1", 1, 8, { { 0xfffffffffffff000ull, 0x2000, 2 } }, 0, 1,
          { { 0xfffffffffffff000ull, 0xfff, 2 } } },
        { "nested three levels", 3, 8, { { 0, 0x10000, 1 }, { 0x2000, 0x8000, 2 }, { 0x4000, 0x1000, 3 } }, 0, 5,
          { { 0, 0x2000, 1 }, { 0x2000, 0x2000, 2 }, { 0x4000, 0x1000, 3 }, { 0x5000, 0x5000, 2 },
            { 0xa000, 0x6000, 1 } } },
        { "split beyond max drops the tail", 2, 2, { { 0, 0x10000, 1 }, { 0x4000, 0x1000, 2 } }, -ENOSPC, 2,
          { { 0, 0x4000, 1 }, { 0x4000, 0x1000, 2 } } },
        { "no room to split a reservation: it absorbs the other", 2, 2,
          { { 0, 0x10000, 2 }, { 0x4000, 0x1000, 3 } }, -ENOSPC, 1, { { 0, 0x10000, 2 } } },
    };
    unsigned i, j;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mem_region r[8];
        unsigned n = cases[i].n;
        int rc, before = t_failures;

        memcpy(r, cases[i].in, sizeof(r));
        rc = mmap_sanitize(r, &n, cases[i].max);
        CHECK_EQ(rc, cases[i].rc);
        CHECK_EQ(n, cases[i].nout);
        for (j = 0; j < n && j < cases[i].nout; j++) {
            CHECK_EQ(r[j].base, cases[i].out[j].base);
            CHECK_EQ(r[j].len, cases[i].out[j].len);
            CHECK_EQ(r[j].type, cases[i].out[j].type);
        }
        if (t_failures != before)
            fprintf(stderr, "  (in case \"%s\")\n", cases[i].name);
    }
}

/* Reference: the winning type of each 1-unit cell (0 = not covered). */
#define CELLS 64
static uint64_t rank_of(uint32_t t) { return t == MEM_RAM ? 1 : (uint64_t)t + 2; }

static void reference(const struct mem_region *in, unsigned n, uint32_t *cell, bool *covered)
{
    unsigned i, c;

    memset(covered, 0, CELLS * sizeof(bool));
    for (i = 0; i < n; i++) {
        for (c = (unsigned)in[i].base; c < in[i].base + in[i].len; c++) {
            if (!covered[c] || rank_of(in[i].type) > rank_of(cell[c]))
                cell[c] = in[i].type;
            covered[c] = true;
        }
    }
}

static void test_sanitize_random(void)
{
    static const uint32_t types[] = { 1, 1, 1, 2, 3, 4, 5, 7 };
    unsigned it;

    for (it = 0; it < 20000; it++) {
        struct mem_region in[12], r[40];
        uint32_t cell[CELLS], got[CELLS];
        bool cov[CELLS], gcov[CELLS];
        unsigned n = 1 + (unsigned)t_rand_below(12), max = it % 4 ? 40 : 1 + (unsigned)t_rand_below(6);
        unsigned i, c, nn;
        int rc;

        for (i = 0; i < n; i++) {
            uint64_t b = t_rand_below(CELLS);

            in[i] = (struct mem_region){ b, t_rand_below(CELLS - b + 1), types[t_rand_below(8)] };
        }
        reference(in, n, cell, cov);
        memcpy(r, in, n * sizeof(r[0]));
        nn = n < max ? n : max;
        if (n > max) {  /* sanitize only ever sees what fits */
            reference(in, max, cell, cov);
        }
        rc = mmap_sanitize(r, &nn, max);
        CHECK(canonical(r, nn));
        CHECK(nn <= max);
        memset(gcov, 0, sizeof(gcov));
        for (i = 0; i < nn; i++) {
            for (c = (unsigned)r[i].base; c < r[i].base + r[i].len; c++) {
                got[c] = r[i].type;
                gcov[c] = true;
            }
        }
        for (c = 0; c < CELLS; c++) {
            if (rc == 0) {
                CHECK_EQ(gcov[c], cov[c]);
                if (cov[c] && gcov[c])
                    CHECK_EQ(got[c], cell[c]);
            } else {
                /* Out of room: RAM may be lost and reservations may change
                 * kind, but nothing becomes RAM that was not. */
                CHECK_EQ(rc, -ENOSPC);
                if (gcov[c]) {
                    CHECK(cov[c]);
                    CHECK((got[c] == MEM_RAM) <= (cell[c] == MEM_RAM));
                }
            }
        }
        if (t_failures) {
            fprintf(stderr, "  (iteration %u, n %u, max %u)\n", it, n, max);
            break;
        }
    }
}

/* ---- mmap_from_efi ---- */

static void efi_desc(uint8_t *p, uint32_t type, uint64_t phys, uint64_t pages)
{
    memset(p, 0, 40);
    memcpy(p, &type, 4);
    memcpy(p + 8, &phys, 8);
    memcpy(p + 24, &pages, 8);
}

static void test_efi(void)
{
    static const uint32_t want[16] = { 2, 1, 1, 1, 1, 2, 2, 1, 5, 3, 4, 2, 2, 2, 2, 2 };
    static uint8_t buf[400 * 48];
    struct mem_region r[BOOT_MAX_MMAP];
    unsigned n, t, i;

    /* Each type alone. */
    for (t = 0; t < 16; t++) {
        efi_desc(buf, t, 0x1000, 2);
        CHECK_EQ(mmap_from_efi(buf, 40, 40, r, &n, BOOT_MAX_MMAP), 0);
        CHECK_EQ(n, 1);
        CHECK_EQ(r[0].type, want[t]);
        CHECK_EQ(r[0].len, 0x2000);
    }
    CHECK_EQ(mmap_from_efi(buf, 40, 39, r, &n, BOOT_MAX_MMAP), -EINVAL);
    CHECK_EQ(n, 0);
    /* Descriptor stride larger than the structure; trailing partial ignored. */
    efi_desc(buf, 7, 0x0, 16);
    efi_desc(buf + 56, 7, 0x10000, 16);
    efi_desc(buf + 112, 0, 0x20000, 1);
    CHECK_EQ(mmap_from_efi(buf, 56 * 3 + 20, 56, r, &n, BOOT_MAX_MMAP), 0);
    CHECK_EQ(n, 2);
    CHECK_EQ(r[0].len, 0x20000);
    CHECK_EQ(r[1].type, MEM_RESERVED);
    /* Page counts that overflow are clamped. */
    efi_desc(buf, 7, 0x1000, UINT64_MAX);
    CHECK_EQ(mmap_from_efi(buf, 40, 40, r, &n, BOOT_MAX_MMAP), 0);
    CHECK_EQ(n, 1);
    CHECK_EQ(r[0].base + r[0].len, UINT64_MAX);
    /* 400 contiguous conventional-memory descriptors become one region. */
    for (i = 0; i < 400; i++)
        efi_desc(buf + i * 48, i % 2 ? 7 : 4, i * 0x1000ull, 1);
    CHECK_EQ(mmap_from_efi(buf, 400 * 48, 48, r, &n, BOOT_MAX_MMAP), 0);
    CHECK_EQ(n, 1);
    CHECK_EQ(r[0].len, 400 * 0x1000);
    /* 400 alternating types do not fit: the first ones are kept. */
    for (i = 0; i < 400; i++)
        efi_desc(buf + i * 48, i % 2 ? 7 : 0, i * 0x1000ull, 1);
    CHECK_EQ(mmap_from_efi(buf, 400 * 48, 48, r, &n, BOOT_MAX_MMAP), -ENOSPC);
    CHECK_EQ(n, BOOT_MAX_MMAP);
    CHECK(canonical(r, n));
    CHECK_EQ(r[0].base, 0);
    /* Unsorted input is sorted. */
    efi_desc(buf, 7, 0x50000, 1);
    efi_desc(buf + 40, 7, 0x10000, 1);
    CHECK_EQ(mmap_from_efi(buf, 80, 40, r, &n, BOOT_MAX_MMAP), 0);
    CHECK_EQ(n, 2);
    CHECK_EQ(r[0].base, 0x10000);
}

int main(void)
{
    RUN(test_full_block);
    RUN(test_only_old_rsdp);
    RUN(test_efi_only);
    RUN(test_meminfo_only);
    RUN(test_too_many);
    RUN(test_malformed);
    RUN(test_truncations);
    RUN(test_byte_flips);
    RUN(test_sanitize_table);
    RUN(test_sanitize_random);
    RUN(test_efi);
    return t_finish("test_mb2");
}
