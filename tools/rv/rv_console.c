/*
 * rv console and rv shutdown (docs/toolstack.md "Xenstore and console for a
 * built domain").
 *
 * rv console [-f] [-i] [-t SECONDS] [-m MARKER] DOMAIN: when the console
 * daemon (rv consoled) serves the domain, through its pty
 * (rv_console_pty.c: interactive with Ctrl-] to detach, or as below; -i
 * feeds stdin to the domain).  Without the daemon rv reads the domain's
 * console ring page itself (its gfn from
 * HVM_PARAM_CONSOLE_PFN, or a PV domain's MFN from xenstore's
 * console/ring-ref, mapped through privcmd): what is between out_cons
 * and out_prod is printed and out_cons advanced, as xenconsoled consumes
 * it.  -f follows new output until the domain is gone, MARKER was printed
 * (-m) or SECONDS passed (-t, default 30 with -f).  Non-interactive: 'in' is
 * never written.  The guest's indexes are read once per pass and checked: a
 * producer more than a ring ahead is taken from its last ring's worth.
 *
 * rv shutdown [-F] [-t SECONDS] DOMAIN: writes control/shutdown = "poweroff"
 * (the domain's xenstore client watches it), waits for the domain to shut
 * down (default 30 s), then does what on_poweroff = "destroy" says: the
 * domain is destroyed if the hypervisor has not already, and its xenstore
 * entries released.  On timeout: an error, or with -F a destroy.
 */
#include "rv_cmds.h"
#include "rv_console_pty.h"
#include "rv_domu.h"
#include "rv_blk.h"
#include "rv_net.h"
#include "rv_xs.h"
#include "ringctl.h"
#include "build_common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "public/console.h"
#include "public/hvm.h"

#define HYPERVISOR_hvm_op   34
#define HVMOP_get_param_op  1

static long get_hvm_param(struct rc_handle *h, uint16_t domid, unsigned idx, uint64_t *val)
{
    struct xen_hvm_param *p = rc_buf_alloc(sizeof(*p));
    if (!p)
        return -ENOMEM;
    memset(p, 0, sizeof(*p));
    p->domid = domid;
    p->index = idx;
    long rc = rc_hypercall(h, HYPERVISOR_hvm_op, HVMOP_get_param_op, (uint64_t)(uintptr_t)p, 0, 0, 0);
    if (rc >= 0)
        *val = p->value;
    rc_buf_free(p, sizeof(*p));
    return rc;
}

/* /local/domain/N/console/ring-ref: 0 with the frame, or -errno. */
static long pv_console_frame(uint16_t domid, uint64_t *frame)
{
    struct rv_xs *x = rv_xs_open();
    if (!x)
        return -errno ? -errno : -ENOENT;
    char path[64], val[32];
    snprintf(path, sizeof(path), "/local/domain/%u/console/ring-ref", domid);
    long n = rv_xs_read(x, path, val, sizeof(val));
    rv_xs_close(x);
    if (n < 0)
        return n;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(val, &end, 10);
    if (n == 0 || *end || errno || !v)
        return -EINVAL;
    *frame = v;
    return 0;
}

/* Alive and not shut down (nor dying). */
static int running(struct rc_handle *h, uint16_t domid)
{
    struct xen_domctl_getdomaininfo info;
    long rc = rc_domain_info(h, domid, &info);
    return rc >= 0 && info.domain == domid && !(info.flags & (XEN_DOMINF_shutdown | XEN_DOMINF_dying));
}

static int exists(struct rc_handle *h, uint16_t domid)
{
    struct xen_domctl_getdomaininfo info;
    long rc = rc_domain_info(h, domid, &info);
    return rc >= 0 && info.domain == domid;
}

