/*
 * Event channels: the event_channel_op operations, hypervisor-raised
 * events and domain tear-down.  The port table and a domain's set-up are in
 * evtchn_port.c; the ABI-specific parts (where the pending/mask state lives
 * in guest memory) in evtchn_2l.c and evtchn_fifo.c.  See
 * docs/event-channels.md.
 *
 * Lock order (outermost first):
 *   evtchn_global_lock          plain spin_lock; hypercall/destroy context
 *                               only.  Held by everything that creates or
 *                               breaks an interdomain link (bind_interdomain,
 *                               close, reset, destroy), so a link changes
 *                               only under it and both ends' locks.
 *   evtchn_domain.lock          always _irqsave (VIRQs are raised from timer
 *                               handlers).  Two domain locks are held at
 *                               once only under the global lock, lower
 *                               domid first.
 *   evtchn_fifo_queue.lock      one at a time, inside a domain lock.
 *   (callees: evtchn_arch_upcall, evtchn_arch_wake_poller, the notify
 *   function of a Xen-bound port; leaves as far as we are concerned)
 *   The p2m lock (physmap_map_ram) and the heap lock are never taken under
 *   an evtchn lock.
 *
 * Sending on an interdomain port never holds two domain locks: the sender
 * reads the link under its own lock, raises the receiver's 'inflight'
 * count, drops its lock, takes the receiver's and checks that the remote
 * port still points back before marking it pending.  Destruction waits for
 * 'inflight' to drain after breaking every link, so the receiver's state
 * outlives every such sender.  Two domains sending to each other on two
 * CPUs thus never wait on each other.
 */
#include "evtchn/evtchn_private.h"
#include "core/guest_access.h"
#include "lib/errno.h"
#include "mm/mm.h"

static spinlock_t evtchn_global_lock = SPINLOCK_INIT;
/* (i) the owner of physical IRQs (evtchn.h), set at boot before any
 * domain exists; NULL: no pirqs. */
static const struct evtchn_pirq_ops *pirq_ops;

void evtchn_set_pirq_ops(const struct evtchn_pirq_ops *ops)
{
    pirq_ops = ops;
}

static bool virq_is_global(unsigned virq)
{
    return !(virq == VIRQ_TIMER || virq == VIRQ_DEBUG || virq == VIRQ_XENOPROF || virq == VIRQ_XENPMU);
}

/* ---- delivery ---- */

static void wake_pollers(struct domain *d)
{
    unsigned i;

    for (i = 0; i < d->nr_vcpus && i < MAX_VCPUS; i++) {
        struct vcpu *v = d->vcpus[i];
        if (v && __atomic_load_n(&v->polling, __ATOMIC_ACQUIRE))
            evtchn_arch_wake_poller(v);
    }
}

/* Mark 'port' of ed pending and notify its vCPU; ed->lock held. */
__hot_path static void deliver(struct evtchn_domain *ed, struct evtchn_port *chn, evtchn_port_t port)
{
    if (unlikely(chn->consumer)) {
        evtchn_consumed_event(ed, chn, port);      /* the hypervisor's, never the guest's */
        return;
    }
    if (ed->fifo)
        evtchn_fifo_set_pending(ed, chn, port);
    else
        evtchn_2l_set_pending(ed, evtchn_vcpu_of(ed->d, chn->notify_vcpu), port);
    wake_pollers(ed->d);
}

static bool port_is_pending(struct evtchn_domain *ed, struct evtchn_port *chn, evtchn_port_t port)
{
    return ed->fifo ? evtchn_fifo_is_pending(ed, chn, port) : evtchn_2l_is_pending(ed, port);
}

static uint64_t lock_pair(struct evtchn_domain *a, struct evtchn_domain *b)
{
    uint64_t f;

    if (a == b)
        return spin_lock_irqsave(&a->lock);
    if (a->d->domid > b->d->domid) {
        struct evtchn_domain *t = a;
        a = b;
        b = t;
    }
    f = spin_lock_irqsave(&a->lock);
    spin_lock(&b->lock);
    return f;
}

