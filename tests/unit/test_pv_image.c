/*
 * PV kernel images (src/pv/pv_image.c): synthetic ELF64/ELF32 kernels with
 * Xen notes, each rule refused with its reason, and, when it is on this
 * machine, Debian's real kernel (argv[1], a bzImage: payload decompressed
 * and read as a PV kernel; SKIP when absent).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv/pv_image.h"
#include "image/bzpayload.h"
#include "lib/decompress.h"
#include "lib/errno.h"
#include "public/elfnote.h"
#include "public/features.h"
#include "test.h"
#include "elfwrite.h"

static struct elf e;
static size_t notes_end;

/* A 64-bit Linux-like PV kernel: text at paddr 0x1000000 (p_vaddr =
 * 0xffffffff81000000), VIRT_BASE 0xffffffff80000000, PADDR_OFFSET 0,
 * entry and hypercall page inside. */
static void base64(void)
{
    uint64_t vb = 0xffffffff80000000ull, po = 0, entry = 0xffffffff81000040ull, hc = 0xffffffff81001000ull;

    memset(&e, 0, sizeof(e));
    e.is64 = true;
    add_ph(&e, 1, CODE, 0x1000000, 0x2000, 0x3000);
    add_ph(&e, 4, NOTE_A, 0, 0x200, 0x200);
    size_t n = note(&e, NOTE_A, "Xen", 4, XEN_ELFNOTE_GUEST_OS, "linux", 6);
    n = note(&e, n, "Xen", 4, XEN_ELFNOTE_XEN_VERSION, "xen-3.0", 8);
    n = note(&e, n, "Xen", 4, XEN_ELFNOTE_VIRT_BASE, &vb, 8);
    n = note(&e, n, "Xen", 4, XEN_ELFNOTE_PADDR_OFFSET, &po, 8);
    n = note(&e, n, "Xen", 4, XEN_ELFNOTE_ENTRY, &entry, 8);
    n = note(&e, n, "Xen", 4, XEN_ELFNOTE_HYPERCALL_PAGE, &hc, 8);
    n = note(&e, n, "Xen", 4, XEN_ELFNOTE_FEATURES, "!writable_page_tables|pae_pgdir_above_4gb", 42);
    notes_end = n;
    e.size = CODE + 0x2000;
}

static int parse(struct pv_image *p, char *err, size_t len)
{
    /* The note segment covers whatever notes were appended. */
    uint8_t *ph = e.b + PH_OFF + phsz(&e);
    w64(ph + 32, notes_end - NOTE_A);
    w64(ph + 40, notes_end - NOTE_A);
    err[0] = 0;
    return pv_image_parse(e.b, e.size, p, err, len);
}

static void expect_refused(const char *what, const char *needle)
{
    struct pv_image p;
    char err[200];
    int rc = parse(&p, err, sizeof(err));
    CHECK_EQ(rc, -ENOEXEC);
    if (rc != -ENOEXEC || !strstr(err, needle)) {
        fprintf(stderr, "%s: rc %d, reason '%s' (want '%s')\n", what, rc, err, needle);
        t_failures++;
    }
}

static void test_linux64(void)
{
    struct pv_image p;
    char err[200];

    base64();
    CHECK_EQ(parse(&p, err, sizeof(err)), 0);
    if (err[0])
        fprintf(stderr, "linux64: %s\n", err);
    CHECK(p.is64);
    CHECK_STR(p.guest_os, "linux");
    CHECK_EQ(p.virt_kstart, 0xffffffff81000000ull);
    CHECK_EQ(p.virt_kend, 0xffffffff81003000ull);
    CHECK_EQ(p.virt_entry, 0xffffffff81000040ull);
    CHECK_EQ(p.virt_hypercall, 0xffffffff81001000ull);
    CHECK_EQ(p.f_required, 1u << XENFEAT_writable_page_tables);
    CHECK_EQ(p.f_supported, (1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_pae_pgdir_above_4gb));
    CHECK_EQ(p.init_p2m, PV_UNSET);
    CHECK(!p.mod_start_pfn);

    /* Optional notes. */
    uint64_t p2m = 0xffffc90000000000ull, one = 1, sup = 1u << XENFEAT_gnttab_map_avail_bits;
    size_t n = note(&e, notes_end, "Xen", 4, XEN_ELFNOTE_INIT_P2M, &p2m, 8);
    n = note(&e, n, "Xen", 4, XEN_ELFNOTE_MOD_START_PFN, &one, 4);
    n = note(&e, n, "Xen", 4, XEN_ELFNOTE_SUPPORTED_FEATURES, &sup, 4);
    notes_end = n;
    CHECK_EQ(parse(&p, err, sizeof(err)), 0);
    CHECK_EQ(p.init_p2m, p2m);
    CHECK(p.mod_start_pfn);
    CHECK(p.f_supported & (1u << XENFEAT_gnttab_map_avail_bits));

    /* No ENTRY note: e_entry (0xffffffff81000000 in the writer). */
    base64();
    memset(e.b + NOTE_A, 0, 0x200);
    size_t m = note(&e, NOTE_A, "Xen", 4, XEN_ELFNOTE_GUEST_OS, "linux", 6);
    m = note(&e, m, "Xen", 4, XEN_ELFNOTE_XEN_VERSION, "xen-3.0", 8);
    uint64_t vb = 0xffffffff80000000ull;
    m = note(&e, m, "Xen", 4, XEN_ELFNOTE_VIRT_BASE, &vb, 8);
    notes_end = m;
    CHECK_EQ(parse(&p, err, sizeof(err)), 0);
    CHECK_EQ(p.virt_entry, 0xffffffff81000000ull);
    CHECK_EQ(p.virt_hypercall, PV_UNSET);
}