static int parse_secs(const char *cmd, const char *s, unsigned *out)
{
    char *end;
    unsigned long v = strtoul(s ? s : "", &end, 10);
    if (!s || !*s || *end || v > 3600) {
        fprintf(stderr, "rv %s: -t takes seconds, 0-3600 (rv help)\n", cmd);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

/* Copies what the ring holds to stdout; sets *seen when the marker was in
 * it (the marker may straddle two passes: the tail is kept). */
static void drain(struct xencons_interface *r, const char *marker, int *seen)
{
    static char tail[256 + sizeof(r->out)];
    static size_t tlen;
    uint32_t prod = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);
    uint32_t cons = r->out_cons;
    if (prod - cons > sizeof(r->out))
        cons = prod - sizeof(r->out);            /* a hostile or confused producer: its last ring's worth */
    while (cons != prod) {
        char c = r->out[cons % sizeof(r->out)];
        cons++;
        putchar(c);
        if (marker) {
            if (tlen == sizeof(tail) - 1) {
                memmove(tail, tail + sizeof(r->out), tlen - sizeof(r->out));
                tlen -= sizeof(r->out);
            }
            tail[tlen++] = c;
            tail[tlen] = 0;
        }
    }
    __atomic_store_n(&r->out_cons, cons, __ATOMIC_RELEASE);
    fflush(stdout);
    /* memmem: a NUL the guest wrote must not hide a marker after it. */
    if (marker && memmem(tail, tlen, marker, strlen(marker)))
        *seen = 1;
}

int rv_cmd_console(int argc, char **argv)
{
    int follow = 0, timed = 0, feed = 0;
    unsigned secs = 30;
    const char *marker = NULL, *dom = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-f"))
            follow = 1;
        else if (!strcmp(argv[i], "-i"))
            feed = 1;
        else if (!strcmp(argv[i], "-t")) {
            timed = 1;
            if (parse_secs("console", i + 1 < argc ? argv[++i] : NULL, &secs))
                return 2;
        } else if (!strcmp(argv[i], "-m") && i + 1 < argc)
            marker = argv[++i];
        else if (argv[i][0] == '-' || dom) {
            fprintf(stderr, "rv console: usage: rv console [-f] [-i] [-t SECONDS] [-m MARKER] DOMAIN (rv help)\n");
            return 2;
        } else
            dom = argv[i];
    }
    if (!dom) {
        fprintf(stderr, "rv console: needs a domain (rv help)\n");
        return 2;
    }
    struct rc_handle *h = rv_open("console");
    if (!h)
        return 1;
    uint16_t id;
    if (rv_lookup_domain(h, "console", dom, &id)) {
        rc_close(h);
        return 1;
    }
    /* The console daemon's pty when it serves the domain (xl console's
     * way); else the ring itself, read here. */
    struct rv_console_opts o = { follow, timed, secs, marker, feed };
    int st = rv_console_pty(h, id, &o);
    if (st >= 0) {
        rc_close(h);
        return st;
    }
    if (feed) {
        fprintf(stderr, "rv console: domain %u: -i needs the console daemon (rv consoled): no console/tty\n", id);
        rc_close(h);
        return 1;
    }
    uint64_t gfn = 0;
    long rc = get_hvm_param(h, id, HVM_PARAM_CONSOLE_PFN, &gfn);
    if (rc < 0 || !gfn) {
        /* A PV domain has no HVM params: its ring's MFN is in xenstore's
         * console/ring-ref, as rv create wrote it (and xenconsoled reads it). */
        long xrc = pv_console_frame(id, &gfn);
        if (xrc < 0) {
            fprintf(stderr, "rv console: domain %u: no console ring (HVM_PARAM_CONSOLE_PFN: %s; xenstore "
                    "console/ring-ref: %s): not built by rv create?\n", id, rc < 0 ? rc_strerror(rc) : "unset",
                    strerror((int)-xrc));
            rc_close(h);
            return 1;
        }
    }
    int ferr = 0;
    struct xencons_interface *r = rc_map_foreign(h, id, &gfn, 1, &ferr);
    if (!r) {
        fprintf(stderr, "rv console: domain %u: mapping its console page %#llx: %s\n", id, (unsigned long long)gfn,
                strerror(errno));
        rc_close(h);
        return 1;
    }
    int seen = 0;
    uint64_t end = (rv_now_us() / 1000) + (uint64_t)secs * 1000;
    drain(r, marker, &seen);
    while (follow && !seen && (rv_now_us() / 1000) < end && running(h, id)) {
        usleep(10000);
        drain(r, marker, &seen);
    }
    drain(r, marker, &seen);        /* what came with the last look at the domain */
    rc_unmap_foreign(r, 1);
    rc_close(h);
    if (marker && !seen) {
        fprintf(stderr, "rv console: domain %u: '%s' not seen%s\n", id, marker, follow ? " before the timeout" : "");
        return 1;
    }
    return 0;
}

