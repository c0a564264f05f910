/*
 * xenstored's domain transport against hostile guests.  A fake hypervisor
 * backend hands out in-process ring pages and counts notifications; each
 * "guest" writes requests into its page as a kernel's xenbus would, or
 * breaks the rules: bad indexes, partial messages, an oversized length,
 * transactions never ended, responses never read while watches fire.  After
 * each, the other domains and dom0 must still get answers, and the guest at
 * fault must be the only one disconnected.
 */
#include "test.h"
#include "xsd_client.h"
#include "ring.h"

#include <errno.h>
#include <time.h>

#define NPAGES 8
#define PORT_BASE 100

static struct xsd d;
static struct xenstore_domain_interface pages[NPAGES];
static int mapped[NPAGES];
static uint64_t notified[NPAGES];
static int bound[NPAGES];

/* Frame numbers are 1000 + page index; anything else does not map. */
static struct xenstore_domain_interface *fake_map(void *ctx, uint32_t domid, uint64_t mfn)
{
    (void)ctx;
    (void)domid;
    if (mfn < 1000 || mfn >= 1000 + NPAGES || mapped[mfn - 1000])
        return NULL;
    mapped[mfn - 1000] = 1;
    return &pages[mfn - 1000];
}

static void fake_unmap(void *ctx, uint32_t domid, struct xenstore_domain_interface *pg)
{
    (void)ctx;
    (void)domid;
    mapped[pg - pages] = 0;
}

/* Remote port p of any domain binds to local port PORT_BASE + p. */
static int fake_bind(void *ctx, uint32_t domid, uint32_t port)
{
    (void)ctx;
    (void)domid;
    if (port >= NPAGES || bound[port])
        return -EINVAL;
    bound[port] = 1;
    return PORT_BASE + (int)port;
}

static void fake_unbind(void *ctx, uint32_t lp)
{
    (void)ctx;
    bound[lp - PORT_BASE] = 0;
}

static void fake_notify(void *ctx, uint32_t lp)
{
    (void)ctx;
    notified[lp - PORT_BASE]++;
}

/* What the fake hypervisor says of each domain id (XSD_DOM_*), and how often
 * it was asked. */
static int dom_state[64];
static unsigned state_asks;

static int fake_domain_state(void *ctx, uint32_t domid)
{
    (void)ctx;
    state_asks++;
    return domid < 64 ? dom_state[domid] : XSD_DOM_GONE;
}

static const struct xs_ring_backend fake_backend = {
    fake_map, fake_unmap, fake_bind, fake_unbind, fake_notify, fake_domain_state,
};

/* ---- the guest side, page i, port i ---- */

/* Puts as much of buf as fits; returns bytes put. */
static size_t guest_put(int i, const void *buf, size_t len)
{
    struct xenstore_domain_interface *pg = &pages[i];
    size_t put = 0;
    while (put < len) {
        uint32_t used = pg->req_prod - pg->req_cons;
        if (used >= XENSTORE_RING_SIZE)
            break;
        pg->req[pg->req_prod & (XENSTORE_RING_SIZE - 1)] = ((const char *)buf)[put++];
        pg->req_prod++;
    }
    return put;
}

static void kick(int i)
{
    xsd_ring_event(&d, PORT_BASE + (uint32_t)i);
}

/* Sends one whole request, kicking the daemon whenever the ring is full. */
static void guest_send(int i, uint32_t type, uint32_t tx, const void *p, size_t len)
{
    uint8_t buf[16 + 8192];
    struct xsd_msg_hdr h = { type, 1, tx, (uint32_t)len };
    memcpy(buf, &h, 16);
    memcpy(buf + 16, p, len);
    size_t off = 0;
    int spins = 0;
    while (off < 16 + len && spins++ < 100) {
        off += guest_put(i, buf + off, 16 + len - off);
        kick(i);
    }
}

