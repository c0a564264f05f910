/* Buddy allocator and frametable_populate. */
#include <stdbool.h>

#include "lib/errno.h"
#include "mm/buddy.h"
#include "mm/frametable.h"
#include "test.h"

#define NF 4096

static struct frame ft[NF];
static struct buddy b;

static unsigned blocks_total(const struct buddy *bd)
{
    unsigned o, n = 0;

    for (o = 0; o <= BUDDY_MAX_ORDER; o++)
        n += (unsigned)bd->nr_free_per_order[o];
    return n;
}

static void test_init(void)
{
    unsigned o;

    memset(ft, 0x5a, sizeof(ft));
    buddy_init(&b, ft, NF);
    CHECK_EQ(b.nr_frames, NF);
    CHECK_EQ(b.free_frames, 0);
    for (o = 0; o <= BUDDY_MAX_ORDER; o++) {
        CHECK_EQ(b.head[o], FRAME_NIL);
        CHECK_EQ(b.nr_free_per_order[o], 0);
    }
    CHECK_EQ(ft[0].flags, FRAME_F_RESERVED);
    CHECK_EQ(ft[NF - 1].owner, DOMID_INVALID);
    CHECK_EQ(ft[17].count, 0);
    CHECK_EQ(buddy_alloc(&b, 0), -ENOMEM);
    CHECK_EQ(buddy_alloc(&b, BUDDY_MAX_ORDER + 1), -EINVAL);
    CHECK_EQ(buddy_alloc_below(&b, BUDDY_MAX_ORDER + 1, NF), -EINVAL);
    CHECK_EQ(buddy_check(&b), 0);
}

static void test_add_range_blocks(void)
{
    buddy_init(&b, ft, NF);
    buddy_add_range(&b, 0, 1024);
    CHECK_EQ(b.free_frames, 1024);
    CHECK_EQ(b.nr_free_per_order[10], 1);
    CHECK_EQ(blocks_total(&b), 1);
    CHECK_EQ(ft[0].flags, FRAME_F_FREE | FRAME_F_HEAD);
    CHECK_EQ(ft[0].order, 10);
    CHECK_EQ(ft[1].flags, FRAME_F_FREE);
    CHECK_EQ(buddy_check(&b), 0);

    /* [3, 1000): 3 (o0), 4-7 (o2), 8-15 (o3), ..., 512-767 (o8), 768-895 (o7), 896-959 (o6),
     * 960-991 (o5), 992-999 (o3). */
    buddy_init(&b, ft, NF);
    buddy_add_range(&b, 3, 997);
    CHECK_EQ(b.free_frames, 997);
    CHECK_EQ(b.nr_free_per_order[0], 1);
    CHECK_EQ(b.nr_free_per_order[2], 1);
    CHECK_EQ(b.nr_free_per_order[3], 2);
    CHECK_EQ(b.nr_free_per_order[8], 2);    /* 256-511 and 512-767 */
    CHECK_EQ(b.nr_free_per_order[9], 0);
    CHECK_EQ(ft[3].order, 0);
    CHECK_EQ(ft[992].order, 3);
    CHECK_EQ(ft[2].flags, FRAME_F_RESERVED);
    CHECK_EQ(ft[1000].flags, FRAME_F_RESERVED);
    CHECK_EQ(buddy_check(&b), 0);

    /* Adding the missing pieces coalesces everything into order-12 (the whole table). */
    buddy_add_range(&b, 0, 3);
    buddy_add_range(&b, 1000, NF - 1000);
    CHECK_EQ(b.free_frames, NF);
    CHECK_EQ(b.nr_free_per_order[12], 1);
    CHECK_EQ(blocks_total(&b), 1);
    CHECK_EQ(buddy_check(&b), 0);

    /* Donating again, or past the end, changes nothing. */
    buddy_add_range(&b, 0, NF);
    buddy_add_range(&b, NF, 100);
    buddy_add_range(&b, NF - 1, 100);
    CHECK_EQ(b.free_frames, NF);
    CHECK_EQ(buddy_check(&b), 0);
}

