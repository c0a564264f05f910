/*
 * Grant tables: state shared by gnttab.c (tables, setup, hypercall dispatch)
 * and gnttab_map.c (map, unmap, copy).  Host unit tests and the fuzzer
 * include it to check invariants.  Design: docs/grant-tables.md.
 *
 * Legend: (i) set at init, read-only after; (t) table_lock of the domain;
 * (m) maptrack_lock of the domain; (g) written by the guest at any time:
 * read with single atomic loads, changed only with atomic operations.
 */
#ifndef RV_GNTTAB_GNTTAB_INTERNAL_H
#define RV_GNTTAB_GNTTAB_INTERNAL_H

#include "gnttab/gnttab.h"
#include "gnttab/gnttab_defer.h"
#include "core/spinlock.h"
#include "mm/physmap.h"

#define GNTTAB_ENTRIES_PER_FRAME    512u    /* v1: 4096 / 8 */
#define GNTTAB_MAPTRACK_PER_FRAME   512u    /* handles per maptrack "frame" (as in Xen) */
#define GNTTAB_MAX_OPS              512u    /* operations per hypercall */
/* Handles are (generation << 20) | index with bit 31 clear, so a handle
 * is never ~0 (Linux's "invalid handle") and a stale handle whose slot was
 * reused is refused until the 11-bit generation wraps. */
#define GNTTAB_HANDLE_INDEX_BITS    20
#define GNTTAB_HANDLE_INDEX_MASK    ((1u << GNTTAB_HANDLE_INDEX_BITS) - 1)
#define GNTTAB_HANDLE_GEN_MASK      0x7ffu
#define GNTTAB_MAX_MAPTRACK_FRAMES  ((GNTTAB_HANDLE_INDEX_MASK + 1) / GNTTAB_MAPTRACK_PER_FRAME - 1)
#define GNTTAB_MAX_TABLE_FRAMES     4096u   /* 2M entries: far above any default */
#define GNTTAB_MT_NONE              0xffffffffu
/* How often the entry's {flags, domid} word is re-read when the granter
 * keeps changing it under the compare-exchange: a guest can change it faster
 * than we can retry, so the loop must be bounded. */
#define GNTTAB_CMPXCHG_TRIES        5
/* Rows of the per-domain call statistics. */
enum { GNTTAB_ST_MAP, GNTTAB_ST_UNMAP, GNTTAB_ST_COPY, GNTTAB_ST_NR };

/* Granter side: pins on one grant entry.  All pins of an entry belong to one
 * mapper domain at a time (as in Xen), and all use the frame recorded at the
 * first pin, whatever the guest writes into the entry later. */
struct gnttab_active {
    uint32_t pin_r;             /* (t) read-only mappings + copies reading it */
    uint32_t pin_w;             /* (t) writable mappings + copies writing it */
    uint16_t domid;             /* (t) the domain holding the pins, valid while pinned */
    uint64_t mfn;               /* (t) the granter's frame, valid while pinned */
    uint32_t gfn;               /* (t) the entry's frame field at the first pin (log-dirty of a copy's target) */
};

enum gnttab_mt_state {
    GNTTAB_MT_FREE,             /* on the free list */
    GNTTAB_MT_BUSY,             /* taken by a map in progress: unmap refuses it */
    GNTTAB_MT_MAPPED,
};

/* Mapper side: one mapping of another domain's grant. */
struct gnttab_maptrack {
    uint8_t state;              /* (m) enum gnttab_mt_state */
    bool writable;              /* (m) */
    uint16_t granter;           /* (m) domid of the granting domain */
    uint16_t gen;               /* (m) generation, bumped on every free */
    uint32_t ref;               /* (m) grant reference in the granter's table */
    uint32_t next_free;         /* (m) free-list link */
    uint64_t granter_serial;    /* (m) gnttab_domain.serial of the granter when mapped */
    uint64_t mfn;               /* (m) granted frame (one frame_get held) */
    uint64_t gfn;               /* (m) where it is mapped in the mapper (translated mappers) */
    struct physmap_entry prev;  /* (m) what the gfn mapped before: restored by unmap */
    /* PV mappers (gnttab_pv.c): the mapping lives in the mapper's own page
     * tables, not in a p2m; the GNTMAP_* flags it was made with (host_map,
     * device_map, contains_pte, readonly). */
    bool pv;                    /* (m) */
    uint32_t map_flags;         /* (m) */
};

struct gnttab_domain {
    /* table_lock: the table frames and the active entries (this domain as
     * granter).  maptrack_lock: the maptrack and this domain's grant p2m
     * changes (this domain as mapper).  Never hold two gnttab locks at once,
     * of the same or of different domains. */
    spinlock_t table_lock;
    spinlock_t maptrack_lock;
    uint16_t domid;             /* (i) */
    uint64_t serial;            /* (i) unique per instance: a restarted domain with the same id differs */
    unsigned max_frames;        /* (i) */
    unsigned nr_frames;         /* (t) table frames allocated; never shrinks */
    uint32_t **frames;          /* (t) [max_frames] hypervisor pointers, entries are (g) */
    uint64_t *frame_mfn;        /* (t) [max_frames] */
    uint64_t *frame_gfn;        /* (t) [max_frames] where the guest mapped it, ~0 = nowhere */
    struct gnttab_active **active;  /* (t) [max_frames] arrays of GNTTAB_ENTRIES_PER_FRAME */

