/*
 * frametable_populate: RAM minus exclusions, page-rounded inward, into the
 * buddy allocator.  Exclusions come from two lists (the caller's and the
 * map's non-RAM entries); the gaps between them are found by repeatedly
 * taking the lowest exclusion that still overlaps what is left.
 */
#include "mm/frametable.h"

#include <stdbool.h>

#define PAGE_MASK ((uint64_t)PAGE_SIZE - 1)

struct ft_excl {
    const struct mem_region *map;
    unsigned nr_map;
    const struct mem_region *ex;
    unsigned nr_ex;
};

static uint64_t end_of(const struct mem_region *r)
{
    return r->len > UINT64_MAX - r->base ? UINT64_MAX : r->base + r->len;
}

/* Lowest-starting exclusion overlapping [cur, end), if any. */
static bool first_overlap(const struct ft_excl *x, uint64_t cur, uint64_t end,
                          uint64_t *ex_start, uint64_t *ex_end)
{
    bool found = false;
    unsigned i;

    for (i = 0; i < x->nr_map + x->nr_ex; i++) {
        const struct mem_region *r = i < x->nr_map ? &x->map[i] : &x->ex[i - x->nr_map];
        uint64_t s = r->base, e = end_of(r);

        if ((i < x->nr_map && r->type == MEM_RAM) || r->len == 0)
            continue;
        if (s >= end || e <= cur)
            continue;
        if (!found || s < *ex_start || (s == *ex_start && e > *ex_end)) {
            *ex_start = s;
            *ex_end = e;
            found = true;
        }
    }
    return found;
}

/* Donates the whole pages inside byte range [s, e). */
static void donate(struct buddy *b, uint64_t s, uint64_t e)
{
    uint64_t first, last;

    if (s > UINT64_MAX - PAGE_MASK)
        return;
    first = (s + PAGE_MASK) >> PAGE_SHIFT;
    last = e >> PAGE_SHIFT;
    if (first < last)
        buddy_add_range(b, first, last - first);
}

uint64_t frametable_populate(struct buddy *b, struct frame *ft, uint64_t nr_frames,
                             const struct mem_region *map, unsigned nr_map,
                             const struct mem_region *exclude, unsigned nr_exclude)
{
    struct ft_excl x = { map, nr_map, exclude, nr_exclude };
    unsigned i;

    buddy_init(b, ft, nr_frames);
    for (i = 0; i < nr_map; i++) {
        uint64_t cur, end, xs = 0, xe = 0;

        if (map[i].type != MEM_RAM || map[i].len == 0)
            continue;
        cur = map[i].base;
        end = end_of(&map[i]);
        while (cur < end) {
            if (!first_overlap(&x, cur, end, &xs, &xe)) {
                donate(b, cur, end);
                break;
            }
            if (xs > cur)
                donate(b, cur, xs);
            cur = xe;
        }
    }
    return b->free_frames;
}