static void unlock_pair(struct evtchn_domain *a, struct evtchn_domain *b, uint64_t f)
{
    if (a == b) {
        spin_unlock_irqrestore(&a->lock, f);
        return;
    }
    if (a->d->domid > b->d->domid) {
        struct evtchn_domain *t = a;
        a = b;
        b = t;
    }
    spin_unlock(&b->lock);
    spin_unlock_irqrestore(&a->lock, f);
}

/* ---- operations ---- */

static int claim_unbound(struct evtchn_domain *ed, void *rdom)
{
    int port = evtchn_port_alloc(ed);
    if (port >= 0)
        evtchn_port_setup(ed, (evtchn_port_t)port, EVTCHNSTAT_unbound, 0)->u.unbound_dom = *(uint16_t *)rdom;
    return port;
}

/* A port of a->dom left for a->remote_dom to bind.  a->dom other than the
 * caller: only the control domain may (a toolstack giving a new domain its
 * xenstore and console ports, remote = itself); everyone else gets -EPERM.
 * The reference from domain_get_by_id keeps the target's event channel
 * table alive while the port is claimed; a target already dying frees the
 * port with the rest of its table. */
static int op_alloc_unbound(struct domain *d, struct evtchn_alloc_unbound *a)
{
    struct domain *t = d;

    if (!domain_is_self(d, a->dom)) {
        if (!domain_is_privileged(d))
            return -EPERM;
        if (!(t = domain_get_by_id(a->dom)))
            return -ESRCH;
    }
    /* DOMID_SELF as the remote end is the caller, not the named domain (as
     * Xen: the control domain asks for a port it will bind itself). */
    uint16_t rdom = a->remote_dom == DOMID_SELF ? d->domid : a->remote_dom;
    int port = t->evtchn ? evtchn_claim_port(t->evtchn, claim_unbound, &rdom) : -ESRCH;
    if (t != d)
        domain_put(t);
    if (port < 0)
        return port;
    a->port = (evtchn_port_t)port;
    return 0;
}

static int op_bind_interdomain(struct domain *ld, struct evtchn_bind_interdomain *b)
{
    struct evtchn_domain *led = ld->evtchn, *red;
    uint16_t rdomid = b->remote_dom == DOMID_SELF ? ld->domid : b->remote_dom;
    struct domain *rd = ld;
    struct evtchn_port *lchn, *rchn;
    uint64_t f;
    int port;

    if (rdomid != ld->domid && !(rd = domain_get_by_id(rdomid)))
        return -ESRCH;
    for (;;) {
        spin_lock(&evtchn_global_lock);
        red = rd->evtchn;
        if (!red || red->dying) {
            port = -ESRCH;
            goto unlock_global;
        }
        f = lock_pair(led, red);
        rchn = evtchn_port_open(red, b->remote_port);
        if (!rchn || rchn->state != EVTCHNSTAT_unbound || rchn->u.unbound_dom != ld->domid) {
            port = -EINVAL;
            goto unlock;
        }
        port = evtchn_port_alloc(led);
        if (port < 0)
            goto unlock;
        lchn = evtchn_port_setup(led, (evtchn_port_t)port, EVTCHNSTAT_interdomain, 0);
        lchn->u.inter.rd = rd;
        lchn->u.inter.rport = b->remote_port;
        rchn->state = EVTCHNSTAT_interdomain;
        rchn->u.inter.rd = ld;
        rchn->u.inter.rport = (evtchn_port_t)port;
        /* Sends on the unbound remote port went nowhere: raise one event so
         * that nothing the other side meant to say is lost (Xen does too). */
        deliver(led, lchn, (evtchn_port_t)port);
unlock:
        unlock_pair(led, red, f);
unlock_global:
        spin_unlock(&evtchn_global_lock);
        if (port != -EAGAIN)
            break;
        if (evtchn_stock_spare(led)) {
            port = -ENOMEM;
            break;
        }
    }
    if (rd != ld)
        domain_put(rd);
    if (port < 0)
        return port;
    b->local_port = (evtchn_port_t)port;
    return 0;
}