static void test_alloc_free_coalesce(void)
{
    int64_t p[NF];
    unsigned i;

    buddy_init(&b, ft, NF);
    buddy_add_range(&b, 0, NF);
    for (i = 0; i < NF; i++) {
        p[i] = buddy_alloc(&b, 0);
        CHECK(p[i] >= 0 && p[i] < NF);
        CHECK_EQ(ft[p[i]].flags, 0);
    }
    CHECK_EQ(b.free_frames, 0);
    CHECK_EQ(buddy_alloc(&b, 0), -ENOMEM);
    CHECK_EQ(buddy_check(&b), 0);
    /* Each frame exactly once. */
    {
        static bool seen[NF];

        memset(seen, 0, sizeof(seen));
        for (i = 0; i < NF; i++) {
            CHECK(!seen[p[i]]);
            seen[p[i]] = true;
        }
    }
    /* Free in an interleaved order: all merge back into one block. */
    for (i = 0; i < NF; i += 2)
        CHECK_EQ(buddy_free(&b, (uint64_t)p[i], 0), 0);
    CHECK_EQ(buddy_check(&b), 0);
    for (i = 1; i < NF; i += 2)
        CHECK_EQ(buddy_free(&b, (uint64_t)p[i], 0), 0);
    CHECK_EQ(b.free_frames, NF);
    CHECK_EQ(b.nr_free_per_order[12], 1);
    CHECK_EQ(ft[0].owner, DOMID_INVALID);
    CHECK_EQ(buddy_check(&b), 0);
}

static void test_alignment_and_split(void)
{
    unsigned o;

    buddy_init(&b, ft, NF);
    buddy_add_range(&b, 0, NF);
    for (o = 0; o <= 10; o++) {
        int64_t p = buddy_alloc(&b, o);

        CHECK(p >= 0);
        CHECK_EQ((uint64_t)p & ((1ull << o) - 1), 0);
    }
    CHECK_EQ(buddy_check(&b), 0);
    CHECK_EQ(b.free_frames, NF - 2047);
    /* An order-12 request cannot be met any more, an order-11 can exactly once. */
    CHECK_EQ(buddy_alloc(&b, 12), -ENOMEM);
    CHECK(buddy_alloc(&b, 11) >= 0);
    CHECK_EQ(buddy_alloc(&b, 11), -ENOMEM);
    CHECK_EQ(buddy_alloc(&b, 13), -ENOMEM);
    CHECK_EQ(buddy_check(&b), 0);
}

static void test_bad_frees(void)
{
    static struct frame snap_ft[NF];
    struct buddy snap_b;
    int64_t p;

    buddy_init(&b, ft, NF);
    buddy_add_range(&b, 64, 1024);
    p = buddy_alloc(&b, 2);
    CHECK(p >= 0);
    memcpy(snap_ft, ft, sizeof(ft));
    snap_b = b;

    CHECK_EQ(buddy_free(&b, (uint64_t)p + 1, 2), -EINVAL);   /* misaligned */
    CHECK_EQ(buddy_free(&b, (uint64_t)p, BUDDY_MAX_ORDER + 1), -EINVAL);
    CHECK_EQ(buddy_free(&b, 0, 0), -EINVAL);                 /* reserved, never donated */
    CHECK_EQ(buddy_free(&b, NF, 0), -EINVAL);                /* out of range */
    CHECK_EQ(buddy_free(&b, NF - 4, 3), -EINVAL);            /* misaligned and past the end */
    CHECK_EQ(buddy_free(&b, 0, 12), -EINVAL);                /* includes reserved and free frames */
    CHECK_EQ(buddy_free(&b, (uint64_t)p ^ 4, 2), -EINVAL);   /* its free buddy */
    CHECK_EQ(buddy_free(&b, (uint64_t)p, 3), -EINVAL);       /* larger than what was allocated */
    CHECK(memcmp(ft, snap_ft, sizeof(ft)) == 0);
    CHECK(memcmp(&b, &snap_b, sizeof(b)) == 0);

    CHECK_EQ(buddy_free(&b, (uint64_t)p, 2), 0);
    memcpy(snap_ft, ft, sizeof(ft));
    snap_b = b;
    CHECK_EQ(buddy_free(&b, (uint64_t)p, 2), -EINVAL);       /* double free */
    CHECK_EQ(buddy_free(&b, (uint64_t)p + 1, 0), -EINVAL);   /* frame inside a free block */
    CHECK(memcmp(ft, snap_ft, sizeof(ft)) == 0);
    CHECK(memcmp(&b, &snap_b, sizeof(b)) == 0);
    CHECK_EQ(buddy_check(&b), 0);

    /* Freeing part of an allocation in pieces is allowed (aligned, allocated). */
    p = buddy_alloc(&b, 1);
    CHECK_EQ(buddy_free(&b, (uint64_t)p + 1, 0), 0);
    CHECK_EQ(buddy_free(&b, (uint64_t)p, 0), 0);
    CHECK_EQ(buddy_check(&b), 0);
    CHECK_EQ(b.free_frames, 1024);

    /* buddy_check notices corruption. */
    ft[70].flags = 0;
    CHECK_EQ(buddy_check(&b), -EINVAL);
}

