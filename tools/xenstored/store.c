/*
 * The xenstore tree and transaction overlays (see store.h).  Paths are
 * checked by store_check_path() before any lookup, so the walkers below only
 * split on '/'.
 */
#include "store.h"
#include "txn.h"
#include "xs_proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- accounting ---- */

static struct xs_acct *acct_find(const struct xs_store *s, uint32_t domid)
{
    for (uint32_t i = 0; i < s->nacct; i++)
        if (s->acct[i].domid == domid)
            return &s->acct[i];
    return NULL;
}

uint32_t store_acct_get(const struct xs_store *s, uint32_t domid)
{
    const struct xs_acct *a = acct_find(s, domid);
    uint32_t own = a ? a->nodes : 0;
    /* An overlay's entry is a change: wrapping addition applies it. */
    return s->base ? store_acct_get(s->base, domid) + own : own;
}

/* Adds `delta` to the nodes owned by `domid`.  Fails (-ENOMEM) only when a
 * domain not yet in the table needs an entry (an overlay records removals
 * too; a lost one makes its commit fail). */
static int acct_add(struct xs_store *s, uint32_t domid, int delta)
{
    struct xs_acct *a = acct_find(s, domid);
    if (!a) {
        if (delta == 0 || (delta < 0 && !s->base))
            return 0;
        if (s->nacct == s->acct_cap) {
            uint32_t cap = s->acct_cap ? s->acct_cap * 2 : 8;
            struct xs_acct *na = realloc(s->acct, cap * sizeof(*na));
            if (!na) {
                if (s->log)
                    s->log->oom = true;
                return -ENOMEM;
            }
            s->acct = na;
            s->acct_cap = cap;
        }
        a = &s->acct[s->nacct++];
        a->domid = domid;
        a->nodes = 0;
    }
    a->nodes = (uint32_t)((int64_t)a->nodes + delta);
    return 0;
}

/* ---- nodes ---- */

static struct xs_node *node_new(const char *name, size_t nlen)
{
    struct xs_node *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->name = malloc(nlen + 1);
    if (!n->name) {
        free(n);
        return NULL;
    }
    memcpy(n->name, name, nlen);
    n->name[nlen] = '\0';
    return n;
}

static void node_free_tree(struct xs_node *n)
{
    struct xs_node *c = n->child;
    while (c) {
        struct xs_node *next = c->next;
        node_free_tree(c);
        c = next;
    }
    free(n->name);
    free(n->value);
    free(n->perms);
    free(n);
}

static int node_set_perms(struct xs_node *n, const struct xs_perm *p, uint32_t np)
{
    struct xs_perm *copy = malloc(np * sizeof(*copy));
    if (!copy)
        return -ENOMEM;
    memcpy(copy, p, np * sizeof(*copy));
    free(n->perms);
    n->perms = copy;
    n->nperms = np;
    return 0;
}

int store_init(struct xs_store *s)
{
    memset(s, 0, sizeof(*s));
    s->root = node_new("", 0);
    if (!s->root)
        return -ENOMEM;
    /* The root and the tree dom0 builds belong to dom0; others see nothing. */
    struct xs_perm p = { 0, XS_PERM_NONE };
    if (node_set_perms(s->root, &p, 1) || acct_add(s, 0, 1)) {
        store_free(s);
        return -ENOMEM;
    }
    s->next_gen = 1;
    s->root->gen = s->next_gen++;
    s->nnodes = 1;
    return 0;
}

void store_free(struct xs_store *s)
{
    if (s->root)
        node_free_tree(s->root);
    free(s->acct);
    memset(s, 0, sizeof(*s));
}

/* Copy of one node without its children: what an overlay copies in, and
 * node_clone's first step. */
