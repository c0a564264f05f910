/*
 * Request handlers: one function per message type, each parsing its payload
 * (NUL-terminated strings, checked against the payload length), checking
 * the caller's rights and answering with exactly one reply or error.
 */
#include "xsd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOMID_FIRST_RESERVED 0x7ff0u   /* xen.h: DOMID_SELF and friends start here */

struct req {
    struct xs_conn *c;
    const struct xsd_msg_hdr *h;
    char *payload;
    uint32_t len;
    struct xs_txn *txn;          /* the transaction named by tx_id, if any */
};

/* Splits the payload into at most `max` NUL-terminated strings; returns how
 * many.  A trailing piece without its NUL counts as a string (the payload
 * buffer has a NUL after it), as some clients omit the last one. */
static unsigned split(const struct req *r, const char **argv, unsigned max)
{
    unsigned n = 0;
    uint32_t off = 0;
    while (off < r->len && n < max) {
        argv[n++] = r->payload + off;
        off += (uint32_t)strlen(r->payload + off) + 1;
    }
    return n;
}

static int reply(struct req *r, const void *data, size_t len)
{
    return xsd_send(r->c, r->h->type, r->h->req_id, r->h->tx_id, data, len);
}

static int reply_ok(struct req *r)
{
    return reply(r, "OK", 3);
}

/* Canonical absolute path in `out`, or -EINVAL.  Relative paths are taken
 * below the caller's home /local/domain/<id>. */
static int canon(const struct xs_conn *c, const char *in, char *out, size_t outlen)
{
    if (in[0] == '/') {
        if (strlen(in) >= outlen)
            return -EINVAL;
        strcpy(out, in);
    } else {
        if (strlen(in) > XENSTORE_REL_PATH_MAX || in[0] == '\0')
            return -EINVAL;
        int n = snprintf(out, outlen, "/local/domain/%u/%s", c->who.domid, in);
        if (n < 0 || (size_t)n >= outlen)
            return -EINVAL;
    }
    return store_check_path(out);
}

static int parse_domid(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    if (!*s)
        return -EINVAL;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -EINVAL;
        v = v * 10 + (uint32_t)(*s - '0');
        if (v > 0xffff)
            return -EINVAL;
    }
    *out = v;
    return 0;
}

static struct xs_store *tree(struct req *r)
{
    return r->txn ? &r->txn->view : &r->c->d->store;
}

static bool limited(const struct req *r)
{
    return r->c->is_domain && !r->c->who.privileged;
}

/* A change done: logged in the transaction, or watches fired now. */
static int changed(struct req *r, enum xs_txop_kind kind, const char *path, const void *val,
                   uint32_t vlen, const struct xs_perm *p, uint32_t np)
{
    if (r->txn)
        return txn_add_op(r->txn, kind, path, val, vlen, p, np);
    const struct xs_node *n = store_lookup(&r->c->d->store, path);
    if (n)
        xsd_fire(r->c->d, path, n->perms, n->nperms, false);
    return 0;
}

static int txn_room(const struct req *r)
{
    if (r->txn && limited(r) && r->txn->nops >= r->c->d->lim.max_txn_ops)
        return -ENOSPC;
    return 0;
}

static int op_read(struct req *r)
{
    const char *a[1];
    char path[XENSTORE_ABS_PATH_MAX + 1];
    const struct xs_node *n;
    if (split(r, a, 1) < 1 || canon(r->c, a[0], path, sizeof(path)))
        return -EINVAL;
    int rc = store_read(tree(r), &r->c->who, path, &n);
    return rc < 0 ? rc : reply(r, n->value, n->vlen);
}

static int op_write(struct req *r)
{
    char path[XENSTORE_ABS_PATH_MAX + 1];
    size_t plen = strnlen(r->payload, r->len);
    if (plen == r->len || canon(r->c, r->payload, path, sizeof(path)))
        return -EINVAL;        /* no NUL after the path */
    const char *val = r->payload + plen + 1;
    uint32_t vlen = r->len - (uint32_t)plen - 1;
    int rc = txn_room(r);
    if (rc == 0)
        rc = store_write(tree(r), &r->c->who, limited(r) ? &r->c->d->lim.store : NULL,
                         path, val, vlen, false);
    if (rc == 0)
        rc = changed(r, TXOP_WRITE, path, val, vlen, NULL, 0);
    return rc < 0 ? rc : reply_ok(r);
}

