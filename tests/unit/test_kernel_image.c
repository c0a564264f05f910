/*
 * Kernel image recognition and load planning (hvm/kernel_image.c): the
 * standard images of every format, then table-driven malformed images, each
 * one defect away from a valid image, with the message expected.
 *
 * With arguments, only real images are checked instead: pairs FORMAT FILE
 * (FORMAT as kimg_format_name() with '-' for ' '), e.g. a compiled multiboot
 * guest, each planned against 64 MiB of guest RAM.
 */
#include <stdbool.h>

#include "hvm/kernel_image.h"
#include "kimgbuild.h"
#include "lib/errno.h"
#include "test.h"

#define MiB (1024ull * 1024)

static struct kb b;
static struct kimg_plan plan;
static char err[256];

static int plan_b(uint64_t mem, bool flat)
{
    /* An exactly sized copy, so ASan catches any read past the image. */
    uint8_t *copy = malloc(b.len ? b.len : 1);
    int rc;

    memcpy(copy, b.buf, b.len);
    memset(err, 0x5a, sizeof(err));
    rc = kimg_plan(copy, b.len, mem, flat, &plan, err, sizeof(err));
    free(copy);
    CHECK(memchr(err, 0, sizeof(err)) != NULL);
    return rc;
}

/* ---- valid images ---- */

static void test_std_elf32(void)
{
    kb_std_kernel(&b, 32);
    CHECK_EQ(plan_b(16 * MiB, false), 0);
    CHECK_STR(err, "");
    CHECK_EQ(plan.format, KIMG_ELF32_MB1);
    CHECK_EQ(plan.mb_flags, 3);
    CHECK_EQ(plan.nr_segs, 2);
    CHECK_EQ(plan.segs[0].file_off, 0x1000);
    CHECK_EQ(plan.segs[0].file_size, 0x800);
    CHECK_EQ(plan.segs[0].gpa, 0x100000);
    CHECK_EQ(plan.segs[0].mem_size, 0x800);
    CHECK_EQ(plan.segs[1].file_off, 0x2000);
    CHECK_EQ(plan.segs[1].file_size, 0x100);
    CHECK_EQ(plan.segs[1].gpa, 0x102000);
    CHECK_EQ(plan.segs[1].mem_size, 0x3000);
    CHECK_EQ(plan.entry, 0x100010);
    CHECK_EQ(plan.lowest, 0x100000);
    CHECK_EQ(plan.highest, 0x105000);
    CHECK(!kimg_is_mb2(plan.format));
    CHECK_STR(kimg_format_name(plan.format), "ELF32 multiboot1");
}

static void test_std_elf64(void)
{
    kb_std_kernel(&b, 64);
    CHECK_EQ(plan_b(16 * MiB, false), 0);
    CHECK_EQ(plan.format, KIMG_ELF64_MB1);
    CHECK_EQ(plan.nr_segs, 2);
    CHECK_EQ(plan.segs[1].mem_size, 0x3000);
    CHECK_EQ(plan.entry, 0x100010);
    /* Err may be NULL, or too short for the whole message. */
    CHECK_EQ(kimg_plan(b.buf, b.len, 16 * MiB, false, &plan, NULL, 0), 0);
    CHECK_EQ(kimg_plan(b.buf, b.len, 1 * MiB, false, &plan, NULL, 0), -ENOEXEC);
    memset(err, 0x5a, sizeof(err));
    CHECK_EQ(kimg_plan(b.buf, b.len, 1 * MiB, false, &plan, err, 12), -ENOEXEC);
    CHECK_STR(err, "kernel: seg");
    memset(err, 0x5a, sizeof(err));
    CHECK_EQ(kimg_plan(b.buf, b.len, 1 * MiB, false, &plan, err, 5), -ENOEXEC);
    CHECK_STR(err, "kern");
    CHECK_EQ((unsigned char)err[5], 0x5a);
}

/* A higher-half ELF64 like the hypervisor: linked at vaddr, loaded at paddr,
 * e_entry virtual. */
static void test_elf64_virtual_entry(void)
{
    kb_init(&b);
    kb_elf(&b, 64, 0xffff830000200040ull, 2);
    kb_mb1(&b, 0x400, 3, NULL);
    kb_fill(&b, 0x1000, 0x1000, 0xcc);
    kb_phdr(&b, 64, 0, 1, 0x1000, 0xffff830000200000ull, 0x200000, 0x1000, 0x1000);
    kb_phdr(&b, 64, 1, 1, 0x2000, 0xffff830000201000ull, 0x201000, 0, 0x4000);
    CHECK_EQ(plan_b(8 * MiB, false), 0);
    CHECK_EQ(plan.entry, 0x200040);
    CHECK_EQ(plan.lowest, 0x200000);
    CHECK_EQ(plan.highest, 0x205000);
    CHECK_EQ(plan.segs[1].file_size, 0);
    /* The entry in the bss-only segment's virtual range is translated too. */
    kb_put64(&b, 24, 0xffff830000203000ull);
    CHECK_EQ(plan_b(8 * MiB, false), 0);
    CHECK_EQ(plan.entry, 0x203000);
}

