/*
 * The hypervisor backend of the daemon in dom0 (struct xs_ring_backend over
 * Linux's Xen devices), and dom0's own store connection.
 *
 * Event channels: /dev/xen/evtchn (Linux's evtchn driver, module
 * xen-evtchn).  An ioctl binds a local port to a remote domain's unbound
 * port (EVTCHNOP_bind_interdomain underneath) or notifies one
 * (EVTCHNOP_send); read() returns the local ports that fired, each as a
 * 32-bit number, and the driver keeps each masked until the port number is
 * written back.  The ioctl numbers and argument layouts are Linux's uapi
 * (include/uapi/xen/evtchn.h: type 'E', numbers 1, 3 and 4).
 *
 * dom0's own kernel: a PV initial domain started without a store event
 * channel (start_info.store_evtchn == 0, as Ringvisor's builder leaves it)
 * allocates its store page and an unbound port for itself at boot and waits
 * for a local daemon.  The page is offered to root by
 * /dev/xen/xenbus_backend (mmap of one page at offset 0) and the port by
 * that device's ioctl IOCTL_XENBUS_BACKEND_EVTCHN (_IOC(_IOC_NONE, 'B', 0,
 * 0), returning the port), or by xenfs's /proc/xen/xsd_kva and
 * /proc/xen/xsd_port.  Binding that port and notifying it is what starts the
 * kernel's xenbus: from then on dom0's kernel is one more ring connection,
 * domain 0 (privileged).
 *
 * Other domains' ring pages (INTRODUCE from the toolstack, which names the
 * page by its gfn for a PVH/HVM domain) are mapped through privcmd: a
 * MAP_SHARED mapping of /dev/xen/privcmd filled by
 * IOCTL_PRIVCMD_MMAPBATCH_V2 (_IOC(_IOC_NONE, 'P', 4, 32) on { u32 num;
 * u16 dom; u64 addr; const u64 *arr; int *err; }, Linux's uapi
 * xen/privcmd.h), the same call rv create builds with.  A frame the domain
 * does not have fails the ioctl and INTRODUCE answers EINVAL.
 *
 * Before that, as Xen 4.17's xenstored: the ring by grant reference 1
 * (GNTTAB_RESERVED_XENSTORE, which rv create seeds in the domain's table
 * as libxl does) through /dev/xen/gntdev: IOCTL_GNTDEV_MAP_GRANT_REF
 * (_IOC(_IOC_NONE, 'G', 0, 24) on { u32 count; u32 pad; u64 index (out);
 * { u32 domid; u32 ref; } refs[count]; }), then mmap of the device at
 * offset index; undone by munmap and IOCTL_GNTDEV_UNMAP_GRANT_REF ('G', 1,
 * 16: { u64 index; u32 count; u32 pad; }) (Linux uapi xen/gntdev.h).  A
 * domain whose entry was not seeded (an old-style builder, HVM) fails the
 * grant map and gets the frame mapping; the log says which was used.
 *
 * Owner: the daemon's main loop (one thread); struct xen_dev lives as long
 * as the daemon.
 */
#include "xen_dev.h"
#include "ring.h"
#include "ringctl.h"
#include "public/event_channel.h"
#include "public/grant_table.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* Linux uapi xen/evtchn.h and xen/xenbus_dev.h (numbers and layouts). */
struct evtchn_bind_interdomain_arg { unsigned int remote_domain, remote_port; };
struct evtchn_port_arg { unsigned int port; };
struct evtchn_bind_virq_arg { unsigned int virq; };
#define XD_IOCTL_EVTCHN_BIND_VIRQ        _IOC(_IOC_NONE, 'E', 0, sizeof(struct evtchn_bind_virq_arg))
#define XD_IOCTL_EVTCHN_BIND_INTERDOMAIN _IOC(_IOC_NONE, 'E', 1, sizeof(struct evtchn_bind_interdomain_arg))
#define XD_IOCTL_EVTCHN_UNBIND           _IOC(_IOC_NONE, 'E', 3, sizeof(struct evtchn_port_arg))
#define XD_IOCTL_EVTCHN_NOTIFY           _IOC(_IOC_NONE, 'E', 4, sizeof(struct evtchn_port_arg))
#define XD_IOCTL_XENBUS_BACKEND_EVTCHN   _IOC(_IOC_NONE, 'B', 0, 0)

