/*
 * Small-object heap with per-subsystem accounting, so that a leak shows up as
 * a tag whose object count never returns to zero.  Objects up to 2048 bytes
 * come from size-class slabs (one 4 KiB page each); larger ones get whole
 * pages.  One global instance; not locked: the caller serializes (mm.c wraps
 * it in the heap lock).
 */
#ifndef RV_MM_HEAP_H
#define RV_MM_HEAP_H

#include <stddef.h>
#include <stdint.h>

enum heap_tag { HEAP_CORE, HEAP_MM, HEAP_ARCH, HEAP_BOOT, HEAP_HVM, HEAP_EVTCHN, HEAP_GNTTAB, HEAP_PV,
                HEAP_TEST, HEAP_NR_TAGS };

/* Where the heap gets its pages: alloc_pages must return 4 KiB-aligned,
 * writable memory of 2^order pages (or NULL). */
struct heap_page_ops {
    void *(*alloc_pages)(unsigned order, void *ctx);
    void (*free_pages)(void *p, unsigned order, void *ctx);
    void *ctx;
};

struct heap_stats {
    uint64_t bytes;     /* bytes held by live objects (size-class or page-rounded) */
    uint64_t objects;   /* live objects */
    uint64_t allocs;    /* successful allocations ever */
    uint64_t frees;     /* good frees ever */
};

#define HEAP_MAX_SMALL     2048
#define HEAP_MAX_ORDER     18   /* largest allocation: 1 GiB minus the header */

/* (Re)initializes the heap; forgets all previous state. */
void heap_init(const struct heap_page_ops *ops);

/* 16-byte aligned; NULL for size 0, a bad tag, no pages, or before heap_init. */
void *heap_alloc(size_t size, enum heap_tag tag);
void *heap_zalloc(size_t size, enum heap_tag tag);

/* NULL is ignored.  A pointer the heap did not hand out (misaligned, foreign,
 * already freed) is detected where the page header makes it cheap, counted
 * in heap_bad_frees() and otherwise ignored. */
void heap_free(void *p);

/* The bytes usable at p (at least what was asked for); 0 for a pointer the
 * heap did not hand out (as far as heap_free can tell). */
size_t heap_usable_size(const void *p);

void heap_get_stats(enum heap_tag tag, struct heap_stats *out);
uint64_t heap_pages_in_use(void);
uint64_t heap_bad_frees(void);
const char *heap_tag_name(enum heap_tag tag);

#endif
