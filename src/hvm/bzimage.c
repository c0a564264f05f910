/*
 * The Linux x86 boot protocol for HVM guests (see bzimage.h).  Field
 * offsets and meanings: Documentation/x86/boot.rst ("THE REAL-MODE KERNEL
 * HEADER", "DETAILS OF HEADER FIELDS", "64-bit BOOT PROTOCOL") and
 * Documentation/x86/zero-page.rst.
 *
 * The image is untrusted: fields are read through memcpy after the header's
 * extent has been checked against the file size, and every sum that could
 * wrap is checked before it is formed (sizes are widened to 64 bits first).
 */
#include "hvm/bzimage.h"
#include "lib/unaligned.h"

#include <stdarg.h>

#include "lib/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define PAGE            4096ull
#define MIB             (1ull << 20)
#define GIB             (1ull << 30)
#define ENTRY64_OFF     0x200           /* 64-bit entry: load address + 0x200 (boot.rst) */
#define HEAP_END        0xe000          /* heap_end_ptr = this - 0x200 (boot.rst example) */
#define VERSION_2_12    0x020c

static uint8_t rd8(const uint8_t *p, size_t off)   { return p[off]; }
static void wr8(uint8_t *p, size_t off, uint8_t v)   { p[off] = v; }
static void wr16(uint8_t *p, size_t off, uint16_t v) { memcpy(p + off, &v, 2); }
static void wr32(uint8_t *p, size_t off, uint32_t v) { memcpy(p + off, &v, 4); }
static void wr64(uint8_t *p, size_t off, uint64_t v) { memcpy(p + off, &v, 8); }

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen) {
        size_t n = (size_t)fmt_snprintf(err, errlen, "bzImage: ");
        if (n < errlen) {
            va_start(ap, fmt);
            fmt_vsnprintf(err + n, errlen - n, fmt, ap);
            va_end(ap);
        }
    }
    return rc;
}

bool bz_detect(const void *image, size_t size)
{
    const uint8_t *p = image;

    return size >= SH_HEADER + 4 && get_le16(p, SH_BOOT_FLAG) == 0xaa55 && !memcmp(p + SH_HEADER, "HdrS", 4);
}

/* [a, a + len) inside [lo, hi)? */
static bool range_in(uint64_t a, uint64_t len, uint64_t lo, uint64_t hi)
{
    return a >= lo && a <= hi && len <= hi - a;
}

static bool is_pow2(uint64_t x)
{
    return x && !(x & (x - 1));
}

/* Where the kernel goes (see bz_plan in bzimage.h). */
static int place_kernel(const uint8_t *p, struct bz_plan *pl, uint64_t low, char *err, size_t errlen)
{
    uint64_t pref = get_le64(p, SH_PREF_ADDRESS);
    bool reloc = rd8(p, SH_RELOCATABLE) != 0;
    uint64_t align = get_le32(p, SH_KERNEL_ALIGNMENT);

    if (!reloc) {
        if (!range_in(pref, pl->init_size, BZ_KERNEL_MIN, low))
            return fail(err, errlen, -ENOMEM, "non-relocatable kernel needs [%#llx, %#llx) but guest RAM "
                        "below 4 GiB is [1 MiB, %#llx)", (unsigned long long)pref,
                        (unsigned long long)(pref + pl->init_size), (unsigned long long)low);
        pl->load_gpa = pref;
        return 0;
    }
    if (!is_pow2(align) || align < PAGE || align > GIB)
        return fail(err, errlen, -ENOEXEC, "kernel_alignment %#llx is not a power of two between 4 KiB and 1 GiB",
                    (unsigned long long)align);
    /* A relocatable kernel moves itself up to kernel_alignment if loaded
     * lower, so plan for the aligned address it will really use. */
    if (pref <= UINT64_MAX - align) {
        uint64_t a = (pref + align - 1) & ~(align - 1);
        if (range_in(a, pl->init_size, BZ_KERNEL_MIN, low)) {
            pl->load_gpa = a;
            return 0;
        }
    }
    uint64_t a = (BZ_RELOC_MIN + align - 1) & ~(align - 1);
    if (range_in(a, pl->init_size, BZ_KERNEL_MIN, low)) {
        pl->load_gpa = a;
        return 0;
    }
    return fail(err, errlen, -ENOMEM, "kernel needs %llu MiB (init_size %#llx) at %#llx or at 16 MiB or above; "
                "guest RAM below 4 GiB ends at %llu MiB", (unsigned long long)((pl->init_size + MIB - 1) / MIB),
                (unsigned long long)pl->init_size, (unsigned long long)pref, (unsigned long long)(low / MIB));
}

