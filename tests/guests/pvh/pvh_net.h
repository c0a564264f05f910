/*
 * pvh_net.h: what the parts of the test netfront share (pvh_net.c: the
 * rings, the handshake and test_main; pvh_net_tx.c: the hostile TX and
 * xenbus modes; pvh_net_frames.c: frames of its own, ARP and ICMP echo, the
 * good and rx modes; pvh_net_pv.c: the PV-only modes, pv_net.elf only).
 * One vCPU, no upcalls: the state below is touched by one thread of
 * control only, no locks; pvh_net.c owns the rings and their indexes.
 */
#ifndef PVH_NET_H
#define PVH_NET_H

#include "pvh.h"
#include "xenbus_fe.h"

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

extern uint8_t tx_page[4096], rx_page[4096], frame_page[4096], txbuf[4096], rxbuf[NRXBUF][4096];

/* The rings and our private indexes (pvh_net.c). */
extern struct netif_tx_sring *tx;
extern struct netif_rx_sring *rx;
extern uint32_t tx_prod, tx_cons, rx_prod, rx_cons;
extern struct xfe x;
extern char macs[24];
extern uint8_t mac[6];

/* pvh_net.c: TX requests and answers, the handshake. */
void tx_push(uint32_t gref, uint16_t offset, uint16_t flags, uint16_t id, uint16_t size);
void tx_kick(void);
bool tx_next(struct netif_tx_response *out, uint64_t timeout_ns);
int one(uint32_t gref, uint16_t offset, uint16_t size, uint16_t id, uint64_t timeout_ns);
void tx_collect(unsigned n, uint64_t timeout_ns, unsigned *got, unsigned *ok, unsigned *err);
long publish(uint32_t txref, const char *st, bool new_port);
bool open_vif(uint64_t *w2);

/* pvh_net_frames.c: frames of our own (ARP, ICMP echo), RX buffers. */
extern uint32_t my_ip, peer_ip;
extern unsigned echo_answered, arp_answered;
uint32_t cmdline_ip(const char *key);
int send_arp(uint32_t op, const uint8_t *dst_mac, uint32_t tip);
void rx_post(uint16_t id, uint32_t gref);
void rx_kick(void);
void rx_serve(uint64_t for_ns);
void rx_count(uint64_t timeout_ns, unsigned n, unsigned *got, unsigned *errors);
void serve_setup(void);
unsigned ping_peer(const char *tag);

/* The modes. */
void tx_checks(void);
void txprod_checks(void);
void chain_checks(void);
void slotcross_checks(void);
void storm_checks(void);
void jump_checks(void);
void good_mode(void);
void rx_checks(void);
#ifdef PVH_LIB_ON_PV
void pv_rx_checks(void);
void pv_tx_checks(void);
#endif

#endif
