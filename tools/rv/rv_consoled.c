/*
 * rv consoled: dom0's console daemon, in the role xenconsoled has on Xen
 * (docs/toolstack.md "The console daemon").
 *
 * It watches @introduceDomain and @releaseDomain in xenstore; for each domU
 * with console/ring-ref and console/port (as rv create writes them, and
 * xenconsoled reads them) it maps the ring page through privcmd, binds the
 * console event channel through /dev/xen/evtchn, opens a pseudo-terminal
 * (posix_openpt) and writes its slave's path to /local/domain/N/console/tty.
 * What the domain writes to 'out' is consumed at once (so the domain never
 * waits for room) and goes to /var/log/rv/console/NAME.log and to the pty;
 * what is typed into the pty goes into the domain's 'in' ring.  `rv console`
 * opens the pty named in console/tty (rv_console_pty.c).
 *
 * The ring is the guest's: its indexes are read once per pass and checked
 * (a producer more than a ring ahead: its last ring's worth is taken and the
 * fact logged, a few times per domain; an 'in' ring whose consumer index is
 * impossible gets nothing).  A pty nobody reads keeps the newest output: when
 * it is full the queued input of the slave is flushed.  A domain that dies
 * (getdomaininfo: gone or dying, checked on each @releaseDomain and every
 * 500 ms) is drained one last time and dropped: pages unmapped (so the
 * hypervisor can free it), port unbound, pty closed, console/tty removed.
 *
 * One thread; every structure below is owned by it, no locks.
 */
#include "rv_cmds.h"
#include "rv_xs.h"
#include "ringctl.h"
#include "build_common.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "public/console.h"

/* Linux uapi xen/evtchn.h: ioctl type 'E', numbers 1 (bind_interdomain:
 * remote domain and port in, the local port back), 3 (unbind), 4 (notify). */
struct cd_bind_interdomain { unsigned int remote_domain, remote_port; };
struct cd_port { unsigned int port; };
#define CD_EVTCHN_BIND_INTERDOMAIN _IOC(_IOC_NONE, 'E', 1, sizeof(struct cd_bind_interdomain))
#define CD_EVTCHN_UNBIND           _IOC(_IOC_NONE, 'E', 3, sizeof(struct cd_port))
#define CD_EVTCHN_NOTIFY           _IOC(_IOC_NONE, 'E', 4, sizeof(struct cd_port))

#define CD_MAX        64               /* domains served at once */
#define CD_BAD_LOGS   3                /* bad-index lines logged per domain and ring */
#define CD_LOG_LIMIT  (1u << 20)       /* a log past 1 MiB becomes NAME.log.old */

/* One served domain's console.  Owner: the main loop (cd_state.cons). */
struct cd_con {
    int used;
    uint16_t domid;
    char name[64];                     /* for the log file: [A-Za-z0-9_.-] only */
    struct xencons_interface *ring;    /* the guest's page, mapped */
    int local_port;                    /* bound in /dev/xen/evtchn */
    int master, slave;                 /* the pty; the slave stays open so that output queues */
    char tty[64];
    int log_fd;
    off_t log_size;
    char in[512];                      /* typed into the pty, not yet in the guest's ring */
    size_t in_len;
    unsigned bad_out, bad_in;          /* bad index sightings */
    uint64_t out_bytes, in_bytes;
};

static struct {
    struct rc_handle *h;
    struct rv_xs *xs;
    int evtchn;
    const char *logdir;
    struct cd_con cons[CD_MAX];
    /* Domains whose console could not be set up (mapping, binding, pty):
     * not tried again, so the log says it once; forgotten when they go. */
    uint16_t failed[CD_MAX];
    unsigned nfailed;
} cd;

static volatile sig_atomic_t cd_stop;

static void cd_on_signal(int sig)
{
    (void)sig;
    cd_stop = 1;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    fprintf(stderr, "[%5ld.%03ld] rv consoled: ", (long)ts.tv_sec, ts.tv_nsec / 1000000);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

/* A decimal xenstore value: 0 and *out, or -1. */
static int read_num(uint16_t domid, const char *node, unsigned long long max, unsigned long long *out)
{
    char path[96], val[32];
    snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, node);
    long n = rv_xs_read(cd.xs, path, val, sizeof(val));
    if (n <= 0)
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(val, &end, 10);
    if (*end || errno || v > max)
        return -1;
    *out = v;
    return 0;
}

static void notify(struct cd_con *c)
{
    struct cd_port a = { (unsigned)c->local_port };
    if (ioctl(cd.evtchn, CD_EVTCHN_NOTIFY, &a) < 0)
        say("d%u: notify port %d: %s", c->domid, c->local_port, strerror(errno));
}