/* The initrd: page aligned, as high as it can go below the limit, not
 * overlapping the kernel's init_size range, not below 1 MiB. */
static int place_initrd(const uint8_t *p, struct bz_plan *pl, uint64_t low, uint64_t size, char *err,
                        size_t errlen)
{
    uint64_t limit = (uint64_t)get_le32(p, SH_INITRD_ADDR_MAX) + 1;
    uint64_t kstart = pl->load_gpa, kend = pl->load_gpa + pl->init_size;

    if (limit > low)
        limit = low;
    if (size <= limit) {
        uint64_t a = (limit - size) & ~(PAGE - 1);
        if (a >= BZ_KERNEL_MIN && (a >= kend || a + size <= kstart)) {
            pl->initrd_gpa = a;
            return 0;
        }
    }
    if (size <= kstart && kstart <= limit) {
        uint64_t a = (kstart - size) & ~(PAGE - 1);
        if (a >= BZ_KERNEL_MIN) {
            pl->initrd_gpa = a;
            return 0;
        }
    }
    return fail(err, errlen, -ENOMEM, "initrd of %llu bytes does not fit in guest RAM below %#llx beside the "
                "kernel at [%#llx, %#llx)", (unsigned long long)size, (unsigned long long)limit,
                (unsigned long long)kstart, (unsigned long long)kend);
}

int bz_plan(const void *image, size_t size, uint64_t mem, uint64_t initrd_size, size_t cmdline_len,
            struct bz_plan *pl, char *err, size_t errlen)
{
    const uint8_t *p = image;

    if (err && errlen)
        err[0] = '\0';
    memset(pl, 0, sizeof(*pl));
    if (size < SH_HEADER + 4)
        return fail(err, errlen, -ENOEXEC, "file of %zu bytes is too short for a setup header", size);
    if (!bz_detect(image, size))
        return fail(err, errlen, -ENOEXEC, "no setup header (boot_flag %#x, \"HdrS\" %s at 0x202)",
                    get_le16(p, SH_BOOT_FLAG), memcmp(p + SH_HEADER, "HdrS", 4) ? "missing" : "present");
    if (size < SH_VERSION + 2)
        return fail(err, errlen, -ENOEXEC, "file of %zu bytes ends inside the setup header", size);
    pl->version = get_le16(p, SH_VERSION);
    if (pl->version < VERSION_2_12)
        return fail(err, errlen, -ENOEXEC, "boot protocol %u.%02u is older than 2.12 (no 64-bit entry point)",
                    pl->version >> 8, pl->version & 0xff);
    /* The header extends to 0x202 + the byte at 0x201 (the jump's offset). */
    pl->hdr_end = SH_HEADER + rd8(p, SH_JUMP + 1);
    if (pl->hdr_end < SH_END_2_12 || pl->hdr_end > SH_END_MAX)
        return fail(err, errlen, -ENOEXEC, "setup header ends at %#x, outside [%#x, %#x] for protocol %u.%02u",
                    pl->hdr_end, SH_END_2_12, SH_END_MAX, pl->version >> 8, pl->version & 0xff);
    if (pl->hdr_end > size)
        return fail(err, errlen, -ENOEXEC, "setup header ends at %#x, beyond file size %zu", pl->hdr_end, size);
    /* A kernel without the 64-bit entry (a 32-bit kernel such as Debian's
     * 686-pae) is started through the 32-bit boot protocol instead. */
    pl->entry64 = get_le16(p, SH_XLOADFLAGS) & XLF_KERNEL_64;
    if (!(rd8(p, SH_LOADFLAGS) & LF_LOADED_HIGH))
        return fail(err, errlen, -ENOEXEC, "LOADED_HIGH clear in loadflags %#x (a zImage, not supported)",
                    rd8(p, SH_LOADFLAGS));