struct virq_claim {
    struct vcpu *tv;        /* the vCPU whose virq_to_port records it */
    const struct evtchn_bind_virq *b;
};

static int claim_virq(struct evtchn_domain *ed, void *ctx)
{
    struct virq_claim *c = ctx;

    if (c->tv->evtchn->virq_to_port[c->b->virq])
        return -EEXIST;
    int port = evtchn_port_alloc(ed);
    if (port >= 0) {
        evtchn_port_setup(ed, (evtchn_port_t)port, EVTCHNSTAT_virq, c->b->vcpu)->u.virq = c->b->virq;
        c->tv->evtchn->virq_to_port[c->b->virq] = (evtchn_port_t)port;
    }
    return port;
}

static int op_bind_virq(struct domain *d, struct evtchn_bind_virq *b)
{
    struct vcpu *v = evtchn_vcpu_of(d, b->vcpu);

    if (b->virq >= NR_VIRQS)
        return -EINVAL;
    if (!v || !v->evtchn)
        return -ENOENT;
    if (virq_is_global(b->virq) && b->vcpu != 0)
        return -EINVAL;
    struct virq_claim c = { virq_is_global(b->virq) ? evtchn_vcpu_of(d, 0) : v, b };
    int port = evtchn_claim_port(d->evtchn, claim_virq, &c);
    if (port < 0)
        return port;
    b->port = (evtchn_port_t)port;
    return 0;
}

/* IPI ports and Xen-bound ports: no precondition besides a free port. */
struct simple_claim {
    unsigned state, vcpu;
    evtchn_xen_fn fn;       /* Xen-bound: the back end's notify hook, else NULL */
    void *ctx;
};

static int claim_simple(struct evtchn_domain *ed, void *ctx)
{
    struct simple_claim *c = ctx;
    int port = evtchn_port_alloc(ed);

    if (port < 0)
        return port;
    struct evtchn_port *chn = evtchn_port_setup(ed, (evtchn_port_t)port, c->state, c->vcpu);
    if (c->fn) {
        chn->xen = true;
        chn->u.xen.fn = c->fn;
        chn->u.xen.ctx = c->ctx;
    }
    return port;
}

static int alloc_simple(struct domain *d, unsigned state, unsigned vcpu, evtchn_xen_fn fn, void *ctx)
{
    struct simple_claim c = { state, vcpu, fn, ctx };
    return evtchn_claim_port(d->evtchn, claim_simple, &c);
}

static int op_bind_ipi(struct domain *d, struct evtchn_bind_ipi *b)
{
    struct vcpu *v = evtchn_vcpu_of(d, b->vcpu);
    int port;

    if (!v || !v->evtchn)
        return -ENOENT;
    port = alloc_simple(d, EVTCHNSTAT_ipi, b->vcpu, NULL, NULL);
    if (port < 0)
        return port;
    b->port = (evtchn_port_t)port;
    return 0;
}

/* EVTCHNOP_bind_pirq (initial domain only): a port for a pirq dom0 mapped
 * with PHYSDEVOP_map_pirq; the pirq's owner (pirq_ops: pv_pirq.c) lets the
 * source's interrupts through once the port is attached (inside our lock,
 * its own lock nested). */
static int claim_pirq(struct evtchn_domain *ed, void *ctx)
{
    unsigned pirq = *(unsigned *)ctx;
    int port = evtchn_port_alloc(ed);

    if (port < 0)
        return port;
    int rc = pirq_ops->attach(ed->d, pirq, (uint32_t)port);
    if (rc)
        return rc;                  /* the port stays closed */
    evtchn_port_setup(ed, (evtchn_port_t)port, EVTCHNSTAT_pirq, 0)->u.pirq = pirq;
    return port;
}

static int op_bind_pirq(struct domain *d, struct evtchn_bind_pirq *b)
{
    unsigned pirq = b->pirq;

    if (!domain_is_privileged(d))
        return -EPERM;
    if (!pirq_ops || pirq >= pirq_ops->nr_pirqs)
        return -EINVAL;
    int port = evtchn_claim_port(d->evtchn, claim_pirq, &pirq);
    if (port < 0)
        return port;
    b->port = (evtchn_port_t)port;
    return 0;
}