/* Takes one whole message from the response ring; -1 if none complete. */
static int guest_recv(int i, struct xc_msg *m)
{
    struct xenstore_domain_interface *pg = &pages[i];
    uint32_t avail = pg->rsp_prod - pg->rsp_cons;
    if (avail < 16)
        return -1;
    uint8_t hdr[16];
    for (int k = 0; k < 16; k++)
        hdr[k] = (uint8_t)pg->rsp[(pg->rsp_cons + (uint32_t)k) & (XENSTORE_RING_SIZE - 1)];
    memcpy(&m->h, hdr, 16);
    if (avail < 16 + m->h.len)
        return -1;
    for (uint32_t k = 0; k < m->h.len; k++)
        m->data[k] = pg->rsp[(pg->rsp_cons + 16 + k) & (XENSTORE_RING_SIZE - 1)];
    m->data[m->h.len] = '\0';
    pg->rsp_cons += 16 + m->h.len;
    kick(i);                       /* room freed: the daemon may have more */
    return 0;
}

/* Request of n strings; returns the reply as xc_callv does (events skipped). */
static const char *gcall(int i, uint32_t type, uint32_t tx, int n, ...)
{
    char buf[8192];
    va_list ap;
    va_start(ap, n);
    size_t len = xc_build(buf, n, ap);
    va_end(ap);
    guest_send(i, type, tx, buf, len);
    static char out[XENSTORE_PAYLOAD_MAX + 8];
    struct xc_msg m;
    for (int tries = 0; tries < 1000; tries++) {
        if (guest_recv(i, &m) < 0) {
            kick(i);
            continue;
        }
        if (m.h.type == XS_WATCH_EVENT)
            continue;
        snprintf(out, sizeof(out), "%s%s", m.h.type == XS_ERROR ? "E:" : "", m.data);
        return out;
    }
    return "(no reply)";
}

static const char *gwrite(int i, const char *path, const char *val)
{
    char buf[8192];
    size_t pl = strlen(path) + 1, vl = strlen(val);
    memcpy(buf, path, pl);
    memcpy(buf + pl, val, vl);
    guest_send(i, XS_WRITE, 0, buf, pl + vl);
    static char out[64];
    struct xc_msg m;
    for (int tries = 0; tries < 1000; tries++) {
        if (guest_recv(i, &m) < 0) {
            kick(i);
            continue;
        }
        if (m.h.type == XS_WATCH_EVENT)
            continue;
        snprintf(out, sizeof(out), "%s%s", m.h.type == XS_ERROR ? "E:" : "", m.data);
        return out;
    }
    return "(no reply)";
}

static struct xs_conn *dom0;

static void introduce(uint32_t domid, int page)
{
    char id[16], mfn[16], port[16];
    snprintf(id, sizeof(id), "%u", domid);
    snprintf(mfn, sizeof(mfn), "%d", 1000 + page);
    snprintf(port, sizeof(port), "%d", page);
    char home[32], perm[16];
    snprintf(home, sizeof(home), "/local/domain/%u", domid);
    snprintf(perm, sizeof(perm), "n%u", domid);
    CHECK_STR(XC_MKDIR(dom0, 0, home), "OK");
    CHECK_STR(xc_callv(dom0, XS_SET_PERMS, 0, 2, home, perm), "OK");
    CHECK_STR(xc_callv(dom0, XS_INTRODUCE, 0, 3, id, mfn, port), "OK");
}

/* Everyone still healthy must still answer. */
static void check_alive(const int *pages_ok, int n)
{
    CHECK_STR(xc_write(dom0, 0, "/alive", "yes"), "OK");
    CHECK_STR(XC_READ(dom0, 0, "/alive"), "yes");
    for (int k = 0; k < n; k++)
        CHECK_STR(gcall(pages_ok[k], XS_GET_DOMAIN_PATH, 0, 1, "3"), "/local/domain/3");
}

static struct xs_domain *dom(uint32_t domid)
{
    return xsd_domain_find(&d, domid);
}

