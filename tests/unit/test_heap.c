/* The small-object heap: size classes, per-tag accounting, large allocations,
 * bad frees.  Pages come from a fake page allocator that never returns memory
 * to libc during a test, so stale pointers stay readable (as in the
 * hypervisor's direct map) and ASan still catches overruns of the pool. */
#include <stdbool.h>

#include "mm/heap.h"
#include "test.h"

#define POOL_PAGES 4096

static uint8_t *pool;                   /* 4 KiB-aligned */
static uint16_t used[POOL_PAGES];       /* order+1 at the first page of a block, 0 free */
static uint64_t pages_out;
static uint64_t page_limit = UINT64_MAX;

static void *fake_alloc(unsigned order, void *ctx)
{
    unsigned n = 1u << order, i, j;

    (void)ctx;
    if (pages_out + n > page_limit)
        return NULL;
    for (i = 0; i + n <= POOL_PAGES; i += n) {      /* naturally aligned first fit */
        for (j = 0; j < n && !used[i + j]; j++)
            ;
        if (j == n) {
            for (j = 0; j < n; j++)
                used[i + j] = 0xffff;
            used[i] = (uint16_t)(order + 1);
            pages_out += n;
            memset(pool + (size_t)i * 4096, 0xa5, (size_t)n * 4096);   /* dirty, like real pages */
            return pool + (size_t)i * 4096;
        }
    }
    return NULL;
}

static void fake_free(void *p, unsigned order, void *ctx)
{
    size_t i = (size_t)((uint8_t *)p - pool) / 4096, j;

    (void)ctx;
    CHECK(((uint8_t *)p - pool) % 4096 == 0);
    CHECK_EQ(used[i], order + 1);
    for (j = 0; j < (1u << order); j++)
        used[i + j] = 0;
    pages_out -= 1u << order;
}

static const struct heap_page_ops ops = { fake_alloc, fake_free, NULL };

static void reset(void)
{
    memset(used, 0, sizeof(used));
    pages_out = 0;
    page_limit = UINT64_MAX;
    heap_init(&ops);
}

static void check_all_zero(int line)
{
    unsigned t;

    for (t = 0; t < HEAP_NR_TAGS; t++) {
        struct heap_stats s;

        heap_get_stats((enum heap_tag)t, &s);
        t_checks++;
        if (s.bytes || s.objects || s.allocs != s.frees) {
            fprintf(stderr, "%s:%d: tag %s: %llu bytes, %llu objects, %llu allocs, %llu frees\n", __FILE__,
                    line, heap_tag_name((enum heap_tag)t), (unsigned long long)s.bytes,
                    (unsigned long long)s.objects, (unsigned long long)s.allocs, (unsigned long long)s.frees);
            t_failures++;
        }
    }
    CHECK_EQ(heap_pages_in_use(), 0);
    CHECK_EQ(pages_out, 0);
}

static void test_before_init(void)
{
    /* The heap is file-static and starts unusable. */
    CHECK(heap_alloc(16, HEAP_CORE) == NULL);
    heap_free((void *)16);
    CHECK_EQ(heap_bad_frees(), 1);
}

static void test_sizes(void)
{
    static const size_t sizes[] = { 1, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 95, 96, 100, 128, 129,
                                    191, 192, 255, 256, 300, 384, 500, 512, 700, 768, 1000, 1024, 1025,
                                    1344, 1345, 2000, 2047, 2048, 2049, 4000, 4032, 4033, 8000, 100000 };
    void *p[sizeof(sizes) / sizeof(sizes[0])];
    unsigned i, j;
    struct heap_stats s;

    reset();
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        p[i] = heap_alloc(sizes[i], HEAP_TEST);
        CHECK(p[i] != NULL);
        CHECK_EQ((uintptr_t)p[i] & 15, 0);
        memset(p[i], (int)i, sizes[i]);     /* ASan: the whole size must be ours */
    }
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        for (j = 0; j < sizes[i]; j++)
            if (((uint8_t *)p[i])[j] != (uint8_t)i)
                break;
        CHECK_EQ(j, sizes[i]);                /* no object overlapped another */
    }
    heap_get_stats(HEAP_TEST, &s);
    CHECK_EQ(s.objects, sizeof(sizes) / sizeof(sizes[0]));
    CHECK_EQ(s.allocs, s.objects);
    CHECK(s.bytes >= 100000 + 8000);
    CHECK_EQ(heap_pages_in_use(), pages_out);
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        heap_free(p[i]);
    check_all_zero(__LINE__);
    CHECK_EQ(heap_bad_frees(), 0);
}

