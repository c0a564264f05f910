/*
 * The shadow pager's tables (docs/shadow.md): a virtual TLB.  For a vCPU
 * whose domain runs without nested paging (hap = 0), the CPU walks these
 * host-owned tables, which map guest-linear addresses straight to machine
 * frames.  They start empty and are filled one 4 KiB page at a time from
 * the guest's own tables (mm/gwalk.c) when the guest faults; they are
 * emptied whenever a real TLB would be (MOV to CR3, paging-mode changes)
 * and an INVLPG drops its address.  They therefore never hold more than a
 * TLB may hold, and the guest's page tables need no write protection.
 *
 * Pure C, like the walker: no locks, no allocation after shadow_init, the
 * caller's pool of pages reached through shadow_pool, so the same file
 * builds into the hypervisor and into tests/unit/test_shadow.c.
 *
 * Owner: one vCPU.  Every function is called by that vCPU only (its exit
 * handlers and its entry path), so nothing here is shared or locked.
 */
#ifndef RV_MM_SHADOW_H
#define RV_MM_SHADOW_H

#include <stdbool.h>
#include <stdint.h>

/* Formats of the shadow tables (what the CPU runs with). */
enum shadow_format {
    SHADOW_PAE = 3,         /* PAE, 3 levels: guests outside long mode (32-bit, PAE, or paging off) */
    SHADOW_4L = 4,          /* 4-level: guests in long mode */
};

/* Rights of one shadow leaf (shadow_fill's flags). */
#define SH_W        0x1u    /* writable */
#define SH_U        0x2u    /* user */
#define SH_NX       0x4u    /* no execute (only when the CPU runs with EFER.NXE) */
#define SH_PWT      0x8u    /* the guest leaf's cache bits, carried over */
#define SH_PCD      0x10u
#define SH_LARGE    0x20u   /* from a guest 2 MiB or 4 MiB page (see shadow_invlpg) */
#define SH_HUGE     0x40u   /* from a guest 1 GiB page */
#define SH_GLOBAL   0x80u   /* the guest's leaf has G and its CR4.PGE is set: kept across a
                             * MOV to CR3 (shadow_flush_nonglobal) */

/*
 * One cached shadow root (docs/shadow.md "Cached shadows per CR3"): the
 * top-level table of one guest address space and the bookkeeping of its
 * root slots (PML4 entries; the 4 PDPTEs in PAE).
 * nonglobal: a leaf without SH_GLOBAL was filled under the slot since the
 * last flush of any kind (what shadow_flush_nonglobal drops); large, huge:
 * a leaf from a guest 2/4 MiB, 1 GiB page was filled under it since the
 * slot was last emptied (what shadow_invlpg must widen); global: a leaf
 * with SH_GLOBAL was (statistics: kept_slots).
 */
struct shadow_root {
    uint64_t tag;               /* the guest CR3 (its table base) this root shadows */
    uint64_t stamp;             /* when it was last made current (LRU) */
    bool live;                  /* holds a tag (else empty and free) */
    uint64_t nonglobal[8], global[8], large[8], huge[8];
};

#define SHADOW_MAX_ROOTS 8u
#define SHADOW_ROOT_PAGES 5u    /* per root: the root and the four PAE directories */

/*
 * The page pool, owned by the shadow after shadow_init.  pa[i] is the
 * physical address of page i (the CPU sees it), to_va where the hypervisor
 * reaches a page (the direct map; identity in the unit test).  Pages
 * 5r..5r+4 are root r's (its root, then its four PAE page directories; a
 * single root in 4-level format uses page 0 only); the others are handed
 * out in order (next), or from the free list (tables given back when a
 * subtree was dropped: shadow_flush_nonglobal, a large-page INVLPG,
 * shadow_revalidate), and all taken back at a full flush.  All roots share
 * the pool.  The free list is threaded through the free pages themselves
 * (first 8 bytes: the next free page's physical address, 0 at the end), so
 * it needs no memory of its own.
 */
struct shadow {
    uint64_t *pa;               /* (i) nr entries */
    void *(*to_va)(uint64_t pa);    /* (i) */
    unsigned nr;                /* (i) pool size, >= SHADOW_MIN_PAGES + 5 (nroots - 1) */
    unsigned nroots;            /* (i) 1..SHADOW_MAX_ROOTS */
    unsigned cur;               /* the root the CPU runs on */
    unsigned used;              /* pages in use now (the root ones included) */
    unsigned next;              /* pool pages 0..next-1 were handed out since the last full flush */
    uint64_t free_head;         /* physical address of the first free table, 0: none */
    uint64_t clock;             /* LRU time: shadow_switch calls */
    enum shadow_format format;  /* current layout of every root */
    struct shadow_root roots[SHADOW_MAX_ROOTS];
    /* Statistics, for the logs and tests. */
    uint64_t fills, flushes, reclaims, invlpgs, upgrades;
    uint64_t ng_flushes;        /* MOV to CR3 flushes that kept the global leaves */
    uint64_t kept_slots;        /* root slots with global leaves kept by them (summed) */
    uint64_t prefetched;        /* leaves written by shadow_fill_near */
    uint64_t switches, hits, evictions;    /* shadow_switch: calls, cached roots found, live roots reused */
    uint64_t rv_checked, rv_kept, rv_unused, rv_capped;  /* shadow_revalidate's leaves: checked, kept
                                 * (equal), dropped unused (A clear), dropped over the budget */
    unsigned peak_used;
};

