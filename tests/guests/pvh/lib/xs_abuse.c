/*
 * A hostile xenstore client (pvh_hello xsabuse=1; test linux_dom0_xsabuse,
 * docs/toolstack.md "Xenstore abuse from a domU").  Issue 16 asks that
 * xenstore abuse from a domU leave dom0 responsive; the in-process tests
 * (unit_xenstored_ring, fuzz_xenstored) cover the daemon's code, this one
 * runs against the real daemon in dom0 over a real ring and event channel,
 * while dom0 keeps using the store and builds another domain.
 *
 * In order (each refusal is the daemon's per-domain limit, tools/xenstored
 * conn.c xsd_default_limits: 1000 nodes, 2048-byte values, 128 watches, 10
 * transactions):
 *   1. nodes until the quota refuses one (ENOSPC), then one RM frees them;
 *   2. a 2048-byte value (taken) and a 3000-byte one (ENOSPC);
 *   3. 12 transactions started, 10 taken, none ever ended;
 *   4. 130 watches, 128 taken; then writes that fire all of them sent
 *      without reading a single reply, until the request ring is full (the
 *      last request cut in half): the daemon's queue for us fills, it drops
 *      our events and stops reading us, and must not stall anyone else;
 *   5. after 15 s of that, req_prod set 100,000 bytes ahead of req_cons: a
 *      broken ring, which the daemon disconnects.
 * Then "RV-PVH-HELLO: xsabuse done" and the domain blocks until destroyed.
 */
#include "pvh.h"
#include "xenbus_fe.h"
#include "xs_client.h"

#define XS_RM 13
#define XS_WATCH 4
#define XS_WRITE 11
#define XS_TRANSACTION_START 6

/* "path\0value" (no NUL after the value), as a write's body. */
static uint32_t write_body(char *b, const char *path, char fill, uint32_t vlen)
{
    uint32_t n = (uint32_t)strlen(path) + 1;
    memcpy(b, path, n);
    memset(b + n, fill, vlen);
    return n + vlen;
}

static long req_str(uint32_t type, uint32_t tx, const char *a, const char *b, const char **reply)
{
    static char body[XSC_BODY_MAX];
    uint32_t la = (uint32_t)strlen(a) + 1, lb = b ? (uint32_t)strlen(b) + 1 : 0;
    memcpy(body, a, la);
    if (b)
        memcpy(body + la, b, lb);
    return xsc_request(type, tx, body, la + lb, reply);
}

static void quota_nodes(void)
{
    static char body[256];
    const char *err = "";
    unsigned ok = 0;
    long n = 0;
    for (unsigned i = 0; i < 1200; i++) {
        n = xsc_request(XS_WRITE, 0, body, write_body(body, xfe_cat("data/q/", xfe_utoa(i)), 'x', 1), &err);
        if (n < 0)
            break;
        ok++;
    }
    check(n == -1 && !strcmp(err, "ENOSPC") && ok >= 900 && ok < 1000, "xsab-node-quota",
          "%u nodes written, then %ld '%s' (want ENOSPC before 1000)", ok, n, err);
    printf("RV-PVH-HELLO: xsabuse: %u nodes written before the quota said %s\n", ok, err);
    n = req_str(XS_RM, 0, "data/q", NULL, &err);
    long w = xsc_request(XS_WRITE, 0, body, write_body(body, "data/after-rm", 'y', 4), &err);
    check(n >= 0 && w >= 0, "xsab-node-quota-freed", "rm data/q %ld, a write after it %ld '%s'", n, w, err);
}

static void value_size(void)
{
    static char body[XSC_BODY_MAX];
    const char *err = "";
    long a = xsc_request(XS_WRITE, 0, body, write_body(body, "data/big", 'v', 2048), &err);
    long b = xsc_request(XS_WRITE, 0, body, write_body(body, "data/big", 'w', 3000), &err);
    check(a >= 0 && b == -1 && !strcmp(err, "ENOSPC"), "xsab-value-size",
          "2048 bytes: %ld; 3000 bytes: %ld '%s' (want ENOSPC)", a, b, err);
}

