/*
 * Unit tests of src/hvm/pvh_image.c: bzImage payload extraction and PVH ELF
 * planning on synthetic ELF32/ELF64 images built here (notes in PT_NOTE
 * segments and SHT_NOTE sections, every validation failure), and, when
 * available, the real Linux bzImage named by argv[1]: payload extracted,
 * decompressed (src/lib/decompress) and planned, with the time it took.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hvm/pvh_image.h"
#include "lib/decompress.h"
#include "lib/errno.h"
#include "test.h"

#define MEM     (64ull << 20)
#define IMG_MAX 0x4000

#include "elfwrite.h"

static size_t phys32(struct elf *e, size_t off, uint32_t entry)
{
    return note(e, off, "Xen", 4, 18, &entry, 4);
}

/* The usual shape: code at 1 MiB (0x1000 file bytes + bss), a PT_NOTE with
 * two unrelated notes and PHYS32_ENTRY = 0x100040. */
static void elf_std(struct elf *e, bool is64)
{
    size_t n;

    memset(e, 0, sizeof(*e));
    e->is64 = is64;
    e->size = CODE + 0x1000;
    add_ph(e, 1, CODE, 0x100000, 0x1000, 0x3000);
    n = note(e, NOTE_A, "GNU", 4, 3, "0123456789abcdefghij", 20);
    n = note(e, n, "Xen", 4, 6, "linux", 6);
    n = phys32(e, n, 0x100040);
    add_ph(e, 4, NOTE_A, 0, n - NOTE_A, n - NOTE_A);
}

static int plan(struct elf *e, struct kimg_plan *p, char *err, size_t errlen)
{
    uint8_t *copy = malloc(e->size ? e->size : 1);     /* exactly sized for ASan */
    int rc;

    memcpy(copy, e->b, e->size);
    rc = pvh_elf_plan(copy, e->size, MEM, p, err, errlen);
    free(copy);
    if (rc) {
        CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
        CHECK(strncmp(err, "pvh: ", 5) == 0);
    }
    return rc;
}

#define EXPECT_FAIL(e, msg) do {                                                \
        struct kimg_plan p_;                                                    \
        char err_[200] = "";                                                    \
        CHECK_EQ(plan(e, &p_, err_, sizeof(err_)), -ENOEXEC);                   \
        CHECK_CONTAINS(err_, msg);                                              \
    } while (0)

static void test_valid(void)
{
    for (int is64 = 0; is64 < 2; is64++) {
        struct elf e;
        struct kimg_plan p;
        char err[200] = "";

        elf_std(&e, is64);
        CHECK_EQ(plan(&e, &p, err, sizeof(err)), 0);
        CHECK_EQ(p.format, is64 ? KIMG_ELF64_MB1 : KIMG_ELF32_MB1);
        CHECK_EQ(p.nr_segs, 1);
        CHECK_EQ(p.segs[0].file_off, CODE);
        CHECK_EQ(p.segs[0].file_size, 0x1000);
        CHECK_EQ(p.segs[0].gpa, 0x100000);
        CHECK_EQ(p.segs[0].mem_size, 0x3000);
        CHECK_EQ(p.entry, 0x100040);
        CHECK_EQ(p.lowest, 0x100000);
        CHECK_EQ(p.highest, 0x103000);
        CHECK_EQ(p.mb_flags, 0);
        CHECK_EQ(pvh_elf_plan(e.b, e.size, MEM, &p, NULL, 0), 0);

        /* Two segments, entry in the second; a zero-size PT_LOAD is skipped. */
        add_ph(&e, 1, CODE, 0x200000, 0x800, 0x800);
        add_ph(&e, 1, 0, 0x50000, 0, 0);
        phys32(&e, NOTE_A + 12 + 4 + 20 + 12 + 4 + 8, 0x2007ff);
        CHECK_EQ(plan(&e, &p, err, sizeof(err)), 0);
        CHECK_EQ(p.nr_segs, 2);
        CHECK_EQ(p.entry, 0x2007ff);
        CHECK_EQ(p.highest, 0x200800);
    }
}

/* Xen takes the layout from the class and the mode from the notes: each
 * class with each x86 machine, and ET_DYN, plan the same way. */
