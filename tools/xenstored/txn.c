/*
 * Transactions (see txn.h).  Optimistic: a transaction works on an overlay
 * of the live tree (store.h) that copies a node when the transaction first
 * reaches it; every node it reads or changes is recorded once with the
 * generation of that copy.  Commit succeeds only if each recorded node still
 * exists in the live tree with the same generation, then replays the logged
 * operations there.  Generations of parents change when a child is added or
 * removed, so "did not exist" is covered by recording the deepest existing
 * ancestor.  So a committed transaction is as if it ran at its commit.
 */
#include "txn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void log_add(struct xs_txn_log *log, const struct xs_node *n)
{
    char *path = store_node_path(n);
    if (!path) {
        log->oom = true;
        return;
    }
    if (log->nrecs == log->cap) {
        uint32_t cap = log->cap ? log->cap * 2 : 16;
        struct xs_txn_rec *r = realloc(log->recs, cap * sizeof(*r));
        if (!r) {
            free(path);
            log->oom = true;
            return;
        }
        log->recs = r;
        log->cap = cap;
    }
    log->recs[log->nrecs].path = path;
    log->recs[log->nrecs].gen = n->gen;
    log->nrecs++;
}

void txn_log_record(struct xs_txn_log *log, struct xs_node *n)
{
    /* The overlay is private to the transaction, so a flag on its node
     * makes "already recorded" O(1) however many reads a guest sends. */
    if (n->logged)
        return;
    /* Nodes the transaction created itself do not exist in the live tree;
     * their creation already recorded the ancestor they hang from. */
    for (const struct xs_node *m = n; m; m = m->parent)
        if (m->txnew)
            return;
    log_add(log, n);
    n->logged = true;
}

void txn_log_live(struct xs_txn_log *log, const struct xs_node *live)
{
    log_add(log, live);
}

struct xs_txn *txn_start(const struct xs_store *live, uint32_t id)
{
    struct xs_txn *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->id = id;
    if (store_overlay_init(&t->view, live, &t->log) < 0) {
        free(t);
        return NULL;
    }
    return t;
}

static void txop_free(struct xs_txop *op)
{
    free(op->path);
    free(op->value);
    free(op->perms);
    free(op);
}

void txn_free(struct xs_txn *t)
{
    if (!t)
        return;
    store_free(&t->view);
    for (uint32_t i = 0; i < t->log.nrecs; i++)
        free(t->log.recs[i].path);
    free(t->log.recs);
    struct xs_txop *op = t->ops;
    while (op) {
        struct xs_txop *next = op->next;
        txop_free(op);
        op = next;
    }
    free(t);
}

int txn_add_op(struct xs_txn *t, enum xs_txop_kind kind, const char *path,
               const void *val, uint32_t vlen, const struct xs_perm *p, uint32_t np)
{
    struct xs_txop *op = calloc(1, sizeof(*op));
    if (!op)
        return -ENOMEM;
    op->kind = kind;
    op->path = strdup(path);
    if (!op->path)
        goto oom;
    if (vlen) {
        op->value = malloc(vlen);
        if (!op->value)
            goto oom;
        memcpy(op->value, val, vlen);
        op->vlen = vlen;
    }
    if (np) {
        op->perms = malloc(np * sizeof(*p));
        if (!op->perms)
            goto oom;
        memcpy(op->perms, p, np * sizeof(*p));
        op->nperms = np;
    }
    if (t->ops_tail)
        t->ops_tail->next = op;
    else
        t->ops = op;
    t->ops_tail = op;
    t->nops++;
    return 0;
oom:
    txop_free(op);
    /* The overlay holds a change the log lacks: the commit must not happen. */
    t->log.oom = true;
    return -ENOMEM;
}

bool txn_conflicts(const struct xs_txn *t, struct xs_store *live)
{
    for (uint32_t i = 0; i < t->log.nrecs; i++) {
        const struct xs_node *n = store_lookup(live, t->log.recs[i].path);
        if (!n || n->gen != t->log.recs[i].gen)
            return true;
    }
    return false;
}

int txn_commit(struct xs_txn *t, struct xs_store *live, const struct xs_caller *c,
               const struct xs_quota *q)
{
    if (t->log.oom)
        return -ENOMEM;
    if (txn_conflicts(t, live))
        return -EAGAIN;
    /* Node quota: what the transaction added for each domain (the
     * overlay's table holds changes), on top of what that domain owns now
     * (others may have changed it meanwhile). */
    if (!c->privileged && q) {
        for (uint32_t i = 0; i < t->view.nacct; i++) {
            const struct xs_acct *a = &t->view.acct[i];
            int64_t delta = (int32_t)a->nodes;
            if (delta > 0 && store_acct_get(live, a->domid) + delta > q->max_nodes)
                return -ENOSPC;
        }
    }
    /* Replay.  Every path it touches was checked unchanged above, so each
     * operation does on the live tree what it did on the copy; only an
     * allocation failure can stop it half way (reported as ENOMEM). */
    for (struct xs_txop *op = t->ops; op; op = op->next) {
        int rc = 0;
        bool created;
        switch (op->kind) {
        case TXOP_WRITE:
            rc = store_write(live, c, q, op->path, op->value, op->vlen, true);
            break;
        case TXOP_MKDIR:
            rc = store_mkdir(live, c, q, op->path, true, &created);
            break;
        case TXOP_RM:
            rc = store_rm(live, c, op->path, true, NULL, NULL);
            break;
        case TXOP_SET_PERMS:
            rc = store_set_perms(live, c, op->path, op->perms, op->nperms, true);
            break;
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}
