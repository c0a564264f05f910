/*
 * The disk hot-plug step in C (rv_blk.h; docs/split-drivers.md "Hot-plug in
 * C"): what Xen's /etc/xen/scripts/block does from udev, done by rv itself
 * in dom0 before it writes the backend's physical-device node.
 *
 *   - a block device target: its st_rdev is the physical device;
 *   - a regular file: attached to a free loop device (LOOP_CTL_GET_FREE on
 *     /dev/loop-control, then LOOP_CONFIGURE, or LOOP_SET_FD and
 *     LOOP_SET_STATUS64 on kernels before 5.8), read-only when the disk's
 *     access is; the loop device is the physical device.
 *
 * Undone by rv_hotplug_detach: LOOP_CLR_FD.  While blkback still holds the
 * device open the kernel only marks it autoclear and frees it at the last
 * close, so the detach can be asked for before blkback lets go.
 */
#include "rv_blk.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* RV_LOOP_CONTROL names another control node: the tests point it at a
 * missing one to see the "no loop device" refusal. */
static const char *loop_control(void)
{
    const char *p = getenv("RV_LOOP_CONTROL");
    return p && *p ? p : "/dev/loop-control";
}

/* Opens the target with the disk's access and checks what was opened (not
 * the path: a file swapped for a symlink to dom0's disk between a stat and
 * an open must not get through): a regular file or a block device, with
 * write bits for a rw disk.  The descriptor, or -1 with a reason. */
