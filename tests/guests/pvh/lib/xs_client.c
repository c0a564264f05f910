/*
 * A PVH test guest's xenstore client and console writer (used by
 * pvh_hello): the guest side of what
 * `rv create` sets up (docs/toolstack.md "Xenstore and console for a built
 * domain").
 *
 * Also a small general client (xsc_*, for pvh_blk): read and write any
 * path the domain may reach, relative ones under /local/domain/N.
 *
 * Store ring (Xen's io/xs_wire.h layout: req[1024], rsp[1024], req_cons,
 * req_prod, rsp_cons, rsp_prod): we produce requests and consume replies
 * and watch events, free-running indexes masked on use, an event on the
 * store port after each request.  One request at a time; a watch event
 * that arrives while we wait for a reply is noted, not lost.
 *
 * Console ring (io/console.h: in[1024], out[2048], in_cons, in_prod,
 * out_cons, out_prod): printf's lines are appended to 'out' (and still go
 * to console_io, where the hypervisor's log and the boot checks see them).
 * No back end drains it but `rv console`, so a full ring drops the line
 * rather than wait.
 */
#include "pvh.h"
#include "xs_client.h"

#include "public/console.h"
#include "public/sched.h"

#define XS_READ   2
#define XS_WATCH  4
#define XS_WRITE  11
#define XS_WATCH_EVENT 15
#define XS_ERROR  16
#define RING      1024u

struct xs_page {
    char req[RING], rsp[RING];
    volatile uint32_t req_cons, req_prod, rsp_cons, rsp_prod;
};

struct hdr {
    uint32_t type, req_id, tx_id, len;
};

static struct xencons_interface *cons;
static evtchn_port_t cons_port, store_port;
static struct xs_page *xs;
static uint32_t next_id = 1;
static bool shutdown_event;     /* a watch event for control/shutdown seen */

static void console_line(const char *s, unsigned n)
{
    HC(__HYPERVISOR_console_io, CONSOLEIO_write, n, s);
    uint32_t prod = cons->out_prod, c = __atomic_load_n(&cons->out_cons, __ATOMIC_ACQUIRE);
    if (prod - c > sizeof(cons->out) || sizeof(cons->out) - (prod - c) < n)
        return;                 /* full (or a confused reader): dropped */
    for (unsigned i = 0; i < n; i++)
        cons->out[(prod + i) % sizeof(cons->out)] = s[i];
    __atomic_store_n(&cons->out_prod, prod + n, __ATOMIC_RELEASE);
    evtchn_send(cons_port);     /* nobody may be bound: harmless */
}

void hello_console_start(uint64_t mib)
{
    uint64_t pfn = 0, port = 0;
    (void)mib;
    if (hvm_get_param(HVM_PARAM_CONSOLE_PFN, &pfn) || !pfn || hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &port))
        return;
    cons = gfn_ptr(pfn);
    cons_port = (evtchn_port_t)port;
    pvh_console_out = console_line;
}

static void put_bytes(const void *p, uint32_t n)
{
    const char *s = p;
    while (n) {
        uint32_t prod = xs->req_prod, c = __atomic_load_n(&xs->req_cons, __ATOMIC_ACQUIRE);
        uint32_t space = RING - (prod - c);
        if (!space) {
            evtchn_send(store_port);
            evtchn_wait(store_port, 100000000ull);
            continue;
        }
        uint32_t k = n < space ? n : space;
        for (uint32_t i = 0; i < k; i++)
            xs->req[(prod + i) % RING] = s[i];
        __atomic_store_n(&xs->req_prod, prod + k, __ATOMIC_RELEASE);
        s += k;
        n -= k;
    }
    evtchn_send(store_port);
}

/* n bytes of reply; false after timeout. */
static bool get_bytes(void *p, uint32_t n, uint64_t deadline)
{
    char *d = p;
    while (n) {
        uint32_t c = xs->rsp_cons, prod = __atomic_load_n(&xs->rsp_prod, __ATOMIC_ACQUIRE);
        if (c == prod) {
            if (pvclock_ns() >= deadline)
                return false;
            evtchn_wait(store_port, 50000000ull);
            continue;
        }
        while (n && c != prod) {
            *d++ = xs->rsp[c % RING];
            c++;
            n--;
        }
        __atomic_store_n(&xs->rsp_cons, c, __ATOMIC_RELEASE);
        evtchn_send(store_port);   /* room for more replies */
    }
    return true;
}

static char payload[4097];

/* Reads one message; watch events are noted.  Its type, or -1 on timeout. */
static long read_msg(struct hdr *h, uint64_t deadline)
{
    if (!get_bytes(h, sizeof(*h), deadline) || h->len > 4096 || !get_bytes(payload, h->len, deadline))
        return -1;
    payload[h->len] = 0;
    if (h->type == XS_WATCH_EVENT) {
        /* "path\0token\0": ours is token "sd". */
        size_t pl = strlen(payload);
        if (pl + 1 < h->len && !strcmp(payload + pl + 1, "sd"))
            shutdown_event = true;
    }
    return h->type;
}