#define PAGE 4096

struct privcmd_mmapbatch_v2 {
    uint32_t num;
    uint16_t dom;
    uint64_t addr;
    const uint64_t *arr;
    int *err;
};
#define XD_IOCTL_PRIVCMD_MMAPBATCH_V2 _IOC(_IOC_NONE, 'P', 4, sizeof(struct privcmd_mmapbatch_v2))

/* One page of another domain, read-write; NULL (logged) if it cannot be. */
static void *map_foreign(struct xen_dev *x, uint32_t domid, uint64_t gfn)
{
    if (x->privcmd_fd < 0)
        x->privcmd_fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
    if (x->privcmd_fd < 0) {
        xsd_logf(x->d, "d%u: /dev/xen/privcmd: %s", domid, strerror(errno));
        return NULL;
    }
    void *va = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, x->privcmd_fd, 0);
    if (va == MAP_FAILED) {
        xsd_logf(x->d, "d%u: mmap of privcmd: %s", domid, strerror(errno));
        return NULL;
    }
    int ferr = 0;
    struct privcmd_mmapbatch_v2 b = { 1, (uint16_t)domid, (uint64_t)(uintptr_t)va, &gfn, &ferr };
    if (ioctl(x->privcmd_fd, XD_IOCTL_PRIVCMD_MMAPBATCH_V2, &b) < 0 || ferr) {
        xsd_logf(x->d, "d%u: cannot map its ring page (frame %#llx): %s", domid, (unsigned long long)gfn,
                 strerror(ferr ? -ferr : errno));
        munmap(va, PAGE);
        return NULL;
    }
    return va;
}

struct gntdev_ref { uint32_t domid, ref; };
struct gntdev_map1 { uint32_t count, pad; uint64_t index; struct gntdev_ref refs[1]; };
struct gntdev_unmap { uint64_t index; uint32_t count, pad; };
#define XD_IOCTL_GNTDEV_MAP_GRANT_REF   _IOC(_IOC_NONE, 'G', 0, sizeof(struct gntdev_map1))
#define XD_IOCTL_GNTDEV_UNMAP_GRANT_REF _IOC(_IOC_NONE, 'G', 1, sizeof(struct gntdev_unmap))

/* A ring mapped through gntdev: its address and the device's index. */
struct xd_grant_map {
    void *va;
    uint64_t index;
};

/* The domain's store ring by its grant reference GNTTAB_RESERVED_XENSTORE;
 * NULL (the reason logged) if it cannot be, for the frame fallback. */
static void *map_grant(struct xen_dev *x, uint32_t domid)
{
    if (x->gntdev_fd == -1) {
        x->gntdev_fd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC);
        if (x->gntdev_fd < 0) {
            xsd_logf(x->d, "/dev/xen/gntdev: %s: rings mapped by frame only", strerror(errno));
            x->gntdev_fd = -2;
        }
    }
    if (x->gntdev_fd < 0)
        return NULL;
    if (x->nr_gmaps == x->cap_gmaps) {
        unsigned cap = x->cap_gmaps ? 2 * x->cap_gmaps : 8;
        struct xd_grant_map *g = realloc(x->gmaps, cap * sizeof(*g));
        if (!g)
            return NULL;
        x->gmaps = g;
        x->cap_gmaps = cap;
    }
    struct gntdev_map1 m = { 1, 0, 0, { { domid, GNTTAB_RESERVED_XENSTORE } } };
    if (ioctl(x->gntdev_fd, XD_IOCTL_GNTDEV_MAP_GRANT_REF, &m) < 0) {
        xsd_logf(x->d, "d%u: gntdev map of grant ref %u: %s", domid, GNTTAB_RESERVED_XENSTORE, strerror(errno));
        return NULL;
    }
    /* The grant itself is mapped here (a refused grant fails the mmap). */
    void *va = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, x->gntdev_fd, (off_t)m.index);
    if (va == MAP_FAILED) {
        xsd_logf(x->d, "d%u: grant ref %u not mapped: %s", domid, GNTTAB_RESERVED_XENSTORE, strerror(errno));
        struct gntdev_unmap u = { m.index, 1, 0 };
        (void)ioctl(x->gntdev_fd, XD_IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
        return NULL;
    }
    x->gmaps[x->nr_gmaps++] = (struct xd_grant_map){ va, m.index };
    return va;
}

