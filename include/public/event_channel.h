/*
 * Xen-compatible public ABI: event channels (Xen public interface
 * "event_channel.h"; numbers and layouts only, written anew for Ringvisor).
 *
 * Call: event_channel_op(cmd, arg) with arg a guest pointer to the
 * command's structure; fields marked OUT are written back on success.
 * Results: 0 or a negative errno.  The layouts are the same for 32-bit and
 * 64-bit callers.
 *
 * A port is a per-domain index.  Each port is in one state (EVTCHNSTAT_*);
 * sending on an interdomain port marks the *remote* port pending; a VIRQ or
 * IPI port is made pending by the hypervisor or by a sibling vCPU.  Pending
 * and masked state lives in guest memory: with the 2-level ABI in
 * shared_info (evtchn_pending / evtchn_mask bitmaps, 4096 ports on x86-64),
 * with the FIFO ABI in event-word arrays the guest supplies (up to 2^17
 * ports).
 */
#ifndef RV_PUBLIC_EVENT_CHANNEL_H
#define RV_PUBLIC_EVENT_CHANNEL_H

#include <stdint.h>

typedef uint32_t evtchn_port_t;

#define EVTCHNOP_bind_interdomain   0
#define EVTCHNOP_bind_virq          1
#define EVTCHNOP_bind_pirq          2
#define EVTCHNOP_close              3
#define EVTCHNOP_send               4
#define EVTCHNOP_status             5
#define EVTCHNOP_alloc_unbound      6
#define EVTCHNOP_bind_ipi           7
#define EVTCHNOP_bind_vcpu          8
#define EVTCHNOP_unmask             9
#define EVTCHNOP_reset              10
#define EVTCHNOP_init_control       11
#define EVTCHNOP_expand_array       12
#define EVTCHNOP_set_priority       13

/* A new port of 'dom' (DOMID_SELF) that 'remote_dom' may bind to. */
struct evtchn_alloc_unbound {
    uint16_t dom, remote_dom;
    evtchn_port_t port;                 /* OUT */
};

/* Connect a new local port to remote_port of remote_dom, which must be
 * unbound and offered to this domain (or be the caller's own). */
struct evtchn_bind_interdomain {
    uint16_t remote_dom;
    uint16_t pad;
    evtchn_port_t remote_port;
    evtchn_port_t local_port;           /* OUT */
};

struct evtchn_bind_virq {
    uint32_t virq;                      /* VIRQ_* */
    uint32_t vcpu;                      /* per-vCPU VIRQs: the vCPU; global ones: must be 0 */
    evtchn_port_t port;                 /* OUT */
};

struct evtchn_bind_ipi {
    uint32_t vcpu;                      /* notified vCPU */
    evtchn_port_t port;                 /* OUT */
};

struct evtchn_close  { evtchn_port_t port; };
struct evtchn_send   { evtchn_port_t port; };
struct evtchn_unmask { evtchn_port_t port; };
struct evtchn_reset  { uint16_t dom; };

#define EVTCHNSTAT_closed       0
#define EVTCHNSTAT_unbound      1
#define EVTCHNSTAT_interdomain  2
#define EVTCHNSTAT_pirq         3
#define EVTCHNSTAT_virq         4
#define EVTCHNSTAT_ipi          5

struct evtchn_status {
    uint16_t dom;                       /* DOMID_SELF (others: privileged) */
    uint16_t pad0;
    evtchn_port_t port;
    uint32_t status;                    /* OUT: EVTCHNSTAT_* */
    uint32_t vcpu;                      /* OUT: vCPU notified */
    union {                             /* OUT */
        struct { uint16_t dom; } unbound;
        struct { uint16_t dom; uint16_t pad; evtchn_port_t port; } interdomain;
        uint32_t pirq;
        uint32_t virq;
    } u;
};
_Static_assert(sizeof(struct evtchn_status) == 24, "evtchn_status layout");

