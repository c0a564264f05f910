/*
 * FIFO event channel ABI (Xen "FIFO-based event channel ABI" design):
 * one 32-bit event word per port in guest-supplied event-array pages
 * (PENDING, MASKED, LINKED, BUSY and a 17-bit LINK to the next port), and
 * per vCPU a control block with 16 priority queues: READY bit q is set while
 * queue q is non-empty and HEAD[q] is where the guest starts consuming.
 *
 * The hypervisor is the only producer: it appends a port at the tail of its
 * queue by writing the LINK field of the previous tail, or HEAD when the
 * queue is empty.  The guest is the consumer: it clears LINKED (and LINK)
 * of the head word with a compare-and-swap and moves on to LINK.  So a tail
 * word whose LINKED bit is clear has been consumed and the queue is empty.
 *
 * Guest words are only accessed atomically; every loop on them is bounded
 * so a guest hammering its own words cannot stall the hypervisor.
 */
#include "evtchn/evtchn_private.h"
#include "mm/physmap.h"
#include "lib/errno.h"

#define W_PENDING   (1u << EVTCHN_FIFO_PENDING)
#define W_MASKED    (1u << EVTCHN_FIFO_MASKED)
#define W_LINKED    (1u << EVTCHN_FIFO_LINKED)
#define W_BUSY      (1u << EVTCHN_FIFO_BUSY)
#define CAS_TRIES   4
#define PAGE_BYTES  4096u

static event_word_t *fifo_word(struct evtchn_domain *ed, evtchn_port_t port)
{
    unsigned page = port / EVTCHN_FIFO_WORDS_PER_PAGE;

    if (port == 0 || page >= ed->nr_array_pages)
        return NULL;
    return &ed->event_array[page][port % EVTCHN_FIFO_WORDS_PER_PAGE];
}

/* For the debug dump only: a snapshot of the guest's MASKED bit (a port
 * without an event word yet counts as unmasked). */
bool evtchn_fifo_is_masked(struct evtchn_domain *ed, evtchn_port_t port)
{
    event_word_t *w = fifo_word(ed, port);

    return w && (__atomic_load_n(w, __ATOMIC_SEQ_CST) & W_MASKED);
}

