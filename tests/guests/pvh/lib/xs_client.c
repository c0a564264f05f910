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
 * The back end (rv consoled, or `rv console` reading the ring) may be
 * absent, so a full ring drops the line rather than wait.
 *
 * Input: while it waits for control/shutdown, each line that arrives in
 * 'in' (rv consoled writes what is typed into its pty) is echoed as
 * "RV-PVH-HELLO: console input: LINE".  The line "scribble" makes the guest
 * a hostile ring owner for the console daemon's test (linux_dom0_consoled):
 * out_prod jumps 100000 bytes ahead of what it wrote, and in_cons is set
 * 5000 past in_prod for 5 s (the daemon must clamp the one and drop input
 * for the other, without overrunning either), then put back.
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

/* One request of `len` body bytes in transaction `tx`; the reply's payload
 * in `payload`.  Its length; -1 on an error reply (its name in payload) or
 * -2 after 10 s without one. */
static long request_body(uint32_t type, uint32_t tx, const void *body, uint32_t len)
{
    struct hdr h = { type, next_id++, tx, len };
    put_bytes(&h, sizeof(h));
    put_bytes(body, len);
    uint64_t deadline = pvclock_ns() + 10000000000ull;
    for (;;) {
        struct hdr r;
        long t = read_msg(&r, deadline);
        if (t < 0) {
            payload[0] = 0;
            return -2;
        }
        if (t == XS_WATCH_EVENT)
            continue;
        if (r.req_id != h.req_id)
            continue;
        return t == XS_ERROR ? -1 : (long)r.len;
    }
}

/* A request made of strings joined with NULs (the last without one when
 * last_nul is false); as request_body, but -1 for either failure. */
static long request(uint32_t type, const char *a, const char *b, bool last_nul)
{
    static char body[XSC_BODY_MAX];
    uint32_t la = (uint32_t)strlen(a) + (b || last_nul), lb = b ? (uint32_t)strlen(b) + last_nul : 0;
    if (la + lb > sizeof(body))
        return -1;
    memcpy(body, a, la);
    if (b)
        memcpy(body + la, b, lb);
    long n = request_body(type, 0, body, la + lb);
    return n < 0 ? -1 : n;
}

long xsc_request(uint32_t type, uint32_t tx, const void *body, uint32_t len, const char **reply)
{
    long n = request_body(type, tx, body, len);
    if (reply)
        *reply = payload;
    return n;
}

uint32_t xsc_put_nowait(const void *p, uint32_t n)
{
    uint32_t prod = xs->req_prod, c = __atomic_load_n(&xs->req_cons, __ATOMIC_ACQUIRE);
    uint32_t space = RING - (prod - c), k = n < space ? n : space;
    const char *s = p;
    for (uint32_t i = 0; i < k; i++)
        xs->req[(prod + i) % RING] = s[i];
    __atomic_store_n(&xs->req_prod, prod + k, __ATOMIC_RELEASE);
    evtchn_send(store_port);
    return k;
}

uint32_t xsc_next_id(void)
{
    return next_id++;
}

void xsc_sleep_ns(uint64_t ns)
{
    uint64_t deadline = pvclock_ns() + ns;
    for (uint64_t now = pvclock_ns(); now < deadline; now = pvclock_ns())
        evtchn_wait(store_port, deadline - now);   /* the store's events end a wait early: go on */
}

void xsc_set_req_prod(uint32_t ahead)
{
    __atomic_store_n(&xs->req_prod, __atomic_load_n(&xs->req_cons, __ATOMIC_ACQUIRE) + ahead, __ATOMIC_RELEASE);
    evtchn_send(store_port);
}

/* Until an event on the store or console port, or ns passed. */
static void wait_store_or_console(uint64_t ns)
{
    evtchn_port_t ports[2] = { store_port, cons_port };
    uint64_t deadline = pvclock_ns() + ns;
    for (;;) {
        __atomic_store_n(&pvh.vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
        __atomic_store_n(&pvh.vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
        bool st = evtchn_test_and_clear(store_port);
        bool co = cons && evtchn_test_and_clear(cons_port);
        if (st || co || pvclock_ns() >= deadline)
            return;
        struct sched_poll p = { .ports = (uintptr_t)ports, .nr_ports = cons ? 2 : 1, .timeout = deadline };
        sched_op(SCHEDOP_poll, &p);
    }
}

/* The hostile turn ("scribble", above). */
static void scribble(void)
{
    uint32_t prod = cons->out_prod + 100000u;
    __atomic_store_n(&cons->out_prod, prod, __ATOMIC_RELEASE);
    evtchn_send(cons_port);
    uint64_t until = pvclock_ns() + 5000000000ull;
    while (__atomic_load_n(&cons->out_cons, __ATOMIC_ACQUIRE) != prod && pvclock_ns() < until)
        evtchn_wait(cons_port, 50000000ull);
    uint32_t inp = __atomic_load_n(&cons->in_prod, __ATOMIC_ACQUIRE);
    __atomic_store_n(&cons->in_cons, inp + 5000u, __ATOMIC_RELEASE);
    printf("RV-PVH-HELLO: console indexes scribbled (out_cons caught up: %s)\n",
           __atomic_load_n(&cons->out_cons, __ATOMIC_ACQUIRE) == prod ? "yes" : "no");
    until = pvclock_ns() + 5000000000ull;
    while (pvclock_ns() < until)
        evtchn_wait(cons_port, 100000000ull);
    inp = __atomic_load_n(&cons->in_prod, __ATOMIC_ACQUIRE);
    __atomic_store_n(&cons->in_cons, inp, __ATOMIC_RELEASE);
    printf("RV-PVH-HELLO: console in ring restored, in_prod %u\n", inp);
}

/* Lines that came in 'in': echoed. */
static void console_input(void)
{
    static char line[128];
    static unsigned llen;
    if (!cons)
        return;
    uint32_t c = cons->in_cons, p = __atomic_load_n(&cons->in_prod, __ATOMIC_ACQUIRE);
    if (p - c > sizeof(cons->in))
        c = p;                  /* a confused back end: skip what it claims */
    char done[4][sizeof(line)];
    unsigned nd = 0;
    while (c != p) {
        char ch = cons->in[c % sizeof(cons->in)];
        c++;
        if (ch == '\n' || ch == '\r') {
            if (llen && nd < 4) {
                memcpy(done[nd], line, llen);
                done[nd++][llen] = 0;
            }
            llen = 0;
        } else if (llen < sizeof(line) - 1)
            line[llen++] = (ch >= 32 && ch < 127) ? ch : '?';
    }
    __atomic_store_n(&cons->in_cons, c, __ATOMIC_RELEASE);
    evtchn_send(cons_port);     /* room again */
    for (unsigned i = 0; i < nd; i++) {
        printf("RV-PVH-HELLO: console input: %s\n", done[i]);
        if (!strcmp(done[i], "scribble"))
            scribble();
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
        console_input();
        if (xs->rsp_cons == __atomic_load_n(&xs->rsp_prod, __ATOMIC_ACQUIRE)) {
            wait_store_or_console(1000000000ull);
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