    unsigned sects = rd8(p, SH_SETUP_SECTS);
    if (sects == 0)
        sects = 4;                      /* boot.rst: 0 means 4 */
    pl->kernel_off = (uint64_t)(sects + 1) * 512;
    if (pl->kernel_off >= size)
        return fail(err, errlen, -ENOEXEC, "setup_sects %u beyond file size %zu", sects, size);
    uint32_t syssize = get_le32(p, SH_SYSSIZE);
    pl->kernel_size = (uint64_t)syssize * 16;
    if (pl->entry64 && pl->kernel_size <= ENTRY64_OFF)
        return fail(err, errlen, -ENOEXEC, "syssize %#x: a protected-mode kernel of %llu bytes has no 64-bit "
                    "entry at offset 0x200", syssize, (unsigned long long)pl->kernel_size);
    if (!pl->entry64 && pl->kernel_size == 0)
        return fail(err, errlen, -ENOEXEC, "syssize 0: no protected-mode kernel");
    if (pl->kernel_size > size - pl->kernel_off)
        return fail(err, errlen, -ENOEXEC, "syssize %#x (%llu bytes) beyond file size (%llu bytes after the setup "
                    "code)", syssize, (unsigned long long)pl->kernel_size,
                    (unsigned long long)(size - pl->kernel_off));
    pl->init_size = get_le32(p, SH_INIT_SIZE);
    if (pl->init_size < pl->kernel_size)
        return fail(err, errlen, -ENOEXEC, "init_size %#llx is smaller than the protected-mode kernel (%#llx bytes)",
                    (unsigned long long)pl->init_size, (unsigned long long)pl->kernel_size);
    pl->cmdline_max = get_le32(p, SH_CMDLINE_SIZE);
    if (cmdline_len > pl->cmdline_max || cmdline_len >= BZ_CMDLINE_MAX)
        return fail(err, errlen, -E2BIG, "command line of %zu bytes is longer than the kernel's cmdline_size %u%s",
                    cmdline_len, pl->cmdline_max, cmdline_len >= BZ_CMDLINE_MAX ? " or the loader's 4095" : "");

