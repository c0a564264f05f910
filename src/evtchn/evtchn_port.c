/*
 * Event channels: the port table (lazily allocated buckets of ports, the
 * lowest-free-port search, lookup) and a domain's event-channel state set-up.
 * The operations on ports are in evtchn.c, which holds the lock order; every
 * function here that touches a port says which lock it needs.
 */
#include "evtchn/evtchn_private.h"
#include "lib/errno.h"
#include "mm/mm.h"

/* ---- ports ---- */

static struct evtchn_port *bucket_new(void)
{
    struct evtchn_port *b = xzalloc(sizeof(*b) * EVTCHN_BUCKET_PORTS, HEAP_EVTCHN);
    unsigned i;

    for (i = 0; b && i < EVTCHN_BUCKET_PORTS; i++)
        b[i].priority = b[i].last_priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
    return b;
}

/* Give ed a spare bucket; called with no evtchn lock held. */
int evtchn_stock_spare(struct evtchn_domain *ed)
{
    struct evtchn_port *b = bucket_new();
    uint64_t f;

    if (!b)
        return -ENOMEM;
    f = spin_lock_irqsave(&ed->lock);
    if (!ed->spare) {
        ed->spare = b;
        b = NULL;
    }
    spin_unlock_irqrestore(&ed->lock, f);
    if (b)
        xfree(b);
    return 0;
}

/* Lowest free port, -ENOSPC, or -EAGAIN when it lies in a bucket not yet
 * allocated and there is no spare (the caller drops its locks, calls
 * stock_spare and starts over).  ed->lock held. */
int evtchn_port_alloc(struct evtchn_domain *ed)
{
    unsigned port, limit = evtchn_port_limit(ed);

    for (port = 1; port < limit; port++) {
        struct evtchn_port **b = &ed->buckets[port / EVTCHN_BUCKET_PORTS];
        struct evtchn_port *chn;

        if (!*b) {
            if (!ed->spare)
                return -EAGAIN;
            *b = ed->spare;
            ed->spare = NULL;
            return (int)port;
        }
        chn = &(*b)[port % EVTCHN_BUCKET_PORTS];
        if (chn->state == EVTCHNSTAT_closed && !(ed->fifo && evtchn_fifo_is_busy(ed, port)))
            return (int)port;
    }
    return -ENOSPC;
}

struct evtchn_port *evtchn_port_setup(struct evtchn_domain *ed, evtchn_port_t port, unsigned state,
                                      unsigned vcpu)
{
    struct evtchn_port *chn = evtchn_port_ptr(ed, port);

    chn->state = (uint8_t)state;
    chn->notify_vcpu = (uint16_t)vcpu;
    chn->xen = false;
    chn->consumer = 0;
    chn->carry = false;
    chn->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
    __builtin_memset(&chn->u, 0, sizeof(chn->u));
    return chn;
}

/* Run claim(ed, ctx) under ed->lock; it returns a port it took with
 * port_alloc, or a negative errno.  -EAGAIN from port_alloc (a new bucket is
 * needed) is handled here: stock a spare with the lock dropped and retry. */
int evtchn_claim_port(struct evtchn_domain *ed, int (*claim)(struct evtchn_domain *ed, void *ctx), void *ctx)
{
    for (;;) {
        uint64_t f = spin_lock_irqsave(&ed->lock);
        int port = claim(ed, ctx);
        spin_unlock_irqrestore(&ed->lock, f);
        if (port != -EAGAIN)
            return port;
        if (evtchn_stock_spare(ed))
            return -ENOMEM;
    }
}

/* The open port 'port' of ed, or NULL (port 0, out of range, closed). */
struct evtchn_port *evtchn_port_open(struct evtchn_domain *ed, evtchn_port_t port)
{
    struct evtchn_port *chn;

    if (port == 0 || port >= evtchn_port_limit(ed))
        return NULL;
    chn = evtchn_port_ptr(ed, port);
    return chn && chn->state != EVTCHNSTAT_closed ? chn : NULL;
}

/* ---- domains ---- */

void evtchn_free_vcpus(struct domain *d)
{
    unsigned i;

    for (i = 0; i < MAX_VCPUS; i++) {
        if (d->vcpus[i] && d->vcpus[i]->evtchn) {
            xfree(d->vcpus[i]->evtchn);
            d->vcpus[i]->evtchn = NULL;
        }
    }
}

int evtchn_domain_init(struct domain *d, unsigned max_ports)
{
    static const spinlock_t unlocked = SPINLOCK_INIT;
    struct evtchn_domain *ed;
    unsigned i, q;

    if (max_ports == 0)
        max_ports = EVTCHN_DEFAULT_MAX_PORTS;
    if (max_ports > EVTCHN_FIFO_NR_CHANNELS - 1)
        max_ports = EVTCHN_FIFO_NR_CHANNELS - 1;
    ed = xzalloc(sizeof(*ed), HEAP_EVTCHN);
    if (!ed)
        return -ENOMEM;
    ed->lock = unlocked;
    ed->d = d;
    ed->max_ports = max_ports;
    ed->nr_buckets = (max_ports + EVTCHN_BUCKET_PORTS) / EVTCHN_BUCKET_PORTS;
    ed->buckets = xzalloc(sizeof(*ed->buckets) * ed->nr_buckets, HEAP_EVTCHN);
    if (!ed->buckets)
        goto fail;
    for (i = 0; i < d->nr_vcpus && i < MAX_VCPUS; i++) {
        if (!d->vcpus[i])
            continue;
        d->vcpus[i]->evtchn = xzalloc(sizeof(struct evtchn_vcpu), HEAP_EVTCHN);
        if (!d->vcpus[i]->evtchn)
            goto fail;
        for (q = 0; q < EVTCHN_FIFO_MAX_QUEUES; q++)
            d->vcpus[i]->evtchn->queue[q].lock = unlocked;
    }
    __atomic_store_n(&d->evtchn, ed, __ATOMIC_RELEASE);
    return 0;
fail:
    evtchn_free_vcpus(d);
    if (ed->buckets)
        xfree(ed->buckets);
    xfree(ed);
    return -ENOMEM;
}

