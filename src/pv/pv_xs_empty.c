/*
 * The stand-in xenstore of a PV domain (domain file: rv_xenstore = "empty";
 * docs/pv.md "PV bootloaders").  Ringvisor has no store a domU can reach
 * yet, but GRUB's Xen port asks one question at start (XS_DIRECTORY
 * "device/vbd", from grub_xendisk_init, built into its kernel) and spins on
 * SCHEDOP_yield until an answer arrives.  This back end serves the
 * builder's store page (start_info.store_mfn) over a port whose other end
 * is the hypervisor, and answers every request as a store that holds
 * nothing and accepts nothing would:
 *
 *   XS_DIRECTORY, XS_DIRECTORY_PART, XS_READ, XS_GET_PERMS  -> XS_ERROR "ENOENT"
 *   XS_WATCH, XS_UNWATCH, XS_RESET_WATCHES                  -> "OK" (no event ever fires)
 *   anything else (writes, transactions, ...)               -> XS_ERROR "EACCES"
 *
 * The ring (struct below, Xen's io/xs_wire.h layout: 1 KiB each way, free
 * running 32-bit indices) is guest memory: every index is distrusted.  A
 * request is consumed byte by byte as it arrives (its payload, up to 4096
 * bytes, is skipped, only its start kept for the log), so a request longer
 * than the ring still completes.  A producer more than a ring ahead of
 * its consumer, or a payload over 4096 bytes, is a guest error: the
 * domain is warned once and the store stops answering it (only the
 * guest's own xenstore traffic suffers).
 *
 * Work happens in a timer on vCPU 0's CPU (softirq context), armed by the
 * event-channel callback (which runs with event-channel locks held and
 * may only record work); each run handles at most XS_BUDGET bytes and
 * re-arms itself when more is waiting.  Owner: the struct belongs to the
 * domain (pv_domain.xs), created by pv_xs_empty_setup at build and freed
 * by pv_xs_empty_teardown once no vCPU runs.  Locking: none; the worker
 * is the only consumer of the request half and the only producer of the
 * response half (a timer runs on one CPU at a time; teardown kills it
 * first).  The store frame is held with a writable type reference as the
 * console's is (pv_time.c): it can never become a page table while the
 * hypervisor writes it through the direct map.
 */
#include "pv/pv.h"
#include "core/domain.h"
#include "core/domcfg.h"
#include "core/console.h"
#include "core/percpu.h"
#include "core/timer.h"
#include "arch/x86/time.h"
#include "evtchn/evtchn.h"
#include "mm/mm.h"
#include "lib/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"

/* Wire facts (Xen's io/xs_wire.h, docs/misc/xenstore.txt). */
enum {
    XSW_DIRECTORY = 1, XSW_READ = 2, XSW_GET_PERMS = 3, XSW_WATCH = 4, XSW_UNWATCH = 5,
    XSW_ERROR = 16, XSW_RESET_WATCHES = 21, XSW_DIRECTORY_PART = 22,
};
#define XSW_RING        1024u
#define XSW_PAYLOAD_MAX 4096u
struct xsw_hdr { uint32_t type, req_id, tx_id, len; };
struct xsw_ring {
    char req[XSW_RING];
    char rsp[XSW_RING];
    uint32_t req_cons, req_prod, rsp_cons, rsp_prod;
};

#define XS_BUDGET      8192u            /* request bytes per worker run */
#define XS_RETRY_NS    1000000ull       /* no room for a reply: look again in 1 ms */
#define XS_LOG_MAX     32u              /* requests logged per domain (what the guest asked) */
#define XS_LOG_PATH    80u

struct pv_xs_empty {
    struct domain *d;                   /* (i) */
    volatile struct xsw_ring *ring;     /* (i) direct-map pointer to the store frame */
    evtchn_port_t port;                 /* (i) */
    struct timer work;                  /* own locking */
    bool pending;                       /* (a) the worker is armed */
    bool dead;                          /* (a) teardown started: do not arm */
    /* The rest: the worker's only (see the top of the file). */
    bool broken;                        /* guest error seen: no more answers */
    unsigned hdr_have;                  /* header bytes read of the current request */
    union { struct xsw_hdr h; uint8_t b[16]; } hdr;
    uint32_t payload_left;              /* payload bytes still to skip */
    char path[XS_LOG_PATH + 1];         /* the payload's start, for the log */
    unsigned path_len;
    bool reply_due;                     /* request complete, reply not yet written */
    unsigned logged;
    uint64_t answered;
};

static void xs_arm(struct pv_xs_empty *xs, uint64_t when)
{
    if (__atomic_load_n(&xs->dead, __ATOMIC_ACQUIRE))
        return;
    if (__atomic_exchange_n(&xs->pending, true, __ATOMIC_ACQ_REL))
        return;
    timer_set(&xs->work, when);
}