/* A request made of strings joined with NULs (the last without one when
 * last_nul is false); the reply's payload in `payload`.  Its length, or -1. */
static long request(uint32_t type, const char *a, const char *b, bool last_nul)
{
    uint32_t la = (uint32_t)strlen(a) + (b || last_nul), lb = b ? (uint32_t)strlen(b) + last_nul : 0;
    struct hdr h = { type, next_id++, 0, la + lb };
    put_bytes(&h, sizeof(h));
    put_bytes(a, la);
    if (b)
        put_bytes(b, lb);
    uint64_t deadline = pvclock_ns() + 10000000000ull;
    for (;;) {
        struct hdr r;
        long t = read_msg(&r, deadline);
        if (t < 0)
            return -1;
        if (t == XS_WATCH_EVENT)
            continue;
        if (r.req_id != h.req_id)
            continue;
        return t == XS_ERROR ? -1 : (long)r.len;
    }
}

bool hello_xenstore(uint64_t mib)
{
    uint64_t pfn = 0, port = 0;
    (void)mib;
    if (pvh_map_shared_info() || hvm_get_param(HVM_PARAM_STORE_PFN, &pfn) ||
        hvm_get_param(HVM_PARAM_STORE_EVTCHN, &port) || !pfn || !port) {
        check(false, "hello-xs-setup", "no shared info or store parameters");
        return false;
    }
    xs = gfn_ptr(pfn);
    store_port = (evtchn_port_t)port;

    long n = request(XS_READ, "name", NULL, true);
    check(n > 0 && !strcmp(payload, "pvh_hello"), "hello-xs-name", "read name: %ld '%s'", n, n > 0 ? payload : "");
    n = request(XS_WRITE, "data/hello", "from the domU", false);
    check(n >= 0, "hello-xs-write", "write data/hello: %ld", n);
    n = request(XS_READ, "data/hello", NULL, true);
    check(n > 0 && !strcmp(payload, "from the domU"), "hello-xs-readback", "%ld '%s'", n, n > 0 ? payload : "");
    n = request(XS_WATCH, "control/shutdown", "sd", true);
    check(n >= 0, "hello-xs-watch", "watch control/shutdown: %ld", n);
    /* The round trip a domU sees: request on the ring, event to dom0's
     * xenstored, its reply and event back. */
    enum { ROUNDS = 200 };
    unsigned ok = 0;
    uint64_t t0 = pvclock_ns();
    for (unsigned i = 0; i < ROUNDS; i++)
        ok += request(XS_READ, "name", NULL, true) > 0;
    uint64_t dt = pvclock_ns() - t0;
    check(ok == ROUNDS, "hello-xs-rounds", "%u of %u reads answered", ok, (unsigned)ROUNDS);
    printf("RV-PVH-HELLO: %u xenstore reads over the ring in %llu us: %llu reads/s\n", (unsigned)ROUNDS,
           (unsigned long long)(dt / 1000), (unsigned long long)(dt ? ROUNDS * 1000000000ull / dt : 0));
    printf("RV-PVH-HELLO: xenstore client up, %u passed %u failed; waiting for control/shutdown\n", pvh.passed,
           pvh.failed);

    /* Each event on control/shutdown: read it; "poweroff" ends the wait.
     * (The watch fires once when set: the node is empty then.) */
    for (;;) {
        if (shutdown_event) {
            shutdown_event = false;
            n = request(XS_READ, "control/shutdown", NULL, true);
            if (n > 0 && (!strcmp(payload, "poweroff") || !strcmp(payload, "reboot"))) {
                bool reboot = payload[0] == 'r';
                printf("RV-PVH-HELLO: control/shutdown = %s: %s\n", payload, reboot ? "rebooting" : "powering off");
                request(XS_WRITE, "control/shutdown", "", false);    /* acknowledged, as Linux does */
                return reboot;
            }
            continue;
        }
        if (xs->rsp_cons == __atomic_load_n(&xs->rsp_prod, __ATOMIC_ACQUIRE)) {
            evtchn_wait(store_port, 1000000000ull);
            continue;
        }
        struct hdr r;
        read_msg(&r, pvclock_ns() + 10000000000ull);   /* events only: no request is pending */
    }
}

bool xsc_init(void)
{
    uint64_t pfn = 0, port = 0;
    if (xs)
        return true;
    if (pvh_map_shared_info() || hvm_get_param(HVM_PARAM_STORE_PFN, &pfn) ||
        hvm_get_param(HVM_PARAM_STORE_EVTCHN, &port) || !pfn || !port)
        return false;
    xs = gfn_ptr(pfn);
    store_port = (evtchn_port_t)port;
    return true;
}

long xsc_read(const char *path, char *buf, unsigned len)
{
    long n = request(XS_READ, path, NULL, true);
    if (n < 0 || !len)
        return n;
    unsigned m = (unsigned)n < len ? (unsigned)n : len - 1;
    memcpy(buf, payload, m);
    buf[m] = 0;
    return n;
}

long xsc_write(const char *path, const char *value)
{
    return request(XS_WRITE, path, value, false);
}
