/*
 * Log-dirty tracking on HAP (mm/logdirty.c, docs/shadow.md "Log-dirty"):
 * XEN_DOMCTL_shadow_op's OFF / ENABLE_LOGDIRTY / CLEAN / PEEK for HVM and
 * PVH domains.
 */
#ifndef RV_MM_LOGDIRTY_H
#define RV_MM_LOGDIRTY_H

#include "lib/compiler.h"

struct vcpu;
struct domain;
struct xen_domctl_shadow_op;

/* The domctl (the caller is privileged, d is not the caller's domain).
 * -ERESTART: the same call again continues (bounded work per call). */
long logdirty_domctl(struct vcpu *caller, struct domain *d, struct xen_domctl_shadow_op *op);
/* A write NPF/EPT violation at gpa of v's domain: true when log-dirty
 * handled it (the page is marked and writable again: re-run the
 * instruction). */
bool logdirty_write_fault(struct vcpu *v, uint64_t gpa);
/* Shadow paging: may gfn's shadow leaf be writable?  READ_ONLY while the
 * frame is not yet dirty in this round (log-dirty on); for a write
 * (writing) the frame is marked now and the answer is MARKED (a log-dirty
 * fault).  WRITABLE when log-dirty does not care. */
enum { LD_SHADOW_READ_ONLY, LD_SHADOW_WRITABLE, LD_SHADOW_MARKED };
int logdirty_shadow_may_write(struct vcpu *v, uint64_t gfn, bool writing);
/* The hypervisor wrote into d's RAM at gfn (hvm/guest_mem.c). */
void logdirty_mark(struct domain *d, uint64_t gfn);
/* Frees the tracking state (domain destruction, before the p2m goes). */
void logdirty_domain_destroy(struct domain *d);

#endif