static int op_mkdir(struct req *r)
{
    const char *a[1];
    char path[XENSTORE_ABS_PATH_MAX + 1];
    bool created;
    if (split(r, a, 1) < 1 || canon(r->c, a[0], path, sizeof(path)))
        return -EINVAL;
    int rc = txn_room(r);
    if (rc == 0)
        rc = store_mkdir(tree(r), &r->c->who, limited(r) ? &r->c->d->lim.store : NULL,
                         path, false, &created);
    if (rc == 0 && created)
        rc = changed(r, TXOP_MKDIR, path, NULL, 0, NULL, 0);
    return rc < 0 ? rc : reply_ok(r);
}

static int op_rm(struct req *r)
{
    const char *a[1];
    char path[XENSTORE_ABS_PATH_MAX + 1];
    struct xs_perm *old = NULL;
    uint32_t nold = 0;
    if (split(r, a, 1) < 1 || canon(r->c, a[0], path, sizeof(path)))
        return -EINVAL;
    int rc = txn_room(r);
    if (rc == 0)
        rc = store_rm(tree(r), &r->c->who, path, false, &old, &nold);
    if (rc == 0 && old) {
        if (r->txn)
            rc = txn_add_op(r->txn, TXOP_RM, path, NULL, 0, NULL, 0);
        else
            xsd_fire(r->c->d, path, old, nold, true);
    }
    free(old);
    return rc < 0 ? rc : reply_ok(r);
}

/* Builds a DIRECTORY(_PART) reply from the names store_children() gives. */
struct dirlist {
    char buf[XENSTORE_PAYLOAD_MAX];
    size_t len;
    uint64_t pos, offset;
    bool part, complete;
};

static int dir_name(void *ctx, const char *name)
{
    struct dirlist *dl = ctx;
    size_t l = strlen(name) + 1;
    if (dl->pos + l <= dl->offset) {
        dl->pos += l;
        return 0;
    }
    if (dl->pos < dl->offset)
        return -EINVAL;            /* offset not at a name boundary */
    if (dl->len + l + (dl->part ? 1 : 0) > sizeof(dl->buf)) {
        if (!dl->part)
            return -E2BIG;         /* the client retries with DIRECTORY_PART */
        dl->complete = false;
        return 1;
    }
    memcpy(dl->buf + dl->len, name, l);
    dl->len += l;
    dl->pos += l;
    return 0;
}

static int op_directory(struct req *r, bool part)
{
    const char *a[2];
    char path[XENSTORE_ABS_PATH_MAX + 1];
    const struct xs_node *n;
    unsigned na = split(r, a, 2);
    if (na < (part ? 2u : 1u) || canon(r->c, a[0], path, sizeof(path)))
        return -EINVAL;
    uint64_t offset = 0;
    if (part) {
        const char *p = a[1];
        if (!*p)
            return -EINVAL;
        for (; *p; p++) {
            if (*p < '0' || *p > '9' || offset > (1u << 30))
                return -EINVAL;
            offset = offset * 10 + (uint64_t)(*p - '0');
        }
    }
    int rc = store_read(tree(r), &r->c->who, path, &n);
    if (rc < 0)
        return rc;
    struct dirlist dl;
    dl.len = 0;
    dl.pos = 0;
    dl.offset = offset;
    dl.part = part;
    dl.complete = true;
    if (part) {
        /* "<generation>\0" then names from byte `offset` of the full list,
         * as many as fit; an extra "\0" marks that the list is complete. */
        dl.len = (size_t)snprintf(dl.buf, sizeof(dl.buf), "%llu",
                                  (unsigned long long)n->gen) + 1;
    }
    rc = store_children(tree(r), n, dir_name, &dl);
    if (rc < 0)
        return rc;
    if (part && dl.complete)
        dl.buf[dl.len++] = '\0';
    return reply(r, dl.buf, dl.len);
}

