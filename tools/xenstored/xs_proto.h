/*
 * The xenstore wire protocol as Xen's public io/xs_wire.h and
 * docs/misc/xenstore.txt define it (numbers are ABI facts; the definitions
 * are written here anew).  A message is a 16-byte little-endian header
 * followed by `len` payload bytes, on a Unix socket or on a domain's ring page.
 */
#ifndef XSD_PROTO_H
#define XSD_PROTO_H

#include <stdint.h>

enum xsd_msg_type {
    XS_CONTROL = 0,            /* was XS_DEBUG */
    XS_DIRECTORY = 1,
    XS_READ = 2,
    XS_GET_PERMS = 3,
    XS_WATCH = 4,
    XS_UNWATCH = 5,
    XS_TRANSACTION_START = 6,
    XS_TRANSACTION_END = 7,
    XS_INTRODUCE = 8,
    XS_RELEASE = 9,
    XS_GET_DOMAIN_PATH = 10,
    XS_WRITE = 11,
    XS_MKDIR = 12,
    XS_RM = 13,
    XS_SET_PERMS = 14,
    XS_WATCH_EVENT = 15,
    XS_ERROR = 16,
    XS_IS_DOMAIN_INTRODUCED = 17,
    XS_RESUME = 18,
    XS_SET_TARGET = 19,
    /* 20 was XS_RESTRICT, removed from Xen: answered ENOSYS. */
    XS_RESET_WATCHES = 21,
    XS_DIRECTORY_PART = 22,
    XS_TYPE_LIMIT = 23,
};

/* Every message, both directions. */
struct xsd_msg_hdr {
    uint32_t type;
    uint32_t req_id;   /* echoed in the reply */
    uint32_t tx_id;    /* 0 outside a transaction */
    uint32_t len;      /* payload bytes that follow */
};
_Static_assert(sizeof(struct xsd_msg_hdr) == 16, "xsd_sockmsg is 16 bytes");

/* A peer that sends a longer payload is disconnected (xenstore.txt). */
#define XENSTORE_PAYLOAD_MAX  4096u
/* Longer paths are refused with EINVAL, the connection lives. */
#define XENSTORE_ABS_PATH_MAX 3072u
#define XENSTORE_REL_PATH_MAX 2048u

/* The shared page a domain's kernel and the daemon talk over. */
#define XENSTORE_RING_SIZE 1024u
struct xenstore_domain_interface {
    char req[XENSTORE_RING_SIZE];   /* domain -> daemon */
    char rsp[XENSTORE_RING_SIZE];   /* daemon -> domain: replies and watch events */
    uint32_t req_cons, req_prod;    /* free-running indexes, masked on use */
    uint32_t rsp_cons, rsp_prod;
    uint32_t server_features;
    uint32_t connection;
};
_Static_assert(sizeof(struct xenstore_domain_interface) == 2048 + 24, "ring page layout");
#define XENSTORE_SERVER_FEATURE_RECONNECTION 1u
#define XENSTORE_CONNECTED 0u
#define XENSTORE_RECONNECT 1u

#endif
