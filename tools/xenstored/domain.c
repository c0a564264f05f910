/*
 * Domains introduced by dom0's toolstack: each gets a connection served over
 * its ring page (ring.c), created by INTRODUCE and torn down by RELEASE.
 */
#include "ring.h"

#include <errno.h>
#include <stdlib.h>

struct xs_domain *xsd_domain_find(struct xsd *d, uint32_t domid)
{
    for (struct xs_domain *dom = d->domains; dom; dom = dom->next)
        if (dom->domid == domid)
            return dom;
    return NULL;
}

int xsd_domain_introduce(struct xsd *d, uint32_t domid, uint64_t mfn, uint32_t port)
{
    const struct xs_ring_backend *be = d->backend;
    if (xsd_domain_find(d, domid))
        return -EEXIST;
    if (!be)
        return -ENOSYS;   /* no hypervisor interface in this build */
    struct xs_domain *dom = calloc(1, sizeof(*dom));
    struct xs_ring *r = calloc(1, sizeof(*r));
    if (!dom || !r)
        goto nomem;
    dom->domid = domid;
    r->d = d;
    r->dom = dom;
    r->page = be->map(d->backend_ctx, domid, mfn);
    if (!r->page) {
        free(r);
        free(dom);
        return -EINVAL;
    }
    int lp = be->bind(d->backend_ctx, domid, port);
    if (lp < 0) {
        be->unmap(d->backend_ctx, domid, r->page);
        free(r);
        free(dom);
        return lp;
    }
    r->local_port = (uint32_t)lp;
    dom->conn = xsd_conn_new(d, domid, true);
    if (!dom->conn) {
        be->unbind(d->backend_ctx, r->local_port);
        be->unmap(d->backend_ctx, domid, r->page);
        goto nomem;
    }
    /* Start from the indexes the guest left (it may have queued requests
     * before we were told about it); no reconnection support advertised. */
    r->req_cons = __atomic_load_n(&r->page->req_cons, __ATOMIC_ACQUIRE);
    r->rsp_prod = __atomic_load_n(&r->page->rsp_prod, __ATOMIC_ACQUIRE);
    r->page->server_features = 0;
    dom->ring = r;
    dom->next = d->domains;
    d->domains = dom;
    xs_ring_service(r);
    return 0;
nomem:
    free(r);
    free(dom);
    return -ENOMEM;
}

int xsd_domain_release(struct xsd *d, uint32_t domid)
{
    struct xs_domain **link = &d->domains;
    while (*link && (*link)->domid != domid)
        link = &(*link)->next;
    struct xs_domain *dom = *link;
    if (!dom)
        return -ENOENT;
    *link = dom->next;
    if (dom->conn)
        xsd_conn_destroy(dom->conn);
    if (dom->ring) {
        if (d->backend) {
            d->backend->unbind(d->backend_ctx, dom->ring->local_port);
            d->backend->unmap(d->backend_ctx, domid, dom->ring->page);
        }
        free(dom->ring);
    }
    free(dom);
    return 0;
}
