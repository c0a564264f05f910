/*
 * ioreq servers (ioreq.h, docs/ioreq.md): the dm_op calls a device model
 * makes on an HVM domain, its shared page through XENMEM_acquire_resource,
 * and the forwarding of the guest's port accesses to it.
 *
 * A server is a slot of d->ioreq->srv (its ioservid is the index).  At
 * creation it gets its synchronous page (a frame owned by d, one 32-byte
 * slot per vCPU) and a hypervisor-consumed event channel per vCPU (evtchn.h)
 * left unbound for the device model's domain; the slots' vp_eport say
 * which.  A port access inside an enabled server's PORT range is written
 * into the vCPU's slot (state READY last), the port raised, and the vCPU
 * blocks; the device model's answer (IORESP_READY, then an event on the
 * port) wakes it, and before it enters its guest again the run loop takes
 * the data (hvm_ioreq_complete).  A server destroyed meanwhile (or a device
 * model that never answers, then its server or the domain destroyed)
 * releases it: a read then returns all ones, as an empty bus would.
 *
 * Every dm_op argument is checked before use, with Xen's errnos; the slot
 * state the device model writes is read once and anything but
 * INPROCESS/READY/IORESP_READY crashes the target domain (Xen does the
 * same: the guest cannot be given an answer nobody gave).
 */
#include "hvm/ioreq.h"
#include "hvm/hvm.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "core/domcfg.h"
#include "core/spinlock.h"
#include "core/console.h"
#include "evtchn/evtchn.h"
#include "mm/mm.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "public/dm_op.h"

#define IOREQ_SLOTS_PER_PAGE    (PAGE_SIZE / sizeof(struct ioreq))
_Static_assert(MAX_VCPUS <= IOREQ_SLOTS_PER_PAGE, "one synchronous page holds every vCPU's slot");

struct ioreq_range {
    uint64_t start, end;            /* inclusive */
    uint32_t type;                  /* XEN_DMOP_IO_RANGE_PORT or _MEMORY */
};

struct ioreq_server {
    bool used, enabled;
    uint16_t emulator;              /* domid of the device model that created it */
    uint32_t gen;                   /* bumped at destroy: a waiter of an older one is released */
    struct ioreq *page;             /* the synchronous page (owned by d) */
    uint64_t mfn;
    unsigned nr_ports;              /* ports[0, nr_ports) were opened */
    evtchn_port_t port[MAX_VCPUS];  /* per-vCPU, hypervisor-consumed, unbound for 'emulator' */
    unsigned nr_ranges;
    struct ioreq_range range[IOREQ_MAX_RANGES];
};

struct ioreq_domain {
    spinlock_t lock;                /* everything below; a leaf (the allocator inside) */
    struct ioreq_server srv[IOREQ_MAX_SERVERS];
};

/* ---- the device model's events ---- */

/* A device model sent on one of d's server ports (evtchn lock held): wake
 * d's waiting vCPUs; each looks at its own slot before it enters. */
static void ioreq_event(struct domain *d, evtchn_port_t port)
{
    (void)port;
    for (unsigned i = 0; i < d->nr_vcpus && i < MAX_VCPUS; i++) {
        struct vcpu *v = d->vcpus[i];
        if (v && __atomic_load_n(&v->ioreq_srv, __ATOMIC_ACQUIRE))
            hvm_vcpu_kick(v);
    }
}

void hvm_ioreq_init(void)
{
    evtchn_set_consumer(EVTCHN_CONSUMER_IOREQ, ioreq_event);
}

/* ---- servers ---- */

