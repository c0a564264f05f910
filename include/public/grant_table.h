/*
 * Xen-compatible public ABI: grant tables, version 1 (Xen public interface
 * "grant_table.h"; numbers and layouts only, written anew for Ringvisor).
 *
 * A domain grants another domain access to one of its pages by filling an
 * entry of its grant table (pages the hypervisor owns and the guest maps
 * with XENMEM_add_to_physmap, XENMAPSPACE_grant_table): frame = its own
 * guest frame number, domid = the grantee, and last (with a write barrier
 * before) flags = GTF_permit_access [| GTF_readonly].  The grantee maps the
 * page with GNTTABOP_map_grant_ref or copies through it with GNTTABOP_copy;
 * while it is mapped the hypervisor keeps GTF_reading/GTF_writing set in
 * the entry, so the granter knows when it may revoke it.
 *
 * Call: grant_table_op(cmd, uop, count): uop points to 'count' structures
 * of the command's type; each gets its own status (GNTST_*).  The
 * hypercall itself returns 0, or a negative errno when the arguments as a
 * whole are unusable.  Layouts are the 64-bit ones.
 */
#ifndef RV_PUBLIC_GRANT_TABLE_H
#define RV_PUBLIC_GRANT_TABLE_H

#include <stdint.h>

typedef uint32_t grant_ref_t;
typedef uint32_t grant_handle_t;

struct grant_entry_v1 {
    uint16_t flags;                 /* GTF_*: written last by the granter */
    uint16_t domid;                 /* the domain granted access */
    uint32_t frame;                 /* the granter's guest frame number */
};
_Static_assert(sizeof(struct grant_entry_v1) == 8, "grant entry layout");
#define GNTTAB_V1_ENTRIES_PER_PAGE  (4096u / sizeof(struct grant_entry_v1))

/* Entries the toolstack fills before the domain runs (libxl's seeding):
 * the console ring and the xenstore ring, granted to their back ends. */
#define GNTTAB_RESERVED_CONSOLE     0u
#define GNTTAB_RESERVED_XENSTORE    1u

#define GTF_invalid             0u
#define GTF_permit_access       1u
#define GTF_accept_transfer     2u
#define GTF_transitive          3u
#define GTF_type_mask           3u
#define GTF_readonly            (1u << 2)   /* grantee may only read */
#define GTF_reading             (1u << 3)   /* set by the hypervisor while mapped/copied for reading */
#define GTF_writing             (1u << 4)   /* set by the hypervisor while mapped/copied for writing */
#define GTF_PWT                 (1u << 5)
#define GTF_PCD                 (1u << 6)
#define GTF_PAT                 (1u << 7)
#define GTF_sub_page            (1u << 8)
#define GTF_transfer_committed  (1u << 2)
#define GTF_transfer_completed  (1u << 3)

#define GNTTABOP_map_grant_ref      0
#define GNTTABOP_unmap_grant_ref    1
#define GNTTABOP_setup_table        2
#define GNTTABOP_dump_table         3
#define GNTTABOP_transfer           4
#define GNTTABOP_copy               5
#define GNTTABOP_query_size         6
#define GNTTABOP_unmap_and_replace  7
#define GNTTABOP_set_version        8
#define GNTTABOP_get_status_frames  9
#define GNTTABOP_get_version        10
#define GNTTABOP_swap_grant_ref     11
#define GNTTABOP_cache_flush        12

/* map_grant_ref flags. */
#define GNTMAP_device_map       (1u << 0)
#define GNTMAP_host_map         (1u << 1)   /* HVM/PVH: host_addr is a guest-physical address; PV: a virtual one */
#define GNTMAP_readonly         (1u << 2)
#define GNTMAP_application_map  (1u << 3)
#define GNTMAP_contains_pte     (1u << 4)
/* Bits 16 and up: available to the guest; the three lowest go into the
 * available bits 9-11 of a PV grant PTE (XENFEAT_gnttab_map_avail_bits). */