static void test_refusals(void)
{
    uint64_t v;

    base64();
    memset(e.b + NOTE_A, 0, 0x200);
    notes_end = NOTE_A + 12;    /* one empty, non-Xen note area */
    expect_refused("no notes", "no Xen ELF notes");

    base64();
    memcpy(e.b + NOTE_A + 16, "bsd\0\0", 6);      /* GUEST_OS "bsd", no LOADER */
    expect_refused("guest os", "only Linux or the generic loader");

    base64();
    memcpy(e.b + NOTE_A + 16 + 8 + 16, "xen-2.0", 7);
    expect_refused("xen version", "xen-3.0");

    base64();
    notes_end = note(&e, notes_end, "Xen", 4, XEN_ELFNOTE_LOADER, "0123456789012345678901234567890123456789", 40);
    expect_refused("long string", "LOADER is 40 characters long");

    base64();
    /* The FEATURES note is the last: replace it with an unknown name. */
    notes_end -= 12 + 4 + 44;
    notes_end = note(&e, notes_end, "Xen", 4, XEN_ELFNOTE_FEATURES, "!teleport|writable_page_tables", 31);
    expect_refused("unknown feature", "unknown feature 'teleport'");

    base64();
    v = 0xffffffff82000000ull;
    notes_end = note(&e, notes_end, "Xen", 4, XEN_ELFNOTE_ENTRY, &v, 8);    /* the first ENTRY note wins */
    {
        struct pv_image p;
        char err[200];
        CHECK_EQ(parse(&p, err, sizeof(err)), 0);
    }
    base64();
    /* Entry outside: rewrite the ENTRY note's value (after GUEST_OS, XEN_VERSION, VIRT_BASE, PADDR_OFFSET). */
    size_t ent = NOTE_A + (12 + 4 + 8) + (12 + 4 + 8) + (12 + 4 + 8) + (12 + 4 + 8) + 16;
    w64(e.b + ent, 0xffffffff80000000ull);
    expect_refused("entry outside", "entry 0xffffffff80000000 is outside");
    base64();
    w64(e.b + ent + 24, 0xffffffff81000800ull);       /* hypercall page not page-aligned */
    expect_refused("hypercall page", "hypercall page");

    /* VIRT_BASE placing the kernel in the hypervisor's range or off canonical. */
    base64();
    w64(e.b + NOTE_A + 24 + 24 + 16, 0xffff800000000000ull - 0x1000000);
    w64(e.b + ent, 0xffff800000000040ull);
    w64(e.b + ent + 24, 0xffff800000001000ull);
    expect_refused("hypervisor range", "overlaps the hypervisor's range");
    base64();
    w64(e.b + NOTE_A + 24 + 24 + 16, 0x0000800000000000ull - 0x1000000);
    w64(e.b + ent, 0x0000800000000040ull);
    w64(e.b + ent + 24, 0x0000800000001000ull);
    expect_refused("non-canonical", "not canonical");

    /* A malformed note area and a bad PAE string. */
    base64();
    w32(e.b + NOTE_A, 0x7fffffff);              /* a name past the end of the file */
    expect_refused("bad note", "malformed ELF note");
    base64();
    notes_end = note(&e, notes_end, "Xen", 4, XEN_ELFNOTE_PAE_MODE, "maybe", 6);
    expect_refused("pae", "PAE_MODE \"maybe\"");
}

