/*
 * Transactions: an overlay on the live tree holding what the transaction
 * reached (store.h), a log of what was read or written there (path +
 * generation at first touch) and the operations to replay on the live tree
 * at commit.  Owner: the connection that started it.
 */
#ifndef XSD_TXN_H
#define XSD_TXN_H

#include "store.h"

enum xs_txop_kind { TXOP_WRITE, TXOP_MKDIR, TXOP_RM, TXOP_SET_PERMS };

struct xs_txop {
    enum xs_txop_kind kind;
    char *path;
    char *value;                 /* WRITE */
    uint32_t vlen;
    struct xs_perm *perms;       /* SET_PERMS */
    uint32_t nperms;
    struct xs_txop *next;
};

struct xs_txn_rec {
    char *path;
    uint64_t gen;
};

struct xs_txn_log {
    struct xs_txn_rec *recs;
    uint32_t nrecs, cap;
    bool oom;                    /* a record was lost: commit must fail */
};

struct xs_txn {
    uint32_t id;
    struct xs_store view;        /* overlay: view.base is the live tree */
    struct xs_txn_log log;
    struct xs_txop *ops, *ops_tail;
    uint32_t nops;
    struct xs_txn *next;         /* in the owning connection's list */
};

/* Called by store.c on an overlay before a node is read or changed: an
 * overlay node (once each), or a live node the overlay did not copy (a
 * removed subtree's, visited once). */
void txn_log_record(struct xs_txn_log *log, struct xs_node *n);
void txn_log_live(struct xs_txn_log *log, const struct xs_node *live);

struct xs_txn *txn_start(const struct xs_store *live, uint32_t id);
void txn_free(struct xs_txn *t);
int txn_add_op(struct xs_txn *t, enum xs_txop_kind kind, const char *path,
               const void *val, uint32_t vlen, const struct xs_perm *p, uint32_t np);

/* Something the transaction recorded changed in `live` (its commit would
 * fail with EAGAIN).  Such a transaction's view may be inconsistent: a node
 * it created can hide one created meanwhile in the live tree. */
bool txn_conflicts(const struct xs_txn *t, struct xs_store *live);

/* Check for conflicts and quota, then replay on `live`.  0, -EAGAIN (something
 * the transaction touched changed), -ENOSPC (a domain's node quota would be
 * exceeded) or -ENOMEM.  The caller fires watches for t->ops on success. */
int txn_commit(struct xs_txn *t, struct xs_store *live, const struct xs_caller *c,
               const struct xs_quota *q);

#endif
