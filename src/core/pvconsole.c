/*
 * PV console back end (see pvconsole.h): the ring page is the domain's own
 * RAM (include/public/console.h), the event channel's far end is the
 * hypervisor.  The guest produces 'out' and consumes 'in'; we consume 'out'
 * and produce 'in'.  Both indices of each half live in guest memory, so
 * every value read from the ring is distrusted: positions are taken modulo
 * the ring size, and a producer index more than a ring ahead of the
 * consumer is a guest error (the unread data is dropped, the domain warned
 * once), never a reason to loop.
 *
 * Output is drained by a worker (a timer set to "now" on vCPU 0's CPU, so it
 * runs in softirq context) because the event-channel notify callback runs
 * with event-channel locks held and must only record work.  Each run copies
 * at most PVCON_BUDGET bytes and re-arms itself if more is waiting, so a
 * guest that writes without pause cannot hold a CPU.
 *
 * Locking: the output half has one consumer at a time without a lock: the
 * worker (a timer runs on one CPU at a time), and after timer_kill the final
 * drain of pvconsole_destroy.  Bytes are printed in chunks of PVCON_CHUNK
 * under d->uart_lock (as UART output is), so interrupts are never off for a
 * whole batch.  pc->lock guards the input half (the sink); it is taken
 * under console_input_lock and is a leaf.  The event channel is notified
 * with no lock of ours held.
 */
#include "core/pvconsole.h"
#include "core/domain.h"
#include "core/console.h"
#include "core/percpu.h"
#include "core/timer.h"
#include "arch/x86/time.h"
#include "evtchn/evtchn.h"
#include "core/domain_console.h"
#include "mm/mm.h"
#include "mm/physmap.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "public/console.h"
#include "public/hvm.h"

#define PVCON_OUT_SIZE      sizeof(((struct xencons_interface *)0)->out)
#define PVCON_IN_SIZE       sizeof(((struct xencons_interface *)0)->in)
#define PVCON_BUDGET        4096            /* output bytes per worker run */
#define PVCON_RETRY_NS      100000ull       /* more waiting: run again in 100 µs */
#define PVCON_CHUNK         256

struct pvconsole {
    struct domain *d;                   /* (i) */
    volatile struct xencons_interface *ring;    /* (i) direct-map pointer to the guest page */
    uint64_t ring_gfn;                  /* (i) */
    evtchn_port_t port;                 /* (i) */
    spinlock_t lock;                    /* input half of the ring */
    struct timer work;                  /* own locking */
    bool pending;                       /* (a) the worker is armed */
    bool dead;                          /* (a) destruction started: do not arm */
    bool warned;                        /* (consumer) guest error reported once */
    bool connected;                     /* (a) the guest has written to the ring (sticky) */
    struct console_sink sink;           /* (i) registered while it exists */
};

static void arm(struct pvconsole *pc, uint64_t when)
{
    if (__atomic_load_n(&pc->dead, __ATOMIC_ACQUIRE))
        return;
    if (__atomic_exchange_n(&pc->pending, true, __ATOMIC_ACQ_REL))
        return;                         /* already armed */
    timer_set(&pc->work, when);
}

/*
 * "Connected": the guest has ever moved the ring's output producer index
 * (out_prod != 0, or bytes were consumed).  From then on the ring is the
 * domain's console and its console_io output is not shown: a guest that
 * writes each line to both (Linux's boot console and hvc0) would show it
 * twice.  Read from the guest's own page, so the guest decides, in program
 * order: a console_io call made after its write to out_prod is hidden, one
 * made before is shown.  Sticky: moving out_prod back does not undo it.
 */
static bool mark_connected(struct pvconsole *pc)
{
    if (__atomic_load_n(&pc->connected, __ATOMIC_ACQUIRE))
        return true;
    if (__atomic_exchange_n(&pc->connected, true, __ATOMIC_ACQ_REL))
        return true;
    struct domain *d = pc->d;
    domain_log(d, LOG_INFO, "PV console connected: its ring is the domain's console, console_io output "
               "is no longer shown\n");
    /* A half line of console_io output is shown now, on its own. */
    uint64_t f = spin_lock_irqsave(&d->uart_lock);
    struct dom_con_line *l = &d->con_line[DOM_CON_IO];
    if (l->len)
        domain_con_putc(d, DOM_CON_IO, '\n');
    spin_unlock_irqrestore(&d->uart_lock, f);
    return true;
}

