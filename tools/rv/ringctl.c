/*
 * libringctl over Linux's privcmd driver (ringctl.h).
 *
 * privcmd's hypercall ioctl: IOCTL_PRIVCMD_HYPERCALL is _IOC(_IOC_NONE, 'P',
 * 0, sizeof(struct privcmd_hypercall)) with { u64 op; u64 arg[5]; }, the
 * number and layout of Linux's uapi xen/privcmd.h.  The ioctl returns the
 * hypercall's own result; a negative one comes back as -1 with errno.
 */
#include "ringctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define HYPERVISOR_sysctl 35
#define HYPERVISOR_domctl 36

struct privcmd_hypercall {
    uint64_t op;
    uint64_t arg[5];
};
#define IOCTL_PRIVCMD_HYPERCALL _IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))

struct rc_handle {
    int fd;
};

struct rc_handle *rc_open(char *err, size_t errlen)
{
    static const char *const paths[] = { "/dev/xen/privcmd", "/proc/xen/privcmd" };
    int saved = ENOENT;

    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        int fd = open(paths[i], O_RDWR | O_CLOEXEC);
        if (fd >= 0) {
            struct rc_handle *h = malloc(sizeof(*h));
            if (!h) {
                close(fd);
                snprintf(err, errlen, "out of memory");
                errno = ENOMEM;
                return NULL;
            }
            h->fd = fd;
            return h;
        }
        if (errno != ENOENT)
            saved = errno;
    }
    if (saved == ENOENT)
        snprintf(err, errlen, "cannot open /dev/xen/privcmd: no such device (run rv in the control domain, "
                 "with xenfs or devtmpfs mounted)");
    else
        snprintf(err, errlen, "cannot open /dev/xen/privcmd: %s", strerror(saved));
    errno = saved;
    return NULL;
}

int rc_fd(struct rc_handle *h)
{
    return h->fd;
}

void rc_close(struct rc_handle *h)
{
    if (h) {
        close(h->fd);
        free(h);
    }
}

static size_t round_pages(size_t len)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    return (len + pg - 1) / pg * pg;
}

void *rc_buf_alloc(size_t len)
{
    size_t n = round_pages(len ? len : 1);
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    if (mlock(p, n)) {          /* unprivileged hosts may refuse: touching every page still faults it in */
        for (size_t i = 0; i < n; i += 4096)
            ((volatile char *)p)[i] = 0;
    }
    return p;
}

void rc_buf_free(void *p, size_t len)
{
    if (p) {
        size_t n = round_pages(len ? len : 1);
        munlock(p, n);
        munmap(p, n);
    }
}

long rc_hypercall(struct rc_handle *h, unsigned op, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct privcmd_hypercall call = { op, { a1, a2, a3, a4, a5 } };
    long rc = ioctl(h->fd, IOCTL_PRIVCMD_HYPERCALL, &call);
    return rc < 0 ? -errno : rc;
}

long rc_domctl(struct rc_handle *h, struct xen_domctl *d)
{
    struct xen_domctl *b = rc_buf_alloc(sizeof(*b));
    if (!b)
        return -ENOMEM;
    *b = *d;
    b->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    long rc = rc_hypercall(h, HYPERVISOR_domctl, (uint64_t)(uintptr_t)b, 0, 0, 0, 0);
    *d = *b;
    rc_buf_free(b, sizeof(*b));
    return rc;
}

long rc_sysctl(struct rc_handle *h, struct xen_sysctl *s)
{
    struct xen_sysctl *b = rc_buf_alloc(sizeof(*b));
    if (!b)
        return -ENOMEM;
    *b = *s;
    b->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    long rc = rc_hypercall(h, HYPERVISOR_sysctl, (uint64_t)(uintptr_t)b, 0, 0, 0, 0);
    *s = *b;
    rc_buf_free(b, sizeof(*b));
    return rc;
}

long rc_domain_info(struct rc_handle *h, uint16_t domid, struct xen_domctl_getdomaininfo *out)
{
    struct xen_domctl d = { .cmd = XEN_DOMCTL_getdomaininfo, .domain = domid };
    long rc = rc_domctl(h, &d);
    if (rc >= 0)
        *out = d.u.getdomaininfo;
    return rc;
}

