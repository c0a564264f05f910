/*
 * domctl and sysctl, the toolstack's hypercalls (core/domctl.c,
 * core/sysctl.c; docs/toolstack.md "domctl and sysctl").  The initial
 * domain only.
 */
#ifndef RV_CORE_DOMCTL_H
#define RV_CORE_DOMCTL_H

#include "lib/compiler.h"

struct vcpu;
struct domain;
struct xen_domctl_getdomaininfo;
struct xen_domctl;
struct xen_domctl_hvmcontext;

long domctl(struct vcpu *v, uint64_t arg);
long sysctl(struct vcpu *v, uint64_t arg);
/* getdomaininfo's record for d (shared with sysctl getdomaininfolist). */
void domctl_fill_info(struct domain *d, struct xen_domctl_getdomaininfo *info);
/* A reference to the domain with the lowest id >= from, or NULL. */
struct domain *domctl_first_domain_from(uint16_t from);
/* core/domctl_build.c: the builder's operations, after domctl()'s checks. */
long domctl_createdomain(struct vcpu *caller, struct xen_domctl *op);
/* XENMEM_set_memory_map from the control domain (pv/pv_dom0.c dispatches;
 * the caller's privilege is checked there). */
long domctl_set_memory_map(struct vcpu *caller, uint64_t arg);
long domctl_sethvmcontext(struct vcpu *caller, struct domain *d, const struct xen_domctl_hvmcontext *hc);
struct xen_domctl_vcpucontext;
long domctl_setvcpucontext(struct vcpu *caller, struct domain *d, const struct xen_domctl_vcpucontext *vc);
long domctl_hypercall_init(struct domain *d, uint64_t gmfn);
long domctl_set_address_size(struct domain *d, uint32_t size);
long domctl_get_address_size(struct domain *d, uint32_t *size);

#endif