static void test_class_machine(void)
{
    static const uint16_t machines[] = { 3, 62 };

    for (int is64 = 0; is64 < 2; is64++) {
        for (unsigned m = 0; m < 2; m++) {
            for (uint16_t type = 2; type <= 3; type++) {
                struct elf e;
                struct kimg_plan p;
                char err[200] = "";

                elf_std(&e, is64);
                w16(e.b + 16, type);
                w16(e.b + 18, machines[m]);
                CHECK_EQ(plan(&e, &p, err, sizeof(err)), 0);
                CHECK_EQ(p.format, is64 ? KIMG_ELF64_MB1 : KIMG_ELF32_MB1);
                CHECK_EQ(p.nr_segs, 1);
                CHECK_EQ(p.segs[0].gpa, 0x100000);
                CHECK_EQ(p.entry, 0x100040);
            }
        }
    }
}

/* p_vaddr (and any VIRT_BASE / PADDR_OFFSET note) plays no part: the
 * segments go to p_paddr. */
static void test_paddr_not_vaddr(void)
{
    for (int is64 = 0; is64 < 2; is64++) {
        struct elf e;
        struct kimg_plan p;
        char err[200] = "";
        uint64_t virt_base = is64 ? 0xffffffff80000000ull : 0xc0000000u;
        size_t n;

        elf_std(&e, is64);
        e.phnum = 1;
        n = note(&e, NOTE_A, "Xen", 4, 3, &virt_base, 8);       /* VIRT_BASE */
        n = note(&e, n, "Xen", 4, 4, &virt_base, 8);            /* PADDR_OFFSET */
        n = phys32(&e, n, 0x100040);
        add_ph(&e, 4, NOTE_A, 0, n - NOTE_A, n - NOTE_A);
        /* A vaddr that is nowhere near the paddr. */
        if (is64)
            w64(e.b + PH_OFF + 16, 0xffffffff81234000ull);
        else
            w32(e.b + PH_OFF + 8, 0xc1234000u);
        CHECK_EQ(plan(&e, &p, err, sizeof(err)), 0);
        CHECK_EQ(p.segs[0].gpa, 0x100000);
        CHECK_EQ(p.entry, 0x100040);
    }
}

/* Numeric notes of 1 and 2 bytes (an entry below 64 KiB) are read too. */
static void test_narrow_entry(void)
{
    for (int is64 = 0; is64 < 2; is64++) {
        struct elf e;
        struct kimg_plan p;
        char err[200] = "";
        uint16_t e16 = 0x8010;
        uint8_t e8 = 0x80;
        size_t n;

        memset(&e, 0, sizeof(e));
        e.is64 = is64;
        e.size = CODE + 0x1000;
        add_ph(&e, 1, CODE, 0x8000, 0x1000, 0x1000);
        n = note(&e, NOTE_A, "Xen", 4, 18, &e16, 2);
        add_ph(&e, 4, NOTE_A, 0, n - NOTE_A, n - NOTE_A);
        CHECK_EQ(plan(&e, &p, err, sizeof(err)), 0);
        CHECK_EQ(p.entry, 0x8010);
        e.phnum = 1;
        elf_hdr(&e);
        n = note(&e, NOTE_B, "Xen", 4, 18, &e8, 1);
        add_sh(&e, 7, NOTE_B, n - NOTE_B);
        EXPECT_FAIL(&e, "PHYS32 entry point 0x80 is not inside any loaded segment");
    }
}

/* fw_elf_plan (firmware_override): the same layout rules, the entry is
 * e_entry and notes play no part. */
static void set_e_entry(struct elf *e, uint64_t entry)
{
    if (e->is64)
        w64(e->b + 24, entry);
    else
        w32(e->b + 24, (uint32_t)entry);
}