    unsigned max_mt_frames;     /* (i) */
    unsigned nr_mt_frames;      /* (m) */
    struct gnttab_maptrack **mt;    /* (m) [max_mt_frames] arrays of GNTTAB_MAPTRACK_PER_FRAME */
    uint32_t mt_free;           /* (m) free-list head, GNTTAB_MT_NONE when empty */
    uint32_t mt_live;           /* (m) entries BUSY or MAPPED */

    /* Statistics of this domain's calls (debug key 'g'): relaxed atomic
     * adds by whichever vCPU calls, relaxed loads by the reader; never used
     * for a decision. */
    uint64_t st_calls[GNTTAB_ST_NR];    /* hypercalls of map, unmap, copy */
    uint64_t st_ops[GNTTAB_ST_NR];      /* operations in them */
    uint64_t st_pv_flushes;             /* TLB flushes of PV unmaps (one per drained batch) */
};

/* Entry ref of a table (caller holds table_lock, ref < nr_frames * 512). */
static inline struct grant_entry_v1 *gnttab_entry(struct gnttab_domain *gt, uint32_t ref)
{
    return (struct grant_entry_v1 *)gt->frames[ref / GNTTAB_ENTRIES_PER_FRAME] +
           ref % GNTTAB_ENTRIES_PER_FRAME;
}

static inline struct gnttab_active *gnttab_active_entry(struct gnttab_domain *gt, uint32_t ref)
{
    return &gt->active[ref / GNTTAB_ENTRIES_PER_FRAME][ref % GNTTAB_ENTRIES_PER_FRAME];
}

static inline struct gnttab_maptrack *gnttab_mt_entry(struct gnttab_domain *gt, uint32_t idx)
{
    return &gt->mt[idx / GNTTAB_MAPTRACK_PER_FRAME][idx % GNTTAB_MAPTRACK_PER_FRAME];
}

/* gnttab_map.c */
struct domain;
struct vcpu;
void gnttab_op_map(struct domain *ld, struct gnttab_map_grant_ref *op);
void gnttab_op_unmap(struct domain *ld, struct gnttab_unmap_grant_ref *op);
void gnttab_op_copy(struct domain *ld, struct gnttab_copy *op);
/* Destruction of a mapper: drops every mapping it holds (its p2m is not
 * touched: the domain no longer runs). */
void gnttab_release_mappings(struct domain *d);
/* The pieces of a map shared with the PV path (gnttab_pv.c); see gnttab_map.c. */
int16_t gnttab_pin(struct domain *rd, uint32_t ref, uint16_t mapper, bool write, bool map, uint64_t *mfn);
void gnttab_unpin(struct gnttab_domain *gt, uint32_t ref, bool write);
void gnttab_unpin_by_id(uint16_t granter, uint64_t serial, uint32_t ref, bool write);
uint32_t gnttab_mt_get(struct gnttab_domain *gt);
/* The first steps of every map_grant_ref (gnttab_map.c, gnttab_pv.c): the
 * granter dom looked up (a reference taken in *rdp) and a maptrack slot
 * of ld's taken (*idx), with the granter table's serial.  GNTST_okay, or
 * the status to answer (nothing held then). */
int16_t gnttab_map_begin(struct domain *ld, uint16_t dom, struct domain **rdp, uint64_t *serial, uint32_t *idx);
void gnttab_mt_put_locked(struct gnttab_domain *gt, uint32_t idx);
uint32_t gnttab_handle(const struct gnttab_maptrack *m, uint32_t idx);
/* The maptrack entry of a handle if it is MAPPED and current (caller holds
 * maptrack_lock), else NULL. */
struct gnttab_maptrack *gnttab_mt_lookup(struct gnttab_domain *gt, uint32_t handle, uint32_t *idx);

/* gnttab_pv.c: domains that are not auto-translated (PV) name frames by
 * machine frame number and map grants into their own page tables. */
bool gnttab_is_pv(const struct domain *d);
/* d's own frame 'frame' (an MFN for PV, a gfn otherwise), or PHYSMAP_NO_MFN. */
uint64_t gnttab_own_frame(struct domain *d, uint64_t frame);
/* A writable type reference on a granted frame (mm/pgtype.h) for every
 * writable mapping and for the write side of a copy, so that no grant ever
 * writes a frame that is a page table or descriptor frame of a PV granter
 * (and such a frame cannot become one while a writable grant maps it).
 * 0, or -EINVAL when the frame has another type now. */
int gnttab_get_writable(uint16_t mapper, uint64_t mfn);
void gnttab_put_writable(uint64_t mfn);
void gnttab_pv_op_map(struct vcpu *v, struct gnttab_map_grant_ref *op);
/* A PV unmap clears the page-table entry and queues the maptrack's
 * references on q (gnttab_defer.h); gnttab_pv_unmap_done flushes once and
 * drops them.  The batch loop calls done before it returns, on every path. */
void gnttab_pv_op_unmap(struct vcpu *v, struct gnttab_unmap_grant_ref *op, struct gnttab_defer *q);
void gnttab_pv_unmap_done(struct vcpu *v, struct gnttab_defer *q);

/* Host tests only: called between reading an entry's {flags, domid} word and
 * the compare-exchange, where a real granter may change the entry. */
#ifdef RV_GNTTAB_TEST_HOOKS
extern void (*gnttab_test_race_hook)(uint32_t *word);
#define GNTTAB_RACE_POINT(w) do { if (gnttab_test_race_hook) gnttab_test_race_hook(w); } while (0)
#else
#define GNTTAB_RACE_POINT(w) do { } while (0)
#endif

#endif