bool pvconsole_connected(struct domain *d)
{
    struct pvconsole *pc = d->pvcon;

    if (!pc)
        return false;
    if (__atomic_load_n(&pc->connected, __ATOMIC_ACQUIRE))
        return true;
    if (!__atomic_load_n(&pc->ring->out_prod, __ATOMIC_ACQUIRE))
        return false;
    return mark_connected(pc);
}

/* Event-channel callback: the guest sent on the console port. */
static void pvcon_notify(struct domain *d, void *ctx)
{
    (void)d;
    arm(ctx, now_ns());
}

/* Copies up to budget bytes of output to the domain's console lines and
 * frees their ring space.  Only the single consumer calls it.  Returns how many bytes
 * were consumed (0: the ring is empty); *more when data is left over. */
static unsigned drain(struct pvconsole *pc, unsigned budget, bool *more)
{
    volatile struct xencons_interface *r = pc->ring;
    struct domain *d = pc->d;
    unsigned done = 0;

    *more = false;
    while (done < budget) {
        uint32_t cons = __atomic_load_n(&r->out_cons, __ATOMIC_RELAXED);
        uint32_t prod = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);   /* data after the index */
        uint32_t avail = prod - cons;
        if (avail == 0)
            break;
        if (avail > PVCON_OUT_SIZE) {
            /* Not a state a correct front end can reach: drop what it
             * claims to have written and carry on from its producer. */
            if (!pc->warned) {
                pc->warned = true;
                domain_log(d, LOG_WARN, "pvconsole: out_prod %u is %u bytes ahead of out_cons %u "
                           "(ring of %u): output dropped\n", prod, avail, cons, (unsigned)PVCON_OUT_SIZE);
            }
            __atomic_store_n(&r->out_cons, prod, __ATOMIC_RELEASE);
            done += 1;                  /* counts as progress: the guest is notified */
            break;
        }
        char buf[PVCON_CHUNK];
        unsigned n = MIN(MIN(avail, (uint32_t)sizeof(buf)), budget - done);
        /* Each byte is read exactly once, into buf: the guest may rewrite
         * the ring under us, which only garbles its own output. */
        for (unsigned i = 0; i < n; i++)
            buf[i] = r->out[(cons + i) % PVCON_OUT_SIZE];
        __atomic_store_n(&r->out_cons, cons + n, __ATOMIC_RELEASE);    /* reads done before the slot is freed */
        mark_connected(pc);
        uint64_t f = spin_lock_irqsave(&d->uart_lock);
        for (unsigned i = 0; i < n; i++)
            domain_con_putc(d, DOM_CON_RING, buf[i]);
        spin_unlock_irqrestore(&d->uart_lock, f);
        done += n;
    }
    if (done >= budget) {
        uint32_t cons = __atomic_load_n(&r->out_cons, __ATOMIC_RELAXED);
        *more = __atomic_load_n(&r->out_prod, __ATOMIC_RELAXED) != cons;
    }
    return done;
}

static void pvcon_work(void *data)
{
    struct pvconsole *pc = data;
    bool more;

    /* Cleared first: a notify from now on arms a new run. */
    __atomic_store_n(&pc->pending, false, __ATOMIC_SEQ_CST);
    unsigned done = drain(pc, PVCON_BUDGET, &more);
    if (done)
        evtchn_xen_notify(pc->d, pc->port);     /* space freed: the front end may write on */
    if (more)
        arm(pc, now_ns() + PVCON_RETRY_NS);
}