static void test_firmware_entry(void)
{
    for (int is64 = 0; is64 < 2; is64++) {
        struct elf e;
        struct kimg_plan p;
        char err[200] = "";

        elf_std(&e, is64);
        set_e_entry(&e, 0x100080);
        CHECK_EQ(fw_elf_plan(e.b, e.size, MEM, &p, err, sizeof(err)), 0);
        CHECK_EQ(p.entry, 0x100080);            /* not the PHYS32 note's 0x100040 */
        CHECK_EQ(p.nr_segs, 1);
        CHECK_EQ(p.segs[0].gpa, 0x100000);
        CHECK_EQ(p.highest, 0x103000);
        /* No notes at all: still a firmware image. */
        e.phnum = 1;
        elf_hdr(&e);
        set_e_entry(&e, 0x102fff);              /* the last byte of the bss */
        CHECK_EQ(fw_elf_plan(e.b, e.size, MEM, &p, err, sizeof(err)), 0);
        CHECK_EQ(p.entry, 0x102fff);
        /* ...but not a PVH kernel. */
        CHECK_EQ(pvh_elf_plan(e.b, e.size, MEM, &p, err, sizeof(err)), -ENOEXEC);
        CHECK_CONTAINS(err, "no XEN_ELFNOTE_PHYS32_ENTRY note");
        /* An entry outside the loaded ranges (elf_hdr's virtual one), or above 4 GiB. */
        elf_hdr(&e);
        CHECK_EQ(fw_elf_plan(e.b, e.size, MEM, &p, err, sizeof(err)), -ENOEXEC);
        CHECK_CONTAINS(err, is64 ? "ELF entry point 0xffffffff81000000 is above 4 GiB"
                                 : "ELF entry point 0xc1000000 is not inside any loaded segment");
        set_e_entry(&e, 0x103000);              /* one past the end */
        CHECK_EQ(fw_elf_plan(e.b, e.size, MEM, &p, err, sizeof(err)), -ENOEXEC);
        CHECK_CONTAINS(err, "ELF entry point 0x103000 is not inside any loaded segment");
        CHECK(strncmp(err, "firmware: ", 10) == 0);     /* its own prefix, not "pvh: " */
        /* Segments beyond RAM fail as for PVH. */
        set_e_entry(&e, 0x100000);
        CHECK_EQ(fw_elf_plan(e.b, e.size, 0x101000, &p, err, sizeof(err)), -ENOEXEC);
    }
}

static void test_note_places(void)
{
    for (int is64 = 0; is64 < 2; is64++) {
        struct elf e;
        struct kimg_plan p;
        char err[200] = "";
        uint64_t v8 = 0x100010;
        size_t n;

        /* Only in a section. */
        memset(&e, 0, sizeof(e));
        e.is64 = is64;
        e.size = CODE + 0x1000;
        add_ph(&e, 1, CODE, 0x100000, 0x1000, 0x1000);
        n = phys32(&e, NOTE_B, 0x100020);
        add_sh(&e, 1, CODE, 0x1000);            /* PROGBITS: not looked at */
        add_sh(&e, 7, NOTE_B, n - NOTE_B);
        CHECK_EQ(plan(&e, &p, err, sizeof(err)), 0);
        CHECK_EQ(p.entry, 0x100020);

        /* A PT_NOTE without it, the section with it. */
        n = note(&e, NOTE_A, "Xen", 4, 6, "linux", 6);
        add_ph(&e, 4, NOTE_A, 0, n - NOTE_A, n - NOTE_A);
        CHECK_EQ(plan(&e, &p, err, sizeof(err)), 0);
        CHECK_EQ(p.entry, 0x100020);

        /* The segment's note wins over the section's. */
        phys32(&e, n, 0x100030);
        add_ph(&e, 4, n, 0, 20, 20);
        CHECK_EQ(plan(&e, &p, err, sizeof(err)), 0);
        CHECK_EQ(p.entry, 0x100030);

        /* Odd name sizes are padded to 4; an 8-byte value is accepted. */
        elf_std(&e, is64);
        n = note(&e, NOTE_A, "Linux", 6, 1, "abcde", 5);
        n = note(&e, n, "Xen", 4, 18, &v8, 8);
        add_ph(&e, 4, NOTE_A, 0, n - NOTE_A, n - NOTE_A);
        e.phnum = 1;
        add_ph(&e, 4, NOTE_A, 0, n - NOTE_A, n - NOTE_A);
        CHECK_EQ(plan(&e, &p, err, sizeof(err)), 0);
        CHECK_EQ(p.entry, 0x100010);

        /* The last note may end without its padding. */
        elf_std(&e, is64);
        e.phnum = 1;
        n = note(&e, NOTE_A, "Xen", 4, 5, "x", 1);
        add_ph(&e, 4, NOTE_A, 0, n - NOTE_A - 3, n - NOTE_A - 3);
        add_sh(&e, 7, NOTE_B, phys32(&e, NOTE_B, 0x100050) - NOTE_B);
        CHECK_EQ(plan(&e, &p, err, sizeof(err)), 0);
        CHECK_EQ(p.entry, 0x100050);
    }
}

