/*
 * libFuzzer harness of xenstored's request handling (tools/xenstored/):
 * the input is a sequence of steps, each either one framed request from one
 * of three clients (dom0's socket, domains 5 and 6 — unprivileged, quotas
 * on) or raw bytes fed to a client's stream (framing, partial and oversized
 * headers).  After every step each reply must be well formed; at the end
 * the node accounting must match a recount of the tree and of each open
 * transaction's view (an overlay on the tree), and tearing everything down
 * must free all memory (LeakSanitizer).
 *
 * Domain 7 talks over a ring page (a fake backend, as in
 * unit_xenstored_ring) that the input also scribbles on: bytes queued as a
 * guest would, any of the four indexes set to any value, responses
 * consumed.  A ring the daemon declared broken is released and introduced
 * afresh; dom0 must answer at the end whatever happened.
 *
 * Step: sel, type, tx, len, then len payload bytes.  sel bits 0-1 pick the
 * client, bit 7 makes it a raw-bytes step, bit 6 a ring step (type picks
 * the action).
 */
#include "ring.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASSERT(c) do { if (!(c)) { fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #c); abort(); } } while (0)
#define NCONN 3

static struct xenstore_domain_interface page;
static int page_mapped, port_bound;

static struct xenstore_domain_interface *fmap(void *ctx, uint32_t domid, uint64_t mfn)
{
    (void)ctx;
    (void)domid;
    if (mfn != 77 || page_mapped)
        return NULL;
    page_mapped = 1;
    return &page;
}

static void funmap(void *ctx, uint32_t domid, struct xenstore_domain_interface *pg)
{
    (void)ctx;
    (void)domid;
    ASSERT(pg == &page && page_mapped);
    page_mapped = 0;
}

static int fbind(void *ctx, uint32_t domid, uint32_t port)
{
    (void)ctx;
    (void)domid;
    if (port != 3 || port_bound)
        return -22;
    port_bound = 1;
    return 40;
}

static void funbind(void *ctx, uint32_t lp)
{
    (void)ctx;
    ASSERT(lp == 40 && port_bound);
    port_bound = 0;
}

static void fnotify(void *ctx, uint32_t lp)
{
    (void)ctx;
    ASSERT(lp == 40);
}

static const struct xs_ring_backend fake = { fmap, funmap, fbind, funbind, fnotify, NULL };

/* Domain 7 on a clean page; fails if the input had dom0 release it and
 * give the page to another domain id meanwhile. */
static int ring_fresh(struct xsd *d)
{
    if (page_mapped)
        return -1;
    memset(&page, 0, sizeof(page));
    return xsd_domain_introduce(d, 7, 77, 3);
}

/* One guest action on the ring page, then an event to the daemon. */
static void ring_step(struct xsd *d, uint8_t action, uint8_t which, const uint8_t *p, uint8_t len)
{
    uint32_t v = 0;
    if (!xsd_domain_find(d, 7) && ring_fresh(d) < 0)
        return;                 /* dom0's requests released it */
    switch (action % 3) {
    case 0:                     /* queue bytes as a guest would */
        for (uint8_t i = 0; i < len && page.req_prod - page.req_cons < XENSTORE_RING_SIZE; i++)
            page.req[page.req_prod++ & (XENSTORE_RING_SIZE - 1)] = (char)p[i];
        break;
    case 1:                     /* set an index to anything */
        memcpy(&v, p, len < 4 ? len : 4);
        (&page.req_cons)[which & 3] = v;
        break;
    case 2:                     /* consume every response */
        page.rsp_cons = page.rsp_prod;
        break;
    }
    xsd_ring_event(d, 40);
    struct xs_domain *dom = xsd_domain_find(d, 7);
    ASSERT(dom && dom->ring);
    if (dom->ring->broken) {
        ASSERT(dom->conn == NULL);
        ASSERT(xsd_domain_release(d, 7) == 0);
        ASSERT(ring_fresh(d) == 0);
    } else {
        ASSERT(dom->conn && dom->ring->rsp_prod - page.rsp_cons <= XENSTORE_RING_SIZE);
    }
}

static void quiet(const char *msg)
{
    (void)msg;
}

static uint32_t owned(const struct xs_node *n, uint32_t domid)
{
    uint32_t k = n->perms[0].domid == domid;
    for (const struct xs_node *c = n->child; c; c = c->next)
        k += owned(c, domid);
    return k;
}

static uint32_t count(const struct xs_node *n)
{
    uint32_t k = 1, kids = 0;
    for (const struct xs_node *c = n->child; c; c = c->next) {
        ASSERT(c->parent == n);
        k += count(c);
        kids++;
    }
    ASSERT(kids == n->nchildren);
    ASSERT(n->nperms >= 1);
    return k;
}

/* Nodes `domid` owns in an open transaction's view (its overlay merged
 * with the live tree), walked by path as the daemon's requests do. */
struct vcount {
    struct xs_store *v;
    uint32_t domid, k;
    char path[XENSTORE_ABS_PATH_MAX + 2];
};

