/*
 * A domU's network interfaces in xenstore, as libxl (Xen 4.17) lays them
 * out, so that dom0's unmodified xen-netback serves them, and the work of
 * Xen's vif-bridge hot-plug script done in C (rv_net.h;
 * docs/split-drivers.md "Network interfaces").
 *
 * For domain D and device id N, backend domain 0:
 *
 *   /local/domain/0/backend/vif/D/N   owner 0, D may read:
 *       frontend, frontend-id, online = 1, state = 1, script, mac, bridge,
 *       handle = N, type = vif, mtu, [rate = BYTES,USECS], [vifname],
 *       hotplug-status ("" at first, "connected" from the hot-plug step)
 *   /local/domain/D/device/vif/N      owner D, 0 may read:
 *       backend, backend-id = 0, handle = N, mac, state = 1, mtu
 *
 * One transaction: netback's probe reads frontend-id, handle and script
 * (a missing script is fatal to the probe) as soon as the directory
 * appears.  The probe creates the net device vifD.N at once; netback
 * reports Connected to the frontend only after hotplug-status reads
 * "connected", so the step below runs before the domain is unpaused and
 * the guest never sees a connected interface that is not on its bridge.
 */
#include "rv_net.h"
#include "rv_cmds.h"
#include "rv_devs.h"
#include "rv_xs.h"
#include "ringctl.h"
#include "build_common.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* What Xen's hot-plug would run; netback only passes it on in its uevent,
 * but its probe fails without the node.  Without script= rv does the
 * script's work itself (plug_netdev); with script= it runs that script as
 * libxl does (run_script). */
#define RV_VIF_SCRIPT "/etc/xen/scripts/vif-bridge"
/* Where a relative script= is looked up (libxl's default script dir). */
#define RV_VIF_SCRIPT_DIR "/etc/xen/scripts"
#define RV_VIF_MTU_DEFAULT 1500
/* How long netback may take to create vifD.N after the nodes appear (its
 * probe runs from dom0's xenbus watch; seconds under TCG on a busy host). */
#define RV_VIF_WAIT_MS 20000
/* How long a script= may take for online/offline (libxl's hot-plug timeout
 * is 10 s; TCG is slower). */
#define RV_VIF_SCRIPT_MS 20000

static void be_path(char *buf, size_t len, uint16_t domid, unsigned devid)
{
    snprintf(buf, len, "/local/domain/0/backend/vif/%u/%u", domid, devid);
}

static void fe_path(char *buf, size_t len, uint16_t domid, unsigned devid)
{
    snprintf(buf, len, "/local/domain/%u/device/vif/%u", domid, devid);
}

/* ---- dom0's side of the hot-plug: the bridge and the vif device ---- */

