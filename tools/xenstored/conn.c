/*
 * Connections: framing of the byte stream into messages, the output queue
 * with its cap, and watch delivery.  Request semantics are in ops.c.
 */
#include "xsd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void xsd_logf(struct xsd *d, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (d->log)
        d->log(buf);
    else
        fprintf(stderr, "xenstored: %s\n", buf);
}

void xsd_default_limits(struct xsd_limits *l)
{
    /* Of the order of Xen's C daemon's defaults: generous for a real
     * guest's xenbus, small enough that one guest cannot take the host's
     * memory (1000 nodes * 2 KiB, 8 copies of the tree in transactions). */
    l->store.max_nodes = 1000;
    l->store.max_value = 2048;
    l->max_watches = 128;
    l->max_transactions = 10;
    l->max_txn_ops = 1024;
    l->out_cap_domain = 64 * 1024;
    l->out_cap_socket = 4 * 1024 * 1024;
}

int xsd_init(struct xsd *d)
{
    memset(d, 0, sizeof(*d));
    xsd_default_limits(&d->lim);
    return store_init(&d->store);
}

void xsd_fini(struct xsd *d)
{
    while (d->domains)
        xsd_domain_release(d, d->domains->domid);
    while (d->conns)
        xsd_conn_destroy(d->conns);
    store_free(&d->store);
}

struct xs_conn *xsd_conn_new(struct xsd *d, uint32_t domid, bool is_domain)
{
    struct xs_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->d = d;
    c->who.domid = domid;
    c->who.privileged = domid == 0;
    c->who.target = -1;
    c->is_domain = is_domain;
    c->next_txid = 1;
    c->next = d->conns;
    d->conns = c;
    return c;
}

void xsd_conn_destroy(struct xs_conn *c)
{
    struct xs_conn **link = &c->d->conns;
    while (*link && *link != c)
        link = &(*link)->next;
    if (*link)
        *link = c->next;
    while (c->watches) {
        struct xs_watch *w = c->watches;
        c->watches = w->next;
        free(w->path);
        free(w->token);
        free(w);
    }
    while (c->txns) {
        struct xs_txn *t = c->txns;
        c->txns = t->next;
        txn_free(t);
    }
    while (c->out_head) {
        struct xs_outmsg *m = c->out_head;
        c->out_head = m->next;
        free(m);
    }
    free(c);
}

static size_t out_cap(const struct xs_conn *c)
{
    return c->is_domain ? c->d->lim.out_cap_domain : c->d->lim.out_cap_socket;
}

bool xsd_conn_wants_input(const struct xs_conn *c)
{
    return !c->dead && c->out_bytes < out_cap(c);
}

static void conn_kill(struct xs_conn *c, const char *why)
{
    if (!c->dead)
        xsd_logf(c->d, "d%u: connection dropped: %s", c->who.domid, why);
    c->dead = true;
    c->why_dead = why;
}

size_t xsd_conn_input(struct xs_conn *c, const uint8_t *buf, size_t len)
{
    size_t used = 0;
    const size_t hsz = sizeof(struct xsd_msg_hdr);
    while (used < len && !c->dead) {
        /* Backpressure: a peer that does not read its replies stops being
         * read, at a message boundary. */
        if (c->in_have == 0 && !xsd_conn_wants_input(c))
            break;
        size_t need;
        struct xsd_msg_hdr h;
        if (c->in_have < hsz) {
            need = hsz - c->in_have;
        } else {
            memcpy(&h, c->in, hsz);
            need = hsz + h.len - c->in_have;
        }
        size_t take = len - used < need ? len - used : need;
        memcpy(c->in + c->in_have, buf + used, take);
        c->in_have += take;
        used += take;
        if (c->in_have < hsz)
            continue;
        memcpy(&h, c->in, hsz);
        if (h.len > XENSTORE_PAYLOAD_MAX) {
            /* xenstore.txt: an oversized payload kills the connection. */
            conn_kill(c, "payload longer than XENSTORE_PAYLOAD_MAX");
            break;
        }
        if (c->in_have < hsz + h.len)
            continue;
        char *payload = (char *)c->in + hsz;
        payload[h.len] = '\0';
        c->in_have = 0;
        c->d->requests++;
        xsd_handle(c, &h, payload);
    }
    return used;
}

const uint8_t *xsd_conn_output_peek(const struct xs_conn *c, size_t *len)
{
    if (!c->out_head) {
        *len = 0;
        return NULL;
    }
    *len = c->out_head->len - c->out_off;
    return c->out_head->data + c->out_off;
}

void xsd_conn_output_done(struct xs_conn *c, size_t n)
{
    while (n && c->out_head) {
        struct xs_outmsg *m = c->out_head;
        size_t left = m->len - c->out_off;
        size_t k = n < left ? n : left;
        c->out_off += k;
        c->out_bytes -= k;
        n -= k;
        if (c->out_off == m->len) {
            c->out_head = m->next;
            if (!c->out_head)
                c->out_tail = NULL;
            c->out_off = 0;
            free(m);
        }
    }
}