static void test_note_errors(void)
{
    for (int is64 = 0; is64 < 2; is64++) {
        struct elf e;
        uint64_t big = 0x100000000ull;
        size_t n;

        elf_std(&e, is64);
        e.phnum = 1;
        elf_hdr(&e);
        EXPECT_FAIL(&e, "no XEN_ELFNOTE_PHYS32_ENTRY note");

        /* Wrong owner, owner without its NUL, wrong type: not the note. */
        elf_std(&e, is64);
        e.phnum = 1;
        n = note(&e, NOTE_A, "Linux", 6, 18, "\x40\x00\x10\x00", 4);
        n = note(&e, n, "Xen", 3, 18, "\x40\x00\x10\x00", 4);
        n = note(&e, n, "Xen", 4, 17, "\x40\x00\x10\x00", 4);
        add_ph(&e, 4, NOTE_A, 0, n - NOTE_A, n - NOTE_A);
        EXPECT_FAIL(&e, "no XEN_ELFNOTE_PHYS32_ENTRY note");

        elf_std(&e, is64);
        e.phnum = 1;
        n = note(&e, NOTE_A, "Xen", 4, 18, &big, 8);
        add_ph(&e, 4, NOTE_A, 0, n - NOTE_A, n - NOTE_A);
        EXPECT_FAIL(&e, "above 4 GiB");

        elf_std(&e, is64);
        e.phnum = 1;
        n = note(&e, NOTE_A, "Xen", 4, 18, &big, 3);
        add_ph(&e, 4, NOTE_A, 0, n - NOTE_A, n - NOTE_A);
        EXPECT_FAIL(&e, "3-byte value");

        /* A name past the end of the file: malformed. */
        elf_std(&e, is64);
        w32(e.b + NOTE_A, 0xfffffffdu);
        EXPECT_FAIL(&e, "malformed ELF note");
        /* Descriptors past the note area are read from the file, as Xen's
         * libelf does; the walk then ends (the next note would start past
         * the area), so the PHYS32_ENTRY note after them is not seen. */
        elf_std(&e, is64);
        w32(e.b + NOTE_A + 4, 0x7fffffffu);
        EXPECT_FAIL(&e, "no XEN_ELFNOTE_PHYS32_ENTRY note");
        elf_std(&e, is64);
        w32(e.b + NOTE_A + 4, 21);              /* descriptor one byte past the area */
        e.phnum = 1;
        add_ph(&e, 4, NOTE_A, 0, 12 + 4 + 20, 12 + 4 + 20);
        EXPECT_FAIL(&e, "no XEN_ELFNOTE_PHYS32_ENTRY note");
        /* The PHYS32_ENTRY note's value outside its note area (the area
         * ends after the name) but in the file: read, as Xen reads it. */
        elf_std(&e, is64);
        e.phnum = 1;
        n = phys32(&e, NOTE_A, 0x100070);
        add_ph(&e, 4, NOTE_A, 0, 12 + 4, 12 + 4);
        {
            struct kimg_plan p;
            char err[200] = "";
            CHECK_EQ(plan(&e, &p, err, sizeof(err)), 0);
            CHECK_EQ(p.entry, 0x100070);
        }
        /* Its value cut by the end of the file (Xen would read 0): refused. */
        elf_std(&e, is64);
        e.phnum = 1;
        e.size = CODE + 0x1000;
        n = phys32(&e, e.size - 16 - 2, 0x100070);
        add_ph(&e, 4, e.size - 16 - 2, 0, 18, 18);
        EXPECT_FAIL(&e, "XEN_ELFNOTE_PHYS32_ENTRY's value is cut by the end of the file (2 of its bytes there)");
        /* A header cut by the end of the file. */
        elf_std(&e, is64);
        e.phnum = 1;
        add_ph(&e, 4, e.size - 8, 0, 8, 8);
        EXPECT_FAIL(&e, "header cut by the end of the");
        elf_std(&e, is64);
        e.phnum = 1;
        add_ph(&e, 4, NOTE_A, 0, 11, 11);       /* too short for a note header: none there */
        EXPECT_FAIL(&e, "no XEN_ELFNOTE_PHYS32_ENTRY");

        /* Note areas outside the file. */
        elf_std(&e, is64);
        e.phnum = 1;
        add_ph(&e, 4, e.size - 8, 0, 16, 16);
        EXPECT_FAIL(&e, "note segment 1");
        elf_std(&e, is64);
        e.phnum = 1;
        add_sh(&e, 7, 0x100, e.size);
        EXPECT_FAIL(&e, "note section 1");
        elf_std(&e, is64);
        e.phnum = 1;
        add_sh(&e, 7, NOTE_A, 0x10);
        w16(e.b + (is64 ? 58 : 46), 16);
        EXPECT_FAIL(&e, "section header size 16");
        elf_std(&e, is64);
        e.phnum = 1;
        add_sh(&e, 7, NOTE_A, 0x10);
        w16(e.b + (is64 ? 60 : 48), 0xffff);
        EXPECT_FAIL(&e, "section headers");

        /* Entry outside the loaded segments (in the hole-free RAM but not loaded). */
        elf_std(&e, is64);
        phys32(&e, NOTE_A + 12 + 4 + 20 + 12 + 4 + 8, 0x103000);
        EXPECT_FAIL(&e, "not inside any loaded segment");
    }
}

