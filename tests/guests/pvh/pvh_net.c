/*
 * pvh_net: a netfront for dom0's xen-netback that is hostile on demand
 * (docs/split-drivers.md "Network interfaces" and "The hostile netfront";
 * tests linux_dom0_net and linux_dom0_nethostile).  Built by `rv create`
 * from dom0 with vif = [ 'bridge=rvbr0,mac=...' ].  Also built as a 64-bit
 * PV kernel, pv_net.elf (tests/guests/pv/pv_fe.c; linux_dom0_pvhostile),
 * with the PV-only mode=pvrx (RX buffers named by frames not its own).
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
 * mode= on the command line picks what it does then (one mode a domain:
 * most end with netback disabling the interface):
 *   tx (default)  an ungranted grant reference (answered
 *                 XEN_NETIF_RSP_ERROR), two good 60-byte broadcast frames
 *                 (OKAY; dom0 counts them on vifD.N), a runt (error), a
 *                 frame across its page end: netback disables the vif, no
 *                 answer may come.
 *   txprod        a good frame, then req_prod 1000 past what netback
 *                 consumed (netback: impossible number of requests, fatal,
 *                 no answer), then frontend state 9 (no such state:
 *                 netback reports a fatal xenbus error and goes to 5).
 *   chain         multi-slot frames (XEN_NETTXF_more_data): a slot larger
 *                 than what the first slot's size leaves (dropped, every
 *                 slot answered with an error), a good two-slot frame, a
 *                 20-slot frame (more than netback's 18: dropped, all
 *                 errors, the vif still serves), last a chain that never
 *                 ends (netback: a malicious frontend, fatal, no answer).
 *   slotcross     a good frame, then a two-slot frame whose second slot
 *                 crosses its page (fatal, no answer).
 *   storm         the 256-entry TX ring filled with good frames 20 times
 *                 (5120 frames, all answered OKAY; frames/s printed).
 *   rx            RX requests with an ungranted reference and with a
 *                 read-only grant, traffic drawn by ARP requests to
 *                 peer= (dom0): every answer an error, the read-only page
 *                 unchanged; then the whole RX ring of bad references and
 *                 req_prod 1000 past it, 300 more ARP requests: still no
 *                 answer but errors, nothing written into our pages.
 *   jump          xenbus state jumps: Initialised (netback waits), then
 *                 Connected, back to Initialising while connected (netback
 *                 either stays connected or, as Debian's 6.1 does, goes
 *                 back to InitWait; either way the vif serves again),
 *                 Closing, Closed,
 *                 Initialising (netback back to InitWait), a new
 *                 connection that serves, and last Connected with a
 *                 tx-ring-ref that names no grant (fatal, netback closes).
 *   good          well-behaved: keeps 16 RX buffers posted and answers ARP
 *                 and ICMP echo requests for ip=; with peer= it first
 *                 pings that address itself (ARP, then ICMP echo, up to
 *                 10 tries; e.g. QEMU's user-net gateway 10.0.2.2 through
 *                 dom0's NIC on the bridge).  It serves until destroyed.
 * Every mode ends with "RV-PVH-NET: done, P passed F failed" and then waits
 * until dom0 destroys it (netback still holds its rings).
 */
#include "pvh.h"
#include "xenbus_fe.h"
#include "xs_client.h"

#include "public/sched.h"

const char pvh_guest_name[] = "pvh_net";

/* ---- Xen's public io/ring.h and io/netif.h layouts ---- */
#define XEN_NETIF_RSP_ERROR (-1)
#define XEN_NETIF_RSP_OKAY  0
#define NETTXF_MORE_DATA    (1u << 2)   /* more slots of this frame follow */
#define NETRXF_MORE_DATA    (1u << 2)
#define NETRXF_EXTRA_INFO   (1u << 3)

struct netif_tx_request {
    uint32_t gref;
    uint16_t offset, flags, id, size;   /* size: the whole frame in its first slot, else this slot's */
};

struct netif_tx_response {
    uint16_t id;
    int16_t status;
};

struct netif_rx_request {
    uint16_t id, pad;
    uint32_t gref;
};

struct netif_rx_response {
    uint16_t id, offset, flags;
    int16_t status;                     /* > 0: bytes written; < 0: an error */
};

union netif_tx_entry {
    struct netif_tx_request req;
    struct netif_tx_response rsp;
};

union netif_rx_entry {
    struct netif_rx_request req;
    struct netif_rx_response rsp;
};

/* 64-byte header (indexes, 48 bytes of padding), then the entries:
 * (4096 - 64) / 12 and / 8 rounded down to a power of two: 256 both. */