static int op_get_perms(struct req *r)
{
    const char *a[1];
    char path[XENSTORE_ABS_PATH_MAX + 1];
    const struct xs_node *n;
    if (split(r, a, 1) < 1 || canon(r->c, a[0], path, sizeof(path)))
        return -EINVAL;
    int rc = store_read(tree(r), &r->c->who, path, &n);
    if (rc < 0)
        return rc;
    char buf[XENSTORE_PAYLOAD_MAX];
    size_t len = 0;
    for (uint32_t i = 0; i < n->nperms; i++) {
        int k = perm_format(&n->perms[i], buf + len, sizeof(buf) - len);
        if (k < 0)
            return -E2BIG;
        len += (size_t)k + 1;
    }
    return reply(r, buf, len);
}

static int op_set_perms(struct req *r)
{
    const char *a[XS_PERMS_MAX + 2];
    char path[XENSTORE_ABS_PATH_MAX + 1];
    struct xs_perm p[XS_PERMS_MAX];
    unsigned na = split(r, a, XS_PERMS_MAX + 2);
    if (na < 2 || na > XS_PERMS_MAX + 1 || canon(r->c, a[0], path, sizeof(path)))
        return -EINVAL;
    uint32_t np = na - 1;
    for (uint32_t i = 0; i < np; i++)
        if (perm_parse(a[i + 1], &p[i]) < 0)
            return -EINVAL;
    int rc = txn_room(r);
    if (rc == 0)
        rc = store_set_perms(tree(r), &r->c->who, path, p, np, false);
    if (rc == 0)
        rc = changed(r, TXOP_SET_PERMS, path, NULL, 0, p, np);
    return rc < 0 ? rc : reply_ok(r);
}

/* A watch path: a node path (relative allowed) or "@name". */
static int watch_path(const struct xs_conn *c, const char *in, char *out, size_t outlen,
                      bool *relative)
{
    *relative = false;
    if (in[0] == '@') {
        size_t l = strlen(in);
        if (l < 2 || l >= outlen)
            return -EINVAL;
        for (size_t i = 1; i < l; i++)
            if (!((in[i] >= 'a' && in[i] <= 'z') || (in[i] >= 'A' && in[i] <= 'Z') ||
                  (in[i] >= '0' && in[i] <= '9') || in[i] == '_' || in[i] == '-'))
                return -EINVAL;
        strcpy(out, in);
        return 0;
    }
    *relative = in[0] != '/';
    return canon(c, in, out, outlen);
}

static int op_watch(struct req *r)
{
    const char *a[2];
    char path[XENSTORE_ABS_PATH_MAX + 1];
    bool rel;
    if (split(r, a, 2) < 2 || watch_path(r->c, a[0], path, sizeof(path), &rel))
        return -EINVAL;
    struct xs_conn *c = r->c;
    for (struct xs_watch *w = c->watches; w; w = w->next)
        if (strcmp(w->path, path) == 0 && strcmp(w->token, a[1]) == 0)
            return -EEXIST;
    if (limited(r) && c->nwatches >= c->d->lim.max_watches)
        return -E2BIG;
    struct xs_watch *w = calloc(1, sizeof(*w));
    if (!w || !(w->path = strdup(path)) || !(w->token = strdup(a[1]))) {
        if (w)
            free(w->path);
        free(w);
        return -ENOMEM;
    }
    w->relative = rel;
    w->next = c->watches;
    c->watches = w;
    c->nwatches++;
    int rc = reply_ok(r);
    /* xenstore.txt: a new watch fires once at once, on its own path. */
    char buf[XENSTORE_PAYLOAD_MAX];
    size_t pl = strlen(a[0]), tl = strlen(a[1]);
    if (pl + tl + 2 <= sizeof(buf)) {
        memcpy(buf, a[0], pl + 1);
        memcpy(buf + pl + 1, a[1], tl + 1);
        xsd_send(c, XS_WATCH_EVENT, 0, 0, buf, pl + tl + 2);
    }
    return rc;
}