/* Locks of ld (and its peer) held. */
static void close_locked(struct domain *ld, struct evtchn_port *chn, evtchn_port_t port)
{
    struct evtchn_domain *led = ld->evtchn;
    struct vcpu *tv;

    if (chn->state == EVTCHNSTAT_pirq) {
        pirq_ops->detach(ld, chn->u.pirq, port);    /* the source masked again (a pirq port implies ops) */
    } else if (chn->state == EVTCHNSTAT_virq && chn->u.virq < NR_VIRQS) {
        tv = evtchn_vcpu_of(ld, virq_is_global(chn->u.virq) ? 0 : chn->notify_vcpu);
        if (tv && tv->evtchn && tv->evtchn->virq_to_port[chn->u.virq] == port)
            tv->evtchn->virq_to_port[chn->u.virq] = 0;
    } else if (chn->state == EVTCHNSTAT_interdomain && !chn->xen) {
        struct domain *rd = chn->u.inter.rd;
        struct evtchn_port *rchn = evtchn_port_ptr(rd->evtchn, chn->u.inter.rport);
        if (rchn && rchn->state == EVTCHNSTAT_interdomain && !rchn->xen && rchn->u.inter.rd == ld) {
            /* The peer may be bound again by us, as after alloc_unbound. */
            rchn->state = EVTCHNSTAT_unbound;
            __builtin_memset(&rchn->u, 0, sizeof(rchn->u));
            rchn->u.unbound_dom = ld->domid;
        }
    }
    if (led->fifo)
        evtchn_fifo_clear_pending(led, chn, port);
    else
        evtchn_2l_clear_pending(led, port);
    chn->state = EVTCHNSTAT_closed;
    chn->xen = false;
    chn->consumer = 0;
    __builtin_memset(&chn->u, 0, sizeof(chn->u));
}

/* guest: an EVTCHNOP_close (Xen-bound ports are the back end's, -EINVAL;
 * ports beyond the current ABI's limit do not exist).  Otherwise any open
 * port is closed. */
static int close_port(struct domain *ld, evtchn_port_t port, bool guest)
{
    struct evtchn_domain *led = ld->evtchn, *red = led;
    struct evtchn_port *chn;
    uint64_t f;
    int rc = 0;

    spin_lock(&evtchn_global_lock);
    f = spin_lock_irqsave(&led->lock);
    chn = guest ? evtchn_port_open(led, port) : (port ? evtchn_port_ptr(led, port) : NULL);
    if (!chn || chn->state == EVTCHNSTAT_closed || (guest && (chn->xen || chn->consumer))) {
        spin_unlock_irqrestore(&led->lock, f);
        rc = -EINVAL;
        goto out;
    }
    if (chn->state == EVTCHNSTAT_interdomain && !chn->xen && chn->u.inter.rd != ld) {
        /* The link cannot change while we hold the global lock; only the
         * lock order forces us to let go of ours for a moment. */
        red = chn->u.inter.rd->evtchn;
        spin_unlock_irqrestore(&led->lock, f);
        f = lock_pair(led, red);
    }
    close_locked(ld, chn, port);
    unlock_pair(led, red, f);
out:
    spin_unlock(&evtchn_global_lock);
    return rc;
}