static void open_transactions(void)
{
    const char *r = "";
    unsigned ok = 0;
    long last = 0;
    char firstid[16] = "";
    char lasterr[16] = "";
    for (unsigned i = 0; i < 12; i++) {
        last = req_str(XS_TRANSACTION_START, 0, "", NULL, &r);
        unsigned k = 0;
        while (r[k] && k < sizeof(lasterr) - 1) {
            lasterr[k] = r[k];
            k++;
        }
        lasterr[k] = 0;
        if (last >= 0 && !ok++) {
            unsigned k = 0;
            while (r[k] && k < sizeof(firstid) - 1) {
                firstid[k] = r[k];
                k++;
            }
            firstid[k] = 0;
        }
    }
    /* A write inside the first one: it is a real transaction, never ended. */
    uint32_t tx = (uint32_t)xfe_atou(firstid);
    static char body[128];
    long w = xsc_request(XS_WRITE, tx, body, write_body(body, "data/in-txn", 't', 3), &r);
    check(ok == 10 && last == -1 && !strcmp(lasterr, "ENOSPC") && tx && w >= 0, "xsab-transactions",
          "%u of 12 started (first id %s), the 12th '%s', a write in the first %ld", ok, firstid, lasterr, w);
}

static void watch_storm(void)
{
    const char *r = "";
    unsigned ok = 0;
    long last = 0;
    for (unsigned i = 0; i < 130; i++) {
        last = req_str(XS_WATCH, 0, "data/w", xfe_cat("w", xfe_utoa(i)), &r);
        ok += last >= 0;
    }
    check(ok == 128 && last == -1 && !strcmp(r, "E2BIG"), "xsab-watches",
          "%u of 130 watches taken, the last '%s' (want 128, E2BIG)", ok, r);
    /* Writes of data/w, each firing 128 events, none of their replies or
     * events read: until the request ring takes no more. */
    static char body[64];
    struct {
        uint32_t type, req_id, tx_id, len;
    } h;
    unsigned sent = 0, cut = 0;
    uint64_t until = pvclock_ns() + 20000000000ull;
    while (pvclock_ns() < until) {
        uint32_t len = write_body(body, "data/w", 's', 8);
        h.type = XS_WRITE;
        h.req_id = xsc_next_id();
        h.tx_id = 0;
        h.len = len;
        uint32_t a = xsc_put_nowait(&h, sizeof(h));
        uint32_t b = a == sizeof(h) ? xsc_put_nowait(body, len) : 0;
        if (a < sizeof(h) || b < len) {
            cut = a + b;            /* a request left half on the ring */
            break;
        }
        sent++;
        xsc_sleep_ns(2000000);      /* the daemon's turn: it fills its queue for us */
    }
    printf("RV-PVH-HELLO: xsabuse: %u writes firing 128 watches each sent unread, the last cut after %u bytes\n",
           sent, cut);
    check(sent > 0 && cut > 0, "xsab-storm-ring-full", "%u sent, cut at %u bytes (the ring filled: the daemon "
          "stopped reading us)", sent, cut);
}

void hello_xs_abuse(void)
{
    printf("RV-PVH-HELLO: xsabuse: start\n");
    quota_nodes();
    value_size();
    open_transactions();
    watch_storm();
    xsc_sleep_ns(15000000000ull);   /* dom0 and the other domU use the store meanwhile */
    xsc_set_req_prod(100000);
    printf("RV-PVH-HELLO: xsabuse: req_prod set 100000 ahead; %u passed %u failed\n", pvh.passed, pvh.failed);
    printf("RV-PVH-HELLO: xsabuse done\n");
    for (;;)
        sched_op(SCHEDOP_block, NULL);
}
