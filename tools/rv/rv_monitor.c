/*
 * The per-domain monitor `rv create` leaves behind, as `xl create` does: a
 * background process that carries out the domain's on_* keys when it shuts
 * down, and tidies up what dom0 holds for it once it is gone -- the disks
 * (backend nodes removed, loop devices detached: rv_blk_remove_all), the
 * vifs (rv_net_remove_all: netback then unregisters vifD.N) and the
 * xenstore entries (rv_domu_forget).
 *
 * The hypervisor acts on no on_* key of a domain the toolstack built (as
 * Xen): the domain stays shut down, its reason in getdomaininfo, until it is
 * destroyed.  The monitor then does what the domain file says:
 *   destroy, coredump-destroy      destroydomain (no core dump written: said so)
 *   restart, rename-restart,       destroydomain, tidy up, then `rv create FILE`
 *   coredump-restart               again (a new monitor comes with it); the
 *                                  file is read again, not kept from the first
 *                                  create (xl keeps it in memory); rename-restart
 *                                  keeps no renamed copy here
 *   preserve                       nothing: the domain stays shut down (and its
 *                                  disks attached) until `rv destroy`
 * SHUTDOWN_suspend and soft_reset are left alone (nothing here resumes or
 * resets a domain yet).  A domain that restarts RV_QUICK_MAX times in a row,
 * each life under RV_QUICK_S seconds, is destroyed instead (a guest that
 * reboots at once cannot keep dom0 busy forever).
 *
 * It wakes on xenstore's @releaseDomain (fired by xenstored when the
 * hypervisor raises VIRQ_DOM_EXC, docs/toolstack.md), and every 10 s
 * anyway; each time it asks getdomaininfo.  A domain that is dying, gone,
 * or replaced by another with the next id counts as gone.  Without
 * xenstored it polls every 2 s.  What it does goes to
 * /var/log/rv/NAME.log (xl's /var/log/xen/xl-NAME.log).
 *
 * Owner: the monitor process itself; it shares nothing with rv.
 */
#include "rv_monitor.h"
#include "rv_blk.h"
#include "rv_net.h"
#include "rv_domu.h"
#include "rv_xs.h"
#include "ringctl.h"

#include "build_common.h"
#include "public/sched.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RV_QUICK_S   5
#define RV_QUICK_MAX 5

enum look { DOM_RUNNING, DOM_SHUTDOWN, DOM_GONE };

