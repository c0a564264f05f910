/*
 * xenstored core, driven in-process: paths, permissions, watches,
 * transactions with conflicts, quotas, DIRECTORY_PART and protocol errors.
 * Connections are fed encoded messages exactly as a transport would.
 */
#include "test.h"
#include "xsd_client.h"

#include <errno.h>

static struct xsd d;

static void test_paths(void)
{
    struct xs_conn *c0 = xsd_conn_new(&d, 0, false);
    CHECK_STR(xc_write(c0, 0, "/a/b/c", "v1"), "OK");
    CHECK_STR(XC_READ(c0, 0, "/a/b/c"), "v1");
    CHECK_STR(XC_READ(c0, 0, "/a/b"), "");
    CHECK_STR(XC_READ(c0, 0, "/a/x"), "E:ENOENT");
    CHECK_STR(XC_READ(c0, 0, "/a//b"), "E:EINVAL");
    CHECK_STR(XC_READ(c0, 0, "/a/b/"), "E:EINVAL");
    CHECK_STR(XC_READ(c0, 0, "/a/b c"), "E:EINVAL");
    CHECK_STR(XC_READ(c0, 0, ""), "E:EINVAL");
    static char longp[XENSTORE_ABS_PATH_MAX + 8];
    memset(longp, 'x', sizeof(longp) - 1);
    longp[0] = '/';
    longp[XENSTORE_ABS_PATH_MAX + 1] = '\0';      /* 3073 bytes */
    CHECK_STR(XC_READ(c0, 0, longp), "E:EINVAL");
    longp[XENSTORE_ABS_PATH_MAX] = '\0';          /* 3072: valid, absent */
    CHECK_STR(XC_READ(c0, 0, longp), "E:ENOENT");
    /* Relative paths are below the caller's home. */
    CHECK_STR(xc_write(c0, 0, "name", "Domain-0"), "OK");
    CHECK_STR(XC_READ(c0, 0, "/local/domain/0/name"), "Domain-0");
    static char rel[XENSTORE_REL_PATH_MAX + 2];
    memset(rel, 'r', sizeof(rel) - 1);
    CHECK_STR(XC_READ(c0, 0, rel), "E:EINVAL");
    /* rm: absent is fine if the parent exists, not otherwise; never "/". */
    CHECK_STR(XC_RM(c0, 0, "/a/nothere"), "OK");
    CHECK_STR(XC_RM(c0, 0, "/a/no/there"), "E:ENOENT");
    CHECK_STR(XC_RM(c0, 0, "/"), "E:EINVAL");
    CHECK_STR(XC_MKDIR(c0, 0, "/a/d1"), "OK");
    CHECK_STR(XC_MKDIR(c0, 0, "/a/d1"), "OK");
    xc_callv(c0, XS_DIRECTORY, 0, 1, "/a");
    CHECK_EQ(xc_last.h.len, 5);                    /* "b\0d1\0" */
    CHECK(memcmp(xc_last.data, "b\0d1\0", 5) == 0);
    CHECK_STR(XC_RM(c0, 0, "/a"), "OK");
    CHECK_STR(XC_READ(c0, 0, "/a/b/c"), "E:ENOENT");
    CHECK_STR(xc_callv(c0, XS_GET_DOMAIN_PATH, 0, 1, "7"), "/local/domain/7");
    CHECK_STR(xc_callv(c0, XS_GET_DOMAIN_PATH, 0, 1, "x7"), "E:EINVAL");
    /* Binary values round-trip with their length. */
    char bin[8] = { 'p', 0, 'q', 0, 1, 2, 3, 4 };
    char req[64];
    memcpy(req, "/bin", 5);
    memcpy(req + 5, bin, 8);
    xc_send_raw(c0, XS_WRITE, 0, req, 13);
    struct xc_msg m;
    CHECK(xc_pop(c0, &m) == 0 && m.h.type == XS_WRITE);
    XC_READ(c0, 0, "/bin");
    CHECK_EQ(xc_last.h.len, 8);
    CHECK(memcmp(xc_last.data, bin, 8) == 0);
    xsd_conn_destroy(c0);
}