static void xs_notify(struct domain *d, void *ctx)
{
    (void)d;
    xs_arm(ctx, now_ns());
}

static const char *type_name(uint32_t t)
{
    static const char *const n[] = {
        "XS_CONTROL", "XS_DIRECTORY", "XS_READ", "XS_GET_PERMS", "XS_WATCH", "XS_UNWATCH",
        "XS_TRANSACTION_START", "XS_TRANSACTION_END", "XS_INTRODUCE", "XS_RELEASE", "XS_GET_DOMAIN_PATH",
        "XS_WRITE", "XS_MKDIR", "XS_RM", "XS_SET_PERMS", "XS_WATCH_EVENT", "XS_ERROR",
        "XS_IS_DOMAIN_INTRODUCED", "XS_RESUME", "XS_SET_TARGET", "XS_RESTRICT", "XS_RESET_WATCHES",
        "XS_DIRECTORY_PART",
    };
    return t < sizeof(n) / sizeof(n[0]) ? n[t] : "unknown";
}

static void guest_error(struct pv_xs_empty *xs, const char *what, uint32_t a, uint32_t b)
{
    xs->broken = true;
    domain_log(xs->d, LOG_WARN, "xenstore (empty): %s (%u, %u): no more answers to this domain\n", what, a, b);
}

/* Writes the reply to the finished request if the response ring has room.
 * true when written. */
static bool reply(struct pv_xs_empty *xs)
{
    volatile struct xsw_ring *r = xs->ring;
    uint32_t t = xs->hdr.h.type;
    const char *body;
    struct xsw_hdr h = { .req_id = xs->hdr.h.req_id, .tx_id = xs->hdr.h.tx_id };

    switch (t) {
    case XSW_DIRECTORY: case XSW_DIRECTORY_PART: case XSW_READ: case XSW_GET_PERMS:
        h.type = XSW_ERROR, body = "ENOENT";
        break;
    case XSW_WATCH: case XSW_UNWATCH: case XSW_RESET_WATCHES:
        h.type = t, body = "OK";
        break;
    default:
        h.type = XSW_ERROR, body = "EACCES";
        break;
    }
    h.len = (uint32_t)strlen(body) + 1;

    uint32_t prod = __atomic_load_n(&r->rsp_prod, __ATOMIC_RELAXED);
    uint32_t cons = __atomic_load_n(&r->rsp_cons, __ATOMIC_ACQUIRE);   /* the guest's reads are done */
    if (prod - cons > XSW_RING) {
        guest_error(xs, "response consumer ahead of the producer", cons, prod);
        return false;
    }
    if (XSW_RING - (prod - cons) < sizeof(h) + h.len)
        return false;                   /* the guest has not read the last replies yet */
    const uint8_t *hb = (const uint8_t *)&h;
    for (unsigned i = 0; i < sizeof(h); i++)
        r->rsp[(prod + i) % XSW_RING] = (char)hb[i];
    for (unsigned i = 0; i < h.len; i++)
        r->rsp[(prod + sizeof(h) + i) % XSW_RING] = body[i];
    __atomic_store_n(&r->rsp_prod, prod + (uint32_t)sizeof(h) + h.len, __ATOMIC_RELEASE);

    if (xs->logged < XS_LOG_MAX) {
        xs->logged++;
        xs->path[xs->path_len] = 0;
        domain_log(xs->d, LOG_INFO, "xenstore (empty): %s \"%s\" -> %s%s\n", type_name(t), xs->path,
                   h.type == XSW_ERROR ? "XS_ERROR " : "", body);
    }
    xs->answered++;
    return true;
}

/* Consumes up to budget request bytes; answers each complete request.
 * Returns whether anything moved (the guest is then notified); *retry
 * when a reply waits for room, *more when bytes are left. */