static struct xs_node *node_copy1(const struct xs_node *src)
{
    struct xs_node *n = node_new(src->name, strlen(src->name));
    if (!n)
        return NULL;
    n->gen = src->gen;
    n->nchildren = src->nchildren;
    if (src->vlen) {
        n->value = malloc(src->vlen);
        if (!n->value)
            goto fail;
        memcpy(n->value, src->value, src->vlen);
        n->vlen = src->vlen;
    }
    if (node_set_perms(n, src->perms, src->nperms))
        goto fail;
    return n;
fail:
    node_free_tree(n);
    return NULL;
}

static struct xs_node *node_clone(const struct xs_node *src, struct xs_node *parent)
{
    struct xs_node *n = node_copy1(src);
    if (!n)
        return NULL;
    n->parent = parent;
    struct xs_node **tail = &n->child;
    for (const struct xs_node *c = src->child; c; c = c->next) {
        struct xs_node *cc = node_clone(c, n);
        if (!cc)
            goto fail;
        *tail = cc;
        tail = &cc->next;
    }
    return n;
fail:
    node_free_tree(n);
    return NULL;
}

int store_overlay_init(struct xs_store *o, const struct xs_store *base, struct xs_txn_log *log)
{
    memset(o, 0, sizeof(*o));
    o->root = node_copy1(base->root);
    if (!o->root)
        return -ENOMEM;
    o->base = base;
    o->log = log;
    /* Only DIRECTORY_PART shows an overlay's generations to the client, and
     * only needs them to move when a node changes. */
    o->next_gen = base->next_gen;
    return 0;
}

int store_clone(struct xs_store *dst, const struct xs_store *src)
{
    memset(dst, 0, sizeof(*dst));
    dst->root = node_clone(src->root, NULL);
    if (!dst->root)
        return -ENOMEM;
    if (src->nacct) {
        dst->acct = malloc(src->nacct * sizeof(*dst->acct));
        if (!dst->acct) {
            store_free(dst);
            return -ENOMEM;
        }
        memcpy(dst->acct, src->acct, src->nacct * sizeof(*dst->acct));
    }
    dst->nacct = dst->acct_cap = src->nacct;
    dst->next_gen = src->next_gen;
    dst->nnodes = src->nnodes;
    return 0;
}

/* ---- paths ---- */

int store_check_path(const char *path)
{
    size_t len = strlen(path);
    if (len == 0 || path[0] != '/' || len > XENSTORE_ABS_PATH_MAX)
        return -EINVAL;
    if (len > 1 && path[len - 1] == '/')
        return -EINVAL;
    for (size_t i = 0; i < len; i++) {
        char ch = path[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '@' || ch == '/';
        if (!ok)
            return -EINVAL;
        if (ch == '/' && path[i + 1] == '/')
            return -EINVAL;
    }
    return 0;
}

static struct xs_node *child_find(const struct xs_node *n, const char *name, size_t nlen)
{
    for (struct xs_node *c = n->child; c; c = c->next)
        if (strncmp(c->name, name, nlen) == 0 && c->name[nlen] == '\0')
            return c;
    return NULL;
}

/* The live node an overlay node stands for, or NULL: none (created by the
 * transaction, removed by it, or removed from the live tree meanwhile). */
static const struct xs_node *live_peer(const struct xs_store *s, const struct xs_node *n)
{
    if (!s->base || n->txnew || n->deleted)
        return NULL;
    if (!n->parent)
        return s->base->root;
    const struct xs_node *lp = live_peer(s, n->parent);
    return lp ? child_find(lp, n->name, strlen(n->name)) : NULL;
}

/* Overlay: copies live child `lc` under `n` (which stands for lc's parent).
 * Order among copied children does not matter (listings take the live
 * tree's order), so it goes first.  Out of memory: NULL, and the commit
 * is made to fail, since the walk then sees the node as absent. */
static struct xs_node *materialize(struct xs_store *s, struct xs_node *n, const struct xs_node *lc)
{
    struct xs_node *c = node_copy1(lc);
    if (!c) {
        if (s->log)
            s->log->oom = true;
        return NULL;
    }
    c->parent = n;
    c->next = n->child;
    n->child = c;
    return c;
}

/* Walks `path`; returns the node or NULL, and in *deepest the last node that
 * exists on the way (the root at least).  *rest points past it.  In an
 * overlay, live nodes passed are copied in (tombstones count as absent). */
static struct xs_node *walk(struct xs_store *s, const char *path, struct xs_node **deepest,
                            const char **rest)
{
    struct xs_node *n = s->root;
    const struct xs_node *ln = s->base ? s->base->root : NULL;
    const char *p = path + 1;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t nlen = slash ? (size_t)(slash - p) : strlen(p);
        struct xs_node *c = child_find(n, p, nlen);
        const struct xs_node *lc = ln ? child_find(ln, p, nlen) : NULL;
        if (!c && lc)
            c = materialize(s, n, lc);
        if (c && c->txnew)
            lc = NULL;             /* below it, everything is the transaction's */
        if (!c || c->deleted) {
            if (deepest)
                *deepest = n;
            if (rest)
                *rest = p;
            return NULL;
        }
        n = c;
        ln = lc;
        p = slash ? slash + 1 : p + nlen;
    }
    if (deepest)
        *deepest = n;
    if (rest)
        *rest = p;
    return n;
}

