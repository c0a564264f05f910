/*
 * xenstored transactions on an overlay of the live tree (tools/xenstored/
 * store.h): START costs one node whatever the store's size, a transaction's
 * memory follows what it touches, and its view (reads, DIRECTORY, RM of a
 * subtree, quotas) is what a copy of the whole tree used to give.  The
 * whole-tree copy (store_clone) is kept as the reference: a random
 * differential run checks the overlay against it, and a small bench prints
 * START+END pairs per second against one copy per START.
 */
#include "test.h"
#include "xsd_client.h"

#include <errno.h>
#include <time.h>

#ifdef __SANITIZE_ADDRESS__
/* libasan's allocator statistics (sanitizer/allocator_interface.h, which
 * GCC does not ship). */
size_t __sanitizer_get_current_allocated_bytes(void);
static size_t heap_bytes(void) { return __sanitizer_get_current_allocated_bytes(); }
#else
#include <malloc.h>
static size_t heap_bytes(void) { return mallinfo2().uordblks; }
#endif

static struct xsd d;
static const struct xs_caller dom0 = { 0, true, -1 };

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint32_t txstart(struct xs_conn *c)
{
    const char *r = xc_callv(c, XS_TRANSACTION_START, 0, 1, "");
    return (uint32_t)strtoul(r, NULL, 10);
}

static const char *txend(struct xs_conn *c, uint32_t t, const char *how)
{
    return xc_callv(c, XS_TRANSACTION_END, t, 1, how);
}

/* Commits `t` on `c`: no watch event before it, OK; then the events it
 * fired are in xc_events. */
static void commit_fires(struct xs_conn *c, uint32_t t)
{
    xc_nevents = 0;
    xc_drain_events(c);
    CHECK_EQ(xc_nevents, 0);
    CHECK_STR(txend(c, t, "T"), "OK");
    xc_drain_events(c);
}

static struct xs_txn *txn_of(struct xs_conn *c, uint32_t id)
{
    for (struct xs_txn *t = c->txns; t; t = t->next)
        if (t->id == id)
            return t;
    return NULL;
}

static uint32_t count_nodes(const struct xs_node *n)
{
    uint32_t k = 1;
    for (const struct xs_node *c = n->child; c; c = c->next)
        k += count_nodes(c);
    return k;
}

/* DIRECTORY's reply as "a,b,c" (the raw reply holds NUL-separated names). */
static const char *ls(struct xs_conn *c, uint32_t tx, const char *path)
{
    static char out[4096];
    const char *r = xc_callv(c, XS_DIRECTORY, tx, 1, path);
    if (r[0] == 'E' && r[1] == ':')
        return r;
    size_t o = 0;
    for (uint32_t i = 0; i < xc_last.h.len && o + 1 < sizeof(out); i++)
        out[o++] = xc_last.data[i] ? xc_last.data[i] : ',';
    if (o && out[o - 1] == ',')
        o--;
    out[o] = '\0';
    return out;
}

/* 50 domains' homes of 100 nodes each: a 5,000-node store. */
static void big_store(struct xs_conn *c0)
{
    char p[96];
    for (int dom = 1; dom <= 50; dom++)
        for (int k = 0; k < 99; k++) {
            snprintf(p, sizeof(p), "/local/domain/%d/device/vif/%d", dom, k);
            if (strcmp(xc_write(c0, 0, p, "backend"), "OK")) {
                CHECK_STR(xc_last.data, "OK");
                return;
            }
        }
}

