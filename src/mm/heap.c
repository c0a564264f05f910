/*
 * Heap.  Every heap page starts with a 64-byte header whose first word is a
 * magic number, so heap_free() learns from the page of a pointer what it
 * points into: a slab of one size class and tag, or a large allocation of
 * some order.  Free slab objects are chained through their first word, and
 * the second holds a poison derived from the object's address, which makes
 * double frees cheap to spot.
 */
#include "mm/heap.h"

#include <stdbool.h>

#include "lib/string.h"

#define HEAP_PAGE        4096u
#define HEAP_HDR         64u
#define SLAB_MAGIC       0x534c4142u    /* "SLAB" */
#define LARGE_MAGIC      0x4c524745u    /* "EGRL" */
#define FREE_POISON      0xf2eef2eef2eef2eeull

static const uint16_t class_size[] = {
    16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1344, 2048,
};
#define NR_CLASSES (sizeof(class_size) / sizeof(class_size[0]))

struct slab {                   /* header of a slab page */
    uint32_t magic;             /* SLAB_MAGIC */
    uint8_t  cls;               /* index into class_size */
    uint8_t  tag;               /* every object of a slab has the slab's tag */
    uint16_t nr_free;
    uint16_t nr_objs;
    struct slab *next, *prev;   /* partial list of (cls, tag), while nr_free > 0 */
    struct free_obj *free;
};

struct large {                  /* header of a large allocation */
    uint32_t magic;             /* LARGE_MAGIC */
    uint8_t  tag;
    uint8_t  order;
};

struct free_obj {
    struct free_obj *next;
    uint64_t poison;            /* FREE_POISON ^ address while free */
};

_Static_assert(sizeof(struct slab) <= HEAP_HDR && sizeof(struct large) <= HEAP_HDR,
               "heap page headers fit in HEAP_HDR");

/* All state is file-static: the heap is a single instance; callers serialize. */
static struct heap_page_ops page_ops;
static bool heap_ready;
static struct slab *partial[NR_CLASSES][HEAP_NR_TAGS];
static struct heap_stats tag_stats[HEAP_NR_TAGS];
static uint64_t pages_in_use, bad_frees;

static const char *const tag_names[HEAP_NR_TAGS] = {
    [HEAP_CORE] = "core", [HEAP_MM] = "mm", [HEAP_ARCH] = "arch", [HEAP_BOOT] = "boot",
    [HEAP_HVM] = "hvm", [HEAP_EVTCHN] = "evtchn", [HEAP_GNTTAB] = "gnttab", [HEAP_PV] = "pv",
    [HEAP_TEST] = "test",
};

void heap_init(const struct heap_page_ops *ops)
{
    page_ops = *ops;
    memset(partial, 0, sizeof(partial));
    memset(tag_stats, 0, sizeof(tag_stats));
    pages_in_use = bad_frees = 0;
    heap_ready = ops->alloc_pages && ops->free_pages;
}

static uint64_t poison_of(const void *obj)
{
    return FREE_POISON ^ (uint64_t)(uintptr_t)obj;
}

static void *get_pages(unsigned order)
{
    void *p = page_ops.alloc_pages(order, page_ops.ctx);

    if (p && ((uintptr_t)p & (HEAP_PAGE - 1))) {
        /* The header lookup in heap_free needs page alignment. */
        page_ops.free_pages(p, order, page_ops.ctx);
        return NULL;
    }
    if (p)
        pages_in_use += 1ull << order;
    return p;
}

static void put_pages(void *p, unsigned order)
{
    pages_in_use -= 1ull << order;
    page_ops.free_pages(p, order, page_ops.ctx);
}

static void partial_push(struct slab *s)
{
    struct slab **head = &partial[s->cls][s->tag];

    s->prev = NULL;
    s->next = *head;
    if (*head)
        (*head)->prev = s;
    *head = s;
}

static void partial_del(struct slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        partial[s->cls][s->tag] = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
}

static struct slab *slab_new(unsigned cls, enum heap_tag tag)
{
    struct slab *s = get_pages(0);
    unsigned i, size = class_size[cls];

    if (!s)
        return NULL;
    s->magic = SLAB_MAGIC;
    s->cls = (uint8_t)cls;
    s->tag = (uint8_t)tag;
    s->nr_objs = (uint16_t)((HEAP_PAGE - HEAP_HDR) / size);
    s->nr_free = s->nr_objs;
    s->free = NULL;
    /* Chain from the top so allocation proceeds upward through the page. */
    for (i = s->nr_objs; i-- > 0;) {
        struct free_obj *f = (struct free_obj *)((uint8_t *)s + HEAP_HDR + i * size);

        f->next = s->free;
        f->poison = poison_of(f);
        s->free = f;
    }
    partial_push(s);
    return s;
}

static void account_alloc(enum heap_tag tag, uint64_t bytes)
{
    tag_stats[tag].bytes += bytes;
    tag_stats[tag].objects++;
    tag_stats[tag].allocs++;
}

static void account_free(unsigned tag, uint64_t bytes)
{
    tag_stats[tag].bytes -= bytes;
    tag_stats[tag].objects--;
    tag_stats[tag].frees++;
}