int xsd_send(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
             const void *payload, size_t len)
{
    if (len > XENSTORE_PAYLOAD_MAX)
        return -E2BIG;
    struct xs_outmsg *m = malloc(sizeof(*m) + sizeof(struct xsd_msg_hdr) + len);
    if (!m) {
        conn_kill(c, "out of memory queueing a reply");
        return -ENOMEM;
    }
    struct xsd_msg_hdr h = { type, req_id, tx_id, (uint32_t)len };
    memcpy(m->data, &h, sizeof(h));
    if (len)
        memcpy(m->data + sizeof(h), payload, len);
    m->len = sizeof(h) + len;
    m->next = NULL;
    if (c->out_tail)
        c->out_tail->next = m;
    else
        c->out_head = m;
    c->out_tail = m;
    c->out_bytes += m->len;
    return 0;
}

static const struct { int err; const char *name; } errnames[] = {
    { EINVAL, "EINVAL" }, { EACCES, "EACCES" }, { EEXIST, "EEXIST" },
    { EISDIR, "EISDIR" }, { ENOENT, "ENOENT" }, { ENOMEM, "ENOMEM" },
    { ENOSPC, "ENOSPC" }, { EIO, "EIO" }, { ENOTEMPTY, "ENOTEMPTY" },
    { ENOSYS, "ENOSYS" }, { EROFS, "EROFS" }, { EBUSY, "EBUSY" },
    { EAGAIN, "EAGAIN" }, { EISCONN, "EISCONN" }, { E2BIG, "E2BIG" },
    { EPERM, "EPERM" },
};

const char *xsd_errname(int err)
{
    if (err < 0)
        err = -err;
    for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
        if (errnames[i].err == err)
            return errnames[i].name;
    return "EIO";   /* clients only understand the names above */
}

int xsd_send_error(struct xs_conn *c, const struct xsd_msg_hdr *h, int err)
{
    const char *name = xsd_errname(err);
    return xsd_send(c, XS_ERROR, h->req_id, h->tx_id, name, strlen(name) + 1);
}

/* Is `child` equal to or below `parent`? */
static bool path_under(const char *child, const char *parent)
{
    size_t pl = strlen(parent);
    if (strcmp(parent, "/") == 0)
        return child[0] == '/';
    return strncmp(child, parent, pl) == 0 && (child[pl] == '\0' || child[pl] == '/');
}

static void send_event(struct xs_conn *c, const struct xs_watch *w, const char *epath)
{
    char base[32];
    if (w->relative) {
        int bl = snprintf(base, sizeof(base), "/local/domain/%u/", c->who.domid);
        if (strncmp(epath, base, (size_t)bl) == 0)
            epath += bl;
    }
    size_t pl = strlen(epath), tl = strlen(w->token);
    if (c->out_bytes >= out_cap(c)) {
        /* A peer that lets events pile up loses them, not the daemon its
         * memory; dropped events are counted and logged sparsely. */
        if (c->events_dropped++ % 1000 == 0)
            xsd_logf(c->d, "d%u: output queue full, watch events dropped (%llu so far)",
                     c->who.domid, (unsigned long long)c->events_dropped);
        return;
    }
    char buf[XENSTORE_PAYLOAD_MAX];
    if (pl + tl + 2 > sizeof(buf))
        return;
    memcpy(buf, epath, pl + 1);
    memcpy(buf + pl + 1, w->token, tl + 1);
    xsd_send(c, XS_WATCH_EVENT, 0, 0, buf, pl + tl + 2);
}

void xsd_fire(struct xsd *d, const char *path, const struct xs_perm *perms, uint32_t np,
              bool removed)
{
    bool special = path[0] == '@';
    for (struct xs_conn *c = d->conns; c; c = c->next) {
        if (c->dead)
            continue;
        /* Ordinary events go to those who may read the node (no perms
         * given: to dom0 only); @-events (@introduceDomain,
         * @releaseDomain) to privileged callers only, as in Xen since
         * XSA-115: a guest is not told when other domains come and go. */
        if (special ? !c->who.privileged
                    : (perms ? !perms_can(&c->who, perms, np, XS_PERM_READ) : !c->who.privileged))
            continue;
        for (struct xs_watch *w = c->watches; w; w = w->next) {
            if (special || w->path[0] == '@') {
                if (strcmp(w->path, path) == 0)
                    send_event(c, w, path);
            } else if (path_under(path, w->path)) {
                send_event(c, w, path);
            } else if (removed && path_under(w->path, path)) {
                send_event(c, w, w->path);
            }
        }
    }
}