/* Console input for this domain (console_input_lock held, IRQs off). */
static void pvcon_console_put(struct console_sink *s, char c)
{
    struct pvconsole *pc = (struct pvconsole *)((char *)s - offsetof(struct pvconsole, sink));
    volatile struct xencons_interface *r = pc->ring;
    bool stored = false;

    spin_lock(&pc->lock);
    uint32_t prod = __atomic_load_n(&r->in_prod, __ATOMIC_RELAXED);
    uint32_t cons = __atomic_load_n(&r->in_cons, __ATOMIC_ACQUIRE);   /* the guest's reads are done */
    /* Full (or a nonsensical consumer): the byte is dropped; the console
     * never waits for a guest. */
    if (prod - cons < PVCON_IN_SIZE) {
        r->in[prod % PVCON_IN_SIZE] = c;
        __atomic_store_n(&r->in_prod, prod + 1, __ATOMIC_RELEASE);
        stored = true;
    }
    spin_unlock(&pc->lock);
    if (stored)
        evtchn_xen_notify(pc->d, pc->port);
}

/* The back end over 'ring', the direct-map address of frame 'frame' of d
 * (a gfn for HVM/PVH, an mfn for PV: only logged).  hvm_params: publish
 * the ring and port as HVM_PARAM_CONSOLE_PFN/EVTCHN (PVH; a PV guest finds
 * them in start_info).  The port, or a negative errno. */
static int create(struct domain *d, void *ring, uint64_t frame, bool hvm_params)
{
    struct pvconsole *pc = xzalloc(sizeof(*pc), HEAP_CORE);

    if (!pc)
        return -ENOMEM;
    memset(ring, 0, 4096);
    pc->d = d;
    pc->ring = ring;
    pc->ring_gfn = frame;
    pc->lock = (spinlock_t)SPINLOCK_INIT;
    timer_init(&pc->work, pvcon_work, pc, d->nr_vcpus && d->vcpus[0] ? d->vcpus[0]->processor
                                                                     : smp_processor_id());
    int port = evtchn_alloc_xen_port(d, pvcon_notify, pc);
    if (port < 0) {
        domain_log(d, LOG_ERR, "pvconsole: no event channel: error %d\n", port);
        xfree(pc);
        return port;
    }
    pc->port = (evtchn_port_t)port;
    if (hvm_params) {
        uint64_t f = spin_lock_irqsave(&d->params_lock);
        d->hvm_params[HVM_PARAM_CONSOLE_PFN] = frame;
        d->hvm_params[HVM_PARAM_CONSOLE_EVTCHN] = (uint64_t)port;
        spin_unlock_irqrestore(&d->params_lock, f);
    }
    pc->sink.domid = d->domid;
    pc->sink.name = d->name;
    pc->sink.put = pvcon_console_put;
    d->pvcon = pc;
    console_sink_register(&pc->sink);
    return port;
}

int pvconsole_create(struct domain *d, uint64_t ring_gfn)
{
    void *ring = physmap_map_ram(d, ring_gfn);

    if (!ring) {
        domain_log(d, LOG_ERR, "pvconsole: gfn %#lx is not RAM of the domain\n", (unsigned long)ring_gfn);
        return -EINVAL;
    }
    int rc = create(d, ring, ring_gfn, true);
    return rc < 0 ? rc : 0;
}

int pvconsole_create_mfn(struct domain *d, uint64_t mfn)
{
    /* The caller (pv/pv_console.c) checked that the frame is d's and holds
     * a writable type reference on it until after pvconsole_destroy: the
     * guest can never make it a page table, which our writes to 'in' and
     * 'out_cons' through the direct map would otherwise modify. */
    return create(d, phys_to_virt(mfn << 12), mfn, false);
}

/* Called once no vCPU of d runs (so the guest cannot notify any more) and
 * before its event channels and RAM are released. */
void pvconsole_destroy(struct domain *d)
{
    struct pvconsole *pc = d->pvcon;
    bool more;

    if (!pc)
        return;
    /* No input reaches pc after this (console.h), no worker runs after
     * timer_kill, and 'dead' keeps a late notify from arming it again. */
    console_sink_unregister(&pc->sink);
    __atomic_store_n(&pc->dead, true, __ATOMIC_RELEASE);
    timer_kill(&pc->work);
    /* What the guest wrote last (typically its final messages before
     * powering off): one ring's worth at most, no notification. */
    drain(pc, PVCON_OUT_SIZE, &more);
    uint64_t f = spin_lock_irqsave(&d->uart_lock);
    domain_con_flush(d);
    spin_unlock_irqrestore(&d->uart_lock, f);
    d->pvcon = NULL;
    xfree(pc);
}
