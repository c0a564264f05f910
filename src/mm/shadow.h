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
#define SH_LARGE    0x20u   /* from a guest page larger than 4 KiB (see shadow_invlpg) */

/*
 * The page pool, owned by the shadow after shadow_init.  pa[i] is the
 * physical address of page i (the CPU sees it), to_va where the hypervisor
 * reaches a page (the direct map; identity in the unit test).  Page 0 is the root, 1..4 the four PAE page directories; the
 * others are handed out in order and all taken back at a flush.
 */
struct shadow {
    uint64_t *pa;               /* (i) nr entries */
    void *(*to_va)(uint64_t pa);    /* (i) */
    unsigned nr;                /* (i) pool size, >= SHADOW_MIN_PAGES */
    unsigned used;              /* pages handed out since the last flush (the root ones included) */
    enum shadow_format format;  /* current layout of the root */
    bool large_seen;            /* a leaf from a large guest page since the last flush */
    /* Statistics, for the logs and tests. */
    uint64_t fills, flushes, reclaims, invlpgs, upgrades;
    unsigned peak_used;
};

#define SHADOW_MIN_PAGES 16u

/* The pool must be below 4 GiB for its root (a PAE CR3 has 32 bits);
 * shadow_init checks it.  Returns 0 or -EINVAL. */
int shadow_init(struct shadow *s, uint64_t *pa, void *(*to_va)(uint64_t pa), unsigned nr, enum shadow_format f);
/* The value for the CPU's CR3: the root page. */
uint64_t shadow_root(const struct shadow *s);
/* Empties every table (and switches to format f). */
void shadow_flush(struct shadow *s, enum shadow_format f);
/*
 * Maps the 4 KiB page at linear va (4 KiB aligned or not; 32 bits in
 * SHADOW_PAE) to machine address ma (4 KiB aligned) with rights flags
 * (SH_*).  Returns 0 when mapped, 1 when the pool was full: the shadow was
 * flushed (everything else dropped) and the page mapped in the emptied
 * tables.  *upgraded is set when a present leaf was replaced (the caller
 * must flush the TLB for it).
 */
int shadow_fill(struct shadow *s, uint64_t va, uint64_t ma, unsigned flags, bool *upgraded);
/* The leaf for va, 0 when not present (tests, debugging). */
uint64_t shadow_lookup(const struct shadow *s, uint64_t va);
/* INVLPG va: drops its leaf; drops everything when a large guest page was
 * shadowed since the last flush (its other 4 KiB pieces must go too, and
 * where they are is not recorded).  Returns true when anything changed. */
bool shadow_invlpg(struct shadow *s, uint64_t va);

#endif
