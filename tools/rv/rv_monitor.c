/*
 * The per-domain monitor `rv create` leaves behind, as `xl create` does:
 * a background process that waits for its domain to be gone and then
 * tidies up what dom0 holds for it -- the disks (backend nodes removed,
 * loop devices detached: rv_blk_remove_all), the vifs (rv_net_remove_all:
 * netback then unregisters vifD.N) and the xenstore entries
 * (rv_domu_forget).  `rv destroy` and `rv shutdown` do the same at once;
 * the monitor is for a domain that stops on its own (it powers off,
 * crashes, or its watchdog fires) with no rv running.
 *
 * It wakes on xenstore's @releaseDomain (fired by xenstored when the
 * hypervisor raises VIRQ_DOM_EXC, docs/toolstack.md), and every 10 s
 * anyway; each time it asks getdomaininfo.  A domain that is dying, gone,
 * or replaced by another with the next id counts as gone.  A shut-down
 * domain that is kept (on_poweroff = "preserve") is not gone: its disks
 * stay until it is destroyed.  Without xenstored it polls every 2 s.
 *
 * Owner: the monitor process itself; it shares nothing with rv.
 */
#include "rv_monitor.h"
#include "rv_blk.h"
#include "rv_net.h"
#include "rv_domu.h"
#include "rv_xs.h"
#include "ringctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int gone(struct rc_handle *h, uint16_t domid)
{
    struct xen_domctl_getdomaininfo info;
    long rc = rc_domain_info(h, domid, &info);
    if (rc == -ESRCH || (rc >= 0 && info.domain != domid))
        return 1;
    return rc >= 0 && (info.flags & XEN_DOMINF_dying);
}

static void watch_loop(uint16_t domid)
{
    char err[160];
    struct rc_handle *h = rc_open(err, sizeof(err));
    if (!h)
        return;
    struct rv_xs *x = rv_xs_open();
    if (x && rv_xs_watch(x, "@releaseDomain", "rv-monitor")) {
        rv_xs_close(x);
        x = NULL;
    }
    while (!gone(h, domid)) {
        if (!x) {
            sleep(2);
            continue;
        }
        if (rv_xs_wait_event(x, 10000) < 0) {
            rv_xs_close(x);     /* xenstored went away: poll instead */
            x = NULL;
        }
    }
    if (x)
        rv_xs_close(x);
    rc_close(h);
    rv_blk_remove_all(domid);
    rv_net_remove_all(domid);
    rv_domu_forget(domid);
}

int rv_monitor_spawn(uint16_t domid)
{
    fflush(NULL);               /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid > 0)
        return 0;
    /* The child: its own session, no terminal, and none of rv's
     * descriptors -- a caller reading rv create's output to its end (a
     * shell's $(...)) must not wait for the monitor. */
    setsid();
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
    }
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    watch_loop(domid);
    _exit(0);
}