static bool cas_word(event_word_t *w, event_word_t *old, event_word_t new)
{
    return __atomic_compare_exchange_n(w, old, new, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/*
 * Point the LINK field of the (old) tail word at 'port'.  False when the
 * tail is no longer LINKED (consumed: the queue is empty).  The guest may
 * be clearing LINKED at the same moment; after a lost race BUSY is set to
 * ask it to hold off, and it is cleared by the successful swap.  If the
 * guest keeps changing the word, the link is abandoned (reported as done):
 * only that guest's own queue suffers.
 */
static bool fifo_set_link(event_word_t *tw, evtchn_port_t port)
{
    event_word_t old = __atomic_load_n(tw, __ATOMIC_SEQ_CST);
    unsigned i;

    for (i = 0; i < CAS_TRIES; i++) {
        if (!(old & W_LINKED)) {
            if (i)
                __atomic_fetch_and(tw, ~W_BUSY, __ATOMIC_SEQ_CST);
            return false;
        }
        if (cas_word(tw, &old, (old & ~(EVTCHN_FIFO_LINK_MASK | W_BUSY)) | port))
            return true;
        if (i == 0)
            old = __atomic_or_fetch(tw, W_BUSY, __ATOMIC_SEQ_CST);
    }
    __atomic_fetch_and(tw, ~W_BUSY, __ATOMIC_SEQ_CST);
    return true;
}

/* Mark our own word LINKED with an empty LINK; false if it already was
 * LINKED or the guest would not let the swap through. */
static bool fifo_claim_link(event_word_t *w)
{
    event_word_t old = __atomic_load_n(w, __ATOMIC_SEQ_CST);
    unsigned i;

    for (i = 0; i < CAS_TRIES; i++) {
        if (old & (W_LINKED | W_MASKED))
            return false;
        if (cas_word(w, &old, (old & ~EVTCHN_FIFO_LINK_MASK) | W_LINKED))
            return true;
    }
    return false;
}

/* Append 'port' (already PENDING, not masked) to its queue on its notified
 * vCPU and tell that vCPU. */
static void fifo_link(struct evtchn_domain *ed, struct evtchn_port *chn, evtchn_port_t port,
                      event_word_t *w)
{
    struct domain *d = ed->d;
    struct vcpu *v = evtchn_vcpu_of(d, chn->notify_vcpu), *ov;
    struct evtchn_fifo_control_block *cb;
    struct evtchn_fifo_queue *q;
    unsigned prio = chn->priority;
    bool linked = false;

    if (!v || !v->evtchn || !(cb = v->evtchn->cb))
        return;                         /* no control block: stays pending, unlinked */
    if (prio >= EVTCHN_FIFO_MAX_QUEUES)
        prio = EVTCHN_FIFO_PRIORITY_DEFAULT;

    /* Moving to another queue: the port's LINKED bit is clear, so it was
     * consumed from the old queue; if it is still that queue's tail, the
     * queue is empty, and its tail must forget the port before the port's
     * LINK field starts to mean a position in the new queue. */
    if (chn->last_vcpu != v->vcpu_id || chn->last_priority != prio) {
        ov = evtchn_vcpu_of(d, chn->last_vcpu);
        if (ov && ov->evtchn && chn->last_priority < EVTCHN_FIFO_MAX_QUEUES) {
            q = &ov->evtchn->queue[chn->last_priority];
            spin_lock(&q->lock);
            if (q->tail == port)
                q->tail = 0;
            spin_unlock(&q->lock);
        }
        chn->last_vcpu = (uint16_t)v->vcpu_id;
        chn->last_priority = (uint8_t)prio;
    }

    q = &v->evtchn->queue[prio];
    spin_lock(&q->lock);
    if (!fifo_claim_link(w)) {
        spin_unlock(&q->lock);
        return;
    }
    /* A tail equal to the port itself was consumed (we could claim it). */
    if (q->tail && q->tail != port) {
        event_word_t *tw = fifo_word(ed, q->tail);
        if (tw)
            linked = fifo_set_link(tw, port);
    }
    if (!linked)
        __atomic_store_n(&cb->head[prio], port, __ATOMIC_SEQ_CST);
    q->tail = port;
    spin_unlock(&q->lock);

    __atomic_fetch_or(&cb->ready, 1u << prio, __ATOMIC_SEQ_CST);
    evtchn_mark_upcall(v);
}

__hot_path void evtchn_fifo_set_pending(struct evtchn_domain *ed, struct evtchn_port *chn, evtchn_port_t port)
{
    event_word_t *w = fifo_word(ed, port);
    event_word_t old;

    if (!w) {
        /* No event word yet: remembered, delivered when the page arrives. */
        chn->carry = true;
        return;
    }
    old = __atomic_fetch_or(w, W_PENDING, __ATOMIC_SEQ_CST);
    if (old & (W_MASKED | W_LINKED))
        return;
    fifo_link(ed, chn, port, w);
}

void evtchn_fifo_clear_pending(struct evtchn_domain *ed, struct evtchn_port *chn, evtchn_port_t port)
{
    event_word_t *w = fifo_word(ed, port);

    chn->carry = false;
    if (w)
        __atomic_fetch_and(w, ~W_PENDING, __ATOMIC_SEQ_CST);
}

__hot_path bool evtchn_fifo_is_pending(struct evtchn_domain *ed, struct evtchn_port *chn, evtchn_port_t port)
{
    event_word_t *w = fifo_word(ed, port);

    if (!w)
        return chn && chn->carry;
    return (__atomic_load_n(w, __ATOMIC_SEQ_CST) & W_PENDING) != 0;
}

/* A port still LINKED in a queue must not be reused: its LINK field is part
 * of that queue until the guest consumes it. */
bool evtchn_fifo_is_busy(struct evtchn_domain *ed, evtchn_port_t port)
{
    event_word_t *w = fifo_word(ed, port);

    return w && (__atomic_load_n(w, __ATOMIC_SEQ_CST) & W_LINKED);
}

/* EVTCHNOP_unmask: clear MASKED here, as the ABI says the hypervisor does
 * (Linux clears it itself only when the port is not pending, and calls us
 * with MASKED still set otherwise), then queue a pending event. */
void evtchn_fifo_unmask(struct evtchn_domain *ed, struct evtchn_port *chn, evtchn_port_t port)
{
    event_word_t *w = fifo_word(ed, port);
    event_word_t cur;

    if (!w)
        return;
    cur = __atomic_and_fetch(w, ~W_MASKED, __ATOMIC_SEQ_CST);
    if ((cur & W_PENDING) && !(cur & (W_MASKED | W_LINKED)))
        fifo_link(ed, chn, port, w);
}

static void fifo_reset_queues(struct evtchn_vcpu *ev)
{
    unsigned q;

    for (q = 0; q < EVTCHN_FIFO_MAX_QUEUES; q++)
        ev->queue[q].tail = 0;
}

/*
 * EVTCHNOP_init_control.  The first call switches the domain to FIFO: open
 * ports keep their pending state (as 'carry', turned into PENDING when
 * their event-array page is added) and get the default priority.
 */
int evtchn_fifo_init_control(struct evtchn_domain *ed, struct evtchn_init_control *ic)
{
    struct domain *d = ed->d;
    struct vcpu *v = evtchn_vcpu_of(d, ic->vcpu);
    uint8_t *page;
    unsigned port, limit;
    uint64_t f;
    int rc = 0;

    if (!v || !v->evtchn)
        return -ENOENT;
    if ((ic->offset & 7) || ic->offset > PAGE_BYTES - sizeof(struct evtchn_fifo_control_block))
        return -EINVAL;
    page = physmap_map_ram(d, ic->control_gfn);     /* before our lock: p2m lock inside */
    if (!page)
        return -EINVAL;

    f = spin_lock_irqsave(&ed->lock);
    if (v->evtchn->cb) {
        rc = -EINVAL;
        goto out;
    }
    if (!ed->fifo) {
        limit = evtchn_port_limit(ed);
        for (port = 1; port < limit; port++) {
            struct evtchn_port *chn = evtchn_port_ptr(ed, port);
            if (!chn || chn->state == EVTCHNSTAT_closed)
                continue;
            chn->carry = evtchn_2l_is_pending(ed, port);
            chn->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
            chn->last_priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
            chn->last_vcpu = chn->notify_vcpu;
        }
        ed->nr_array_pages = 0;
        ed->fifo = true;
    }
    fifo_reset_queues(v->evtchn);
    v->evtchn->cb = (struct evtchn_fifo_control_block *)(page + ic->offset);
    ic->link_bits = EVTCHN_FIFO_LINK_BITS;
out:
    spin_unlock_irqrestore(&ed->lock, f);
    return rc;
}

/* EVTCHNOP_expand_array: one more page of event words, which must be RAM
 * of the domain itself (it stays valid for the domain's lifetime). */
int evtchn_fifo_expand_array(struct evtchn_domain *ed, uint64_t gfn)
{
    event_word_t *page = physmap_map_ram(ed->d, gfn);
    unsigned first, port;
    uint64_t f;
    int rc = 0;

    if (!page)
        return -EINVAL;
    f = spin_lock_irqsave(&ed->lock);
    if (!ed->fifo) {
        rc = -EOPNOTSUPP;
        goto out;
    }
    if (ed->nr_array_pages >= EVTCHN_FIFO_MAX_PAGES) {
        rc = -ENOSPC;
        goto out;
    }
    first = ed->nr_array_pages * EVTCHN_FIFO_WORDS_PER_PAGE;
    ed->event_array[ed->nr_array_pages] = page;
    ed->nr_array_pages++;
    /* Events raised while these ports had no word. */
    for (port = first ? first : 1; port < first + EVTCHN_FIFO_WORDS_PER_PAGE; port++) {
        struct evtchn_port *chn = evtchn_port_ptr(ed, port);
        if (!chn || chn->state == EVTCHNSTAT_closed || !chn->carry)
            continue;
        chn->carry = false;
        evtchn_fifo_set_pending(ed, chn, port);
    }
out:
    spin_unlock_irqrestore(&ed->lock, f);
    return rc;
}

int evtchn_fifo_set_priority(struct evtchn_domain *ed, evtchn_port_t port, uint32_t prio)
{
    struct evtchn_port *chn;
    uint64_t f;
    int rc = 0;

    f = spin_lock_irqsave(&ed->lock);
    chn = port && port < evtchn_port_limit(ed) ? evtchn_port_ptr(ed, port) : NULL;
    if (!ed->fifo)
        rc = -ENOSYS;
    else if (!chn || chn->state == EVTCHNSTAT_closed || prio > EVTCHN_FIFO_PRIORITY_MIN)
        rc = -EINVAL;
    else
        chn->priority = (uint8_t)prio;      /* used from the next time it is queued */
    spin_unlock_irqrestore(&ed->lock, f);
    return rc;
}

void evtchn_fifo_teardown(struct evtchn_domain *ed)
{
    struct domain *d = ed->d;
    unsigned i, port, limit = evtchn_port_limit(ed);

    for (i = 0; i < d->nr_vcpus && i < MAX_VCPUS; i++) {
        if (d->vcpus[i] && d->vcpus[i]->evtchn) {
            d->vcpus[i]->evtchn->cb = NULL;
            fifo_reset_queues(d->vcpus[i]->evtchn);
        }
    }
    for (port = 1; port < limit; port++) {
        struct evtchn_port *chn = evtchn_port_ptr(ed, port);
        if (chn) {
            chn->carry = false;
            chn->priority = chn->last_priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
        }
    }
    for (i = 0; i < EVTCHN_FIFO_MAX_PAGES; i++)
        ed->event_array[i] = NULL;
    ed->nr_array_pages = 0;
    ed->fifo = false;
}