static struct ioreq_domain *ioreq_of(struct domain *d, bool create)
{
    struct ioreq_domain *io = __atomic_load_n(&d->ioreq, __ATOMIC_ACQUIRE);
    if (io || !create)
        return io;
    io = xzalloc(sizeof(*io), HEAP_HVM);
    if (!io)
        return NULL;
    /* Zeroed: the lock is SPINLOCK_INIT. */
    struct ioreq_domain *expect = NULL;
    if (!__atomic_compare_exchange_n(&d->ioreq, &expect, io, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        xfree(io);
        io = expect;
    }
    return io;
}

/* Frees what a server holds (its slot no longer used, lock not held). */
static void server_release(struct domain *d, uint64_t mfn, void *page, const evtchn_port_t *ports, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        (void)evtchn_consumed_close(d, ports[i]);
    /* Still mapped by the device model: an orphan, freed at its last unmap. */
    if (page)
        (void)free_domain_pages(mfn, 0, d->domid);
}

static int create_server(struct domain *d, uint16_t emulator, struct xen_dm_op_create_ioreq_server *c)
{
    if (c->pad[0] || c->pad[1] || c->pad[2] || c->handle_bufioreq > HVM_IOREQSRV_BUFIOREQ_ATOMIC)
        return -EINVAL;
    if (c->handle_bufioreq != HVM_IOREQSRV_BUFIOREQ_OFF)
        return -EOPNOTSUPP;             /* no buffered ring here (docs/ioreq.md) */
    struct ioreq_domain *io = ioreq_of(d, true);
    if (!io)
        return -ENOMEM;

    /* Page and ports first, outside the lock (the event channels take
     * their own); then a free slot, or everything undone. */
    struct ioreq *page = alloc_pages(0, d->domid);
    if (!page)
        return -ENOMEM;
    uint64_t mfn = virt_to_phys(page) >> PAGE_SHIFT;
    evtchn_port_t ports[MAX_VCPUS];
    unsigned n = 0, nv = d->nr_vcpus < MAX_VCPUS ? d->nr_vcpus : MAX_VCPUS;
    int rc = 0;
    for (; n < nv; n++) {
        int p = evtchn_alloc_consumed(d, emulator, n, EVTCHN_CONSUMER_IOREQ);
        if (p < 0) {
            rc = p;
            break;
        }
        ports[n] = (evtchn_port_t)p;
        page[n].vp_eport = (uint32_t)p;
    }
    int id = -ENOSPC;
    if (!rc) {
        uint64_t f = spin_lock_irqsave(&io->lock);
        for (unsigned i = 0; i < IOREQ_MAX_SERVERS && id < 0; i++) {
            struct ioreq_server *s = &io->srv[i];
            if (s->used)
                continue;
            uint32_t gen = s->gen;
            memset(s, 0, sizeof(*s));
            s->gen = gen;
            s->used = true;
            s->emulator = emulator;
            s->page = page;
            s->mfn = mfn;
            s->nr_ports = n;
            memcpy(s->port, ports, n * sizeof(ports[0]));
            id = (int)i;
        }
        spin_unlock_irqrestore(&io->lock, f);
        rc = id < 0 ? id : 0;
    }
    if (rc) {
        server_release(d, mfn, page, ports, n);
        return rc;
    }
    c->id = (ioservid_t)id;
    domain_log(d, LOG_INFO, "ioreq server %d created by d%u (page mfn %#lx, %u vCPU port(s))\n", id, emulator,
               (unsigned long)mfn, n);
    return 0;
}

/* The server id names for emulator, lock held: NULL and *rc otherwise. */
static struct ioreq_server *server_get(struct ioreq_domain *io, unsigned id, uint16_t emulator, int *rc)
{
    if (!io || id >= IOREQ_MAX_SERVERS || !io->srv[id].used) {
        *rc = -ENOENT;
        return NULL;
    }
    if (io->srv[id].emulator != emulator) {
        *rc = -EPERM;
        return NULL;
    }
    return &io->srv[id];
}

static bool overlaps(const struct ioreq_range *r, uint32_t type, uint64_t start, uint64_t end)
{
    return r->type == type && r->start <= end && start <= r->end;
}

static int map_range(struct domain *d, uint16_t emulator, const struct xen_dm_op_ioreq_server_range *r, bool map)
{
    struct ioreq_domain *io = ioreq_of(d, false);
    int rc = 0;

    if (r->pad)
        return -EINVAL;
    if (!io)
        return -ENOENT;
    uint64_t f = spin_lock_irqsave(&io->lock);
    struct ioreq_server *s = server_get(io, r->id, emulator, &rc);
    if (!s)
        goto out;
    if (r->start > r->end || (r->type == XEN_DMOP_IO_RANGE_PORT && r->end > 0xffff)) {
        rc = -EINVAL;
        goto out;
    }
    if (r->type == XEN_DMOP_IO_RANGE_PCI) {
        rc = -EOPNOTSUPP;       /* PCI config space is the hypervisor's (hvm/vpci.c) */
        goto out;
    }
    if (r->type != XEN_DMOP_IO_RANGE_PORT && r->type != XEN_DMOP_IO_RANGE_MEMORY) {
        rc = -EINVAL;
        goto out;
    }
    if (!map) {
        /* The range exactly as it was mapped. */
        rc = -ENOENT;
        for (unsigned i = 0; i < s->nr_ranges; i++) {
            struct ioreq_range *x = &s->range[i];
            if (x->type == r->type && x->start == r->start && x->end == r->end) {
                *x = s->range[--s->nr_ranges];
                rc = 0;
                break;
            }
        }
        goto out;
    }
    /* Overlapping any server's range of the domain: -EEXIST (Xen refuses
     * an overlap within a server; across servers it lets the first one
     * win -- here one owner per address, so nothing depends on order). */
    for (unsigned k = 0; k < IOREQ_MAX_SERVERS; k++)
        for (unsigned i = 0; io->srv[k].used && i < io->srv[k].nr_ranges; i++)
            if (overlaps(&io->srv[k].range[i], r->type, r->start, r->end)) {
                rc = -EEXIST;
                goto out;
            }
    if (s->nr_ranges >= IOREQ_MAX_RANGES) {
        rc = -ENOSPC;
        goto out;
    }
    s->range[s->nr_ranges++] = (struct ioreq_range){ r->start, r->end, r->type };
out:
    spin_unlock_irqrestore(&io->lock, f);
    return rc;
}

static int set_state(struct domain *d, uint16_t emulator, const struct xen_dm_op_set_ioreq_server_state *st)
{
    struct ioreq_domain *io = ioreq_of(d, false);
    int rc = 0;

    if (st->pad)
        return -EINVAL;
    if (!io)
        return -ENOENT;
    uint64_t f = spin_lock_irqsave(&io->lock);
    struct ioreq_server *s = server_get(io, st->id, emulator, &rc);
    if (s)
        s->enabled = st->enabled != 0;
    spin_unlock_irqrestore(&io->lock, f);
    return rc;
}

/* Wake every vCPU of d that waits on a server (the released ones see the
 * generation change and go on). */
static void kick_waiters(struct domain *d)
{
    for (unsigned i = 0; i < d->nr_vcpus && i < MAX_VCPUS; i++) {
        struct vcpu *v = d->vcpus[i];
        if (v && __atomic_load_n(&v->ioreq_srv, __ATOMIC_ACQUIRE))
            hvm_vcpu_kick(v);
    }
}

static int destroy_server(struct domain *d, uint16_t emulator, const struct xen_dm_op_destroy_ioreq_server *ds)
{
    struct ioreq_domain *io = ioreq_of(d, false);
    evtchn_port_t ports[MAX_VCPUS];
    int rc = 0;

    if (ds->pad)
        return -EINVAL;
    if (!io)
        return -ENOENT;
    uint64_t f = spin_lock_irqsave(&io->lock);
    struct ioreq_server *s = server_get(io, ds->id, emulator, &rc);
    uint64_t mfn = 0;
    void *page = NULL;
    unsigned n = 0;
    if (s) {
        mfn = s->mfn;
        page = s->page;
        n = s->nr_ports;
        memcpy(ports, s->port, n * sizeof(ports[0]));
        s->used = s->enabled = false;
        s->page = NULL;
        s->gen++;
    }
    spin_unlock_irqrestore(&io->lock, f);
    if (!s)
        return rc;
    server_release(d, mfn, page, ports, n);
    kick_waiters(d);
    domain_log(d, LOG_INFO, "ioreq server %u destroyed by d%u\n", ds->id, emulator);
    return 0;
}

static int get_info(struct domain *d, uint16_t emulator, struct xen_dm_op_get_ioreq_server_info *gi)
{
    struct ioreq_domain *io = ioreq_of(d, false);
    int rc = 0;

    if (gi->flags & ~XEN_DMOP_no_gfns)
        return -EINVAL;
    if (!io)
        return -ENOENT;
    uint64_t f = spin_lock_irqsave(&io->lock);
    struct ioreq_server *s = server_get(io, gi->id, emulator, &rc);
    spin_unlock_irqrestore(&io->lock, f);
    if (!s)
        return rc;
    /* The legacy way (the pages placed in the guest's own physmap) is not
     * offered: frames through XENMEM_acquire_resource only. */
    if (!(gi->flags & XEN_DMOP_no_gfns))
        return -EOPNOTSUPP;
    gi->bufioreq_port = 0;      /* no buffered ring */
    return 0;
}

/* ---- XENMEM_acquire_resource ---- */

unsigned hvm_ioreq_max_frames(struct domain *t)
{
    return t->type == DOMCFG_HVM ? 2 : 0;       /* the buffered frame and one synchronous page */
}

int hvm_ioreq_get_frame(struct domain *c, struct domain *t, unsigned id, uint64_t frame, uint64_t *mfn)
{
    if (t->type != DOMCFG_HVM)
        return -EINVAL;
    struct ioreq_domain *io = ioreq_of(t, false);
    int rc = 0;
    if (!io)
        return -ENOENT;
    uint64_t f = spin_lock_irqsave(&io->lock);
    struct ioreq_server *s = server_get(io, id, c->domid, &rc);
    if (s) {
        if (frame == XENMEM_resource_ioreq_server_frame_bufioreq)
            rc = -ENOENT;       /* no buffered ring */
        else if (frame != XENMEM_resource_ioreq_server_frame_ioreq(0))
            rc = -EINVAL;
        else
            *mfn = s->mfn;
    }
    spin_unlock_irqrestore(&io->lock, f);
    return rc;
}

/* ---- forwarding ---- */

static uint8_t slot_state(const struct ioreq *q)
{
    return IOREQ_BITS_STATE(__atomic_load_n(&q->bits, __ATOMIC_ACQUIRE));
}

bool hvm_ioreq_forward_pio(struct vcpu *v, uint16_t port, bool in, unsigned size, uint32_t val)
{
    struct domain *d = v->domain;
    struct ioreq_domain *io = __atomic_load_n(&d->ioreq, __ATOMIC_ACQUIRE);
    if (!io)
        return false;
    uint64_t last = (uint64_t)port + size - 1;
    evtchn_port_t notify = 0;
    bool bad = false;
    unsigned bad_state = 0;

    uint64_t f = spin_lock_irqsave(&io->lock);
    for (unsigned k = 0; k < IOREQ_MAX_SERVERS && !notify && !bad; k++) {
        struct ioreq_server *s = &io->srv[k];
        if (!s->used || !s->enabled || v->vcpu_id >= s->nr_ports)
            continue;
        for (unsigned i = 0; i < s->nr_ranges; i++) {
            const struct ioreq_range *r = &s->range[i];
            if (r->type != XEN_DMOP_IO_RANGE_PORT || port < r->start || last > r->end)
                continue;
            struct ioreq *q = &s->page[v->vcpu_id];
            if ((bad_state = slot_state(q)) != STATE_IOREQ_NONE) {
                bad = true;     /* the device model left the slot busy */
                break;
            }
            q->addr = port;
            q->data = in ? 0 : val;
            q->count = 1;
            q->size = size;
            q->vp_eport = s->port[v->vcpu_id];
            q->type = IOREQ_TYPE_PIO;
            v->ioreq_in = in;
            v->ioreq_size = (uint8_t)size;
            v->ioreq_gen = s->gen;
            __atomic_store_n(&v->ioreq_srv, (uint8_t)(k + 1), __ATOMIC_RELEASE);
            /* The request is whole before the device model can see READY. */
            __atomic_store_n(&q->bits, (uint8_t)(STATE_IOREQ_READY | (in ? IOREQ_READ : IOREQ_WRITE)
                                                                          << IOREQ_BITS_DIR_SHIFT),
                             __ATOMIC_RELEASE);
            notify = s->port[v->vcpu_id];
            v->ioreq_forwarded++;
            break;
        }
    }
    spin_unlock_irqrestore(&io->lock, f);
    if (bad) {
        domain_crash(d, "v%u: ioreq slot for port %#x busy (the device model left state %u)", v->vcpu_id, port,
                     bad_state);
        return true;
    }
    if (!notify)
        return false;
    (void)evtchn_consumed_send(d, notify);
    return true;
}

int hvm_ioreq_complete(struct vcpu *v)
{
    struct domain *d = v->domain;
    struct ioreq_domain *io = __atomic_load_n(&d->ioreq, __ATOMIC_ACQUIRE);
    unsigned k = __atomic_load_n(&v->ioreq_srv, __ATOMIC_ACQUIRE) - 1u;
    uint64_t data = ~0ull;          /* the server went: as an empty bus */
    uint8_t st = STATE_IORESP_READY;

    if (io && k < IOREQ_MAX_SERVERS) {
        uint64_t f = spin_lock_irqsave(&io->lock);
        struct ioreq_server *s = &io->srv[k];
        if (s->used && s->gen == v->ioreq_gen) {
            struct ioreq *q = &s->page[v->vcpu_id];
            st = slot_state(q);
            if (st == STATE_IORESP_READY) {
                data = __atomic_load_n(&q->data, __ATOMIC_RELAXED);
                __atomic_store_n(&q->bits, (uint8_t)STATE_IOREQ_NONE, __ATOMIC_RELEASE);
            }
        }
        spin_unlock_irqrestore(&io->lock, f);
    }
    if (st == STATE_IOREQ_READY || st == STATE_IOREQ_INPROCESS)
        return 0;                   /* not answered yet */
    __atomic_store_n(&v->ioreq_srv, 0, __ATOMIC_RELEASE);
    if (st != STATE_IORESP_READY) {
        domain_crash(d, "v%u: the device model set ioreq state %u", v->vcpu_id, (unsigned)st);
        return -1;
    }
    if (v->ioreq_in) {
        unsigned size = v->ioreq_size;
        uint64_t mask = 0xffffffffull >> (32 - 8 * size);
        if (size == 4)
            v->regs.rax = (uint32_t)data;       /* 32-bit results zero-extend into RAX */
        else
            v->regs.rax = (v->regs.rax & ~mask) | (data & mask);
    }
    return 1;
}

void hvm_ioreq_domain_destroy(struct domain *d)
{
    struct ioreq_domain *io = d->ioreq;
    if (!io)
        return;
    /* No vCPU runs; the ports go with the event channels' teardown. */
    for (unsigned k = 0; k < IOREQ_MAX_SERVERS; k++)
        if (io->srv[k].used && io->srv[k].page)
            (void)free_domain_pages(io->srv[k].mfn, 0, d->domid);
    d->ioreq = NULL;
    xfree(io);
}

/* ---- HYPERVISOR_dm_op ---- */

#define DMOP_MAX_BUFS   2           /* as Xen */

static const uint8_t op_size[XEN_DMOP_NR_KNOWN] = {
    [XEN_DMOP_create_ioreq_server] = sizeof(struct xen_dm_op_create_ioreq_server),
    [XEN_DMOP_get_ioreq_server_info] = sizeof(struct xen_dm_op_get_ioreq_server_info),
    [XEN_DMOP_map_io_range_to_ioreq_server] = sizeof(struct xen_dm_op_ioreq_server_range),
    [XEN_DMOP_unmap_io_range_from_ioreq_server] = sizeof(struct xen_dm_op_ioreq_server_range),
    [XEN_DMOP_set_ioreq_server_state] = sizeof(struct xen_dm_op_set_ioreq_server_state),
    [XEN_DMOP_destroy_ioreq_server] = sizeof(struct xen_dm_op_destroy_ioreq_server),
};

long dm_op(struct vcpu *v, uint64_t domid, uint64_t nr_bufs, uint64_t bufs)
{
    struct xen_dm_op_buf b[DMOP_MAX_BUFS];
    struct xen_dm_op op;

    if (nr_bufs > DMOP_MAX_BUFS)
        return -E2BIG;
    memset(b, 0, sizeof(b));
    if (nr_bufs && copy_from_guest(v, b, bufs, nr_bufs * sizeof(b[0])))
        return -EFAULT;
    /* Another domain, existing, HVM, and the caller the control domain. */
    if ((uint16_t)domid == DOMID_SELF)
        return -EPERM;          /* as Xen: a remote domain only */
    /* Any domain that still exists, as Xen: a device model talks to a
     * paused or shut-down domain too (domain_get_any: not one being
     * destroyed). */
    struct domain *t = domain_get_any((uint16_t)domid);
    if (!t)
        return -ESRCH;
    long rc;
    if (t == v->domain)
        rc = -EPERM;            /* as Xen: a remote domain only */
    else if (t->type != DOMCFG_HVM)
        rc = -EINVAL;           /* PV and PVH: no emulated I/O to forward */
    else if (!domain_is_privileged(v->domain))
        rc = -EPERM;
    else if (b[0].size < XEN_DMOP_HDR_SIZE)
        rc = -EFAULT;
    else if (copy_from_guest(v, &op, b[0].h, XEN_DMOP_HDR_SIZE))
        rc = -EFAULT;
    else if (op.op >= XEN_DMOP_NR_KNOWN || !op_size[op.op])
        rc = -EOPNOTSUPP;
    else if (b[0].size < XEN_DMOP_HDR_SIZE + (uint64_t)op_size[op.op])
        rc = -EFAULT;
    else if (copy_from_guest(v, &op.u, b[0].h + XEN_DMOP_HDR_SIZE, op_size[op.op]))
        rc = -EFAULT;
    else if (op.pad)
        rc = -EINVAL;
    else
        rc = 0;
    if (rc)
        goto out;
    uint16_t em = v->domain->domid;
    bool out = false;
    switch (op.op) {
    case XEN_DMOP_create_ioreq_server:
        rc = create_server(t, em, &op.u.create_ioreq_server);
        out = true;
        break;
    case XEN_DMOP_get_ioreq_server_info:
        rc = get_info(t, em, &op.u.get_ioreq_server_info);
        out = true;
        break;
    case XEN_DMOP_map_io_range_to_ioreq_server:
        rc = map_range(t, em, &op.u.map_io_range_to_ioreq_server, true);
        break;
    case XEN_DMOP_unmap_io_range_from_ioreq_server:
        rc = map_range(t, em, &op.u.unmap_io_range_from_ioreq_server, false);
        break;
    case XEN_DMOP_set_ioreq_server_state:
        rc = set_state(t, em, &op.u.set_ioreq_server_state);
        break;
    default:
        rc = destroy_server(t, em, &op.u.destroy_ioreq_server);
        break;
    }
    if (!rc && out && copy_to_guest(v, b[0].h + XEN_DMOP_HDR_SIZE, &op.u, op_size[op.op]))
        rc = -EFAULT;
out:
    domain_put(t);
    return rc;
}