static int open_target(const struct domcfg_disk *d, struct stat *st, char *err, size_t errlen)
{
    if (!d->target[0]) {
        snprintf(err, errlen, "vdev %s: an empty drive (no target): not available yet", d->vdev_name);
        return -1;
    }
    if (d->script[0]) {
        snprintf(err, errlen, "vdev %s: script %s: only the built-in block hot-plug is available", d->vdev_name,
                 d->script);
        return -1;
    }
    if (d->backend[0] && strcmp(d->backend, "0") && strcmp(d->backend, "Domain-0")) {
        snprintf(err, errlen, "vdev %s: backend %s: only domain 0 serves disks yet", d->vdev_name, d->backend);
        return -1;
    }
    /* O_NONBLOCK: a FIFO or device given by mistake must not hang the open. */
    int fd = open(d->target, (d->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        struct stat ps;
        if (e != ENOENT && stat(d->target, &ps) == 0 && !d->readonly && S_ISREG(ps.st_mode) &&
            !(ps.st_mode & 0222))
            snprintf(err, errlen, "vdev %s: target '%s' is read-only (mode %03o) but the disk is rw: give access r",
                     d->vdev_name, d->target, (unsigned)(ps.st_mode & 0777));
        else if (e == ENOENT || e == ENOTDIR)
            snprintf(err, errlen, "vdev %s: target '%s': %s", d->vdev_name, d->target, strerror(e));
        else
            snprintf(err, errlen, "vdev %s: target '%s' (%s): %s", d->vdev_name, d->target,
                     d->readonly ? "read-only" : "read-write", strerror(e));
        return -1;
    }
    if (fstat(fd, st)) {
        snprintf(err, errlen, "vdev %s: target '%s': %s", d->vdev_name, d->target, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st->st_mode) && !S_ISBLK(st->st_mode)) {
        snprintf(err, errlen, "vdev %s: target '%s': neither a regular file nor a block device", d->vdev_name,
                 d->target);
        close(fd);
        return -1;
    }
    /* Root opens a mode-0444 file for writing anyway: the mode bits are
     * the owner's statement that it is read-only, so a rw disk is refused. */
    if (!d->readonly && !(st->st_mode & 0222)) {
        snprintf(err, errlen, "vdev %s: target '%s' is read-only (mode %03o) but the disk is rw: give access r",
                 d->vdev_name, d->target, (unsigned)(st->st_mode & 0777));
        close(fd);
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

int rv_hotplug_check(const struct domcfg_disk *d, char *err, size_t errlen)
{
    struct stat st;
    int fd = open_target(d, &st, err, errlen);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static int configure(int lfd, int ffd, const char *path, int ro)
{
    struct loop_config c;
    memset(&c, 0, sizeof(c));
    c.fd = (uint32_t)ffd;
    c.info.lo_flags = ro ? LO_FLAGS_READ_ONLY : 0;
    /* The name is informational (the kernel shows the backing file's own
     * path in sysfs): cut to fit. */
    size_t n = strlen(path);
    if (n >= sizeof(c.info.lo_file_name))
        n = sizeof(c.info.lo_file_name) - 1;
    memcpy(c.info.lo_file_name, path, n);
#ifdef LOOP_CONFIGURE
    if (!ioctl(lfd, LOOP_CONFIGURE, &c))
        return 0;
    if (errno != EINVAL && errno != ENOTTY)
        return -1;
#endif
    if (ioctl(lfd, LOOP_SET_FD, ffd))
        return -1;
    if (ioctl(lfd, LOOP_SET_STATUS64, &c.info)) {
        int e = errno;
        ioctl(lfd, LOOP_CLR_FD, 0);
        errno = e;
        return -1;
    }
    return 0;
}

int rv_hotplug_attach(const struct domcfg_disk *d, struct rv_hotplug *p, char *err, size_t errlen)
{
    struct stat st;
    memset(p, 0, sizeof(*p));
    p->loop = -1;
    int ffd = open_target(d, &st, err, errlen);
    if (ffd < 0)
        return -1;
    if (S_ISBLK(st.st_mode)) {
        /* The device that was opened and checked, by number. */
        p->major = major(st.st_rdev);
        p->minor = minor(st.st_rdev);
        snprintf(p->dev, sizeof(p->dev), "%s", d->target);
        close(ffd);
        return 0;
    }
    int cfd = open(loop_control(), O_RDWR | O_CLOEXEC);
    if (cfd < 0) {
        snprintf(err, errlen, "vdev %s: no free loop device: %s: %s", d->vdev_name, loop_control(), strerror(errno));
        close(ffd);
        return -1;
    }
    /* Another process may take the free device between GET_FREE and
     * configure (EBUSY): ask again, a few times. */
    int rc = -1, e = 0;
    for (int tries = 0; tries < 8 && rc; tries++) {
        int n = ioctl(cfd, LOOP_CTL_GET_FREE);
        if (n < 0) {
            e = errno;
            snprintf(err, errlen, "vdev %s: no free loop device (LOOP_CTL_GET_FREE: %s)", d->vdev_name,
                     strerror(e));
            break;
        }
        snprintf(p->dev, sizeof(p->dev), "/dev/loop%d", n);
        int lfd = -1;
        for (int w = 0; w < 100 && lfd < 0; w++) {     /* devtmpfs may lag the new device a little */
            lfd = open(p->dev, (d->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
            if (lfd < 0 && errno == ENOENT)
                usleep(10000);
            else
                break;
        }
        if (lfd < 0) {
            e = errno;
            snprintf(err, errlen, "vdev %s: %s: %s", d->vdev_name, p->dev, strerror(e));
            break;
        }
        rc = configure(lfd, ffd, d->target, d->readonly);
        e = errno;
        if (!rc && fstat(lfd, &st) == 0) {
            p->major = major(st.st_rdev);
            p->minor = minor(st.st_rdev);
            p->loop = n;
        }
        close(lfd);
        if (rc && e != EBUSY) {
            snprintf(err, errlen, "vdev %s: attaching '%s' to %s: %s", d->vdev_name, d->target, p->dev,
                     strerror(e));
            break;
        }
    }
    if (rc && e == EBUSY)
        snprintf(err, errlen, "vdev %s: no free loop device (each one taken before it could be used)",
                 d->vdev_name);
    close(cfd);
    close(ffd);
    return rc ? -1 : 0;
}

int rv_hotplug_detach(const char *dev, const char *params)
{
    if (strncmp(dev, "/dev/loop", 9))
        return 0;                   /* a block device target: nothing was attached */
    /* Only a loop device rv attached to params: a /dev/loopN the user gave
     * as a block-device target, or one freed and taken by someone else
     * since, is left alone (its backing file is not params). */
    struct stat ps;
    if (stat(params, &ps) || !S_ISREG(ps.st_mode))
        return 0;
    int fd = open(dev, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct loop_info64 li;
    if (ioctl(fd, LOOP_GET_STATUS64, &li)) {
        int e = errno;
        close(fd);
        return e == ENXIO ? 0 : -e;     /* ENXIO: already free */
    }
    if (li.lo_inode != ps.st_ino || li.lo_device != ps.st_dev) {
        close(fd);
        return 0;
    }
    int rc = ioctl(fd, LOOP_CLR_FD, 0) ? -errno : 0;
    close(fd);
    return rc == -ENXIO ? 0 : rc;   /* ENXIO: already free */
}
