/*
 * libringctl: the toolstack's door into the hypervisor from dom0's user
 * space.  Hypercalls go through Linux's privcmd driver (/dev/xen/privcmd,
 * IOCTL_PRIVCMD_HYPERCALL), which only the initial domain's kernel lets
 * through to domctl/sysctl; their structures are Xen 4.17's layouts
 * (include/public/domctl.h, sysctl.h: docs/toolstack.md says why).
 *
 * Buffers the hypervisor reads or writes (the domctl/sysctl structure and
 * anything it points to) live in memory from rc_buf_alloc: page-aligned,
 * locked (mlock), so the hypervisor's copy never meets a page that is
 * swapped out or not yet faulted in.
 *
 * Owner: one handle per process, used from one thread; no locking.
 */
#ifndef RV_RINGCTL_H
#define RV_RINGCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "public/domctl.h"
#include "public/sysctl.h"

struct rc_handle;

/* NULL with errno set (ENOENT: no privcmd, i.e. not a Xen/Ringvisor domain;
 * EACCES: not root) and a one-line reason in err. */
struct rc_handle *rc_open(char *err, size_t errlen);
void rc_close(struct rc_handle *h);

void *rc_buf_alloc(size_t len);
void rc_buf_free(void *p, size_t len);

/* The hypercall's result: >= 0 success, else -errno (Xen's errno values are
 * Linux's for everything these calls return). */
long rc_hypercall(struct rc_handle *h, unsigned op, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                  uint64_t a5);

/* domctl/sysctl with the interface version filled in; d/s must come from
 * rc_buf_alloc (or be copied into such a buffer: these do that). */
long rc_domctl(struct rc_handle *h, struct xen_domctl *d);
long rc_sysctl(struct rc_handle *h, struct xen_sysctl *s);

/* Convenience wrappers. */
long rc_domain_info(struct rc_handle *h, uint16_t domid, struct xen_domctl_getdomaininfo *out);
/* Up to max domains from first on; returns how many, or -errno. */
long rc_domain_list(struct rc_handle *h, uint16_t first, struct xen_domctl_getdomaininfo *out, unsigned max);
long rc_domain_simple(struct rc_handle *h, unsigned cmd, uint16_t domid);   /* pause, unpause, destroy */
long rc_vcpu_info(struct rc_handle *h, uint16_t domid, unsigned vcpu, struct xen_domctl_getvcpuinfo *out);
/* A vCPU's hard affinity, bit per CPU (set: *mask in, the effective one out). */
long rc_vcpu_get_affinity(struct rc_handle *h, uint16_t domid, unsigned vcpu, uint64_t *mask);
long rc_vcpu_set_affinity(struct rc_handle *h, uint16_t domid, unsigned vcpu, uint64_t *mask);
long rc_physinfo(struct rc_handle *h, struct xen_sysctl_physinfo *out);
/* Reads the hypervisor's console ring into buf (len bytes); returns the
 * count or -errno.  clear: empty the ring after reading. */
long rc_readconsole(struct rc_handle *h, char *buf, size_t len, int clear);
/* XEN_SYSCTL_debug_keys: run the hypervisor's debug keys (output in its console ring). */
long rc_debug_keys(struct rc_handle *h, const char *keys, size_t n);

const char *rc_strerror(long rc);

/* The privcmd file descriptor (foreign mappings are mmap()s of it). */
int rc_fd(struct rc_handle *h);

/* ---- building a domain (ringctl_build.c; docs/toolstack.md "Building a
 * domain from dom0").  Each returns >= 0 or -errno. ---- */
/* XEN_DOMCTL_createdomain for a PVH domain: made paused, without memory. */
long rc_create_domain(struct rc_handle *h, unsigned vcpus, uint16_t *domid);
long rc_max_mem(struct rc_handle *h, uint16_t domid, uint64_t kib);
/* XENMEM_populate_physmap naming domid: n extents of 2^order pages at gfns
 * (each aligned to its order); -ENOMEM unless all were done. */
long rc_populate(struct rc_handle *h, uint16_t domid, const uint64_t *gfns, uint64_t n, unsigned order,
                 uint64_t *out);
/* ... out (n entries, may be NULL): the list after the call, each extent's
 * first MFN for a PV domain. */
/* XEN_DOMCTL_createdomain for an HVM domain (libxl's emulation flags:
 * the whole virtual PC): paused, without memory. */
long rc_create_hvm_domain(struct rc_handle *h, unsigned vcpus, bool hap, uint16_t *domid);
/* XENMEM_set_memory_map naming domid: n e820 entries (addr, size, type
 * each) as the map its XENMEM_memory_map returns; for an HVM domain also
 * the memory size of its CMOS (the hypervisor takes only the mm/e820.h
 * map of some size). */
long rc_set_memory_map(struct rc_handle *h, uint16_t domid, const uint64_t (*entries)[3], unsigned n);
/* XEN_DOMCTL_createdomain for a 64-bit PV domain: paused, no memory. */
long rc_create_pv_domain(struct rc_handle *h, unsigned vcpus, uint16_t *domid);
/* mmuext_op naming domid: MMUEXT_PIN_L<level>_TABLE on its frame mfn
 * (level 0: MMUEXT_UNPIN_TABLE). */
long rc_pin_table(struct rc_handle *h, uint16_t domid, uint64_t mfn, unsigned level);
/* XEN_DOMCTL_setvcpucontext (x86_64 vcpu_guest_context). */
struct vcpu_guest_context;
long rc_setvcpucontext(struct rc_handle *h, uint16_t domid, unsigned vcpu, const struct vcpu_guest_context *c);
/* The same with a context of len bytes (a 32-bit domain's x86_32 form). */
long rc_setvcpucontext_raw(struct rc_handle *h, uint16_t domid, unsigned vcpu, const void *c, size_t len);
/* XEN_DOMCTL_set_address_size: 32 makes an empty PV domain a 32-bit one. */
long rc_set_address_size(struct rc_handle *h, uint16_t domid, uint32_t bits);
/* XEN_DOMCTL_hypercall_init: the hypercall page into domid's frame mfn. */
long rc_hypercall_init(struct rc_handle *h, uint16_t domid, uint64_t mfn);
/* The n frames of domid at gfns, mapped read-write into this process
 * (IOCTL_PRIVCMD_MMAPBATCH_V2); NULL with errno, *first_err = the first
 * frame's error.  rc_unmap_foreign undoes it. */
void *rc_map_foreign(struct rc_handle *h, uint16_t domid, const uint64_t *gfns, uint32_t n, int *first_err);
void rc_unmap_foreign(void *va, uint32_t n);
/* Frames [idx, idx + n) of domid's resource type/id (XENMEM_resource_*:
 * its grant table, an ioreq server) mapped read-write into this process
 * (IOCTL_PRIVCMD_MMAP_RESOURCE); NULL with errno.  rc_unmap_foreign undoes it. */
void *rc_map_resource(struct rc_handle *h, uint16_t domid, uint32_t type, uint32_t id, uint32_t idx, uint32_t n);
long rc_set_hvm_param(struct rc_handle *h, uint16_t domid, unsigned idx, uint64_t val);
/* XEN_DOMCTL_sethvmcontext with a buffer of HVM save records. */
long rc_sethvmcontext(struct rc_handle *h, uint16_t domid, const void *buf, uint32_t len);

#endif