static void test_introduce_and_normal_use(void)
{
    xc_nevents = 0;
    CHECK_STR(xc_callv(dom0, XS_WATCH, 0, 2, "@introduceDomain", "intro"), "OK");
    CHECK_STR(xc_callv(dom0, XS_WATCH, 0, 2, "@releaseDomain", "rel"), "OK");
    introduce(5, 0);
    introduce(6, 1);
    xc_drain_events(dom0);
    CHECK(xc_has_event("0:@introduceDomain:intro"));
    CHECK_STR(xc_callv(dom0, XS_IS_DOMAIN_INTRODUCED, 0, 1, "5"), "T");
    CHECK_STR(xc_callv(dom0, XS_INTRODUCE, 0, 3, "5", "1002", "2"), "E:EEXIST");
    CHECK_STR(xc_callv(dom0, XS_INTRODUCE, 0, 3, "9", "55", "2"), "E:EINVAL");  /* no such frame */
    CHECK_STR(gwrite(0, "device/vif/0/state", "1"), "OK");
    CHECK_STR(gcall(0, XS_READ, 0, 1, "device/vif/0/state"), "1");
    CHECK_STR(gcall(1, XS_READ, 0, 1, "/local/domain/5/device/vif/0/state"), "E:EACCES");
    /* A request longer than the ring crosses it in several fills. */
    static char val[2001];
    memset(val, 'z', 2000);
    CHECK_STR(gwrite(0, "big", val), "OK");
    XC_READ(dom0, 0, "/local/domain/5/big");
    CHECK_EQ(xc_last.h.len, 2000);
    CHECK(notified[0] > 0);
    /* Watches through the ring: dom0 writes, the guest hears. */
    CHECK_STR(gcall(1, XS_WATCH, 0, 2, "control/shutdown", "sd"), "OK");
    CHECK_STR(xc_write(dom0, 0, "/local/domain/6/control/shutdown", "poweroff"), "OK");
    xsd_rings_flush(&d);
    struct xc_msg m;
    int got = 0;
    while (guest_recv(1, &m) == 0)
        if (m.h.type == XS_WATCH_EVENT && strcmp(m.data, "control/shutdown") == 0)
            got++;
    CHECK_EQ(got, 2);                                /* the initial event and the write */
}

/* The guest writes a request while the daemon is between reading req_prod and
 * publishing req_cons: Linux's xb_write then sees req_cons behind its old
 * producer and sends no event.  The daemon must still answer it. */
static int race_ring = -1;
static void race_write(struct xs_ring *r)
{
    (void)r;
    if (race_ring < 0)
        return;
    int i = race_ring;
    race_ring = -1;                 /* once */
    static const char path[] = "device/vif/0/state";
    uint8_t buf[16 + sizeof(path)];
    struct xsd_msg_hdr h = { XS_READ, 77, 0, (uint32_t)sizeof(path) };
    memcpy(buf, &h, 16);
    memcpy(buf + 16, path, sizeof(path));
    CHECK_EQ(guest_put(i, buf, sizeof(buf)), sizeof(buf));      /* no kick: as Linux */
}

static void test_request_during_service(void)
{
    struct xc_msg m;
    while (guest_recv(0, &m) == 0)
        ;
    static const char path[] = "device/vif/0/state";
    uint8_t buf[16 + sizeof(path)];
    struct xsd_msg_hdr h = { XS_READ, 76, 0, (uint32_t)sizeof(path) };
    memcpy(buf, &h, 16);
    memcpy(buf + 16, path, sizeof(path));
    xs_ring_set_race_hook(race_write);
    race_ring = 0;
    CHECK_EQ(guest_put(0, buf, sizeof(buf)), sizeof(buf));
    kick(0);                                 /* one event, for request 76 only */
    xs_ring_set_race_hook(NULL);
    /* Request 77 came with no event: the daemon looked again after
     * publishing req_cons and served it within the same event. */
    struct xenstore_domain_interface *pg = &pages[0];
    CHECK_EQ(pg->req_cons, pg->req_prod);
    CHECK(!xsd_rings_pending(&d));
    int got = 0;
    while (guest_recv(0, &m) == 0)
        if ((m.h.req_id == 76 || m.h.req_id == 77) && m.h.type == XS_READ && strcmp(m.data, "1") == 0)
            got++;
    CHECK_EQ(got, 2);
}

static void test_partial_message(void)
{
    /* Half a header, then nothing: the daemon waits without blocking others. */
    struct xsd_msg_hdr h = { XS_READ, 7, 0, 7 };
    CHECK_EQ(guest_put(0, &h, 8), 8);
    kick(0);
    int others[] = { 1 };
    check_alive(others, 1);
    CHECK(!dom(5)->ring->broken);
    /* The rest arrives later: one reply. */
    guest_put(0, (const uint8_t *)&h + 8, 8);
    guest_put(0, "device", 7);
    kick(0);
    struct xc_msg m;
    CHECK(guest_recv(0, &m) == 0 && m.h.type == XS_READ && m.h.req_id == 7);
}