struct netif_tx_sring {
    volatile uint32_t req_prod, req_event, rsp_prod, rsp_event;
    uint8_t pad[48];
    union netif_tx_entry ring[];
};
struct netif_rx_sring {
    volatile uint32_t req_prod, req_event, rsp_prod, rsp_event;
    uint8_t pad[48];
    union netif_rx_entry ring[];
};
#define RING_SIZE 256u

_Static_assert(sizeof(struct netif_tx_request) == 12, "netif_tx_request is 12 bytes");
_Static_assert(sizeof(struct netif_rx_response) == 8, "netif_rx_response is 8 bytes");
_Static_assert(sizeof(union netif_tx_entry) * RING_SIZE + 64 <= 4096, "TX ring fits its page");
_Static_assert(sizeof(union netif_rx_entry) * RING_SIZE + 64 <= 4096, "RX ring fits its page");

/* Grant references: 0-7 are the toolstack's (Xen reserves them). */
#define REF_TX    16
#define REF_RX    17
#define REF_FRAME 18                    /* the hostile modes' frame page, read-only */
#define REF_TXBUF 19                    /* good/rx modes' outgoing frame, read-only */
#define REF_RXBUF 32                    /* good mode's RX buffers, writable: 32..47 */
#define NRXBUF    16
#define REF_BAD   400                   /* never granted */

static uint8_t tx_page[4096] __attribute__((aligned(4096)));
static uint8_t rx_page[4096] __attribute__((aligned(4096)));
static uint8_t frame_page[4096] __attribute__((aligned(4096)));
static uint8_t txbuf[4096] __attribute__((aligned(4096)));
static uint8_t rxbuf[NRXBUF][4096] __attribute__((aligned(4096)));

/* The rings and our private indexes; one vCPU, no upcalls: no locks. */
static struct netif_tx_sring *tx;
static struct netif_rx_sring *rx;
static uint32_t tx_prod, tx_cons, rx_prod, rx_cons;
static struct xfe x;
static char macs[24];
static uint8_t mac[6];

/* ---- TX ---- */

static void tx_push(uint32_t gref, uint16_t offset, uint16_t flags, uint16_t id, uint16_t size)
{
    struct netif_tx_request *r = &tx->ring[tx_prod % RING_SIZE].req;
    r->gref = gref;
    r->offset = offset;
    r->flags = flags;
    r->id = id;
    r->size = size;
    tx_prod++;
}

static void tx_kick(void)
{
    mb();                               /* the requests before the index that publishes them */
    tx->req_prod = tx_prod;
    mb();
    evtchn_send(x.port);
}

/* The next TX response; false after timeout_ns. */
static bool tx_next(struct netif_tx_response *out, uint64_t timeout_ns)
{
    uint64_t t0 = pvclock_ns();
    for (;;) {
        if (tx_cons != tx->rsp_prod) {
            mb();
            *out = tx->ring[tx_cons % RING_SIZE].rsp;
            tx_cons++;
            return true;
        }
        tx->rsp_event = tx_cons + 1;
        mb();
        if (tx_cons != tx->rsp_prod)
            continue;
        if (pvclock_ns() - t0 >= timeout_ns)
            return false;
        evtchn_wait(x.port, 20000000ull);
    }
}

/* One single-slot frame; its response's status (99: none within timeout;
 * 98: the answer names another request). */
static int one(uint32_t gref, uint16_t offset, uint16_t size, uint16_t id, uint64_t timeout_ns)
{
    tx_push(gref, offset, 0, id, size);
    tx_kick();
    struct netif_tx_response rsp;
    if (!tx_next(&rsp, timeout_ns))
        return 99;
    return rsp.id == id ? rsp.status : 98;
}

/* n responses: how many came, how many OKAY, how many errors. */
static void tx_collect(unsigned n, uint64_t timeout_ns, unsigned *got, unsigned *ok, unsigned *err)
{
    *got = *ok = *err = 0;
    struct netif_tx_response rsp;
    while (*got < n && tx_next(&rsp, timeout_ns)) {
        (*got)++;
        *ok += rsp.status == XEN_NETIF_RSP_OKAY;
        *err += rsp.status == XEN_NETIF_RSP_ERROR;
    }
}

/* ---- the handshake ---- */

/* Both ring pages zeroed and granted, indexes reset, a fresh port if asked,
 * the nodes written and state st; the writes' result. */
