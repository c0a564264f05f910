/*
 * Domain rings (see ring.h).  The guest controls everything on the page:
 * indexes are read once into locals (no double fetch), checked (a producer
 * more than a ring ahead of its consumer is a broken or hostile guest), and
 * bytes are copied out before they are parsed.  A broken ring disconnects
 * that domain only.
 */
#include "ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MASK(i) ((i) & (XENSTORE_RING_SIZE - 1))

static uint32_t load_acq(const uint32_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_rel(uint32_t *p, uint32_t v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static void ring_break(struct xs_ring *r, const char *why)
{
    if (r->broken)
        return;
    r->broken = true;
    r->why = why;
    xsd_logf(r->d, "d%u: ring disconnected: %s", r->dom->domid, why);
    if (r->dom->conn) {
        xsd_conn_destroy(r->dom->conn);
        r->dom->conn = NULL;
    }
}

/* Tests only (test_xenstored_ring.c): runs after the requests were taken and
 * before req_cons is published, where a guest's write races with us. */
static void (*race_hook)(struct xs_ring *r);

void xs_ring_set_race_hook(void (*hook)(struct xs_ring *r))
{
    race_hook = hook;
}

static bool ring_input(struct xs_ring *r)
{
    struct xenstore_domain_interface *pg = r->page;
    struct xs_conn *c = r->dom->conn;
    uint32_t prod = load_acq(&pg->req_prod);
    uint32_t cons = r->req_cons;
    if (prod - cons > XENSTORE_RING_SIZE) {
        ring_break(r, "request producer index more than a ring ahead");
        return false;
    }
    bool moved = false;
    /* Only what was there when we looked: a guest refilling as fast as we
     * drain cannot keep the daemon here. */
    while (cons != prod && !c->dead) {
        uint8_t buf[XENSTORE_RING_SIZE];
        uint32_t chunk = prod - cons;
        if (chunk > XENSTORE_RING_SIZE - MASK(cons))
            chunk = XENSTORE_RING_SIZE - MASK(cons);
        memcpy(buf, pg->req + MASK(cons), chunk);
        size_t took = xsd_conn_input(c, buf, chunk);
        cons += (uint32_t)took;
        moved |= took != 0;
        if (took < chunk)
            break;                 /* backpressure or a dead connection */
    }
    if (race_hook)
        race_hook(r);
    r->req_cons = cons;
    store_rel(&pg->req_cons, cons);
    /*
     * The guest notifies only when its write finds the ring empty as far as
     * it can tell (Linux's xb_write: "prod <= req_cons" before the write).
     * A request written after we read req_prod but before it saw our new
     * req_cons comes with no event at all, so look again after publishing
     * req_cons (a full fence: our store before our load) and come back for
     * it (xsd_rings_flush, xsd_rings_pending) rather than sleep on it.
     */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    r->more_input = load_acq(&pg->req_prod) != cons;
    if (c->dead) {
        ring_break(r, c->why_dead ? c->why_dead : "protocol violation");
        return false;
    }
    return moved;
}

static bool ring_output(struct xs_ring *r)
{
    struct xenstore_domain_interface *pg = r->page;
    struct xs_conn *c = r->dom->conn;
    uint32_t cons = load_acq(&pg->rsp_cons);
    uint32_t prod = r->rsp_prod;
    if (prod - cons > XENSTORE_RING_SIZE) {
        ring_break(r, "response consumer index beyond the producer");
        return false;
    }
    bool moved = false;
    for (;;) {
        uint32_t space = XENSTORE_RING_SIZE - (prod - cons);
        size_t avail;
        const uint8_t *data = xsd_conn_output_peek(c, &avail);
        if (!space || !avail)
            break;
        uint32_t chunk = space;
        if (chunk > XENSTORE_RING_SIZE - MASK(prod))
            chunk = XENSTORE_RING_SIZE - MASK(prod);
        if (chunk > avail)
            chunk = (uint32_t)avail;
        memcpy(pg->rsp + MASK(prod), data, chunk);
        xsd_conn_output_done(c, chunk);
        prod += chunk;
        moved = true;
    }
    if (moved) {
        r->rsp_prod = prod;
        store_rel(&pg->rsp_prod, prod);
    }
    return moved;
}

int xs_ring_service(struct xs_ring *r)
{
    if (r->broken)
        return -EIO;
    bool kick = false;
    /* Output first makes room (backpressure), then requests, then replies. */
    kick |= ring_output(r);
    if (!r->broken)
        kick |= ring_input(r);
    if (!r->broken)
        kick |= ring_output(r);
    if (kick && r->d->backend) {
        r->d->backend->notify(r->d->backend_ctx, r->local_port);
        r->notifies++;
    }
    return r->broken ? -EIO : 0;
}

void xsd_ring_event(struct xsd *d, uint32_t local_port)
{
    for (struct xs_domain *dom = d->domains; dom; dom = dom->next)
        if (dom->ring && dom->ring->local_port == local_port) {
            xs_ring_service(dom->ring);
            break;
        }
    xsd_rings_flush(d);
}

void xsd_rings_dump(struct xsd *d)
{
    for (struct xs_domain *dom = d->domains; dom; dom = dom->next) {
        struct xs_ring *r = dom->ring;
        if (!r)
            continue;
        struct xenstore_domain_interface *pg = r->page;
        struct xs_conn *c = dom->conn;
        xsd_logf(d, "state: d%u ring req %u/%u rsp %u/%u (ours: req_cons %u rsp_prod %u), "
                 "%llu notifies%s; connection: %zu input bytes held, %zu output bytes queued, "
                 "%u transactions, %u watches",
                 dom->domid, load_acq(&pg->req_cons), load_acq(&pg->req_prod), load_acq(&pg->rsp_cons),
                 load_acq(&pg->rsp_prod), r->req_cons, r->rsp_prod, (unsigned long long)r->notifies,
                 r->broken ? ", BROKEN" : "", c ? c->in_have : 0, c ? c->out_bytes : 0,
                 c ? c->ntxns : 0, c ? c->nwatches : 0);
    }
}

void xsd_rings_flush(struct xsd *d)
{
    for (struct xs_domain *dom = d->domains; dom; dom = dom->next)
        if (dom->ring && !dom->ring->broken && dom->conn && (dom->conn->out_head || dom->ring->more_input))
            xs_ring_service(dom->ring);
}

bool xsd_rings_pending(struct xsd *d)
{
    for (struct xs_domain *dom = d->domains; dom; dom = dom->next)
        if (dom->ring && !dom->ring->broken && dom->conn && dom->ring->more_input &&
            xsd_conn_wants_input(dom->conn))
            return true;
    return false;
}