static int op_unwatch(struct req *r)
{
    const char *a[2];
    char path[XENSTORE_ABS_PATH_MAX + 1];
    bool rel;
    if (split(r, a, 2) < 2 || watch_path(r->c, a[0], path, sizeof(path), &rel))
        return -EINVAL;
    for (struct xs_watch **link = &r->c->watches; *link; link = &(*link)->next) {
        struct xs_watch *w = *link;
        if (strcmp(w->path, path) == 0 && strcmp(w->token, a[1]) == 0) {
            *link = w->next;
            free(w->path);
            free(w->token);
            free(w);
            r->c->nwatches--;
            return reply_ok(r);
        }
    }
    return -ENOENT;
}

static int op_txn_start(struct req *r)
{
    struct xs_conn *c = r->c;
    if (r->h->tx_id != 0)
        return -EBUSY;             /* no nested transactions */
    if (limited(r) && c->ntxns >= c->d->lim.max_transactions)
        return -ENOSPC;
    uint32_t id;
    for (;;) {                      /* next id not 0 and not in use */
        id = c->next_txid++;
        if (id == 0)
            continue;
        bool used = false;
        for (struct xs_txn *t = c->txns; t; t = t->next)
            used |= t->id == id;
        if (!used)
            break;
    }
    struct xs_txn *t = txn_start(&c->d->store, id);
    if (!t)
        return -ENOMEM;
    t->next = c->txns;
    c->txns = t;
    c->ntxns++;
    char buf[16];
    int n = snprintf(buf, sizeof(buf), "%u", id);
    return reply(r, buf, (size_t)n + 1);
}

/* A node a transaction removed is gone: those who may read its parent
 * hear of it (with no parent left, only dom0). */
static void fire_removed(struct xsd *d, const char *path)
{
    char parent[XENSTORE_ABS_PATH_MAX + 1];
    snprintf(parent, sizeof(parent), "%s", path);
    char *slash = strrchr(parent, '/');
    if (slash == parent)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    const struct xs_node *p = store_lookup(&d->store, parent);
    if (p)
        xsd_fire(d, path, p->perms, p->nperms, true);
    else
        xsd_fire(d, path, NULL, 0, true);
}

static int op_txn_end(struct req *r)
{
    const char *a[1];
    if (!r->txn)
        return -ENOENT;
    if (split(r, a, 1) < 1 || (strcmp(a[0], "T") && strcmp(a[0], "F")))
        return -EINVAL;
    struct xs_conn *c = r->c;
    struct xs_txn *t = r->txn;
    for (struct xs_txn **link = &c->txns; *link; link = &(*link)->next)
        if (*link == t) {
            *link = t->next;
            break;
        }
    c->ntxns--;
    r->txn = NULL;
    int rc = 0;
    if (a[0][0] == 'T') {
        rc = txn_commit(t, &c->d->store, &c->who, limited(r) ? &c->d->lim.store : NULL);
        if (rc == 0) {
            for (struct xs_txop *op = t->ops; op; op = op->next) {
                const struct xs_node *n = store_lookup(&c->d->store, op->path);
                if (n)
                    xsd_fire(c->d, op->path, n->perms, n->nperms, false);
                else if (op->kind == TXOP_RM)
                    fire_removed(c->d, op->path);
            }
        }
    }
    txn_free(t);
    return rc < 0 ? rc : reply_ok(r);
}

static int op_domain_path(struct req *r)
{
    const char *a[1];
    uint32_t domid;
    if (split(r, a, 1) < 1 || parse_domid(a[0], &domid))
        return -EINVAL;
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "/local/domain/%u", domid);
    return reply(r, buf, (size_t)n + 1);
}

static int op_is_introduced(struct req *r)
{
    const char *a[1];
    uint32_t domid;
    if (split(r, a, 1) < 1 || parse_domid(a[0], &domid))
        return -EINVAL;
    bool yes = domid == 0 || xsd_domain_find(r->c->d, domid);
    return reply(r, yes ? "T" : "F", 2);
}

