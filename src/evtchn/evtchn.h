/*
 * Event channels (ARCHITECTURE.md "One event path"): the single notification
 * mechanism between domains, from the hypervisor to domains (VIRQs) and
 * between a domain's own vCPUs (IPIs).  Common to every kind of domain; the
 * only per-kind part is evtchn_arch_upcall(), which makes a vCPU notice
 * that its vcpu_info->evtchn_upcall_pending went from 0 to 1.
 *
 * Guest ABI: include/public/event_channel.h (2-level and FIFO).  Design and
 * locking: docs/event-channels.md.
 */
#ifndef RV_EVTCHN_EVTCHN_H
#define RV_EVTCHN_EVTCHN_H

#include "lib/compiler.h"
#include "public/event_channel.h"

struct domain;
struct vcpu;

/* Ports a domain may have open unless its config says otherwise (xl's
 * max_event_channels default). */
#define EVTCHN_DEFAULT_MAX_PORTS 1023u

/* At domain creation, after the vCPUs and d->shared_info exist: allocates
 * d->evtchn and every v->evtchn.  0 or -ENOMEM. */
int evtchn_domain_init(struct domain *d, unsigned max_ports);
/* At destruction (no vCPU of d runs any more; other domains may): closes
 * every port (a peer's interdomain port goes back to unbound, as in Xen),
 * unhooks the FIFO pages and frees d->evtchn and every v->evtchn.  Safe on
 * a partly initialized domain. */
void evtchn_domain_destroy(struct domain *d);

/* The event_channel_op hypercall: cmd EVTCHNOP_*, arg a guest address of
 * the command's structure (read with copy_from_guest, OUT fields written
 * back with copy_to_guest).  Returns 0 or a negative errno (the Xen codes:
 * -EINVAL bad port/argument, -ENOENT nothing there, -EBUSY, -ENOSPC ports
 * exhausted, -EPERM, -ESRCH no such domain, -EFAULT, -ENOSYS unknown cmd). */
long evtchn_hypercall(struct vcpu *v, unsigned cmd, uint64_t arg);

/* Hypervisor-raised events: no-ops when the VIRQ is not bound. */
void evtchn_send_virq(struct vcpu *v, unsigned virq);           /* per-vCPU VIRQs (VIRQ_TIMER, ...) */
void evtchn_send_global_virq(struct domain *d, unsigned virq);  /* global ones (VIRQ_CONSOLE, VIRQ_DOM_EXC, ...) */

/*
 * Physical IRQs (EVTCHNOP_bind_pirq ports).  The layer that owns them
 * (pv/pv_pirq.c, the initial domain's device interrupts) registers its
 * operations once at boot, before any domain exists; event channels call
 * them with the domain's evtchn lock held (the owner's lock nests inside).
 * With none registered there are no pirqs: bind_pirq is -EINVAL for the
 * initial domain (-EPERM for any other, as always).  This keeps the event
 * channels below the PV code: evtchn.c includes nothing of pv/.
 */
struct evtchn_pirq_ops {
    unsigned nr_pirqs;      /* pirqs are 0..nr_pirqs-1 */
    /* Attach port to d's mapped pirq and let its interrupts through:
     * 0, or -EPERM / -EINVAL (not mapped) / -EEXIST (already bound). */
    int (*attach)(struct domain *d, unsigned pirq, uint32_t port);
    /* The port is being closed: mask the source again. */
    void (*detach)(struct domain *d, unsigned pirq, uint32_t port);
};
void evtchn_set_pirq_ops(const struct evtchn_pirq_ops *ops);
/* Raise the event of 'pirq' on 'port' of d (any context, none of the
 * owner's locks held); nothing if the port was closed or rebound. */
void evtchn_send_pirq(struct domain *d, uint32_t port, unsigned pirq);

/*
 * Ports whose other end is the hypervisor itself (the PV console back end,
 * later xenstore).  evtchn_alloc_xen_port opens a port of d in state
 * interdomain with remote domain DOMID_XEN, notified on vCPU 0: when the
 * guest sends on it, notify(d, ctx) is called (any context, with evtchn
 * locks held: it must only record work and return).  evtchn_xen_notify
 * makes that port pending in d, as a send from the other end would.
 * Returns the port or a negative errno.
 */
int evtchn_alloc_xen_port(struct domain *d, void (*notify)(struct domain *d, void *ctx), void *ctx);
int evtchn_xen_notify(struct domain *d, evtchn_port_t port);

/*
 * Ports with a peer whose events the hypervisor consumes (evtchn_consumed.c;
 * the ioreq servers' per-vCPU ports, hvm/ioreq.c).  evtchn_alloc_consumed
 * opens a port of d, unbound for remote_dom to bind with an ordinary
 * bind_interdomain, notifying vCPU vcpu; an event the peer sends there
 * calls the consumer's function (registered once at boot with
 * evtchn_set_consumer; any context, d's evtchn lock held: it must only
 * wake vCPUs) instead of becoming pending in d.  evtchn_consumed_send
 * raises the event at the peer (nothing while unbound); d's guest can
 * neither send on, close nor rebind the port.  evtchn_consumed_close
 * closes it (the peer's port goes back to unbound, as for any close).
 */
enum { EVTCHN_CONSUMER_NONE, EVTCHN_CONSUMER_IOREQ, EVTCHN_CONSUMER_NR };
typedef void (*evtchn_consumer_fn)(struct domain *d, evtchn_port_t port);
void evtchn_set_consumer(unsigned id, evtchn_consumer_fn fn);
int evtchn_alloc_consumed(struct domain *d, uint16_t remote_dom, unsigned vcpu, unsigned consumer);
int evtchn_consumed_send(struct domain *d, evtchn_port_t port);
int evtchn_consumed_close(struct domain *d, evtchn_port_t port);

/* SCHEDOP_poll support: whether 'port' of d is valid and pending (masked or
 * not).  -EINVAL for a port that does not exist. */
int evtchn_port_pending(struct domain *d, evtchn_port_t port);
/* The same for SCHEDOP_poll's list, under one lock: in list order, -EINVAL
 * at the first port that does not exist, 1 at the first pending one (the
 * ports after it are not looked at, as Xen's poll returns there), 0 when
 * none of the n is pending (n == 0 included). */
int evtchn_ports_pending(struct domain *d, const evtchn_port_t *ports, unsigned n);

/* Per-kind delivery, implemented outside this subsystem (hvm/evtchn_upcall.c
 * for HVM and PVH): v's evtchn_upcall_pending was just set (it was 0).  Also
 * wakes v if it is blocked (pollers are woken separately, through
 * evtchn_arch_wake_poller).  Any context. */
void evtchn_arch_upcall(struct vcpu *v);
/* v is blocked in SCHEDOP_poll (v->polling): wake it (it re-checks its
 * ports itself).  Called for every polling vCPU of a domain on any event of
 * that domain, masked or not.  Any context. */
void evtchn_arch_wake_poller(struct vcpu *v);

/* For tests and the debug key: open ports of d by state. */
struct evtchn_stats { unsigned open, interdomain, virq, ipi, unbound, pending, max_ports; bool fifo; };
void evtchn_get_stats(struct domain *d, struct evtchn_stats *out);
/* Debug key 'e' (evtchn_dump.c): d's open ports, a line each. */
void evtchn_dump_domain(struct domain *d);

#endif