static int op_send(struct domain *ld, evtchn_port_t port)
{
    struct evtchn_domain *led = ld->evtchn, *red;
    struct evtchn_port *chn, *rchn;
    struct domain *rd;
    evtchn_port_t rport;
    uint64_t f;
    int rc = 0;

    f = spin_lock_irqsave(&led->lock);
    chn = evtchn_port_open(led, port);
    if (!chn || chn->consumer) {
        rc = -EINVAL;       /* hypervisor-consumed ports: only the hypervisor sends (evtchn_consumed_send) */
    } else if (chn->state == EVTCHNSTAT_ipi) {
        deliver(led, chn, port);
    } else if (chn->state == EVTCHNSTAT_interdomain && chn->xen) {
        chn->u.xen.fn(ld, chn->u.xen.ctx);
    } else if (chn->state == EVTCHNSTAT_interdomain) {
        rd = chn->u.inter.rd;
        rport = chn->u.inter.rport;
        if (rd == ld) {
            rchn = evtchn_port_ptr(led, rport);
            if (rchn)
                deliver(led, rchn, rport);
        } else {
            red = rd->evtchn;
            __atomic_fetch_add(&red->inflight, 1, __ATOMIC_ACQ_REL);
            spin_unlock_irqrestore(&led->lock, f);
            f = spin_lock_irqsave(&red->lock);
            rchn = evtchn_port_ptr(red, rport);
            if (rchn && rchn->state == EVTCHNSTAT_interdomain && !rchn->xen &&
                rchn->u.inter.rd == ld && rchn->u.inter.rport == port)
                deliver(red, rchn, rport);
            spin_unlock_irqrestore(&red->lock, f);
            __atomic_fetch_sub(&red->inflight, 1, __ATOMIC_RELEASE);
            return 0;
        }
    } else if (chn->state != EVTCHNSTAT_unbound) {
        rc = -EINVAL;       /* VIRQ ports are raised by the hypervisor only */
    }
    spin_unlock_irqrestore(&led->lock, f);
    return rc;
}

static int op_status(struct domain *d, struct evtchn_status *s)
{
    struct evtchn_domain *ed = d->evtchn;
    struct evtchn_port *chn;
    uint64_t f;
    int rc = 0;

    if (!domain_is_self(d, s->dom))
        return -EPERM;
    f = spin_lock_irqsave(&ed->lock);
    if (s->port >= evtchn_port_limit(ed)) {
        rc = -EINVAL;
        goto out;
    }
    chn = s->port ? evtchn_port_ptr(ed, s->port) : NULL;
    __builtin_memset(&s->u, 0, sizeof(s->u));
    s->status = chn ? chn->state : EVTCHNSTAT_closed;
    s->vcpu = chn && chn->state != EVTCHNSTAT_closed ? chn->notify_vcpu : 0;
    if (!chn)
        goto out;
    switch (chn->state) {
    case EVTCHNSTAT_unbound:
        s->u.unbound.dom = chn->u.unbound_dom;
        break;
    case EVTCHNSTAT_interdomain:
        if (chn->xen) {
            s->u.interdomain.dom = DOMID_XEN;
        } else {
            s->u.interdomain.dom = chn->u.inter.rd->domid;
            s->u.interdomain.port = chn->u.inter.rport;
        }
        break;
    case EVTCHNSTAT_virq:
        s->u.virq = chn->u.virq;
        break;
    case EVTCHNSTAT_pirq:
        s->u.pirq = chn->u.pirq;
        break;
    }
out:
    spin_unlock_irqrestore(&ed->lock, f);
    return rc;
}

static int op_bind_vcpu(struct domain *d, struct evtchn_bind_vcpu *b)
{
    struct evtchn_domain *ed = d->evtchn;
    struct vcpu *v = evtchn_vcpu_of(d, b->vcpu);
    struct evtchn_port *chn;
    uint64_t f;
    int rc = -EINVAL;

    if (!v || !v->evtchn)
        return -ENOENT;
    f = spin_lock_irqsave(&ed->lock);
    chn = evtchn_port_open(ed, b->port);
    if (chn && !chn->consumer && (chn->state == EVTCHNSTAT_unbound || chn->state == EVTCHNSTAT_interdomain ||
                chn->state == EVTCHNSTAT_pirq ||
                (chn->state == EVTCHNSTAT_virq && virq_is_global(chn->u.virq)))) {
        chn->notify_vcpu = (uint16_t)b->vcpu;
        rc = 0;
    }
    spin_unlock_irqrestore(&ed->lock, f);
    return rc;
}