/* Requests per second through the ring, guest and daemon in one thread
 * (sanitizer build): a rough figure for "from a domU", not a measurement
 * of a real guest, whose cost is in event-channel round trips. */
static void test_ring_throughput(void)
{
    const int n = 5000;
    struct timespec t0, t1, t2;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int ok = 0;
    for (int k = 0; k < n; k++)
        ok += strcmp(gwrite(0, "bench", "value"), "OK") == 0;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    for (int k = 0; k < n; k++)
        ok += strcmp(gcall(0, XS_READ, 0, 1, "bench"), "value") == 0;
    clock_gettime(CLOCK_MONOTONIC, &t2);
    CHECK_EQ(ok, 2 * n);
    double w = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    double r = (double)(t2.tv_sec - t1.tv_sec) + (double)(t2.tv_nsec - t1.tv_nsec) / 1e9;
    printf("ring (in-process, sanitizers): %.0f writes/s, %.0f reads/s\n", n / w, n / r);
}

static void test_unterminated_transactions(void)
{
    int opened = 0;
    for (int k = 0; k < 12; k++) {
        const char *r = gcall(1, XS_TRANSACTION_START, 0, 1, "");
        if (r[0] != 'E')
            opened++;
        else
            CHECK_STR(r, "E:ENOSPC");
    }
    CHECK_EQ(opened, (int)d.lim.max_transactions);
    /* dom0's own transaction over the same nodes commits regardless. */
    const char *r = xc_callv(dom0, XS_TRANSACTION_START, 0, 1, "");
    uint32_t t = (uint32_t)strtoul(r, NULL, 10);
    CHECK_STR(xc_write(dom0, t, "/local/domain/6/control/shutdown", "reboot"), "OK");
    CHECK_STR(xc_callv(dom0, XS_TRANSACTION_END, t, 1, "T"), "OK");
    int others[] = { 0, 1 };
    check_alive(others, 2);
}

static void test_watch_storm(void)
{
    /* dom6 registers its maximum of watches and never reads the ring. */
    for (uint32_t k = dom(6)->conn->nwatches; k < d.lim.max_watches; k++) {
        char tok[16];
        snprintf(tok, sizeof(tok), "t%u", k);
        const char *r = gcall(1, XS_WATCH, 0, 2, "/local/domain/6", tok);
        CHECK_STR(r, "OK");
    }
    char tok[16] = "one-too-many";
    CHECK_STR(gcall(1, XS_WATCH, 0, 2, "/local/domain/6", tok), "E:E2BIG");
    struct xs_conn *c6 = dom(6)->conn;
    for (int k = 0; k < 200; k++)
        CHECK_STR(xc_write(dom0, 0, "/local/domain/6/storm", "x"), "OK");
    xsd_rings_flush(&d);
    /* Its queue stopped at the cap; the rest was dropped, not buffered. */
    CHECK(c6->out_bytes <= d.lim.out_cap_domain + 16 + XENSTORE_PAYLOAD_MAX);
    CHECK(c6->events_dropped > 0);
    int others[] = { 0 };
    check_alive(others, 1);
    /* And dom6 recovers once it reads: its next request is answered. */
    struct xc_msg m;
    int drained = 0;
    while (guest_recv(1, &m) == 0)
        drained++;
    CHECK(drained > 0);
    CHECK_STR(gcall(1, XS_RESET_WATCHES, 0, 1, ""), "OK");
    CHECK_STR(gcall(1, XS_GET_DOMAIN_PATH, 0, 1, "6"), "/local/domain/6");
}

static void test_oversized_length(void)
{
    introduce(7, 2);
    struct xsd_msg_hdr h = { XS_WRITE, 1, 0, XENSTORE_PAYLOAD_MAX + 1 };
    guest_put(2, &h, sizeof(h));
    kick(2);
    CHECK(dom(7)->ring->broken);
    CHECK(dom(7)->conn == NULL);
    int others[] = { 0, 1 };
    check_alive(others, 2);
}

