/*
 * xenstored: the daemon.  Serves dom0's tools over a Unix socket; with --xen
 * (in dom0) also dom0's own kernel xenbus over its store ring, through
 * /dev/xen/evtchn and /dev/xen/xenbus_backend (xen_dev.c).  Without --xen no
 * hypervisor backend is installed and INTRODUCE answers ENOSYS.
 *
 *   xenstored [--socket PATH] [--xen] [--quota-nodes N] [--quota-value BYTES]
 *             [--quota-watches N] [--quota-transactions N] [--socket-queue BYTES]
 *
 * Runs in the foreground; logs to stderr; SIGTERM/SIGINT exit cleanly.
 */
#include "ring.h"
#include "xen_dev.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_PEERS 256

/* A socket client.  Owner: main loop's table; `pend` holds bytes read but not
 * yet taken by the connection (it stopped at a full output queue). */
struct peer {
    int fd;
    struct xs_conn *c;
    uint8_t pend[4096];
    size_t plen, poff;
};

static volatile sig_atomic_t stop, dump;

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        dump = 1;
    else
        stop = 1;
}

static int listen_on(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "xenstored: socket path too long: %s\n", path);
        return -1;
    }
    /* Create the socket's directory if it is missing (one level, as /run/xenstored). */
    char dir[sizeof(sa.sun_path)];
    strcpy(dir, path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
            fprintf(stderr, "xenstored: mkdir %s: %s\n", dir, strerror(errno));
            return -1;
        }
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    unlink(path);
    /* Only root may talk to the store: it holds every domain's secrets. */
    mode_t old = umask(077);
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (rc < 0 || listen(fd, 64) < 0) {
        fprintf(stderr, "xenstored: %s: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static void peer_close(struct peer *p)
{
    xsd_conn_destroy(p->c);
    close(p->fd);
    p->fd = -1;
    p->c = NULL;
}

/* Reads what the connection will take; false if the peer is gone. */
static bool peer_read(struct peer *p)
{
    if (p->poff == p->plen) {
        ssize_t n = read(p->fd, p->pend, sizeof(p->pend));
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            return false;
        if (n < 0)
            return true;
        p->plen = (size_t)n;
        p->poff = 0;
    }
    p->poff += xsd_conn_input(p->c, p->pend + p->poff, p->plen - p->poff);
    return !p->c->dead;
}

static bool peer_write(struct peer *p)
{
    for (;;) {
        size_t len;
        const uint8_t *data = xsd_conn_output_peek(p->c, &len);
        if (!len)
            return true;
        ssize_t n = send(p->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0)
            return errno == EAGAIN || errno == EINTR;
        xsd_conn_output_done(p->c, (size_t)n);
    }
}

static int parse_num(const char *opt, const char *v, uint32_t *out)
{
    char *end;
    unsigned long x = strtoul(v ? v : "", &end, 10);
    if (!v || !*v || *end || x > 0xffffffffUL) {
        fprintf(stderr, "xenstored: %s needs a number\n", opt);
        return -1;
    }
    *out = (uint32_t)x;
    return 0;
}

int main(int argc, char **argv)
{
    const char *sock_path = "/run/xenstored/socket";
    static struct xsd d;
    static struct xen_dev xd = { .evtchn_fd = -1 };
    bool use_xen = false;
    if (xsd_init(&d) < 0) {
        fprintf(stderr, "xenstored: out of memory\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int rc = 0;
        if (!strcmp(o, "--socket") && v)
            sock_path = v;
        else if (!strcmp(o, "--xen")) {
            use_xen = true;
            continue;
        }
        else if (!strcmp(o, "--quota-nodes"))
            rc = parse_num(o, v, &d.lim.store.max_nodes);
        else if (!strcmp(o, "--quota-value"))
            rc = parse_num(o, v, &d.lim.store.max_value);
        else if (!strcmp(o, "--quota-watches"))
            rc = parse_num(o, v, &d.lim.max_watches);
        else if (!strcmp(o, "--quota-transactions"))
            rc = parse_num(o, v, &d.lim.max_transactions);
        else if (!strcmp(o, "--socket-queue")) {
            uint32_t cap;
            rc = parse_num(o, v, &cap);
            d.lim.out_cap_socket = cap;
        }
        else {
            fprintf(stderr, "usage: xenstored [--socket PATH] [--xen] [--quota-nodes N] [--quota-value BYTES]"
                            " [--quota-watches N] [--quota-transactions N] [--socket-queue BYTES]\n");
            return 2;
        }
        if (rc < 0)
            return 2;
        i++;
    }
    int lfd = listen_on(sock_path);
    if (lfd < 0)
        return 1;
    struct sigaction sa = { .sa_handler = on_signal };
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);      /* log the rings' state (a hang explains itself) */
    signal(SIGPIPE, SIG_IGN);
    static struct peer peers[MAX_PEERS];
    for (int i = 0; i < MAX_PEERS; i++)
        peers[i].fd = -1;
    fprintf(stderr, "xenstored: listening on %s\n", sock_path);
    if (use_xen && xen_dev_open(&xd, &d) < 0) {
        close(lfd);
        unlink(sock_path);
        return 1;
    }

    while (!stop) {
        struct pollfd pfd[MAX_PEERS + 2];
        int map[MAX_PEERS + 2];
        nfds_t n = 0;
        int timeout = -1;
        pfd[n] = (struct pollfd){ .fd = lfd, .events = POLLIN };
        map[n++] = -1;
        if (xd.evtchn_fd >= 0) {
            pfd[n] = (struct pollfd){ .fd = xd.evtchn_fd, .events = POLLIN };
            map[n++] = -2;
        }
        for (int i = 0; i < MAX_PEERS; i++) {
            struct peer *p = &peers[i];
            if (p->fd < 0)
                continue;
            short ev = 0;
            if (xsd_conn_wants_input(p->c) || p->c->in_have)
                ev |= POLLIN;
            /* Bytes already read but held back by backpressure: the socket
             * may never become readable again, so do not sleep on it. */
            if (p->poff < p->plen && xsd_conn_wants_input(p->c))
                timeout = 0;
            if (p->c->out_head)
                ev |= POLLOUT;
            pfd[n] = (struct pollfd){ .fd = p->fd, .events = ev };
            map[n++] = i;
        }
        if (xsd_rings_pending(&d))
            timeout = 0;
        if (dump) {
            dump = 0;
            xsd_rings_dump(&d);
        }
        if (poll(pfd, n, timeout) < 0) {
            if (errno == EINTR)
                continue;
            perror("xenstored: poll");
            break;
        }
        if (pfd[0].revents & POLLIN) {
            int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
            int slot = -1;
            for (int i = 0; fd >= 0 && i < MAX_PEERS && slot < 0; i++)
                if (peers[i].fd < 0)
                    slot = i;
            if (fd >= 0 && slot < 0) {
                xsd_logf(&d, "too many clients, refusing one");
                close(fd);
            } else if (fd >= 0) {
                /* The socket is root-only (mode 0700 via umask), so every
                 * client is dom0's toolstack: privileged. */
                peers[slot].c = xsd_conn_new(&d, 0, false);
                if (!peers[slot].c)
                    close(fd);
                else {
                    peers[slot].fd = fd;
                    peers[slot].plen = peers[slot].poff = 0;
                }
            }
        }
        for (nfds_t k = 1; k < n; k++) {
            if (map[k] == -2) {
                if (pfd[k].revents & POLLIN)
                    xen_dev_events(&xd);
                continue;
            }
            struct peer *p = &peers[map[k]];
            if (p->fd < 0)
                continue;
            if (pfd[k].revents & (POLLIN | POLLHUP | POLLERR)) {
                if (!peer_read(p))
                    peer_close(p);
            } else if (p->poff < p->plen && xsd_conn_wants_input(p->c)) {
                if (!peer_read(p))
                    peer_close(p);
            }
        }
        /* Any request may have queued watch events anywhere: flush all. */
        for (int i = 0; i < MAX_PEERS; i++)
            if (peers[i].fd >= 0 && !peer_write(&peers[i]))
                peer_close(&peers[i]);
        xsd_rings_flush(&d);
    }
    for (int i = 0; i < MAX_PEERS; i++)
        if (peers[i].fd >= 0)
            peer_close(&peers[i]);
    close(lfd);
    unlink(sock_path);
    if (xd.evtchn_fd >= 0)
        xen_dev_close(&xd);
    xsd_fini(&d);
    fprintf(stderr, "xenstored: stopped\n");
    return 0;
}
