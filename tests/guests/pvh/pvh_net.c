/*
 * pvh_net: a hostile netfront for dom0's xen-netback (docs/split-drivers.md
 * "Network interfaces"; test linux_dom0_net).  Built by `rv create` from
 * dom0 with vif = [ 'bridge=rvbr0,mac=...' ].
 *
 * The handshake, as Xen's public io/netif.h and io/xenbus.h describe it:
 * the frontend's directory device/vif/N names the backend; once the
 * backend is in state 2 (InitWait) the frontend grants one TX and one RX
 * ring page to the backend domain (grant table v1), allocates one unbound
 * event channel for both rings, writes tx-ring-ref, rx-ring-ref,
 * event-channel, request-rx-copy = 1 and feature-rx-notify = 1, and goes
 * to state 4 (Connected); netback maps both rings, binds the channel and,
 * once the toolstack's hot-plug wrote hotplug-status = connected, goes to
 * 4 as well.  One queue (no multi-queue-num-queues).
 *
 * Then, on the TX ring: a frame whose grant reference was never granted
 * (netback's grant copy of the header fails: the request is answered
 * XEN_NETIF_RSP_ERROR), a good 60-byte broadcast frame (answered
 * XEN_NETIF_RSP_OKAY; dom0 counts it on vifD.N), a frame shorter than an
 * Ethernet header (an error answer), and last a frame that crosses its
 * page (offset + size > 4096): netback treats that as a fatal error of
 * the frontend and disables the interface -- no answer may come.  dom0
 * carries on and the teardown still works.  It then blocks until dom0
 * destroys it.
 */
#include "pvh.h"
#include "xs_client.h"

#include "public/sched.h"

const char pvh_guest_name[] = "pvh_net";

/* ---- Xen's public io/ring.h and io/netif.h layouts ---- */
#define XEN_NETIF_RSP_ERROR (-1)
#define XEN_NETIF_RSP_OKAY  0

struct netif_tx_request {
    uint32_t gref;
    uint16_t offset, flags, id, size;   /* size: the whole packet (first slot), bytes */
};

struct netif_tx_response {
    uint16_t id;
    int16_t status;
};

union netif_tx_entry {
    struct netif_tx_request req;
    struct netif_tx_response rsp;
};

/* 64-byte header (indexes, 48 bytes of padding), then the entries:
 * (4096 - 64) / 12 rounded down to a power of two = 256. */
struct netif_tx_sring {
    volatile uint32_t req_prod, req_event, rsp_prod, rsp_event;
    uint8_t pad[48];
    union netif_tx_entry ring[];
};
#define TX_RING_SIZE 256u

_Static_assert(sizeof(struct netif_tx_request) == 12, "netif_tx_request is 12 bytes");
_Static_assert(sizeof(union netif_tx_entry) * TX_RING_SIZE + 64 <= 4096, "TX ring fits its page");

/* Grant references: 0-7 are the toolstack's (Xen reserves them). */
#define REF_TX    16
#define REF_RX    17
#define REF_FRAME 18
#define REF_BAD   400                   /* never granted */

static uint8_t tx_page[4096] __attribute__((aligned(4096)));
static uint8_t rx_page[4096] __attribute__((aligned(4096)));
static uint8_t frame_page[4096] __attribute__((aligned(4096)));

static struct netif_tx_sring *tx;
static uint32_t req_prod_pvt, rsp_cons;
static evtchn_port_t port;
static char fe[64], be[96];
static char val[128];

/* "a" + "b" into a static buffer (paths); no snprintf in this library. */
static const char *cat(const char *a, const char *b)
{
    static char buf[2][160];
    static int w;
    char *d = buf[w ^= 1];
    unsigned n = 0;
    while (*a && n < sizeof(buf[0]) - 1)
        d[n++] = *a++;
    while (*b && n < sizeof(buf[0]) - 1)
        d[n++] = *b++;
    d[n] = 0;
    return d;
}