static long publish(uint32_t txref, const char *st, bool new_port)
{
    memset(tx_page, 0, sizeof(tx_page));
    memset(rx_page, 0, sizeof(rx_page));
    tx = (struct netif_tx_sring *)tx_page;
    rx = (struct netif_rx_sring *)rx_page;
    tx->req_event = tx->rsp_event = rx->req_event = rx->rsp_event = 1;
    tx_prod = tx_cons = rx_prod = rx_cons = 0;
    if (new_port && evtchn_alloc_unbound(0, &x.port))
        return -1;
    gnttab_grant(REF_TX, 0, grant_frame(tx_page), false);
    gnttab_grant(REF_RX, 0, grant_frame(rx_page), false);
    long w = xfe_write(&x, "tx-ring-ref", xfe_utoa(txref));
    w |= xfe_write(&x, "rx-ring-ref", xfe_utoa(REF_RX));
    w |= xfe_write(&x, "event-channel", xfe_utoa(x.port));
    w |= xfe_write(&x, "request-rx-copy", "1");
    w |= xfe_write(&x, "feature-rx-notify", "1");
    w |= xfe_write(&x, "state", st);
    return w;
}

static unsigned hexval(char c)
{
    return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

/* The frame page: broadcast, from our MAC, ethertype 0x88b5 (IEEE local
 * experimental), a text payload; granted read-only (netback only reads). */
static void frame_setup(void)
{
    memset(frame_page, 0, sizeof(frame_page));
    memset(frame_page, 0xff, 6);
    memcpy(frame_page + 6, mac, 6);
    frame_page[12] = 0x88;
    frame_page[13] = 0xb5;
    memcpy(frame_page + 14, "RV-PVH-NET-FRAME", 16);
    gnttab_grant(REF_FRAME, 0, grant_frame(frame_page), true);
}

/* Opens the device (xenbus_fe.c) and reads our MAC; true once open. */
static bool open_vif(uint64_t *w2)
{
    if (!xfe_open(&x, "vif", cmdline_uint("devid", 0), "net", w2))
        return false;
    xsc_read(xfe_cat(x.fe, "/mac"), macs, sizeof(macs));
    if (macs[17] != 0 || macs[2] != ':') {
        check(false, "net-mac", "%s/mac '%s' is not a MAC", x.fe, macs);
        return false;
    }
    for (unsigned i = 0; i < 6; i++)
        mac[i] = (uint8_t)(hexval(macs[i * 3]) << 4 | hexval(macs[i * 3 + 1]));
    frame_setup();
    return true;
}

static bool connect(void)
{
    uint64_t t0 = pvclock_ns(), w2 = 0;
    if (!open_vif(&w2))
        return false;
    long w = publish(REF_TX, "4", false);
    check(w >= 0, "net-frontend-nodes", "ring refs/event-channel/features/state writes");
    uint64_t w4 = xfe_wait_be(&x, 4, 30000000000ull);
    check(w4 != 0, "net-backend-connected", "backend in state %ld after 30 s, want 4 (Connected)", xfe_be_state(&x));
    if (!w4)
        return false;
    printf("RV-PVH-NET: connected to %s: mac %s, port %u, tx-ring-ref %u, rx-ring-ref %u; handshake %llu us "
           "(InitWait seen after %llu us)\n", x.be, macs, x.port, REF_TX, REF_RX,
           (unsigned long long)((pvclock_ns() - t0) / 1000), (unsigned long long)(w2 / 1000));
    return true;
}

/* ---- mode tx ---- */

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

/* ---- mode txprod ---- */

static void txprod_checks(void)
{
    int good = one(REF_FRAME, 0, 60, 1, 10000000000ull);
    check(good == XEN_NETIF_RSP_OKAY, "net-txprod-frame", "a good frame first: status %d", good);
    uint32_t before = tx->rsp_prod;
    mb();
    tx->req_prod = tx_cons + 1000;      /* 1000 requests in a 256-entry ring */
    mb();
    evtchn_send(x.port);
    struct netif_tx_response rsp;
    bool any = tx_next(&rsp, 2000000000ull);
    check(!any && tx->rsp_prod == before, "net-txprod-no-answer", "responses after req_prod + 1000: rsp_prod %u -> %u",
          before, tx->rsp_prod);
    /* A state no frontend may take: netback closes the device. */
    uint64_t w5 = xfe_bad_state(&x);
    check(w5 != 0, "net-bad-state", "backend state %ld 10 s after frontend state 9, want 5 (Closing)",
          xfe_be_state(&x));
}

/* ---- mode chain and slotcross: multi-slot frames ---- */

static void chain_checks(void)
{
    unsigned got, ok, err;
    /* The frame says 100 bytes; its second slot takes 60, its third 60 more
     * than the 40 left: dropped, all three answered with errors. */
    tx_push(REF_FRAME, 0, NETTXF_MORE_DATA, 10, 100);
    tx_push(REF_FRAME, 100, NETTXF_MORE_DATA, 11, 60);
    tx_push(REF_FRAME, 200, 0, 12, 60);
    tx_kick();
    tx_collect(3, 10000000000ull, &got, &ok, &err);
    check(got == 3 && err == 3, "net-chain-short-size", "size 100 over slots of 40+60+60: %u answers, %u errors", got,
          err);
    /* A good frame in two slots: 60 bytes in the first, 40 at offset 1024. */
    tx_push(REF_FRAME, 0, NETTXF_MORE_DATA, 20, 100);
    tx_push(REF_FRAME, 1024, 0, 21, 40);
    tx_kick();
    tx_collect(2, 10000000000ull, &got, &ok, &err);
    check(got == 2 && ok == 2, "net-chain-two-slots", "a 100-byte frame in 2 slots: %u answers, %u OKAY", got, ok);
    /* 20 slots of 60 bytes: more than netback takes (18), fewer than it
     * calls malicious (20 following slots): dropped, the vif still serves. */
    for (unsigned i = 0; i < 20; i++)
        tx_push(REF_FRAME, (uint16_t)(i * 64), i < 19 ? NETTXF_MORE_DATA : 0, (uint16_t)(30 + i), i ? 60 : 1200);
    tx_kick();
    tx_collect(20, 10000000000ull, &got, &ok, &err);
    int after = one(REF_FRAME, 0, 60, 60, 10000000000ull);
    check(got == 20 && err == 20 && after == XEN_NETIF_RSP_OKAY, "net-chain-20-slots",
          "a 20-slot frame: %u answers, %u errors; a good frame after it: status %d", got, err, after);
    /* A chain that never ends: every slot says more follows (40 slots). */
    for (unsigned i = 0; i < 40; i++)
        tx_push(REF_FRAME, 0, NETTXF_MORE_DATA, (uint16_t)(100 + i), i ? 60 : 4000);
    tx_kick();
    tx_collect(40, 2000000000ull, &got, &ok, &err);
    check(got == 0, "net-chain-endless", "40 slots all with more_data: %u answers (want none)", got);
}

static void slotcross_checks(void)
{
    int good = one(REF_FRAME, 0, 60, 1, 10000000000ull);
    check(good == XEN_NETIF_RSP_OKAY, "net-slotcross-frame", "a good frame first: status %d", good);
    unsigned got, ok, err;
    tx_push(REF_FRAME, 0, NETTXF_MORE_DATA, 2, 300);
    tx_push(REF_FRAME, 4000, 0, 3, 200);        /* 4000 + 200 > 4096 */
    tx_kick();
    tx_collect(2, 2000000000ull, &got, &ok, &err);
    check(got == 0, "net-slot-cross-page", "second slot at offset 4000 size 200: %u answers (want none)", got);
}

/* ---- mode storm ---- */

static void storm_checks(void)
{
    enum { ROUNDS = 20 };
    unsigned got = 0, ok = 0;
    uint64_t t0 = pvclock_ns();
    for (unsigned r = 0; r < ROUNDS; r++) {
        for (unsigned i = 0; i < RING_SIZE; i++)
            tx_push(REF_FRAME, 0, 0, (uint16_t)i, 60);
        tx_kick();
        unsigned g, o, e;
        tx_collect(RING_SIZE, 10000000000ull, &g, &o, &e);
        got += g;
        ok += o;
        if (g < RING_SIZE)
            break;
    }
    uint64_t dt = pvclock_ns() - t0;
    check(got == ROUNDS * RING_SIZE && ok == got, "net-storm", "%u of %u frames answered, %u OKAY", got,
          ROUNDS * RING_SIZE, ok);
    printf("RV-PVH-NET: storm: %u frames of 60 bytes in %llu us: %llu frames/s\n", got,
           (unsigned long long)(dt / 1000), (unsigned long long)(dt ? got * 1000000000ull / dt : 0));
}

/* ---- frames of our own: ARP and ICMP echo (good and rx modes) ---- */

static uint32_t my_ip, peer_ip;
static uint8_t peer_mac[6];
static bool peer_known;
static unsigned echo_replies, echo_answered, arp_answered;
static uint16_t tx_id = 1000;

/* "key=A.B.C.D" on the command line, host order; 0 if absent. */
static uint32_t cmdline_ip(const char *key)
{
    const char *c = pvh.cmdline;
    unsigned kl = (unsigned)strlen(key);
    for (; *c; c++) {
        if ((c == pvh.cmdline || c[-1] == ' ') && !memcmp(c, key, kl) && c[kl] == '=') {
            uint32_t ip = 0;
            c += kl + 1;
            for (unsigned i = 0; i < 4; i++) {
                ip = ip << 8 | (uint32_t)xfe_atou(c);
                while (*c >= '0' && *c <= '9')
                    c++;
                if (*c == '.')
                    c++;
            }
            return ip;
        }
    }
    return 0;
}

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); }
static uint32_t get16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t get32(const uint8_t *p) { return get16(p) << 16 | get16(p + 2); }