static void test_bad_indexes(void)
{
    /* Producer far ahead of the consumer. */
    introduce(8, 3);
    pages[3].req_prod = pages[3].req_cons + 2 * XENSTORE_RING_SIZE;
    kick(3);
    CHECK(dom(8)->ring->broken);
    /* Response consumer moved past what the daemon produced. */
    introduce(9, 4);
    CHECK_STR(gcall(4, XS_GET_DOMAIN_PATH, 0, 1, "9"), "/local/domain/9");
    pages[4].rsp_cons = pages[4].rsp_prod + 4000;
    guest_send(4, XS_GET_DOMAIN_PATH, 0, "9", 2);
    CHECK(dom(9)->ring->broken);
    /* Indexes that wrap around 2^32 are fine. */
    introduce(10, 5);
    CHECK_STR(xc_callv(dom0, XS_RELEASE, 0, 1, "10"), "OK");
    pages[5].req_cons = pages[5].req_prod = 0xfffffff0u;
    pages[5].rsp_cons = pages[5].rsp_prod = 0xfffffff8u;
    CHECK_STR(xc_callv(dom0, XS_INTRODUCE, 0, 3, "10", "1005", "5"), "OK");
    for (int k = 0; k < 5; k++)
        CHECK_STR(gcall(5, XS_GET_DOMAIN_PATH, 0, 1, "10"), "/local/domain/10");
    CHECK(!dom(10)->ring->broken);
    int others[] = { 0, 1, 5 };
    check_alive(others, 3);
}

/* A domU that writes garbage to its ring, round after round: random bytes
 * (random lengths and types), then a full ring of them with a random
 * producer index.  Each round's domain is introduced on page 6, attacked,
 * and released; the daemon never crashes, replies stay within the ring,
 * and dom0 and the healthy domains answer after every round. */
static void test_garbage_rounds(void)
{
    uint32_t seed = 12345;
    int others[] = { 0, 1, 5 };
    unsigned broken = 0;
    for (int round = 0; round < 40; round++) {
        memset(&pages[6], 0, sizeof(pages[6]));
        introduce(11, 6);
        uint8_t junk[3000];
        for (size_t k = 0; k < sizeof(junk); k++) {
            seed = seed * 1103515245u + 12345u;
            junk[k] = (uint8_t)(seed >> 16);
        }
        if (round % 2) {
            /* A plausible header now and then: valid type, huge or odd length. */
            struct xsd_msg_hdr h = { (uint32_t)(round % XS_TYPE_LIMIT), 1, 0, round % 4 ? 0xfffffff0u : 4096 };
            memcpy(junk, &h, sizeof(h));
        }
        guest_put(6, junk, (size_t)(seed % sizeof(junk)));
        kick(6);
        if (round % 5 == 4) {
            pages[6].req_prod = seed;      /* any index at all */
            pages[6].rsp_cons = seed * 7u;
            kick(6);
        }
        struct xs_domain *g = dom(11);
        CHECK(g != NULL);
        if (g && g->ring) {
            broken += g->ring->broken;
            uint32_t out = g->ring->rsp_prod - pages[6].rsp_cons;
            CHECK(g->ring->broken || out <= XENSTORE_RING_SIZE);
        }
        CHECK_STR(xc_callv(dom0, XS_RELEASE, 0, 1, "11"), "OK");
        CHECK_EQ(mapped[6], 0);
        CHECK_EQ(bound[6], 0);
        check_alive(others, 3);
    }
    CHECK(broken > 0);                      /* the garbage was noticed, not served forever */
}

/* VIRQ_DOM_EXC: a domain that shut down fires @releaseDomain once and stays
 * served; one that is gone is released, its /local/domain/N and /vm path
 * removed (with watches fired), and the others untouched. */