/* Segments: non-PT_LOAD and empty ones are skipped; exact fits are accepted. */
static void test_segment_edges(void)
{
    unsigned i;

    kb_init(&b);
    kb_elf(&b, 32, 0x1000, 5);
    kb_mb1(&b, 0x100, 0x40000003, NULL);            /* an unknown optional flag (bit 30) is fine */
    kb_fill(&b, 0x1000, 0x100, 1);
    kb_phdr(&b, 32, 0, 6, 0, 0, 0, 0x40, 0x40);    /* PT_PHDR */
    kb_phdr(&b, 32, 1, 1, 0x1000, 0x1000, 0x1000, 0x100, 0x9f000);   /* ends at the hole */
    kb_phdr(&b, 32, 2, 1, 0, 0x500000, 0x500000, 0, 0);              /* empty */
    kb_phdr(&b, 32, 3, 1, 0x1000, 0x100000, 0x100000, 0x100, 0x100); /* starts at the hole's end */
    kb_phdr(&b, 32, 4, 1, 0x1000, 0xf00000, 0xf00000, 0x100, 0x100000); /* ends at the end of RAM */
    CHECK_EQ(plan_b(16 * MiB, false), 0);
    CHECK_EQ(plan.mb_flags, 0x40000003);
    CHECK_EQ(plan.nr_segs, 3);
    CHECK_EQ(plan.lowest, 0x1000);
    CHECK_EQ(plan.highest, 16 * MiB);

    /* Adjacent segments in descending order (no overlap either way). */
    kb_init(&b);
    kb_elf(&b, 64, 0x1ff000, 2);
    kb_mb1(&b, 0x100, 0, NULL);
    kb_fill(&b, 0x1000, 0x10, 0);
    kb_phdr(&b, 64, 0, 1, 0x1000, 0x200000, 0x200000, 0x10, 0x1000);
    kb_phdr(&b, 64, 1, 1, 0x1000, 0x1ff000, 0x1ff000, 0x10, 0x1000);
    CHECK_EQ(plan_b(16 * MiB, false), 0);
    CHECK_EQ(plan.lowest, 0x1ff000);
    CHECK_EQ(plan.highest, 0x201000);
    kb_phdr(&b, 64, 1, 1, 0x1000, 0x1ff000, 0x1ff000, 0x10, 0x1001);
    CHECK_EQ(plan_b(16 * MiB, false), -ENOEXEC);
    CHECK_STR(err, "kernel: segment 1 [0x1ff000, 0x200001) overlaps segment 0 [0x200000, 0x201000)");

    /* KIMG_MAX_SEGS adjacent segments are fine, one more is not. */
    kb_init(&b);
    kb_elf(&b, 32, 0x100000, KIMG_MAX_SEGS + 1);
    kb_mb1(&b, 0x400, 0, NULL);
    kb_fill(&b, 0x1000, 0x10, 0);
    for (i = 0; i < KIMG_MAX_SEGS; i++)
        kb_phdr(&b, 32, i, 1, 0x1000, 0x100000 + i * 0x1000, 0x100000 + i * 0x1000, 0x10, 0x1000);
    CHECK_EQ(plan_b(16 * MiB, false), 0);
    CHECK_EQ(plan.nr_segs, KIMG_MAX_SEGS);
    kb_phdr(&b, 32, KIMG_MAX_SEGS, 1, 0x1000, 0x200000, 0x200000, 0x10, 0x1000);
    CHECK_EQ(plan_b(16 * MiB, false), -ENOEXEC);
    CHECK_STR(err, "kernel: more than 16 loadable segments");
}

/* Address fields (a.out kludge) win over ELF; also in a non-ELF image. */
static void test_mb1_aout(void)
{
    const uint32_t aout[5] = { 0x100100, 0x100000, 0x100800, 0x104000, 0x100120 };
    const uint32_t aout0[5] = { 0x200040, 0x200000, 0, 0, 0x200040 };

    kb_std_kernel(&b, 64);
    kb_mb1(&b, 0x200, 0x10003, NULL);
    kb_mb1(&b, 0x200, 0x10003, aout);       /* file [0x100, 0x900) -> 0x100000 */
    CHECK_EQ(plan_b(16 * MiB, false), 0);
    CHECK_EQ(plan.format, KIMG_ELF64_MB1);
    CHECK_EQ(plan.nr_segs, 1);
    CHECK_EQ(plan.segs[0].file_off, 0x100);
    CHECK_EQ(plan.segs[0].file_size, 0x800);
    CHECK_EQ(plan.segs[0].gpa, 0x100000);
    CHECK_EQ(plan.segs[0].mem_size, 0x4000);
    CHECK_EQ(plan.entry, 0x100120);
    CHECK_EQ(plan.mb_flags, 0x10003);

    /* Raw binary, header at 0x40: load_end 0 = whole file, bss_end 0 = none. */
    kb_init(&b);
    kb_fill(&b, 0, 0x3000, 0xf4);
    kb_mb1(&b, 0x40, 0x10000, aout0);
    CHECK_EQ(plan_b(16 * MiB, false), 0);
    CHECK_EQ(plan.format, KIMG_BIN_MB1);
    CHECK_EQ(plan.segs[0].file_off, 0);
    CHECK_EQ(plan.segs[0].file_size, 0x3000);
    CHECK_EQ(plan.segs[0].mem_size, 0x3000);
    CHECK_EQ(plan.entry, 0x200040);
    CHECK_STR(kimg_format_name(plan.format), "multiboot1 binary (address fields)");
}

static void test_mb2_elf(void)
{
    uint32_t entry_tag[2] = { 0x100400, 0 };
    uint32_t req[3] = { 6, 1, 0 };

    kb_std_kernel(&b, 32);
    kb_fill(&b, 0x200, 12, 0);              /* no multiboot1 header */
    kb_mb2_begin(&b, 0x800 - 0x100, 0);
    kb_mb2_tag(&b, 1, 0, req, 8);           /* information request */
    kb_mb2_tag(&b, 5, 1, req, 12);          /* optional framebuffer */
    kb_mb2_tag(&b, 9, 0, entry_tag, 4);     /* EFI amd64 entry: ignored outside EFI */
    kb_mb2_end(&b);
    CHECK_EQ(plan_b(16 * MiB, false), 0);
    CHECK_EQ(plan.format, KIMG_ELF32_MB2);
    CHECK(kimg_is_mb2(plan.format));
    CHECK_EQ(plan.entry, 0x100010);
    CHECK_EQ(plan.mb_flags, 0);

    /* An entry address tag overrides e_entry. */
    kb_mb2_begin(&b, 0x800 - 0x100, 0);
    kb_mb2_tag(&b, 3, 0, entry_tag, 4);
    kb_mb2_end(&b);
    CHECK_EQ(plan_b(16 * MiB, false), 0);
    CHECK_EQ(plan.entry, 0x100400);

    /* Both headers: multiboot1 wins (the guest ABI gives multiboot1 info). */
    kb_mb1(&b, 0x200, 3, NULL);
    CHECK_EQ(plan_b(16 * MiB, false), 0);
    CHECK_EQ(plan.format, KIMG_ELF32_MB1);
    CHECK_EQ(plan.entry, 0x100010);

    kb_std_kernel(&b, 64);
    kb_fill(&b, 0x200, 12, 0);
    kb_mb2_begin(&b, 0x7000, 0);            /* late but inside 32 KiB */
    kb_mb2_end(&b);
    CHECK_EQ(plan_b(16 * MiB, false), 0);
    CHECK_EQ(plan.format, KIMG_ELF64_MB2);
}