    uint64_t low = e820_lowmem_end(mem);
    int rc = place_kernel(p, pl, low, err, errlen);
    if (rc)
        return rc;
    /* 64-bit protocol: load address + 0x200; 32-bit: the load address
     * itself (code32_start). */
    pl->entry = pl->load_gpa + (pl->entry64 ? ENTRY64_OFF : 0);
    pl->initrd_size = initrd_size;
    if (initrd_size) {
        rc = place_initrd(p, pl, low, initrd_size, err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

void bz_boot_params(uint8_t zp[BP_SIZE], const void *image, const struct bz_plan *pl, uint64_t cmdline_gpa,
                    const struct e820_entry *e820, unsigned nr_e820, uint64_t rsdp_gpa)
{
    const uint8_t *p = image;

    memset(zp, 0, BP_SIZE);
    /* boot.rst: the loader copies the setup header from the file into the
     * zero page at the same offset, then fills in the fields it owns.  The
     * sentinel at 0x1EF stays 0, so the kernel trusts the whole page. */
    memcpy(zp + BP_HDR, p + BP_HDR, pl->hdr_end - BP_HDR);
    wr8(zp, SH_TYPE_OF_LOADER, 0xff);   /* undefined loader */
    uint8_t lf = rd8(zp, SH_LOADFLAGS);
    lf = (uint8_t)((lf | LF_CAN_USE_HEAP) & ~(LF_QUIET | LF_KEEP_SEGMENTS));
    wr8(zp, SH_LOADFLAGS, lf);
    wr16(zp, SH_HEAP_END_PTR, HEAP_END - 0x200);
    wr32(zp, 0x214, (uint32_t)pl->load_gpa);   /* code32_start: where the kernel really is */
    wr32(zp, SH_RAMDISK_IMAGE, (uint32_t)pl->initrd_gpa);
    wr32(zp, SH_RAMDISK_SIZE, (uint32_t)pl->initrd_size);
    wr32(zp, BP_EXT_RAMDISK_IMAGE, (uint32_t)(pl->initrd_gpa >> 32));
    wr32(zp, BP_EXT_RAMDISK_SIZE, (uint32_t)(pl->initrd_size >> 32));
    wr32(zp, SH_CMD_LINE_PTR, (uint32_t)cmdline_gpa);
    wr32(zp, BP_EXT_CMD_LINE_PTR, (uint32_t)(cmdline_gpa >> 32));
    wr32(zp, SH_HW_SUBARCH, 0);         /* default x86 PC */
    wr64(zp, SH_HW_SUBARCH_DATA, 0);
    wr64(zp, SH_SETUP_DATA, 0);         /* no setup_data list: whatever the file held is not ours */
    wr64(zp, BP_ACPI_RSDP_ADDR, rsdp_gpa);
    if (nr_e820 > BP_E820_MAX)
        nr_e820 = BP_E820_MAX;
    wr8(zp, BP_E820_ENTRIES, (uint8_t)nr_e820);
    for (unsigned i = 0; i < nr_e820; i++) {    /* packed 20-byte entries: addr, size, type */
        wr64(zp, BP_E820_TABLE + 20 * i, e820[i].addr);
        wr64(zp, BP_E820_TABLE + 20 * i + 8, e820[i].size);
        wr32(zp, BP_E820_TABLE + 20 * i + 16, e820[i].type);
    }
}

/* Page-table entry bits (Intel SDM vol. 3 section 4.5). */
#define PTE_P   0x1ull
#define PTE_RW  0x2ull
#define PTE_PS  0x80ull

uint64_t bz_build_pagetables(uint8_t pt[BZ_PGT_PAGES * 4096], uint64_t base)
{
    memset(pt, 0, BZ_PGT_PAGES * 4096);
    wr64(pt, 0, (base + PAGE) | PTE_P | PTE_RW);                        /* PML4[0] -> PDPT */
    for (unsigned i = 0; i < 4; i++) {
        wr64(pt, PAGE + 8 * i, (base + (2 + i) * PAGE) | PTE_P | PTE_RW); /* PDPT[i] -> PD i */
        for (unsigned j = 0; j < 512; j++)
            wr64(pt, (2 + i) * PAGE + 8 * j,
                 (((uint64_t)i * 512 + j) << 21) | PTE_P | PTE_RW | PTE_PS);
    }
    return base;
}

void bz_build_gdt(uint64_t gdt[BZ_GDT_ENTRIES], bool code64)
{
    gdt[0] = 0;
    gdt[1] = 0;
    /* Accessed bits preset so that loading the selectors never writes the
     * GDT.  Code: P, S, type 0xB (execute/read, accessed), G = 1, and L = 1
     * (64-bit protocol) or D = 1 with a 4 GiB limit (32-bit protocol). */
    gdt[2] = code64 ? 0x00af9b000000ffffull : 0x00cf9b000000ffffull;
    /* Data: P, S, type 0x3 (read/write, accessed), D/B = 1, G = 1, limit 4 GiB. */
    gdt[3] = 0x00cf93000000ffffull;
}