static void test_header_errors(void)
{
    for (int is64 = 0; is64 < 2; is64++) {
        struct elf e;

        elf_std(&e, is64);
        e.b[0] = 0x7e;
        EXPECT_FAIL(&e, "not an ELF file");
        elf_std(&e, is64);
        e.b[4] = 3;
        EXPECT_FAIL(&e, "class 3");
        elf_std(&e, is64);
        e.b[5] = 2;
        EXPECT_FAIL(&e, "little-endian");
        elf_std(&e, is64);
        e.b[6] = 0;
        EXPECT_FAIL(&e, "version 0");
        elf_std(&e, is64);
        w16(e.b + 16, 1);
        EXPECT_FAIL(&e, "ELF type 1 is neither");
        elf_std(&e, is64);
        w16(e.b + 16, 4);
        EXPECT_FAIL(&e, "ELF type 4 is neither");
        elf_std(&e, is64);
        w16(e.b + 18, 40);
        EXPECT_FAIL(&e, is64 ? "ELF64 e_machine 40 is neither i386 (3) nor x86-64 (62)"
                             : "ELF32 e_machine 40 is neither i386 (3) nor x86-64 (62)");
        elf_std(&e, is64);
        w16(e.b + 18, 0);
        EXPECT_FAIL(&e, "e_machine 0");
        elf_std(&e, is64);
        e.size = is64 ? 63 : 51;
        EXPECT_FAIL(&e, "header truncated");
        elf_std(&e, is64);
        w16(e.b + (is64 ? 56 : 44), 0);
        EXPECT_FAIL(&e, "no program headers");
        elf_std(&e, is64);
        w16(e.b + (is64 ? 54 : 42), 8);
        EXPECT_FAIL(&e, "program header size 8");
        elf_std(&e, is64);
        w16(e.b + (is64 ? 56 : 44), 0x7fff);
        EXPECT_FAIL(&e, "extend past");
        elf_std(&e, is64);
        w32(e.b + PH_OFF, 6);                   /* the PT_LOAD becomes PT_PHDR */
        EXPECT_FAIL(&e, "no loadable");
    }
}