/* 0: gone or dying (drop it), 1: there (running or shut down: keep it,
 * its last output may still come). */
static int alive(uint16_t domid)
{
    struct xen_domctl_getdomaininfo info;
    long rc = rc_domain_info(cd.h, domid, &info);
    if (rc == -ESRCH || (rc >= 0 && info.domain != domid))
        return 0;
    if (rc < 0)
        return 1;                      /* cannot tell: keep it */
    return !(info.flags & XEN_DOMINF_dying);
}

static void log_write(struct cd_con *c, const char *buf, size_t n)
{
    if (c->log_fd < 0)
        return;
    if (c->log_size + (off_t)n > CD_LOG_LIMIT) {
        char p[256], q[264];
        snprintf(p, sizeof(p), "%s/%s.log", cd.logdir, c->name);
        snprintf(q, sizeof(q), "%s.old", p);
        close(c->log_fd);
        rename(p, q);
        c->log_fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
        c->log_size = 0;
        if (c->log_fd < 0)
            return;
    }
    ssize_t w = write(c->log_fd, buf, n);
    if (w > 0)
        c->log_size += w;
}

/* To the pty without blocking; a full pty (nobody reading it) drops what
 * it queued, so that a later `rv console` sees the newest output. */
static void pty_write(struct cd_con *c, const char *buf, size_t n)
{
    for (int tries = 0; n && tries < 3; tries++) {
        ssize_t w = write(c->master, buf, n);
        if (w > 0) {
            buf += w;
            n -= (size_t)w;
            tries = 0;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            return;
        tcflush(c->slave, TCIFLUSH);
    }
}

/* The guest's output: everything between out_cons and out_prod. */
static void drain_out(struct cd_con *c)
{
    struct xencons_interface *r = c->ring;
    char buf[sizeof(r->out)];
    for (int pass = 0; pass < 4; pass++) {    /* a guest that keeps writing does not hold us here */
        uint32_t prod = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);
        uint32_t cons = __atomic_load_n(&r->out_cons, __ATOMIC_RELAXED);
        if (prod == cons)
            return;
        if (prod - cons > sizeof(r->out)) {
            if (c->bad_out++ < CD_BAD_LOGS)
                say("d%u: bad console indexes: out_cons %u, out_prod %u (%u bytes, the ring holds %zu): taking the "
                    "last %zu", c->domid, cons, prod, prod - cons, sizeof(r->out), sizeof(r->out));
            cons = prod - (uint32_t)sizeof(r->out);
        }
        size_t n = 0;
        while (cons != prod)
            buf[n++] = r->out[cons++ % sizeof(r->out)];
        __atomic_store_n(&r->out_cons, cons, __ATOMIC_RELEASE);
        notify(c);                              /* room again, for a guest that waits for it */
        c->out_bytes += n;
        log_write(c, buf, n);
        pty_write(c, buf, n);
    }
}

/* What was typed, as far as the guest's 'in' ring has room. */
static void push_in(struct cd_con *c)
{
    struct xencons_interface *r = c->ring;
    if (!c->in_len)
        return;
    uint32_t cons = __atomic_load_n(&r->in_cons, __ATOMIC_ACQUIRE);
    uint32_t prod = __atomic_load_n(&r->in_prod, __ATOMIC_RELAXED);
    if (prod - cons > sizeof(r->in)) {
        if (c->bad_in++ < CD_BAD_LOGS)
            say("d%u: bad console indexes: in_cons %u, in_prod %u: %zu typed bytes dropped", c->domid, cons, prod,
                c->in_len);
        c->in_len = 0;
        return;
    }
    size_t room = sizeof(r->in) - (prod - cons), n = c->in_len < room ? c->in_len : room;
    if (!n)
        return;
    for (size_t i = 0; i < n; i++)
        r->in[prod++ % sizeof(r->in)] = c->in[i];
    __atomic_store_n(&r->in_prod, prod, __ATOMIC_RELEASE);
    memmove(c->in, c->in + n, c->in_len - n);
    c->in_len -= n;
    c->in_bytes += n;
    notify(c);
}