static int is_bridge(const char *name)
{
    char p[96];
    struct stat st;
    snprintf(p, sizeof(p), "/sys/class/net/%s/bridge", name);
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int ifname_ok(const char *name)
{
    size_t n = strlen(name);
    return n > 0 && n < IFNAMSIZ && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

/* script= as libxl resolves it: absolute as given, else in the script dir. */
static void script_path(const struct domcfg_vif *f, char *buf, size_t len)
{
    if (f->script[0] == '/')
        snprintf(buf, len, "%s", f->script);
    else
        snprintf(buf, len, "%s/%s", RV_VIF_SCRIPT_DIR, f->script);
}

int rv_net_check(const struct domcfg_vif *f, char *err, size_t errlen)
{
    if (f->script[0]) {
        /* The script does the plugging (ip=, gatewaydev= and the bridge are
         * its business: it gets them from the nodes and its environment). */
        char sp[DOMCFG_SCRIPT_MAX + sizeof(RV_VIF_SCRIPT_DIR) + 2];
        struct stat st;
        script_path(f, sp, sizeof(sp));
        if (stat(sp, &st)) {
            snprintf(err, errlen, "vif %u: script %s: %s", f->devid, sp, strerror(errno));
            return -1;
        }
        if (!S_ISREG(st.st_mode) || access(sp, X_OK)) {
            snprintf(err, errlen, "vif %u: script %s: not an executable file", f->devid, sp);
            return -1;
        }
    } else if (f->ip[0]) {
        snprintf(err, errlen, "vif %u: ip=%s: the anti-spoofing rules of vif-bridge are not available yet "
                 "(a script= may use it)", f->devid, f->ip);
        return -1;
    } else if (f->gatewaydev[0]) {
        snprintf(err, errlen, "vif %u: gatewaydev=%s belongs to vif-route/vif-nat: give their script=", f->devid,
                 f->gatewaydev);
        return -1;
    }
    if (f->type == DOMCFG_VIF_IOEMU) {
        snprintf(err, errlen, "vif %u: type=ioemu needs a device model: not available (PV/PVH take type=vif)",
                 f->devid);
        return -1;
    }
    if (f->backend[0] && strcmp(f->backend, "0") && strcmp(f->backend, "Domain-0")) {
        snprintf(err, errlen, "vif %u: backend %s: only domain 0 serves vifs yet", f->devid, f->backend);
        return -1;
    }
    if (!ifname_ok(f->bridge) || (!f->script[0] && !is_bridge(f->bridge))) {
        char p[96];
        struct stat st;
        snprintf(p, sizeof(p), "/sys/class/net/%s", f->bridge);
        snprintf(err, errlen, "vif %u: bridge %s: %s in dom0", f->devid, f->bridge,
                 ifname_ok(f->bridge) && stat(p, &st) == 0 ? "not a bridge" : "no such bridge");
        return -1;
    }
    if (f->vifname[0] && !ifname_ok(f->vifname)) {
        snprintf(err, errlen, "vif %u: vifname '%s': not an interface name (1-%d characters)", f->devid,
                 f->vifname, IFNAMSIZ - 1);
        return -1;
    }
    return 0;
}

static int ifreq_ioctl(unsigned long req, struct ifreq *ifr)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -errno;
    int rc = ioctl(s, req, ifr) ? -errno : 0;
    close(s);
    return rc;
}

static void set_ifname(struct ifreq *ifr, const char *name)
{
    memset(ifr, 0, sizeof(*ifr));
    size_t n = strlen(name);        /* callers pass names below IFNAMSIZ (ifname_ok) */
    memcpy(ifr->ifr_name, name, n < IFNAMSIZ ? n : IFNAMSIZ - 1);
}

/* The vif-bridge steps on netback's device: a new name (vifname), the
 * MTU, a port of the bridge, up.  0 or -errno with what failed. */
static int plug_netdev(const char *dev, const struct domcfg_vif *f, unsigned mtu, const char **what)
{
    struct ifreq ifr;
    int rc;
    if (f->vifname[0]) {
        /* Renamed while down (netback creates it down). */
        set_ifname(&ifr, dev);
        memcpy(ifr.ifr_newname, f->vifname, strlen(f->vifname));     /* below IFNAMSIZ: rv_net_check */
        if ((rc = ifreq_ioctl(SIOCSIFNAME, &ifr))) {
            *what = "renaming it to the vifname";
            return rc;
        }
        dev = f->vifname;
    }
    set_ifname(&ifr, dev);
    ifr.ifr_mtu = (int)mtu;
    if ((rc = ifreq_ioctl(SIOCSIFMTU, &ifr))) {
        *what = "setting its MTU";
        return rc;
    }
    unsigned idx = if_nametoindex(dev);
    if (!idx) {
        *what = "finding its index";
        return -errno;
    }
    set_ifname(&ifr, f->bridge);
    ifr.ifr_ifindex = (int)idx;
    if ((rc = ifreq_ioctl(SIOCBRADDIF, &ifr))) {
        *what = "adding it to the bridge";
        return rc;
    }
    set_ifname(&ifr, dev);
    if ((rc = ifreq_ioctl(SIOCGIFFLAGS, &ifr)) == 0) {
        ifr.ifr_flags |= IFF_UP;
        rc = ifreq_ioctl(SIOCSIFFLAGS, &ifr);
    }
    if (rc)
        *what = "bringing it up";
    return rc;
}

/* ---- a script= hot-plug script, run as libxl runs it ---- */

/* `SCRIPT CMD` (online/offline) with libxl's environment for a vif:
 * script, XENBUS_TYPE, XENBUS_PATH and XENBUS_BASE_PATH (relative to dom0's
 * home, as xenstore-read/-write in the script take them), vif = netback's
 * device vifD.N (a vifname is the script's to apply: it is in the backend
 * node), netdev = gatewaydev.  Its stdout goes to rv's stderr (rv's stdout
 * is its own report); it runs in its own process group so that a script
 * still running after RV_VIF_SCRIPT_MS is killed with its children.
 * 0 for exit status 0, else -1 with what happened in why. */
static int run_script(const char *script, const char *cmd, uint16_t domid, unsigned devid, const char *netdev,
                      char *why, size_t whylen)
{
    char xbp[64], vif[32];
    snprintf(xbp, sizeof(xbp), "backend/vif/%u/%u", domid, devid);
    snprintf(vif, sizeof(vif), "vif%u.%u", domid, devid);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, whylen, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        int fd = open("/dev/null", O_RDONLY);
        if (fd >= 0 && fd != 0) {
            dup2(fd, 0);
            close(fd);
        }
        dup2(2, 1);
        setenv("script", script, 1);
        setenv("XENBUS_TYPE", "vif", 1);
        setenv("XENBUS_PATH", xbp, 1);
        setenv("XENBUS_BASE_PATH", "backend", 1);
        setenv("vif", vif, 1);
        setenv("netdev", netdev, 1);
        execl(script, script, cmd, (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid);      /* also here: no race with the kill below */
    int status = 0;
    uint64_t end = rv_now_us() / 1000 + RV_VIF_SCRIPT_MS;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            snprintf(why, whylen, "waitpid: %s", strerror(errno));
            return -1;
        }
        if (rv_now_us() / 1000 >= end) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            snprintf(why, whylen, "%s %s: still running after %u s (killed)", script, cmd, RV_VIF_SCRIPT_MS / 1000);
            return -1;
        }
        usleep(10000);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status))
        snprintf(why, whylen, "%s %s: exit status %d%s", script, cmd, WEXITSTATUS(status),
                 WEXITSTATUS(status) == 127 ? " (could not be run)" : "");
    else
        snprintf(why, whylen, "%s %s: killed by signal %d", script, cmd, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return -1;
}