static enum look look(struct rc_handle *h, uint16_t domid, unsigned *reason)
{
    struct xen_domctl_getdomaininfo info;
    long rc = rc_domain_info(h, domid, &info);
    if (rc == -ESRCH || (rc >= 0 && info.domain != domid))
        return DOM_GONE;
    if (rc < 0)
        return DOM_RUNNING;     /* cannot tell: look again later */
    if (info.flags & XEN_DOMINF_dying)
        return DOM_GONE;
    if (info.flags & XEN_DOMINF_shutdown) {
        *reason = (info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
        return DOM_SHUTDOWN;
    }
    return DOM_RUNNING;
}

static FILE *mon_log;

__attribute__((format(printf, 2, 3)))
static void say(uint16_t domid, const char *fmt, ...)
{
    if (!mon_log)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(mon_log, "[%llu ms] d%u: ", (unsigned long long)(rv_now_us() / 1000), domid);
    vfprintf(mon_log, fmt, ap);
    va_end(ap);
    fputc('\n', mon_log);
    fflush(mon_log);
}

static const char *reason_name(unsigned r)
{
    static const char *const n[] = { "poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset" };
    return r < sizeof(n) / sizeof(n[0]) ? n[r] : "unknown";
}

static void watch_loop(uint16_t domid, const struct rv_monitor_plan *plan)
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
    uint64_t born = rv_now_us();
    bool destroyed = false, restart = false, handled = false;
    for (;;) {
        unsigned reason = 0;
        enum look st = look(h, domid, &reason);
        if (st == DOM_GONE)
            break;
        if (st == DOM_SHUTDOWN && !handled) {
            enum domcfg_action act;
            switch (reason) {
            case SHUTDOWN_poweroff: act = plan->on_poweroff; break;
            case SHUTDOWN_reboot:   act = plan->on_reboot; break;
            case SHUTDOWN_crash:    act = plan->on_crash; break;
            case SHUTDOWN_watchdog: act = plan->on_watchdog; break;
            default:
                say(domid, "shut down (%s): left as it is", reason_name(reason));
                handled = true;
                continue;
            }
            handled = true;
            say(domid, "shut down (%s): %s", reason_name(reason), domcfg_action_name(act));
            if (act == DOMCFG_PRESERVE) {
                say(domid, "preserved: it stays until rv destroy");
                break;
            }
            if (act == DOMCFG_COREDUMP_DESTROY || act == DOMCFG_COREDUMP_RESTART)
                say(domid, "no core dump written (not available yet)");
            restart = act == DOMCFG_RESTART || act == DOMCFG_RENAME_RESTART || act == DOMCFG_COREDUMP_RESTART;
            if (restart && plan->quick_restarts >= RV_QUICK_MAX && rv_now_us() - born < RV_QUICK_S * 1000000ull) {
                say(domid, "restarted %u times in a row, each life under %u s: destroyed instead", plan->quick_restarts, RV_QUICK_S);
                restart = false;
            }
            long rc = rc_domain_simple(h, XEN_DOMCTL_destroydomain, domid);
            if (rc < 0 && rc != -ESRCH)
                say(domid, "destroydomain: %s", rc_strerror(rc));
            destroyed = true;
            continue;       /* look again: dying or gone soon */
        }
        if (!x) {
            sleep(destroyed ? 1 : 2);
            continue;
        }
        if (rv_xs_wait_event(x, destroyed ? 1000 : 10000) < 0) {
            rv_xs_close(x);     /* xenstored went away: poll instead */
            x = NULL;
        }
    }
    if (x)
        rv_xs_close(x);
    rc_close(h);
    if (handled && !destroyed)
        return;     /* preserved: its disks and entries stay with it */
    rv_blk_remove_all(domid);
    rv_net_remove_all(domid);
    rv_domu_forget(domid);
    say(domid, "gone: disks, vifs and xenstore entries removed");
    if (!restart || !plan->file)
        return;
    /* A new rv create of the same file: it builds the domain, prints its
     * lines into the log, and leaves the new domain's monitor. */
    char quick[16];
    snprintf(quick, sizeof(quick), "%u", rv_now_us() - born < RV_QUICK_S * 1000000ull ? plan->quick_restarts + 1 : 0);
    setenv("RV_QUICK_RESTARTS", quick, 1);
    say(domid, "restarting: rv create %s", plan->file);
    execl("/proc/self/exe", "rv", "create", plan->file, (char *)NULL);
    say(domid, "restart: exec rv create: %s", strerror(errno));
}

int rv_monitor_spawn(uint16_t domid, const struct rv_monitor_plan *plan)
{
    fflush(NULL);               /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid > 0)
        return 0;
    /* The child: its own session, no terminal, and none of rv's
     * descriptors -- a caller reading rv create's output to its end (a
     * shell's $(...)) must not wait for the monitor.  Its output (and a
     * restart's rv create) goes to the domain's log. */
    setsid();
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    int null = open("/dev/null", O_RDWR);
    int out = -1;
    const char *const dirs[] = { "/var", "/var/log", "/var/log/rv" };
    bool dir_ok = true;
    for (unsigned i = 0; i < 3 && dir_ok; i++)
        dir_ok = mkdir(dirs[i], 0755) == 0 || errno == EEXIST;
    if (dir_ok) {
        char path[160];
        snprintf(path, sizeof(path), "/var/log/rv/%s.log", plan->name[0] ? plan->name : "domain");
        out = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    }
    if (null >= 0)
        dup2(null, 0);
    dup2(out >= 0 ? out : null, 1);
    dup2(out >= 0 ? out : null, 2);
    if (out > 2)
        close(out);
    if (null > 2)
        close(null);
    mon_log = fdopen(dup(1), "a");
    say(domid, "monitor started (on_poweroff %s, on_reboot %s)", domcfg_action_name(plan->on_poweroff),
        domcfg_action_name(plan->on_reboot));
    watch_loop(domid, plan);
    _exit(0);
}
