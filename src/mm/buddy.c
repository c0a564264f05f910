/*
 * Buddy allocator.  A free block of order k starting at pfn p (p aligned to
 * 2^k) has FRAME_F_FREE on all its frames and FRAME_F_HEAD plus order = k on
 * frame p, which is linked into head[k].  The buddy of that block starts at
 * p ^ 2^k; merging needs only a look at the buddy's head frame.
 */
#include "mm/buddy.h"

#include <stdbool.h>

#include "lib/errno.h"

static uint64_t block_frames(unsigned order)
{
    return 1ull << order;
}

static void list_push(struct buddy *b, uint64_t pfn, unsigned order)
{
    struct frame *f = &b->ft[pfn];
    uint32_t h = b->head[order];

    f->flags = FRAME_F_FREE | FRAME_F_HEAD;
    f->order = (uint8_t)order;
    f->prev = FRAME_NIL;
    f->next = h;
    if (h != FRAME_NIL)
        b->ft[h].prev = (uint32_t)pfn;
    b->head[order] = (uint32_t)pfn;
    b->nr_free_per_order[order]++;
}

/* O(1) unlink through the prev/next links; the frames stay marked free. */
static void list_del(struct buddy *b, uint64_t pfn)
{
    struct frame *f = &b->ft[pfn];
    unsigned order = f->order;

    if (f->prev != FRAME_NIL)
        b->ft[f->prev].next = f->next;
    else
        b->head[order] = f->next;
    if (f->next != FRAME_NIL)
        b->ft[f->next].prev = f->prev;
    f->next = f->prev = FRAME_NIL;
    f->flags &= (uint8_t)~FRAME_F_HEAD;
    b->nr_free_per_order[order]--;
}

void buddy_init(struct buddy *b, struct frame *ft, uint64_t nr_frames)
{
    uint64_t i;
    unsigned o;

    /* FRAME_NIL terminates the lists, so it cannot be a frame number. */
    if (nr_frames > FRAME_NIL)
        nr_frames = FRAME_NIL;
    b->ft = ft;
    b->nr_frames = nr_frames;
    b->free_frames = 0;
    for (o = 0; o <= BUDDY_MAX_ORDER; o++) {
        b->head[o] = FRAME_NIL;
        b->nr_free_per_order[o] = 0;
    }
    for (i = 0; i < nr_frames; i++) {
        struct frame *f = &ft[i];

        f->next = f->prev = FRAME_NIL;
        f->count = 0;
        f->type_info = 0;
        f->vflags = 0;
        f->nr_validated = 0;
        f->linear = 0;
        f->owner = DOMID_INVALID;
        f->flags = FRAME_F_RESERVED;
        f->order = 0;
    }
}

/* Puts a validated, not-free block on the lists, merging with free buddies. */
static void free_block(struct buddy *b, uint64_t pfn, unsigned order)
{
    uint64_t i, n = block_frames(order);

    for (i = 0; i < n; i++) {
        struct frame *f = &b->ft[pfn + i];

        f->flags = FRAME_F_FREE;
        f->owner = DOMID_INVALID;
        f->count = 0;
        f->type_info = 0;
        f->vflags = 0;
        f->nr_validated = 0;
        f->linear = 0;
    }
    b->free_frames += n;
    while (order < BUDDY_MAX_ORDER) {
        uint64_t bud = pfn ^ block_frames(order);
        const struct frame *bf;

        if (bud + block_frames(order) > b->nr_frames)
            break;
        bf = &b->ft[bud];
        if (!(bf->flags & FRAME_F_HEAD) || bf->order != order)
            break;
        list_del(b, bud);
        if (bud < pfn)
            pfn = bud;
        order++;
    }
    list_push(b, pfn, order);
}

/* True if every frame of the range is allocated (neither free nor reserved). */
static bool range_allocated(const struct buddy *b, uint64_t pfn, uint64_t n)
{
    uint64_t i;

    for (i = 0; i < n; i++)
        if (b->ft[pfn + i].flags & (FRAME_F_FREE | FRAME_F_RESERVED))
            return false;
    return true;
}

static bool range_reserved(const struct buddy *b, uint64_t pfn, uint64_t n)
{
    uint64_t i;

    for (i = 0; i < n; i++)
        if (!(b->ft[pfn + i].flags & FRAME_F_RESERVED))
            return false;
    return true;
}