#define SHADOW_MIN_PAGES 16u

/* The pool must be below 4 GiB for its root (a PAE CR3 has 32 bits);
 * shadow_init checks it.  Returns 0 or -EINVAL. */
int shadow_init(struct shadow *s, uint64_t *pa, void *(*to_va)(uint64_t pa), unsigned nr, enum shadow_format f);
/* The same with nroots cached roots (1..SHADOW_MAX_ROOTS; the first 5 nroots
 * pages below 4 GiB, nr >= SHADOW_MIN_PAGES + 5 (nroots - 1)).  Root 0 is
 * current, with tag 0. */
int shadow_init_roots(struct shadow *s, uint64_t *pa, void *(*to_va)(uint64_t pa), unsigned nr,
                      enum shadow_format f, unsigned nroots);
/* The value for the CPU's CR3: the current root's page. */
uint64_t shadow_root(const struct shadow *s);
/* Empties every table of every root (and switches to format f).  The
 * current root stays current, with its tag; the others become free. */
void shadow_flush(struct shadow *s, enum shadow_format f);
/* Names the guest address space the current root shadows. */
void shadow_set_tag(struct shadow *s, uint64_t tag);
/*
 * A guest's MOV to CR3 with nroots > 1: makes the root tagged tag current
 * (returns true: a hit), else a free root, else the least recently used
 * one, emptied of its non-global slots as shadow_flush_nonglobal does, and
 * tagged (returns false).  Either way the caller must then call
 * shadow_revalidate before the CPU runs on it, and the CPU's TLB must go.
 */
bool shadow_switch(struct shadow *s, uint64_t tag);
/*
 * Revalidation (docs/shadow.md "Cached shadows per CR3"): every present
 * leaf of the current root that the CPU used since the root was last
 * revalidated or emptied (hardware A set in it) is checked, at most budget
 * of them: check(ctx, va) gives what a fill of the 4 KiB page at va would
 * write now (ma, flags; false: none, e.g. not present or A clear in the
 * guest's tables), and the leaf stays, with A cleared, only when that is
 * the same entry bit for bit.  Every other leaf goes: unused (A clear),
 * over the budget, changed.  Non-leaf entries the CPU did not walk (A
 * clear) go with their subtree unseen; the ones kept get A cleared, empty
 * tables go back to the pool.  The root slots' bitmaps are rebuilt from
 * the leaves kept.  Returns how many leaves were kept.  Bound: each table
 * of the root visited once (at most nr pages), check called at most budget
 * times.
 */
typedef bool (*shadow_check_fn)(void *ctx, uint64_t va, uint64_t *ma, unsigned *flags);
unsigned shadow_revalidate(struct shadow *s, shadow_check_fn check, void *ctx, unsigned budget);
/*
 * What a MOV to CR3 does to a TLB (SDM vol. 3A 4.10.4.1): every
 * translation goes except global ones.  Drops every root slot under which
 * a non-global leaf was filled (its tables back to the free list); slots
 * holding global leaves only stay.  Returns true when anything was dropped.
 */
bool shadow_flush_nonglobal(struct shadow *s);
/*
 * Maps the 4 KiB page at linear va (4 KiB aligned or not; 32 bits in
 * SHADOW_PAE) to machine address ma (4 KiB aligned) with rights flags
 * (SH_*).  Returns 0 when mapped, 1 when the pool was full: the shadow was
 * flushed (everything else dropped) and the page mapped in the emptied
 * tables.  *upgraded is set when a present leaf was replaced (the caller
 * must flush the TLB for it).
 */
int shadow_fill(struct shadow *s, uint64_t va, uint64_t ma, unsigned flags, bool *upgraded);
/*
 * Prefetch: maps the 4 KiB page at va to ma with flags, as shadow_fill
 * (but with A clear: not used yet, see shadow_revalidate), only into a
 * page table that exists already (never allocates, never
 * reclaims) and only where no leaf is present (never changes a present
 * one, so nothing the CPU's TLB holds goes stale).  Returns true when
 * written.  The caller decides the rights (docs/shadow.md "Prefetch on
 * fill"); this only places them.
 */
bool shadow_fill_near(struct shadow *s, uint64_t va, uint64_t ma, unsigned flags);
/* Which pages of va's aligned block of n (a power of two, at most 64) have
 * no leaf in an existing page table: bit j for the block's page j.  0 when
 * there is no page table (or n is bad).  One walk for the whole block. */
uint64_t shadow_near_free(const struct shadow *s, uint64_t va, unsigned n);
/* The leaf for va, 0 when not present (tests, debugging). */
uint64_t shadow_lookup(const struct shadow *s, uint64_t va);
/* INVLPG va: drops its leaf, global or not.  When a piece of a large guest
 * page was shadowed under va's root slot (since it was last emptied),
 * drops the whole aligned region of the largest such page size around va
 * (4 MiB or 1 GiB): the other 4 KiB pieces of the guest's page at va are
 * all in it.  Returns true when anything changed. */
bool shadow_invlpg(struct shadow *s, uint64_t va);

#endif