/* control/shutdown = what, as xl shutdown/reboot write it: 0, or -errno
 * with the reason in why.  Only a domain rv create gave a store has the
 * node (and a reader of it): writing creates nothing for the others. */
static int ask_shutdown(uint16_t id, const char *what, char *why, size_t len)
{
    struct rv_xs *x = rv_xs_open();
    char path[64];
    snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", id);
    if (!x) {
        snprintf(why, len, "%s: no xenstored", path);
        return -ENOENT;
    }
    char cur[64];
    long n = rv_xs_read(x, path, cur, sizeof(cur));
    int rc = n < 0 ? (int)n : rv_xs_write(x, path, what);
    rv_xs_close(x);
    if (rc < 0)
        snprintf(why, len, "%s: %s", path,
                 rc == -ENOENT ? "no such node: the domain has no xenstore client set up by rv create" : strerror(-rc));
    return rc;
}

/* The domain's name in xenstore ("" if none). */
static void name_of(uint16_t id, char *out, size_t len)
{
    if (rv_domu_name(id, out, len))
        out[0] = 0;
}

/* A running domain other than 'not' with this name: its id, or -1. */
static int running_named(struct rc_handle *h, const char *name, uint16_t not)
{
    static struct xen_domctl_getdomaininfo info[256];
    long n = rc_domain_list(h, 1, info, 256);
    for (long i = 0; i < n; i++) {
        char have[128];
        if (info[i].domain == not || (info[i].flags & (XEN_DOMINF_shutdown | XEN_DOMINF_dying)))
            continue;
        name_of(info[i].domain, have, sizeof(have));
        if (!strcmp(have, name))
            return info[i].domain;
    }
    return -1;
}

/*
 * The command line both rv shutdown and rv reboot take: [FLAG] [-t S]
 * DOMAIN, FLAG being -F (shutdown) or -w (reboot).  On success (-1 back)
 * *h is open and *id names a domU; otherwise the exit status (a line said
 * why).  'what' is the verb for the dom0 refusal ("shut it down").
 */
static int domu_command(const char *cmd, const char *flag, const char *what, int argc, char **argv, int *flag_set,
                        unsigned *secs, struct rc_handle **h, uint16_t *id)
{
    const char *dom = NULL;
    *flag_set = 0;
    *secs = 30;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], flag))
            *flag_set = 1;
        else if (!strcmp(argv[i], "-t")) {
            if (parse_secs(cmd, i + 1 < argc ? argv[++i] : NULL, secs))
                return 2;
        } else if (argv[i][0] == '-' || dom) {
            fprintf(stderr, "rv %s: usage: rv %s [%s] [-t SECONDS] DOMAIN (rv help)\n", cmd, cmd, flag);
            return 2;
        } else
            dom = argv[i];
    }
    if (!dom) {
        fprintf(stderr, "rv %s: needs a domain (rv help)\n", cmd);
        return 2;
    }
    if (!(*h = rv_open(cmd)))
        return 1;
    if (rv_lookup_domain(*h, cmd, dom, id)) {
        rc_close(*h);
        return 1;
    }
    if (*id == 0) {
        fprintf(stderr, "rv %s: domain 0 is the control domain: %s from inside\n", cmd, what);
        rc_close(*h);
        return 1;
    }
    return -1;
}

/*
 * rv reboot [-w] [-t S] DOMAIN: as xl reboot, control/shutdown = "reboot";
 * the guest shuts itself down with reason reboot, and the domain's monitor
 * (rv_monitor.c: on_reboot, "restart" by default) destroys it and runs rv
 * create again.  Waits up to S s (30) for the shutdown; -w: also for the
 * new domain of the same name to run, and prints its id.
 */
