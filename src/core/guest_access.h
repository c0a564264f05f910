/*
 * Hypercall arguments in guest memory, for code shared by every kind of
 * domain (evtchn/, gnttab/, core/).  Addresses are guest-virtual: the
 * pointer the calling vCPU passed, translated as that vCPU would (HVM and
 * PVH: through its page tables and the p2m; implemented in hvm/guest_mem.c).
 * Return 0 or -EFAULT (nothing written past the failing byte).
 */
#ifndef RV_CORE_GUEST_ACCESS_H
#define RV_CORE_GUEST_ACCESS_H

#include <stddef.h>
#include <stdint.h>

struct vcpu;

int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len);
int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len);

#endif