/* Undoes map_grant for va: true if va was one of its mappings. */
static bool unmap_grant(struct xen_dev *x, void *va)
{
    for (unsigned i = 0; i < x->nr_gmaps; i++) {
        if (x->gmaps[i].va != va)
            continue;
        munmap(va, PAGE);
        struct gntdev_unmap u = { x->gmaps[i].index, 1, 0 };
        if (ioctl(x->gntdev_fd, XD_IOCTL_GNTDEV_UNMAP_GRANT_REF, &u) < 0)
            xsd_logf(x->d, "gntdev unmap of index %llu: %s", (unsigned long long)u.index, strerror(errno));
        x->gmaps[i] = x->gmaps[--x->nr_gmaps];
        return true;
    }
    return false;
}

static struct xenstore_domain_interface *xd_map(void *ctx, uint32_t domid, uint64_t mfn)
{
    struct xen_dev *x = ctx;
    if (domid != 0) {
        void *va = map_grant(x, domid);
        if (va) {
            xsd_logf(x->d, "d%u: store ring mapped by grant ref %u (gntdev)", domid, GNTTAB_RESERVED_XENSTORE);
            return va;
        }
        va = map_foreign(x, domid, mfn);
        if (va)
            xsd_logf(x->d, "d%u: store ring mapped by frame %#llx (privcmd)", domid, (unsigned long long)mfn);
        return va;
    }
    if (!x->dom0_page)
        xsd_logf(x->d, "d0: no kernel store page to serve");
    return x->dom0_page;
}

static void xd_unmap(void *ctx, uint32_t domid, struct xenstore_domain_interface *page)
{
    struct xen_dev *x = ctx;
    (void)domid;
    if (page && (void *)page != (void *)x->dom0_page && !unmap_grant(x, page))
        munmap(page, PAGE);     /* dom0's page stays mapped for the daemon's lifetime */
}

static int xd_bind(void *ctx, uint32_t domid, uint32_t remote_port)
{
    struct xen_dev *x = ctx;
    struct evtchn_bind_interdomain_arg b = { domid, remote_port };
    int rc = ioctl(x->evtchn_fd, XD_IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);
    if (rc < 0) {
        int e = errno;
        xsd_logf(x->d, "d%u: bind to port %u: %s", domid, remote_port, strerror(e));
        return -e;
    }
    return rc;
}

static void xd_unbind(void *ctx, uint32_t local_port)
{
    struct xen_dev *x = ctx;
    struct evtchn_port_arg a = { local_port };
    if (ioctl(x->evtchn_fd, XD_IOCTL_EVTCHN_UNBIND, &a) < 0)
        xsd_logf(x->d, "unbind port %u: %s", local_port, strerror(errno));
}

static void xd_notify(void *ctx, uint32_t local_port)
{
    struct xen_dev *x = ctx;
    struct evtchn_port_arg a = { local_port };
    if (ioctl(x->evtchn_fd, XD_IOCTL_EVTCHN_NOTIFY, &a) < 0)
        xsd_logf(x->d, "notify port %u: %s", local_port, strerror(errno));
}