/* The Internet checksum (RFC 1071) of n bytes. */
static uint16_t csum(const uint8_t *p, unsigned n)
{
    uint32_t s = 0;
    for (unsigned i = 0; i + 1 < n; i += 2)
        s += get16(p + i);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* Sends txbuf's first len bytes as one frame (padded to 60), waits for its
 * answer; its status. */
static int send_txbuf(unsigned len)
{
    if (len < 60) {
        memset(txbuf + len, 0, 60 - len);
        len = 60;
    }
    return one(REF_TXBUF, 0, (uint16_t)len, tx_id++, 5000000000ull);
}

static int send_arp(uint32_t op, const uint8_t *dst_mac, uint32_t tip)
{
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    uint8_t *a = txbuf + 14;
    memcpy(txbuf, op == 1 ? bcast : dst_mac, 6);
    memcpy(txbuf + 6, mac, 6);
    put16(txbuf + 12, 0x0806);
    put16(a, 1);                        /* Ethernet */
    put16(a + 2, 0x0800);               /* IPv4 */
    a[4] = 6;
    a[5] = 4;
    put16(a + 6, op);
    memcpy(a + 8, mac, 6);
    put32(a + 14, my_ip);
    memset(a + 18, 0, 6);
    if (op == 2)
        memcpy(a + 18, dst_mac, 6);
    put32(a + 24, tip);
    return send_txbuf(42);
}

static int send_echo_request(uint16_t seq)
{
    uint8_t *ip = txbuf + 14, *ic = ip + 20;
    memcpy(txbuf, peer_mac, 6);
    memcpy(txbuf + 6, mac, 6);
    put16(txbuf + 12, 0x0800);
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, 20 + 8 + 32);
    put16(ip + 4, seq);
    ip[8] = 64;                         /* TTL */
    ip[9] = 1;                          /* ICMP */
    put32(ip + 12, my_ip);
    put32(ip + 16, peer_ip);
    put16(ip + 10, csum(ip, 20));
    memset(ic, 0, 8);
    ic[0] = 8;                          /* echo request */
    put16(ic + 4, 0x5256);              /* identifier: "RV" */
    put16(ic + 6, seq);
    memcpy(ic + 8, "RV-PVH-NET-PING-0123456789abcdef", 32);
    put16(ic + 2, csum(ic, 40));
    return send_txbuf(14 + 20 + 40);
}