static void test_start_end_cost(void)
{
    struct xs_conn *c0 = xsd_conn_new(&d, 0, false);
    big_store(c0);
    uint32_t nodes = count_nodes(d.store.root);
    CHECK(nodes >= 5000);
    printf("store: %u nodes\n", nodes);

    /* One START: the overlay holds the root's copy and nothing else. */
    uint32_t t = txstart(c0);
    CHECK(t != 0);
    CHECK_EQ(count_nodes(txn_of(c0, t)->view.root), 1);
    CHECK_STR(txend(c0, t, "F"), "OK");

    /* 100,000 START/END pairs (half aborted, half committed empty): no
     * memory kept once they end, and the loop does no copying. */
    size_t before = heap_bytes();
    double t0 = now_s();
    int ok = 0;
    for (int i = 0; i < 100000; i++) {
        uint32_t id = txstart(c0);
        ok += id != 0 && strcmp(txend(c0, id, (i & 1) ? "T" : "F"), "OK") == 0;
    }
    double t_new = now_s() - t0;
    size_t after = heap_bytes();
    CHECK_EQ(ok, 100000);
    CHECK_EQ(after, before);
    printf("overlay: 100000 START+END pairs in %.3f s = %.0f pairs/s, heap %zu -> %zu bytes\n",
           t_new, 100000 / t_new, before, after);

    /* The old START: one copy of the whole store (and its free at END),
     * as many as fit in about a second. */
    struct xs_store copy;
    int pairs = 0;
    size_t copy_bytes = 0;
    t0 = now_s();
    do {
        size_t b = heap_bytes();
        CHECK_EQ(store_clone(&copy, &d.store), 0);
        copy_bytes = heap_bytes() - b;
        store_free(&copy);
        pairs++;
    } while (now_s() - t0 < 1.0 && pairs < 2000);
    double t_old = now_s() - t0;
    printf("whole-store copy (old START): %d pairs in %.3f s = %.0f pairs/s, %zu bytes "
           "per copy; overlay/copy speed ratio %.0fx\n",
           pairs, t_old, pairs / t_old, copy_bytes, (100000 / t_new) / (pairs / t_old));
    CHECK(copy_bytes > 5000 * sizeof(struct xs_node));

    /* Ten open transactions of a limited domain, each writing one node:
     * each overlay holds the path to that node, not the store. */
    struct xs_conn *c7 = xsd_conn_new(&d, 7, true);
    make_home(c0, 7);
    before = heap_bytes();
    uint32_t ids[10];
    uint32_t max_overlay = 0;
    for (int i = 0; i < 10; i++) {
        char p[32];
        ids[i] = txstart(c7);
        CHECK(ids[i] != 0);
        snprintf(p, sizeof(p), "k%d", i);
        CHECK_STR(xc_write(c7, ids[i], p, "v"), "OK");
        uint32_t n = count_nodes(txn_of(c7, ids[i])->view.root);
        max_overlay = n > max_overlay ? n : max_overlay;
    }
    size_t open_bytes = heap_bytes() - before;
    /* "/", local, domain, 7, kN. */
    CHECK_EQ(max_overlay, 5);
    CHECK(open_bytes < copy_bytes / 10);
    printf("10 open transactions writing 1 node each: <= %u overlay nodes each, %zu bytes "
           "in all (one whole-store copy: %zu bytes)\n", max_overlay, open_bytes, copy_bytes);
    CHECK_STR(xc_callv(c7, XS_TRANSACTION_START, 0, 1, ""), "E:ENOSPC");
    /* A refused RM of a large subtree, sent again and again: the access
     * log does not grow with the subtree, nor with the repeats. */
    struct xs_txn *tx0 = txn_of(c7, ids[0]);
    uint32_t recs = tx0->log.nrecs;
    for (int i = 0; i < 1000; i++)
        CHECK_STR(XC_RM(c7, ids[0], "/local/domain/1"), "E:EACCES");
    CHECK(tx0->log.nrecs <= recs + 2);
    CHECK(count_nodes(tx0->view.root) <= max_overlay + 1);
    printf("1000 refused RMs of a 102-node subtree: access log %u -> %u records, overlay %u nodes\n",
           recs, tx0->log.nrecs, count_nodes(tx0->view.root));
    for (int i = 0; i < 10; i++)
        CHECK_STR(txend(c7, ids[i], "T"), i == 0 ? "OK" : "E:EAGAIN");
    CHECK_STR(XC_READ(c7, 0, "k0"), "v");
    CHECK_STR(XC_READ(c7, 0, "k1"), "E:ENOENT");
    xsd_conn_destroy(c7);
    CHECK_STR(XC_RM(c0, 0, "/local"), "OK");
    CHECK_EQ(count_nodes(d.store.root), 1);
    xsd_conn_destroy(c0);
}

