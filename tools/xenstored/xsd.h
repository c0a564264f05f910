/*
 * The daemon core, independent of transports: connections, request
 * dispatch, watches and domains.  A transport (socket.c, ring.c) feeds bytes
 * in with xsd_conn_input() and drains replies with xsd_conn_output_*().
 *
 * Threading: none.  Everything runs on the daemon's one main loop, so the
 * structures below have no locks; each says who owns it.
 */
#ifndef XSD_XSD_H
#define XSD_XSD_H

#include "store.h"
#include "txn.h"
#include "xs_proto.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xsd;
struct xs_ring;

/* Per-domain limits (dom0 and socket clients are exempt). */
struct xsd_limits {
    struct xs_quota store;       /* nodes per domain, bytes per value */
    uint32_t max_watches;        /* per connection */
    uint32_t max_transactions;   /* open at once, per connection */
    uint32_t max_txn_ops;        /* changes inside one transaction */
    size_t out_cap_domain;       /* queued reply/event bytes before events are dropped */
    size_t out_cap_socket;
};

struct xs_watch {
    char *path;                  /* absolute, or "@..." */
    char *token;
    bool relative;               /* given relative: events are sent relative */
    struct xs_watch *next;
};

struct xs_outmsg {
    struct xs_outmsg *next;
    size_t len;                  /* header + payload */
    uint8_t data[];
};

/* One client: a socket peer or a domain's ring.  Owner: the daemon's list;
 * freed by xsd_conn_destroy() after its transport stops using it. */
struct xs_conn {
    struct xsd *d;
    struct xs_caller who;
    bool is_domain;              /* relative paths and quotas apply */
    /* Input: a header, then its payload (+1 for a terminating NUL). */
    uint8_t in[sizeof(struct xsd_msg_hdr) + XENSTORE_PAYLOAD_MAX + 1];
    size_t in_have;
    /* Output queue, drained by the transport. */
    struct xs_outmsg *out_head, *out_tail;
    size_t out_off;              /* bytes of out_head already sent */
    size_t out_bytes;
    uint64_t events_dropped;
    uint64_t quota_hits;         /* requests refused by a quota (logged sparsely) */
    struct xs_watch *watches;
    uint32_t nwatches;
    struct xs_txn *txns;
    uint32_t ntxns;
    uint32_t next_txid;
    bool dead;                   /* protocol violation: transport must close it */
    const char *why_dead;
    void *transport;             /* the transport's own state */
    struct xs_conn *next;        /* daemon's list */
};

/* Hooks to the hypervisor for domain rings (ring.h).  NULL: INTRODUCE fails. */
struct xs_ring_backend;

/* A domain the daemon was told about with INTRODUCE.  Owner: the daemon. */
struct xs_domain {
    uint32_t domid;
    bool shutdown_seen;          /* @releaseDomain already fired for its shutdown */
    struct xs_conn *conn;
    struct xs_ring *ring;
    struct xs_domain *next;
};

struct xsd {
    struct xs_store store;
    struct xsd_limits lim;
    struct xs_conn *conns;
    struct xs_domain *domains;
    const struct xs_ring_backend *backend;
    void *backend_ctx;
    void (*log)(const char *msg);   /* one line, no newline; NULL: stderr */
    uint64_t requests;
};

void xsd_default_limits(struct xsd_limits *l);
int xsd_init(struct xsd *d);
void xsd_fini(struct xsd *d);

struct xs_conn *xsd_conn_new(struct xsd *d, uint32_t domid, bool is_domain);
void xsd_conn_destroy(struct xs_conn *c);

/* Consumes up to `len` bytes of the byte stream; returns bytes taken.  Stops
 * early while the connection's output is over its cap (backpressure) or
 * once it is dead. */
size_t xsd_conn_input(struct xs_conn *c, const uint8_t *buf, size_t len);
bool xsd_conn_wants_input(const struct xs_conn *c);
/* Next bytes to send and how many; then report how many went out. */
const uint8_t *xsd_conn_output_peek(const struct xs_conn *c, size_t *len);
void xsd_conn_output_done(struct xs_conn *c, size_t n);

/* Fire watches for a change at `path` (absolute) whose node had `perms`. */
void xsd_fire(struct xsd *d, const char *path, const struct xs_perm *perms, uint32_t np,
              bool removed);

/* Dispatch one complete message (payload NUL-terminated at payload[len]). */
void xsd_handle(struct xs_conn *c, const struct xsd_msg_hdr *h, char *payload);

/* Queue a message to the connection. */
int xsd_send(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
             const void *payload, size_t len);
int xsd_send_error(struct xs_conn *c, const struct xsd_msg_hdr *h, int err);
const char *xsd_errname(int err);

void xsd_logf(struct xsd *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Domains (domain.c). */
struct xs_domain *xsd_domain_find(struct xsd *d, uint32_t domid);
int xsd_domain_introduce(struct xsd *d, uint32_t domid, uint64_t mfn, uint32_t port);
int xsd_domain_release(struct xsd *d, uint32_t domid);
/* A domain's state as the backend reports it (xs_ring_backend.domain_state). */
enum { XSD_DOM_RUNNING = 0, XSD_DOM_SHUTDOWN = 1, XSD_DOM_GONE = 2 };
/* VIRQ_DOM_EXC: asks the backend about every introduced domU.  A domain
 * that shut down fires @releaseDomain once; one that is dying or gone is
 * released and its /local/domain/N and /vm path removed (the hypervisor
 * applied its on_* action itself, so no toolstack is left to do it), and
 * @releaseDomain fires.  Returns how many domains were released. */
unsigned xsd_domains_check(struct xsd *d);

#endif
