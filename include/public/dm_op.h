/*
 * Xen-compatible device-model interface: the dm_op hypercall's ioreq-server
 * operations and the synchronous ioreq slot a device model answers
 * (Xen 4.17 public interface "hvm/dm_op.h" and "hvm/ioreq.h"; numbers and
 * layouts only, written anew for Ringvisor; docs/ioreq.md).
 */
#ifndef RV_PUBLIC_DM_OP_H
#define RV_PUBLIC_DM_OP_H

#include <stdint.h>

typedef uint16_t ioservid_t;

#define XEN_DMOP_create_ioreq_server                1
#define XEN_DMOP_get_ioreq_server_info              2
#define XEN_DMOP_map_io_range_to_ioreq_server       3
#define XEN_DMOP_unmap_io_range_from_ioreq_server   4
#define XEN_DMOP_set_ioreq_server_state             5
#define XEN_DMOP_destroy_ioreq_server               6
#define XEN_DMOP_NR_KNOWN                           7   /* sizes are known below this op number */

/* handle_bufioreq values: 0 none, 1 buffered ring, 2 the same with atomic reads. */
#define HVM_IOREQSRV_BUFIOREQ_OFF       0
#define HVM_IOREQSRV_BUFIOREQ_LEGACY    1
#define HVM_IOREQSRV_BUFIOREQ_ATOMIC    2

struct xen_dm_op_create_ioreq_server {
    uint8_t handle_bufioreq;        /* IN */
    uint8_t pad[3];
    ioservid_t id;                  /* OUT */
};
_Static_assert(sizeof(struct xen_dm_op_create_ioreq_server) == 6, "create_ioreq_server layout");

#define XEN_DMOP_no_gfns        (1u << 0)   /* IN: frames through XENMEM_acquire_resource */
struct xen_dm_op_get_ioreq_server_info {
    ioservid_t id;                  /* IN */
    uint16_t flags;                 /* IN */
    uint32_t bufioreq_port;         /* OUT */
    uint64_t ioreq_gfn;             /* OUT (not with XEN_DMOP_no_gfns) */
    uint64_t bufioreq_gfn;          /* OUT (not with XEN_DMOP_no_gfns) */
};
_Static_assert(sizeof(struct xen_dm_op_get_ioreq_server_info) == 24, "get_ioreq_server_info layout");

#define XEN_DMOP_IO_RANGE_PORT      0
#define XEN_DMOP_IO_RANGE_MEMORY    1
#define XEN_DMOP_IO_RANGE_PCI       2
struct xen_dm_op_ioreq_server_range {
    ioservid_t id;
    uint16_t pad;
    uint32_t type;                  /* XEN_DMOP_IO_RANGE_* */
    uint64_t start, end;            /* inclusive */
};
_Static_assert(sizeof(struct xen_dm_op_ioreq_server_range) == 24, "ioreq_server_range layout");

struct xen_dm_op_set_ioreq_server_state {
    ioservid_t id;
    uint8_t enabled;
    uint8_t pad;
};
_Static_assert(sizeof(struct xen_dm_op_set_ioreq_server_state) == 4, "set_ioreq_server_state layout");

struct xen_dm_op_destroy_ioreq_server {
    ioservid_t id;
    uint16_t pad;
};
_Static_assert(sizeof(struct xen_dm_op_destroy_ioreq_server) == 4, "destroy_ioreq_server layout");

/* The first buffer of a dm_op call: the op, then its argument (the union
 * is as large as Xen's largest member, but only the op's own size is read
 * and written back). */
struct xen_dm_op {
    uint32_t op;
    uint32_t pad;
    union {
        struct xen_dm_op_create_ioreq_server create_ioreq_server;
        struct xen_dm_op_get_ioreq_server_info get_ioreq_server_info;
        struct xen_dm_op_ioreq_server_range map_io_range_to_ioreq_server;
        struct xen_dm_op_ioreq_server_range unmap_io_range_from_ioreq_server;
        struct xen_dm_op_set_ioreq_server_state set_ioreq_server_state;
        struct xen_dm_op_destroy_ioreq_server destroy_ioreq_server;
    } u;
};
#define XEN_DMOP_HDR_SIZE   8u      /* offset of u */

/* HYPERVISOR_dm_op(domid, nr_bufs, bufs): bufs is an array of these. */
struct xen_dm_op_buf {
    uint64_t h;                     /* guest pointer */
    uint64_t size;
};
_Static_assert(sizeof(struct xen_dm_op_buf) == 16, "dm_op_buf layout");

/* XENMEM_acquire_resource type XENMEM_resource_ioreq_server, id = ioservid:
 * frame 0 is the buffered ring, frame 1 + n the n-th synchronous page. */
#define XENMEM_resource_ioreq_server_frame_bufioreq     0
#define XENMEM_resource_ioreq_server_frame_ioreq(n)     (1 + (n))

/* One synchronous request, a slot per vCPU in the shared page.  The byte at
 * offset 30 holds state (bits 0-3), data_is_ptr (bit 4), dir (bit 5) and
 * df (bit 6), as the C bit-fields of Xen's header lay them out on x86. */
#define IOREQ_READ              1
#define IOREQ_WRITE             0
#define STATE_IOREQ_NONE        0
#define STATE_IOREQ_READY       1
#define STATE_IOREQ_INPROCESS   2
#define STATE_IORESP_READY      3
#define IOREQ_TYPE_PIO          0
#define IOREQ_TYPE_COPY         1
#define IOREQ_TYPE_PCI_CONFIG   2

#define IOREQ_BITS_STATE(b)     ((b) & 0xfu)
#define IOREQ_BITS_DATA_IS_PTR  (1u << 4)
#define IOREQ_BITS_DIR_SHIFT    5
#define IOREQ_BITS_DF           (1u << 6)

struct ioreq {
    uint64_t addr;                  /* port or guest-physical address */
    uint64_t data;                  /* the value (or, with data_is_ptr, a guest-physical address) */
    uint32_t count;                 /* repetitions */
    uint32_t size;                  /* bytes per access */
    uint32_t vp_eport;              /* the event channel of this vCPU's slot */
    uint16_t pad0;
    uint8_t bits;                   /* state, data_is_ptr, dir, df (above) */
    uint8_t type;                   /* IOREQ_TYPE_* */
};
_Static_assert(sizeof(struct ioreq) == 32, "ioreq layout");

#endif
