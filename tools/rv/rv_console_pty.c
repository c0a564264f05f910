/*
 * rv console through the console daemon's pty (rv_consoled.c; docs/
 * toolstack.md "The console daemon"), as xl console does: the path comes
 * from /local/domain/N/console/tty.  The node sits in the domain's own
 * subtree, so the path is only taken if it names a pseudo-terminal slave
 * (/dev/pts/DIGITS) and what opens is a terminal.
 *
 * Interactive (stdin and stdout terminals, none of -f -t -m): stdin raw,
 * typed bytes to the pty, the pty to stdout, Ctrl-] detaches.  Otherwise
 * what the pty has queued is printed (-f: and what follows, until MARKER,
 * SECONDS or the domain's end); -i also copies stdin to the pty until its
 * end-of-file (a test's input for the guest).
 */
#include "rv_console_pty.h"
#include "rv_xs.h"
#include "ringctl.h"
#include "build_common.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define CTRL_RBRACKET 0x1d

static int domain_running(struct rc_handle *h, uint16_t domid)
{
    struct xen_domctl_getdomaininfo info;
    long rc = rc_domain_info(h, domid, &info);
    return rc >= 0 && info.domain == domid && !(info.flags & (XEN_DOMINF_shutdown | XEN_DOMINF_dying));
}

/* The daemon's pty for domid, opened; -1 when there is none (no daemon,
 * no node, a node that names no pty). */
static int open_tty(uint16_t domid, char *tty, size_t len)
{
    struct rv_xs *x = rv_xs_open();
    if (!x)
        return -1;
    char path[64];
    snprintf(path, sizeof(path), "/local/domain/%u/console/tty", domid);
    long n = rv_xs_read(x, path, tty, len);
    rv_xs_close(x);
    if (n <= 0 || strncmp(tty, "/dev/pts/", 9) || !tty[9] || strspn(tty + 9, "0123456789") != strlen(tty + 9))
        return -1;
    int fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0 && !isatty(fd)) {
        close(fd);
        return -1;
    }
    return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            struct pollfd pf = { .fd = fd, .events = POLLOUT };
            poll(&pf, 1, 100);
            continue;
        }
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int rv_console_pty(struct rc_handle *h, uint16_t domid, const struct rv_console_opts *o)
{
    char tty[64];
    int fd = open_tty(domid, tty, sizeof(tty));
    if (fd < 0)
        return -1;
    int interactive = !o->follow && !o->timed && !o->marker && isatty(0) && isatty(1);
    struct termios saved;
    int raw = 0;
    if (interactive && tcgetattr(0, &saved) == 0) {
        struct termios t = saved;
        cfmakeraw(&t);
        raw = tcsetattr(0, TCSANOW, &t) == 0;
        fprintf(stderr, "rv console: domain %u on %s (Ctrl-] detaches)\r\n", domid, tty);
    }
    int feed = interactive || o->feed_stdin;
    static char tail[4096];
    size_t tlen = 0;
    int seen = 0, quit = 0;
    size_t mlen = o->marker ? strlen(o->marker) : 0;
    uint64_t now = rv_now_us() / 1000, end = now + (uint64_t)o->secs * 1000, quiet_until = now + 300;
    uint64_t next_look = now + 200;
    int alive = 1;
    while (!quit) {
        struct pollfd pf[2] = { { .fd = fd, .events = POLLIN }, { .fd = feed ? 0 : -1, .events = POLLIN } };
        int n = poll(pf, 2, 100);
        now = rv_now_us() / 1000;
        if (n > 0 && (pf[0].revents & POLLIN)) {
            char buf[1024];
            ssize_t r = read(fd, buf, sizeof(buf));
            if (r > 0) {
                if (write_all(1, buf, (size_t)r) < 0)
                    break;
                quiet_until = now + 300;
                if (mlen && !seen) {
                    /* The marker may straddle two reads: keep a tail. */
                    if (tlen + (size_t)r > sizeof(tail)) {
                        size_t keep = mlen < tlen ? mlen : tlen;
                        memmove(tail, tail + tlen - keep, keep);
                        tlen = keep;
                    }
                    size_t k = (size_t)r < sizeof(tail) - tlen ? (size_t)r : sizeof(tail) - tlen;
                    memcpy(tail + tlen, buf + r - k, k);
                    tlen += k;
                    seen = memmem(tail, tlen, o->marker, mlen) != NULL;
                }
            }
        } else if (n > 0 && (pf[0].revents & (POLLHUP | POLLERR)))
            break;                                  /* the daemon closed it: the domain went */
        if (n > 0 && feed && (pf[1].revents & (POLLIN | POLLHUP))) {
            char in[256];
            ssize_t r = read(0, in, sizeof(in));
            if (r <= 0)
                feed = 0;                           /* end of the input: output goes on */
            else {
                char *esc = interactive ? memchr(in, CTRL_RBRACKET, (size_t)r) : NULL;
                if (esc) {
                    r = esc - in;
                    quit = 1;
                }
                if (r > 0 && write_all(fd, in, (size_t)r) < 0)
                    break;
            }
        }
        if (now >= next_look) {
            alive = domain_running(h, domid);
            next_look = now + 200;
        }
        if (interactive)
            quit |= !alive;
        else if (!o->follow)
            quit |= now >= quiet_until || now >= end;   /* what was queued, then quiet for 300 ms */
        else if (seen || now >= end)
            quit = 1;
        else if (!alive && now >= quiet_until)
            quit = 1;                               /* it stopped: what came with the last look, until quiet */
    }
    if (raw) {
        tcsetattr(0, TCSANOW, &saved);
        fprintf(stderr, "\nrv console: detached from domain %u\n", domid);
    }
    close(fd);
    if (o->marker && !seen) {
        fprintf(stderr, "rv console: domain %u: '%s' not seen on %s%s\n", domid, o->marker, tty,
                o->follow ? " before the timeout" : "");
        return 1;
    }
    return 0;
}