#define _GNTMAP_guest_avail0    16
#define GNTMAP_guest_avail_mask ((uint32_t)~0u << _GNTMAP_guest_avail0)

/* Per-operation status codes. */
#define GNTST_okay              0
#define GNTST_general_error     (-1)
#define GNTST_bad_domain        (-2)
#define GNTST_bad_gntref        (-3)
#define GNTST_bad_handle        (-4)
#define GNTST_bad_virt_addr     (-5)
#define GNTST_bad_dev_addr      (-6)
#define GNTST_no_device_space   (-7)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page          (-9)
#define GNTST_bad_copy_arg      (-10)
#define GNTST_address_too_big   (-11)
#define GNTST_eagain            (-12)
#define GNTST_no_space          (-13)

struct gnttab_map_grant_ref {
    uint64_t host_addr;             /* IN */
    uint32_t flags;                 /* IN: GNTMAP_* */
    grant_ref_t ref;                /* IN */
    uint16_t dom;                   /* IN: the granting domain */
    int16_t status;                 /* OUT */
    grant_handle_t handle;          /* OUT: for unmap */
    uint64_t dev_bus_addr;          /* OUT */
};
_Static_assert(sizeof(struct gnttab_map_grant_ref) == 32, "map layout");

struct gnttab_unmap_grant_ref {
    uint64_t host_addr;             /* IN: as mapped (0 = don't check) */
    uint64_t dev_bus_addr;
    grant_handle_t handle;          /* IN */
    int16_t status;                 /* OUT */
    uint16_t pad;
};
_Static_assert(sizeof(struct gnttab_unmap_grant_ref) == 24, "unmap layout");

struct gnttab_setup_table {
    uint16_t dom;                   /* IN: DOMID_SELF */
    uint16_t pad0;
    uint32_t nr_frames;             /* IN: grow the table to this many frames */
    int16_t status;                 /* OUT */
    uint16_t pad1[3];
    uint64_t frame_list;            /* IN: guest pointer to uint64_t[nr_frames], filled with frame numbers */
};
_Static_assert(sizeof(struct gnttab_setup_table) == 24, "setup_table layout");

struct gnttab_query_size {
    uint16_t dom;                   /* IN */
    uint16_t pad;
    uint32_t nr_frames;             /* OUT */
    uint32_t max_nr_frames;         /* OUT */
    int16_t status;                 /* OUT */
    uint16_t pad1;
};
_Static_assert(sizeof(struct gnttab_query_size) == 16, "query_size layout");

#define GNTCOPY_source_gref     (1u << 0)   /* source.u.ref is a grant of source.domid */
#define GNTCOPY_dest_gref       (1u << 1)   /* dest.u.ref is a grant of dest.domid */

struct gnttab_copy_ptr {
    union {
        grant_ref_t ref;
        uint64_t gmfn;              /* a frame of the caller's own (domid = DOMID_SELF or its id) */
    } u;
    uint16_t domid;
    uint16_t offset;
    uint32_t pad;
};

struct gnttab_copy {
    struct gnttab_copy_ptr source, dest;
    uint16_t len;                   /* offset + len <= 4096 on both sides */
    uint16_t flags;                 /* GNTCOPY_* */
    int16_t status;                 /* OUT */
    uint16_t pad;
};
_Static_assert(sizeof(struct gnttab_copy) == 40, "copy layout");

struct gnttab_transfer {
    uint64_t mfn;
    uint16_t domid;
    uint16_t pad;
    grant_ref_t ref;
    int16_t status;                 /* OUT */
    uint16_t pad1[3];
};

struct gnttab_get_version {
    uint16_t dom;
    uint16_t pad;
    uint32_t version;               /* OUT */
};
struct gnttab_set_version { uint32_t version; };   /* IN: 1; OUT: the version in force */

#endif /* RV_PUBLIC_GRANT_TABLE_H */