static void test_perms(void)
{
    struct xs_conn *c0 = xsd_conn_new(&d, 0, false);
    struct xs_conn *c5 = xsd_conn_new(&d, 5, true);
    struct xs_conn *c6 = xsd_conn_new(&d, 6, true);
    make_home(c0, 5);
    CHECK_STR(xc_write(c5, 0, "data/x", "five"), "OK");
    CHECK_STR(XC_READ(c5, 0, "/local/domain/5/data/x"), "five");
    xc_callv(c5, XS_GET_PERMS, 0, 1, "data/x");
    CHECK(xc_last.h.len == 3 && memcmp(xc_last.data, "n5\0", 3) == 0);
    CHECK_STR(XC_READ(c6, 0, "/local/domain/5/data/x"), "E:EACCES");
    CHECK_STR(xc_write(c6, 0, "/local/domain/5/data/y", "six"), "E:EACCES");
    CHECK_STR(XC_READ(c5, 0, "/local/domain/0/name"), "E:EACCES");
    CHECK_STR(xc_write(c5, 0, "/tool", "x"), "E:EACCES");
    /* The owner grants dom6 read access. */
    CHECK_STR(xc_callv(c5, XS_SET_PERMS, 0, 3, "data/x", "n5", "r6"), "OK");
    CHECK_STR(XC_READ(c6, 0, "/local/domain/5/data/x"), "five");
    CHECK_STR(xc_write(c6, 0, "/local/domain/5/data/x", "6"), "E:EACCES");
    xc_callv(c0, XS_GET_PERMS, 0, 1, "/local/domain/5/data/x");
    CHECK(xc_last.h.len == 6 && memcmp(xc_last.data, "n5\0r6\0", 6) == 0);
    /* Write access is not ownership: dom6 may write the node but not
     * change who may do what with it (Xen's daemon wants the owner too). */
    CHECK_STR(xc_callv(c5, XS_SET_PERMS, 0, 3, "data/x", "n5", "w6"), "OK");
    CHECK_STR(xc_write(c6, 0, "/local/domain/5/data/x", "six"), "OK");
    CHECK_STR(xc_callv(c6, XS_SET_PERMS, 0, 3, "/local/domain/5/data/x", "n5", "b6"), "E:EACCES");
    CHECK_STR(xc_callv(c6, XS_SET_PERMS, 0, 2, "/local/domain/5/data/x", "b5"), "E:EACCES");
    CHECK_STR(xc_callv(c5, XS_SET_PERMS, 0, 3, "data/x", "n5", "r6"), "OK");
    /* Giving a node away, or a malformed permission, is refused. */
    CHECK_STR(xc_callv(c5, XS_SET_PERMS, 0, 2, "data/x", "b6"), "E:EPERM");
    CHECK_STR(xc_callv(c5, XS_SET_PERMS, 0, 2, "data/x", "q6"), "E:EINVAL");
    CHECK_STR(xc_callv(c5, XS_SET_PERMS, 0, 2, "data/x", "r70000"), "E:EINVAL");
    CHECK_STR(xc_callv(c5, XS_SET_PERMS, 0, 1, "data/x"), "E:EINVAL");
    /* Privileged operations. */
    CHECK_STR(xc_callv(c5, XS_INTRODUCE, 0, 3, "9", "1234", "3"), "E:EACCES");
    CHECK_STR(xc_callv(c5, XS_RELEASE, 0, 1, "9"), "E:EACCES");
    CHECK_STR(xc_callv(c5, XS_SET_TARGET, 0, 2, "5", "6"), "E:EACCES");
    CHECK_STR(xc_callv(c5, XS_CONTROL, 0, 1, "help"), "E:EACCES");
    /* No hypervisor backend in this test: INTRODUCE says so. */
    CHECK_STR(xc_callv(c0, XS_INTRODUCE, 0, 3, "9", "1234", "3"), "E:ENOSYS");
    CHECK_STR(xc_callv(c0, XS_INTRODUCE, 0, 3, "0", "1234", "3"), "E:EINVAL");
    CHECK_STR(xc_callv(c0, XS_IS_DOMAIN_INTRODUCED, 0, 1, "9"), "F");
    CHECK_STR(XC_RM(c0, 0, "/local/domain/5"), "OK");
    CHECK_EQ(store_acct_get(&d.store, 5), 0);      /* every node it owned is gone */
    xsd_conn_destroy(c5);
    xsd_conn_destroy(c6);
    xsd_conn_destroy(c0);
}