static void test_mb2_address(void)
{
    uint32_t addr[4] = { 0x100020, 0x100000, 0, 0x110000 };
    uint32_t entry[1] = { 0x100100 };

    kb_init(&b);
    kb_fill(&b, 0, 0x2000, 0x90);
    kb_mb2_begin(&b, 0x20, 0);
    kb_mb2_tag(&b, 2, 0, addr, sizeof(addr));
    kb_mb2_tag(&b, 3, 0, entry, sizeof(entry));
    kb_mb2_end(&b);
    CHECK_EQ(plan_b(16 * MiB, false), 0);
    CHECK_EQ(plan.format, KIMG_BIN_MB2);
    CHECK_EQ(plan.segs[0].file_off, 0);
    CHECK_EQ(plan.segs[0].file_size, 0x2000);
    CHECK_EQ(plan.segs[0].gpa, 0x100000);
    CHECK_EQ(plan.segs[0].mem_size, 0x10000);
    CHECK_EQ(plan.entry, 0x100100);

    /* load_addr = -1: the text starts at the file's first byte. */
    addr[1] = 0xffffffff;
    addr[2] = 0x101000;
    kb_mb2_begin(&b, 0x20, 0);
    kb_mb2_tag(&b, 2, 0, addr, sizeof(addr));
    kb_mb2_tag(&b, 3, 0, entry, sizeof(entry));
    kb_mb2_end(&b);
    CHECK_EQ(plan_b(16 * MiB, false), 0);
    CHECK_EQ(plan.segs[0].gpa, 0x100000);
    CHECK_EQ(plan.segs[0].file_size, 0x1000);
    /* ... which needs header_addr >= the header's offset. */
    addr[0] = 0x10;
    kb_mb2_begin(&b, 0x20, 0);
    kb_mb2_tag(&b, 2, 0, addr, sizeof(addr));
    kb_mb2_tag(&b, 3, 0, entry, sizeof(entry));
    kb_mb2_end(&b);
    CHECK_EQ(plan_b(16 * MiB, false), -ENOEXEC);
    CHECK_STR(err, "kernel: multiboot2 header_addr 0x10 is below the header's file offset 0x20");
}

static void test_format_names(void)
{
    static const char *const names[] = {
        "ELF32 multiboot1", "ELF64 multiboot1", "ELF32 multiboot2", "ELF64 multiboot2", "flat binary",
        "multiboot1 binary (address fields)", "multiboot2 binary (address tag)",
    };
    unsigned f;

    for (f = KIMG_ELF32_MB1; f <= KIMG_BIN_MB2; f++) {
        CHECK_STR(kimg_format_name((enum kimg_format)f), names[f]);
        CHECK_EQ(kimg_is_mb2((enum kimg_format)f), f == KIMG_ELF32_MB2 || f == KIMG_ELF64_MB2 || f == KIMG_BIN_MB2);
    }
    CHECK_STR(kimg_format_name((enum kimg_format)99), "?");
}

static void test_flat(void)
{
    kb_init(&b);
    kb_fill(&b, 0, 0x1234, 0xf4);
    CHECK_EQ(plan_b(2 * MiB, true), 0);
    CHECK_EQ(plan.format, KIMG_FLAT);
    CHECK_EQ(plan.nr_segs, 1);
    CHECK_EQ(plan.segs[0].file_off, 0);
    CHECK_EQ(plan.segs[0].file_size, 0x1234);
    CHECK_EQ(plan.segs[0].gpa, 0x100000);
    CHECK_EQ(plan.segs[0].mem_size, 0x1234);
    CHECK_EQ(plan.entry, 0x100000);
    CHECK_EQ(plan.lowest, 0x100000);
    CHECK_EQ(plan.highest, 0x101234);
    CHECK_EQ(plan.mb_flags, 0);
    /* A .bin with a multiboot header is loaded per the header. */
    kb_std_kernel(&b, 32);
    CHECK_EQ(plan_b(16 * MiB, true), 0);
    CHECK_EQ(plan.format, KIMG_ELF32_MB1);
    /* A .bin made by objcopy from a multiboot ELF: the header has no address
     * fields, so it cannot describe the load: flat, whatever its flags. */
    kb_init(&b);
    kb_mb1(&b, 0, 7, NULL);
    kb_fill(&b, 12, 0x100, 0x90);
    CHECK_EQ(plan_b(16 * MiB, true), 0);
    CHECK_EQ(plan.format, KIMG_FLAT);
    CHECK_EQ(plan.mb_flags, 0);
    CHECK_EQ(plan.segs[0].file_size, 0x10c);
    CHECK_EQ(plan_b(16 * MiB, false), -ENOEXEC);
    CHECK_STR(err, "kernel: multiboot1 header at 0x0 asks for video mode information (flag 2), which Ringvisor guests do not have");
    kb_init(&b);
    kb_fill(&b, 0, 0x100, 0x90);
    kb_mb2_begin(&b, 0x10, 0);
    kb_mb2_end(&b);
    CHECK_EQ(plan_b(16 * MiB, true), 0);
    CHECK_EQ(plan.format, KIMG_FLAT);
    CHECK_EQ(plan.entry, 0x100000);
    /* Exactly filling RAM above 1 MiB fits; one more byte does not. */
    kb_init(&b);
    kb_fill(&b, 0, MiB / 8, 0);
    CHECK_EQ(plan_b(MiB + MiB / 8, true), 0);
    CHECK_EQ(plan_b(MiB + MiB / 8 - 1, true), -ENOEXEC);
    CHECK_STR(err, "kernel: segment 0 [0x100000, 0x120000) is beyond the guest's 1179647 bytes of RAM");
    CHECK_EQ(plan_b(MiB + MiB / 8 - 1024, true), -ENOEXEC);
    CHECK_CONTAINS(err, "is beyond the guest's 1151 KiB of RAM");
}

