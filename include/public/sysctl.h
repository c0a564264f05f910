/*
 * sysctl (hypercall 35): host-wide control for the toolstack in the initial
 * domain.  Numbers and layouts follow Xen 4.17's public sysctl.h (interface
 * version 0x15), written anew; only the operations Ringvisor serves
 * (docs/toolstack.md "domctl and sysctl").
 */
#ifndef RV_PUBLIC_SYSCTL_H
#define RV_PUBLIC_SYSCTL_H

#include "public/domctl.h"

#define XEN_SYSCTL_INTERFACE_VERSION    0x00000015u

#define XEN_SYSCTL_readconsole          1
#define XEN_SYSCTL_physinfo             3
#define XEN_SYSCTL_getdomaininfolist    6
#define XEN_SYSCTL_debug_keys           7

struct xen_sysctl_readconsole {
    uint8_t clear;                  /* IN: nonzero: clear the ring after reading */
    uint8_t incremental;            /* IN: nonzero: start at index */
    uint8_t pad0, pad1;
    uint32_t index;                 /* IN: start (incremental); OUT: where the next read starts */
    uint64_t buffer;                /* guest handle */
    uint32_t count;                 /* IN: room; OUT: bytes written */
    uint32_t pad2;
};
_Static_assert(sizeof(struct xen_sysctl_readconsole) == 24, "readconsole layout");

#define XEN_SYSCTL_PHYSCAP_hvm          (1u << 0)
#define XEN_SYSCTL_PHYSCAP_pv           (1u << 1)
#define XEN_SYSCTL_PHYSCAP_directio     (1u << 2)
#define XEN_SYSCTL_PHYSCAP_hap          (1u << 3)
#define XEN_SYSCTL_PHYSCAP_shadow       (1u << 4)
#define XEN_SYSCTL_PHYSCAP_gnttab_v1    (1u << 8)

struct xen_sysctl_physinfo {
    uint32_t threads_per_core;
    uint32_t cores_per_socket;
    uint32_t nr_cpus;
    uint32_t max_cpu_id;
    uint32_t nr_nodes;
    uint32_t max_node_id;
    uint32_t cpu_khz;
    uint32_t capabilities;
    uint32_t arch_capabilities;
    uint32_t pad;
    uint64_t total_pages;
    uint64_t free_pages;
    uint64_t scrub_pages;
    uint64_t outstanding_pages;
    uint64_t max_mfn;
    uint32_t hw_cap[8];
};
_Static_assert(sizeof(struct xen_sysctl_physinfo) == 112, "physinfo layout");

struct xen_sysctl_getdomaininfolist {
    uint16_t first_domain;          /* IN */
    uint16_t pad0;
    uint32_t max_domains;           /* IN */
    uint64_t buffer;                /* guest handle: xen_domctl_getdomaininfo[max_domains] */
    uint32_t num_domains;           /* OUT */
    uint32_t pad1;
};
_Static_assert(sizeof(struct xen_sysctl_getdomaininfolist) == 24, "getdomaininfolist layout");

/* Run the hypervisor's debug keys (the serial console's keys) in order. */
struct xen_sysctl_debug_keys {
    uint64_t keys;                  /* guest handle: char[nr_keys] */
    uint32_t nr_keys;
    uint32_t pad;
};
_Static_assert(sizeof(struct xen_sysctl_debug_keys) == 16, "debug_keys layout");

struct xen_sysctl {
    uint32_t cmd;
    uint32_t interface_version;
    union {
        struct xen_sysctl_readconsole readconsole;
        struct xen_sysctl_physinfo physinfo;
        struct xen_sysctl_getdomaininfolist getdomaininfolist;
        struct xen_sysctl_debug_keys debug_keys;
        uint8_t pad[128];
    } u;
};
_Static_assert(sizeof(struct xen_sysctl) == 136, "xen_sysctl layout");

#endif