static void test_watches(void)
{
    struct xs_conn *c0 = xsd_conn_new(&d, 0, false);
    struct xs_conn *c5 = xsd_conn_new(&d, 5, true);
    xc_nevents = 0;
    make_home(c0, 5);
    CHECK_STR(xc_callv(c0, XS_WATCH, 0, 2, "/local/domain/5/dev", "tok0"), "OK");
    CHECK_STR(xc_callv(c0, XS_WATCH, 0, 2, "/local/domain/5/dev", "tok0"), "E:EEXIST");
    CHECK(xc_has_event("0:/local/domain/5/dev:tok0"));        /* the initial event */
    CHECK_STR(xc_callv(c5, XS_WATCH, 0, 2, "dev", "rel"), "OK");
    xc_drain_events(c5);
    CHECK(xc_has_event("5:dev:rel"));
    xc_nevents = 0;
    CHECK_STR(xc_write(c5, 0, "dev/vif/0", "x"), "OK");
    xc_drain_events(c0);
    xc_drain_events(c5);
    CHECK(xc_has_event("0:/local/domain/5/dev/vif/0:tok0"));
    CHECK(xc_has_event("5:dev/vif/0:rel"));                   /* relative stays relative */
    xc_nevents = 0;
    CHECK_STR(xc_write(c5, 0, "devices", "x"), "OK");           /* a sibling prefix */
    xc_drain_events(c0);
    CHECK_EQ(xc_nevents, 0);
    /* Removing a parent fires the watch with the watched path. */
    CHECK_STR(XC_RM(c0, 0, "/local/domain/5"), "OK");
    xc_drain_events(c0);
    xc_drain_events(c5);
    CHECK(xc_has_event("0:/local/domain/5/dev:tok0"));
    CHECK(xc_has_event("5:dev:rel"));
    /* dom5 does not hear about nodes it cannot read. */
    xc_nevents = 0;
    CHECK_STR(xc_callv(c5, XS_WATCH, 0, 2, "/", "all"), "OK");
    xc_nevents = 0;
    CHECK_STR(xc_write(c0, 0, "/secret", "x"), "OK");
    xc_drain_events(c5);
    CHECK(!xc_has_event("5:/secret:all"));
    CHECK_STR(xc_callv(c5, XS_UNWATCH, 0, 2, "/", "all"), "OK");
    CHECK_STR(xc_callv(c5, XS_UNWATCH, 0, 2, "/", "all"), "E:ENOENT");
    CHECK_STR(xc_callv(c5, XS_WATCH, 0, 2, "@releaseDomain", "r"), "OK");
    /* @-events reach privileged callers only: dom5 is not told when
     * other domains come and go (as Xen since XSA-115). */
    CHECK_STR(xc_callv(c0, XS_WATCH, 0, 2, "@releaseDomain", "r0"), "OK");
    xc_drain_events(c0);
    xc_drain_events(c5);
    xc_nevents = 0;
    xsd_fire(&d, "@releaseDomain", NULL, 0, false);
    xc_drain_events(c0);
    xc_drain_events(c5);
    CHECK(xc_has_event("0:@releaseDomain:r0"));
    CHECK(!xc_has_event("5:@releaseDomain:r"));
    CHECK_STR(xc_callv(c5, XS_WATCH, 0, 2, "@bad path", "r"), "E:EINVAL");
    CHECK_STR(xc_callv(c5, XS_RESET_WATCHES, 0, 1, ""), "OK");
    CHECK_EQ(c5->nwatches, 0);
    CHECK_STR(XC_RM(c0, 0, "/secret"), "OK");
    xsd_conn_destroy(c5);
    xsd_conn_destroy(c0);
}

