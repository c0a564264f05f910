/*
 * pvh_net: a netfront for dom0's xen-netback that is hostile on demand
 * (docs/split-drivers.md "Network interfaces" and "The hostile netfront";
 * tests linux_dom0_net and linux_dom0_nethostile).  Built by `rv create`
 * from dom0 with vif = [ 'bridge=rvbr0,mac=...' ].  Also built as a 64-bit
 * PV kernel, pv_net.elf (tests/guests/pv/pv_fe.c; linux_dom0_pvhostile),
 * with the PV-only modes pvrx and pvtx (RX buffers and TX slots named by
 * frames not its own; pvh_net_pv.c).
 *
 * The parts (pvh_net.h): this file has the rings, the handshake and
 * test_main; pvh_net_tx.c the hostile TX and xenbus modes (tx, txprod,
 * chain, slotcross, storm, jump); pvh_net_frames.c frames of its own (ARP,
 * ICMP echo) and the good and rx modes.
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
#include "pvh_net.h"
#include "xs_client.h"

#include "public/sched.h"

const char pvh_guest_name[] = "pvh_net";

uint8_t tx_page[4096] __attribute__((aligned(4096)));
uint8_t rx_page[4096] __attribute__((aligned(4096)));
uint8_t frame_page[4096] __attribute__((aligned(4096)));
uint8_t txbuf[4096] __attribute__((aligned(4096)));
uint8_t rxbuf[NRXBUF][4096] __attribute__((aligned(4096)));

/* The rings and our private indexes; one vCPU, no upcalls: no locks. */
struct netif_tx_sring *tx;
struct netif_rx_sring *rx;
uint32_t tx_prod, tx_cons, rx_prod, rx_cons;
struct xfe x;
char macs[24];
uint8_t mac[6];

/* ---- TX ---- */

void tx_push(uint32_t gref, uint16_t offset, uint16_t flags, uint16_t id, uint16_t size)
{
    struct netif_tx_request *r = &tx->ring[tx_prod % RING_SIZE].req;
    r->gref = gref;
    r->offset = offset;
    r->flags = flags;
    r->id = id;
    r->size = size;
    tx_prod++;
}

void tx_kick(void)
{
    mb();                               /* the requests before the index that publishes them */
    tx->req_prod = tx_prod;
    mb();
    evtchn_send(x.port);
}

/* The next TX response; false after timeout_ns. */
bool tx_next(struct netif_tx_response *out, uint64_t timeout_ns)
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
int one(uint32_t gref, uint16_t offset, uint16_t size, uint16_t id, uint64_t timeout_ns)
{
    tx_push(gref, offset, 0, id, size);
    tx_kick();
    struct netif_tx_response rsp;
    if (!tx_next(&rsp, timeout_ns))
        return 99;
    return rsp.id == id ? rsp.status : 98;
}

/* n responses: how many came, how many OKAY, how many errors. */
void tx_collect(unsigned n, uint64_t timeout_ns, unsigned *got, unsigned *ok, unsigned *err)
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
long publish(uint32_t txref, const char *st, bool new_port)
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
bool open_vif(uint64_t *w2)
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
        else if (cmdline_has("mode=pvtx"))
            pv_tx_checks();
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