struct xs_node *store_lookup(struct xs_store *s, const char *path)
{
    return walk(s, path, NULL, NULL);
}

char *store_node_path(const struct xs_node *n)
{
    size_t len = 0;
    for (const struct xs_node *m = n; m->parent; m = m->parent)
        len += strlen(m->name) + 1;
    char *buf = malloc(len ? len + 1 : 2);
    if (!buf)
        return NULL;
    if (!len) {
        strcpy(buf, "/");
        return buf;
    }
    buf[len] = '\0';
    for (const struct xs_node *m = n; m->parent; m = m->parent) {
        size_t l = strlen(m->name);
        len -= l;
        memcpy(buf + len, m->name, l);
        buf[--len] = '/';
    }
    return buf;
}

/* ---- permissions ---- */

static uint32_t perm_of(const struct xs_perm *p, uint32_t np, uint32_t domid)
{
    for (uint32_t i = 1; i < np; i++)
        if (p[i].domid == domid)
            return p[i].mode;
    return p[0].mode;
}

bool perms_can(const struct xs_caller *c, const struct xs_perm *p, uint32_t np, uint32_t want)
{
    if (c->privileged)
        return true;
    if (np == 0)
        return false;
    uint32_t owner = p[0].domid;
    if (c->domid == owner || (c->target >= 0 && (uint32_t)c->target == owner))
        return true;
    uint32_t mode = perm_of(p, np, c->domid);
    /* A domain acting for its target also gets what the target was granted. */
    if (c->target >= 0)
        mode |= perm_of(p, np, (uint32_t)c->target);
    return (mode & want) == want;
}

bool store_can(const struct xs_caller *c, const struct xs_node *n, uint32_t want)
{
    return perms_can(c, n->perms, n->nperms, want);
}

int perm_parse(const char *txt, struct xs_perm *out)
{
    switch (txt[0]) {
    case 'n': out->mode = XS_PERM_NONE; break;
    case 'r': out->mode = XS_PERM_READ; break;
    case 'w': out->mode = XS_PERM_WRITE; break;
    case 'b': out->mode = XS_PERM_BOTH; break;
    default: return -EINVAL;
    }
    const char *d = txt + 1;
    if (!*d)
        return -EINVAL;
    uint32_t v = 0;
    for (; *d; d++) {
        if (*d < '0' || *d > '9')
            return -EINVAL;
        v = v * 10 + (uint32_t)(*d - '0');
        if (v > 0xffff)       /* domain ids are 16 bits */
            return -EINVAL;
    }
    out->domid = v;
    return 0;
}

