/*
 * Domains introduced by dom0's toolstack: each gets a connection served over
 * its ring page (ring.c), created by INTRODUCE and torn down by RELEASE.
 */
#include "ring.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Removes path (if there) as the daemon itself, firing the watches a removal fires. */
static void remove_tree(struct xsd *d, const char *path)
{
    static const struct xs_caller daemon_self = { .domid = 0, .privileged = true, .target = -1 };
    struct xs_perm *old = NULL;
    uint32_t nold = 0;
    if (store_rm(&d->store, &daemon_self, path, true, &old, &nold) == 0 && old)
        xsd_fire(d, path, old, nold, true);
    free(old);
}

/* The /vm path /local/domain/N/vm names, if it is one (a domain can write
 * its own subtree only where the toolstack let it; vm is read-only to it,
 * but check the shape anyway before removing what it names). */
static bool vm_path_of(struct xsd *d, uint32_t domid, char *out, size_t len)
{
    static const struct xs_caller daemon_self = { .domid = 0, .privileged = true, .target = -1 };
    char path[64];
    const struct xs_node *n;
    snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
    if (store_read(&d->store, &daemon_self, path, &n) || !n->value || !n->vlen || n->vlen >= len)
        return false;
    memcpy(out, n->value, n->vlen);
    out[n->vlen] = 0;
    return strncmp(out, "/vm/", 4) == 0 && !strchr(out + 4, '/') && store_check_path(out) == 0;
}

unsigned xsd_domains_check(struct xsd *d)
{
    const struct xs_ring_backend *be = d->backend;
    unsigned released = 0;
    bool fire = false;
    if (!be || !be->domain_state)
        return 0;
    for (struct xs_domain *dom = d->domains, *next; dom; dom = next) {
        next = dom->next;
        if (dom->domid == 0)
            continue;
        int st = be->domain_state(d->backend_ctx, dom->domid);
        if (st == XSD_DOM_RUNNING)
            continue;
        if (st == XSD_DOM_SHUTDOWN) {
            fire |= !dom->shutdown_seen;
            dom->shutdown_seen = true;
            continue;
        }
        uint32_t id = dom->domid;
        char base[64], vm[128];
        bool has_vm = vm_path_of(d, id, vm, sizeof(vm));
        xsd_domain_release(d, id);
        snprintf(base, sizeof(base), "/local/domain/%u", id);
        remove_tree(d, base);
        if (has_vm)
            remove_tree(d, vm);
        xsd_logf(d, "d%u is gone: released, %s removed", id, base);
        released++;
        fire = true;
    }
    if (fire)
        xsd_fire(d, "@releaseDomain", NULL, 0, false);
    return released;
}
