/*
 * Disks for domUs served by dom0's xen-blkback (rv_blk.c, rv_hotplug.c;
 * docs/split-drivers.md): the hot-plug step (a loop device for a file),
 * the backend and frontend xenstore nodes as libxl writes them, teardown,
 * and rv block-list / block-attach / block-detach.
 *
 * Owner: everything here runs in one rv process, one thread; the state of
 * a connected disk lives in xenstore (physical-device-path names the loop
 * device to detach), so any later rv process can tear it down.
 */
#ifndef RV_TOOLS_RV_BLK_H
#define RV_TOOLS_RV_BLK_H

#include <stddef.h>
#include <stdint.h>

#include "core/domcfg.h"

struct rv_xs;

/* rv_hotplug.c: what the hot-plug step made of a disk's target. */
struct rv_hotplug {
    char dev[DOMCFG_PATH_MAX + 16]; /* the block device blkback opens: /dev/loopN, or the target itself */
    unsigned major, minor;
    int loop;                /* N of /dev/loopN attached here, -1 for a block device target */
};

/* The target exists, is a file or block device, and opens with the disk's
 * access (a rw disk on a file without write bits is refused); 0 or -1 with
 * a reason in err.  Nothing is changed. */
int rv_hotplug_check(const struct domcfg_disk *d, char *err, size_t errlen);
/* The check, then a loop device for a file; 0 or -1 (nothing left behind). */
int rv_hotplug_attach(const struct domcfg_disk *d, struct rv_hotplug *p, char *err, size_t errlen);
/* LOOP_CLR_FD on dev if it is a loop device whose backing file is params
 * (the disk's target: so only what rv attached); freed at blkback's last
 * close if still open.  0 or -errno. */
int rv_hotplug_detach(const char *dev, const char *params);

/* rv_blk.c: the hot-plug step and both directories, written in one
 * transaction (blkback sees a complete backend); 0 or -1 with err. */
int rv_blk_add(struct rv_xs *x, uint16_t domid, const struct domcfg_disk *d, char *err, size_t errlen);
/* Every disk of cfg; on a failure the ones added are removed again. */
int rv_blk_add_all(struct rv_xs *x, uint16_t domid, const struct domcfg *cfg, char *err, size_t errlen);
/* rv_blk_add_all with ctx = the struct domcfg: struct rv_domu's devices hook. */
int rv_blk_plug(struct rv_xs *x, uint16_t domid, const void *ctx, char *err, size_t errlen);
/* Backend online = 0, state = 5 (Closing); waits up to wait_ms for the
 * backend to reach 6 (Closed: a frontend that closed), then removes both
 * directories and detaches the loop device.  1 if it closed, 0 if forced,
 * -errno if there is no such device. */
int rv_blk_remove(struct rv_xs *x, uint16_t domid, uint32_t vdev, unsigned wait_ms);
/* All of a domain's disks, forced (the domain is gone: rv destroy). */
void rv_blk_remove_all(uint16_t domid);

int rv_cmd_block_list(int argc, char **argv);
int rv_cmd_block_attach(int argc, char **argv);
int rv_cmd_block_detach(int argc, char **argv);

#endif