static void test_empty(void)
{
    CHECK_EQ(kimg_plan(NULL, 0, 16 * MiB, true, &plan, err, sizeof(err)), -ENOEXEC);
    CHECK_STR(err, "kernel: the image is empty");
    CHECK_EQ(kimg_plan("x", 0, 16 * MiB, true, &plan, err, sizeof(err)), -ENOEXEC);
    CHECK_STR(err, "kernel: the image is empty");
    CHECK_EQ(kimg_plan(NULL, 10, 16 * MiB, true, &plan, err, sizeof(err)), -ENOEXEC);
}

/* ---- malformed images ---- */

#define PH32(i) (52 + 32 * (i))
#define PH64(i) (64 + 56 * (i))

static void m_none(void) { }
static void m_mb1_badsum(void) { kb_put32(&b, 0x208, 0); }
static void m_mb1_unaligned(void) { kb_fill(&b, 0x200, 12, 0); kb_mb1(&b, 0x202, 3, NULL); }
static void m_mb1_late(void) { kb_fill(&b, 0x200, 12, 0); kb_mb1(&b, 8192 - 8, 3, NULL); }
static void m_mb1_video(void) { kb_mb1(&b, 0x200, 7, NULL); }
static void m_mb1_reqflag(void) { kb_mb1(&b, 0x200, 0x103, NULL); }
static void m_not_elf(void) { b.buf[0] = 'X'; }
static void m_class(void) { b.buf[4] = 3; }
static void m_bigendian(void) { b.buf[5] = 2; }
static void m_version(void) { b.buf[6] = 0; }
static void m_dyn(void) { kb_put16(&b, 16, 3); }
static void m_machine(void) { kb_put16(&b, 18, 62); }
static void m_machine64(void) { kb_put16(&b, 18, 3); }
static void m_machine_arm(void) { kb_put16(&b, 18, 40); }
static void m_machine_none(void) { kb_put16(&b, 18, 0); }
static void m_phnum0(void) { kb_put16(&b, 44, 0); }
static void m_phentsize(void) { kb_put16(&b, 42, 16); }
static void m_phoff_far(void) { kb_put32(&b, 28, 0x10000); }
static void m_phoff_end(void) { kb_put32(&b, 28, (uint32_t)b.len - 40); }
static void m_phnum_big(void) { kb_put16(&b, 44, 0xffff); }
static void m_phoff64_huge(void) { kb_put64(&b, 32, 0xffffffffffffffc0ull); }
static void m_filesz_gt_memsz(void) { kb_put32(&b, PH32(1) + 16, 0x3001); }
static void m_off_beyond(void) { kb_put32(&b, PH32(0) + 4, 0x10000); }
static void m_off_plus_size(void) { kb_put32(&b, PH32(1) + 16, 0x2000); kb_put32(&b, PH32(1) + 20, 0x2000); }
static void m_off64_wrap(void) { kb_put64(&b, PH64(0) + 8, 0xffffffffffffff00ull); }
static void m_size64_wrap(void) { kb_put64(&b, PH64(0) + 32, 0xfffffffffffff000ull);
                                  kb_put64(&b, PH64(0) + 40, 0xfffffffffffff000ull); }
static void m_gpa64_wrap(void) { kb_put64(&b, PH64(1) + 24, 0xfffffffffffff000ull); }
static void m_beyond_ram(void) { kb_put32(&b, PH32(1) + 20, 0x8f00000); }
static void m_in_hole(void) { kb_put32(&b, PH32(0) + 12, 0xff000); }
static void m_hole_start(void) { kb_put32(&b, PH32(0) + 12, 0x9f800); kb_put32(&b, PH32(0) + 8, 0x9f800);
                                 kb_put32(&b, PH32(0) + 20, 0x801); kb_put32(&b, 24, 0x9f800); }
static void m_hole_inside(void) { kb_put32(&b, PH32(0) + 12, 0xb8000); }
static void m_overlap(void) { kb_put32(&b, PH32(1) + 12, 0x100400); }
static void m_overlap_inside(void) { kb_put32(&b, PH32(0) + 20, 0x10000); }
static void m_no_load(void) { kb_put32(&b, PH32(0), 4); kb_put32(&b, PH32(1), 0x6474e551); }
static void m_all_empty(void) { kb_put32(&b, PH32(0) + 16, 0); kb_put32(&b, PH32(0) + 20, 0);
                                kb_put32(&b, PH32(1) + 16, 0); kb_put32(&b, PH32(1) + 20, 0); }
static void m_entry_out(void) { kb_put32(&b, 24, 0x200000); }
static void m_entry_end(void) { kb_put32(&b, 24, 0x100800); }
static void m_entry_bss(void) { kb_put32(&b, 24, 0x104fff); }
static void m_entry64_high(void) { kb_put64(&b, 24, 0x100000010ull); kb_put64(&b, PH64(0) + 24, 0x100000000ull);
                                   kb_put64(&b, PH64(0) + 16, 0x100000000ull); }
static void m_truncated_hdr(void) { b.len = 48; kb_mb1(&b, 36, 3, NULL); }
static void m_bzimage(void) { b.buf[0] = 0; kb_fill(&b, 0x200, 12, 0); memcpy(b.buf + 0x202, "HdrS", 4); }
static void m_elf_nohdr(void) { kb_fill(&b, 0x200, 12, 0); }

