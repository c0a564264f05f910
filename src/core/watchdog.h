/*
 * Per-domain watchdogs (SCHEDOP_watchdog, Xen's public sched.h): a guest
 * arms up to DOMAIN_NR_WATCHDOGS timers and must pet them; one that expires
 * shuts the domain down with SHUTDOWN_watchdog, after which its on_watchdog
 * action applies (core/domain_policy.c).
 */
#ifndef RV_CORE_WATCHDOG_H
#define RV_CORE_WATCHDOG_H

#include <stdint.h>

struct domain;
struct vcpu;

void watchdog_domain_init(struct domain *d);     /* at creation, before any vCPU runs */
/* Stops every watchdog of d and waits for a running expiry handler:
 * afterwards d may be freed.  Idempotent. */
void watchdog_domain_destroy(struct domain *d);
/*
 * The operation itself, Xen's semantics:
 *   id 0: create a watchdog that expires in 'timeout' seconds; returns its id
 *         (1 or 2), -ENOSPC when both exist;
 *   id 1..2 in use: timeout > 0 pets it (expires 'timeout' s from now),
 *         timeout 0 destroys it; returns 0;
 *   an id beyond 2, or one not in use: -EINVAL.
 */
long watchdog_op(struct domain *d, uint32_t id, uint32_t timeout);
/* SCHEDOP_watchdog: reads struct sched_watchdog (same layout for 32- and
 * 64-bit callers) from the guest; -EFAULT if it cannot. */
long sched_watchdog_op(struct vcpu *v, uint64_t arg);

#endif