void buddy_add_range(struct buddy *b, uint64_t pfn, uint64_t count)
{
    if (pfn >= b->nr_frames)
        return;
    if (count > b->nr_frames - pfn)
        count = b->nr_frames - pfn;
    while (count) {
        unsigned order = 0;
        uint64_t i;

        /* The largest block aligned at pfn that fits in what is left. */
        while (order < BUDDY_MAX_ORDER && !(pfn & block_frames(order)) &&
               block_frames(order + 1) <= count)
            order++;
        /* Only reserved frames can be donated: giving a free or allocated
         * frame again would corrupt the lists, so shrink the block around it. */
        while (order > 0 && !range_reserved(b, pfn, block_frames(order)))
            order--;
        if (!(b->ft[pfn].flags & FRAME_F_RESERVED)) {
            pfn++;
            count--;
            continue;
        }
        for (i = 0; i < block_frames(order); i++)
            b->ft[pfn + i].flags = 0;
        free_block(b, pfn, order);
        pfn += block_frames(order);
        count -= block_frames(order);
    }
}

/* Takes the free block at 'pfn' (a list head of order 'have') and returns its
 * first 2^order frames, giving the upper halves back as smaller blocks. */
static int64_t take_block(struct buddy *b, uint64_t pfn, unsigned have, unsigned order)
{
    uint64_t i;

    list_del(b, pfn);
    while (have > order) {
        have--;
        list_push(b, pfn + block_frames(have), have);
    }
    for (i = 0; i < block_frames(order); i++)
        b->ft[pfn + i].flags = 0;
    b->free_frames -= block_frames(order);
    return (int64_t)pfn;
}

int64_t buddy_alloc(struct buddy *b, unsigned order)
{
    unsigned o;

    if (order > BUDDY_MAX_ORDER)
        return -EINVAL;
    for (o = order; o <= BUDDY_MAX_ORDER; o++)
        if (b->head[o] != FRAME_NIL)
            return take_block(b, b->head[o], o, order);
    return -ENOMEM;
}

int64_t buddy_alloc_below(struct buddy *b, unsigned order, uint64_t limit_pfn)
{
    unsigned o;

    if (order > BUDDY_MAX_ORDER)
        return -EINVAL;
    /* Smallest orders first, so large blocks are split only when needed;
     * the low end of any block qualifies if the block starts low enough. */
    for (o = order; o <= BUDDY_MAX_ORDER; o++) {
        uint32_t p;

        for (p = b->head[o]; p != FRAME_NIL; p = b->ft[p].next)
            if (p + block_frames(order) <= limit_pfn)
                return take_block(b, p, o, order);
    }
    return -ENOMEM;
}

int buddy_free(struct buddy *b, uint64_t pfn, unsigned order)
{
    if (order > BUDDY_MAX_ORDER || (pfn & (block_frames(order) - 1)) ||
        pfn >= b->nr_frames || block_frames(order) > b->nr_frames - pfn)
        return -EINVAL;
    if (!range_allocated(b, pfn, block_frames(order)))
        return -EINVAL;
    free_block(b, pfn, order);
    return 0;
}

static int check_block(const struct buddy *b, uint64_t pfn, unsigned order, uint64_t *frames)
{
    uint64_t i, n = block_frames(order);

    if ((pfn & (n - 1)) || pfn + n > b->nr_frames || b->ft[pfn].order != order ||
        b->ft[pfn].flags != (FRAME_F_FREE | FRAME_F_HEAD))
        return -EINVAL;
    for (i = 1; i < n; i++)
        if (b->ft[pfn + i].flags != FRAME_F_FREE)
            return -EINVAL;
    *frames += n;
    return 0;
}

int buddy_check(const struct buddy *b)
{
    uint64_t frames = 0, flagged = 0, i;
    unsigned o;

    for (o = 0; o <= BUDDY_MAX_ORDER; o++) {
        uint64_t blocks = 0;
        uint32_t p, prev = FRAME_NIL;

        for (p = b->head[o]; p != FRAME_NIL; prev = p, p = b->ft[p].next) {
            if (p >= b->nr_frames || b->ft[p].prev != prev || ++blocks > b->nr_frames)
                return -EINVAL;
            if (check_block(b, p, o, &frames))
                return -EINVAL;
        }
        if (blocks != b->nr_free_per_order[o])
            return -EINVAL;
    }
    for (i = 0; i < b->nr_frames; i++)
        if (b->ft[i].flags & FRAME_F_FREE)
            flagged++;
    return frames == b->free_frames && flagged == frames ? 0 : -EINVAL;
}