int rv_cmd_reboot(int argc, char **argv)
{
    int wait_new;
    unsigned secs;
    struct rc_handle *h;
    uint16_t id;
    int st = domu_command("reboot", "-w", "reboot it", argc, argv, &wait_new, &secs, &h, &id);
    if (st >= 0)
        return st;
    char name[128], why[160];
    name_of(id, name, sizeof(name));
    uint64_t t0 = rv_now_us() / 1000, end = t0 + (uint64_t)secs * 1000;
    if (ask_shutdown(id, "reboot", why, sizeof(why)) < 0) {
        fprintf(stderr, "rv reboot: domain %u: %s\n", id, why);
        rc_close(h);
        return 1;
    }
    while (running(h, id) && rv_now_us() / 1000 < end)
        usleep(10000);
    if (running(h, id)) {
        fprintf(stderr, "rv reboot: domain %u did not shut down within %u s of control/shutdown = \"reboot\" "
                "(no xenstore client watching it?)\n", id, secs);
        rc_close(h);
        return 1;
    }
    printf("rv reboot: domain %u shut down for reboot in %llu ms\n", id,
           (unsigned long long)(rv_now_us() / 1000 - t0));
    int ret = 0;
    if (wait_new) {
        int nid = -1;
        /* The monitor destroys the old domain at once; still there (shut
         * down, not dying) after 3 s means nobody is acting on it. */
        uint64_t stale = rv_now_us() / 1000 + 3000;
        while (rv_now_us() / 1000 < end && (nid = name[0] ? running_named(h, name, id) : -1) < 0) {
            if (exists(h, id) && !running(h, id) && rv_now_us() / 1000 > stale) {
                struct xen_domctl_getdomaininfo info;
                if (rc_domain_info(h, id, &info) >= 0 && info.domain == id && !(info.flags & XEN_DOMINF_dying))
                    break;
            }
            usleep(20000);
        }
        if (nid >= 0)
            printf("rv reboot: %s restarted as domain %d in %llu ms\n", name, nid,
                   (unsigned long long)(rv_now_us() / 1000 - t0));
        else {
            fprintf(stderr, "rv reboot: %s was not restarted within %u s (no monitor: created with rv create -e? "
                    "on_reboot not \"restart\"? its log: /var/log/rv/%s.log)\n", name[0] ? name : "the domain", secs,
                    name[0] ? name : "NAME");
            ret = 1;
        }
    }
    rc_close(h);
    return ret;
}

int rv_cmd_shutdown(int argc, char **argv)
{
    int force;
    unsigned secs;
    struct rc_handle *h;
    uint16_t id;
    int st = domu_command("shutdown", "-F", "shut it down", argc, argv, &force, &secs, &h, &id);
    if (st >= 0)
        return st;
    uint64_t t0 = (rv_now_us() / 1000);
    char why[160];
    int rc = ask_shutdown(id, "poweroff", why, sizeof(why));
    if (rc < 0 && !force) {
        fprintf(stderr, "rv shutdown: domain %u: %s (-F destroys it instead)\n", id, why);
        rc_close(h);
        return 1;
    }
    int done = 0;
    uint64_t end = t0 + (uint64_t)secs * 1000;
    while (rc >= 0 && (rv_now_us() / 1000) < end && !(done = !running(h, id)))
        usleep(10000);
    if (!done && !force) {
        fprintf(stderr, "rv shutdown: domain %u did not shut down within %u s of control/shutdown = \"poweroff\" "
                        "(no xenstore client watching it?); rv shutdown -F or rv destroy ends it\n", id, secs);
        rc_close(h);
        return 1;
    }
    /* Shut down (or forced): what on_poweroff = "destroy" does. */
    long drc = exists(h, id) ? rc_domain_simple(h, XEN_DOMCTL_destroydomain, id) : 0;
    rv_blk_remove_all(id);      /* its disks (rv_blk.c) */
    rv_net_remove_all(id);      /* its vifs (rv_net.c) */
    rv_domu_forget(id);
    for (int i = 0; i < 500 && exists(h, id); i++)
        usleep(10000);
    int gone = !exists(h, id);
    rc_close(h);
    if (drc < 0 && drc != -ESRCH && !gone) {
        fprintf(stderr, "rv shutdown: domain %u: destroy: %s\n", id, rc_strerror(drc));
        return 1;
    }
    printf("rv shutdown: domain %u %s in %llu ms\n", id, done ? "shut down (poweroff)" : "destroyed (-F)",
           (unsigned long long)((rv_now_us() / 1000) - t0));
    return gone ? 0 : 1;
}