/* online through the script, then hotplug-status "connected" (which the
 * script writes, as Xen's do) within the same RV_VIF_SCRIPT_MS.  0, or -1
 * with err (hotplug-error quoted when the script left one). */
static int script_online(struct rv_xs *x, uint16_t domid, const struct domcfg_vif *f, char *err, size_t errlen)
{
    char sp[DOMCFG_SCRIPT_MAX + sizeof(RV_VIF_SCRIPT_DIR) + 2], why[256] = "", path[160], hs[32] = "";
    script_path(f, sp, sizeof(sp));
    uint64_t t0 = rv_now_us() / 1000;
    int rc = run_script(sp, "online", domid, f->devid, f->gatewaydev, why, sizeof(why));
    snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%u/%u/hotplug-status", domid, f->devid);
    while (!rc) {
        if (rv_xs_read(x, path, hs, sizeof(hs)) > 0 && !strcmp(hs, "connected"))
            return 0;
        if (rv_now_us() / 1000 >= t0 + RV_VIF_SCRIPT_MS) {
            rv_printable(hs);
            snprintf(why, sizeof(why), "%s online: exit status 0 but hotplug-status '%s', not 'connected'", sp, hs);
            break;
        }
        usleep(20000);
    }
    char he[160] = "";
    snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%u/%u/hotplug-error", domid, f->devid);
    rv_xs_read(x, path, he, sizeof(he));
    rv_printable(he);
    snprintf(err, errlen, "vif %u: %s%s%s", f->devid, why, he[0] ? "; hotplug-error: " : "", he);
    return -1;
}

/* ---- the nodes ---- */

struct kv {
    const char *key;
    char val[128];
};

