/*
 * A domU's disks in xenstore, as libxl (Xen 4.17) lays them out, so that
 * dom0's unmodified xen-blkback serves them (rv_blk.h; docs/split-drivers.md).
 *
 * For domain D and vdev number N, backend domain 0:
 *
 *   /local/domain/0/backend/vbd/D/N   owner 0, D may read:
 *       frontend, frontend-id, online = 1, removable, bootable = 1, state = 1,
 *       dev, type = phy, mode = w|r, device-type = disk|cdrom, params,
 *       discard-enable, physical-device (hex MAJOR:MINOR) and
 *       physical-device-path (what the hot-plug step made), hotplug-status
 *   /local/domain/D/device/vbd/N      owner D, 0 may read:
 *       backend, backend-id = 0, state = 1, virtual-device = N, device-type,
 *       trusted = 1
 *
 * All in one transaction: blkback's watch on its backend directory probes
 * the device at its first node, and a probe that finds frontend-id missing
 * does not retry.  physical-device is there from the start, so blkback
 * opens the device as soon as it probes and goes to state 2 (InitWait).
 */
#include "rv_blk.h"
#include "rv_cmds.h"
#include "rv_devs.h"
#include "rv_xs.h"
#include "ringctl.h"
#include "build_common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void be_path(char *buf, size_t len, uint16_t domid, uint32_t vdev)
{
    snprintf(buf, len, "/local/domain/0/backend/vbd/%u/%u", domid, vdev);
}

static void fe_path(char *buf, size_t len, uint16_t domid, uint32_t vdev)
{
    snprintf(buf, len, "/local/domain/%u/device/vbd/%u", domid, vdev);
}

struct kv {
    const char *key;
    char val[300];
};

