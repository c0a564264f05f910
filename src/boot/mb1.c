/*
 * Multiboot1 information parser.  Field offsets are from the Multiboot
 * specification 0.6.96, section 3.3 ("Boot information format").
 */
#include "boot/mb1.h"

#include <stdarg.h>
#include <stdint.h>

#include "lib/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"

enum {
    MB1_F_MEM     = 1u << 0,
    MB1_F_CMDLINE = 1u << 2,
    MB1_F_MODS    = 1u << 3,
    MB1_F_MMAP    = 1u << 6,
    MB1_F_LOADER  = 1u << 9,
};

enum {
    MB1_OFF_FLAGS     = 0,
    MB1_OFF_MEM_LOWER = 4,
    MB1_OFF_MEM_UPPER = 8,
    MB1_OFF_CMDLINE   = 16,
    MB1_OFF_MODS_CNT  = 20,
    MB1_OFF_MODS_ADDR = 24,
    MB1_OFF_MMAP_LEN  = 44,
    MB1_OFF_MMAP_ADDR = 48,
    MB1_OFF_LOADER    = 64,
};

#define MB1_MOD_SIZE       16   /* mod_start, mod_end, string, reserved */
#define MB1_MMAP_ENTRY_MIN 20   /* after the size field: u64 base, u64 length, u32 type */

