/*
 * Multiboot2 information block parser.  Offsets and sizes below are from the
 * Multiboot2 specification 1.6, section 3.6 ("Boot information format").
 * All reads go through memcpy: the block may be unaligned when it does not
 * come from a conforming loader (or comes from the fuzzer).
 */
#include "boot/mb2.h"

#include <stdint.h>

#include "lib/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define MB2_HDR_SIZE       8    /* u32 total_size, u32 reserved */
#define MB2_TAG_HDR        8    /* u32 type, u32 size */
#define MB2_MMAP_ENTRY_MIN 24   /* u64 base, u64 len, u32 type, u32 reserved */
#define MB2_RSDP_V1_LEN    20   /* ACPI 6.5 table 5.3 */
#define MB2_RSDP_V2_LEN    36

struct mb2_run {
    const uint8_t *p;
    uint32_t total;
    struct boot_info *bi;
    char *err;
    size_t errlen;
    /* tags seen, used after the walk */
    const uint8_t *mmap; uint32_t mmap_size, mmap_entry;
    const uint8_t *rsdp_old, *rsdp_new; uint32_t rsdp_old_len, rsdp_new_len;
};

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

static int mb2_fail(struct mb2_run *r, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int mb2_fail(struct mb2_run *r, int rc, const char *fmt, ...)
{
    va_list ap;

    if (r->err && r->errlen) {
        va_start(ap, fmt);
        fmt_vsnprintf(r->err, r->errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* The string at [off, off + len) must hold a NUL. */
static const char *tag_string(const struct mb2_run *r, uint32_t off, uint32_t len)
{
    uint32_t i;

    for (i = 0; i < len; i++)
        if (r->p[off + i] == '\0')
            return (const char *)r->p + off;
    return NULL;
}

#define TAG_FMT "multiboot2: tag %u at offset 0x%x "

static int tag_module(struct mb2_run *r, uint32_t type, uint32_t off, uint32_t size)
{
    struct boot_info *bi = r->bi;
    uint32_t start, end;
    const char *cmd;

    if (size < MB2_TAG_HDR + 9)
        return mb2_fail(r, -EINVAL, TAG_FMT "(module) has size %u (< 17)", type, off, size);
    start = rd32(r->p + off + 8);
    end = rd32(r->p + off + 12);
    cmd = tag_string(r, off + 16, size - 16);
    if (!cmd)
        return mb2_fail(r, -EINVAL, TAG_FMT "(module) has an unterminated string", type, off);
    if (start > end)
        return mb2_fail(r, -EINVAL, TAG_FMT "(module) starts at 0x%x after its end 0x%x",
                        type, off, start, end);
    if (bi->nr_mods == BOOT_MAX_MODULES) {
        bi->nr_warnings++;
        return 0;
    }
    bi->mods[bi->nr_mods].start = start;
    bi->mods[bi->nr_mods].end = end;
    bi->mods[bi->nr_mods].cmdline = cmd;
    bi->nr_mods++;
    return 0;
}

static int tag_mmap(struct mb2_run *r, uint32_t type, uint32_t off, uint32_t size)
{
    uint32_t esize;

    if (size < 16)
        return mb2_fail(r, -EINVAL, TAG_FMT "(memory map) has size %u (< 16)", type, off, size);
    esize = rd32(r->p + off + 8);
    if (esize < MB2_MMAP_ENTRY_MIN || esize % 8)
        return mb2_fail(r, -EINVAL, TAG_FMT "(memory map) has entry size %u (need >= 24, multiple of 8)",
                        type, off, esize);
    if (r->mmap) {
        r->bi->nr_warnings++;   /* a second map: keep the first */
        return 0;
    }
    if ((size - 16) % esize)
        r->bi->nr_warnings++;   /* trailing partial entry: ignored */
    r->mmap = r->p + off + 16;
    r->mmap_size = size - 16;
    r->mmap_entry = esize;
    return 0;
}

static int tag_efi_mmap(struct mb2_run *r, uint32_t type, uint32_t off, uint32_t size)
{
    struct boot_info *bi = r->bi;
    uint32_t dsize;

    if (size < 16)
        return mb2_fail(r, -EINVAL, TAG_FMT "(EFI memory map) has size %u (< 16)", type, off, size);
    dsize = rd32(r->p + off + 8);
    if (dsize < 40)
        return mb2_fail(r, -EINVAL, TAG_FMT "(EFI memory map) has descriptor size %u (< 40)",
                        type, off, dsize);
    if (bi->efi_mmap) {
        bi->nr_warnings++;
        return 0;
    }
    bi->efi_desc_size = dsize;
    bi->efi_desc_version = rd32(r->p + off + 12);
    bi->efi_mmap = r->p + off + 16;
    bi->efi_mmap_size = size - 16;
    return 0;
}

static int tag_rsdp(struct mb2_run *r, uint32_t type, uint32_t off, uint32_t size)
{
    uint32_t need = type == MB2_TAG_ACPI_NEW ? MB2_RSDP_V2_LEN : MB2_RSDP_V1_LEN;

    if (size - MB2_TAG_HDR < need)
        return mb2_fail(r, -EINVAL, TAG_FMT "(RSDP) has size %u (< %u)", type, off, size,
                        need + MB2_TAG_HDR);
    if (type == MB2_TAG_ACPI_NEW) {
        r->rsdp_new = r->p + off + 8;
        r->rsdp_new_len = size - 8;
    } else {
        r->rsdp_old = r->p + off + 8;
        r->rsdp_old_len = size - 8;
    }
    return 0;
}

static int mb2_tag(struct mb2_run *r, uint32_t type, uint32_t off, uint32_t size)
{
    struct boot_info *bi = r->bi;
    const char *s;

    switch (type) {
    case MB2_TAG_CMDLINE:
    case MB2_TAG_LOADER_NAME:
        s = tag_string(r, off + 8, size - 8);
        if (!s)
            return mb2_fail(r, -EINVAL, TAG_FMT "has an unterminated string", type, off);
        if (type == MB2_TAG_CMDLINE)
            bi->cmdline = s;
        else
            bi->loader_name = s;
        return 0;
    case MB2_TAG_MODULE:
        return tag_module(r, type, off, size);
    case MB2_TAG_BASIC_MEMINFO:
        if (size < 16)
            return mb2_fail(r, -EINVAL, TAG_FMT "(basic meminfo) has size %u (< 16)", type, off, size);
        bi->mem_lower_kb = rd32(r->p + off + 8);
        bi->mem_upper_kb = rd32(r->p + off + 12);
        bi->have_meminfo = true;
        return 0;
    case MB2_TAG_MMAP:
        return tag_mmap(r, type, off, size);
    case MB2_TAG_EFI64:
        if (size < 16)
            return mb2_fail(r, -EINVAL, TAG_FMT "(EFI64 system table) has size %u (< 16)", type, off, size);
        bi->efi_systab = rd64(r->p + off + 8);
        return 0;
    case MB2_TAG_ACPI_OLD:
    case MB2_TAG_ACPI_NEW:
        return tag_rsdp(r, type, off, size);
    case MB2_TAG_EFI_MMAP:
        return tag_efi_mmap(r, type, off, size);
    default:
        return 0;   /* framebuffer, ELF sections, APM, ...: not needed */
    }
}

/* Entry types other than 1..5 are reserved (spec 3.6.8): treat them as such. */
static uint32_t mb2_mem_type(uint32_t t)
{
    return t >= MEM_RAM && t <= MEM_BAD ? t : MEM_RESERVED;
}

static void build_mmap(struct mb2_run *r)
{
    struct boot_info *bi = r->bi;
    uint32_t off;

    for (off = 0; r->mmap_size - off >= r->mmap_entry; off += r->mmap_entry) {
        struct mem_region *m;

        if (bi->nr_mmap == BOOT_MAX_MMAP) {
            /* Full: compact what we have and retry before dropping entries. */
            mmap_sanitize(bi->mmap, &bi->nr_mmap, BOOT_MAX_MMAP);
            if (bi->nr_mmap == BOOT_MAX_MMAP) {
                bi->nr_warnings++;
                break;
            }
        }
        m = &bi->mmap[bi->nr_mmap++];
        m->base = rd64(r->mmap + off);
        m->len = rd64(r->mmap + off + 8);
        m->type = mb2_mem_type(rd32(r->mmap + off + 16));
    }
    if (mmap_sanitize(bi->mmap, &bi->nr_mmap, BOOT_MAX_MMAP))
        bi->nr_warnings++;
}

static int mb2_walk(struct mb2_run *r)
{
    uint32_t off = MB2_HDR_SIZE;

    while (r->total - off >= MB2_TAG_HDR) {
        uint32_t type = rd32(r->p + off), size = rd32(r->p + off + 4);
        uint64_t next;
        int rc;

        if (size < MB2_TAG_HDR)
            return mb2_fail(r, -EINVAL, TAG_FMT "has size %u (< 8)", type, off, size);
        if (size > r->total - off)
            return mb2_fail(r, -EINVAL, TAG_FMT "has size %u, past the end of the %u-byte block",
                            type, off, size, r->total);
        if (type == MB2_TAG_END) {
            if (size != MB2_TAG_HDR)
                return mb2_fail(r, -EINVAL, TAG_FMT "(end) has size %u (!= 8)", type, off, size);
            return 0;
        }
        rc = mb2_tag(r, type, off, size);
        if (rc)
            return rc;
        /* Tags start on 8-byte boundaries (spec 3.6.1). */
        next = (uint64_t)off + (((uint64_t)size + 7) & ~7ull);
        if (next > r->total)
            break;
        off = (uint32_t)next;
    }
    return mb2_fail(r, -EINVAL, "multiboot2: no end tag in the %u-byte block", r->total);
}

int mb2_parse(const void *info, size_t avail, struct boot_info *bi, char *err, size_t errlen)
{
    struct mb2_run r = { .p = info, .bi = bi, .err = err, .errlen = errlen };
    int rc;

    bootinfo_init(bi);
    if (err && errlen)
        err[0] = '\0';
    if (!info || avail < MB2_HDR_SIZE)
        return mb2_fail(&r, -EINVAL, "multiboot2: information block truncated (%zu bytes)",
                        info ? avail : 0);
    r.total = rd32(r.p);
    if (r.total < 16 || r.total > avail)
        return mb2_fail(&r, -EINVAL, "multiboot2: total size %u out of range (16..%zu)", r.total, avail);

    rc = mb2_walk(&r);
    if (rc)
        return rc;

    /* Prefer the ACPI 2.0+ RSDP: it carries the XSDT (64-bit table pointers). */
    if (r.rsdp_new) {
        bi->rsdp = r.rsdp_new;
        bi->rsdp_len = r.rsdp_new_len;
    } else if (r.rsdp_old) {
        bi->rsdp = r.rsdp_old;
        bi->rsdp_len = r.rsdp_old_len;
    }

    if (r.mmap)
        build_mmap(&r);
    if (bi->nr_mmap == 0 && bi->efi_mmap) {
        if (mmap_from_efi(bi->efi_mmap, bi->efi_mmap_size, bi->efi_desc_size, bi->mmap,
                          &bi->nr_mmap, BOOT_MAX_MMAP))
            bi->nr_warnings++;
    }
    if (bi->nr_mmap == 0 && bi->have_meminfo)
        mmap_from_meminfo(bi->mem_lower_kb, bi->mem_upper_kb, bi->mmap, &bi->nr_mmap, BOOT_MAX_MMAP);
    if (bi->nr_mmap == 0)
        return mb2_fail(&r, -ENOENT, "multiboot2: no memory map");
    return 0;
}