long rc_domain_list(struct rc_handle *h, uint16_t first, struct xen_domctl_getdomaininfo *out, unsigned max)
{
    size_t len = (size_t)max * sizeof(*out);
    struct xen_domctl_getdomaininfo *buf = rc_buf_alloc(len);
    if (!buf)
        return -ENOMEM;
    struct xen_sysctl s = { .cmd = XEN_SYSCTL_getdomaininfolist };
    s.u.getdomaininfolist.first_domain = first;
    s.u.getdomaininfolist.max_domains = max;
    s.u.getdomaininfolist.buffer = (uint64_t)(uintptr_t)buf;
    long rc = rc_sysctl(h, &s);
    if (rc >= 0) {
        unsigned n = s.u.getdomaininfolist.num_domains;
        if (n > max)        /* the hypervisor wrote no more than it was given room for */
            n = max;
        memcpy(out, buf, (size_t)n * sizeof(*out));
        rc = n;
    }
    rc_buf_free(buf, len);
    return rc;
}

long rc_domain_simple(struct rc_handle *h, unsigned cmd, uint16_t domid)
{
    struct xen_domctl d = { .cmd = cmd, .domain = domid };
    return rc_domctl(h, &d);
}

long rc_vcpu_info(struct rc_handle *h, uint16_t domid, unsigned vcpu, struct xen_domctl_getvcpuinfo *out)
{
    struct xen_domctl d = { .cmd = XEN_DOMCTL_getvcpuinfo, .domain = domid };
    d.u.getvcpuinfo.vcpu = vcpu;
    long rc = rc_domctl(h, &d);
    if (rc >= 0)
        *out = d.u.getvcpuinfo;
    return rc;
}

/* get/setvcpuaffinity on the hard mask (64 CPUs: one 8-byte cpumap in a
 * locked buffer).  set: *mask in, the effective mask out. */
static long vcpu_affinity(struct rc_handle *h, uint32_t cmd, uint16_t domid, unsigned vcpu, uint64_t *mask)
{
    uint64_t *b = rc_buf_alloc(sizeof(*b));
    if (!b)
        return -ENOMEM;
    *b = *mask;
    struct xen_domctl d = { .cmd = cmd, .domain = domid };
    d.u.vcpuaffinity.vcpu = vcpu;
    d.u.vcpuaffinity.flags = XEN_VCPUAFFINITY_HARD;
    d.u.vcpuaffinity.cpumap_hard.bitmap = (uint64_t)(uintptr_t)b;
    d.u.vcpuaffinity.cpumap_hard.nr_bits = 64;
    long rc = rc_domctl(h, &d);
    if (rc >= 0)
        *mask = *b;
    rc_buf_free(b, sizeof(*b));
    return rc;
}

long rc_vcpu_get_affinity(struct rc_handle *h, uint16_t domid, unsigned vcpu, uint64_t *mask)
{
    *mask = 0;
    return vcpu_affinity(h, XEN_DOMCTL_getvcpuaffinity, domid, vcpu, mask);
}

long rc_vcpu_set_affinity(struct rc_handle *h, uint16_t domid, unsigned vcpu, uint64_t *mask)
{
    return vcpu_affinity(h, XEN_DOMCTL_setvcpuaffinity, domid, vcpu, mask);
}

long rc_physinfo(struct rc_handle *h, struct xen_sysctl_physinfo *out)
{
    struct xen_sysctl s = { .cmd = XEN_SYSCTL_physinfo };
    long rc = rc_sysctl(h, &s);
    if (rc >= 0)
        *out = s.u.physinfo;
    return rc;
}

long rc_readconsole(struct rc_handle *h, char *buf, size_t len, int clear)
{
    if (len > UINT32_MAX)
        len = UINT32_MAX;
    char *b = rc_buf_alloc(len);
    if (!b)
        return -ENOMEM;
    struct xen_sysctl s = { .cmd = XEN_SYSCTL_readconsole };
    s.u.readconsole.clear = clear ? 1 : 0;
    s.u.readconsole.buffer = (uint64_t)(uintptr_t)b;
    s.u.readconsole.count = (uint32_t)len;
    long rc = rc_sysctl(h, &s);
    if (rc >= 0) {
        size_t n = s.u.readconsole.count;
        if (n > len)
            n = len;
        memcpy(buf, b, n);
        rc = (long)n;
    }
    rc_buf_free(b, len);
    return rc;
}

long rc_debug_keys(struct rc_handle *h, const char *keys, size_t n)
{
    char *b = rc_buf_alloc(n ? n : 1);
    if (!b)
        return -ENOMEM;
    memcpy(b, keys, n);
    struct xen_sysctl s = { .cmd = XEN_SYSCTL_debug_keys };
    s.u.debug_keys.keys = (uint64_t)(uintptr_t)b;
    s.u.debug_keys.nr_keys = (uint32_t)n;
    long rc = rc_sysctl(h, &s);
    rc_buf_free(b, n ? n : 1);
    return rc;
}

const char *rc_strerror(long rc)
{
    return strerror(rc < 0 ? (int)-rc : (int)rc);
}