static void test_accounting(void)
{
    void *a, *b, *c, *d;
    struct heap_stats s;

    reset();
    a = heap_alloc(10, HEAP_MM);        /* class 16 */
    b = heap_alloc(100, HEAP_MM);       /* class 128 */
    c = heap_alloc(100, HEAP_EVTCHN);
    d = heap_alloc(5000, HEAP_PV);      /* 5000 + header: order 1 */
    heap_get_stats(HEAP_MM, &s);
    CHECK_EQ(s.objects, 2);
    CHECK_EQ(s.bytes, 16 + 128);
    CHECK_EQ(s.allocs, 2);
    CHECK_EQ(s.frees, 0);
    heap_get_stats(HEAP_EVTCHN, &s);
    CHECK_EQ(s.objects, 1);
    CHECK_EQ(s.bytes, 128);
    heap_get_stats(HEAP_PV, &s);
    CHECK_EQ(s.bytes, 8192 - 64);
    /* Slabs are per tag: MM and EVTCHN objects of one class are on different pages. */
    CHECK(((uintptr_t)b & ~4095ul) != ((uintptr_t)c & ~4095ul));
    CHECK_EQ(heap_pages_in_use(), 3 + 2);
    heap_free(b);
    heap_get_stats(HEAP_MM, &s);
    CHECK_EQ(s.objects, 1);
    CHECK_EQ(s.bytes, 16);
    CHECK_EQ(s.frees, 1);
    CHECK_EQ(heap_pages_in_use(), 2 + 2);     /* the empty slab went back */
    heap_free(a);
    heap_free(c);
    heap_free(d);
    check_all_zero(__LINE__);
    /* Stats of a bad tag read as zero; a bad tag cannot allocate. */
    memset(&s, 0xff, sizeof(s));
    heap_get_stats(HEAP_NR_TAGS, &s);
    CHECK_EQ(s.objects, 0);
    CHECK(heap_alloc(16, HEAP_NR_TAGS) == NULL);
    CHECK(heap_alloc(0, HEAP_CORE) == NULL);
    heap_free(NULL);
    CHECK_EQ(heap_bad_frees(), 0);
}

static void test_slab_capacity(void)
{
    /* (4096 - 64) / 16 = 252 objects of 16 bytes per page. */
    static void *p[253];
    unsigned i;

    reset();
    for (i = 0; i < 252; i++)
        p[i] = heap_alloc(16, HEAP_CORE);
    CHECK_EQ(heap_pages_in_use(), 1);
    p[252] = heap_alloc(16, HEAP_CORE);
    CHECK_EQ(heap_pages_in_use(), 2);
    /* A full slab that gets one object back is used again before a new page. */
    heap_free(p[10]);
    p[10] = heap_alloc(16, HEAP_CORE);
    CHECK_EQ(heap_pages_in_use(), 2);
    for (i = 0; i < 253; i++)
        heap_free(p[i]);
    check_all_zero(__LINE__);
    /* 2048-byte objects: one per page; 2049 goes to pages of its own. */
    p[0] = heap_alloc(2048, HEAP_CORE);
    p[1] = heap_alloc(2048, HEAP_CORE);
    CHECK_EQ(heap_pages_in_use(), 2);
    heap_free(p[0]);
    heap_free(p[1]);
    p[0] = heap_alloc(2049, HEAP_CORE);
    CHECK_EQ(heap_pages_in_use(), 1);
    heap_free(p[0]);
    check_all_zero(__LINE__);
}

static void test_zalloc(void)
{
    uint8_t *p;
    unsigned i;

    reset();
    p = heap_alloc(200, HEAP_CORE);
    memset(p, 0xee, 200);
    {
        void *keep = heap_alloc(200, HEAP_CORE);    /* keeps the slab, so p's memory is reused */
        uint8_t *old = p;

        heap_free(p);
        p = heap_zalloc(200, HEAP_CORE);
        CHECK(p == old);
        for (i = 0; i < 200; i++)
            if (p[i])
                break;
        CHECK_EQ(i, 200);
        heap_free(keep);
    }
    heap_free(p);
    p = heap_zalloc(20000, HEAP_CORE);
    for (i = 0; i < 20000; i++)
        if (p[i])
            break;
    CHECK_EQ(i, 20000);
    heap_free(p);
    check_all_zero(__LINE__);
}