/* a.out kludge: header at 0x200, fields from aout_ok unless changed. */
static void aout(uint32_t h, uint32_t l, uint32_t le, uint32_t be, uint32_t e)
{
    const uint32_t f[5] = { h, l, le, be, e };

    kb_mb1(&b, 0x200, 0x10003, f);
}
static void m_aout_ok(void) { aout(0x100200, 0x100000, 0x100800, 0x102000, 0x100210); }
static void m_aout_load_above(void) { aout(0x100200, 0x100300, 0x100800, 0, 0x100300); }
static void m_aout_before_file(void) { aout(0x100200, 0xff000, 0x100800, 0, 0x100210); }
static void m_aout_end_below(void) { aout(0x100200, 0x100000, 0xff000, 0, 0x100210); }
static void m_aout_end_past(void) { aout(0x100200, 0x100000, 0x110000, 0, 0x100210); }
static void m_aout_bss_below(void) { aout(0x100200, 0x100000, 0x100800, 0x100400, 0x100210); }
static void m_aout_nothing(void) { aout(0x100200, 0x100000, 0x100000, 0, 0x100000); }
static void m_aout_entry(void) { aout(0x100200, 0x100000, 0x100800, 0x102000, 0x102000); }
static void m_aout_hole(void) { aout(0xa0200, 0xa0000, 0, 0, 0xa0210); }
static void m_aout_truncated(void) { b.len = 0x210; aout(0x100200, 0x100000, 0, 0, 0x100210); b.len = 0x210; }
static void m_aout_nonelf_noflag(void) { b.buf[1] = 'X'; }

/* multiboot2 */
static void mb2(uint32_t arch, uint16_t type, uint16_t flags, const void *payload, size_t len)
{
    kb_fill(&b, 0x200, 12, 0);
    kb_mb2_begin(&b, 0x400, arch);
    if (type)
        kb_mb2_tag(&b, type, flags, payload, len);
    kb_mb2_end(&b);
}
static const uint32_t fb[3] = { 1024, 768, 32 };
static const uint32_t addr_ok[4] = { 0x100400, 0x100000, 0, 0 };
static void m_mb2_ok(void) { mb2(0, 0, 0, NULL, 0); }
static void m_mb2_badsum(void) { mb2(0, 0, 0, NULL, 0); kb_put32(&b, 0x40c, 1); }
static void m_mb2_unaligned(void) { kb_fill(&b, 0x200, 12, 0); kb_mb2_begin(&b, 0x404, 0); kb_mb2_end(&b); }
static void m_mb2_late(void) { kb_fill(&b, 0x200, 12, 0); b.len = 0x9000; kb_mb2_begin(&b, 32768 - 16, 0);
                               kb_mb2_end(&b); }
static void m_mb2_arch(void) { mb2(4, 0, 0, NULL, 0); }
static void m_mb2_fb(void) { mb2(0, 5, 0, fb, sizeof(fb)); }
static void m_mb2_unknown(void) { mb2(0, 99, 0, fb, 4); }
static void m_mb2_unknown_opt(void) { mb2(0, 99, 1, fb, 4); }
static void m_mb2_addr_noentry(void) { mb2(0, 2, 0, addr_ok, sizeof(addr_ok)); }
static void m_mb2_addr_short(void) { mb2(0, 2, 0, addr_ok, 8); }
static void m_mb2_entry_short(void) { mb2(0, 3, 0, addr_ok, 2); }
static void m_mb2_entry_out(void) { uint32_t e = 0x300000; mb2(0, 3, 0, &e, 4); }
/* Corrupt the header after it was built, then fix the checksum. */
static void mb2_patch(size_t off, uint32_t v)
{
    uint32_t len, arch;

    kb_put32(&b, off, v);
    memcpy(&arch, b.buf + 0x404, 4);
    memcpy(&len, b.buf + 0x408, 4);
    kb_put32(&b, 0x40c, -(0xE85250D6u + arch + len));
}
static void m_mb2_len_small(void) { mb2(0, 0, 0, NULL, 0); mb2_patch(0x408, 16); }
static void m_mb2_len_big(void) { mb2(0, 0, 0, NULL, 0); mb2_patch(0x408, 0x100000); }
static void m_mb2_noend(void) { mb2(0, 0, 0, NULL, 0); mb2_patch(0x410, 7); }
static void m_mb2_tagsize_small(void) { mb2(0, 0, 0, NULL, 0); mb2_patch(0x414, 4); }
static void m_mb2_tagsize_big(void) { mb2(0, 4, 0, fb, 4); mb2_patch(0x414, 0x40); }
/* Header length 0x25: the 8-byte-aligned step after a 0x13-byte tag lands past its end. */
static void m_mb2_end_misaligned(void) { mb2(0, 4, 0, fb, 4); mb2_patch(0x414, 0x13); mb2_patch(0x408, 0x25); }
static void m_mb2_nonelf(void) { mb2(0, 0, 0, NULL, 0); b.buf[0] = 0; }

