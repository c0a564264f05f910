/*
 * Debug key 'e': every open event channel of every domain, one short line a
 * port: its state, what it is bound to (VIRQ number, IPI, interdomain peer,
 * the hypervisor, who may bind an unbound one), the vCPU it notifies and
 * whether it is pending or masked.
 *
 * The domain lock is an IRQ-off spinlock that event delivery takes, and the
 * serial console is slow (~87 us a byte), so ports are copied out in small
 * batches under the lock and printed after it is dropped: a domain's events
 * are held up for one batch at most, never for the printing.  Pending and
 * masked are snapshots of words the guest writes at any time.
 */
#include "evtchn/evtchn_private.h"
#include "core/console.h"
#include "lib/fmt.h"

#define DUMP_BATCH 16u

static const char *state_name(uint8_t st)
{
    switch (st) {
    case EVTCHNSTAT_unbound: return "unbound";
    case EVTCHNSTAT_interdomain: return "interdomain";
    case EVTCHNSTAT_pirq: return "pirq";
    case EVTCHNSTAT_virq: return "virq";
    case EVTCHNSTAT_ipi: return "ipi";
    default: return "?";
    }
}

size_t evtchn_format_port(char *buf, size_t size, evtchn_port_t port, const struct evtchn_port_snap *s)
{
    int n = 0;

    if (!size)
        return 0;
    buf[0] = 0;
    switch (s->state) {
    case EVTCHNSTAT_closed:
        return 0;
    case EVTCHNSTAT_unbound:
        n = fmt_snprintf(buf, size, "port %u: unbound, for d%u", port, s->peer_dom);
        break;
    case EVTCHNSTAT_interdomain:
        if (s->xen)
            n = fmt_snprintf(buf, size, "port %u: interdomain -> hypervisor", port);
        else
            n = fmt_snprintf(buf, size, "port %u: interdomain -> d%u port %u", port, s->peer_dom, s->peer_port);
        break;
    case EVTCHNSTAT_virq:
        n = fmt_snprintf(buf, size, "port %u: virq %u", port, s->virq);
        break;
    default:
        n = fmt_snprintf(buf, size, "port %u: %s", port, state_name(s->state));
        break;
    }
    if (n < 0 || (size_t)n >= size)
        return size - 1;
    n += fmt_snprintf(buf + n, size - (size_t)n, ", vcpu %u%s%s", s->notify_vcpu,
                      s->pending ? ", pending" : "", s->masked ? ", masked" : "");
    return (size_t)n < size ? (size_t)n : size - 1;
}

static void snap_port(struct evtchn_domain *ed, struct evtchn_port *chn, evtchn_port_t port,
                      struct evtchn_port_snap *s)
{
    *s = (struct evtchn_port_snap){ .state = chn->state, .xen = chn->xen, .notify_vcpu = chn->notify_vcpu };
    if (chn->state == EVTCHNSTAT_unbound)
        s->peer_dom = chn->u.unbound_dom;
    else if (chn->state == EVTCHNSTAT_interdomain && !chn->xen && chn->u.inter.rd) {
        s->peer_dom = chn->u.inter.rd->domid;
        s->peer_port = chn->u.inter.rport;
    } else if (chn->state == EVTCHNSTAT_virq)
        s->virq = chn->u.virq;
    if (ed->fifo) {
        s->pending = evtchn_fifo_is_pending(ed, chn, port);
        s->masked = evtchn_fifo_is_masked(ed, port);
    } else {
        s->pending = evtchn_2l_is_pending(ed, port);
        s->masked = evtchn_2l_is_masked(ed, port);
    }
}

void evtchn_dump_domain(struct domain *d)
{
    struct evtchn_domain *ed = d ? d->evtchn : NULL;
    struct evtchn_port_snap snap[DUMP_BATCH];
    evtchn_port_t ports[DUMP_BATCH];
    evtchn_port_t next = 1;
    unsigned shown = 0;
    char line[120];

    if (!ed) {
        if (d)
            printk(LOG_INFO, "(d%u %s) evtchn: none\n", d->domid, d->name);
        return;
    }
    for (;;) {
        unsigned n = 0;
        uint64_t f = spin_lock_irqsave(&ed->lock);
        unsigned limit = ed->nr_buckets * EVTCHN_BUCKET_PORTS;
        bool fifo = ed->fifo;
        for (; next < limit && n < DUMP_BATCH; next++) {
            struct evtchn_port *chn = evtchn_port_ptr(ed, next);
            if (!chn || chn->state == EVTCHNSTAT_closed)
                continue;
            ports[n] = next;
            snap_port(ed, chn, next, &snap[n++]);
        }
        spin_unlock_irqrestore(&ed->lock, f);
        if (!shown && !n)
            printk(LOG_INFO, "(d%u %s) evtchn (%s): no open ports\n", d->domid, d->name, fifo ? "FIFO" : "2-level");
        for (unsigned i = 0; i < n; i++) {
            evtchn_format_port(line, sizeof(line), ports[i], &snap[i]);
            printk(LOG_INFO, "(d%u %s) evtchn %s\n", d->domid, d->name, line);
        }
        shown += n;
        if (next >= limit)
            break;
    }
}