static void test_alloc_below(void)
{
    int64_t p;

    buddy_init(&b, ft, NF);
    buddy_add_range(&b, 0, NF);
    /* 1 MiB = pfn 256: four order-4 blocks and then nothing. */
    for (int i = 0; i < 16; i++) {
        p = buddy_alloc_below(&b, 4, 256);
        CHECK(p >= 0 && p + 16 <= 256);
    }
    CHECK_EQ(buddy_alloc_below(&b, 4, 256), -ENOMEM);
    CHECK_EQ(buddy_alloc_below(&b, 0, 256), -ENOMEM);
    p = buddy_alloc_below(&b, 0, 257);
    CHECK_EQ(p, 256);
    CHECK_EQ(buddy_alloc_below(&b, 8, 256), -ENOMEM);
    CHECK_EQ(buddy_alloc_below(&b, 0, 0), -ENOMEM);
    CHECK_EQ(buddy_check(&b), 0);

    /* A limit that is not block-aligned: the whole block must fit below it. */
    buddy_init(&b, ft, NF);
    buddy_add_range(&b, 0, NF);
    for (int i = 0; i < 15; i++) {
        p = buddy_alloc_below(&b, 4, 250);
        CHECK(p >= 0 && p + 16 <= 250);
    }
    CHECK_EQ(buddy_alloc_below(&b, 4, 250), -ENOMEM);     /* 240..255 would cross 250 */
    CHECK_EQ(buddy_alloc_below(&b, 3, 250), 240);
    CHECK_EQ(buddy_check(&b), 0);

    /* Only high memory free: a low request fails while a normal one works. */
    buddy_init(&b, ft, NF);
    buddy_add_range(&b, 2048, 2048);
    CHECK_EQ(buddy_alloc_below(&b, 0, 2048), -ENOMEM);
    CHECK_EQ(buddy_alloc_below(&b, 0, 2049), 2048);
    CHECK(buddy_alloc(&b, 0) >= 2048);
}