static const struct kcase {
    const char *name;
    int cls;
    void (*mutate)(void);
    uint64_t mem;
    bool flat;
    int rc;
    const char *msg;        /* substring of the message (after "kernel: ") */
} kcases[] = {
    { "std32", 32, m_none, 16 * MiB, false, 0, NULL },
    { "std64", 64, m_none, 16 * MiB, false, 0, NULL },
    { "mb1 bad checksum", 32, m_mb1_badsum, 16 * MiB, false, -ENOEXEC,
      "ELF file without a multiboot header (PVH entry notes are not supported); the multiboot1 magic at 0x200 has a bad checksum" },
    { "mb1 unaligned", 32, m_mb1_unaligned, 16 * MiB, false, -ENOEXEC, "ELF file without a multiboot header" },
    { "mb1 past 8 KiB", 32, m_mb1_late, 16 * MiB, false, -ENOEXEC, "ELF file without a multiboot header" },
    { "mb1 video", 32, m_mb1_video, 16 * MiB, false, -ENOEXEC, "asks for video mode information (flag 2)" },
    { "mb1 required flag", 32, m_mb1_reqflag, 16 * MiB, false, -ENOEXEC, "unknown required flags 0x100" },
    { "not ELF", 32, m_not_elf, 16 * MiB, false, -ENOEXEC,
      "multiboot1 header without address fields (flag 16), and the file is not ELF" },
    { "class", 32, m_class, 16 * MiB, false, -ENOEXEC, "ELF class 3 is neither 32-bit (1) nor 64-bit (2)" },
    { "big-endian", 32, m_bigendian, 16 * MiB, false, -ENOEXEC, "ELF data encoding 2 is not little-endian" },
    { "version", 64, m_version, 16 * MiB, false, -ENOEXEC, "ELF version 0 is not 1" },
    { "ET_DYN", 64, m_dyn, 16 * MiB, false, -ENOEXEC, "ELF type 3 is not an executable (ET_EXEC = 2)" },
    /* The class gives the layout, the multiboot header the start mode: both
     * x86 machines load in both classes. */
    { "ELF32 x86-64", 32, m_machine, 16 * MiB, false, 0, NULL },
    { "ELF64 i386", 64, m_machine64, 16 * MiB, false, 0, NULL },
    { "ELF32 ARM", 32, m_machine_arm, 16 * MiB, false, -ENOEXEC,
      "ELF32 e_machine 40 is neither i386 (3) nor x86-64 (62)" },
    { "ELF64 machine 0", 64, m_machine_none, 16 * MiB, false, -ENOEXEC,
      "ELF64 e_machine 0 is neither i386 (3) nor x86-64 (62)" },
    { "truncated header", 32, m_truncated_hdr, 16 * MiB, false, -ENOEXEC, "ELF header truncated (48 of 52 bytes)" },
    { "phnum 0", 32, m_phnum0, 16 * MiB, false, -ENOEXEC, "ELF file has no program headers" },
    { "phentsize", 32, m_phentsize, 16 * MiB, false, -ENOEXEC, "ELF program header size 16 is too small" },
    { "phoff past file", 32, m_phoff_far, 16 * MiB, false, -ENOEXEC,
      "ELF program headers (2 x 32 bytes at 0x10000) extend past the 8448-byte file" },
    { "phdrs cross the end", 32, m_phoff_end, 16 * MiB, false, -ENOEXEC, "extend past the 8448-byte file" },
    { "phnum 0xffff", 32, m_phnum_big, 16 * MiB, false, -ENOEXEC, "(65535 x 32 bytes at 0x34) extend past" },
    { "phoff wraps", 64, m_phoff64_huge, 16 * MiB, false, -ENOEXEC, "at 0xffffffffffffffc0) extend past" },
    { "filesz > memsz", 32, m_filesz_gt_memsz, 16 * MiB, false, -ENOEXEC,
      "segment 1 has file size 0x3001 larger than its memory size 0x3000" },
    { "offset past file", 32, m_off_beyond, 16 * MiB, false, -ENOEXEC,
      "segment 0 (0x800 bytes at file offset 0x10000) extends past the 8448-byte file" },
    { "offset+size past file", 32, m_off_plus_size, 16 * MiB, false, -ENOEXEC,
      "segment 1 (0x2000 bytes at file offset 0x2000) extends past" },
    { "offset wraps", 64, m_off64_wrap, 16 * MiB, false, -ENOEXEC, "at file offset 0xffffffffffffff00) extends past" },
    { "size wraps", 64, m_size64_wrap, 16 * MiB, false, -ENOEXEC, "segment 0 (0xfffffffffffff000 bytes" },
    { "gpa wraps", 64, m_gpa64_wrap, 16 * MiB, false, -ENOEXEC,
      "segment 1 at 0xfffffffffffff000 with size 0x3000 wraps around the address space" },
    { "beyond RAM", 32, m_beyond_ram, 16 * MiB, false, -ENOEXEC,
      "segment 1 [0x102000, 0x9002000) is beyond the guest's 16 MiB of RAM" },
    { "in the hole", 32, m_in_hole, 16 * MiB, false, -ENOEXEC,
      "segment 0 [0xff000, 0xff800) overlaps the VGA/BIOS hole [0xa0000, 0x100000)" },
    { "into the hole", 32, m_hole_start, 16 * MiB, false, -ENOEXEC, "segment 0 [0x9f800, 0xa0001) overlaps" },
    { "VGA", 32, m_hole_inside, 16 * MiB, false, -ENOEXEC, "segment 0 [0xb8000, 0xb8800) overlaps the VGA/BIOS hole" },
    { "overlap", 32, m_overlap, 16 * MiB, false, -ENOEXEC,
      "segment 1 [0x100400, 0x103400) overlaps segment 0 [0x100000, 0x100800)" },
    { "overlap inside", 32, m_overlap_inside, 16 * MiB, false, -ENOEXEC,
      "segment 1 [0x102000, 0x105000) overlaps segment 0 [0x100000, 0x110000)" },
    { "no PT_LOAD", 32, m_no_load, 16 * MiB, false, -ENOEXEC, "ELF file has no loadable (PT_LOAD) segment" },
    { "all empty", 32, m_all_empty, 16 * MiB, false, -ENOEXEC, "ELF file has no loadable (PT_LOAD) segment" },
    { "entry outside", 32, m_entry_out, 16 * MiB, false, -ENOEXEC, "entry point 0x200000 is not inside any loaded segment" },
    { "entry at end", 32, m_entry_end, 16 * MiB, false, -ENOEXEC, "entry point 0x100800 is not inside" },
    { "entry in bss", 32, m_entry_bss, 16 * MiB, false, 0, NULL },
    { "entry above 4G", 64, m_entry64_high, 8192 * MiB, false, -ENOEXEC,
      "entry point 0x100000010 is above 4 GiB (the kernel is started in 32-bit mode)" },
    { "bzImage", 32, m_bzimage, 16 * MiB, false, -ENOEXEC, "Linux bzImage is not supported" },
    { "ELF without header", 64, m_elf_nohdr, 16 * MiB, false, -ENOEXEC,
      "ELF file without a multiboot header (PVH entry notes are not supported)" },
    { "aout ok", 32, m_aout_ok, 16 * MiB, false, 0, NULL },
    { "aout load above header", 32, m_aout_load_above, 16 * MiB, false, -ENOEXEC,
      "load_addr 0x100300 is above header_addr 0x100200" },
    { "aout before file", 32, m_aout_before_file, 16 * MiB, false, -ENOEXEC,
      "load_addr 0xff000 would start loading 0x1000 bytes before the start of the file" },
    { "aout end below", 32, m_aout_end_below, 16 * MiB, false, -ENOEXEC, "load_end_addr 0xff000 is below load_addr 0x100000" },
    { "aout end past", 32, m_aout_end_past, 16 * MiB, false, -ENOEXEC,
      "load_end_addr 0x110000 is past the end of the 8448-byte file" },
    { "aout bss below", 32, m_aout_bss_below, 16 * MiB, false, -ENOEXEC,
      "bss_end_addr 0x100400 is below the end of the loaded data 0x100800" },
    { "aout nothing", 32, m_aout_nothing, 16 * MiB, false, -ENOEXEC, "the address fields describe nothing to load" },
    { "aout entry", 32, m_aout_entry, 16 * MiB, false, -ENOEXEC, "entry point 0x102000 is not inside" },
    { "aout hole", 32, m_aout_hole, 16 * MiB, false, -ENOEXEC, "segment 0 [0xa0000, 0xa2100) overlaps the VGA" },
    { "aout small RAM", 32, m_aout_ok, MiB + 0x1000, false, -ENOEXEC,
      "segment 0 [0x100000, 0x102000) is beyond the guest's 1028 KiB of RAM" },
    { "aout truncated", 32, m_aout_truncated, 16 * MiB, false, -ENOEXEC,
      "multiboot1 header at 0x200: its address fields extend past the end of the file" },
    { "not ELF, no aout", 32, m_aout_nonelf_noflag, 16 * MiB, false, -ENOEXEC, "and the file is not ELF" },
    { "mb2 ok", 64, m_mb2_ok, 16 * MiB, false, 0, NULL },
    { "mb2 bad checksum", 32, m_mb2_badsum, 16 * MiB, false, -ENOEXEC,
      "the multiboot2 magic at 0x400 has a bad checksum" },
    { "mb2 unaligned", 32, m_mb2_unaligned, 16 * MiB, false, -ENOEXEC, "ELF file without a multiboot header" },
    { "mb2 past 32 KiB", 32, m_mb2_late, 16 * MiB, false, -ENOEXEC,
      "has length 24 (must be >= 24 and end within the first 32768 bytes)" },
    { "mb2 arch", 32, m_mb2_arch, 16 * MiB, false, -ENOEXEC,
      "multiboot2 header at 0x400 is for architecture 4, not i386 (0)" },
    { "mb2 framebuffer", 32, m_mb2_fb, 16 * MiB, false, -ENOEXEC,
      "multiboot2 header tag 5 at 0x410 is required but not supported (no framebuffer)" },
    { "mb2 unknown tag", 32, m_mb2_unknown, 16 * MiB, false, -ENOEXEC, "tag 99 at 0x410 is required but not supported" },
    { "mb2 optional tag", 32, m_mb2_unknown_opt, 16 * MiB, false, 0, NULL },
    { "mb2 address w/o entry", 32, m_mb2_addr_noentry, 16 * MiB, false, -ENOEXEC,
      "multiboot2 header has an address tag but no entry address tag" },
    { "mb2 address short", 32, m_mb2_addr_short, 16 * MiB, false, -ENOEXEC, "address tag at 0x410 has size 16 (< 24)" },
    { "mb2 entry short", 32, m_mb2_entry_short, 16 * MiB, false, -ENOEXEC, "entry address tag at 0x410 has size 10 (< 12)" },
    { "mb2 entry outside", 32, m_mb2_entry_out, 16 * MiB, false, -ENOEXEC, "entry point 0x300000 is not inside" },
    { "mb2 length < 24", 32, m_mb2_len_small, 16 * MiB, false, -ENOEXEC, "has length 16 (must be >= 24" },
    { "mb2 length past file", 32, m_mb2_len_big, 16 * MiB, false, -ENOEXEC,
      "has length 1048576 (must be >= 24 and end within the file)" },
    { "mb2 no end tag", 32, m_mb2_noend, 16 * MiB, false, -ENOEXEC, "multiboot2 header at 0x400 has no end tag" },
    { "mb2 tag size < 8", 32, m_mb2_tagsize_small, 16 * MiB, false, -ENOEXEC,
      "multiboot2 header tag 0 at 0x410 has size 4 (header ends at 0x418)" },
    { "mb2 tag past header", 32, m_mb2_tagsize_big, 16 * MiB, false, -ENOEXEC, "tag 4 at 0x410 has size 64" },
    { "mb2 misaligned end", 32, m_mb2_end_misaligned, 16 * MiB, false, -ENOEXEC, "has no end tag" },
    { "mb2 not ELF, .bin", 32, m_mb2_nonelf, 16 * MiB, true, 0, NULL },
    { "not ELF, no aout, .bin", 32, m_aout_nonelf_noflag, 16 * MiB, true, 0, NULL },
    { "mb2 not ELF", 32, m_mb2_nonelf, 16 * MiB, false, -ENOEXEC,
      "multiboot2 header without an address tag, and the file is not ELF" },
};