/* One attempt at the transaction; -EAGAIN asks for another. */
static int write_nodes(struct rv_xs *x, uint16_t domid, const struct domcfg_disk *d, const struct rv_hotplug *p,
                       const char **failed)
{
    char be[96], fe[96], path[160], dn[8], rn[8];
    be_path(be, sizeof(be), domid, d->vdev);
    fe_path(fe, sizeof(fe), domid, d->vdev);
    snprintf(dn, sizeof(dn), "n%u", domid);
    snprintf(rn, sizeof(rn), "r%u", domid);
    const char *be_perms[2] = { "n0", rn };     /* dom0 owns, the domU reads */
    const char *fe_perms[2] = { dn, "r0" };     /* the domU owns, dom0 reads */
    struct kv bk[] = {
        { "frontend", "" }, { "frontend-id", "" }, { "online", "1" }, { "removable", "" }, { "bootable", "1" },
        { "state", "1" }, { "dev", "" }, { "type", "phy" }, { "mode", "" }, { "device-type", "" },
        { "params", "" }, { "discard-enable", "" }, { "physical-device", "" }, { "physical-device-path", "" },
        { "hotplug-status", "connected" },
    };
    snprintf(bk[0].val, sizeof(bk[0].val), "%s", fe);
    snprintf(bk[1].val, sizeof(bk[1].val), "%u", domid);
    snprintf(bk[3].val, sizeof(bk[3].val), "%d", d->cdrom ? 1 : 0);
    snprintf(bk[6].val, sizeof(bk[6].val), "%s", d->vdev_name);
    snprintf(bk[8].val, sizeof(bk[8].val), "%s", d->readonly ? "r" : "w");
    snprintf(bk[9].val, sizeof(bk[9].val), "%s", d->cdrom ? "cdrom" : "disk");
    snprintf(bk[10].val, sizeof(bk[10].val), "%s", d->target);
    snprintf(bk[11].val, sizeof(bk[11].val), "%d", d->discard ? 1 : 0);
    snprintf(bk[12].val, sizeof(bk[12].val), "%x:%x", p->major, p->minor);
    snprintf(bk[13].val, sizeof(bk[13].val), "%s", p->dev);
    /* trusted = 1: the backend is dom0 (libxl writes it since XSA-403; a
     * frontend that reads 0 bounces every request through its own pages). */
    struct kv fk[] = {
        { "backend", "" }, { "backend-id", "0" }, { "state", "1" }, { "virtual-device", "" }, { "device-type", "" },
        { "trusted", "1" },
    };
    snprintf(fk[0].val, sizeof(fk[0].val), "%s", be);
    snprintf(fk[3].val, sizeof(fk[3].val), "%u", d->vdev);
    snprintf(fk[4].val, sizeof(fk[4].val), "%s", d->cdrom ? "cdrom" : "disk");
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
    for (size_t i = 0; i < sizeof(bk) / sizeof(bk[0]); i++) {
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

int rv_blk_add(struct rv_xs *x, uint16_t domid, const struct domcfg_disk *d, char *err, size_t errlen)
{
    char be[96], probe[16];
    be_path(be, sizeof(be), domid, d->vdev);
    if (rv_xs_read(x, be, probe, sizeof(probe)) >= 0) {
        snprintf(err, errlen, "vdev %s: domain %u already has a disk %u", d->vdev_name, domid, d->vdev);
        return -1;
    }
    struct rv_hotplug p;
    if (rv_hotplug_attach(d, &p, err, errlen))
        return -1;
    const char *failed = "";
    int rc = -EAGAIN;
    for (int tries = 0; tries < 10 && rc == -EAGAIN; tries++)
        rc = write_nodes(x, domid, d, &p, &failed);
    if (rc) {
        snprintf(err, errlen, "vdev %s: xenstore %s: %s", d->vdev_name, failed, strerror(-rc));
        if (p.loop >= 0)
            rv_hotplug_detach(p.dev, d->target);
        return -1;
    }
    return 0;
}

static void remove_stale(struct rv_xs *x, uint16_t domid);

int rv_blk_add_all(struct rv_xs *x, uint16_t domid, const struct domcfg *cfg, char *err, size_t errlen)
{
    /* domid is new: backend nodes under it are an earlier holder's, left
     * when that domain stopped on its own with no rv to tear its disks
     * down.  Removed (and their loop devices detached) before the new
     * domain can read them. */
    remove_stale(x, domid);
    for (unsigned i = 0; i < cfg->nr_disks; i++) {
        char e[200];
        if (rv_blk_add(x, domid, &cfg->disks[i], e, sizeof(e))) {
            snprintf(err, errlen, "disk %u: %s", i, e);
            while (i--)
                rv_blk_remove(x, domid, cfg->disks[i].vdev, 0);
            return -1;
        }
    }
    return 0;
}

int rv_blk_plug(struct rv_xs *x, uint16_t domid, const void *ctx, char *err, size_t errlen)
{
    return rv_blk_add_all(x, domid, ctx, err, errlen);
}

int rv_blk_remove(struct rv_xs *x, uint16_t domid, uint32_t vdev, unsigned wait_ms)
{
    char be[96], fe[96], path[160], dev[DOMCFG_PATH_MAX + 16] = "", params[DOMCFG_PATH_MAX + 16] = "";
    char st[16] = "";
    be_path(be, sizeof(be), domid, vdev);
    fe_path(fe, sizeof(fe), domid, vdev);
    snprintf(path, sizeof(path), "%s/physical-device-path", be);
    long n = rv_xs_read(x, path, dev, sizeof(dev));
    snprintf(path, sizeof(path), "%s/params", be);
    rv_xs_read(x, path, params, sizeof(params));
    snprintf(path, sizeof(path), "%s/state", be);
    if (n < 0 && rv_xs_read(x, path, st, sizeof(st)) < 0)
        return -ENOENT;
    /* As libxl asks a device to go: offline, backend Closing.  A live
     * frontend closes and blkback reaches Closed; one that does not (or a
     * domain that is gone) is forced by removing the nodes. */
    snprintf(path, sizeof(path), "%s/online", be);
    rv_xs_write(x, path, "0");
    snprintf(path, sizeof(path), "%s/state", be);
    rv_xs_write(x, path, "5");
    int closed = 0;
    for (uint64_t end = (rv_now_us() / 1000) + wait_ms; wait_ms;) {
        if (rv_xs_read(x, path, st, sizeof(st)) > 0 && !strcmp(st, "6")) {
            closed = 1;
            break;
        }
        if ((rv_now_us() / 1000) >= end)
            break;
        usleep(20000);
    }
    /* Removing the backend directory makes dom0's xenbus unregister the
     * device: blkback unmaps the ring and the data grants and closes the
     * block device. */
    rv_xs_rm(x, be);
    rv_xs_rm(x, fe);
    /* Where blkback reports a fatal error (xenbus_dev_fatal: error/ + its
     * node path, under dom0's home), as libxl removes it too. */
    snprintf(path, sizeof(path), "/local/domain/0/error/backend/vbd/%u/%u", domid, vdev);
    rv_xs_rm(x, path);
    snprintf(path, sizeof(path), "/local/domain/0/error/backend/vbd/%u", domid);
    char ek[16];
    if (rv_xs_directory(x, path, ek, sizeof(ek)) == 0)
        rv_xs_rm(x, path);
    snprintf(path, sizeof(path), "/local/domain/0/backend/vbd/%u", domid);
    char kids[16];
    if (rv_xs_directory(x, path, kids, sizeof(kids)) == 0)
        rv_xs_rm(x, path);
    if (dev[0] && params[0]) {
        int rc = rv_hotplug_detach(dev, params);
        if (rc)
            fprintf(stderr, "rv: d%u vdev %u: detaching %s: %s\n", domid, vdev, dev, strerror(-rc));
    }
    return closed;
}

static void remove_stale(struct rv_xs *x, uint16_t domid)
{
    char path[64];
    static char names[4096];
    snprintf(path, sizeof(path), "/local/domain/0/backend/vbd/%u", domid);
    long n = rv_xs_directory(x, path, names, sizeof(names));
    for (long i = 0, off = 0; i < n; i++) {
        uint32_t vdev = (uint32_t)strtoul(names + off, NULL, 10);
        off += (long)strlen(names + off) + 1;
        rv_blk_remove(x, domid, vdev, 0);
    }
    rv_xs_rm(x, path);
}

void rv_blk_remove_all(uint16_t domid)
{
    struct rv_xs *x = rv_xs_open();
    if (!x)
        return;
    remove_stale(x, domid);
    rv_xs_close(x);
}

/* ---- rv block-list / block-attach / block-detach ---- */

int rv_cmd_block_list(int argc, char **argv)
{
    uint16_t id;
    if (argc != 2) {
        fprintf(stderr, "rv block-list: needs one DOMAIN (rv help)\n");
        return 2;
    }
    if (rv_domain_arg("block-list", argv[1], &id))
        return 1;
    struct rv_xs *x = rv_open_xs("block-list");
    if (!x)
        return 1;
    char path[128], fe[96], be[96];
    static char names[4096];
    /* The disks are the backend's directory (dom0's); the frontend's is
     * the domain's own, where it could hide or invent entries. */
    snprintf(path, sizeof(path), "/local/domain/0/backend/vbd/%u", id);
    long n = rv_xs_directory(x, path, names, sizeof(names));
    printf("%-10s %-3s %-8s %-8s %-6s %-8s %-12s %s\n", "Vdev", "BE", "FE-state", "BE-state", "evt-ch", "ring-ref",
           "device", "BE-path");
    for (long i = 0, off = 0; i < n; i++) {
        const char *name = names + off;
        off += (long)strlen(name) + 1;
        uint32_t vdev = (uint32_t)strtoul(name, NULL, 10);
        char bid[8] = "?", fst[8] = "?", bst[8] = "?", ev[16] = "-", rr[16] = "-", pd[DOMCFG_PATH_MAX + 16] = "-";
        fe_path(fe, sizeof(fe), id, vdev);
        be_path(be, sizeof(be), id, vdev);
#define RD(dir, key, buf) (snprintf(path, sizeof(path), "%s/%s", dir, key), rv_xs_read(x, path, buf, sizeof(buf)))
        RD(fe, "backend-id", bid);
        RD(fe, "state", fst);
        RD(fe, "event-channel", ev);
        RD(fe, "ring-ref", rr);
        RD(be, "state", bst);
        RD(be, "physical-device-path", pd);
#undef RD
        /* The frontend's values are the guest's: printable ASCII only. */
        rv_printable(bid);
        rv_printable(fst);
        rv_printable(ev);
        rv_printable(rr);
        printf("%-10u %-3s %-8s %-8s %-6s %-8s %-12s %s\n", vdev, bid, fst, bst, ev, rr, pd, be);
    }
    rv_xs_close(x);
    return 0;
}

static int parse_spec(const char *spec, struct domcfg_disk *out)
{
    static struct domcfg cfg;
    if (rv_parse_device_spec("block-attach", "disk", spec, &cfg))
        return -1;
    *out = cfg.disks[0];
    return 0;
}

int rv_cmd_block_attach(int argc, char **argv)
{
    uint16_t id;
    struct domcfg_disk d;
    if (argc != 3) {
        fprintf(stderr, "rv block-attach: needs DOMAIN and a DISKSPEC (rv help)\n");
        return 2;
    }
    if (parse_spec(argv[2], &d) || rv_domain_arg("block-attach", argv[1], &id))
        return 1;
    if (id == 0) {
        fprintf(stderr, "rv block-attach: domain 0 serves disks, it does not get them\n");
        return 1;
    }
    struct rv_xs *x = rv_open_xs("block-attach");
    if (!x)
        return 1;
    /* Only a domain with its own entries (rv create wrote them): nodes for
     * a domain that is not there would wait for a frontend that never comes. */
    char path[64], v[16];
    snprintf(path, sizeof(path), "/local/domain/%u/domid", id);
    if (rv_xs_read(x, path, v, sizeof(v)) <= 0) {
        fprintf(stderr, "rv block-attach: d%u has no xenstore entries (not running, or not built by rv create)\n", id);
        rv_xs_close(x);
        return 1;
    }
    char err[256];
    int rc = rv_blk_add(x, id, &d, err, sizeof(err));
    rv_xs_close(x);
    if (rc) {
        fprintf(stderr, "rv block-attach: d%u: %s\n", id, err);
        return 1;
    }
    printf("rv block-attach: d%u: vdev %s (%u) attached\n", id, d.vdev_name, d.vdev);
    return 0;
}

int rv_cmd_block_detach(int argc, char **argv)
{
    uint16_t id;
    uint32_t vdev;
    if (argc != 3) {
        fprintf(stderr, "rv block-detach: needs DOMAIN and a DEV (rv help)\n");
        return 2;
    }
    const char *why = domcfg_vdev_decode(argv[2], &vdev);
    if (why) {
        fprintf(stderr, "rv block-detach: '%s': %s\n", argv[2], why);
        return 1;
    }
    if (rv_domain_arg("block-detach", argv[1], &id))
        return 1;
    struct rv_xs *x = rv_open_xs("block-detach");
    if (!x)
        return 1;
    int rc = rv_blk_remove(x, id, vdev, 5000);
    rv_xs_close(x);
    if (rc < 0) {
        fprintf(stderr, "rv block-detach: d%u has no disk %s (%u)\n", id, argv[2], vdev);
        return 1;
    }
    printf("rv block-detach: d%u: vdev %u detached (%s)\n", id, vdev,
           rc ? "the frontend closed" : "forced: the frontend did not close within 5 s");
    return 0;
}
