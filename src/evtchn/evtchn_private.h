/*
 * Event channels: state shared by evtchn.c (ports, operations, locking),
 * evtchn_2l.c (2-level ABI) and evtchn_fifo.c (FIFO ABI).  Locking is
 * described at the top of evtchn.c and in docs/event-channels.md.
 */
#ifndef RV_EVTCHN_PRIVATE_H
#define RV_EVTCHN_PRIVATE_H

#include "core/compat/layout.h"  /* the 32-bit shared_info layout */
#include "evtchn/evtchn.h"
#include "core/domain.h"
#include "core/spinlock.h"

#define EVTCHN_BUCKET_PORTS 64u     /* ports per lazily allocated bucket */

typedef void (*evtchn_xen_fn)(struct domain *d, void *ctx);

/* One port.  Every field is guarded by the owning domain's lock; the
 * interdomain link (u.inter) of a port changes only with the global lock
 * held as well, so holding either makes it stable. */
struct evtchn_port {
    uint8_t state;              /* EVTCHNSTAT_* (closed = free) */
    uint8_t priority;           /* FIFO queue used by the next link */
    uint8_t last_priority;      /* FIFO queue it was last linked on */
    bool xen;                   /* interdomain with DOMID_XEN (u.xen) */
    bool carry;                 /* FIFO: pending while it has no event word yet */
    uint8_t consumer;           /* EVTCHN_CONSUMER_*: events arriving here go to the hypervisor
                                   (evtchn_consumed.c), never pending in the guest; kept across
                                   unbound <-> interdomain */
    uint16_t notify_vcpu;
    uint16_t last_vcpu;         /* FIFO: vCPU whose queue it was last linked on */
    union {
        uint16_t unbound_dom;   /* domain allowed to bind it */
        struct { struct domain *rd; evtchn_port_t rport; } inter;
        struct { evtchn_xen_fn fn; void *ctx; } xen;
        uint32_t virq;
        uint32_t pirq;          /* EVTCHNSTAT_pirq (pv/pv_pirq.c) */
    } u;
};

struct evtchn_fifo_queue {
    spinlock_t lock;            /* inside the domain lock */
    evtchn_port_t tail;         /* (lock) last port linked, 0 = empty */
};

struct evtchn_vcpu {
    /* (domain lock) VIRQ -> port; global VIRQs use vCPU 0's table. */
    evtchn_port_t virq_to_port[NR_VIRQS];
    /* (domain lock) FIFO control block in guest RAM, NULL = not set up. */
    struct evtchn_fifo_control_block *cb;
    struct evtchn_fifo_queue queue[EVTCHN_FIFO_MAX_QUEUES];
};

struct evtchn_domain {
    spinlock_t lock;            /* port state; always taken with _irqsave */
    struct domain *d;           /* (i) */
    unsigned max_ports;         /* (i) highest usable port number */
    unsigned nr_buckets;        /* (i) slots in buckets[] */
    struct evtchn_port **buckets;   /* (lock) a bucket is never freed before destruction */
    struct evtchn_port *spare;  /* (lock) bucket allocated outside the lock, for port_alloc */
    bool fifo;                  /* (lock) FIFO ABI in use */
    unsigned nr_array_pages;    /* (lock) FIFO event-array pages */
    event_word_t *event_array[EVTCHN_FIFO_MAX_PAGES];   /* (lock) guest RAM */
    int inflight;               /* (a) senders of other domains between their lock and ours */
    bool dying;                 /* (global lock) destruction started: no new bindings */
};

/* 2-level ports: 64 words of 64 bits, or 32 of 32 in the 32-bit shared_info
 * layout (core/compat/layout.h). */
static inline unsigned evtchn_2l_nr_channels(const struct evtchn_domain *ed)
{
    return __atomic_load_n(&ed->d->shinfo_compat, __ATOMIC_ACQUIRE) ? COMPAT_2L_NR_CHANNELS
                                                                     : EVTCHN_2L_NR_CHANNELS;
}

/* Ports are valid below this bound (port 0 is reserved and never allocated). */
static inline unsigned evtchn_port_limit(const struct evtchn_domain *ed)
{
    unsigned cap = ed->fifo ? EVTCHN_FIFO_NR_CHANNELS : evtchn_2l_nr_channels(ed);
    return ed->max_ports + 1 < cap ? ed->max_ports + 1 : cap;
}

/* Port structure, or NULL when its bucket does not exist (never allocated). */
static inline struct evtchn_port *evtchn_port_ptr(const struct evtchn_domain *ed, evtchn_port_t port)
{
    struct evtchn_port *b;

    if (port >= ed->nr_buckets * EVTCHN_BUCKET_PORTS)
        return NULL;
    b = ed->buckets[port / EVTCHN_BUCKET_PORTS];
    return b ? &b[port % EVTCHN_BUCKET_PORTS] : NULL;
}

