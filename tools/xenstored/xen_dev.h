/*
 * The daemon's hypervisor backend in dom0: Linux's /dev/xen/evtchn for event
 * channels and dom0's own kernel store ring (xen_dev.c).
 */
#ifndef XSD_XEN_DEV_H
#define XSD_XEN_DEV_H

#include "xsd.h"

struct rc_handle;

/* Owner: the daemon's main loop; lives as long as the daemon. */
struct xen_dev {
    struct xsd *d;
    int evtchn_fd;                           /* /dev/xen/evtchn, non-blocking */
    int privcmd_fd;                          /* /dev/xen/privcmd for domUs' ring pages, opened on first use */
    struct xenstore_domain_interface *dom0_page;   /* dom0 kernel's store page, or NULL */
    unsigned trace;                          /* XENSTORED_TRACE=N: log the first N events */
    int virq_port;                           /* local port of VIRQ_DOM_EXC, or -1 (not bound) */
    struct rc_handle *ctl;                   /* libringctl for getdomaininfo, opened on first use */
    int gntdev_fd;                           /* /dev/xen/gntdev (rings by grant ref), on first use; -2: none */
    struct xd_grant_map *gmaps;              /* rings mapped through gntdev (va, index), unordered */
    unsigned nr_gmaps, cap_gmaps;
};

/* Opens the event channel device, installs the backend and, when dom0's
 * kernel waits for a local store, serves its ring as domain 0.  -1 if
 * /dev/xen/evtchn cannot be opened. */
int xen_dev_open(struct xen_dev *x, struct xsd *d);
/* The event channel descriptor is readable: serve the rings that fired. */
void xen_dev_events(struct xen_dev *x);
void xen_dev_close(struct xen_dev *x);

#endif