static int op_introduce(struct req *r)
{
    const char *a[3];
    uint32_t domid, port;
    if (!r->c->who.privileged)
        return -EACCES;
    if (split(r, a, 3) < 3 || parse_domid(a[0], &domid) || parse_domid(a[2], &port))
        return -EINVAL;
    if (domid == 0 || domid >= DOMID_FIRST_RESERVED)
        return -EINVAL;
    /* The frame is sent in signed decimal; accept it unsigned, reject the rest. */
    char *end;
    unsigned long long mfn = strtoull(a[1], &end, 10);
    if (!a[1][0] || *end || a[1][0] == '-')
        return -EINVAL;
    int rc = xsd_domain_introduce(r->c->d, domid, mfn, port);
    if (rc < 0)
        return rc;
    xsd_logf(r->c->d, "d%u introduced: ring frame %#llx, its port %u", domid, mfn, port);
    xsd_fire(r->c->d, "@introduceDomain", NULL, 0, false);
    return reply_ok(r);
}

/* RELEASE and RESUME: a privileged caller naming one domain id. */
static int priv_domid_arg(struct req *r, uint32_t *domid)
{
    const char *a[1];
    if (!r->c->who.privileged)
        return -EACCES;
    if (split(r, a, 1) < 1 || parse_domid(a[0], domid))
        return -EINVAL;
    return 0;
}

static int op_release(struct req *r)
{
    uint32_t domid;
    int rc0 = priv_domid_arg(r, &domid);
    if (rc0)
        return rc0;
    if (domid == 0)
        return -EINVAL;
    int rc = xsd_domain_release(r->c->d, domid);
    if (rc < 0)
        return rc;
    xsd_logf(r->c->d, "d%u released", domid);
    xsd_fire(r->c->d, "@releaseDomain", NULL, 0, false);
    return reply_ok(r);
}

static int op_resume(struct req *r)
{
    uint32_t domid;
    int rc = priv_domid_arg(r, &domid);
    if (rc)
        return rc;
    struct xs_domain *dom = xsd_domain_find(r->c->d, domid);
    if (!dom)
        return -ENOENT;
    dom->shutdown_seen = false;     /* resumed: its next shutdown fires @releaseDomain again */
    return reply_ok(r);
}

static int op_set_target(struct req *r)
{
    const char *a[2];
    uint32_t domid, target;
    if (!r->c->who.privileged)
        return -EACCES;
    if (split(r, a, 2) < 2 || parse_domid(a[0], &domid) || parse_domid(a[1], &target))
        return -EINVAL;
    struct xs_domain *dom = xsd_domain_find(r->c->d, domid);
    if (!dom || !dom->conn)
        return -ENOENT;
    dom->conn->who.target = (int32_t)target;
    return reply_ok(r);
}

static int op_reset_watches(struct req *r)
{
    struct xs_conn *c = r->c;
    while (c->watches) {
        struct xs_watch *w = c->watches;
        c->watches = w->next;
        free(w->path);
        free(w->token);
        free(w);
    }
    c->nwatches = 0;
    while (c->txns) {
        struct xs_txn *t = c->txns;
        c->txns = t->next;
        txn_free(t);
    }
    c->ntxns = 0;
    r->txn = NULL;
    return reply_ok(r);
}

static int op_control(struct req *r)
{
    const char *a[2];
    if (!r->c->who.privileged)
        return -EACCES;
    unsigned na = split(r, a, 2);
    if (na < 1)
        return -EINVAL;
    if (strcmp(a[0], "help") == 0) {
        static const char help[] = "help\nprint <string>\nquota\n";
        return reply(r, help, sizeof(help));
    }
    if (strcmp(a[0], "print") == 0 && na == 2) {
        xsd_logf(r->c->d, "control: %s", a[1]);
        return reply_ok(r);
    }
    if (strcmp(a[0], "quota") == 0) {
        const struct xsd_limits *l = &r->c->d->lim;
        char buf[256];
        int n = snprintf(buf, sizeof(buf),
                         "nodes %u\nvalue-bytes %u\nwatches %u\ntransactions %u\ntxn-ops %u\n",
                         l->store.max_nodes, l->store.max_value, l->max_watches,
                         l->max_transactions, l->max_txn_ops);
        return reply(r, buf, (size_t)n + 1);
    }
    return -EINVAL;
}