static void mac_string(char *buf, size_t len, const uint8_t m[6])
{
    snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* One attempt at the transaction; -EAGAIN asks for another. */
static int write_nodes(struct rv_xs *x, uint16_t domid, const struct domcfg_vif *f, const char *mac, unsigned mtu,
                       const char **failed)
{
    char be[96], fe[96], path[160], dn[8], rn[8];
    be_path(be, sizeof(be), domid, f->devid);
    fe_path(fe, sizeof(fe), domid, f->devid);
    snprintf(dn, sizeof(dn), "n%u", domid);
    snprintf(rn, sizeof(rn), "r%u", domid);
    const char *be_perms[2] = { "n0", rn };     /* dom0 owns, the domU reads */
    const char *fe_perms[2] = { dn, "r0" };     /* the domU owns, dom0 reads */
    /* hotplug-status empty from the start (as libxl writes it): netback
     * then waits for "connected" before it reports Connected, also for a
     * frontend that is already running (network-attach). */
    struct kv bk[15] = {
        { "frontend", "" }, { "frontend-id", "" }, { "online", "1" }, { "state", "1" }, { "script", RV_VIF_SCRIPT },
        { "mac", "" }, { "bridge", "" }, { "handle", "" }, { "type", "vif" }, { "mtu", "" }, { "hotplug-status", "" },
    };
    unsigned nb = 11;
    if (f->script[0])
        script_path(f, bk[4].val, sizeof(bk[4].val));  /* the resolved path, as libxl writes it */
    snprintf(bk[0].val, sizeof(bk[0].val), "%s", fe);
    snprintf(bk[1].val, sizeof(bk[1].val), "%u", domid);
    snprintf(bk[5].val, sizeof(bk[5].val), "%s", mac);
    snprintf(bk[6].val, sizeof(bk[6].val), "%s", f->bridge);
    snprintf(bk[7].val, sizeof(bk[7].val), "%u", f->devid);
    snprintf(bk[9].val, sizeof(bk[9].val), "%u", mtu);
    if (f->rate_bytes_per_sec) {
        /* netback's credit: BYTES per USECS period. */
        unsigned long long per = f->rate_bytes_per_sec * f->rate_interval_us / 1000000ull;
        bk[nb].key = "rate";
        snprintf(bk[nb++].val, sizeof(bk[0].val), "%llu,%u", per ? per : 1, f->rate_interval_us);
    }
    if (f->ip[0]) {                             /* only with a script= (rv_net_check) */
        bk[nb].key = "ip";
        snprintf(bk[nb++].val, sizeof(bk[0].val), "%s", f->ip);
    }
    if (f->gatewaydev[0]) {                     /* likewise; offline reads it back */
        bk[nb].key = "gatewaydev";
        snprintf(bk[nb++].val, sizeof(bk[0].val), "%s", f->gatewaydev);
    }
    if (f->vifname[0]) {
        bk[nb].key = "vifname";
        snprintf(bk[nb++].val, sizeof(bk[0].val), "%s", f->vifname);
    }
    struct kv fk[] = {
        { "backend", "" }, { "backend-id", "0" }, { "handle", "" }, { "mac", "" }, { "state", "1" }, { "mtu", "" },
    };
    snprintf(fk[0].val, sizeof(fk[0].val), "%s", be);
    snprintf(fk[2].val, sizeof(fk[2].val), "%u", f->devid);
    snprintf(fk[3].val, sizeof(fk[3].val), "%s", mac);
    snprintf(fk[5].val, sizeof(fk[5].val), "%u", mtu);
    int rc = rv_xs_transaction_start(x);
    if (rc) {
        *failed = "transaction start";
        return rc;
    }
#define TRY(call, what)                                                                                              \
    do {                                                                                                             \
        if ((rc = (call)) < 0) {                                                                                     \
            *failed = what;                                                                                          \
            rv_xs_transaction_end(x, 0);                                                                             \
            return rc;                                                                                               \
        }                                                                                                            \
    } while (0)
    TRY(rv_xs_mkdir(x, fe), "mkdir frontend");
    TRY(rv_xs_set_perms(x, fe, fe_perms, 2), "set_perms frontend");
    for (size_t i = 0; i < sizeof(fk) / sizeof(fk[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", fe, fk[i].key);
        TRY(rv_xs_write(x, path, fk[i].val), "write frontend node");
        TRY(rv_xs_set_perms(x, path, fe_perms, 2), "set_perms frontend node");
    }
    TRY(rv_xs_mkdir(x, be), "mkdir backend");
    TRY(rv_xs_set_perms(x, be, be_perms, 2), "set_perms backend");
    for (unsigned i = 0; i < nb; i++) {
        snprintf(path, sizeof(path), "%s/%s", be, bk[i].key);
        TRY(rv_xs_write(x, path, bk[i].val), "write backend node");
        TRY(rv_xs_set_perms(x, path, be_perms, 2), "set_perms backend node");
    }
#undef TRY
    rc = rv_xs_transaction_end(x, 1);
    if (rc)
        *failed = "transaction end";
    return rc;
}

/* Removes what rv_net_add wrote for one vif (and the empty parents). */
static void remove_nodes(struct rv_xs *x, uint16_t domid, unsigned devid)
{
    char be[96], fe[96], path[96], kids[16];
    be_path(be, sizeof(be), domid, devid);
    fe_path(fe, sizeof(fe), domid, devid);
    /* Removing the backend directory makes dom0's xenbus unregister the
     * device: netback disconnects (unmaps the rings, unbinds the event
     * channels) and unregisters vifD.N, which takes it off the bridge. */
    rv_xs_rm(x, be);
    rv_xs_rm(x, fe);
    /* netback's fatal errors (xenbus_dev_fatal: error/ + its node path). */
    snprintf(path, sizeof(path), "/local/domain/0/error/backend/vif/%u/%u", domid, devid);
    rv_xs_rm(x, path);
    snprintf(path, sizeof(path), "/local/domain/0/error/backend/vif/%u", domid);
    if (rv_xs_directory(x, path, kids, sizeof(kids)) == 0)
        rv_xs_rm(x, path);
    snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%u", domid);
    if (rv_xs_directory(x, path, kids, sizeof(kids)) == 0)
        rv_xs_rm(x, path);
}

int rv_net_add(struct rv_xs *x, uint16_t domid, const struct domcfg_vif *f, char *err, size_t errlen)
{
    char be[96], probe[16], path[160], mac[24];
    be_path(be, sizeof(be), domid, f->devid);
    if (rv_xs_read(x, be, probe, sizeof(probe)) >= 0) {
        snprintf(err, errlen, "vif %u: domain %u already has a vif %u", f->devid, domid, f->devid);
        return -1;
    }
    if (rv_net_check(f, err, errlen))
        return -1;
    uint8_t m[6];
    if (f->mac_given) {
        memcpy(m, f->mac, 6);
    } else {
        /* As libxl: Xen's OUI 00:16:3e, the rest random. */
        m[0] = 0x00, m[1] = 0x16, m[2] = 0x3e;
        if (getrandom(m + 3, 3, 0) != 3) {
            uint64_t t = rv_now_us() ^ ((uint64_t)domid << 20) ^ f->devid;
            m[3] = (uint8_t)(t & 0x7f), m[4] = (uint8_t)(t >> 8), m[5] = (uint8_t)(t >> 16);
        }
        m[3] &= 0x7f;
    }
    mac_string(mac, sizeof(mac), m);
    unsigned mtu = f->mtu ? f->mtu : RV_VIF_MTU_DEFAULT;
    const char *failed = "";
    int rc = -EAGAIN;
    for (int tries = 0; tries < 10 && rc == -EAGAIN; tries++)
        rc = write_nodes(x, domid, f, mac, mtu, &failed);
    if (rc) {
        snprintf(err, errlen, "vif %u: xenstore %s: %s", f->devid, failed, strerror(-rc));
        remove_nodes(x, domid, f->devid);
        return -1;
    }
    /* netback's probe names the device vif<domid>.<handle>. */
    char dev[IFNAMSIZ + 8];
    snprintf(dev, sizeof(dev), "vif%u.%u", domid, f->devid);
    uint64_t end = rv_now_us() / 1000 + RV_VIF_WAIT_MS;
    while (!if_nametoindex(dev)) {
        if (rv_now_us() / 1000 >= end) {
            char e[160] = "";
            snprintf(path, sizeof(path), "/local/domain/0/error/backend/vif/%u/%u/error", domid, f->devid);
            rv_xs_read(x, path, e, sizeof(e));
            snprintf(err, errlen, "vif %u: netback made no %s within %u s%s%s (is xen-netback loaded?)", f->devid,
                     dev, RV_VIF_WAIT_MS / 1000, e[0] ? ": " : "", e);
            remove_nodes(x, domid, f->devid);
            return -1;
        }
        usleep(10000);
    }
    if (f->script[0]) {
        /* The script plugs the device and writes hotplug-status; on a
         * failure its offline undoes what it did, then the nodes go. */
        if (script_online(x, domid, f, err, errlen)) {
            char sp[DOMCFG_SCRIPT_MAX + sizeof(RV_VIF_SCRIPT_DIR) + 2], why[256];
            script_path(f, sp, sizeof(sp));
            run_script(sp, "offline", domid, f->devid, f->gatewaydev, why, sizeof(why));
            remove_nodes(x, domid, f->devid);
            return -1;
        }
        return 0;
    }
    const char *what = "";
    rc = plug_netdev(dev, f, mtu, &what);
    snprintf(path, sizeof(path), "%s/hotplug-status", be);
    if (rc) {
        snprintf(err, errlen, "vif %u: %s: %s: %s", f->devid, dev, what, strerror(-rc));
        rv_xs_write(x, path, "error");
        remove_nodes(x, domid, f->devid);
        return -1;
    }
    rc = rv_xs_write(x, path, "connected");
    if (!rc) {
        char rn[8];
        snprintf(rn, sizeof(rn), "r%u", domid);
        const char *perms[2] = { "n0", rn };
        rc = rv_xs_set_perms(x, path, perms, 2);
    }
    if (rc) {
        snprintf(err, errlen, "vif %u: xenstore write hotplug-status: %s", f->devid, strerror(-rc));
        remove_nodes(x, domid, f->devid);
        return -1;
    }
    return 0;
}

int rv_net_add_all(struct rv_xs *x, uint16_t domid, const struct domcfg *cfg, char *err, size_t errlen)
{
    /* domid is new: vif nodes under it are an earlier holder's. */
    char path[64];
    snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%u", domid);
    static char names[4096];
    long n = rv_xs_directory(x, path, names, sizeof(names));
    if (n >= 0) {
        for (long i = 0, off = 0; i < n; i++) {
            remove_nodes(x, domid, (unsigned)strtoul(names + off, NULL, 10));
            off += (long)strlen(names + off) + 1;
        }
        rv_xs_rm(x, path);
    }
    for (unsigned i = 0; i < cfg->nr_vifs; i++) {
        char e[256];
        if (rv_net_add(x, domid, &cfg->vifs[i], e, sizeof(e))) {
            snprintf(err, errlen, "%s", e);
            while (i--)
                rv_net_remove(x, domid, cfg->vifs[i].devid, 0);
            return -1;
        }
    }
    return 0;
}

int rv_net_remove(struct rv_xs *x, uint16_t domid, unsigned devid, unsigned wait_ms)
{
    char be[96], path[160], st[16] = "";
    be_path(be, sizeof(be), domid, devid);
    snprintf(path, sizeof(path), "%s/state", be);
    if (rv_xs_read(x, path, st, sizeof(st)) < 0 && rv_xs_read(x, be, st, sizeof(st)) < 0)
        return -ENOENT;
    /* As libxl asks a device to go: offline, backend Closing; a live
     * netfront closes and netback reaches Closed. */
    snprintf(path, sizeof(path), "%s/online", be);
    rv_xs_write(x, path, "0");
    snprintf(path, sizeof(path), "%s/state", be);
    rv_xs_write(x, path, "5");
    int closed = 0;
    for (uint64_t end = rv_now_us() / 1000 + wait_ms; wait_ms;) {
        if (rv_xs_read(x, path, st, sizeof(st)) > 0 && !strcmp(st, "6")) {
            closed = 1;
            break;
        }
        if (rv_now_us() / 1000 >= end)
            break;
        usleep(20000);
    }
    /* A vif plugged by a script= is unplugged by it (offline) while its
     * nodes are still there to read; the backend's script node is dom0's
     * own (the domU may only read it). */
    char sp[160] = "", gw[DOMCFG_IFNAME_MAX] = "", why[256];
    snprintf(path, sizeof(path), "%s/script", be);
    if (rv_xs_read(x, path, sp, sizeof(sp)) > 0 && strcmp(sp, RV_VIF_SCRIPT)) {
        snprintf(path, sizeof(path), "%s/gatewaydev", be);
        rv_xs_read(x, path, gw, sizeof(gw));
        if (run_script(sp, "offline", domid, devid, gw, why, sizeof(why)))
            fprintf(stderr, "rv: d%u vif %u: %s\n", domid, devid, why);
    }
    remove_nodes(x, domid, devid);
    return closed;
}

void rv_net_remove_all(uint16_t domid)
{
    struct rv_xs *x = rv_xs_open();
    if (!x)
        return;
    char path[64];
    static char names[4096];
    snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%u", domid);
    long n = rv_xs_directory(x, path, names, sizeof(names));
    for (long i = 0, off = 0; i < n; i++) {
        unsigned devid = (unsigned)strtoul(names + off, NULL, 10);
        off += (long)strlen(names + off) + 1;
        rv_net_remove(x, domid, devid, 0);
    }
    rv_xs_rm(x, path);
    rv_xs_close(x);
}

/* ---- rv network-list / network-attach / network-detach ---- */

int rv_cmd_network_list(int argc, char **argv)
{
    uint16_t id;
    if (argc != 2) {
        fprintf(stderr, "rv network-list: needs one DOMAIN (rv help)\n");
        return 2;
    }
    if (rv_domain_arg("network-list", argv[1], &id))
        return 1;
    struct rv_xs *x = rv_open_xs("network-list");
    if (!x)
        return 1;
    char path[160], fe[96], be[96];
    static char names[4096];
    /* The vifs are dom0's backend directory; the frontend's values are the
     * guest's (printable ASCII only). */
    snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%u", id);
    long n = rv_xs_directory(x, path, names, sizeof(names));
    printf("%-4s %-3s %-18s %-8s %-8s %-6s %-15s %-10s %-10s %s\n", "Idx", "BE", "Mac Addr.", "FE-state", "BE-state",
           "evt-ch", "tx-/rx-ring-ref", "bridge", "hotplug", "BE-path");
    for (long i = 0, off = 0; i < n; i++) {
        const char *name = names + off;
        off += (long)strlen(name) + 1;
        unsigned devid = (unsigned)strtoul(name, NULL, 10);
        char fst[8] = "?", bst[8] = "?", ev[16] = "-", tx[16] = "-", rx[16] = "-", mac[24] = "?", br[24] = "?";
        char hs[16] = "-";
        fe_path(fe, sizeof(fe), id, devid);
        be_path(be, sizeof(be), id, devid);
#define RD(dir, key, buf) (snprintf(path, sizeof(path), "%s/%s", dir, key), rv_xs_read(x, path, buf, sizeof(buf)))
        RD(fe, "state", fst);
        /* One queue: at the top; several: per queue (the first shown). */
        if (RD(fe, "event-channel", ev) < 0 && RD(fe, "event-channel-tx", ev) < 0 &&
            RD(fe, "queue-0/event-channel", ev) < 0)
            RD(fe, "queue-0/event-channel-tx", ev);
        if (RD(fe, "tx-ring-ref", tx) < 0)
            RD(fe, "queue-0/tx-ring-ref", tx);
        if (RD(fe, "rx-ring-ref", rx) < 0)
            RD(fe, "queue-0/rx-ring-ref", rx);
        RD(be, "state", bst);
        RD(be, "mac", mac);
        RD(be, "bridge", br);
        RD(be, "hotplug-status", hs);
#undef RD
        rv_printable(fst);
        rv_printable(ev);
        rv_printable(tx);
        rv_printable(rx);
        char rings[40];
        snprintf(rings, sizeof(rings), "%s/%s", tx, rx);
        printf("%-4u %-3s %-18s %-8s %-8s %-6s %-15s %-10s %-10s %s\n", devid, "0", mac, fst, bst, ev, rings, br, hs,
               be);
    }
    rv_xs_close(x);
    return 0;
}

static int parse_spec(const char *spec, struct domcfg_vif *out)
{
    static struct domcfg cfg;
    if (rv_parse_device_spec("network-attach", "vif", spec, &cfg))
        return -1;
    *out = cfg.vifs[0];
    return 0;
}

int rv_cmd_network_attach(int argc, char **argv)
{
    uint16_t id;
    struct domcfg_vif f;
    if (argc != 3) {
        fprintf(stderr, "rv network-attach: needs DOMAIN and a VIFSPEC (rv help)\n");
        return 2;
    }
    if (parse_spec(argv[2], &f) || rv_domain_arg("network-attach", argv[1], &id))
        return 1;
    if (id == 0) {
        fprintf(stderr, "rv network-attach: domain 0 serves vifs, it does not get them\n");
        return 1;
    }
    struct rv_xs *x = rv_open_xs("network-attach");
    if (!x)
        return 1;
    char path[96], v[16], err[320];
    snprintf(path, sizeof(path), "/local/domain/%u/domid", id);
    if (rv_xs_read(x, path, v, sizeof(v)) <= 0) {
        fprintf(stderr, "rv network-attach: d%u has no xenstore entries (not running, or not built by rv create)\n",
                id);
        rv_xs_close(x);
        return 1;
    }
    /* No devid given: the lowest one the domain does not have yet. */
    if (!f.devid_given) {
        for (f.devid = 0; f.devid < 65536; f.devid++) {
            snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%u/%u", id, f.devid);
            if (rv_xs_read(x, path, v, sizeof(v)) < 0)
                break;
        }
    }
    int rc = rv_net_add(x, id, &f, err, sizeof(err));
    char mac[24] = "";
    snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%u/%u/mac", id, f.devid);
    if (!rc)
        rv_xs_read(x, path, mac, sizeof(mac));
    rv_xs_close(x);
    if (rc) {
        fprintf(stderr, "rv network-attach: d%u: %s\n", id, err);
        return 1;
    }
    printf("rv network-attach: d%u: vif %u (mac %s) on bridge %s attached\n", id, f.devid, mac, f.bridge);
    return 0;
}

int rv_cmd_network_detach(int argc, char **argv)
{
    uint16_t id;
    if (argc != 3) {
        fprintf(stderr, "rv network-detach: needs DOMAIN and a DEVID or MAC (rv help)\n");
        return 2;
    }
    if (rv_domain_arg("network-detach", argv[1], &id))
        return 1;
    struct rv_xs *x = rv_open_xs("network-detach");
    if (!x)
        return 1;
    /* A devid, or a MAC looked up among dom0's backend nodes. */
    long devid = -1;
    char *end;
    unsigned long v = strtoul(argv[2], &end, 10);
    if (argv[2][0] && !*end && v < 65536) {
        devid = (long)v;
    } else if (strchr(argv[2], ':')) {
        char path[160], mac[24];
        static char names[4096];
        snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%u", id);
        long n = rv_xs_directory(x, path, names, sizeof(names));
        for (long i = 0, off = 0; i < n && devid < 0; i++) {
            const char *name = names + off;
            off += (long)strlen(name) + 1;
            snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%u/%.16s/mac", id, name);
            if (rv_xs_read(x, path, mac, sizeof(mac)) > 0 && !strcasecmp(mac, argv[2]))
                devid = strtol(name, NULL, 10);
        }
    }
    if (devid < 0) {
        fprintf(stderr, "rv network-detach: d%u has no vif '%s' (give a devid or a MAC)\n", id, argv[2]);
        rv_xs_close(x);
        return 1;
    }
    int rc = rv_net_remove(x, id, (unsigned)devid, 5000);
    rv_xs_close(x);
    if (rc < 0) {
        fprintf(stderr, "rv network-detach: d%u has no vif %ld\n", id, devid);
        return 1;
    }
    printf("rv network-detach: d%u: vif %ld detached (%s)\n", id, devid,
           rc ? "the frontend closed" : "forced: the frontend did not close within 5 s");
    return 0;
}