static void test_isolation(void)
{
    struct xs_conn *a = xsd_conn_new(&d, 0, false);
    struct xs_conn *b = xsd_conn_new(&d, 0, false);
    CHECK_STR(xc_write(a, 0, "/s/a", "1"), "OK");
    CHECK_STR(xc_write(a, 0, "/s/b", "1"), "OK");

    /* Read, then someone else writes it: EAGAIN; the transaction keeps
     * seeing the value it read until then. */
    uint32_t t = txstart(a);
    CHECK_STR(XC_READ(a, t, "/s/a"), "1");
    CHECK_STR(xc_write(b, 0, "/s/a", "2"), "OK");
    CHECK_STR(XC_READ(a, t, "/s/a"), "1");
    CHECK_STR(xc_write(a, t, "/s/c", "x"), "OK");
    CHECK_STR(txend(a, t, "T"), "E:EAGAIN");
    CHECK_STR(XC_READ(b, 0, "/s/c"), "E:ENOENT");

    /* A sibling written by another: the commit goes through. */
    t = txstart(a);
    CHECK_STR(XC_READ(a, t, "/s/a"), "2");
    CHECK_STR(xc_write(a, t, "/s/a", "3"), "OK");
    CHECK_STR(xc_write(b, 0, "/s/b", "2"), "OK");
    CHECK_STR(XC_READ(a, t, "/s/b"), "2");           /* not touched before: the store's */
    CHECK_STR(XC_READ(b, 0, "/s/a"), "2");
    CHECK_STR(txend(a, t, "T"), "OK");
    CHECK_STR(XC_READ(b, 0, "/s/a"), "3");

    /* A node it writes below is removed meanwhile: EAGAIN. */
    CHECK_STR(xc_write(a, 0, "/s/deep/x/y", "1"), "OK");
    t = txstart(a);
    CHECK_STR(xc_write(a, t, "/s/deep/x/y", "2"), "OK");
    CHECK_STR(XC_RM(b, 0, "/s/deep/x"), "OK");
    CHECK_STR(txend(a, t, "T"), "E:EAGAIN");
    CHECK_STR(XC_READ(b, 0, "/s/deep/x"), "E:ENOENT");

    /* DIRECTORY inside the transaction: its own removals and creations. */
    CHECK_STR(xc_write(a, 0, "/d/x/old", "o"), "OK");
    CHECK_STR(xc_write(a, 0, "/d/y", "y"), "OK");
    CHECK_STR(xc_write(a, 0, "/d/z", "z"), "OK");
    CHECK_STR(xc_callv(a, XS_WATCH, 0, 2, "/d", "w"), "OK");
    xc_drain_events(a);
    t = txstart(a);
    CHECK_STR(XC_RM(a, t, "/d/y"), "OK");
    CHECK_STR(xc_write(a, t, "/d/w", "w"), "OK");
    CHECK_STR(ls(a, t, "/d"), "x,z,w");
    CHECK_STR(ls(b, 0, "/d"), "x,y,z");
    CHECK_STR(XC_READ(a, t, "/d/y"), "E:ENOENT");
    /* Removed and created again: the new node has none of the old children. */
    CHECK_STR(XC_RM(a, t, "/d/x"), "OK");
    CHECK_STR(ls(a, t, "/d"), "z,w");
    CHECK_STR(xc_write(a, t, "/d/x/sub", "s"), "OK");
    CHECK_STR(ls(a, t, "/d"), "z,w,x");
    CHECK_STR(ls(a, t, "/d/x"), "sub");
    CHECK_STR(XC_READ(a, t, "/d/x/old"), "E:ENOENT");
    CHECK_STR(XC_READ(b, 0, "/d/x/old"), "o");
    /* Another's new child shows up (the store's), and fails the commit:
     * the transaction changed /d's children. */
    xc_nevents = 0;
    CHECK_STR(xc_write(b, 0, "/d/v", "v"), "OK");
    CHECK_STR(ls(a, t, "/d"), "z,v,w,x");
    CHECK_STR(txend(a, t, "T"), "E:EAGAIN");
    xc_drain_events(a);
    CHECK_EQ(xc_nevents, 1);                           /* only b's /d/v */
    CHECK(xc_has_event("0:/d/v:w"));
    CHECK_STR(ls(b, 0, "/d"), "x,y,z,v");

    /* The same without interference commits; watches fire at commit only. */
    t = txstart(a);
    CHECK_STR(XC_RM(a, t, "/d/y"), "OK");
    CHECK_STR(xc_write(a, t, "/d/w", "w"), "OK");
    CHECK_STR(XC_RM(a, t, "/d/x"), "OK");
    CHECK_STR(xc_write(a, t, "/d/x/sub", "s"), "OK");
    commit_fires(a, t);
    CHECK(xc_has_event("0:/d/y:w"));
    CHECK(xc_has_event("0:/d/w:w"));
    CHECK(xc_has_event("0:/d/x:w"));
    CHECK(xc_has_event("0:/d/x/sub:w"));
    CHECK_STR(ls(b, 0, "/d"), "z,v,w,x");
    CHECK_STR(ls(b, 0, "/d/x"), "sub");
    CHECK_STR(XC_READ(b, 0, "/d/x/old"), "E:ENOENT");
    CHECK_STR(xc_callv(a, XS_UNWATCH, 0, 2, "/d", "w"), "OK");
    CHECK_STR(XC_RM(a, 0, "/d"), "OK");
    CHECK_STR(XC_RM(a, 0, "/s"), "OK");
    xsd_conn_destroy(a);
    xsd_conn_destroy(b);
}