struct mb1_run {
    phys_map_fn map;
    void *ctx;
    struct boot_info *bi;
    char *err;
    size_t errlen;
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

static int mb1_fail(struct mb1_run *r, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int mb1_fail(struct mb1_run *r, int rc, const char *fmt, ...)
{
    va_list ap;

    if (r->err && r->errlen) {
        va_start(ap, fmt);
        fmt_vsnprintf(r->err, r->errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/*
 * Maps a NUL-terminated string of at most MB1_MAX_STRING bytes at 'phys'.
 * The length is found one page at a time, and a piece the mapper refuses is
 * retried in halves, so a short string at the very end of mappable memory
 * works whatever the mapper's granularity; the final map covers exactly the
 * string.
 */
static const char *map_string(struct mb1_run *r, uint64_t phys)
{
    size_t len = 0;
    const char *s;

    while (len < MB1_MAX_STRING) {
        uint64_t at = phys + len;
        size_t chunk = 4096 - (size_t)(at & 4095), i;
        const char *p;

        if (at < phys)
            return NULL;    /* wrapped around the address space */
        if (chunk > MB1_MAX_STRING - len)
            chunk = MB1_MAX_STRING - len;
        p = r->map(at, chunk, r->ctx);
        while (!p && chunk > 1) {
            chunk /= 2;
            p = r->map(at, chunk, r->ctx);
        }
        if (!p)
            return NULL;
        for (i = 0; i < chunk && p[i]; i++)
            ;
        len += i;
        if (i < chunk)
            break;
    }
    if (len >= MB1_MAX_STRING)
        return NULL;
    s = r->map(phys, len + 1, r->ctx);
    return s && s[len] == '\0' ? s : NULL;
}

static int mb1_mods(struct mb1_run *r, const uint8_t *info)
{
    struct boot_info *bi = r->bi;
    uint32_t count = rd32(info + MB1_OFF_MODS_CNT), addr = rd32(info + MB1_OFF_MODS_ADDR), i;
    const uint8_t *m;

    if (count == 0)
        return 0;
    if (count > BOOT_MAX_MODULES) {
        bi->nr_warnings++;
        count = BOOT_MAX_MODULES;
    }
    m = r->map(addr, (size_t)count * MB1_MOD_SIZE, r->ctx);
    if (!m)
        return mb1_fail(r, -EINVAL, "multiboot1: module list at 0x%x (%u entries) not mappable",
                        addr, count);
    for (i = 0; i < count; i++, m += MB1_MOD_SIZE) {
        uint32_t start = rd32(m), end = rd32(m + 4), str = rd32(m + 8);
        const char *cmd = str ? map_string(r, str) : "";

        if (start > end)
            return mb1_fail(r, -EINVAL, "multiboot1: module %u starts at 0x%x after its end 0x%x",
                            i, start, end);
        if (!cmd)
            return mb1_fail(r, -EINVAL, "multiboot1: module %u string at 0x%x unterminated or not mappable",
                            i, str);
        bi->mods[i].start = start;
        bi->mods[i].end = end;
        bi->mods[i].cmdline = cmd;
    }
    bi->nr_mods = count;
    return 0;
}

/* Entry types other than 1..5 are reserved. */
static uint32_t mb1_mem_type(uint32_t t)
{
    return t >= MEM_RAM && t <= MEM_BAD ? t : MEM_RESERVED;
}

/* Entries: u32 size (not counting itself), then at least base, length, type. */
static int mb1_mmap(struct mb1_run *r, const uint8_t *info)
{
    struct boot_info *bi = r->bi;
    uint32_t len = rd32(info + MB1_OFF_MMAP_LEN), addr = rd32(info + MB1_OFF_MMAP_ADDR);
    const uint8_t *p;
    uint64_t off = 0;

    if (len == 0)
        return 0;
    p = r->map(addr, len, r->ctx);
    if (!p)
        return mb1_fail(r, -EINVAL, "multiboot1: memory map at 0x%x (%u bytes) not mappable", addr, len);
    while (len - off >= 4) {
        uint32_t size = rd32(p + off);
        struct mem_region *m;

        if (size < MB1_MMAP_ENTRY_MIN || size > len - off - 4)
            return mb1_fail(r, -EINVAL, "multiboot1: memory map entry at offset 0x%x has size %u",
                            (unsigned)off, size);
        if (bi->nr_mmap == BOOT_MAX_MMAP) {
            mmap_sanitize(bi->mmap, &bi->nr_mmap, BOOT_MAX_MMAP);
            if (bi->nr_mmap == BOOT_MAX_MMAP) {
                bi->nr_warnings++;
                break;
            }
        }
        m = &bi->mmap[bi->nr_mmap++];
        m->base = rd64(p + off + 4);
        m->len = rd64(p + off + 12);
        m->type = mb1_mem_type(rd32(p + off + 20));
        off += (uint64_t)size + 4;
    }
    if (mmap_sanitize(bi->mmap, &bi->nr_mmap, BOOT_MAX_MMAP))
        bi->nr_warnings++;
    return 0;
}

int mb1_parse(const void *info, phys_map_fn map, void *ctx, struct boot_info *bi, char *err,
              size_t errlen)
{
    struct mb1_run r = { .map = map, .ctx = ctx, .bi = bi, .err = err, .errlen = errlen };
    const uint8_t *p = info;
    uint32_t flags;
    int rc;

    bootinfo_init(bi);
    if (err && errlen)
        err[0] = '\0';
    if (!info || !map)
        return mb1_fail(&r, -EINVAL, "multiboot1: no information structure");
    flags = rd32(p + MB1_OFF_FLAGS);

    if (flags & MB1_F_MEM) {
        bi->mem_lower_kb = rd32(p + MB1_OFF_MEM_LOWER);
        bi->mem_upper_kb = rd32(p + MB1_OFF_MEM_UPPER);
        bi->have_meminfo = true;
    }
    if (flags & MB1_F_CMDLINE) {
        uint32_t a = rd32(p + MB1_OFF_CMDLINE);
        const char *s = map_string(&r, a);

        if (!s)
            return mb1_fail(&r, -EINVAL, "multiboot1: command line at 0x%x unterminated or not mappable", a);
        bi->cmdline = s;
    }
    if (flags & MB1_F_LOADER) {
        uint32_t a = rd32(p + MB1_OFF_LOADER);
        const char *s = map_string(&r, a);

        if (!s)
            return mb1_fail(&r, -EINVAL, "multiboot1: loader name at 0x%x unterminated or not mappable", a);
        bi->loader_name = s;
    }
    if (flags & MB1_F_MODS) {
        rc = mb1_mods(&r, p);
        if (rc)
            return rc;
    }
    if (flags & MB1_F_MMAP) {
        rc = mb1_mmap(&r, p);
        if (rc)
            return rc;
    }
    if (bi->nr_mmap == 0 && bi->have_meminfo)
        mmap_from_meminfo(bi->mem_lower_kb, bi->mem_upper_kb, bi->mmap, &bi->nr_mmap, BOOT_MAX_MMAP);
    if (bi->nr_mmap == 0)
        return mb1_fail(&r, -ENOENT, "multiboot1: no memory map");
    return 0;
}