/* Random allocation and freeing against a reference of who holds each frame. */
static void test_random_stress(void)
{
    enum { MAXLIVE = 2000 };
    static struct { int64_t pfn; unsigned order; } live[MAXLIVE];
    static int owner_of[NF];    /* index+1 into live, 0 = not allocated */
    static bool donated[NF];
    unsigned nlive = 0, it, i;
    uint64_t total = 0;
    uint64_t per_order_fresh[BUDDY_MAX_ORDER + 1];

    buddy_init(&b, ft, NF);
    memset(donated, 0, sizeof(donated));
    memset(owner_of, 0, sizeof(owner_of));
    /* Donate a few odd ranges. */
    {
        static const uint64_t ranges[][2] = { { 1, 700 }, { 777, 1 }, { 1024, 1500 }, { 3000, 1096 } };

        for (i = 0; i < 4; i++) {
            buddy_add_range(&b, ranges[i][0], ranges[i][1]);
            for (uint64_t f = ranges[i][0]; f < ranges[i][0] + ranges[i][1]; f++)
                donated[f] = true;
            total += ranges[i][1];
        }
    }
    CHECK_EQ(b.free_frames, total);
    memcpy(per_order_fresh, b.nr_free_per_order, sizeof(per_order_fresh));

    for (it = 0; it < 60000; it++) {
        if (nlive < MAXLIVE && (nlive == 0 || t_rand_below(100) < 55)) {
            unsigned order = (unsigned)(t_rand_below(4) ? t_rand_below(3) : t_rand_below(9));
            int64_t p = t_rand_below(4) ? buddy_alloc(&b, order)
                                        : buddy_alloc_below(&b, order, t_rand_below(NF + 1));

            if (p == -ENOMEM)
                continue;
            CHECK(p >= 0);
            if (p < 0)
                break;
            CHECK_EQ((uint64_t)p & ((1ull << order) - 1), 0);
            for (uint64_t f = (uint64_t)p; f < (uint64_t)p + (1ull << order); f++) {
                CHECK(f < NF && donated[f] && owner_of[f] == 0);
                owner_of[f] = (int)nlive + 1;
            }
            live[nlive].pfn = p;
            live[nlive].order = order;
            nlive++;
        } else {
            unsigned k = (unsigned)t_rand_below(nlive);
            uint64_t p = (uint64_t)live[k].pfn;
            unsigned order = live[k].order;

            CHECK_EQ(buddy_free(&b, p, order), 0);
            for (uint64_t f = p; f < p + (1ull << order); f++)
                owner_of[f] = 0;
            /* Occasionally try a double free: must be refused. */
            if (t_rand_below(10) == 0)
                CHECK_EQ(buddy_free(&b, p, order), -EINVAL);
            live[k] = live[--nlive];
            for (uint64_t f = (uint64_t)live[k].pfn; k < nlive && f < (uint64_t)live[k].pfn + (1ull << live[k].order); f++)
                owner_of[f] = (int)k + 1;
        }
        if (it % 5000 == 0)
            CHECK_EQ(buddy_check(&b), 0);
        if (t_failures)
            break;
    }
    {
        uint64_t used = 0;

        for (i = 0; i < nlive; i++)
            used += 1ull << live[i].order;
        CHECK_EQ(b.free_frames + used, total);
    }
    while (nlive) {
        nlive--;
        CHECK_EQ(buddy_free(&b, (uint64_t)live[nlive].pfn, live[nlive].order), 0);
    }
    CHECK_EQ(b.free_frames, total);
    CHECK_EQ(buddy_check(&b), 0);
    /* Fully coalesced: the same blocks as right after donation. */
    CHECK(memcmp(per_order_fresh, b.nr_free_per_order, sizeof(per_order_fresh)) == 0);
}

/* Orders up to the maximum need a table of more than 2^18 frames. */
static void test_max_order(void)
{
    uint64_t n = (1ull << BUDDY_MAX_ORDER) * 2 + 5;
    struct frame *big = calloc(n, sizeof(*big));
    struct buddy bb;
    int64_t p;

    buddy_init(&bb, big, n);
    buddy_add_range(&bb, 0, n);
    CHECK_EQ(bb.nr_free_per_order[BUDDY_MAX_ORDER], 2);     /* no order 19 */
    CHECK_EQ(bb.free_frames, n);
    p = buddy_alloc(&bb, BUDDY_MAX_ORDER);
    CHECK(p == 0 || p == 1 << BUDDY_MAX_ORDER);
    CHECK_EQ(buddy_free(&bb, (uint64_t)p, BUDDY_MAX_ORDER), 0);
    CHECK_EQ(bb.nr_free_per_order[BUDDY_MAX_ORDER], 2);
    CHECK_EQ(buddy_check(&bb), 0);
    free(big);
}

/* ---- frametable_populate ---- */