static uint32_t txstart(struct xs_conn *c)
{
    const char *r = xc_callv(c, XS_TRANSACTION_START, 0, 1, "");
    return (uint32_t)strtoul(r, NULL, 10);
}

static void test_transactions(void)
{
    struct xs_conn *a = xsd_conn_new(&d, 0, false);
    struct xs_conn *b = xsd_conn_new(&d, 0, false);
    CHECK_STR(xc_write(a, 0, "/t/x", "1"), "OK");
    CHECK_STR(xc_callv(a, XS_WATCH, 0, 2, "/t", "w"), "OK");
    /* Isolation, then commit with the watch fired at commit. */
    uint32_t t1 = txstart(a);
    CHECK(t1 != 0);
    CHECK_STR(xc_write(a, t1, "/t/y", "in-tx"), "OK");
    CHECK_STR(XC_READ(a, t1, "/t/y"), "in-tx");
    CHECK_STR(XC_READ(b, 0, "/t/y"), "E:ENOENT");
    xc_nevents = 0;
    CHECK_STR(xc_callv(a, XS_TRANSACTION_END, t1, 1, "T"), "OK");
    xc_drain_events(a);
    CHECK(xc_has_event("0:/t/y:w"));
    CHECK_STR(XC_READ(b, 0, "/t/y"), "in-tx");
    /* Conflict: what the transaction read changed underneath it. */
    uint32_t t2 = txstart(a);
    CHECK_STR(XC_READ(a, t2, "/t/x"), "1");
    CHECK_STR(xc_write(a, t2, "/t/z", "from-t2"), "OK");
    CHECK_STR(xc_write(b, 0, "/t/x", "2"), "OK");
    CHECK_STR(xc_callv(a, XS_TRANSACTION_END, t2, 1, "T"), "E:EAGAIN");
    CHECK_STR(XC_READ(b, 0, "/t/z"), "E:ENOENT");            /* nothing applied */
    CHECK_STR(xc_callv(a, XS_TRANSACTION_END, t2, 1, "T"), "E:ENOENT");  /* gone */
    /* Conflict: a node it found absent was created meanwhile. */
    uint32_t t3 = txstart(a);
    CHECK_STR(XC_READ(a, t3, "/t/new"), "E:ENOENT");
    CHECK_STR(xc_write(b, 0, "/t/new", "b"), "OK");
    CHECK_STR(xc_callv(a, XS_TRANSACTION_END, t3, 1, "T"), "E:EAGAIN");
    /* Conflict: a subtree it removed gained a grandchild. */
    CHECK_STR(xc_write(b, 0, "/t/sub/k", "v"), "OK");
    uint32_t t4 = txstart(a);
    CHECK_STR(XC_RM(a, t4, "/t/sub"), "OK");
    CHECK_STR(xc_write(b, 0, "/t/sub/k/deep", "v"), "OK");
    CHECK_STR(xc_callv(a, XS_TRANSACTION_END, t4, 1, "T"), "E:EAGAIN");
    CHECK_STR(XC_READ(b, 0, "/t/sub/k/deep"), "v");
    /* No conflict: unrelated changes elsewhere do not fail the commit. */
    CHECK_STR(xc_write(b, 0, "/u/a", "0"), "OK");
    uint32_t t5 = txstart(a);
    CHECK_STR(xc_write(a, t5, "/t/sub/k", "t5"), "OK");
    CHECK_STR(XC_RM(a, t5, "/t/y"), "OK");
    CHECK_STR(xc_write(b, 0, "/u/a", "1"), "OK");
    struct xs_conn *c5 = xsd_conn_new(&d, 5, true);
    CHECK_STR(xc_callv(c5, XS_WATCH, 0, 2, "/", "all"), "OK");
    xc_nevents = 0;
    CHECK_STR(xc_callv(a, XS_TRANSACTION_END, t5, 1, "T"), "OK");
    CHECK_STR(XC_READ(b, 0, "/t/sub/k"), "t5");
    CHECK_STR(XC_READ(b, 0, "/t/y"), "E:ENOENT");
    xc_drain_events(a);
    xc_drain_events(c5);
    CHECK(xc_has_event("0:/t/y:w"));                          /* dom0 hears of the removal */
    CHECK(!xc_has_event("5:/t/y:all"));                       /* dom5 could not read it */
    CHECK(!xc_has_event("5:/t/sub/k:all"));
    xsd_conn_destroy(c5);
    /* Abort discards; bad ids and nesting are refused. */
    uint32_t t6 = txstart(a);
    CHECK_STR(xc_write(a, t6, "/t/aborted", "x"), "OK");
    CHECK_STR(xc_callv(a, XS_TRANSACTION_END, t6, 1, "F"), "OK");
    CHECK_STR(XC_READ(b, 0, "/t/aborted"), "E:ENOENT");
    CHECK_STR(XC_READ(a, 4242, "/t/x"), "E:ENOENT");
    CHECK_STR(xc_callv(a, XS_TRANSACTION_START, 77, 1, ""), "E:EBUSY");
    uint32_t t7 = txstart(a);
    CHECK_STR(xc_callv(a, XS_TRANSACTION_END, t7, 1, "maybe"), "E:EINVAL");
    CHECK_STR(xc_callv(a, XS_TRANSACTION_END, t7, 1, "F"), "OK");
    /* Another connection cannot use this one's transaction. */
    uint32_t t8 = txstart(a);
    CHECK_STR(XC_READ(b, t8, "/t/x"), "E:ENOENT");
    CHECK_STR(xc_callv(a, XS_TRANSACTION_END, t8, 1, "F"), "OK");
    CHECK_STR(XC_RM(b, 0, "/t"), "OK");
    CHECK_STR(XC_RM(b, 0, "/u"), "OK");
    xsd_conn_destroy(a);
    xsd_conn_destroy(b);
}

