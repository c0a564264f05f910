/*
 * Xen-compatible public ABI: memory_op (Xen public interface "memory.h";
 * numbers and 64-bit layouts only, written anew for Ringvisor).
 *
 * Call: memory_op(cmd, arg).  Ringvisor implements, for HVM and PVH
 * domains acting on themselves (domid DOMID_SELF or their own id):
 * add_to_physmap (shared_info, grant_table), remove_from_physmap,
 * memory_map, current/maximum_reservation and maximum_gpfn.
 */
#ifndef RV_PUBLIC_MEMORY_H
#define RV_PUBLIC_MEMORY_H

#include <stdint.h>

#define XENMEM_increase_reservation     0
#define XENMEM_decrease_reservation     1
#define XENMEM_maximum_ram_page         2
#define XENMEM_current_reservation      3   /* arg: domid_t *; returns pages */
#define XENMEM_maximum_reservation      4   /* arg: domid_t *; returns pages */
#define XENMEM_machphys_mfn_list        5
#define XENMEM_populate_physmap         6
#define XENMEM_add_to_physmap           7
#define XENMEM_memory_map               9
#define XENMEM_machine_memory_map       10
#define XENMEM_exchange                 11
#define XENMEM_machphys_mapping         12
#define XENMEM_set_memory_map           13
#define XENMEM_maximum_gpfn             14  /* arg: domid_t *; returns the highest gfn */
#define XENMEM_remove_from_physmap      15
#define XENMEM_add_to_physmap_batch     23
#define XENMEM_machphys_compat_mfn_list 25  /* the compat M2P's frames (x86) */
#define XENMEM_acquire_resource         28

#define XENMAPSPACE_shared_info     0   /* idx 0: the domain's shared_info page */
#define XENMAPSPACE_grant_table     1   /* idx: grant-table frame (XENMAPIDX_grant_table_status: v2 status frames) */
#define XENMAPSPACE_gmfn            2
#define XENMAPSPACE_gmfn_range      3
#define XENMAPSPACE_gmfn_foreign    4
#define XENMAPSPACE_dev_mmio        5
#define XENMAPIDX_grant_table_status 0x80000000u

/* Place page 'idx' of 'space' at guest frame gpfn; whatever the guest had
 * there is hidden until the page is removed again. */
struct xen_add_to_physmap {
    uint16_t domid;
    uint16_t size;                  /* gmfn_range only */
    uint32_t space;                 /* XENMAPSPACE_* */
    uint64_t idx;
    uint64_t gpfn;
};
_Static_assert(sizeof(struct xen_add_to_physmap) == 24, "add_to_physmap layout");

struct xen_remove_from_physmap {
    uint16_t domid;
    uint16_t pad[3];
    uint64_t gpfn;
};

/* memory_map: IN nr_entries = room in buffer, OUT = entries written; the
 * entries are e820 records (uint64 addr, uint64 size, uint32 type: 20 bytes,
 * packed). */
struct xen_memory_map {
    uint32_t nr_entries;
    uint32_t pad;
    uint64_t buffer;
};
_Static_assert(sizeof(struct xen_memory_map) == 16, "memory_map layout");

/* set_memory_map (the control domain, naming a domain it builds): the map
 * that domain's XENMEM_memory_map will return. */
struct xen_foreign_memory_map {
    uint16_t domid;
    uint16_t pad[3];
    struct xen_memory_map map;
};
_Static_assert(sizeof(struct xen_foreign_memory_map) == 24, "foreign_memory_map layout");

struct xen_reservation {
    uint64_t extent_start;          /* guest pointer to xen_pfn_t[] */
    uint64_t nr_extents;
    uint32_t extent_order;
    uint32_t mem_flags;
    uint16_t domid;
    uint16_t pad[3];
};
_Static_assert(sizeof(struct xen_reservation) == 32, "reservation layout");

/* XENMEM_exchange: the in extents (by MFN for a PV caller) given back for
 * new out extents (out.extent_start: gpfns in, MFNs out).  in.domid ==
 * out.domid; in.nr_extents << in.extent_order == out.nr_extents <<
 * out.extent_order; nr_exchanged (input extents done) is 0 on entry and
 * tells the caller how far a failed call got.  The 32-bit form is 44 bytes
 * (20-byte reservations, a 4-byte nr_exchanged at 40). */
struct xen_memory_exchange {
    struct xen_reservation in;
    struct xen_reservation out;
    uint64_t nr_exchanged;
};
_Static_assert(sizeof(struct xen_memory_exchange) == 72, "memory_exchange layout");

/* XENMEM_acquire_resource: frames of another domain's resource for a
 * privileged caller.  nr_frames 0 with a null frame_list: the maximum is
 * returned in nr_frames.  A PV caller gets MFNs in frame_list. */
#define XENMEM_resource_ioreq_server            0
#define XENMEM_resource_grant_table             1
#define XENMEM_resource_grant_table_id_shared   0
#define XENMEM_resource_grant_table_id_status   1
struct xen_mem_acquire_resource {
    uint16_t domid;
    uint16_t type;
    uint32_t id;
    uint32_t nr_frames;             /* IN/OUT */
    uint32_t pad;                   /* must be 0 */
    uint64_t frame;                 /* first frame of the resource */
    uint64_t frame_list;            /* guest pointer to xen_pfn_t[nr_frames] */
};
_Static_assert(sizeof(struct xen_mem_acquire_resource) == 32, "acquire_resource layout");

#endif /* RV_PUBLIC_MEMORY_H */