int perm_format(const struct xs_perm *p, char *buf, size_t len)
{
    static const char letters[] = "nrwb";
    int n = snprintf(buf, len, "%c%u", letters[p->mode & 3], p->domid);
    return (n < 0 || (size_t)n >= len) ? -EINVAL : n;
}

/* ---- operations ---- */

static void record(struct xs_store *s, struct xs_node *n)
{
    if (s->log)
        txn_log_record(s->log, n);
}

static void touch(struct xs_store *s, struct xs_node *n)
{
    n->gen = s->next_gen++;
}

int store_read(struct xs_store *s, const struct xs_caller *c, const char *path,
               const struct xs_node **out)
{
    struct xs_node *deepest;
    struct xs_node *n = walk(s, path, &deepest, NULL);
    if (!n) {
        record(s, deepest);     /* its creation would change deepest's gen */
        return -ENOENT;
    }
    record(s, n);
    if (!store_can(c, n, XS_PERM_READ))
        return -EACCES;
    *out = n;
    return 0;
}

/* Creates the missing components of `path` below `deepest`, each inheriting
 * its parent's permissions, owned by the caller if it is unprivileged. */
static int create_chain(struct xs_store *s, const struct xs_caller *c, const struct xs_quota *q,
                        struct xs_node *deepest, const char *rest, bool nocheck,
                        struct xs_node **leaf)
{
    uint32_t missing = 1;
    for (const char *p = rest; *p; p++)
        missing += *p == '/';
    uint32_t owner = c->privileged ? deepest->perms[0].domid : c->domid;
    if (!nocheck && !c->privileged && q &&
        store_acct_get(s, owner) + missing > q->max_nodes)
        return -ENOSPC;
    if (acct_add(s, owner, (int)missing) < 0)
        return -ENOMEM;
    /* Build the chain detached, then link it in one step, so that a failed
     * allocation leaves the tree as it was. */
    struct xs_node *top = NULL, *bottom = NULL;
    const char *p = rest;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t nlen = slash ? (size_t)(slash - p) : strlen(p);
        struct xs_node *n = node_new(p, nlen);
        if (!n || node_set_perms(n, deepest->perms, deepest->nperms) < 0) {
            if (n)
                node_free_tree(n);
            if (top)
                node_free_tree(top);
            acct_add(s, owner, -(int)missing);
            return -ENOMEM;
        }
        n->perms[0].domid = owner;
        n->txnew = s->base != NULL;
        n->gen = s->next_gen++;
        if (bottom) {
            n->parent = bottom;
            bottom->child = n;
            bottom->nchildren = 1;
        } else {
            top = n;
        }
        bottom = n;
        p = slash ? slash + 1 : p + nlen;
    }
    top->parent = deepest;
    struct xs_node **tail = &deepest->child;
    while (*tail) {
        /* An overlay's tombstone of that name gives way to the new node
         * (which, txnew, hides the live one as the tombstone did). */
        if ((*tail)->deleted && strcmp((*tail)->name, top->name) == 0) {
            struct xs_node *dead = *tail;
            *tail = dead->next;
            dead->next = NULL;
            node_free_tree(dead);
            continue;
        }
        tail = &(*tail)->next;
    }
    *tail = top;
    deepest->nchildren++;
    touch(s, deepest);
    s->nnodes += missing;
    *leaf = bottom;
    return 0;
}