static const char *utoa(uint64_t v)
{
    static char buf[4][24];
    static int w;
    char *e = buf[w = (w + 1) & 3] + 23;
    *e = 0;
    do
        *--e = (char)('0' + v % 10);
    while (v /= 10);
    return e;
}

static uint64_t atou(const char *s)
{
    uint64_t v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (uint64_t)(*s++ - '0');
    return v;
}

static long be_state(void)
{
    return xsc_read(cat(be, "/state"), val, sizeof(val)) > 0 ? (long)atou(val) : -1;
}

static uint64_t wait_be(long want, uint64_t timeout_ns)
{
    uint64_t t0 = pvclock_ns();
    while (pvclock_ns() - t0 < timeout_ns) {
        if (be_state() == want)
            return pvclock_ns() - t0 + 1;
        evtchn_wait(port, 5000000ull);
    }
    return 0;
}

/* One TX request, its response's status (99: none within timeout; 98: the
 * answer names another request). */
static int one(uint32_t gref, uint16_t offset, uint16_t size, uint16_t id, uint64_t timeout_ns)
{
    struct netif_tx_request *r = &tx->ring[req_prod_pvt % TX_RING_SIZE].req;
    r->gref = gref;
    r->offset = offset;
    r->flags = 0;
    r->id = id;
    r->size = size;
    req_prod_pvt++;
    mb();                               /* the request before the index that publishes it */
    tx->req_prod = req_prod_pvt;
    mb();
    evtchn_send(port);
    uint64_t t0 = pvclock_ns();
    for (;;) {
        if (rsp_cons != tx->rsp_prod) {
            mb();
            struct netif_tx_response rsp = tx->ring[rsp_cons % TX_RING_SIZE].rsp;
            rsp_cons++;
            return rsp.id == id ? rsp.status : 98;
        }
        tx->rsp_event = rsp_cons + 1;
        mb();
        if (rsp_cons != tx->rsp_prod)
            continue;
        if (pvclock_ns() - t0 >= timeout_ns)
            return 99;
        evtchn_wait(port, 20000000ull);
    }
}

