/*
 * In-process xenstore client for the xenstored unit tests: builds request
 * messages, feeds them to a connection and pops its replies from the output
 * queue, keeping watch events aside.
 */
#ifndef RV_TESTS_XSD_CLIENT_H
#define RV_TESTS_XSD_CLIENT_H

#include "xsd.h"

#include <stdarg.h>

struct xc_msg {
    struct xsd_msg_hdr h;
    char data[XENSTORE_PAYLOAD_MAX + 1];   /* NUL-terminated copy */
};

/* Watch events seen by xc_call(), oldest first: "<conn-domid>:<path>:<token>". */
static char xc_events[512][160];
static int xc_nevents;

static size_t xc_build(char *buf, int n, va_list ap)
{
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        const char *s = va_arg(ap, const char *);
        size_t l = strlen(s) + 1;
        memcpy(buf + len, s, l);
        len += l;
    }
    return len;
}

static void xc_send_raw(struct xs_conn *c, uint32_t type, uint32_t tx, const void *p, size_t len)
{
    static uint32_t req_id = 100;
    uint8_t buf[sizeof(struct xsd_msg_hdr) + 8192];
    struct xsd_msg_hdr h = { type, req_id++, tx, (uint32_t)len };
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), p, len);
    xsd_conn_input(c, buf, sizeof(h) + len);
}

static int xc_pop(struct xs_conn *c, struct xc_msg *m)
{
    size_t have;
    uint8_t raw[sizeof(struct xsd_msg_hdr) + XENSTORE_PAYLOAD_MAX];
    size_t got = 0;
    const uint8_t *p = xsd_conn_output_peek(c, &have);
    if (!p)
        return -1;
    /* One message is one queue entry: peek returns it whole. */
    memcpy(raw, p, have);
    got = have;
    xsd_conn_output_done(c, have);
    memcpy(&m->h, raw, sizeof(m->h));
    memcpy(m->data, raw + sizeof(m->h), got - sizeof(m->h));
    m->data[got - sizeof(m->h)] = '\0';
    return 0;
}

static void xc_note_event(const struct xs_conn *c, const struct xc_msg *m)
{
    if (xc_nevents < 512) {
        const char *tok = m->data + strlen(m->data) + 1;
        snprintf(xc_events[xc_nevents++], sizeof(xc_events[0]), "%u:%s:%s",
                 c->who.domid, m->data, tok);
    }
}

/* Moves every queued watch event of `c` to xc_events. */
static void xc_drain_events(struct xs_conn *c)
{
    struct xc_msg m;
    while (xc_pop(c, &m) == 0)
        if (m.h.type == XS_WATCH_EVENT)
            xc_note_event(c, &m);
}

static int xc_has_event(const char *ev)
{
    for (int i = 0; i < xc_nevents; i++)
        if (strcmp(xc_events[i], ev) == 0)
            return 1;
    return 0;
}

/* Sends a request of `n` strings and returns its reply; errors come back as
 * "E:<NAME>", other replies as their payload (first string). */
static struct xc_msg xc_last;
static const char *xc_callv(struct xs_conn *c, uint32_t type, uint32_t tx, int n, ...)
{
    char buf[8192];
    va_list ap;
    va_start(ap, n);
    size_t len = xc_build(buf, n, ap);
    va_end(ap);
    xc_send_raw(c, type, tx, buf, len);
    static char out[XENSTORE_PAYLOAD_MAX + 8];
    for (;;) {
        if (xc_pop(c, &xc_last) < 0)
            return "(no reply)";
        if (xc_last.h.type == XS_WATCH_EVENT) {
            xc_note_event(c, &xc_last);
            continue;
        }
        if (xc_last.h.type == XS_ERROR)
            snprintf(out, sizeof(out), "E:%s", xc_last.data);
        else
            snprintf(out, sizeof(out), "%s", xc_last.data);
        return out;
    }
}

/* Write with a binary-safe value. */
static const char *xc_write(struct xs_conn *c, uint32_t tx, const char *path, const char *val)
{
    char buf[8192];
    size_t pl = strlen(path) + 1, vl = strlen(val);
    memcpy(buf, path, pl);
    memcpy(buf + pl, val, vl);
    xc_send_raw(c, XS_WRITE, tx, buf, pl + vl);
    static char out[64];
    for (;;) {
        if (xc_pop(c, &xc_last) < 0)
            return "(no reply)";
        if (xc_last.h.type == XS_WATCH_EVENT) {
            xc_note_event(c, &xc_last);
            continue;
        }
        snprintf(out, sizeof(out), "%s%s", xc_last.h.type == XS_ERROR ? "E:" : "", xc_last.data);
        return out;
    }
}

/* dom0's toolstack making a domain's home, owned by the domain (test.h's
 * CHECK_STR: include test.h first). */
static inline void make_home(struct xs_conn *dom0, uint32_t domid)
{
    char path[64], owner[16];
    snprintf(path, sizeof(path), "/local/domain/%u", domid);
    snprintf(owner, sizeof(owner), "n%u", domid);
    CHECK_STR(xc_callv(dom0, XS_MKDIR, 0, 1, path), "OK");
    CHECK_STR(xc_callv(dom0, XS_SET_PERMS, 0, 2, path, owner), "OK");
}

#define XC_READ(c, tx, p)   xc_callv((c), XS_READ, (tx), 1, (p))
#define XC_MKDIR(c, tx, p)  xc_callv((c), XS_MKDIR, (tx), 1, (p))
#define XC_RM(c, tx, p)     xc_callv((c), XS_RM, (tx), 1, (p))

#endif