/* getdomaininfo through libringctl: XEN_DOMCTL_getdomaininfo answers with
 * the next domain at or above the id asked for, so the id is checked. */
static int xd_domain_state(void *ctx, uint32_t domid)
{
    struct xen_dev *x = ctx;
    if (!x->ctl) {
        char err[160];
        x->ctl = rc_open(err, sizeof(err));
        if (!x->ctl) {
            xsd_logf(x->d, "getdomaininfo: %s", err);
            return XSD_DOM_RUNNING;     /* cannot tell: keep serving it */
        }
    }
    struct xen_domctl_getdomaininfo info;
    long rc = rc_domain_info(x->ctl, (uint16_t)domid, &info);
    if (rc == -ESRCH || (rc >= 0 && info.domain != domid))
        return XSD_DOM_GONE;
    if (rc < 0) {
        xsd_logf(x->d, "d%u: getdomaininfo: %s", domid, rc_strerror(rc));
        return XSD_DOM_RUNNING;
    }
    if (info.flags & XEN_DOMINF_dying)
        return XSD_DOM_GONE;
    return info.flags & XEN_DOMINF_shutdown ? XSD_DOM_SHUTDOWN : XSD_DOM_RUNNING;
}

static const struct xs_ring_backend xen_dev_backend = {
    .map = xd_map, .unmap = xd_unmap, .bind = xd_bind, .unbind = xd_unbind, .notify = xd_notify,
    .domain_state = xd_domain_state,
};

/* VIRQ_DOM_EXC: the hypervisor raises it when a domain shuts down or is
 * destroyed; xenstored then looks at every domain it serves. */
static void bind_dom_exc(struct xen_dev *x)
{
    struct evtchn_bind_virq_arg b = { VIRQ_DOM_EXC };
    x->virq_port = ioctl(x->evtchn_fd, XD_IOCTL_EVTCHN_BIND_VIRQ, &b);
    if (x->virq_port < 0)
        xsd_logf(x->d, "VIRQ_DOM_EXC: %s; domains that die on their own are not released", strerror(errno));
}

/* dom0's store port: the backend device's ioctl, else xenfs's xsd_port. */
static int dom0_store_port(struct xen_dev *x, int be_fd)
{
    if (be_fd >= 0) {
        int p = ioctl(be_fd, XD_IOCTL_XENBUS_BACKEND_EVTCHN);
        if (p > 0)
            return p;
    }
    FILE *f = fopen("/proc/xen/xsd_port", "r");
    unsigned p = 0;
    if (f) {
        if (fscanf(f, "%u", &p) != 1)
            p = 0;
        fclose(f);
    }
    if (!p)
        xsd_logf(x->d, "dom0: no store event channel (xenbus_backend ioctl or /proc/xen/xsd_port)");
    return p ? (int)p : -ENOENT;
}

static void *dom0_store_page(struct xen_dev *x, int be_fd)
{
    void *p = MAP_FAILED;
    if (be_fd >= 0)
        p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, be_fd, 0);
    if (p == MAP_FAILED) {
        int fd = open("/proc/xen/xsd_kva", O_RDWR | O_CLOEXEC);
        if (fd >= 0) {
            p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            close(fd);
        }
    }
    if (p == MAP_FAILED) {
        xsd_logf(x->d, "dom0: cannot map the store page (/dev/xen/xenbus_backend, /proc/xen/xsd_kva): %s",
                 strerror(errno));
        return NULL;
    }
    return p;
}