static bool connect(unsigned devid)
{
    const char *f = cat("device/vif/", utoa(devid));
    memcpy(fe, f, strlen(f) + 1);
    long n = xsc_read(cat(fe, "/backend"), be, sizeof(be));
    char mac[24] = "";
    xsc_read(cat(fe, "/mac"), mac, sizeof(mac));
    check(n > 0 && mac[0], "net-frontend-dir", "%s/backend: %ld, mac '%s'", fe, n, mac);
    if (n <= 0)
        return false;
    long rc = evtchn_alloc_unbound(0, &port);
    check(rc == 0, "net-evtchn", "alloc_unbound(remote 0): %ld", rc);
    if (rc)
        return false;
    uint64_t t0 = pvclock_ns();
    uint64_t w2 = wait_be(2, 30000000000ull);
    check(w2 != 0, "net-backend-initwait", "backend %s in state %ld, want 2 (InitWait)", be, be_state());
    if (!w2)
        return false;
    memset(tx_page, 0, sizeof(tx_page));
    memset(rx_page, 0, sizeof(rx_page));
    tx = (struct netif_tx_sring *)tx_page;
    tx->req_event = tx->rsp_event = 1;
    ((struct netif_tx_sring *)rx_page)->req_event = ((struct netif_tx_sring *)rx_page)->rsp_event = 1;
    rc = gnttab_map_frames(1);
    check(rc == 0, "net-gnttab", "mapping grant table frame 0: %ld", rc);
    if (rc)
        return false;
    gnttab_grant(REF_TX, 0, ptr_gfn(tx_page), false);
    gnttab_grant(REF_RX, 0, ptr_gfn(rx_page), false);
    long w = xsc_write(cat(fe, "/tx-ring-ref"), utoa(REF_TX));
    w |= xsc_write(cat(fe, "/rx-ring-ref"), utoa(REF_RX));
    w |= xsc_write(cat(fe, "/event-channel"), utoa(port));
    w |= xsc_write(cat(fe, "/request-rx-copy"), "1");
    w |= xsc_write(cat(fe, "/feature-rx-notify"), "1");
    w |= xsc_write(cat(fe, "/state"), "4");
    check(w >= 0, "net-frontend-nodes", "ring refs/event-channel/features/state writes");
    uint64_t w4 = wait_be(4, 30000000000ull);
    check(w4 != 0, "net-backend-connected", "backend in state %ld after 30 s, want 4 (Connected)", be_state());
    if (!w4)
        return false;
    printf("RV-PVH-NET: connected to %s: mac %s, port %u, tx-ring-ref %u, rx-ring-ref %u; handshake %llu us "
           "(InitWait seen after %llu us)\n", be, mac, port, REF_TX, REF_RX,
           (unsigned long long)((pvclock_ns() - t0) / 1000), (unsigned long long)(w2 / 1000));
    /* The frame: broadcast, from our MAC, ethertype 0x88b5 (IEEE local
     * experimental), a text payload; 60 bytes (the minimum without FCS). */
    memset(frame_page, 0, sizeof(frame_page));
    memset(frame_page, 0xff, 6);
    for (unsigned i = 0; i < 6; i++) {
        const char *p = mac + i * 3;
        unsigned hi = p[0] <= '9' ? (unsigned)(p[0] - '0') : (unsigned)(p[0] - 'a' + 10);
        unsigned lo = p[1] <= '9' ? (unsigned)(p[1] - '0') : (unsigned)(p[1] - 'a' + 10);
        frame_page[6 + i] = (uint8_t)(hi << 4 | lo);
    }
    frame_page[12] = 0x88;
    frame_page[13] = 0xb5;
    memcpy(frame_page + 14, "RV-PVH-NET-FRAME", 16);
    gnttab_grant(REF_FRAME, 0, ptr_gfn(frame_page), true);     /* netback only reads it */
    return true;
}

static void tx_checks(void)
{
    int bad_ref = one(REF_BAD, 0, 60, 1, 10000000000ull);
    int good = one(REF_FRAME, 0, 60, 2, 10000000000ull);
    int good2 = one(REF_FRAME, 0, 60, 3, 10000000000ull);
    int runt = one(REF_FRAME, 0, 8, 4, 10000000000ull);
    check(bad_ref == XEN_NETIF_RSP_ERROR, "net-tx-bad-gref", "ungranted grant reference: status %d (want -1)",
          bad_ref);
    check(good == XEN_NETIF_RSP_OKAY && good2 == XEN_NETIF_RSP_OKAY, "net-tx-frame",
          "two good frames after it: status %d, %d (want 0)", good, good2);
    check(runt == XEN_NETIF_RSP_ERROR, "net-tx-runt", "an 8-byte frame: status %d (want -1)", runt);
    /* Across the page end: a fatal error of the frontend for netback (it
     * disables the interface); no answer. */
    int cross = one(REF_FRAME, 4000, 200, 5, 2000000000ull);
    check(cross == 99, "net-tx-cross-page", "offset 4000 size 200: status %d (want no answer: 99)", cross);
}

void test_main(void)
{
    uint64_t mib = cmdline_uint("mib", 16);
    hello_console_start(mib);
    if (!xsc_init()) {
        check(false, "net-xenstore", "no store ring (not built by rv create?)");
        finish();
    }
    if (connect((unsigned)cmdline_uint("devid", 0)))
        tx_checks();
    printf("RV-PVH-NET: done, %u passed %u failed\n", pvh.passed, pvh.failed);
    /* Until dom0 destroys it (netback still holds its rings). */
    for (;;)
        sched_op(SCHEDOP_block, NULL);
}