/* One received frame: ARP for our address answered, the peer's ARP reply
 * noted, echo requests to us answered, the peer's echo replies counted. */
static void handle(const uint8_t *p, unsigned len)
{
    if (len >= 42 && get16(p + 12) == 0x0806) {
        const uint8_t *a = p + 14;
        uint32_t op = get16(a + 6), spa = get32(a + 14), tpa = get32(a + 24);
        if (op == 1 && tpa == my_ip && my_ip) {
            uint8_t sha[6];
            memcpy(sha, a + 8, 6);
            arp_answered += send_arp(2, sha, spa) == XEN_NETIF_RSP_OKAY;
        } else if (op == 2 && spa == peer_ip && peer_ip) {
            memcpy(peer_mac, a + 8, 6);
            peer_known = true;
        }
        return;
    }
    if (len < 14 + 20 + 8 || get16(p + 12) != 0x0800 || (p[14] >> 4) != 4 || p[14 + 9] != 1)
        return;
    const uint8_t *ip = p + 14;
    unsigned ihl = (ip[0] & 15u) * 4, tot = get16(ip + 2);
    if (ihl < 20 || tot < ihl + 8 || 14 + tot > len || tot > 1500 || get32(ip + 16) != my_ip)
        return;
    const uint8_t *ic = ip + ihl;
    if (ic[0] == 0 && get32(ip + 12) == peer_ip && get16(ic + 4) == 0x5256) {
        echo_replies++;
        return;
    }
    if (ic[0] != 8)
        return;
    /* The echo reply: the request with addresses swapped, type 0. */
    memcpy(txbuf, p + 6, 6);
    memcpy(txbuf + 6, mac, 6);
    memcpy(txbuf + 12, p + 12, 2 + tot);
    uint8_t *rip = txbuf + 14, *ric = rip + ihl;
    put32(rip + 12, my_ip);
    memcpy(rip + 16, ip + 12, 4);
    rip[8] = 64;
    put16(rip + 10, 0);
    put16(rip + 10, csum(rip, ihl));
    ric[0] = 0;
    put16(ric + 2, 0);
    put16(ric + 2, csum(ric, tot - ihl));
    echo_answered += send_txbuf(14 + tot) == XEN_NETIF_RSP_OKAY;
}

static void rx_post(uint16_t id, uint32_t gref)
{
    struct netif_rx_request *r = &rx->ring[rx_prod % RING_SIZE].req;
    r->id = id;
    r->gref = gref;
    rx_prod++;
}