static int op_unmask(struct domain *d, evtchn_port_t port)
{
    struct evtchn_domain *ed = d->evtchn;
    struct evtchn_port *chn;
    uint64_t f;
    int rc = 0;

    f = spin_lock_irqsave(&ed->lock);
    chn = evtchn_port_open(ed, port);
    if (!chn)
        rc = -EINVAL;
    else if (ed->fifo)
        evtchn_fifo_unmask(ed, chn, port);
    else
        evtchn_2l_unmask(ed, evtchn_vcpu_of(d, chn->notify_vcpu), port);
    spin_unlock_irqrestore(&ed->lock, f);
    return rc;
}

/* EVTCHNOP_reset: every guest port closed, back to the 2-level ABI.  Ports
 * bound to the hypervisor's back ends stay. */
static int op_reset(struct domain *d, struct evtchn_reset *r)
{
    struct evtchn_domain *ed = d->evtchn;
    unsigned port, limit;
    uint64_t f;

    if (!domain_is_self(d, r->dom))
        return -EPERM;
    f = spin_lock_irqsave(&ed->lock);
    limit = evtchn_port_limit(ed);
    spin_unlock_irqrestore(&ed->lock, f);
    for (port = 1; port < limit; port++)
        close_port(d, port, true);      /* -EINVAL for closed and Xen-bound ports: skipped */
    f = spin_lock_irqsave(&ed->lock);
    if (ed->fifo)
        evtchn_fifo_teardown(ed);
    spin_unlock_irqrestore(&ed->lock, f);
    return 0;
}

__hot_path long evtchn_hypercall(struct vcpu *v, unsigned cmd, uint64_t arg)
{
    union {
        struct evtchn_alloc_unbound alloc_unbound;
        struct evtchn_bind_interdomain bind_interdomain;
        struct evtchn_bind_virq bind_virq;
        struct evtchn_bind_ipi bind_ipi;
        struct evtchn_bind_pirq bind_pirq;
        struct evtchn_close close;
        struct evtchn_send send;
        struct evtchn_status status;
        struct evtchn_bind_vcpu bind_vcpu;
        struct evtchn_unmask unmask;
        struct evtchn_reset reset;
        struct evtchn_init_control init_control;
        struct evtchn_expand_array expand_array;
        struct evtchn_set_priority set_priority;
    } u;
    static const uint8_t sizes[] = {
        [EVTCHNOP_bind_interdomain] = sizeof(u.bind_interdomain),
        [EVTCHNOP_bind_virq] = sizeof(u.bind_virq),
        [EVTCHNOP_bind_pirq] = sizeof(u.bind_pirq),
        [EVTCHNOP_close] = sizeof(u.close),
        [EVTCHNOP_send] = sizeof(u.send),
        [EVTCHNOP_status] = sizeof(u.status),
        [EVTCHNOP_alloc_unbound] = sizeof(u.alloc_unbound),
        [EVTCHNOP_bind_ipi] = sizeof(u.bind_ipi),
        [EVTCHNOP_bind_vcpu] = sizeof(u.bind_vcpu),
        [EVTCHNOP_unmask] = sizeof(u.unmask),
        [EVTCHNOP_reset] = sizeof(u.reset),
        [EVTCHNOP_init_control] = sizeof(u.init_control),
        [EVTCHNOP_expand_array] = sizeof(u.expand_array),
        [EVTCHNOP_set_priority] = sizeof(u.set_priority),
    };
    struct domain *d;
    struct evtchn_domain *ed;
    bool out = false;
    long rc;

    /* bind_pirq: the initial domain's physical IRQs only (op_bind_pirq). */
    if (cmd >= ARRAY_SIZE(sizes) || !sizes[cmd])
        return -ENOSYS;
    if (!v || !(d = v->domain) || !(ed = d->evtchn))
        return -ENOSYS;
    __builtin_memset(&u, 0, sizeof(u));
    if (copy_from_guest(v, &u, arg, sizes[cmd]))
        return -EFAULT;

    switch (cmd) {
    case EVTCHNOP_alloc_unbound:    rc = op_alloc_unbound(d, &u.alloc_unbound); out = true; break;
    case EVTCHNOP_bind_interdomain: rc = op_bind_interdomain(d, &u.bind_interdomain); out = true; break;
    case EVTCHNOP_bind_virq:        rc = op_bind_virq(d, &u.bind_virq); out = true; break;
    case EVTCHNOP_bind_ipi:         rc = op_bind_ipi(d, &u.bind_ipi); out = true; break;
    case EVTCHNOP_bind_pirq:        rc = op_bind_pirq(d, &u.bind_pirq); out = true; break;
    case EVTCHNOP_close:            rc = close_port(d, u.close.port, true); break;
    case EVTCHNOP_send:             rc = op_send(d, u.send.port); break;
    case EVTCHNOP_status:           rc = op_status(d, &u.status); out = true; break;
    case EVTCHNOP_bind_vcpu:        rc = op_bind_vcpu(d, &u.bind_vcpu); break;
    case EVTCHNOP_unmask:           rc = op_unmask(d, u.unmask.port); break;
    case EVTCHNOP_reset:            rc = op_reset(d, &u.reset); break;
    case EVTCHNOP_init_control:     rc = evtchn_fifo_init_control(ed, &u.init_control); out = true; break;
    case EVTCHNOP_expand_array:     rc = evtchn_fifo_expand_array(ed, u.expand_array.array_gfn); break;
    default:                        rc = evtchn_fifo_set_priority(ed, u.set_priority.port, u.set_priority.priority); break;
    }
    if (rc == 0 && out && copy_to_guest(v, arg, &u, sizes[cmd]))
        return -EFAULT;
    return rc;
}