/* vCPU 'id' of d, or NULL. */
static inline struct vcpu *evtchn_vcpu_of(struct domain *d, unsigned id)
{
    return id < d->nr_vcpus && id < MAX_VCPUS ? d->vcpus[id] : NULL;
}

/* The port table (evtchn_port.c). */
/* Gives ed a spare bucket; called with no evtchn lock held. */
int evtchn_stock_spare(struct evtchn_domain *ed);
/* Lowest free port, -ENOSPC, or -EAGAIN when it lies in a bucket not yet
 * allocated and there is no spare (drop the locks, evtchn_stock_spare, and
 * start over).  ed->lock held. */
int evtchn_port_alloc(struct evtchn_domain *ed);
/* Resets a port just taken with evtchn_port_alloc to 'state'; ed->lock held. */
struct evtchn_port *evtchn_port_setup(struct evtchn_domain *ed, evtchn_port_t port, unsigned state,
                                      unsigned vcpu);
/* Runs claim(ed, ctx) under ed->lock, restocking and retrying on -EAGAIN;
 * the port claim took, or a negative errno. */
int evtchn_claim_port(struct evtchn_domain *ed, int (*claim)(struct evtchn_domain *ed, void *ctx), void *ctx);
/* The open port 'port' of ed, or NULL (port 0, out of range, closed); ed->lock held. */
struct evtchn_port *evtchn_port_open(struct evtchn_domain *ed, evtchn_port_t port);
/* Frees every vCPU's evtchn_vcpu (domain set-up failure and destruction). */
void evtchn_free_vcpus(struct domain *d);

/* Raises port (open, of ed) as a send would: pending and the upcall, or the
 * consumer's function for a hypervisor-consumed port; ed->lock held. */
void evtchn_deliver(struct evtchn_domain *ed, struct evtchn_port *chn, evtchn_port_t port);
/* close_port for the hypervisor's own use (evtchn_consumed.c): any open port. */
int evtchn_close_any(struct domain *d, evtchn_port_t port);
/* An event arrived on a hypervisor-consumed port (evtchn_consumed.c);
 * ed->lock held. */
void evtchn_consumed_event(struct evtchn_domain *ed, struct evtchn_port *chn, evtchn_port_t port);

/* Sets v's evtchn_upcall_pending; calls evtchn_arch_upcall when it was 0. */
void evtchn_mark_upcall(struct vcpu *v);

/* 2-level ABI (evtchn_2l.c); ed->lock held. */
void evtchn_2l_set_pending(struct evtchn_domain *ed, struct vcpu *v, evtchn_port_t port);
void evtchn_2l_clear_pending(struct evtchn_domain *ed, evtchn_port_t port);
bool evtchn_2l_is_pending(struct evtchn_domain *ed, evtchn_port_t port);
void evtchn_2l_unmask(struct evtchn_domain *ed, struct vcpu *v, evtchn_port_t port);
bool evtchn_2l_is_masked(struct evtchn_domain *ed, evtchn_port_t port);

/* FIFO ABI (evtchn_fifo.c); ed->lock held unless said otherwise. */
void evtchn_fifo_set_pending(struct evtchn_domain *ed, struct evtchn_port *chn, evtchn_port_t port);
void evtchn_fifo_clear_pending(struct evtchn_domain *ed, struct evtchn_port *chn, evtchn_port_t port);
bool evtchn_fifo_is_pending(struct evtchn_domain *ed, struct evtchn_port *chn, evtchn_port_t port);
bool evtchn_fifo_is_busy(struct evtchn_domain *ed, evtchn_port_t port);
bool evtchn_fifo_is_masked(struct evtchn_domain *ed, evtchn_port_t port);
void evtchn_fifo_unmask(struct evtchn_domain *ed, struct evtchn_port *chn, evtchn_port_t port);
/* Hypercalls: take ed->lock themselves. */
int evtchn_fifo_init_control(struct evtchn_domain *ed, struct evtchn_init_control *ic);
int evtchn_fifo_expand_array(struct evtchn_domain *ed, uint64_t gfn);
int evtchn_fifo_set_priority(struct evtchn_domain *ed, evtchn_port_t port, uint32_t prio);
/* The debug dump (evtchn_dump.c): one port as a short text, "" for closed.
 * Pure: the host unit test checks it. */
struct evtchn_port_snap {
    uint8_t state;              /* EVTCHNSTAT_* */
    bool xen, pending, masked;
    uint16_t notify_vcpu;
    uint16_t peer_dom;          /* interdomain: peer; unbound: who may bind */
    uint32_t peer_port;         /* interdomain: peer's port */
    uint32_t virq;
};
size_t evtchn_format_port(char *buf, size_t size, evtchn_port_t port, const struct evtchn_port_snap *s);
/* Back to the 2-level ABI (reset); ed->lock held. */
void evtchn_fifo_teardown(struct evtchn_domain *ed);

#endif