static void rx_kick(void)
{
    mb();
    rx->req_prod = rx_prod;
    mb();
    evtchn_send(x.port);
}

/* Good mode: every response handled and its buffer posted again. */
static void rx_serve(uint64_t for_ns)
{
    uint64_t t0 = pvclock_ns();
    do {
        bool any = false;
        while (rx_cons != rx->rsp_prod) {
            mb();
            struct netif_rx_response r = rx->ring[rx_cons % RING_SIZE].rsp;
            rx_cons++;
            any = true;
            uint16_t id = r.id < NRXBUF ? r.id : 0;
            if (r.status > 0 && !(r.flags & (NETRXF_MORE_DATA | NETRXF_EXTRA_INFO)) &&
                r.offset + (unsigned)r.status <= 4096)
                handle(rxbuf[id] + r.offset, (unsigned)r.status);
            rx_post(id, REF_RXBUF + id);
        }
        if (any)
            rx_kick();
        rx->rsp_event = rx_cons + 1;
        mb();
        if (rx_cons == rx->rsp_prod)
            evtchn_wait(x.port, 50000000ull);
    } while (pvclock_ns() - t0 < for_ns);
}

static void good_mode(void)
{
    my_ip = cmdline_ip("ip");
    peer_ip = cmdline_ip("peer");
    for (unsigned i = 0; i < NRXBUF; i++) {
        gnttab_grant(REF_RXBUF + i, 0, grant_frame(rxbuf[i]), false);
        rx_post((uint16_t)i, REF_RXBUF + i);
    }
    gnttab_grant(REF_TXBUF, 0, grant_frame(txbuf), true);
    rx_kick();
    if (peer_ip) {
        uint64_t t0 = pvclock_ns();
        unsigned tries = 0;
        for (; tries < 10 && echo_replies < 3; tries++) {
            if (!peer_known)
                send_arp(1, NULL, peer_ip);
            else
                send_echo_request((uint16_t)tries);
            rx_serve(1000000000ull);
        }
        printf("RV-PVH-NET: good: ping %u.%u.%u.%u: %u echo replies in %u tries, %llu ms\n", peer_ip >> 24,
               peer_ip >> 16 & 255, peer_ip >> 8 & 255, peer_ip & 255, echo_replies, tries,
               (unsigned long long)((pvclock_ns() - t0) / 1000000));
        check(echo_replies >= 1, "net-good-ping-peer",
              "%u.%u.%u.%u: ARP %s, %u echo replies in %u tries (%llu ms)", peer_ip >> 24, peer_ip >> 16 & 255,
              peer_ip >> 8 & 255, peer_ip & 255, peer_known ? "answered" : "unanswered", echo_replies, tries,
              (unsigned long long)((pvclock_ns() - t0) / 1000000));
    }
    printf("RV-PVH-NET: good: ip %u.%u.%u.%u serving ARP and ICMP echo\n", my_ip >> 24, my_ip >> 16 & 255,
           my_ip >> 8 & 255, my_ip & 255);
}

/* ---- mode rx ---- */

/* RX responses until n came or timeout_ns passed (0: only those already
 * there); counts them and the errors among them. */
static void rx_count(uint64_t timeout_ns, unsigned n, unsigned *got, unsigned *errors)
{
    uint64_t t0 = pvclock_ns();
    for (;;) {
        while (rx_cons != rx->rsp_prod && *got < n) {
            mb();
            struct netif_rx_response r = rx->ring[rx_cons % RING_SIZE].rsp;
            rx_cons++;
            (*got)++;
            *errors += r.status < 0;
        }
        if (*got >= n || pvclock_ns() - t0 >= timeout_ns)
            return;
        rx->rsp_event = rx_cons + 1;
        mb();
        if (rx_cons == rx->rsp_prod)
            evtchn_wait(x.port, 20000000ull);
    }
}

