/*
 * The domain side: a domain's xenstore ring page and event channel.  The
 * daemon reaches the hypervisor only through struct xs_ring_backend, so the
 * same code runs over the /dev/xen devices in dom0 (not wired yet) and over an
 * in-process fake in the unit tests.
 */
#ifndef XSD_RING_H
#define XSD_RING_H

#include "xsd.h"

struct xs_ring_backend {
    /* Map the domain's ring frame; NULL if it cannot be (bad frame). */
    struct xenstore_domain_interface *(*map)(void *ctx, uint32_t domid, uint64_t mfn);
    void (*unmap)(void *ctx, uint32_t domid, struct xenstore_domain_interface *page);
    /* Bind to the domain's unbound port; the local port or a negative errno. */
    int (*bind)(void *ctx, uint32_t domid, uint32_t remote_port);
    void (*unbind)(void *ctx, uint32_t local_port);
    void (*notify)(void *ctx, uint32_t local_port);
    /* Optional (NULL: never asked): what the hypervisor says of domid, one
     * of XSD_DOM_* (xsd.h).  Asked for every introduced domU when the
     * hypervisor raises VIRQ_DOM_EXC. */
    int (*domain_state)(void *ctx, uint32_t domid);
};

/* One domain's ring.  Owner: its struct xs_domain.  The page is shared
 * with the (untrusted) guest: the daemon keeps its own copies of the two
 * indexes it advances and reads the guest's two only once per pass. */
struct xs_ring {
    struct xsd *d;
    struct xs_domain *dom;
    struct xenstore_domain_interface *page;
    uint32_t local_port;
    uint32_t req_cons;           /* ours: what we consumed */
    uint32_t rsp_prod;           /* ours: what we produced */
    bool broken;                 /* bad indexes or protocol violation: not served */
    const char *why;
    uint64_t notifies;
    bool more_input;             /* requests arrived while we served: serve again without an event */
};

/* Serve a ring: take requests, put replies and events.  -EIO once broken. */
int xs_ring_service(struct xs_ring *r);
/* An event arrived on `local_port`. */
void xsd_ring_event(struct xsd *d, uint32_t local_port);
/* Tests only: a function run inside ring input where a guest's write races. */
void xs_ring_set_race_hook(void (*hook)(struct xs_ring *r));
/* A ring holds requests that came without an event (see more_input): the
 * daemon must not sleep in poll. */
bool xsd_rings_pending(struct xsd *d);
/* Log each ring's indexes and its connection's queues (SIGUSR1). */
void xsd_rings_dump(struct xsd *d);
/* Push queued output (e.g. watch events caused by others) to every ring. */
void xsd_rings_flush(struct xsd *d);

#endif