static void *large_alloc(size_t size, enum heap_tag tag)
{
    unsigned order = 0;
    struct large *l;

    if (size > (HEAP_PAGE << HEAP_MAX_ORDER) - HEAP_HDR)
        return NULL;
    while ((HEAP_PAGE << order) - HEAP_HDR < size)
        order++;
    l = get_pages(order);
    if (!l)
        return NULL;
    l->magic = LARGE_MAGIC;
    l->tag = (uint8_t)tag;
    l->order = (uint8_t)order;
    account_alloc(tag, (HEAP_PAGE << order) - HEAP_HDR);
    return (uint8_t *)l + HEAP_HDR;
}

void *heap_alloc(size_t size, enum heap_tag tag)
{
    unsigned cls = 0;
    struct slab *s;
    struct free_obj *f;

    if (!heap_ready || size == 0 || (unsigned)tag >= HEAP_NR_TAGS)
        return NULL;
    if (size > HEAP_MAX_SMALL)
        return large_alloc(size, tag);
    while (class_size[cls] < size)
        cls++;
    s = partial[cls][tag];
    if (!s) {
        s = slab_new(cls, tag);
        if (!s)
            return NULL;
    }
    f = s->free;
    s->free = f->next;
    f->next = NULL;
    f->poison = 0;
    if (--s->nr_free == 0)
        partial_del(s);
    account_alloc(tag, class_size[cls]);
    return f;
}

void *heap_zalloc(size_t size, enum heap_tag tag)
{
    void *p = heap_alloc(size, tag);

    if (p)
        memset(p, 0, size);
    return p;
}

/* A poisoned object is free only if it is really on the slab's free list
 * (live data could happen to equal the poison). */
static bool slab_obj_is_free(const struct slab *s, const struct free_obj *f)
{
    const struct free_obj *it;
    unsigned n = 0;

    if (f->poison != poison_of(f))
        return false;
    for (it = s->free; it && n <= s->nr_objs; it = it->next, n++)
        if (it == f)
            return true;
    return false;
}

static void slab_free(struct slab *s, uint8_t *p)
{
    size_t off = (size_t)(p - (uint8_t *)s);
    unsigned size;
    struct free_obj *f = (struct free_obj *)p;

    if (s->cls >= NR_CLASSES || s->tag >= HEAP_NR_TAGS || off < HEAP_HDR) {
        bad_frees++;
        return;
    }
    size = class_size[s->cls];
    if ((off - HEAP_HDR) % size || (off - HEAP_HDR) / size >= s->nr_objs || slab_obj_is_free(s, f)) {
        bad_frees++;
        return;
    }
    f->next = s->free;
    f->poison = poison_of(f);
    s->free = f;
    account_free(s->tag, size);
    if (++s->nr_free == 1)
        partial_push(s);
    if (s->nr_free == s->nr_objs) {
        /* Empty: give the page back so idle classes hold no memory. */
        partial_del(s);
        s->magic = 0;
        put_pages(s, 0);
    }
}

void heap_free(void *p)
{
    uint8_t *page;
    uint32_t magic;

    if (!p)
        return;
    if (!heap_ready || ((uintptr_t)p & 15)) {
        bad_frees++;
        return;
    }
    page = (uint8_t *)((uintptr_t)p & ~(uintptr_t)(HEAP_PAGE - 1));
    memcpy(&magic, page, sizeof(magic));
    if (magic == SLAB_MAGIC) {
        slab_free((struct slab *)page, p);
    } else if (magic == LARGE_MAGIC && (uint8_t *)p == page + HEAP_HDR) {
        struct large *l = (struct large *)page;
        unsigned order = l->order;

        if (l->tag >= HEAP_NR_TAGS || order > HEAP_MAX_ORDER) {
            bad_frees++;
            return;
        }
        account_free(l->tag, (HEAP_PAGE << order) - HEAP_HDR);
        l->magic = 0;
        put_pages(l, order);
    } else {
        bad_frees++;
    }
}

size_t heap_usable_size(const void *p)
{
    if (!p || !heap_ready || ((uintptr_t)p & 15))
        return 0;
    const uint8_t *page = (const uint8_t *)((uintptr_t)p & ~(uintptr_t)(HEAP_PAGE - 1));
    uint32_t magic;
    memcpy(&magic, page, sizeof(magic));
    if (magic == SLAB_MAGIC) {
        const struct slab *s = (const struct slab *)page;
        return s->cls < NR_CLASSES ? class_size[s->cls] : 0;
    }
    if (magic == LARGE_MAGIC && (const uint8_t *)p == page + HEAP_HDR) {
        const struct large *l = (const struct large *)page;
        return l->order <= HEAP_MAX_ORDER ? (HEAP_PAGE << l->order) - HEAP_HDR : 0;
    }
    return 0;
}

void heap_get_stats(enum heap_tag tag, struct heap_stats *out)
{
    if ((unsigned)tag < HEAP_NR_TAGS)
        *out = tag_stats[tag];
    else
        memset(out, 0, sizeof(*out));
}

uint64_t heap_pages_in_use(void)
{
    return pages_in_use;
}

uint64_t heap_bad_frees(void)
{
    return bad_frees;
}

const char *heap_tag_name(enum heap_tag tag)
{
    return (unsigned)tag < HEAP_NR_TAGS ? tag_names[tag] : "?";
}