/* A port for physical IRQ 'pirq' (initial domain only; the pirq comes
 * from PHYSDEVOP_map_pirq).  flags: BIND_PIRQ__WILL_SHARE, accepted and
 * ignored (only the initial domain has pirqs, so there is nobody to share
 * with). */
#define BIND_PIRQ__WILL_SHARE   1u
struct evtchn_bind_pirq {
    uint32_t pirq;
    uint32_t flags;
    evtchn_port_t port;                 /* OUT */
};
_Static_assert(sizeof(struct evtchn_bind_pirq) == 12, "evtchn_bind_pirq layout");

/* Which vCPU is notified for a port (interdomain, unbound, global VIRQ). */
struct evtchn_bind_vcpu {
    evtchn_port_t port;
    uint32_t vcpu;
};

/* FIFO ABI.  init_control names the page holding vCPU 'vcpu''s control
 * block (at 'offset'); expand_array adds one page of event words. */
struct evtchn_init_control {
    uint64_t control_gfn;
    uint32_t offset;
    uint32_t vcpu;
    uint8_t  link_bits;                 /* OUT */
    uint8_t  pad[7];
};
_Static_assert(sizeof(struct evtchn_init_control) == 24, "init_control layout");

struct evtchn_expand_array { uint64_t array_gfn; };

struct evtchn_set_priority {
    evtchn_port_t port;
    uint32_t priority;
};

/* FIFO event words (32 bits each, 1024 per page). */
typedef uint32_t event_word_t;
#define EVTCHN_FIFO_PENDING         31
#define EVTCHN_FIFO_MASKED          30
#define EVTCHN_FIFO_LINKED          29
#define EVTCHN_FIFO_BUSY            28
#define EVTCHN_FIFO_LINK_BITS       17
#define EVTCHN_FIFO_LINK_MASK       ((1u << EVTCHN_FIFO_LINK_BITS) - 1)
#define EVTCHN_FIFO_NR_CHANNELS     (1u << EVTCHN_FIFO_LINK_BITS)
#define EVTCHN_FIFO_WORDS_PER_PAGE  1024u
#define EVTCHN_FIFO_MAX_PAGES       (EVTCHN_FIFO_NR_CHANNELS / EVTCHN_FIFO_WORDS_PER_PAGE)

#define EVTCHN_FIFO_PRIORITY_MAX        0
#define EVTCHN_FIFO_PRIORITY_DEFAULT    7
#define EVTCHN_FIFO_PRIORITY_MIN        15
#define EVTCHN_FIFO_MAX_QUEUES          (EVTCHN_FIFO_PRIORITY_MIN + 1)

/* Per-vCPU control block: READY has bit q set while queue q is non-empty;
 * HEAD[q] is the first port of queue q (0 = empty). */
struct evtchn_fifo_control_block {
    uint32_t ready;
    uint32_t rsvd;
    event_word_t head[EVTCHN_FIFO_MAX_QUEUES];
};
_Static_assert(sizeof(struct evtchn_fifo_control_block) == 72, "control block layout");

/* Virtual interrupts (hypervisor-generated events).  Per-vCPU: TIMER,
 * DEBUG, XENOPROF, XENPMU; the others are global (bound on vCPU 0, movable
 * with bind_vcpu). */
#define VIRQ_TIMER      0
#define VIRQ_DEBUG      1
#define VIRQ_CONSOLE    2
#define VIRQ_DOM_EXC    3
#define VIRQ_TBUF       4
#define VIRQ_DEBUGGER   6
#define VIRQ_XENOPROF   7
#define VIRQ_CON_RING   8
#define VIRQ_PCPU_STATE 9
#define VIRQ_MEM_EVENT  10
#define VIRQ_ARGO       11
#define VIRQ_ENOMEM     12
#define VIRQ_XENPMU     13
#define NR_VIRQS        24

/* 2-level ABI limit on x86-64: 64 selector bits x 64 ports. */
#define EVTCHN_2L_NR_CHANNELS 4096u

#endif /* RV_PUBLIC_EVENT_CHANNEL_H */