static void rx_checks(void)
{
    static uint8_t saved[4096];
    my_ip = cmdline_ip("ip");
    peer_ip = cmdline_ip("peer");
    gnttab_grant(REF_TXBUF, 0, grant_frame(txbuf), true);
    memcpy(saved, frame_page, sizeof(saved));
    /* Four requests: ungranted, read-only, ungranted, read-only; each ARP
     * request to dom0 draws a reply into the next. */
    for (unsigned i = 0; i < 4; i++)
        rx_post((uint16_t)i, i & 1 ? REF_FRAME : REF_BAD);
    rx_kick();
    unsigned got = 0, errors = 0, sent = 0;
    for (unsigned t = 0; t < 20 && got < 4; t++) {
        sent += send_arp(1, NULL, peer_ip) == XEN_NETIF_RSP_OKAY;
        rx_count(500000000ull, 4, &got, &errors);
    }
    bool same = !memcmp(saved, frame_page, sizeof(saved));
    printf("RV-PVH-NET: rx: bad and read-only grefs: %u ARP requests, %u answers, %u errors\n", sent, got, errors);
    check(got >= 1 && errors == got && same, "net-rx-bad-grefs",
          "%u ARP requests sent, %u RX answers, %u errors; the read-only page %s", sent, got, errors,
          same ? "unchanged" : "WRITTEN");
    /* The whole ring of bad references, then req_prod 1000 past it. */
    while (rx_prod - rx_cons < RING_SIZE)
        rx_post(7, REF_BAD);
    mb();
    rx->req_prod = rx_cons + 1000;
    mb();
    evtchn_send(x.port);
    unsigned got2 = 0, errors2 = 0;
    sent = 0;
    for (unsigned t = 0; t < 300; t++) {
        sent += send_arp(1, NULL, peer_ip) == XEN_NETIF_RSP_OKAY;
        rx_count(0, 1000, &got2, &errors2);
    }
    rx_count(1000000000ull, 1000, &got2, &errors2);
    same = !memcmp(saved, frame_page, sizeof(saved));
    printf("RV-PVH-NET: rx: req_prod + 1000: %u ARP requests, %u answers, %u errors\n", sent, got2, errors2);
    check(errors2 == got2 && same, "net-rx-overrun",
          "RX req_prod + 1000: %u ARP requests sent, %u RX answers, %u errors; the read-only page %s", sent, got2,
          errors2, same ? "unchanged" : "WRITTEN");
}

#ifdef PVH_LIB_ON_PV
/* ---- mode pvrx (PV only, pv_net.elf): RX buffers named by machine frames
 * that are not plain RAM of ours: past any RAM, our own L4 and an L1
 * (page tables, writable), another domU's page (foreign= from dom0, else
 * the frame above our range).  netback's copy into each must fail (an
 * error answer, not a fatal error), the tables stay as they were, and a
 * good buffer afterwards gets its frame. */
#define REF_PVBAD 20                    /* 20..23 */

static void pv_rx_checks(void)
{
    static uint8_t l4_before[4096], l1_before[4096];
    my_ip = cmdline_ip("ip");
    peer_ip = cmdline_ip("peer");
    gnttab_grant(REF_TXBUF, 0, grant_frame(txbuf), true);
    struct pv_fe_frames f;
    pv_fe_frames(&f);
    uint64_t foreign = cmdline_uint("foreign", 0);
    const uint64_t bad[4] = { 0xffffffffull, f.l4, f.l1, foreign ? foreign : f.max_own + 1 };
    memcpy(l4_before, f.l4_va, 4096);
    memcpy(l1_before, f.l1_va, 4096);
    for (unsigned i = 0; i < 4; i++) {
        gnttab_grant(REF_PVBAD + i, 0, bad[i], false);
        rx_post((uint16_t)i, REF_PVBAD + i);
    }
    rx_kick();
    unsigned got = 0, errors = 0, sent = 0;
    for (unsigned t = 0; t < 20 && got < 4; t++) {
        sent += send_arp(1, NULL, peer_ip) == XEN_NETIF_RSP_OKAY;
        rx_count(500000000ull, 4, &got, &errors);
    }
    bool same = !memcmp(l4_before, f.l4_va, 4096) && !memcmp(l1_before, f.l1_va, 4096);
    printf("RV-PVH-NET: pvrx: MFNs %#llx %#llx (L4) %#llx (L1) %#llx (%s): %u ARP requests, %u answers, %u errors\n",
           (unsigned long long)bad[0], (unsigned long long)bad[1], (unsigned long long)bad[2],
           (unsigned long long)bad[3], foreign ? "another domU's" : "above ours", sent, got, errors);
    check(got == 4 && errors == 4 && same, "net-pv-rx-bad-frames",
          "%u ARP requests sent, %u RX answers, %u errors (want 4 and 4); our page tables %s", sent, got, errors,
          same ? "unchanged" : "WRITTEN");
    /* A good buffer: netback still serves the vif. */
    gnttab_grant(REF_RXBUF, 0, grant_frame(rxbuf[0]), false);
    rx_post(5, REF_RXBUF);
    rx_kick();
    unsigned got2 = 0, errors2 = 0;
    for (unsigned t = 0; t < 20 && !got2; t++) {
        send_arp(1, NULL, peer_ip);
        rx_count(500000000ull, 1, &got2, &errors2);
    }
    check(got2 == 1 && errors2 == 0, "net-pv-rx-serves-after", "a good RX buffer: %u answers, %u errors", got2,
          errors2);
}
#endif

/* ---- mode jump: xenbus state jumps ---- */