static void test_malformed(void)
{
    unsigned i;

    for (i = 0; i < sizeof(kcases) / sizeof(kcases[0]); i++) {
        const struct kcase *c = &kcases[i];
        int rc;

        kb_std_kernel(&b, c->cls);
        c->mutate();
        rc = plan_b(c->mem, c->flat);
        if (rc != c->rc || (c->msg && !strstr(err, c->msg)) || (rc && strncmp(err, "kernel: ", 8)))
            fprintf(stderr, "case '%s': rc %d, err \"%s\"\n", c->name, rc, err);
        CHECK_EQ(rc, c->rc);
        if (c->msg)
            CHECK_CONTAINS(err, c->msg);
        if (rc)
            CHECK(!strncmp(err, "kernel: ", 8) && !strchr(err, '\n'));
        else
            CHECK(plan.nr_segs >= 1 && plan.entry >= plan.lowest && plan.entry < plan.highest);
    }
}

/* Flat loading is only for files named *.bin; without it, a headerless
 * file gets the "no header" message. */
static void test_no_header(void)
{
    kb_init(&b);
    kb_fill(&b, 0, 0x100, 0xf4);
    kb_mb1(&b, 0x20, 3, NULL);
    kb_put32(&b, 0x28, 0);
    CHECK_EQ(plan_b(16 * MiB, false), -ENOEXEC);
    CHECK_STR(err, "kernel: no multiboot1 header in the first 8192 bytes nor multiboot2 header in the first "
                   "32768, and the file name does not end in .bin; the multiboot1 magic at 0x20 has a bad checksum");
    CHECK_EQ(plan_b(16 * MiB, true), 0);
    CHECK_EQ(plan.format, KIMG_FLAT);
    /* Tiny files: shorter than any header. */
    kb_init(&b);
    kb_fill(&b, 0, 3, 0x1b);
    CHECK_EQ(plan_b(16 * MiB, false), -ENOEXEC);
    CHECK_CONTAINS(err, "does not end in .bin");
    CHECK_EQ(plan_b(16 * MiB, true), 0);
}