void evtchn_deliver(struct evtchn_domain *ed, struct evtchn_port *chn, evtchn_port_t port)
{
    deliver(ed, chn, port);
}

int evtchn_close_any(struct domain *d, evtchn_port_t port)
{
    return close_port(d, port, false);
}

/* ---- hypervisor-raised events ---- */

void evtchn_send_virq(struct vcpu *v, unsigned virq)
{
    struct evtchn_domain *ed;
    struct evtchn_port *chn;
    evtchn_port_t port;
    uint64_t f;

    if (!v || virq >= NR_VIRQS)
        return;
    if (virq_is_global(virq)) {
        evtchn_send_global_virq(v->domain, virq);
        return;
    }
    ed = v->domain->evtchn;
    if (!ed || !v->evtchn)
        return;
    f = spin_lock_irqsave(&ed->lock);
    port = v->evtchn->virq_to_port[virq];
    chn = port ? evtchn_port_ptr(ed, port) : NULL;
    if (chn && chn->state == EVTCHNSTAT_virq)
        deliver(ed, chn, port);
    spin_unlock_irqrestore(&ed->lock, f);
}

void evtchn_send_global_virq(struct domain *d, unsigned virq)
{
    struct evtchn_domain *ed;
    struct evtchn_port *chn;
    struct vcpu *v0;
    evtchn_port_t port;
    uint64_t f;

    if (!d || virq >= NR_VIRQS || !virq_is_global(virq) || !(ed = d->evtchn))
        return;
    v0 = evtchn_vcpu_of(d, 0);
    if (!v0 || !v0->evtchn)
        return;
    f = spin_lock_irqsave(&ed->lock);
    port = v0->evtchn->virq_to_port[virq];
    chn = port ? evtchn_port_ptr(ed, port) : NULL;
    if (chn && chn->state == EVTCHNSTAT_virq)
        deliver(ed, chn, port);
    spin_unlock_irqrestore(&ed->lock, f);
}

void evtchn_send_pirq(struct domain *d, uint32_t port, unsigned pirq)
{
    struct evtchn_domain *ed = d ? d->evtchn : NULL;
    struct evtchn_port *chn;
    uint64_t f;

    if (!ed)
        return;
    f = spin_lock_irqsave(&ed->lock);
    /* Closed or rebound since the pirq's owner read the port: nothing to say. */
    chn = evtchn_port_open(ed, port);
    if (chn && chn->state == EVTCHNSTAT_pirq && chn->u.pirq == pirq)
        deliver(ed, chn, port);
    spin_unlock_irqrestore(&ed->lock, f);
}