/* RM of a subtree the overlay never copied, and quotas inside a transaction. */
static void test_rm_and_quota(void)
{
    struct xs_conn *c0 = xsd_conn_new(&d, 0, false);
    struct xs_conn *c5 = xsd_conn_new(&d, 5, true);
    struct xsd_limits saved = d.lim;
    d.lim.store.max_nodes = 30;
    make_home(c0, 5);
    char p[64];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            snprintf(p, sizeof(p), "r/%d/%d", i, j);
            CHECK_STR(xc_write(c5, 0, p, "v"), "OK");
        }
    CHECK_EQ(store_acct_get(&d.store, 5), 22);         /* home, r, 4, 16 */
    CHECK_STR(xc_callv(c5, XS_WATCH, 0, 2, "r", "w"), "OK");
    xc_drain_events(c5);
    uint32_t t = txstart(c5);
    struct xs_txn *tx = txn_of(c5, t);
    CHECK_STR(XC_RM(c5, t, "r"), "OK");
    CHECK_EQ(store_acct_get(&tx->view, 5), 1);
    CHECK_EQ(store_acct_get(&d.store, 5), 22);
    CHECK_STR(XC_READ(c5, t, "r/2/2"), "E:ENOENT");
    CHECK_STR(ls(c5, t, "/local/domain/5"), "");
    CHECK_STR(ls(c5, 0, "/local/domain/5"), "r");
    /* The quota counts what the transaction freed: 29 new nodes fit, the
     * 30th does not. */
    int ok = 0;
    for (int i = 0; i < 40; i++) {
        snprintf(p, sizeof(p), "n%d", i);
        if (strcmp(xc_write(c5, t, p, "x"), "OK") == 0)
            ok++;
        else
            CHECK_STR(xc_last.data, "ENOSPC");
    }
    CHECK_EQ(ok, 29);
    commit_fires(c5, t);
    CHECK(xc_has_event("5:r:w"));
    CHECK_EQ(store_acct_get(&d.store, 5), 30);
    CHECK_STR(XC_READ(c5, 0, "r/2/2"), "E:ENOENT");
    CHECK_STR(XC_READ(c5, 0, "n28"), "x");

    /* Changes per transaction: 1024, then ENOSPC. */
    d.lim = saved;
    t = txstart(c5);
    ok = 0;
    for (int i = 0; i < 1100; i++)
        ok += strcmp(xc_write(c5, t, "n0", "y"), "OK") == 0;
    CHECK_EQ(ok, 1024);
    CHECK_STR(xc_write(c5, t, "n0", "z"), "E:ENOSPC");
    CHECK_STR(txend(c5, t, "T"), "OK");
    CHECK_STR(XC_READ(c5, 0, "n0"), "y");
    xsd_conn_destroy(c5);
    CHECK_STR(XC_RM(c0, 0, "/local"), "OK");
    CHECK_EQ(store_acct_get(&d.store, 5), 0);
    xsd_conn_destroy(c0);
}

/* ---- differential: the overlay against a whole copy ---- */

struct dump {
    char *buf;
    size_t len, cap;
    const struct xs_store *s;
    char path[XENSTORE_ABS_PATH_MAX + 1];
};

static void dump_add(struct dump *dp, const char *txt, size_t l)
{
    if (dp->len + l + 1 > dp->cap) {
        dp->cap = (dp->len + l + 1) * 2;
        dp->buf = realloc(dp->buf, dp->cap);
    }
    memcpy(dp->buf + dp->len, txt, l);
    dp->len += l;
    dp->buf[dp->len] = '\0';
}

static int dump_child(void *ctx, const char *name);