/* Random corruption of valid images must give 0 or -ENOEXEC with a message,
 * and a consistent plan (ASan checks the reads). */
static void test_random_corruption(void)
{
    unsigned iter, j, k;

    for (iter = 0; iter < 3000; iter++) {
        int rc;

        kb_std_kernel(&b, iter & 1 ? 64 : 32);
        if (iter % 3 == 0)
            m_aout_ok();
        else if (iter % 3 == 1)
            m_mb2_ok();
        k = 1 + (unsigned)t_rand_below(6);
        for (j = 0; j < k; j++) {
            size_t at = (size_t)t_rand_below(iter & 2 ? 0x500 : b.len);

            b.buf[at] = (uint8_t)t_rand();
        }
        if (iter % 7 == 0)
            b.len = (size_t)t_rand_below(b.len) + 1;
        rc = plan_b(iter % 5 ? 16 * MiB : 1 * MiB + 0x800, iter % 11 == 0);
        CHECK(rc == 0 || rc == -ENOEXEC);
        if (rc) {
            CHECK(!strncmp(err, "kernel: ", 8) && strlen(err) > 8);
            continue;
        }
        CHECK(plan.nr_segs >= 1 && plan.nr_segs <= KIMG_MAX_SEGS);
        for (j = 0; j < plan.nr_segs; j++) {
            const struct kimg_seg *s = &plan.segs[j];

            CHECK(s->file_size <= s->mem_size && s->mem_size > 0);
            CHECK(s->file_off <= b.len && s->file_size <= b.len - s->file_off);
            CHECK(s->gpa + s->mem_size <= (iter % 5 ? 16 * MiB : 1 * MiB + 0x800));
            CHECK(s->gpa >= KIMG_HOLE_END || s->gpa + s->mem_size <= KIMG_HOLE_START);
        }
    }
}

static const char *fmt_arg(enum kimg_format f, char *buf)
{
    char *p;

    strcpy(buf, kimg_format_name(f));
    for (p = buf; *p; p++)
        if (*p == ' ')
            *p = '-';
    return buf;
}

/* Real images built by the test setup (see tests/unit/domcfg.cmake). */
static void test_real(const char *want, const char *path)
{
    FILE *f = fopen(path, "rb");
    size_t len = strlen(path);
    uint8_t *img;
    char name[64];
    long size = 0;
    unsigned i;

    CHECK(f != NULL);
    if (!f)
        return;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    CHECK(size > 0);
    if (size <= 0) {
        fclose(f);
        return;
    }
    rewind(f);
    img = malloc((size_t)size);
    CHECK(fread(img, 1, (size_t)size, f) == (size_t)size);
    fclose(f);
    memset(err, 0x5a, sizeof(err));
    CHECK_EQ(kimg_plan(img, (size_t)size, 64 * MiB, len > 4 && !strcmp(path + len - 4, ".bin"), &plan,
                       err, sizeof(err)), 0);
    CHECK_STR(err, "");
    CHECK_STR(fmt_arg(plan.format, name), want);
    printf("%s: %s, entry 0x%llx, [0x%llx, 0x%llx)\n", path, kimg_format_name(plan.format),
           (unsigned long long)plan.entry, (unsigned long long)plan.lowest, (unsigned long long)plan.highest);
    for (i = 0; i < plan.nr_segs; i++) {
        const struct kimg_seg *sg = &plan.segs[i];

        printf("  file [0x%llx, +0x%llx) -> 0x%llx, mem 0x%llx\n", (unsigned long long)sg->file_off,
               (unsigned long long)sg->file_size, (unsigned long long)sg->gpa, (unsigned long long)sg->mem_size);
        CHECK(sg->file_off + sg->file_size <= (uint64_t)size);
    }
    CHECK(plan.entry >= plan.lowest && plan.entry < plan.highest);
    free(img);
}

#define RUN_REAL(fmt, path) do {                                                 \
        int before_ = t_failures;                                                \
        test_real(fmt, path);                                                    \
        printf("%-40s %s\n", path, t_failures == before_ ? "ok" : "FAILED");      \
    } while (0)

int main(int argc, char **argv)
{
    int i;

    if (argc > 1) {                 /* real images only */
        if (argc % 2 == 0) {
            fprintf(stderr, "usage: %s [FORMAT FILE]...\n", argv[0]);
            return 2;
        }
        for (i = 1; i + 1 < argc; i += 2)
            RUN_REAL(argv[i], argv[i + 1]);
        return t_finish("test_kernel_image (real images)");
    }
    RUN(test_std_elf32);
    RUN(test_std_elf64);
    RUN(test_elf64_virtual_entry);
    RUN(test_segment_edges);
    RUN(test_mb1_aout);
    RUN(test_mb2_elf);
    RUN(test_mb2_address);
    RUN(test_format_names);
    RUN(test_flat);
    RUN(test_empty);
    RUN(test_malformed);
    RUN(test_no_header);
    RUN(test_random_corruption);
    return t_finish("test_kernel_image");
}