static void test_i386(void)
{
    struct pv_image p;
    char err[200];

    memset(&e, 0, sizeof(e));
    add_ph(&e, 1, CODE, 0x100000, 0x2000, 0x3000);      /* p_vaddr 0xc0100000 */
    add_ph(&e, 4, NOTE_A, 0, 0x200, 0x200);
    uint32_t vb = 0xc0000000u, po = 0, entry = 0xc0100000u;
    size_t n = note(&e, NOTE_A, "Xen", 4, XEN_ELFNOTE_GUEST_OS, "linux", 6);
    n = note(&e, n, "Xen", 4, XEN_ELFNOTE_XEN_VERSION, "xen-3.0", 8);
    n = note(&e, n, "Xen", 4, XEN_ELFNOTE_VIRT_BASE, &vb, 4);
    n = note(&e, n, "Xen", 4, XEN_ELFNOTE_PADDR_OFFSET, &po, 4);
    n = note(&e, n, "Xen", 4, XEN_ELFNOTE_ENTRY, &entry, 4);
    notes_end = n;
    e.size = CODE + 0x2000;
    uint8_t *ph = e.b + PH_OFF + phsz(&e);
    w32(ph + 16, (uint32_t)(notes_end - NOTE_A));
    w32(ph + 20, (uint32_t)(notes_end - NOTE_A));
    CHECK_EQ(pv_image_parse(e.b, e.size, &p, err, sizeof(err)), -ENOEXEC);
    CHECK(strstr(err, "PAE") != NULL);                  /* 32-bit PV needs PAE on a 64-bit hypervisor */
    notes_end = note(&e, notes_end, "Xen", 4, XEN_ELFNOTE_PAE_MODE, "yes", 4);
    w32(ph + 16, (uint32_t)(notes_end - NOTE_A));
    w32(ph + 20, (uint32_t)(notes_end - NOTE_A));
    err[0] = 0;
    CHECK_EQ(pv_image_parse(e.b, e.size, &p, err, sizeof(err)), 0);
    if (err[0])
        fprintf(stderr, "i386: %s\n", err);
    CHECK(!p.is64);
    CHECK_EQ(p.virt_kstart, 0xc0100000u);       /* p_paddr 0x100000 + VIRT_BASE - PADDR_OFFSET */
    CHECK_EQ(p.pae, PV_PAE_EXTENDED_CR3);

    /* Debian's i386-xen GRUB: the last note (PAE_MODE, descsz 12) is cut
     * to 8 bytes by the end of the note segment, which is the end of the
     * file; "yes" and its NUL are there.  Xen's libelf reads the string
     * from the file and accepts the image; so does the parser.  The notes
     * again, after the code, at the end of the file: */
    size_t at = CODE + 0x2000;
    n = note(&e, at, "Xen", 4, XEN_ELFNOTE_GUEST_OS, "linux", 6);
    n = note(&e, n, "Xen", 4, XEN_ELFNOTE_XEN_VERSION, "xen-3.0", 8);
    n = note(&e, n, "Xen", 4, XEN_ELFNOTE_VIRT_BASE, &vb, 4);
    n = note(&e, n, "Xen", 4, XEN_ELFNOTE_PADDR_OFFSET, &po, 4);
    n = note(&e, n, "Xen", 4, XEN_ELFNOTE_ENTRY, &entry, 4);
    size_t last = n;
    note(&e, last, "Xen", 4, XEN_ELFNOTE_PAE_MODE, "yes\0\0\0\0\0", 8);
    w32(e.b + last + 4, 12);
    e.size = last + 12 + 4 + 8;
    w32(ph + 4, (uint32_t)at);
    w32(ph + 16, (uint32_t)(e.size - at));
    w32(ph + 20, (uint32_t)(e.size - at));
    err[0] = 0;
    CHECK_EQ(pv_image_parse(e.b, e.size, &p, err, sizeof(err)), 0);
    CHECK_EQ(p.pae, PV_PAE_EXTENDED_CR3);
    CHECK_EQ(p.virt_entry, 0xc0100000u);
    /* The same cut through a number (HYPERCALL_PAGE's 4 bytes, 2 there):
     * refused (Xen's libelf would take 0, a value the kernel never wrote). */
    uint32_t hc = 0xc0101000u;
    n = note(&e, last, "Xen", 4, XEN_ELFNOTE_PAE_MODE, "yes", 4);
    note(&e, n, "Xen", 4, XEN_ELFNOTE_HYPERCALL_PAGE, &hc, 4);
    e.size = n + 12 + 4 + 2;
    w32(ph + 16, (uint32_t)(e.size - at));
    w32(ph + 20, (uint32_t)(e.size - at));
    CHECK_EQ(pv_image_parse(e.b, e.size, &p, err, sizeof(err)), -ENOEXEC);
    CHECK(strstr(err, "XEN_ELFNOTE_HYPERCALL_PAGE's value is cut by the end of the file (2 of its bytes there)") !=
          NULL);
    e.size += 2;                                        /* the whole value: accepted */
    w32(ph + 16, (uint32_t)(e.size - at));
    w32(ph + 20, (uint32_t)(e.size - at));
    CHECK_EQ(pv_image_parse(e.b, e.size, &p, err, sizeof(err)), 0);
    CHECK_EQ(p.virt_hypercall, 0xc0101000u);
}

