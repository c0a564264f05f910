/*
 * The frame table: one entry per machine frame, the single place that says
 * who owns a frame, what it is used as and who still refers to it
 * (ARCHITECTURE.md, "One memory model").
 */
#ifndef RV_MM_FRAME_H
#define RV_MM_FRAME_H

#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE  4096

#include "public/xen.h"         /* DOMID_XEN (hypervisor frames), DOMID_INVALID (free/reserved) */

#define FRAME_NIL 0xffffffffu      /* end of a frame list */

enum frame_type {
    FRAME_TYPE_NONE,
    FRAME_TYPE_WRITABLE,
    FRAME_TYPE_PT_L1,
    FRAME_TYPE_PT_L2,
    FRAME_TYPE_PT_L3,
    FRAME_TYPE_PT_L4,
    FRAME_TYPE_SEG_DESC,
    FRAME_TYPE_SHARED,
    FRAME_TYPE_PT_L2X,      /* 32-bit PV: the L2 under L3 slot 3, whose top entries are the hypervisor's (pgtype.h) */
};

enum {
    FRAME_F_FREE     = 1,   /* in the buddy allocator (any frame of a free block) */
    FRAME_F_RESERVED = 2,   /* never given to the allocator (firmware, image, holes) */
    FRAME_F_HEAD     = 4,   /* first frame of a free buddy block; 'order' is valid */
};

/* Bits of frame.oflags (o): */
enum {
    FRAME_O_ORPHAN   = 1,   /* its domain is gone; freed when 'count' drops to 0 (mm/mm.c frame_put) */
    FRAME_O_SHARED   = 2,   /* a hypervisor frame (owner DOMID_XEN) shared with domain 'shared': its
                               grant-table frames, its shared_info (mm/mm.c alloc_shared_page) */
};

/*
 * A frame's type word (frame.type_info, mm/pgtype.c): the type, how many
 * references hold that type, and the validation state, changed together by
 * compare-and-exchange so that a frame never has two types at once.  A
 * frame is a page table only while its count is nonzero and VALIDATED (or
 * PARTIAL: validation preempted, frame.nr_validated entries done).
 */
#define PGT_COUNT_MASK   0xffffffffull      /* references holding the type */
#define PGT_TYPE_SHIFT   32
#define PGT_TYPE_MASK    (0xfull << PGT_TYPE_SHIFT)     /* enum frame_type */
#define PGT_VALIDATED    (1ull << 36)       /* every entry checked and referenced */
#define PGT_PINNED       (1ull << 37)       /* MMUEXT_PIN_*: one of the references is the pin */
#define PGT_PARTIAL      (1ull << 38)       /* validation stopped part-way (preempted); one reference is
                                               the partial one, owned by whoever continues it */
#define PGT_PARTIAL_TOP  (1ull << 39)       /* ... and that owner is the next top-level operation (pin,
                                               new base pointer) of the same type, not a parent table */

/*
 * Legend: (b) guarded by the caller serializing the buddy allocator (heap
 *             lock), meaningful while FRAME_F_FREE;
 *         (o) guarded by the owner's lock (the domain's page-alloc lock, or the
 *             hypervisor's for DOMID_XEN) while allocated;
 *         (a) updated atomically (reference counts);
 *         (v) owned by the one CPU validating or devalidating the frame (it
 *             made the type count leave or reach 0, mm/pgtype.c);
 *         (m) under mm_lock (mm/mm.c), as oflags and count of shared frames.
 */
struct frame {                  /* 32 bytes; one per machine frame */
    uint32_t next, prev;        /* (b) free-list links (pfn, FRAME_NIL) while FRAME_F_FREE;
                                   (o) reused by owners' lists once allocated */
    uint32_t count;             /* (a) general references (mappings, grants, p2m) */
    uint16_t owner;             /* (o) domid, DOMID_XEN for hypervisor use, DOMID_INVALID when free/reserved */
    uint8_t  flags;             /* (b) FRAME_F_* */
    uint8_t  order;             /* (b) buddy order of the block this frame heads (when FRAME_F_HEAD) */
    uint64_t type_info;         /* (a) PGT_* above */
    uint8_t  oflags;            /* (o) FRAME_O_*; with 'count' changes under mm_lock for orphans and
                                   shared frames */
    uint8_t  vflags;            /* (v) PGV_* (mm/pgtype.h) */
    uint16_t nr_validated;      /* (v) entries [0, n) hold their references (while not VALIDATED) */
    int16_t  linear;            /* (a) > 0: entries of this table that are linear page-table mappings;
                                   < 0: linear mappings of this table held by others (never both) */
    uint16_t shared;            /* (m) with FRAME_O_SHARED: the domain this hypervisor frame is shared with */
};

static inline unsigned frame_type_of(const struct frame *f)
{
    return (unsigned)((__atomic_load_n(&f->type_info, __ATOMIC_ACQUIRE) & PGT_TYPE_MASK) >> PGT_TYPE_SHIFT);
}

_Static_assert(sizeof(struct frame) == 32, "frame table entries are 32 bytes");

#endif