static int vcount_child(void *ctx, const char *name);

static void vcount_node(struct vcount *vc)
{
    const struct xs_node *n = store_lookup(vc->v, vc->path);
    ASSERT(n && !n->deleted);
    vc->k += n->perms[0].domid == vc->domid;
    ASSERT(store_children(vc->v, n, vcount_child, vc) == 0);
}

static int vcount_child(void *ctx, const char *name)
{
    struct vcount *vc = ctx;
    size_t l = strlen(vc->path);
    ASSERT(l + 1 + strlen(name) < sizeof(vc->path));
    snprintf(vc->path + l, sizeof(vc->path) - l, "%s%s", l > 1 ? "/" : "", name);
    vcount_node(vc);
    vc->path[l] = '\0';
    return 0;
}

/* Drains a client's replies, checking each header against its payload. */
static void drain(struct xs_conn *c)
{
    size_t len;
    const uint8_t *p;
    while ((p = xsd_conn_output_peek(c, &len)) != NULL) {
        struct xsd_msg_hdr h;
        ASSERT(len >= sizeof(h));
        memcpy(&h, p, sizeof(h));
        ASSERT(h.len <= XENSTORE_PAYLOAD_MAX);
        ASSERT(len == sizeof(h) + h.len);
        ASSERT(h.type < XS_TYPE_LIMIT);
        if (h.type == XS_ERROR)
            ASSERT(h.len >= 2 && p[sizeof(h) + h.len - 1] == '\0');
        xsd_conn_output_done(c, len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct xsd d;
    ASSERT(xsd_init(&d) == 0);
    d.log = quiet;
    d.lim.store.max_nodes = 40;
    d.lim.max_watches = 8;
    d.lim.max_transactions = 3;
    d.lim.max_txn_ops = 32;
    static const uint32_t ids[NCONN] = { 0, 5, 6 };
    struct xs_conn *c[NCONN];
    for (int i = 0; i < NCONN; i++)
        c[i] = xsd_conn_new(&d, ids[i], ids[i] != 0);
    d.backend = &fake;
    ASSERT(ring_fresh(&d) == 0);
    size_t off = 0;
    while (off + 4 <= size) {
        uint8_t sel = data[off], type = data[off + 1], tx = data[off + 2], len = data[off + 3];
        off += 4;
        if (len > size - off)
            len = (uint8_t)(size - off);
        struct xs_conn *k = c[(sel & 3) % NCONN];
        if (sel & 0x40) {
            ring_step(&d, type, tx, data + off, len);
        } else if (sel & 0x80) {
            xsd_conn_input(k, data + off, len);
        } else {
            uint8_t msg[sizeof(struct xsd_msg_hdr) + 256];
            /* tx 1..3 name the client's transactions by their usual ids. */
            struct xsd_msg_hdr h = { type % (XS_TYPE_LIMIT + 1), 1, tx & 3, len };
            memcpy(msg, &h, sizeof(h));
            memcpy(msg + sizeof(h), data + off, len);
            xsd_conn_input(k, msg, sizeof(h) + len);
        }
        off += len;
        for (int i = 0; i < NCONN; i++) {
            drain(c[i]);
            if (c[i]->dead) {           /* what a transport does: close, reconnect */
                xsd_conn_destroy(c[i]);
                c[i] = xsd_conn_new(&d, ids[i], ids[i] != 0);
            }
        }
    }
    /* dom0 still answers (a new client: c[0] may hold half a message). */
    static const uint8_t ping[] = { XS_GET_DOMAIN_PATH, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, '7', 0 };
    struct xs_conn *fresh = xsd_conn_new(&d, 0, false);
    xsd_conn_input(fresh, ping, sizeof(ping));
    size_t plen;
    const uint8_t *rep = xsd_conn_output_peek(fresh, &plen);
    ASSERT(rep && plen == 16 + 16 && memcmp(rep + 16, "/local/domain/7", 16) == 0);
    drain(fresh);
    ASSERT(count(d.store.root) == d.store.nnodes);
    for (int i = 0; i < NCONN; i++)
        ASSERT(owned(d.store.root, ids[i]) == store_acct_get(&d.store, ids[i]));
    /* Each open transaction that could still commit: its accounting
     * matches a recount of its view. */
    for (int i = 0; i < NCONN; i++)
        for (struct xs_txn *t = c[i]->txns; t; t = t->next)
            for (int j = 0; j < NCONN && !txn_conflicts(t, &d.store); j++) {
                struct vcount vc = { &t->view, ids[j], 0, "/" };
                vcount_node(&vc);
                ASSERT(vc.k == store_acct_get(&t->view, ids[j]));
            }
    /* Quotas held for the unprivileged domains. */
    ASSERT(store_acct_get(&d.store, 5) <= d.lim.store.max_nodes);
    ASSERT(store_acct_get(&d.store, 6) <= d.lim.store.max_nodes);
    xsd_fini(&d);
    ASSERT(!page_mapped && !port_bound);
    return 0;
}
