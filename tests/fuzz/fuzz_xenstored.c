/*
 * libFuzzer harness of xenstored's request handling (tools/xenstored/):
 * the input is a sequence of steps, each either one framed request from one
 * of three clients (dom0's socket, domains 5 and 6 — unprivileged, quotas
 * on) or raw bytes fed to a client's stream (framing, partial and oversized
 * headers).  After every step each reply must be well formed; at the end
 * the node accounting must match a recount of the tree, and tearing
 * everything down must free all memory (LeakSanitizer).
 *
 * Step: sel, type, tx, len, then len payload bytes.  sel bits 0-1 pick the
 * client, bit 7 makes it a raw-bytes step.
 */
#include "xsd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASSERT(c) do { if (!(c)) { fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #c); abort(); } } while (0)
#define NCONN 3

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
    size_t off = 0;
    while (off + 4 <= size) {
        uint8_t sel = data[off], type = data[off + 1], tx = data[off + 2], len = data[off + 3];
        off += 4;
        if (len > size - off)
            len = (uint8_t)(size - off);
        struct xs_conn *k = c[(sel & 3) % NCONN];
        if (sel & 0x80) {
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
    ASSERT(count(d.store.root) == d.store.nnodes);
    for (int i = 0; i < NCONN; i++)
        ASSERT(owned(d.store.root, ids[i]) == store_acct_get(&d.store, ids[i]));
    /* Quotas held for the unprivileged domains. */
    ASSERT(store_acct_get(&d.store, 5) <= d.lim.store.max_nodes);
    ASSERT(store_acct_get(&d.store, 6) <= d.lim.store.max_nodes);
    xsd_fini(&d);
    return 0;
}