static void drop(struct cd_con *c, const char *why)
{
    if (!strcmp(why, "not served") && cd.nfailed < CD_MAX)
        cd.failed[cd.nfailed++] = c->domid;
    if (c->ring)
        drain_out(c);
    say("d%u (%s): %s; %llu bytes out, %llu in", c->domid, c->name, why, (unsigned long long)c->out_bytes,
        (unsigned long long)c->in_bytes);
    if (c->local_port >= 0) {
        struct cd_port a = { (unsigned)c->local_port };
        if (ioctl(cd.evtchn, CD_EVTCHN_UNBIND, &a) < 0)
            say("d%u: unbind port %d: %s", c->domid, c->local_port, strerror(errno));
    }
    if (c->ring)
        rc_unmap_foreign(c->ring, 1);
    if (c->master >= 0)
        close(c->master);
    if (c->slave >= 0)
        close(c->slave);
    if (c->log_fd >= 0)
        close(c->log_fd);
    char path[96];
    snprintf(path, sizeof(path), "/local/domain/%u/console/tty", c->domid);
    rv_xs_rm(cd.xs, path);                      /* -ENOENT when the domain's entries are gone already */
    memset(c, 0, sizeof(*c));
}

static int open_pty(struct cd_con *c)
{
    c->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (c->master < 0 || grantpt(c->master) || unlockpt(c->master) || ptsname_r(c->master, c->tty, sizeof(c->tty)))
        return -1;
    c->slave = open(c->tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (c->slave < 0)
        return -1;
    struct termios t;
    if (tcgetattr(c->slave, &t) == 0) {         /* bytes as they are, no echo: the guest echoes */
        cfmakeraw(&t);
        tcsetattr(c->slave, TCSANOW, &t);
    }
    return fcntl(c->master, F_SETFL, fcntl(c->master, F_GETFL) | O_NONBLOCK);
}

static void serve(uint16_t domid)
{
    struct cd_con *c = NULL;
    for (int i = 0; i < CD_MAX; i++) {
        if (cd.cons[i].used && cd.cons[i].domid == domid)
            return;
        if (!cd.cons[i].used && !c)
            c = &cd.cons[i];
    }
    for (unsigned i = 0; i < cd.nfailed; i++)
        if (cd.failed[i] == domid)
            return;
    unsigned long long frame, port;
    if (read_num(domid, "console/ring-ref", UINT64_MAX >> 12, &frame) || !frame ||
        read_num(domid, "console/port", 4095, &port) || !alive(domid))
        return;                                 /* not (yet) a console of ours */
    if (!c) {
        say("d%u: not served: %d consoles already", domid, CD_MAX);
        return;
    }
    memset(c, 0, sizeof(*c));
    c->used = 1;
    c->domid = domid;
    c->local_port = c->master = c->slave = c->log_fd = -1;
    char path[96], nm[64];
    snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
    if (rv_xs_read(cd.xs, path, nm, sizeof(nm)) <= 0)
        nm[0] = 0;
    int ok = nm[0] != 0 && nm[0] != '.';
    for (char *p = nm; *p; p++)
        ok &= (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
              *p == '-' || *p == '.';
    if (ok)
        snprintf(c->name, sizeof(c->name), "%s", nm);
    else
        snprintf(c->name, sizeof(c->name), "d%u", domid);
    uint64_t f = frame;
    int ferr = 0;
    c->ring = rc_map_foreign(cd.h, domid, &f, 1, &ferr);
    if (!c->ring) {
        say("d%u: mapping its console page %#llx: %s", domid, frame, strerror(errno));
        c->ring = NULL;
        drop(c, "not served");
        return;
    }
    struct cd_bind_interdomain b = { domid, (unsigned)port };
    c->local_port = ioctl(cd.evtchn, CD_EVTCHN_BIND_INTERDOMAIN, &b);
    if (c->local_port < 0) {
        say("d%u: binding its console port %llu: %s", domid, port, strerror(errno));
        drop(c, "not served");
        return;
    }
    if (open_pty(c) < 0) {
        say("d%u: pty: %s", domid, strerror(errno));
        drop(c, "not served");
        return;
    }
    snprintf(path, sizeof(path), "%s/%s.log", cd.logdir, c->name);
    c->log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (c->log_fd < 0)
        say("d%u: %s: %s (no log)", domid, path, strerror(errno));
    else {
        struct stat st;
        c->log_size = fstat(c->log_fd, &st) == 0 ? st.st_size : 0;
    }
    char tpath[96];
    snprintf(tpath, sizeof(tpath), "/local/domain/%u/console/tty", domid);
    int wrc = rv_xs_write(cd.xs, tpath, c->tty);
    say("d%u (%s): ring %#llx, port %llu (ours %d), tty %s%s%s, log %s", domid, c->name, frame, port, c->local_port,
        c->tty, wrc < 0 ? " (console/tty: " : "", wrc < 0 ? strerror(-wrc) : "", path);
    drain_out(c);                               /* what it wrote before we came */
}

/* Every /local/domain/N: new ones served, dead ones dropped. */
static void scan(void)
{
    for (int i = 0; i < CD_MAX; i++)
        if (cd.cons[i].used && !alive(cd.cons[i].domid))
            drop(&cd.cons[i], "gone");
    for (unsigned i = 0; i < cd.nfailed;)
        if (!alive(cd.failed[i]))
            cd.failed[i] = cd.failed[--cd.nfailed];
        else
            i++;
    static char names[16384];
    long n = rv_xs_directory(cd.xs, "/local/domain", names, sizeof(names));
    const char *p = names;
    for (long k = 0; k < n; k++, p += strlen(p) + 1) {
        char *end;
        unsigned long id = strtoul(p, &end, 10);
        if (*p && !*end && id > 0 && id < 0x7ff0)
            serve((uint16_t)id);
    }
}

static int usage(void)
{
    fprintf(stderr, "rv consoled: usage: rv consoled [-l LOGDIR] (rv help)\n");
    return 2;
}

int rv_cmd_consoled(int argc, char **argv)
{
    cd.logdir = "/var/log/rv/console";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-l") && i + 1 < argc)
            cd.logdir = argv[++i];
        else
            return usage();
    }
    if (!(cd.h = rv_open("consoled")))
        return 1;
    if (!(cd.xs = rv_open_xs("consoled")))
        return 1;
    cd.evtchn = open("/dev/xen/evtchn", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (cd.evtchn < 0) {
        fprintf(stderr, "rv consoled: /dev/xen/evtchn: %s (module xen-evtchn loaded?)\n", strerror(errno));
        return 1;
    }
    /* The log directory, made only where the daemon can run. */
    char tmp[256];
    snprintf(tmp, sizeof(tmp), "%s", cd.logdir);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(tmp, 0755);
            *p = '/';
        }
    mkdir(tmp, 0755);
    if (rv_xs_watch(cd.xs, "@introduceDomain", "intro") < 0 || rv_xs_watch(cd.xs, "@releaseDomain", "rel") < 0) {
        fprintf(stderr, "rv consoled: xenstore watches: refused\n");
        return 1;
    }
    struct sigaction sa = { .sa_handler = cd_on_signal };
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    say("serving consoles (logs in %s)", cd.logdir);
    scan();
    uint64_t next_check = rv_now_us() + 500000;
    while (!cd_stop) {
        struct pollfd pf[2 + CD_MAX];
        int map[CD_MAX], np = 2;
        pf[0] = (struct pollfd){ .fd = rv_xs_fd(cd.xs), .events = POLLIN };
        pf[1] = (struct pollfd){ .fd = cd.evtchn, .events = POLLIN };
        for (int i = 0; i < CD_MAX; i++)
            if (cd.cons[i].used && cd.cons[i].in_len < sizeof(cd.cons[i].in)) {
                map[np - 2] = i;
                pf[np++] = (struct pollfd){ .fd = cd.cons[i].master, .events = POLLIN };
            }
        int pending = rv_xs_pending(cd.xs);
        int n = poll(pf, (nfds_t)np, pending ? 0 : 500);
        if (n < 0 && errno != EINTR) {
            say("poll: %s", strerror(errno));
            break;
        }
        int rescan = 0;
        if (pending || (n > 0 && (pf[0].revents & (POLLIN | POLLHUP | POLLERR)))) {
            int ev;
            while ((ev = rv_xs_wait_event(cd.xs, 0)) > 0)
                rescan = 1;
            if (ev < 0) {
                say("xenstored went away: stopping");
                break;
            }
        }
        if (n > 0 && (pf[1].revents & POLLIN)) {
            /* Pending ports come as 32-bit numbers; writing them back unmasks them. */
            unsigned ports[64];
            ssize_t r = read(cd.evtchn, ports, sizeof(ports));
            if (r > 0 && write(cd.evtchn, ports, (size_t)r) < 0)
                say("evtchn unmask: %s", strerror(errno));
        }
        for (int k = 2; n > 0 && k < np; k++) {
            struct cd_con *c = &cd.cons[map[k - 2]];
            if (!(pf[k].revents & POLLIN))
                continue;
            ssize_t r = read(c->master, c->in + c->in_len, sizeof(c->in) - c->in_len);
            if (r > 0)
                c->in_len += (size_t)r;
        }
        /* A few domains: each look serves all of them (a lost event costs nothing). */
        for (int i = 0; i < CD_MAX; i++)
            if (cd.cons[i].used) {
                drain_out(&cd.cons[i]);
                push_in(&cd.cons[i]);
            }
        if (rescan || rv_now_us() >= next_check) {
            scan();
            next_check = rv_now_us() + 500000;
        }
    }
    for (int i = 0; i < CD_MAX; i++)
        if (cd.cons[i].used)
            drop(&cd.cons[i], "daemon stopping");
    say("stopped");
    return 0;
}
