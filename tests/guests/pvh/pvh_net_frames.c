/*
 * pvh_net_frames: frames of the test netfront's own (ARP and ICMP echo
 * built and answered), its RX buffers, and the modes that need them: good
 * and rx (pvh_net.c's head); the PV modes (pvh_net_pv.c) use the same.
 */
#include "pvh_net.h"

uint32_t my_ip, peer_ip;
static uint8_t peer_mac[6];
static bool peer_known;
static unsigned echo_replies;
unsigned echo_answered, arp_answered;
static uint16_t tx_id = 1000;

/* "key=A.B.C.D" on the command line, host order; 0 if absent. */
uint32_t cmdline_ip(const char *key)
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

int send_arp(uint32_t op, const uint8_t *dst_mac, uint32_t tip)
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

void rx_post(uint16_t id, uint32_t gref)
{
    struct netif_rx_request *r = &rx->ring[rx_prod % RING_SIZE].req;
    r->id = id;
    r->gref = gref;
    rx_prod++;
}

void rx_kick(void)
{
    mb();
    rx->req_prod = rx_prod;
    mb();
    evtchn_send(x.port);
}

/* Good mode: every response handled and its buffer posted again. */
void rx_serve(uint64_t for_ns)
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

/* RX buffers posted (writable, REF_RXBUF..), the TX buffer granted: what
 * serving ARP and echo needs (good mode, and the PV modes' last ping). */
void serve_setup(void)
{
    my_ip = cmdline_ip("ip");
    peer_ip = cmdline_ip("peer");
    for (unsigned i = 0; i < NRXBUF; i++) {
        gnttab_grant(REF_RXBUF + i, 0, grant_frame(rxbuf[i]), false);
        rx_post((uint16_t)i, REF_RXBUF + i);
    }
    gnttab_grant(REF_TXBUF, 0, grant_frame(txbuf), true);
    rx_kick();
}

/* Pings peer= (ARP, then ICMP echo, up to 10 tries, until 3 replies) after
 * serve_setup; prints the result under tag; the echo replies so far. */
unsigned ping_peer(const char *tag)
{
    uint64_t t0 = pvclock_ns();
    unsigned tries = 0;
    for (; tries < 10 && echo_replies < 3; tries++) {
        if (!peer_known)
            send_arp(1, NULL, peer_ip);
        else
            send_echo_request((uint16_t)tries);
        rx_serve(1000000000ull);
    }
    printf("RV-PVH-NET: %s: ping %u.%u.%u.%u: %u echo replies in %u tries, %llu ms (ARP %s)\n", tag, peer_ip >> 24,
           peer_ip >> 16 & 255, peer_ip >> 8 & 255, peer_ip & 255, echo_replies, tries,
           (unsigned long long)((pvclock_ns() - t0) / 1000000), peer_known ? "answered" : "unanswered");
    return echo_replies;
}

void good_mode(void)
{
    serve_setup();
    if (peer_ip) {
        unsigned replies = ping_peer("good");
        check(replies >= 1, "net-good-ping-peer", "%u.%u.%u.%u: %u echo replies", peer_ip >> 24,
              peer_ip >> 16 & 255, peer_ip >> 8 & 255, peer_ip & 255, replies);
    }
    printf("RV-PVH-NET: good: ip %u.%u.%u.%u serving ARP and ICMP echo\n", my_ip >> 24, my_ip >> 16 & 255,
           my_ip >> 8 & 255, my_ip & 255);
}

/* ---- mode rx ---- */

/* RX responses until n came or timeout_ns passed (0: only those already
 * there); counts them and the errors among them. */
void rx_count(uint64_t timeout_ns, unsigned n, unsigned *got, unsigned *errors)
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

void rx_checks(void)
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