static void test_segment_errors(void)
{
    for (int is64 = 0; is64 < 2; is64++) {
        struct elf e;

        elf_std(&e, is64);
        add_ph(&e, 1, CODE, 0x300000, 0x2000, 0x2000);   /* past the file */
        EXPECT_FAIL(&e, "segment 2 (0x2000 bytes at file offset 0x1000) extends past");
        elf_std(&e, is64);
        add_ph(&e, 1, CODE, 0x300000, 0x200, 0x100);
        EXPECT_FAIL(&e, "larger than its memory size");
        elf_std(&e, is64);
        add_ph(&e, 1, CODE, MEM - 0x100, 0x100, 0x101);
        EXPECT_FAIL(&e, "is beyond the guest's");
        elf_std(&e, is64);
        add_ph(&e, 1, CODE, 0x9f000, 0x100, 0x1001);
        EXPECT_FAIL(&e, "VGA/BIOS hole");
        elf_std(&e, is64);
        add_ph(&e, 1, CODE, 0xff000, 0x100, 0x1000);
        CHECK_EQ(plan(&e, &(struct kimg_plan){ 0 }, (char[200]){ 0 }, 200), -ENOEXEC);
        elf_std(&e, is64);
        add_ph(&e, 1, CODE, 0x102fff, 0x100, 0x100);
        EXPECT_FAIL(&e, "overlaps segment 0");
        if (is64) {
            elf_std(&e, is64);
            add_ph(&e, 1, CODE, 0xfffffffffffff000ull, 0x100, 0x2000);
            EXPECT_FAIL(&e, "wraps around");
        }
        elf_std(&e, is64);
        for (unsigned i = 0; i < KIMG_MAX_SEGS; i++)
            add_ph(&e, 1, CODE, 0x200000 + i * 0x1000, 0x10, 0x10);
        EXPECT_FAIL(&e, "more than 16 loadable segments");
        /* Exactly KIMG_MAX_SEGS is fine. */
        elf_std(&e, is64);
        for (unsigned i = 0; i < KIMG_MAX_SEGS - 1; i++)
            add_ph(&e, 1, CODE, 0x200000 + i * 0x1000, 0x10, 0x10);
        CHECK_EQ(plan(&e, &(struct kimg_plan){ 0 }, (char[200]){ 0 }, 200), 0);
    }
}

/* Every truncation of a valid image is refused without reading past it. */
static void test_truncations(void)
{
    for (int is64 = 0; is64 < 2; is64++) {
        struct elf e;
        size_t full, n;

        elf_std(&e, is64);
        full = e.size;
        for (n = 0; n < full; n++) {
            e.size = n;
            CHECK_EQ(plan(&e, &(struct kimg_plan){ 0 }, (char[200]){ 0 }, 200), -ENOEXEC);
        }
    }
}

/* ---- bzImage payload ---- */

static size_t bz(uint8_t *b, size_t size, uint16_t version, uint8_t sects, uint32_t poff, uint32_t plen)
{
    memset(b, 0, size);
    b[0x1f1] = sects;
    b[0x1fe] = 0x55;
    b[0x1ff] = 0xaa;
    memcpy(b + 0x202, "HdrS", 4);
    w16(b + 0x206, version);
    w32(b + 0x248, poff);
    w32(b + 0x24c, plen);
    return size;
}