static void test_bad_frees(void)
{
    static uint8_t foreign[2 * 4096] __attribute__((aligned(4096)));
    struct heap_stats before, after;
    uint8_t *a, *keep, *big;

    reset();
    keep = heap_alloc(32, HEAP_CORE);
    a = heap_alloc(32, HEAP_CORE);
    big = heap_alloc(10000, HEAP_CORE);
    heap_get_stats(HEAP_CORE, &before);

    heap_free(a + 1);               /* misaligned */
    heap_free(a + 16);              /* inside an object */
    heap_free(keep - 64 + 16);      /* inside the slab header */
    heap_free(foreign + 64);        /* not a heap page */
    heap_free(big + 4096);          /* second page of a large block */
    heap_free(big + 16);            /* not the start of a large block */
    CHECK_EQ(heap_bad_frees(), 6);
    heap_get_stats(HEAP_CORE, &after);
    CHECK(memcmp(&before, &after, sizeof(before)) == 0);

    heap_free(a);
    CHECK_EQ(heap_bad_frees(), 6);
    heap_free(a);                   /* double free, slab still live */
    CHECK_EQ(heap_bad_frees(), 7);
    heap_free(big);
    heap_free(big);                 /* double free of a large block */
    CHECK_EQ(heap_bad_frees(), 8);
    heap_free(keep);
    heap_free(keep);                /* double free after the slab page went back */
    CHECK_EQ(heap_bad_frees(), 9);
    check_all_zero(__LINE__);

    /* Live data that happens to look like a free marker is not a double free. */
    a = heap_alloc(32, HEAP_CORE);
    keep = heap_alloc(32, HEAP_CORE);
    {
        uint8_t *x = heap_alloc(32, HEAP_CORE);
        uint64_t fake[2] = { 0, 0xf2eef2eef2eef2eeull ^ (uint64_t)(uintptr_t)x };

        memcpy(x, fake, sizeof(fake));
        heap_free(x);
        CHECK_EQ(heap_bad_frees(), 9);
    }
    heap_free(a);
    heap_free(keep);
    check_all_zero(__LINE__);
}

static void test_out_of_pages(void)
{
    void *p[300];
    unsigned i, n = 0;

    reset();
    page_limit = 2;
    CHECK(heap_alloc(100000, HEAP_CORE) == NULL);   /* needs 32 pages */
    for (i = 0; i < 300; i++) {
        p[i] = heap_alloc(64, HEAP_CORE);
        if (!p[i])
            break;
        n++;
    }
    CHECK_EQ(n, 2 * 63);    /* (4096 - 64) / 64 per page */
    for (i = 0; i < n; i++)
        heap_free(p[i]);
    check_all_zero(__LINE__);
    CHECK(heap_alloc((size_t)1 << 40, HEAP_CORE) == NULL);      /* beyond the largest order */
    CHECK(heap_alloc(SIZE_MAX, HEAP_CORE) == NULL);
    check_all_zero(__LINE__);
}

/* Random allocations and frees, with a content check on every object. */
static void test_random(void)
{
    enum { N = 3000 };
    static struct { uint8_t *p; size_t size; unsigned tag; uint8_t fill; } obj[N];
    unsigned n = 0, it;

    reset();
    for (it = 0; it < 100000; it++) {
        if (n < N && (n == 0 || t_rand_below(100) < 52)) {
            size_t size = t_rand_below(8) ? 1 + t_rand_below(300) : 1 + t_rand_below(9000);
            unsigned tag = (unsigned)t_rand_below(HEAP_NR_TAGS);
            uint8_t *p = heap_alloc(size, (enum heap_tag)tag);

            CHECK(p != NULL);
            if (!p)
                break;
            obj[n].p = p;
            obj[n].size = size;
            obj[n].tag = tag;
            obj[n].fill = (uint8_t)t_rand();
            memset(p, obj[n].fill, size);
            n++;
        } else {
            unsigned k = (unsigned)t_rand_below(n);
            size_t j;

            for (j = 0; j < obj[k].size && obj[k].p[j] == obj[k].fill; j++)
                ;
            CHECK_EQ(j, obj[k].size);
            heap_free(obj[k].p);
            obj[k] = obj[--n];
        }
        if (t_failures)
            break;
    }
    CHECK_EQ(heap_pages_in_use(), pages_out);
    while (n)
        heap_free(obj[--n].p);
    check_all_zero(__LINE__);
    CHECK_EQ(heap_bad_frees(), 0);
}

static void test_tag_names(void)
{
    static const char *const names[] = { "core", "mm", "arch", "boot", "hvm", "evtchn", "gnttab", "pv", "test" };
    unsigned t;

    for (t = 0; t < HEAP_NR_TAGS; t++)
        CHECK_STR(heap_tag_name((enum heap_tag)t), names[t]);
    CHECK_STR(heap_tag_name(HEAP_NR_TAGS), "?");
    CHECK_STR(heap_tag_name((enum heap_tag)-1), "?");
}

int main(void)
{
    pool = aligned_alloc(4096, (size_t)POOL_PAGES * 4096);
    RUN(test_before_init);
    RUN(test_sizes);
    RUN(test_accounting);
    RUN(test_slab_capacity);
    RUN(test_zalloc);
    RUN(test_bad_frees);
    RUN(test_out_of_pages);
    RUN(test_random);
    RUN(test_tag_names);
    free(pool);
    return t_finish("test_heap");
}
