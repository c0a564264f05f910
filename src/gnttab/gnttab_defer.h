/*
 * Deferred release of a PV mapper's unmapped grants: one TLB flush per
 * batch of GNTTABOP_unmap_grant_ref instead of one per operation
 * (docs/grant-tables.md "Batched unmaps").
 *
 * Each unmap clears its page-table entry at once, but what the maptrack
 * held on the granted frame (the general reference, the writable type
 * reference, the pin on the granter's entry) is queued here.  Until the
 * flush that ends the batch some CPU may still translate the old address
 * to the frame, so the frame must stay neither free, nor retyped, nor
 * released by the granter (a pin keeps the granter's entry in use): the
 * queued references are exactly what guarantees that.  gnttab_defer_drain
 * flushes once, if any queued unmap cleared an entry, and only then drops
 * them, in the order queued.  A push drains a full queue first; the batch
 * loop drains before it returns, on every path (errors and faults included), so
 * nothing is left queued when the hypercall returns to the guest.
 *
 * Owner: the hypercall's stack frame (one vCPU); no locks.  Plain data and
 * inline code so that the host unit test (tests/unit/test_gnttab.c) runs
 * the same logic.
 */
#ifndef RV_GNTTAB_GNTTAB_DEFER_H
#define RV_GNTTAB_GNTTAB_DEFER_H

#include <stdbool.h>
#include <stdint.h>

/* Entries per flush at most: 32 * 24 bytes on the hypervisor stack.  A
 * batch of netback's (up to its pending-ring size) costs size / 32 flushes. */
#define GNTTAB_DEFER_MAX    32u

/* What one unmapped PV mapping still holds until the flush. */
struct gnttab_deferred {
    uint64_t mfn;               /* one frame_get reference */
    uint64_t granter_serial;    /* the granter's table instance (gnttab_unpin_by_id) */
    uint32_t ref;               /* the pinned grant entry */
    uint16_t granter;
    bool writable;              /* a writable type reference and a write pin, else a read pin */
};

struct gnttab_defer {
    unsigned n;                 /* entries queued */
    bool need_flush;            /* some queued unmap cleared a page-table entry */
    struct gnttab_deferred e[GNTTAB_DEFER_MAX];
};

/* The work a drain does, given by the caller (gnttab_pv.c: the kind's
 * flush and the grant side's release; the unit test: fakes). */
struct gnttab_defer_ops {
    void (*flush)(void *ctx);
    void (*release)(void *ctx, const struct gnttab_deferred *d);
    void *ctx;
};

static inline void gnttab_defer_init(struct gnttab_defer *q)
{
    q->n = 0;
    q->need_flush = false;
}

static inline bool gnttab_defer_full(const struct gnttab_defer *q)
{
    return q->n >= GNTTAB_DEFER_MAX;
}

/* Flushes (if needed) and releases everything queued; the queue is empty
 * afterwards.  Returns whether it flushed (counted by the caller). */
static inline bool gnttab_defer_drain(struct gnttab_defer *q, const struct gnttab_defer_ops *ops)
{
    bool flushed = q->need_flush;

    if (flushed)
        ops->flush(ops->ctx);
    for (unsigned i = 0; i < q->n; i++)
        ops->release(ops->ctx, &q->e[i]);
    gnttab_defer_init(q);
    return flushed;
}

/* Queues one unmapped mapping's references, draining first when the queue
 * is full.  cleared: its page-table entry was cleared, so a flush must come
 * before the release.  Returns whether that drain flushed. */
static inline bool gnttab_defer_push(struct gnttab_defer *q, const struct gnttab_defer_ops *ops,
                                     const struct gnttab_deferred *d, bool cleared)
{
    bool flushed = gnttab_defer_full(q) && gnttab_defer_drain(q, ops);

    q->e[q->n++] = *d;
    q->need_flush |= cleared;
    return flushed;
}

#endif