static void jump_checks(void)
{
    if (!open_vif(NULL))
        return;
    /* 1. Initialised: netback waits for Connected. */
    long w = publish(REF_TX, "3", false);
    uint64_t moved = xfe_wait_be(&x, 4, 2000000000ull);
    long st = xfe_be_state(&x);
    uint64_t w4;
    check(w >= 0 && !moved && st == 2, "net-jump-initialised", "writes %ld, backend state %ld 2 s after 3", w, st);
    /* 2. Connected. */
    xfe_write(&x, "state", "4");
    w4 = xfe_wait_be(&x, 4, 30000000000ull);
    int f = w4 ? one(REF_FRAME, 0, 60, 1, 10000000000ull) : 99;
    check(w4 && f == XEN_NETIF_RSP_OKAY, "net-jump-connected", "backend state %ld, a frame: %d", xfe_be_state(&x), f);
    /* 3. Back to Initialising while connected.  Either netback stays
     * connected and must serve, or (Debian's 6.1) it disconnects and goes
     * back to InitWait.  A new connection right after that served in some
     * runs and not in others (netback's own race; printed, not checked):
     * step 4's orderly close and reconnect must serve in any case. */
    xfe_write(&x, "state", "1");
    xfe_wait_be(&x, 2, 2000000000ull);
    st = xfe_be_state(&x);
    if (st == 4)
        f = one(REF_FRAME, 0, 60, 2, 10000000000ull);
    else {
        w = st == 2 ? publish(REF_TX, "4", true) : -1;
        w4 = w >= 0 ? xfe_wait_be(&x, 4, 30000000000ull) : 0;
        f = w4 ? one(REF_FRAME, 0, 60, 2, 10000000000ull) : 99;
    }
    printf("RV-PVH-NET: state 1 while connected: backend went to %ld; a frame %s: status %d\n", st,
           st == 2 ? "after connecting again" : "", f);
    check((st == 4 && f == XEN_NETIF_RSP_OKAY) || st == 2, "net-jump-back-to-1",
          "backend state %ld after 2 s (want 4 and serving, or 2), a frame: %d", st, f);
    /* 4. The orderly close and a new connection from Closed (both rings
     * zeroed and granted again under the same references, a new port). */
    bool re = xfe_close_and_reopen(&x, "RV-PVH-NET");
    w = re ? publish(REF_TX, "4", true) : -1;
    w4 = w >= 0 ? xfe_wait_be(&x, 4, 30000000000ull) : 0;
    f = w4 ? one(REF_FRAME, 0, 60, 3, 10000000000ull) : 99;
    check(re && w4 && f == XEN_NETIF_RSP_OKAY, "net-jump-reconnect", "reopened %d, backend state %ld, a frame: %d", re,
          xfe_be_state(&x), f);
    /* 5. Closed again, then Connected with a tx-ring-ref that names no
     * grant: netback cannot map the ring, reports a fatal error, closes. */
    re = xfe_close_and_reopen(&x, "RV-PVH-NET");
    w = re ? publish(REF_BAD, "4", true) : -1;
    uint64_t w5 = w >= 0 ? xfe_wait_be(&x, 5, 10000000000ull) : 0;
    check(re && w5, "net-jump-bad-ring", "reopened %d, backend state %ld, want 5 (Closing)", re, xfe_be_state(&x));
}

void test_main(void)
{
    uint64_t mib = cmdline_uint("mib", 16);
    hello_console_start(mib);
    if (!xsc_init()) {
        check(false, "net-xenstore", "no store ring (not built by rv create?)");
        finish();
    }
    bool good = cmdline_has("mode=good");
    if (cmdline_has("mode=jump"))
        jump_checks();
    else if (connect()) {
        if (good)
            good_mode();
        else if (cmdline_has("mode=txprod"))
            txprod_checks();
        else if (cmdline_has("mode=chain"))
            chain_checks();
        else if (cmdline_has("mode=slotcross"))
            slotcross_checks();
        else if (cmdline_has("mode=storm"))
            storm_checks();
        else if (cmdline_has("mode=rx"))
            rx_checks();
#ifdef PVH_LIB_ON_PV
        else if (cmdline_has("mode=pvrx"))
            pv_rx_checks();
#endif
        else
            tx_checks();
    } else
        good = false;
    printf("RV-PVH-NET: done, %u passed %u failed\n", pvh.passed, pvh.failed);
    if (good)                           /* serves ARP and echo until destroyed */
        for (unsigned last = 0;;) {
            rx_serve(1000000000ull);
            if (echo_answered != last)
                printf("RV-PVH-NET: answered %u echo requests, %u ARP requests\n", last = echo_answered,
                       arp_answered);
        }
    /* Until dom0 destroys it (netback still holds its rings). */
    for (;;)
        sched_op(SCHEDOP_block, NULL);
}