static void test_quotas(void)
{
    struct xs_conn *c0 = xsd_conn_new(&d, 0, false);
    struct xs_conn *c5 = xsd_conn_new(&d, 5, true);
    struct xsd_limits saved = d.lim;
    d.lim.store.max_nodes = 10;
    d.lim.max_watches = 3;
    d.lim.max_transactions = 2;
    make_home(c0, 5);                                /* dom5 owns 1 node */
    char p[64];
    int ok = 0;
    for (int i = 0; i < 20; i++) {
        snprintf(p, sizeof(p), "n%d", i);
        if (strcmp(xc_write(c5, 0, p, "x"), "OK") == 0)
            ok++;
        else
            CHECK_STR(xc_last.data, "ENOSPC");
    }
    CHECK_EQ(ok, 9);
    CHECK_EQ(store_acct_get(&d.store, 5), 10);
    /* Removing frees quota. */
    CHECK_STR(XC_RM(c5, 0, "n0"), "OK");
    CHECK_STR(xc_write(c5, 0, "again", "x"), "OK");
    CHECK_STR(xc_write(c5, 0, "again2", "x"), "E:ENOSPC");
    /* Value size. */
    static char big[3000];
    memset(big, 'v', sizeof(big) - 1);
    CHECK_STR(xc_write(c5, 0, "n1", big), "E:ENOSPC");
    big[2048] = '\0';
    CHECK_STR(xc_write(c5, 0, "n1", big), "OK");
    /* Watches and transactions. */
    CHECK_STR(xc_callv(c5, XS_WATCH, 0, 2, "a", "1"), "OK");
    CHECK_STR(xc_callv(c5, XS_WATCH, 0, 2, "b", "2"), "OK");
    CHECK_STR(xc_callv(c5, XS_WATCH, 0, 2, "c", "3"), "OK");
    CHECK_STR(xc_callv(c5, XS_WATCH, 0, 2, "d", "4"), "E:E2BIG");
    /* Two transactions each within quota on their copy, but together over:
     * the second commit sees the first's node and fails. */
    CHECK_STR(XC_RM(c5, 0, "again"), "OK");            /* 9 of 10 */
    uint32_t t1 = txstart(c5), t2 = txstart(c5);
    CHECK(t1 && t2 && t1 != t2);
    CHECK_STR(xc_callv(c5, XS_TRANSACTION_START, 0, 1, ""), "E:ENOSPC");
    CHECK_STR(xc_write(c5, t1, "n1/q", "x"), "OK");
    CHECK_STR(xc_write(c5, t2, "n2/q", "x"), "OK");
    CHECK_STR(xc_callv(c5, XS_TRANSACTION_END, t1, 1, "T"), "OK");
    CHECK_STR(xc_callv(c5, XS_TRANSACTION_END, t2, 1, "T"), "E:ENOSPC");
    CHECK_EQ(store_acct_get(&d.store, 5), 10);
    /* dom0 is not limited. */
    for (int i = 0; i < 20; i++) {
        snprintf(p, sizeof(p), "/dom0/n%d", i);
        CHECK_STR(xc_write(c0, 0, p, big), "OK");
    }
    CHECK_STR(XC_RM(c0, 0, "/dom0"), "OK");
    CHECK_STR(XC_RM(c0, 0, "/local/domain/5"), "OK");
    CHECK_EQ(store_acct_get(&d.store, 5), 0);
    d.lim = saved;
    xsd_conn_destroy(c5);
    xsd_conn_destroy(c0);
}