int store_write(struct xs_store *s, const struct xs_caller *c, const struct xs_quota *q,
                const char *path, const void *val, uint32_t vlen, bool nocheck)
{
    if (!nocheck && !c->privileged && q && vlen > q->max_value)
        return -ENOSPC;
    const char *rest;
    struct xs_node *deepest;
    struct xs_node *n = walk(s, path, &deepest, &rest);
    record(s, deepest);
    if (!nocheck && !store_can(c, deepest, XS_PERM_WRITE))
        return -EACCES;
    char *copy = NULL;
    if (vlen) {
        copy = malloc(vlen);
        if (!copy)
            return -ENOMEM;
        memcpy(copy, val, vlen);
    }
    if (!n) {
        int rc = create_chain(s, c, q, deepest, rest, nocheck, &n);
        if (rc < 0) {
            free(copy);
            return rc;
        }
    }
    free(n->value);
    n->value = copy;
    n->vlen = vlen;
    touch(s, n);
    return 0;
}

int store_mkdir(struct xs_store *s, const struct xs_caller *c, const struct xs_quota *q,
                const char *path, bool nocheck, bool *created)
{
    const char *rest;
    struct xs_node *deepest;
    struct xs_node *n = walk(s, path, &deepest, &rest);
    record(s, deepest);
    *created = false;
    if (n)
        return 0;
    if (!nocheck && !store_can(c, deepest, XS_PERM_WRITE))
        return -EACCES;
    int rc = create_chain(s, c, q, deepest, rest, nocheck, &n);
    if (rc == 0)
        *created = true;
    return rc;
}

/* The children of `n` as its store sees them, `ln` being n's live peer
 * (NULL: none, or `n` is in the live tree itself): fn(ctx, its overlay node
 * or NULL, its live node or NULL) for each.  The live tree's children come
 * first, in its order, then those the transaction created, in theirs: the
 * order a copy of the whole tree used to give.  Stops at a non-zero return. */
typedef int (*child_fn)(void *ctx, struct xs_node *o, const struct xs_node *l);

static int merged_children(const struct xs_node *n, const struct xs_node *ln, child_fn fn,
                           void *ctx)
{
    int rc;
    for (const struct xs_node *lc = ln ? ln->child : NULL; lc; lc = lc->next) {
        struct xs_node *oc = child_find(n, lc->name, strlen(lc->name));
        if (oc && (oc->deleted || oc->txnew))
            continue;              /* removed, or replaced, by the transaction */
        if ((rc = fn(ctx, oc, lc)))
            return rc;
    }
    for (struct xs_node *oc = n->child; oc; oc = oc->next) {
        if (oc->deleted)
            continue;
        if (!oc->txnew && ln && child_find(ln, oc->name, strlen(oc->name)))
            continue;              /* a copy of a live child: visited above */
        if ((rc = fn(ctx, oc, NULL)))
            return rc;
    }
    return 0;
}

/* Every node of a subtree as its store sees it, parents first. */
struct visit {
    struct xs_store *s;
    void (*fn)(struct xs_store *s, struct xs_node *o, const struct xs_node *l);
};

static int visit_one(void *ctx, struct xs_node *o, const struct xs_node *l)
{
    struct visit *v = ctx;
    v->fn(v->s, o, l);
    if (o)
        return merged_children(o, o->txnew ? NULL : l, visit_one, ctx);
    for (const struct xs_node *lc = l->child; lc; lc = lc->next)
        visit_one(ctx, NULL, lc);
    return 0;
}

static void visit_subtree(struct xs_store *s, struct xs_node *n,
                          void (*fn)(struct xs_store *s, struct xs_node *o,
                                     const struct xs_node *l))
{
    struct visit v = { s, fn };
    visit_one(&v, n, live_peer(s, n));
}

static void unaccount_one(struct xs_store *s, struct xs_node *o, const struct xs_node *l)
{
    acct_add(s, (o ? o : l)->perms[0].domid, -1);
    s->nnodes--;
}

static void log_one(struct xs_store *s, struct xs_node *o, const struct xs_node *l)
{
    if (o)
        txn_log_record(s->log, o);
    else
        txn_log_live(s->log, l);
}

struct names {
    int (*fn)(void *ctx, const char *name);
    void *ctx;
};