static void test_real_kernel(const char *path)
{
    static uint64_t work[DECOMP_WORK_SIZE / 8];
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f) {
        printf("  SKIP real kernel: %s not found\n", path ? path : "(no path given)");
        return;
    }
    fseek(f, 0, SEEK_END);
    size_t size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *img = malloc(size);
    CHECK(fread(img, 1, size, f) == size);
    fclose(f);
    const void *pl;
    size_t len, olen;
    uint64_t usize = 0;
    char err[200] = "";
    CHECK_EQ(bzpayload_find(img, size, &pl, &len, err, sizeof(err)), 0);
    CHECK_EQ(decomp_size(pl, len, &usize), 0);
    uint8_t *out = malloc(usize ? usize : 1);
    CHECK_EQ(decomp_run(pl, len, out, usize, &olen, work, err, sizeof(err)), 0);
    struct pv_image p;
    CHECK_EQ(pv_image_parse(out, olen, &p, err, sizeof(err)), 0);
    if (err[0])
        fprintf(stderr, "real kernel: %s\n", err);
    CHECK(p.is64);
    CHECK_STR(p.guest_os, "linux");
    /* Debian's kernel since the XSA-466 fixes has no HYPERCALL_PAGE note
     * (it makes its own); it asks for its p2m at INIT_P2M and can take its
     * initrd by frame number. */
    CHECK(p.init_p2m != PV_UNSET);
    CHECK(p.virt_entry >= p.virt_kstart && p.virt_entry < p.virt_kend);
    CHECK(p.f_required & (1u << XENFEAT_writable_page_tables));
    printf("  %s: GUEST_OS %s, XEN_VERSION %s, LOADER %s, kernel 0x%llx-0x%llx, entry 0x%llx, hypercall page "
           "0x%llx, VIRT_BASE 0x%llx, PADDR_OFFSET 0x%llx, INIT_P2M 0x%llx, MOD_START_PFN %d, features "
           "required 0x%x supported 0x%x\n",
           path, p.guest_os, p.xen_version, p.loader, (unsigned long long)p.virt_kstart,
           (unsigned long long)p.virt_kend, (unsigned long long)p.virt_entry, (unsigned long long)p.virt_hypercall,
           (unsigned long long)p.virt_base, (unsigned long long)p.paddr_offset, (unsigned long long)p.init_p2m,
           p.mod_start_pfn, p.f_required, p.f_supported);
    free(out);
    free(img);
}

/* The fuzz harness's seeds: the valid 64-bit image, and one with every
 * optional note. */
static int write_seeds(const char *dir)
{
    char path[512];
    struct pv_image p;
    char err[200];

    for (int i = 0; i < 2; i++) {
        base64();
        if (i) {
            uint64_t p2m = 0xffffc90000000000ull, one = 1;
            notes_end = note(&e, notes_end, "Xen", 4, XEN_ELFNOTE_INIT_P2M, &p2m, 8);
            notes_end = note(&e, notes_end, "Xen", 4, XEN_ELFNOTE_MOD_START_PFN, &one, 4);
            notes_end = note(&e, notes_end, "Xen", 4, XEN_ELFNOTE_PAE_MODE, "yes", 4);
        }
        if (parse(&p, err, sizeof(err)))
            return 1;
        snprintf(path, sizeof(path), "%s/pv64_%d.elf", dir, i);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(e.b, 1, e.size, f) != e.size)
            return 1;
        fclose(f);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "--seeds"))
        return write_seeds(argv[2]);
    test_linux64();
    test_refusals();
    test_i386();
    test_real_kernel(argc > 1 ? argv[1] : NULL);
    printf("pv_image: %d checks, %d failures\n", t_checks, t_failures);
    return t_failures != 0;
}