static bool serve(struct pv_xs_empty *xs, unsigned budget, bool *retry, bool *more)
{
    volatile struct xsw_ring *r = xs->ring;
    bool moved = false;

    *retry = *more = false;
    while (!xs->broken) {
        if (xs->reply_due) {
            if (!reply(xs)) {
                *retry = !xs->broken;
                break;
            }
            xs->reply_due = false;
            xs->hdr_have = 0;
            moved = true;
        }
        uint32_t cons = __atomic_load_n(&r->req_cons, __ATOMIC_RELAXED);
        uint32_t prod = __atomic_load_n(&r->req_prod, __ATOMIC_ACQUIRE);   /* data before the index */
        uint32_t avail = prod - cons;
        if (avail > XSW_RING) {
            guest_error(xs, "request producer more than a ring ahead", prod, cons);
            break;
        }
        if (!avail)
            break;
        if (!budget) {
            *more = true;
            break;
        }
        uint32_t n = 0;
        /* Each byte read once, into our own state. */
        while (n < avail && n < budget && !xs->reply_due) {
            uint8_t c = (uint8_t)r->req[(cons + n) % XSW_RING];
            n++;
            if (xs->hdr_have < sizeof(xs->hdr)) {
                xs->hdr.b[xs->hdr_have++] = c;
                if (xs->hdr_have == sizeof(xs->hdr)) {
                    xs->payload_left = xs->hdr.h.len;
                    xs->path_len = 0;
                    if (xs->payload_left > XSW_PAYLOAD_MAX) {
                        guest_error(xs, "payload over 4096 bytes", xs->hdr.h.type, xs->payload_left);
                        break;
                    }
                    xs->reply_due = xs->payload_left == 0;
                }
                continue;
            }
            if (xs->path_len < XS_LOG_PATH && (xs->path_len == 0 || xs->path[xs->path_len - 1]))
                xs->path[xs->path_len++] = (c >= 0x20 && c < 0x7f) || !c ? (char)c : '?';
            if (--xs->payload_left == 0)
                xs->reply_due = true;
        }
        __atomic_store_n(&r->req_cons, cons + n, __ATOMIC_RELEASE);     /* reads done before the slots are freed */
        budget -= n;
        moved = true;
    }
    return moved;
}

static void xs_work(void *data)
{
    struct pv_xs_empty *xs = data;
    bool retry, more;

    __atomic_store_n(&xs->pending, false, __ATOMIC_SEQ_CST);
    if (serve(xs, XS_BUDGET, &retry, &more))
        evtchn_xen_notify(xs->d, xs->port);
    if (more)
        xs_arm(xs, now_ns());
    else if (retry)
        xs_arm(xs, now_ns() + XS_RETRY_NS);
}

int pv_xs_empty_setup(struct domain *d, char *err, size_t errlen)
{
    struct pv_domain *pd = d->kind_priv;
    uint64_t mfn = pd->p2m[pd->pfn_store];

    if (!d->cfg || !d->cfg->xenstore_empty)
        return 0;                       /* store_evtchn stays 0: no store */
    if (pgt_get_top(&pd->env, d->domid, mfn, FRAME_TYPE_WRITABLE, 0)) {
        fmt_snprintf(err, errlen, "cannot hold the store frame %#lx writable", (unsigned long)mfn);
        return -EINVAL;
    }
    pd->xs_mfn = mfn;
    struct pv_xs_empty *xs = xzalloc(sizeof(*xs), HEAP_PV);
    if (!xs) {
        fmt_snprintf(err, errlen, "no memory for the stand-in xenstore");
        return -ENOMEM;                 /* the frame reference goes with the domain */
    }
    xs->d = d;
    xs->ring = phys_to_virt(mfn << 12);
    memset((void *)xs->ring, 0, 4096);
    timer_init(&xs->work, xs_work, xs, d->nr_vcpus && d->vcpus[0] ? d->vcpus[0]->processor : smp_processor_id());
    int port = evtchn_alloc_xen_port(d, xs_notify, xs);
    if (port < 0) {
        fmt_snprintf(err, errlen, "no event channel for the stand-in xenstore (%d)", port);
        xfree(xs);
        return port;
    }
    xs->port = (evtchn_port_t)port;
    pd->xs = xs;
    struct start_info *si = phys_to_virt(pd->p2m[pd->pfn_start_info] << 12);
    /* The field of the guest's layout: the 64-bit store_evtchn is at
     * offset 64, which in the x86_32 layout is nr_pt_frames (written
     * there, i386 GRUB took 2 bootstrap table frames for its own and its
     * pin of new tables mapping the others writable was refused). */
    if (pd->compat)
        pv32_start_info_store(si, (uint32_t)port);
    else
        si->store_evtchn = (uint32_t)port;
    domain_log(d, LOG_INFO, "pv: stand-in xenstore (empty) on mfn %#lx, event channel %d\n", (unsigned long)mfn,
               port);
    return 0;
}

void pv_xs_empty_teardown(struct domain *d)
{
    struct pv_domain *pd = d->kind_priv;
    struct pv_xs_empty *xs = pd->xs;

    /* No vCPU runs (domain_destroy): no notify arrives; 'dead' keeps a
     * late one from arming the worker again. */
    if (xs) {
        __atomic_store_n(&xs->dead, true, __ATOMIC_RELEASE);
        timer_kill(&xs->work);
        if (xs->answered)
            domain_log(d, LOG_INFO, "xenstore (empty): %lu requests answered\n", (unsigned long)xs->answered);
        pd->xs = NULL;
        xfree(xs);
    }
    if (pd->xs_mfn) {
        pgt_put_top(&pd->env, pd->xs_mfn);
        pd->xs_mfn = 0;
    }
}