int xen_dev_open(struct xen_dev *x, struct xsd *d)
{
    memset(x, 0, sizeof(*x));
    x->d = d;
    x->privcmd_fd = -1;
    x->gntdev_fd = -1;
    x->gmaps = NULL;
    x->nr_gmaps = x->cap_gmaps = 0;
    x->virq_port = -1;
    x->trace = getenv("XENSTORED_TRACE") ? (unsigned)atoi(getenv("XENSTORED_TRACE")) : 0;
    x->evtchn_fd = open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (x->evtchn_fd < 0) {
        xsd_logf(d, "/dev/xen/evtchn: %s", strerror(errno));
        return -1;
    }
    d->backend = &xen_dev_backend;
    d->backend_ctx = x;
    bind_dom_exc(x);

    int be_fd = open("/dev/xen/xenbus_backend", O_RDWR | O_CLOEXEC);
    int port = dom0_store_port(x, be_fd);
    x->dom0_page = port > 0 ? dom0_store_page(x, be_fd) : NULL;
    if (be_fd >= 0)
        close(be_fd);       /* the mapping outlives the descriptor */
    if (!x->dom0_page)
        return 0;           /* no local kernel store to serve; the socket still works */
    int rc = xsd_domain_introduce(d, 0, 0, (uint32_t)port);
    if (rc < 0) {
        xsd_logf(d, "dom0: serving its kernel's store ring failed (%d)", rc);
        return 0;
    }
    struct xs_domain *dom = xsd_domain_find(d, 0);
    /* The kernel waits for its first event before it starts xenbus. */
    xd_notify(x, dom->ring->local_port);
    xsd_logf(d, "dom0: kernel store ring served (remote port %d, local port %u)", port, dom->ring->local_port);
    return 0;
}

void xen_dev_events(struct xen_dev *x)
{
    uint32_t ports[64];
    bool dom_exc = false;
    for (;;) {
        ssize_t n = read(x->evtchn_fd, ports, sizeof(ports));
        if (n <= 0)
            break;
        size_t cnt = (size_t)n / sizeof(ports[0]);
        for (size_t i = 0; i < cnt; i++) {
            if (x->trace) {
                x->trace--;
                struct xs_domain *dom = xsd_domain_find(x->d, 0);
                struct xenstore_domain_interface *pg = dom && dom->ring ? dom->ring->page : NULL;
                xsd_logf(x->d, "trace: event on port %u; dom0 ring req %u/%u rsp %u/%u", ports[i],
                         pg ? pg->req_cons : 0, pg ? pg->req_prod : 0, pg ? pg->rsp_cons : 0, pg ? pg->rsp_prod : 0);
            }
            if (x->virq_port >= 0 && ports[i] == (uint32_t)x->virq_port)
                dom_exc = true;
            else
                xsd_ring_event(x->d, ports[i]);
        }
        /* Unmask what fired: written back, the driver lets them fire again. */
        if (write(x->evtchn_fd, ports, cnt * sizeof(ports[0])) < 0)
            xsd_logf(x->d, "evtchn unmask: %s", strerror(errno));
        if (cnt < sizeof(ports) / sizeof(ports[0]))
            break;
    }
    if (dom_exc) {
        unsigned n = xsd_domains_check(x->d);
        if (x->trace)
            xsd_logf(x->d, "trace: VIRQ_DOM_EXC, %u domain(s) released", n);
    }
}

void xen_dev_close(struct xen_dev *x)
{
    if (x->evtchn_fd >= 0) {
        while (x->d->domains)
            xsd_domain_release(x->d, x->d->domains->domid);
        close(x->evtchn_fd);
    }
    if (x->dom0_page)
        munmap(x->dom0_page, PAGE);
    if (x->privcmd_fd >= 0)
        close(x->privcmd_fd);
    if (x->gntdev_fd >= 0)
        close(x->gntdev_fd);    /* the released domains' grant maps went with them */
    free(x->gmaps);
    x->gmaps = NULL;
    x->nr_gmaps = x->cap_gmaps = 0;
    x->gntdev_fd = -1;
    if (x->ctl)
        rc_close(x->ctl);
    x->ctl = NULL;
    x->privcmd_fd = -1;
    x->d->backend = NULL;
    x->evtchn_fd = -1;
}
