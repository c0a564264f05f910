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
};

enum {
    FRAME_F_FREE     = 1,   /* in the buddy allocator (any frame of a free block) */
    FRAME_F_RESERVED = 2,   /* never given to the allocator (firmware, image, holes) */
    FRAME_F_HEAD     = 4,   /* first frame of a free buddy block; 'order' is valid */
};

/* Bits of frame.oflags (o): */
enum {
    FRAME_O_ORPHAN   = 1,   /* its domain is gone; freed when 'count' drops to 0 (mm/mm.c frame_put) */
};

/*
 * Legend: (b) guarded by the caller serializing the buddy allocator (heap
 *             lock), meaningful while FRAME_F_FREE;
 *         (o) guarded by the owner's lock (the domain's page-alloc lock, or the
 *             hypervisor's for DOMID_XEN) while allocated;
 *         (a) updated atomically (reference counts).
 */
struct frame {                  /* 32 bytes; one per machine frame */
    uint32_t next, prev;        /* (b) free-list links (pfn, FRAME_NIL) while FRAME_F_FREE;
                                   (o) reused by owners' lists once allocated */
    uint32_t count;             /* (a) general references (mappings, grants, p2m) */
    uint32_t type_count;        /* (a) references holding the current type */
    uint16_t owner;             /* (o) domid, DOMID_XEN for hypervisor use, DOMID_INVALID when free/reserved */
    uint8_t  type;              /* (o) enum frame_type */
    uint8_t  flags;             /* (b) FRAME_F_* */
    uint8_t  order;             /* (b) buddy order of the block this frame heads (when FRAME_F_HEAD) */
    uint8_t  oflags;            /* (o) FRAME_O_*; with 'count' changes under mm_lock for orphans */
    uint8_t  pad[10];
};

_Static_assert(sizeof(struct frame) == 32, "frame table entries are 32 bytes");

#endif