/* "path=value[perms];" for the subtree at dp->path, children in listing order. */
static void dump_node(struct dump *dp)
{
    const struct xs_node *n;
    CHECK_EQ(store_read((struct xs_store *)dp->s, &dom0, dp->path, &n), 0);
    if (!n)
        return;
    char line[64];
    dump_add(dp, dp->path, strlen(dp->path));
    dump_add(dp, "=", 1);
    dump_add(dp, n->value ? n->value : "", n->vlen);
    snprintf(line, sizeof(line), "[%u/%u];", n->perms[0].domid, n->nperms);
    dump_add(dp, line, strlen(line));
    store_children(dp->s, n, dump_child, dp);
}

static int dump_child(void *ctx, const char *name)
{
    struct dump *dp = ctx;
    size_t l = strlen(dp->path);
    snprintf(dp->path + l, sizeof(dp->path) - l, "%s%s", l > 1 ? "/" : "", name);
    dump_node(dp);
    dp->path[l] = '\0';
    return 0;
}

static char *dump(const struct xs_store *s)
{
    struct dump dp = { NULL, 0, 0, s, "/" };
    dump_add(&dp, "", 0);
    dump_node(&dp);
    return dp.buf;
}

static void random_path(char *p, size_t len)
{
    static const char *names[] = { "a", "b", "c", "dd" };
    int depth = 1 + (int)t_rand_below(4);
    size_t o = 0;
    for (int i = 0; i < depth; i++)
        o += (size_t)snprintf(p + o, len - o, "/%s", names[t_rand_below(4)]);
}

static void test_differential(void)
{
    struct xs_conn *c0 = xsd_conn_new(&d, 0, false);
    int rounds = 60, steps = 0, same = 0, committed = 0;
    for (int round = 0; round < rounds; round++) {
        /* The reference: a copy of the live tree taken at START, changed by
         * the same operations through the store API. */
        struct xs_store ref;
        CHECK_EQ(store_clone(&ref, &d.store), 0);
        uint32_t t = txstart(c0);
        struct xs_txn *tx = txn_of(c0, t);
        for (int i = 0; i < 60; i++, steps++) {
            char p[64];
            random_path(p, sizeof(p));
            bool created;
            int op = (int)t_rand_below(10);
            const char *got;
            int want;
            if (op < 5) {
                got = xc_write(c0, t, p, p);
                want = store_write(&ref, &dom0, NULL, p, p, (uint32_t)strlen(p), false);
            } else if (op < 6) {
                got = XC_MKDIR(c0, t, p);
                want = store_mkdir(&ref, &dom0, NULL, p, false, &created);
            } else if (op < 8) {
                got = XC_RM(c0, t, p);
                want = store_rm(&ref, &dom0, p, false, NULL, NULL);
            } else {
                const struct xs_node *n;
                char val[64] = "";
                got = XC_READ(c0, t, p);
                want = store_read(&ref, &dom0, p, &n);
                if (want == 0) {
                    if (n->vlen)
                        memcpy(val, n->value, n->vlen < 63 ? n->vlen : 63);
                    CHECK_STR(got, val);
                    got = "OK";
                }
            }
            CHECK_STR(got, want == 0 ? "OK" : want == -ENOENT ? "E:ENOENT" : "E:?");
        }
        char *a = dump(&tx->view), *b = dump(&ref);
        same += strcmp(a, b) == 0;
        CHECK_STR(a, b);
        CHECK_EQ(store_acct_get(&tx->view, 0), store_acct_get(&ref, 0));
        free(a);
        /* Commit (or not) and the live tree equals the reference. */
        if (round % 3 != 2) {
            CHECK_STR(txend(c0, t, "T"), "OK");
            committed++;
            char *l = dump(&d.store);
            CHECK_STR(l, b);
            free(l);
            CHECK_EQ(store_acct_get(&d.store, 0), count_nodes(d.store.root));
        } else {
            CHECK_STR(txend(c0, t, "F"), "OK");
        }
        free(b);
        store_free(&ref);
    }
    printf("differential: %d rounds, %d operations, overlay == whole copy in %d, %d committed\n",
           rounds, steps, same, committed);
    CHECK_EQ(same, rounds);
    xsd_conn_destroy(c0);
}

int main(void)
{
    if (xsd_init(&d) < 0)
        return 1;
    RUN(test_start_end_cost);
    RUN(test_isolation);
    RUN(test_rm_and_quota);
    RUN(test_differential);
    CHECK_EQ(store_acct_get(&d.store, 0), count_nodes(d.store.root));
    xsd_fini(&d);
    return t_finish("unit_xenstored_txn");
}