static void test_directory_part(void)
{
    struct xs_conn *c0 = xsd_conn_new(&d, 0, false);
    char p[128];
    const int N = 300;                                /* ~30 bytes each: > 4096 */
    for (int i = 0; i < N; i++) {
        snprintf(p, sizeof(p), "/big/child-with-a-long-name-%04d", i);
        CHECK_STR(xc_write(c0, 0, p, ""), "OK");
    }
    CHECK_STR(xc_callv(c0, XS_DIRECTORY, 0, 1, "/big"), "E:E2BIG");
    int seen = 0, rounds = 0;
    size_t off = 0;
    char gen0[32] = "";
    bool done = false;
    while (!done && rounds < 20) {
        char offs[24];
        snprintf(offs, sizeof(offs), "%zu", off);
        xc_callv(c0, XS_DIRECTORY_PART, 0, 2, "/big", offs);
        rounds++;
        CHECK(xc_last.h.type == XS_DIRECTORY_PART);
        if (xc_last.h.type != XS_DIRECTORY_PART)
            break;
        if (!gen0[0])
            snprintf(gen0, sizeof(gen0), "%s", xc_last.data);
        CHECK_STR(xc_last.data, gen0);                /* unchanged between reads */
        size_t pos = strlen(xc_last.data) + 1;
        while (pos < xc_last.h.len) {
            size_t l = strlen(xc_last.data + pos);
            if (l == 0) {                             /* end marker */
                done = true;
                break;
            }
            snprintf(p, sizeof(p), "child-with-a-long-name-%04d", seen);
            CHECK_STR(xc_last.data + pos, p);
            seen++;
            off += l + 1;
            pos += l + 1;
        }
    }
    CHECK(done);
    CHECK_EQ(seen, N);
    CHECK(rounds >= 2);
    CHECK_STR(XC_RM(c0, 0, "/big"), "OK");
    xsd_conn_destroy(c0);
}