static int name_one(void *ctx, struct xs_node *o, const struct xs_node *l)
{
    struct names *nm = ctx;
    return nm->fn(nm->ctx, o ? o->name : l->name);
}

int store_children(const struct xs_store *s, const struct xs_node *n,
                   int (*fn)(void *ctx, const char *name), void *ctx)
{
    struct names nm = { fn, ctx };
    return merged_children(n, live_peer(s, n), name_one, &nm);
}

int store_rm(struct xs_store *s, const struct xs_caller *c, const char *path, bool nocheck,
             struct xs_perm **old_perms, uint32_t *old_nperms)
{
    if (strcmp(path, "/") == 0)
        return -EINVAL;
    const char *rest;
    struct xs_node *deepest;
    struct xs_node *n = walk(s, path, &deepest, &rest);
    if (!n) {
        record(s, deepest);
        /* Absent is fine if the parent exists (rest is one component). */
        return strchr(rest, '/') ? -ENOENT : 0;
    }
    struct xs_node *parent = n->parent;
    record(s, parent);
    record(s, n);
    if (!nocheck && !store_can(c, n, XS_PERM_WRITE))
        return -EACCES;
    /* Only once the removal is sure: the live part of the subtree is logged
     * without a flag to say so, and a refused RM could be sent again and
     * again.  A removed node is a tombstone that no walk passes again. */
    if (s->log)
        visit_subtree(s, n, log_one);
    if (old_perms) {
        *old_perms = malloc(n->nperms * sizeof(**old_perms));
        if (!*old_perms)
            return -ENOMEM;
        memcpy(*old_perms, n->perms, n->nperms * sizeof(**old_perms));
        *old_nperms = n->nperms;
    }
    visit_subtree(s, n, unaccount_one);
    parent->nchildren--;
    touch(s, parent);
    if (s->base && !parent->txnew) {
        /* The live tree may hold this node: a tombstone hides it. */
        struct xs_node *k = n->child;
        while (k) {
            struct xs_node *next = k->next;
            node_free_tree(k);
            k = next;
        }
        n->child = NULL;
        free(n->value);
        n->value = NULL;
        n->vlen = 0;
        n->deleted = true;
        return 0;
    }
    struct xs_node **link = &parent->child;
    while (*link != n)
        link = &(*link)->next;
    *link = n->next;
    n->next = NULL;
    node_free_tree(n);
    return 0;
}

int store_set_perms(struct xs_store *s, const struct xs_caller *c, const char *path,
                    const struct xs_perm *p, uint32_t np, bool nocheck)
{
    if (np == 0 || np > XS_PERMS_MAX)
        return -EINVAL;
    struct xs_node *n = store_lookup(s, path);
    if (!n) {
        struct xs_node *deepest;
        walk(s, path, &deepest, NULL);
        record(s, deepest);
        return -ENOENT;
    }
    record(s, n);
    if (!nocheck && !store_can(c, n, XS_PERM_WRITE))
        return -EACCES;
    uint32_t old_owner = n->perms[0].domid;
    /* Changing who may do what is the owner's (or the domain it acts
     * for): write access alone is not enough, as in Xen's daemon, so a
     * domain given write access to another's node cannot open it further. */
    if (!nocheck && !c->privileged && c->domid != old_owner &&
        !(c->target >= 0 && (uint32_t)c->target == old_owner))
        return -EACCES;
    /* Giving a node away would dodge the node quota; only dom0 may. */
    if (!nocheck && !c->privileged && p[0].domid != old_owner)
        return -EPERM;
    if (old_owner != p[0].domid && acct_add(s, p[0].domid, 1) < 0)
        return -ENOMEM;
    int rc = node_set_perms(n, p, np);
    if (rc < 0) {
        if (old_owner != p[0].domid)
            acct_add(s, p[0].domid, -1);
        return rc;
    }
    if (old_owner != p[0].domid)
        acct_add(s, old_owner, -1);
    touch(s, n);
    return 0;
}
