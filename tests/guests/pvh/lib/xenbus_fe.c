/*
 * The xenbus side of a PVH test frontend (pvh_blk, pvh_net): the
 * frontend's directory, its backend's state, the start of the handshake
 * (Xen's io/xenbus.h states: 1 Initialising, 2 InitWait, 3 Initialised,
 * 4 Connected, 5 Closing, 6 Closed).  The rings after that differ per
 * device and stay in the guests.
 */
#include "xenbus_fe.h"
#include "xs_client.h"

const char *xfe_cat(const char *a, const char *b)
{
    static char buf[2][160];
    static int w;
    char *d = buf[w ^= 1];
    unsigned n = 0;
    while (*a && n < sizeof(buf[0]) - 1)
        d[n++] = *a++;
    while (*b && n < sizeof(buf[0]) - 1)
        d[n++] = *b++;
    d[n] = 0;
    return d;
}

const char *xfe_utoa(uint64_t v)
{
    static char buf[4][24];
    static int w;
    char *e = buf[w = (w + 1) & 3] + 23;
    *e = 0;
    do
        *--e = (char)('0' + v % 10);
    while (v /= 10);
    return e;
}

uint64_t xfe_atou(const char *s)
{
    uint64_t v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (uint64_t)(*s++ - '0');
    return v;
}

long xfe_be_state(const struct xfe *x)
{
    char val[24];
    return xsc_read(xfe_cat(x->be, "/state"), val, sizeof(val)) > 0 ? (long)xfe_atou(val) : -1;
}

uint64_t xfe_wait_be(const struct xfe *x, long want, uint64_t timeout_ns)
{
    uint64_t t0 = pvclock_ns();
    while (pvclock_ns() - t0 < timeout_ns) {
        if (xfe_be_state(x) == want)
            return pvclock_ns() - t0 + 1;
        evtchn_wait(x->port, 5000000ull);
    }
    return 0;
}

long xfe_write(const struct xfe *x, const char *name, const char *value)
{
    return xsc_write(xfe_cat(xfe_cat(x->fe, "/"), name), value);
}

bool xfe_close_and_reopen(const struct xfe *x, const char *prefix)
{
    xfe_write(x, "state", "5");
    uint64_t w5 = xfe_wait_be(x, 5, 10000000000ull);
    xfe_write(x, "state", "6");
    uint64_t w6 = xfe_wait_be(x, 6, 10000000000ull);
    xfe_write(x, "state", "1");
    uint64_t w2 = xfe_wait_be(x, 2, 10000000000ull);
    printf("%s: close and reopen: backend 5 %s, 6 %s, 2 %s\n", prefix, w5 ? "seen" : "not seen",
           w6 ? "seen" : "not seen", w2 ? "seen" : "not seen");
    return w5 && w6 && w2;
}

uint64_t xfe_bad_state(const struct xfe *x)
{
    xfe_write(x, "state", "9");
    return xfe_wait_be(x, 5, 10000000000ull);
}

static void copy_str(char *d, const char *s, unsigned len)
{
    unsigned n = 0;
    while (s[n] && n < len - 1) {
        d[n] = s[n];
        n++;
    }
    d[n] = 0;
}

bool xfe_open(struct xfe *x, const char *kind, uint64_t id, const char *tag, uint64_t *initwait_ns)
{
    static char name[48];
    /* Two steps: xfe_cat has two buffers, one nesting level. */
    copy_str(x->fe, xfe_cat("device/", kind), sizeof(x->fe));
    copy_str(x->fe, xfe_cat(xfe_cat(x->fe, "/"), xfe_utoa(id)), sizeof(x->fe));
#define XNAME(s) (copy_str(name, xfe_cat(tag, s), sizeof(name)), name)
    long n = xsc_read(xfe_cat(x->fe, "/backend"), x->be, sizeof(x->be));
    check(n > 0, XNAME("-frontend-dir"), "%s/backend: %ld", x->fe, n);
    if (n <= 0)
        return false;
    /* The event channel first: the waits below sleep on it. */
    long rc = evtchn_alloc_unbound(0, &x->port);
    check(rc == 0, XNAME("-evtchn"), "alloc_unbound(remote 0): %ld", rc);
    if (rc)
        return false;
    uint64_t w2 = xfe_wait_be(x, 2, 30000000000ull);
    check(w2 != 0, XNAME("-backend-initwait"), "backend %s in state %ld, want 2 (InitWait)", x->be, xfe_be_state(x));
    if (!w2)
        return false;
    if (initwait_ns)
        *initwait_ns = w2;
    rc = gnttab_map_frames(1);
    check(rc == 0, XNAME("-gnttab"), "mapping grant table frame 0: %ld", rc);
#undef XNAME
    return rc == 0;
}