static void test_bzimage(void)
{
    static uint8_t b[0x2000];
    const void *pl = NULL;
    size_t len = 0;
    char err[200];

    bz(b, sizeof(b), 0x020f, 3, 0x100, 0x200);
    CHECK_EQ(pvh_bzimage_payload(b, sizeof(b), &pl, &len, err, sizeof(err)), 0);
    CHECK(pl == b + 4 * 512 + 0x100);
    CHECK_EQ(len, 0x200);
    bz(b, sizeof(b), 0x0208, 0, 0x10, sizeof(b) - 5 * 512 - 0x10);     /* setup_sects 0 means 4; to the end */
    CHECK_EQ(pvh_bzimage_payload(b, sizeof(b), &pl, &len, err, sizeof(err)), 0);
    CHECK(pl == b + 5 * 512 + 0x10);
    CHECK_EQ(len, sizeof(b) - 5 * 512 - 0x10);

    bz(b, sizeof(b), 0x0208, 0, 0x10, sizeof(b) - 5 * 512 - 0x10 + 1);
    CHECK_EQ(pvh_bzimage_payload(b, sizeof(b), &pl, &len, err, sizeof(err)), -ENOEXEC);
    CHECK_CONTAINS(err, "extends past");
    bz(b, sizeof(b), 0x020f, 20, 0, 1);                                 /* setup past the file */
    CHECK_EQ(pvh_bzimage_payload(b, sizeof(b), &pl, &len, err, sizeof(err)), -ENOEXEC);
    bz(b, sizeof(b), 0x020f, 3, 0xfffffff0u, 0x20);
    CHECK_EQ(pvh_bzimage_payload(b, sizeof(b), &pl, &len, err, sizeof(err)), -ENOEXEC);
    bz(b, sizeof(b), 0x020f, 3, 0x100, 0);
    CHECK_EQ(pvh_bzimage_payload(b, sizeof(b), &pl, &len, err, sizeof(err)), -ENOEXEC);
    CHECK_CONTAINS(err, "no payload");
    bz(b, sizeof(b), 0x0207, 3, 0x100, 0x200);
    CHECK_EQ(pvh_bzimage_payload(b, sizeof(b), &pl, &len, err, sizeof(err)), -ENOEXEC);
    CHECK_CONTAINS(err, "2.07");
    bz(b, sizeof(b), 0x020f, 3, 0x100, 0x200);
    CHECK_EQ(pvh_bzimage_payload(b, 0x24f, &pl, &len, err, sizeof(err)), -ENOEXEC);
    CHECK_CONTAINS(err, "too short");

    /* Not a bzImage at all. */
    CHECK_EQ(pvh_bzimage_payload(b, 0x200, &pl, &len, err, sizeof(err)), -ENOENT);
    b[0x1fe] = 0;
    CHECK_EQ(pvh_bzimage_payload(b, sizeof(b), &pl, &len, err, sizeof(err)), -ENOENT);
    bz(b, sizeof(b), 0x020f, 3, 0x100, 0x200);
    b[0x205] = 'T';
    CHECK_EQ(pvh_bzimage_payload(b, sizeof(b), &pl, &len, err, sizeof(err)), -ENOENT);
    CHECK_EQ(pvh_bzimage_payload(NULL, 0, &pl, &len, err, sizeof(err)), -ENOENT);
    {
        struct elf e;

        elf_std(&e, true);
        CHECK_EQ(pvh_bzimage_payload(e.b, e.size, &pl, &len, NULL, 0), -ENOENT);
    }
}

/* ---- bzImages made by gen_decomp_vectors.py: xz (x86 BCJ, CRC32, Linux's
 * size trailer) around an ELF64 and gzip around an ELF32 ---- */

static void test_synthetic_bz(const char *dir)
{
    static const char *const names[] = { "pvh_bz_xz", "pvh_bz_gz" };
    static uint64_t work[DECOMP_WORK_SIZE / 8];

    for (unsigned i = 0; i < 2; i++) {
        char path[1024], err[200] = "";
        const void *pl;
        size_t size, len, olen;
        uint64_t usize = 0;
        uint8_t *img, *out;
        struct kimg_plan p;
        FILE *f;
        long n;

        snprintf(path, sizeof(path), "%s/%s.bin", dir, names[i]);
        f = fopen(path, "rb");
        CHECK(f != NULL);
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        size = (size_t)n;
        img = malloc(size);
        CHECK(fread(img, 1, size, f) == size);
        fclose(f);
        CHECK_EQ(pvh_bzimage_payload(img, size, &pl, &len, err, sizeof(err)), 0);
        CHECK_EQ(decomp_detect(pl, len), i == 0 ? DECOMP_XZ : DECOMP_GZIP);
        CHECK_EQ(decomp_size(pl, len, &usize), 0);
        CHECK(usize > 0 && usize < 0x10000);
        out = malloc(usize);
        CHECK_EQ(decomp_run(pl, len, out, usize, &olen, work, err, sizeof(err)), 0);
        CHECK_EQ(olen, usize);
        CHECK_EQ(pvh_elf_plan(out, olen, MEM, &p, err, sizeof(err)), 0);
        CHECK_EQ(p.format, i == 0 ? KIMG_ELF64_MB1 : KIMG_ELF32_MB1);
        CHECK_EQ(p.entry, 0x100000);
        CHECK_EQ(p.nr_segs, 1);
        CHECK_EQ(p.segs[0].gpa, 0x100000);
        CHECK_EQ(p.segs[0].mem_size, 0x1200);
        free(out);
        free(img);
    }
}

