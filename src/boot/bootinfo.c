/*
 * Memory-map canonicalization shared by the multiboot1, multiboot2 and UEFI
 * paths.  Firmware maps overlap, repeat and come unsorted often enough that
 * the frame allocator must only ever see the sanitized form.
 */
#include "boot/bootinfo.h"

#include "lib/errno.h"
#include "lib/string.h"

void bootinfo_init(struct boot_info *bi)
{
    memset(bi, 0, sizeof(*bi));
    bi->cmdline = "";
    bi->loader_name = "";
}

/* Higher rank wins an overlap.  RAM is the least restrictive; the map is only
 * trusted to say where RAM is, so doubt always resolves against RAM. */
static uint64_t type_rank(uint32_t type)
{
    return type == MEM_RAM ? 0 : (uint64_t)type + 1;
}

static uint64_t region_end(const struct mem_region *r)
{
    return r->base + r->len;
}

/* Insertion sort by base: the maps are short and usually nearly sorted. */
static void sort_regions(struct mem_region *r, unsigned n)
{
    unsigned i, j;

    for (i = 1; i < n; i++) {
        struct mem_region t = r[i];

        for (j = i; j > 0 && r[j - 1].base > t.base; j--)
            r[j] = r[j - 1];
        r[j] = t;
    }
}

static void remove_at(struct mem_region *r, unsigned *n, unsigned i)
{
    memmove(&r[i], &r[i + 1], (*n - i - 1) * sizeof(*r));
    (*n)--;
}

/*
 * Resolves the overlap of r[i] and r[i + 1] (sorted, so r[i + 1] starts
 * inside r[i]).  Every step removes overlapping length and only ever creates
 * endpoints that existed before, so the caller's loop terminates.
 */
static int resolve_pair(struct mem_region *r, unsigned *n, unsigned max, unsigned i)
{
    struct mem_region *a = &r[i], *b = &r[i + 1];
    uint64_t aend = region_end(a), bend = region_end(b);
    int rc = 0;

    if (a->type == b->type) {
        if (bend > aend)
            a->len = bend - a->base;
        remove_at(r, n, i + 1);
    } else if (type_rank(a->type) > type_rank(b->type)) {
        /* a wins: b keeps only what sticks out past a. */
        if (bend <= aend) {
            remove_at(r, n, i + 1);
        } else {
            b->base = aend;
            b->len = bend - aend;
        }
    } else {
        /* b wins: a keeps what lies before b and after b. */
        if (aend > bend) {
            if (*n < max) {
                struct mem_region tail = { bend, aend - bend, a->type };

                r[(*n)++] = tail;
            } else if (a->type != MEM_RAM) {
                /* No room for a's tail.  Dropping it could expose RAM that it
                 * hides, so a stays whole and absorbs b: both are non-RAM, so
                 * only the kind of reservation is lost. */
                remove_at(r, n, i + 1);
                return -ENOSPC;
            } else {
                rc = -ENOSPC;   /* dropping a RAM tail only loses memory */
            }
        }
        a->len = b->base - a->base;
        if (a->len == 0)
            remove_at(r, n, i);
    }
    sort_regions(r, *n);
    return rc;
}

int mmap_sanitize(struct mem_region *r, unsigned *n, unsigned max)
{
    unsigned i, out = 0;
    int rc = 0;
    bool changed;

    if (*n > max)
        *n = max;
    for (i = 0; i < *n; i++) {
        struct mem_region t = r[i];

        if (t.len > UINT64_MAX - t.base)
            t.len = UINT64_MAX - t.base;
        if (t.len)
            r[out++] = t;
    }
    *n = out;
    sort_regions(r, *n);

    /* With the map sorted, an entry that overlaps anything overlaps its successor. */
    do {
        changed = false;
        for (i = 0; i + 1 < *n; i++) {
            if (r[i + 1].base < region_end(&r[i])) {
                if (resolve_pair(r, n, max, i))
                    rc = -ENOSPC;
                changed = true;
                break;
            }
        }
    } while (changed);

    for (i = 0; i + 1 < *n;) {
        if (r[i].type == r[i + 1].type && region_end(&r[i]) == r[i + 1].base) {
            r[i].len += r[i + 1].len;
            remove_at(r, n, i + 1);
        } else {
            i++;
        }
    }
    return rc;
}

/* EFI_MEMORY_TYPE values (UEFI 2.10 table 7-5). */
static uint32_t efi_type_to_mem(uint32_t t)
{
    switch (t) {
    case 1:     /* EfiLoaderCode */
    case 2:     /* EfiLoaderData */
    case 3:     /* EfiBootServicesCode */
    case 4:     /* EfiBootServicesData */
    case 7:     /* EfiConventionalMemory */
        return MEM_RAM;
    case 8:     /* EfiUnusableMemory */
        return MEM_BAD;
    case 9:     /* EfiACPIReclaimMemory */
        return MEM_ACPI;
    case 10:    /* EfiACPIMemoryNVS */
        return MEM_NVS;
    default:
        return MEM_RESERVED;
    }
}

#define EFI_DESC_MIN_SIZE 40    /* u32 Type, pad, u64 Physical, Virtual, Pages, Attribute */
#define EFI_PAGE_SHIFT    12    /* EFI pages are always 4 KiB */

int mmap_from_efi(const void *efi_mmap, size_t size, uint32_t desc_size,
                  struct mem_region *r, unsigned *n, unsigned max)
{
    const uint8_t *p = efi_mmap;
    size_t off;
    int rc = 0;

    *n = 0;
    if (desc_size < EFI_DESC_MIN_SIZE)
        return -EINVAL;
    for (off = 0; size - off >= desc_size; off += desc_size) {
        uint32_t type;
        uint64_t base, pages;
        struct mem_region t;

        memcpy(&type, p + off, 4);
        memcpy(&base, p + off + 8, 8);
        memcpy(&pages, p + off + 24, 8);
        t.base = base;
        t.len = pages > (UINT64_MAX >> EFI_PAGE_SHIFT) ? UINT64_MAX : pages << EFI_PAGE_SHIFT;
        t.type = efi_type_to_mem(type);
        if (t.len > UINT64_MAX - t.base)
            t.len = UINT64_MAX - t.base;
        if (!t.len)
            continue;
        /* Firmware maps come sorted and split finely by type: extend the
         * previous entry where possible so long maps still fit. */
        if (*n && r[*n - 1].type == t.type && region_end(&r[*n - 1]) == t.base) {
            r[*n - 1].len += t.len;
            continue;
        }
        if (*n == max) {
            /* Compacting may make room; if not, keep what fitted. */
            if (mmap_sanitize(r, n, max) || *n == max) {
                rc = -ENOSPC;
                break;
            }
        }
        r[(*n)++] = t;
    }
    if (mmap_sanitize(r, n, max))
        rc = -ENOSPC;
    return rc;
}

void mmap_from_meminfo(uint32_t lower_kb, uint32_t upper_kb, struct mem_region *r, unsigned *n,
                       unsigned max)
{
    if (lower_kb && *n < max) {
        struct mem_region t = { 0, (uint64_t)lower_kb << 10, MEM_RAM };

        r[(*n)++] = t;
    }
    if (upper_kb && *n < max) {
        struct mem_region t = { 1ULL << 20, (uint64_t)upper_kb << 10, MEM_RAM };

        r[(*n)++] = t;
    }
    mmap_sanitize(r, n, max);
}