static void test_dom_exc(void)
{
    introduce(20, 7);
    CHECK_STR(xc_write(dom0, 0, "/local/domain/20/vm", "/vm/00000000-0000-0000-0000-000000000014"), "OK");
    CHECK_STR(xc_write(dom0, 0, "/vm/00000000-0000-0000-0000-000000000014/name", "gone"), "OK");
    CHECK_STR(xc_write(dom0, 0, "/local/domain/20/name", "gone"), "OK");
    CHECK_STR(xc_callv(dom0, XS_WATCH, 0, 2, "/local/domain/20", "home20"), "OK");
    xc_drain_events(dom0);

    /* Nothing changed: nothing fires, nobody is released. */
    xc_nevents = 0;
    state_asks = 0;
    CHECK_EQ(xsd_domains_check(&d), 0);
    CHECK(state_asks >= 2);                          /* every introduced domU asked, not dom0 */
    xc_drain_events(dom0);
    CHECK(!xc_has_event("0:@releaseDomain:rel"));

    /* Shut down: one @releaseDomain, still introduced; asked again, no second event. */
    dom_state[20] = XSD_DOM_SHUTDOWN;
    CHECK_EQ(xsd_domains_check(&d), 0);
    xc_drain_events(dom0);
    CHECK(xc_has_event("0:@releaseDomain:rel"));
    CHECK_STR(xc_callv(dom0, XS_IS_DOMAIN_INTRODUCED, 0, 1, "20"), "T");
    xc_nevents = 0;
    CHECK_EQ(xsd_domains_check(&d), 0);
    xc_drain_events(dom0);
    CHECK(!xc_has_event("0:@releaseDomain:rel"));

    /* Gone: released, paths removed, page unmapped, port unbound. */
    dom_state[20] = XSD_DOM_GONE;
    xc_nevents = 0;
    CHECK_EQ(xsd_domains_check(&d), 1);
    xc_drain_events(dom0);
    CHECK(xc_has_event("0:@releaseDomain:rel"));
    CHECK(xc_has_event("0:/local/domain/20:home20"));
    CHECK_STR(xc_callv(dom0, XS_IS_DOMAIN_INTRODUCED, 0, 1, "20"), "F");
    CHECK_STR(XC_READ(dom0, 0, "/local/domain/20/name"), "E:ENOENT");
    CHECK_STR(XC_READ(dom0, 0, "/vm/00000000-0000-0000-0000-000000000014/name"), "E:ENOENT");
    CHECK_EQ(mapped[7], 0);
    CHECK_EQ(bound[7], 0);
    CHECK_STR(xc_callv(dom0, XS_UNWATCH, 0, 2, "/local/domain/20", "home20"), "OK");
    /* The others still answer. */
    int others[] = { 0, 1 };
    check_alive(others, 2);
    dom_state[20] = XSD_DOM_RUNNING;
}

static void test_release(void)
{
    xc_nevents = 0;
    for (uint32_t id = 5; id <= 10; id++) {
        char s[8];
        snprintf(s, sizeof(s), "%u", id);
        CHECK_STR(xc_callv(dom0, XS_RELEASE, 0, 1, s), "OK");
        CHECK_STR(xc_callv(dom0, XS_IS_DOMAIN_INTRODUCED, 0, 1, s), "F");
    }
    CHECK_STR(xc_callv(dom0, XS_RELEASE, 0, 1, "5"), "E:ENOENT");
    xc_drain_events(dom0);
    CHECK(xc_has_event("0:@releaseDomain:rel"));
    for (int k = 0; k < NPAGES; k++) {
        CHECK_EQ(mapped[k], 0);                      /* every page unmapped */
        CHECK_EQ(bound[k], 0);                       /* every port unbound */
    }
}

int main(void)
{
    if (xsd_init(&d) < 0)
        return 1;
    d.backend = &fake_backend;
    d.lim.max_watches = 64;
    d.lim.out_cap_domain = 8 * 1024;
    dom0 = xsd_conn_new(&d, 0, false);
    RUN(test_introduce_and_normal_use);
    RUN(test_request_during_service);
    RUN(test_partial_message);
    RUN(test_ring_throughput);
    RUN(test_unterminated_transactions);
    RUN(test_watch_storm);
    RUN(test_oversized_length);
    RUN(test_bad_indexes);
    RUN(test_garbage_rounds);
    RUN(test_dom_exc);
    RUN(test_release);
    xsd_fini(&d);
    return t_finish("unit_xenstored_ring");
}
