/*
 * The xenstore tree: nodes with a value, permissions and a generation count,
 * plus the per-domain node accounting that quotas are checked against.
 *
 * Ownership: a struct xs_store is owned by the daemon (the live tree) or by
 * one transaction (its overlay, `base` set: see below).  The daemon is
 * single-threaded, so no locks: every function here runs on the daemon's
 * main loop.
 *
 * An overlay holds only what its transaction reached: a node is copied from
 * the live tree (with the ancestors on its path) the first time a walk
 * passes it, a node the transaction creates is marked txnew (its children
 * are all in the overlay), and one it removes stays as a tombstone
 * (`deleted`) hiding the live node of that name.  Children of a copied node
 * that the overlay lacks are read from the live tree, so starting a
 * transaction costs one node whatever the store's size.
 */
#ifndef XSD_STORE_H
#define XSD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XS_PERM_NONE  0u
#define XS_PERM_READ  1u
#define XS_PERM_WRITE 2u
#define XS_PERM_BOTH  3u
#define XS_PERMS_MAX  64u        /* entries per node; more is EINVAL */

struct xs_perm {
    uint32_t domid;
    uint32_t mode;               /* XS_PERM_* */
};

struct xs_node {
    char *name;                  /* last path component; "" for the root */
    struct xs_node *parent;
    struct xs_node *child;       /* first child; children kept in creation order */
    struct xs_node *next;        /* next sibling */
    char *value;
    uint32_t vlen;
    struct xs_perm *perms;       /* perms[0]: owner and everyone's default */
    uint32_t nperms;
    uint32_t nchildren;          /* live tree only (an overlay holds a subset) */
    uint64_t gen;                /* bumped on any change, and on child add/remove */
    bool txnew;                  /* overlay: created by the transaction */
    bool logged;                 /* overlay: already in its access log */
    bool deleted;                /* overlay: removed by the transaction (tombstone) */
};

/* Nodes owned per domain (quota accounting), a small unsorted table. */
struct xs_acct {
    uint32_t domid;
    uint32_t nodes;
};

struct xs_txn_log;

struct xs_store {
    struct xs_node *root;
    uint64_t next_gen;
    /* Live tree: nodes owned per domain.  Overlay: the transaction's change
     * to each domain's count (two's complement in `nodes`). */
    struct xs_acct *acct;
    uint32_t nacct, acct_cap;
    uint32_t nnodes;             /* live tree only */
    /* Overlay only: the live tree below it (owned by the daemon, read at
     * each walk, never changed through the overlay), and the access log:
     * every node read or about to change is recorded (path, generation) so
     * that commit can detect conflicts. */
    const struct xs_store *base;
    struct xs_txn_log *log;
};

/* Limits the store enforces on unprivileged callers. */
struct xs_quota {
    uint32_t max_nodes;          /* nodes a domain may own */
    uint32_t max_value;          /* bytes in one value */
};

/* Caller identity for permission checks. */
struct xs_caller {
    uint32_t domid;
    bool privileged;             /* dom0 or a trusted socket */
    int32_t target;              /* domain this caller acts for (SET_TARGET), or -1 */
};

int store_init(struct xs_store *s);
void store_free(struct xs_store *s);
/* A transaction's overlay on `base`: one node (the root's copy).  -ENOMEM. */
int store_overlay_init(struct xs_store *o, const struct xs_store *base, struct xs_txn_log *log);
/* A full copy of a live tree.  Transactions no longer use it: kept as the
 * reference the unit test measures the overlay against. */
int store_clone(struct xs_store *dst, const struct xs_store *src);

/* Path checks: returns 0 if `path` (absolute, NUL-terminated) is a valid
 * node path, else -EINVAL. */
int store_check_path(const char *path);

struct xs_node *store_lookup(struct xs_store *s, const char *path);
char *store_node_path(const struct xs_node *n);  /* malloc'd absolute path */

bool perms_can(const struct xs_caller *c, const struct xs_perm *p, uint32_t np, uint32_t want);
bool store_can(const struct xs_caller *c, const struct xs_node *n, uint32_t want);

/* The operations.  0 or a negative errno.  `nocheck` skips permission and
 * quota checks (a transaction's replay, already checked against its copy). */
int store_read(struct xs_store *s, const struct xs_caller *c, const char *path,
               const struct xs_node **out);
int store_write(struct xs_store *s, const struct xs_caller *c, const struct xs_quota *q,
                const char *path, const void *val, uint32_t vlen, bool nocheck);
int store_mkdir(struct xs_store *s, const struct xs_caller *c, const struct xs_quota *q,
                const char *path, bool nocheck, bool *created);
int store_rm(struct xs_store *s, const struct xs_caller *c, const char *path, bool nocheck,
             struct xs_perm **old_perms, uint32_t *old_nperms);
int store_set_perms(struct xs_store *s, const struct xs_caller *c, const char *path,
                    const struct xs_perm *p, uint32_t np, bool nocheck);

/* The children of `n` (from store_read on `s`) as `s` sees them: the live
 * tree's in creation order, then those a transaction created.  Stops at the
 * first non-zero return of `fn` and returns it. */
int store_children(const struct xs_store *s, const struct xs_node *n,
                   int (*fn)(void *ctx, const char *name), void *ctx);

/* Nodes `domid` owns (an overlay: on the live tree plus the transaction's change). */
uint32_t store_acct_get(const struct xs_store *s, uint32_t domid);

/* "r5" style text <-> xs_perm. 0 or -EINVAL. */
int perm_parse(const char *txt, struct xs_perm *out);
int perm_format(const struct xs_perm *p, char *buf, size_t len);

#endif