static void expect_free_pages(const bool *want, int line)
{
    unsigned i, bad = 0;

    for (i = 0; i < NF; i++) {
        bool is_free = ft[i].flags & FRAME_F_FREE;

        if (is_free != want[i] && bad++ < 5)
            fprintf(stderr, "%s:%d: pfn %u: free %d, expected %d\n", __FILE__, line, i, is_free, want[i]);
    }
    t_checks++;
    if (bad)
        t_failures++;
}

static void test_frametable(void)
{
    static bool want[NF];
    const struct mem_region map[] = {
        { 0x0, 0x9fc00, MEM_RAM },                  /* pages 0..158 whole, 159 partial */
        { 0x9fc00, 0x400, MEM_RESERVED },
        { 0x100000, 0x700000, MEM_RAM },            /* pages 256..2047 */
        { 0x800800, 0x7ff800, MEM_RAM },            /* starts mid-page: 2049..4095 */
        { 0x1000000, 0x100000, MEM_RAM },           /* beyond the table: clamped */
    };
    const struct mem_region ex[] = {
        { 0x0, 0x100000, MEM_RESERVED },            /* first MiB */
        { 0x200000, 0x80000, MEM_RESERVED },        /* image: pages 512..639 */
        { 0x300001, 0x10, MEM_RESERVED },           /* a few bytes: page 768 */
        { 0x2fffff, 0x1, MEM_RESERVED },            /* last byte of page 767 */
        { 0x500000, 0x0, MEM_RESERVED },            /* empty: no effect */
        { 0x600000, 0x1000, MEM_RESERVED },         /* overlapping exclusions */
        { 0x600800, 0x2000, MEM_RESERVED },         /* pages 1536..1538 */
    };
    uint64_t n;
    unsigned i;

    memset(ft, 0xcc, sizeof(ft));
    n = frametable_populate(&b, ft, NF, map, 5, ex, 7);
    memset(want, 0, sizeof(want));
    for (i = 256; i < 2048; i++)
        want[i] = true;
    for (i = 2049; i < NF; i++)
        want[i] = true;
    for (i = 512; i < 640; i++)
        want[i] = false;
    want[767] = want[768] = false;
    want[1536] = want[1537] = want[1538] = false;
    expect_free_pages(want, __LINE__);
    {
        uint64_t cnt = 0;

        for (i = 0; i < NF; i++)
            cnt += want[i];
        CHECK_EQ(n, cnt);
    }
    CHECK_EQ(ft[0].flags, FRAME_F_RESERVED);
    CHECK_EQ(ft[0].owner, DOMID_INVALID);
    CHECK_EQ(ft[2048].flags, FRAME_F_RESERVED);
    CHECK_EQ(buddy_check(&b), 0);

    /* An unsanitized map: a reserved range overlapping RAM stays reserved. */
    {
        const struct mem_region raw[] = {
            { 0x0, 0x1000000, MEM_RAM },
            { 0x400000, 0x1000, MEM_NVS },
            { 0x400000, 0x1000, MEM_RAM },
        };

        n = frametable_populate(&b, ft, NF, raw, 3, NULL, 0);
        CHECK_EQ(n, NF - 1);
        CHECK_EQ(ft[0x400].flags, FRAME_F_RESERVED);
        CHECK_EQ(buddy_check(&b), 0);
    }
    /* Whole RAM excluded; RAM ending at 2^64. */
    {
        const struct mem_region all[] = { { 0, 0x1000000, MEM_RAM } };
        const struct mem_region top[] = { { 0xfffffffffffff000ull, 0x1000, MEM_RAM } };

        CHECK_EQ(frametable_populate(&b, ft, NF, all, 1, all, 1), 0);
        CHECK_EQ(frametable_populate(&b, ft, NF, top, 1, NULL, 0), 0);
    }
}

int main(void)
{
    RUN(test_init);
    RUN(test_add_range_blocks);
    RUN(test_alloc_free_coalesce);
    RUN(test_alignment_and_split);
    RUN(test_bad_frees);
    RUN(test_alloc_below);
    RUN(test_random_stress);
    RUN(test_max_order);
    RUN(test_frametable);
    return t_finish("test_buddy");
}
