/*
 * Binary buddy allocator over the frame table.  Free blocks are linked
 * through the frame entries themselves (frame.next/prev), so the allocator
 * needs no memory of its own.  Not locked: the caller serializes all calls.
 */
#ifndef RV_MM_BUDDY_H
#define RV_MM_BUDDY_H

#include <stdint.h>

#include "mm/frame.h"

#define BUDDY_MAX_ORDER 18      /* orders 0..18: 4 KiB .. 1 GiB blocks */

/* Legend: (i) set by buddy_init; (c) guarded by the caller's lock. */
struct buddy {
    struct frame *ft;                                   /* (i) the frame table */
    uint64_t nr_frames;                                 /* (i) entries in ft (< FRAME_NIL) */
    uint32_t head[BUDDY_MAX_ORDER + 1];                 /* (c) first free block per order, FRAME_NIL if none */
    uint64_t free_frames;                               /* (c) frames in free blocks */
    uint64_t nr_free_per_order[BUDDY_MAX_ORDER + 1];    /* (c) free blocks per order */
};

/* Marks all nr_frames frames reserved (not free, owner DOMID_INVALID). */
void buddy_init(struct buddy *b, struct frame *ft, uint64_t nr_frames);

/* Donates [pfn, pfn + count) (clamped to the table) as maximal aligned blocks,
 * coalescing with free neighbours.  Only reserved frames are donated; frames
 * already free or allocated are skipped. */
void buddy_add_range(struct buddy *b, uint64_t pfn, uint64_t count);

/* Returns the first pfn of a 2^order block, -ENOMEM, or -EINVAL for order > max.
 * The frames become not free; the owner field is left for the caller. */
int64_t buddy_alloc(struct buddy *b, unsigned order);

/* As buddy_alloc, but the block lies entirely below limit_pfn (AP trampoline
 * below 1 MiB, DMA32, ...). */
int64_t buddy_alloc_below(struct buddy *b, unsigned order, uint64_t limit_pfn);

/* Frees a block returned by buddy_alloc (or any aligned allocated range).
 * Returns -EINVAL, changing nothing, for order > max, a misaligned or
 * out-of-range pfn, or a block with a frame that is free or reserved
 * (double free).  Coalesces with its buddies. */
int buddy_free(struct buddy *b, uint64_t pfn, unsigned order);

/* Consistency check of lists, flags and counters (tests, self-test); 0 or -EINVAL. */
int buddy_check(const struct buddy *b);

#endif