/* ---- a real kernel ---- */

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void test_real_kernel(const char *path)
{
    static uint64_t work[DECOMP_WORK_SIZE / 8];
    FILE *f = path ? fopen(path, "rb") : NULL;
    uint8_t *img, *out;
    const void *pl;
    size_t size, len, olen;
    uint64_t usize = 0;
    struct kimg_plan p;
    char err[200] = "";
    double t0, t1;
    long n;

    if (!f) {
        printf("  SKIP real kernel: %s not found\n", path ? path : "(no path given)");
        return;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    size = (size_t)n;
    img = malloc(size);
    CHECK(fread(img, 1, size, f) == size);
    fclose(f);

    CHECK_EQ(pvh_bzimage_payload(img, size, &pl, &len, err, sizeof(err)), 0);
    CHECK(decomp_detect(pl, len) != DECOMP_NONE);
    CHECK_EQ(decomp_size(pl, len, &usize), 0);
    CHECK(usize > len && usize < (1ull << 31));
    out = malloc(usize ? usize : 1);
    t0 = now();
    CHECK_EQ(decomp_run(pl, len, out, usize, &olen, work, err, sizeof(err)), 0);
    t1 = now();
    CHECK_EQ(olen, usize);
    printf("  %s: %s payload %zu -> %zu bytes in %.3f s (%.1f MB/s output, this build)\n", path,
           decomp_format_name(decomp_detect(pl, len)), len, olen, t1 - t0, (double)olen / (t1 - t0) / 1e6);
    if (err[0])
        printf("  error: %s\n", err);

    CHECK_EQ(pvh_elf_plan(out, olen, 1ull << 30, &p, err, sizeof(err)), 0);
    if (err[0])
        printf("  error: %s\n", err);
    CHECK_EQ(p.format, KIMG_ELF64_MB1);
    CHECK(p.nr_segs >= 1 && p.entry >= p.lowest && p.entry < p.highest);
    printf("  PHYS32 entry 0x%llx, %u PT_LOAD segments:\n", (unsigned long long)p.entry, p.nr_segs);
    for (unsigned i = 0; i < p.nr_segs; i++)
        printf("    [0x%llx, 0x%llx) from file 0x%llx (+0x%llx)\n", (unsigned long long)p.segs[i].gpa,
               (unsigned long long)(p.segs[i].gpa + p.segs[i].mem_size), (unsigned long long)p.segs[i].file_off,
               (unsigned long long)p.segs[i].file_size);
    /* One byte short of output: refused. */
    CHECK_EQ(decomp_run(pl, len, out, usize - 1, &olen, work, err, sizeof(err)), -E2BIG);
    free(out);
    free(img);
}

#define RUN_ARG(fn, arg) do {                                                    \
        int before_ = t_failures;                                                \
        fn(arg);                                                                 \
        printf("%-40s %s\n", #fn, t_failures == before_ ? "ok" : "FAILED");      \
    } while (0)

int main(int argc, char **argv)
{
    RUN(test_valid);
    RUN(test_class_machine);
    RUN(test_paddr_not_vaddr);
    RUN(test_narrow_entry);
    RUN(test_note_places);
    RUN(test_firmware_entry);
    RUN(test_note_errors);
    RUN(test_header_errors);
    RUN(test_segment_errors);
    RUN(test_truncations);
    RUN(test_bzimage);
    if (argc > 2)
        RUN_ARG(test_synthetic_bz, argv[2]);
    else
        printf("  SKIP synthetic bzImages: no vector directory given\n");
    test_real_kernel(argc > 1 ? argv[1] : NULL);
    printf("%-40s %s\n", "test_real_kernel", t_failures ? "FAILED" : "ok");
    return t_finish("unit_pvh_image");
}
