/*
 * ioreq servers (docs/ioreq.md): a device model in another domain (dom0)
 * claims port ranges of an HVM domain; the hypervisor forwards the guest's
 * accesses there as ioreqs in a page shared with the device model, one slot
 * per vCPU, and the vCPU waits, blocked, for the answer.
 *
 * Ownership: struct ioreq_domain (d->ioreq) is created at the first
 * XEN_DMOP_create_ioreq_server and freed at d's destruction; everything in
 * it is guarded by its lock (a leaf: nothing is called with it held but the
 * allocator).  The shared pages are frames owned by d, outside its RAM
 * blocks and its tot_pages, freed (or orphaned while dom0 still maps them:
 * mm.c's orphans, freed at the last unmap) when their server goes.
 */
#ifndef RV_HVM_IOREQ_H
#define RV_HVM_IOREQ_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;
struct domain;

#define IOREQ_MAX_SERVERS   8       /* per domain (Xen's MAX_NR_IOREQ_SERVERS) */
#define IOREQ_MAX_RANGES    32      /* per server; -ENOSPC beyond */

/* At boot (hvm_init): registers the event-channel consumer. */
void hvm_ioreq_init(void);
/* XENMEM_acquire_resource type ioreq_server: the frames' count for the
 * size query, and frame 'frame' of server id of t for caller c: 0 and
 * *mfn, or Xen's errnos (-EINVAL not HVM or beyond the frames, -ENOENT no
 * such server or frame 0 of a server without a buffered ring, -EPERM
 * another emulator's server). */
unsigned hvm_ioreq_max_frames(struct domain *t);
int hvm_ioreq_get_frame(struct domain *c, struct domain *t, unsigned id, uint64_t frame, uint64_t *mfn);
/* A port access of v that an enabled server claims: the request is in
 * v's slot, the device model notified, and v must wait (true; RIP may
 * advance, RAX is written when the answer is taken).  False: no server
 * claims it (the hypervisor's devices answer). */
bool hvm_ioreq_forward_pio(struct vcpu *v, uint16_t port, bool in, unsigned size, uint32_t val);
/* Before v enters its guest while it waits (v->ioreq_srv != 0): takes the
 * answer if it is there (or the server went: reads are all ones) and
 * returns 1; 0 while the device model has not answered (the caller blocks
 * v; the server's event wakes it); -1 when the device model wrote a state
 * no protocol allows and the domain was crashed. */
int hvm_ioreq_complete(struct vcpu *v);
/* At d's destruction (no vCPU of d runs): every server and page freed. */
void hvm_ioreq_domain_destroy(struct domain *d);

#endif
