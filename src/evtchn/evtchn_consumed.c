/*
 * Hypervisor-consumed ports (evtchn.h "Ports with a peer whose events the
 * hypervisor consumes"): a port of domain d that another domain binds as an
 * ordinary interdomain port, but whose events the hypervisor takes for d
 * instead of making them pending in d's guest.  The ioreq servers' per-vCPU
 * ports are these (hvm/ioreq.c, docs/ioreq.md): the device model in dom0
 * binds them and sends when an answer is ready; the hypervisor sends on
 * them when a request is.  The guest d cannot send on, close or rebind
 * them (evtchn.c refuses), nor see them pending.
 */
#include "evtchn/evtchn_private.h"
#include "lib/errno.h"

/* (i) set once at boot, before any domain exists. */
static evtchn_consumer_fn consumers[EVTCHN_CONSUMER_NR];

void evtchn_set_consumer(unsigned id, evtchn_consumer_fn fn)
{
    if (id > 0 && id < EVTCHN_CONSUMER_NR)
        consumers[id] = fn;
}

void evtchn_consumed_event(struct evtchn_domain *ed, struct evtchn_port *chn, evtchn_port_t port)
{
    evtchn_consumer_fn fn = chn->consumer < EVTCHN_CONSUMER_NR ? consumers[chn->consumer] : NULL;
    if (fn)
        fn(ed->d, port);
}

struct consumed_claim {
    uint16_t remote;
    unsigned vcpu, consumer;
};

static int claim_consumed(struct evtchn_domain *ed, void *ctx)
{
    struct consumed_claim *c = ctx;
    int port = evtchn_port_alloc(ed);
    if (port >= 0) {
        struct evtchn_port *chn = evtchn_port_setup(ed, (evtchn_port_t)port, EVTCHNSTAT_unbound, c->vcpu);
        chn->u.unbound_dom = c->remote;
        chn->consumer = (uint8_t)c->consumer;
    }
    return port;
}

int evtchn_alloc_consumed(struct domain *d, uint16_t remote_dom, unsigned vcpu, unsigned consumer)
{
    struct consumed_claim c = { remote_dom, vcpu, consumer };

    if (!d || !d->evtchn || consumer == 0 || consumer >= EVTCHN_CONSUMER_NR || !consumers[consumer])
        return -EINVAL;
    return evtchn_claim_port(d->evtchn, claim_consumed, &c);
}

int evtchn_consumed_send(struct domain *d, evtchn_port_t port)
{
    struct evtchn_domain *led = d ? d->evtchn : NULL, *red;
    struct evtchn_port *chn, *rchn;
    uint64_t f;

    if (!led)
        return -EINVAL;
    f = spin_lock_irqsave(&led->lock);
    chn = evtchn_port_open(led, port);
    if (!chn || !chn->consumer) {
        spin_unlock_irqrestore(&led->lock, f);
        return -EINVAL;
    }
    if (chn->state != EVTCHNSTAT_interdomain || chn->u.inter.rd == d) {
        spin_unlock_irqrestore(&led->lock, f);
        return 0;           /* nobody bound it yet: the event goes nowhere, as Xen's */
    }
    /* As an interdomain send (evtchn.c op_send): the peer's lock after
     * ours is dropped; inflight keeps the peer's table alive meanwhile. */
    struct domain *rd = chn->u.inter.rd;
    evtchn_port_t rport = chn->u.inter.rport;
    red = rd->evtchn;
    __atomic_fetch_add(&red->inflight, 1, __ATOMIC_ACQ_REL);
    spin_unlock_irqrestore(&led->lock, f);
    f = spin_lock_irqsave(&red->lock);
    rchn = evtchn_port_ptr(red, rport);
    if (rchn && rchn->state == EVTCHNSTAT_interdomain && !rchn->xen && rchn->u.inter.rd == d &&
        rchn->u.inter.rport == port)
        evtchn_deliver(red, rchn, rport);
    spin_unlock_irqrestore(&red->lock, f);
    __atomic_fetch_sub(&red->inflight, 1, __ATOMIC_RELEASE);
    return 0;
}

int evtchn_consumed_close(struct domain *d, evtchn_port_t port)
{
    struct evtchn_domain *ed = d ? d->evtchn : NULL;
    struct evtchn_port *chn;
    uint64_t f;
    bool ours;

    if (!ed)
        return -EINVAL;
    f = spin_lock_irqsave(&ed->lock);
    chn = evtchn_port_open(ed, port);
    ours = chn && chn->consumer;
    spin_unlock_irqrestore(&ed->lock, f);
    return ours ? evtchn_close_any(d, port) : -EINVAL;
}