int evtchn_alloc_xen_port(struct domain *d, void (*notify)(struct domain *d, void *ctx), void *ctx)
{
    if (!d || !d->evtchn || !notify)
        return -EINVAL;
    return alloc_simple(d, EVTCHNSTAT_interdomain, 0, notify, ctx);
}

int evtchn_xen_notify(struct domain *d, evtchn_port_t port)
{
    struct evtchn_domain *ed = d ? d->evtchn : NULL;
    struct evtchn_port *chn;
    uint64_t f;
    int rc = 0;

    if (!ed)
        return -EINVAL;
    f = spin_lock_irqsave(&ed->lock);
    chn = port ? evtchn_port_ptr(ed, port) : NULL;
    if (chn && chn->state == EVTCHNSTAT_interdomain && chn->xen)
        deliver(ed, chn, port);
    else
        rc = -EINVAL;
    spin_unlock_irqrestore(&ed->lock, f);
    return rc;
}

__hot_path int evtchn_ports_pending(struct domain *d, const evtchn_port_t *ports, unsigned n)
{
    struct evtchn_domain *ed = d ? d->evtchn : NULL;
    uint64_t f;
    int rc = 0;

    if (!ed)
        return n ? -EINVAL : 0;
    f = spin_lock_irqsave(&ed->lock);
    for (unsigned i = 0; i < n && rc == 0; i++) {
        evtchn_port_t port = ports[i];
        if (port == 0 || port >= evtchn_port_limit(ed))
            rc = -EINVAL;
        else
            rc = port_is_pending(ed, evtchn_port_ptr(ed, port), port);
    }
    spin_unlock_irqrestore(&ed->lock, f);
    return rc;
}

__hot_path int evtchn_port_pending(struct domain *d, evtchn_port_t port)
{
    return evtchn_ports_pending(d, &port, 1);
}

void evtchn_get_stats(struct domain *d, struct evtchn_stats *out)
{
    struct evtchn_domain *ed = d ? d->evtchn : NULL;
    unsigned port, limit;
    uint64_t f;

    __builtin_memset(out, 0, sizeof(*out));
    if (!ed)
        return;
    f = spin_lock_irqsave(&ed->lock);
    limit = ed->nr_buckets * EVTCHN_BUCKET_PORTS;
    for (port = 1; port < limit; port++) {
        struct evtchn_port *chn = evtchn_port_ptr(ed, port);
        if (!chn || chn->state == EVTCHNSTAT_closed)
            continue;
        out->open++;
        out->interdomain += chn->state == EVTCHNSTAT_interdomain;
        out->virq += chn->state == EVTCHNSTAT_virq;
        out->ipi += chn->state == EVTCHNSTAT_ipi;
        out->unbound += chn->state == EVTCHNSTAT_unbound;
        out->pending += port_is_pending(ed, chn, port);
    }
    out->max_ports = evtchn_port_limit(ed) - 1;
    out->fifo = ed->fifo;
    spin_unlock_irqrestore(&ed->lock, f);
}

void evtchn_domain_destroy(struct domain *d)
{
    struct evtchn_domain *ed = d->evtchn;
    unsigned port, b;

    if (ed) {
        /* No new links to us from now on; then break the existing ones. */
        spin_lock(&evtchn_global_lock);
        ed->dying = true;
        spin_unlock(&evtchn_global_lock);
        for (port = 1; port < ed->nr_buckets * EVTCHN_BUCKET_PORTS; port++)
            close_port(d, port, false);
        /* Senders that picked up a link before it was broken. */
        while (__atomic_load_n(&ed->inflight, __ATOMIC_ACQUIRE))
            cpu_relax();
        /* A sender may still be inside our lock's release: pass through it. */
        spin_unlock_irqrestore(&ed->lock, spin_lock_irqsave(&ed->lock));
        __atomic_store_n(&d->evtchn, NULL, __ATOMIC_RELEASE);
        for (b = 0; b < ed->nr_buckets; b++)
            if (ed->buckets[b])
                xfree(ed->buckets[b]);
        xfree(ed->buckets);
        if (ed->spare)
            xfree(ed->spare);
        xfree(ed);
    }
    evtchn_free_vcpus(d);
}