void xsd_handle(struct xs_conn *c, const struct xsd_msg_hdr *h, char *payload)
{
    struct req r = { c, h, payload, h->len, NULL };
    int rc;
    bool txn_ok = h->type == XS_READ || h->type == XS_WRITE || h->type == XS_MKDIR ||
                  h->type == XS_RM || h->type == XS_DIRECTORY || h->type == XS_DIRECTORY_PART ||
                  h->type == XS_GET_PERMS || h->type == XS_SET_PERMS ||
                  h->type == XS_TRANSACTION_END;
    if (h->tx_id && txn_ok) {
        for (struct xs_txn *t = c->txns; t; t = t->next)
            if (t->id == h->tx_id)
                r.txn = t;
        if (!r.txn) {
            xsd_send_error(c, h, -ENOENT);
            return;
        }
    }
    switch (h->type) {
    case XS_CONTROL:              rc = op_control(&r); break;
    case XS_DIRECTORY:            rc = op_directory(&r, false); break;
    case XS_DIRECTORY_PART:       rc = op_directory(&r, true); break;
    case XS_READ:                 rc = op_read(&r); break;
    case XS_GET_PERMS:            rc = op_get_perms(&r); break;
    case XS_WATCH:                rc = op_watch(&r); break;
    case XS_UNWATCH:              rc = op_unwatch(&r); break;
    case XS_TRANSACTION_START:    rc = op_txn_start(&r); break;
    case XS_TRANSACTION_END:      rc = op_txn_end(&r); break;
    case XS_INTRODUCE:            rc = op_introduce(&r); break;
    case XS_RELEASE:              rc = op_release(&r); break;
    case XS_GET_DOMAIN_PATH:      rc = op_domain_path(&r); break;
    case XS_WRITE:                rc = op_write(&r); break;
    case XS_MKDIR:                rc = op_mkdir(&r); break;
    case XS_RM:                   rc = op_rm(&r); break;
    case XS_SET_PERMS:            rc = op_set_perms(&r); break;
    case XS_IS_DOMAIN_INTRODUCED: rc = op_is_introduced(&r); break;
    case XS_RESUME:               rc = op_resume(&r); break;
    case XS_SET_TARGET:           rc = op_set_target(&r); break;
    case XS_RESET_WATCHES:        rc = op_reset_watches(&r); break;
    case XS_WATCH_EVENT:
    case XS_ERROR:                rc = -EINVAL; break;   /* daemon-to-client only */
    default:                      rc = -ENOSYS; break;
    }
    if (rc < 0)
        xsd_send_error(c, h, rc);
    /* Say which limits apply when a domain runs into one: the guest only
     * sees ENOSPC or E2BIG.  Logged at the 1st, 10th, 100th... refusal. */
    if ((rc == -ENOSPC || rc == -E2BIG) && limited(&r) && h->type != XS_DIRECTORY) {
        uint64_t k = ++c->quota_hits;
        while (k % 10 == 0)
            k /= 10;
        if (k == 1) {
            const struct xsd_limits *l = &c->d->lim;
            xsd_logf(c->d, "d%u: request type %u refused (%s) by a quota, %llu so far: "
                     "owns %u of %u nodes, values <= %u bytes, %u of %u watches, "
                     "%u of %u transactions", c->who.domid, h->type, xsd_errname(rc),
                     (unsigned long long)c->quota_hits, store_acct_get(&c->d->store, c->who.domid),
                     l->store.max_nodes, l->store.max_value, c->nwatches, l->max_watches,
                     c->ntxns, l->max_transactions);
        }
    }
}