static void test_protocol(void)
{
    struct xs_conn *c0 = xsd_conn_new(&d, 0, false);
    /* A request fed one byte at a time. */
    uint8_t buf[64];
    struct xsd_msg_hdr h = { XS_WRITE, 9, 0, 8 };
    memcpy(buf, &h, 16);
    memcpy(buf + 16, "/p\0value", 8);
    for (int i = 0; i < 24; i++)
        CHECK_EQ(xsd_conn_input(c0, buf + i, 1), 1);
    struct xc_msg m;
    CHECK(xc_pop(c0, &m) == 0 && m.h.type == XS_WRITE && m.h.req_id == 9);
    CHECK_STR(XC_READ(c0, 0, "/p"), "value");
    /* Unknown and daemon-only types. */
    CHECK_STR(xc_callv(c0, 20, 0, 1, "/p"), "E:ENOSYS");
    CHECK_STR(xc_callv(c0, 999, 0, 1, "/p"), "E:ENOSYS");
    CHECK_STR(xc_callv(c0, XS_ERROR, 0, 1, "EIO"), "E:EINVAL");
    CHECK_STR(xc_callv(c0, XS_WATCH_EVENT, 0, 2, "/p", "t"), "E:EINVAL");
    CHECK_STR(xc_callv(c0, XS_CONTROL, 0, 2, "print", "hello from the test"), "OK");
    CHECK_STR(xc_callv(c0, XS_CONTROL, 0, 1, "nonsense"), "E:EINVAL");
    /* Empty payloads. */
    xc_send_raw(c0, XS_READ, 0, "", 0);
    CHECK(xc_pop(c0, &m) == 0 && m.h.type == XS_ERROR);
    xc_send_raw(c0, XS_WRITE, 0, "/nonul", 6);      /* no NUL after the path */
    CHECK(xc_pop(c0, &m) == 0 && m.h.type == XS_ERROR && strcmp(m.data, "EINVAL") == 0);
    CHECK_STR(XC_RM(c0, 0, "/p"), "OK");
    /* An oversized payload kills that connection only. */
    struct xs_conn *bad = xsd_conn_new(&d, 7, true);
    struct xsd_msg_hdr big = { XS_READ, 1, 0, XENSTORE_PAYLOAD_MAX + 1 };
    xsd_conn_input(bad, (const uint8_t *)&big, sizeof(big));
    CHECK(bad->dead);
    CHECK_EQ(xsd_conn_input(bad, (const uint8_t *)&big, sizeof(big)), 0);
    CHECK_STR(XC_READ(c0, 0, "/local/domain/0/name"), "Domain-0");
    xsd_conn_destroy(bad);
    xsd_conn_destroy(c0);
}

/* Node accounting must equal a recount of the tree. */
static uint32_t count_owned(const struct xs_node *n, uint32_t domid)
{
    uint32_t k = n->perms[0].domid == domid;
    for (const struct xs_node *c = n->child; c; c = c->next)
        k += count_owned(c, domid);
    return k;
}

static void test_accounting(void)
{
    CHECK_EQ(store_acct_get(&d.store, 0), count_owned(d.store.root, 0));
    CHECK_EQ(store_acct_get(&d.store, 5), count_owned(d.store.root, 5));
}

int main(void)
{
    if (xsd_init(&d) < 0)
        return 1;
    RUN(test_paths);
    RUN(test_perms);
    RUN(test_watches);
    RUN(test_transactions);
    RUN(test_quotas);
    RUN(test_directory_part);
    RUN(test_protocol);
    RUN(test_accounting);
    xsd_fini(&d);
    return t_finish("unit_xenstored");
}
