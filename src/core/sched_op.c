/*
 * sched_op (public/sched.h): yield, block, poll and shutdown, for every kind
 * of domain (registered in core/hypercall.c; 32-bit callers through
 * core/compat/compat_vcpu.c).
 */
#include "core/hypercall.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/sched.h"
#include "core/timer.h"
#include "core/vcpu_op.h"
#include "core/watchdog.h"
#include "evtchn/evtchn.h"
#include "lib/errno.h"
#include "public/sched.h"

static void poll_timeout(void *data)
{
    evtchn_arch_wake_poller(data);
}

#define POLL_MAX_PORTS 128      /* Xen's limit: more is -EINVAL */
#define POLL_FEW_PORTS 4        /* lists this short are read into a small frame */

/* The wait itself, once the list is read: see sched_poll. */
__hot_path static long poll_ports(struct vcpu *v, const struct sched_poll *p, const evtchn_port_t *ports)
{
    v->nr_poll_ports = p->nr_ports;
    for (unsigned i = 0; i < p->nr_ports && i < ARRAY_SIZE(v->poll_ports); i++)
        v->poll_ports[i] = ports[i];
    __atomic_store_n(&v->wake_pending, false, __ATOMIC_SEQ_CST);     /* as for SCHEDOP_block */
    __atomic_store_n(&v->polling, true, __ATOMIC_SEQ_CST);
    /* Checked after 'polling' is visible: an event arriving in between
     * either is seen here or wakes us.  One evtchn lock for the list. */
    int rc = evtchn_ports_pending(v->domain, ports, p->nr_ports);
    if (rc) {
        __atomic_store_n(&v->polling, false, __ATOMIC_SEQ_CST);
        return rc < 0 ? rc : 0;
    }
    if (p->timeout) {
        if (!v->poll_timer.fn)
            timer_init(&v->poll_timer, poll_timeout, v, v->processor);
        timer_set(&v->poll_timer, vcpu_host_deadline(p->timeout));
    }
    sched_block(v);
    return 0;
}

/* A long list (up to POLL_MAX_PORTS): its 512-byte buffer lives in this
 * frame only, so the usual one-port poll's stack stays small (under QEMU
 * TCG every page the hypervisor touches after an exit costs a software
 * TLB refill). */
static __attribute__((noinline)) long poll_many(struct vcpu *v, const struct sched_poll *p)
{
    evtchn_port_t ports[POLL_MAX_PORTS];

    if (copy_from_guest(v, ports, p->ports, p->nr_ports * sizeof(ports[0])))
        return -EFAULT;
    return poll_ports(v, p, ports);
}

/* SCHEDOP_poll: return at once if one of the ports is pending, else block
 * until an event of the domain or the timeout wakes the vCPU (the guest
 * re-checks its ports, as it must anyway).  The port list usually sits
 * next to the structure on the guest's stack: the second copy then reuses
 * the first one's translation (struct vcpu.copy_cache). */
__hot_path static long sched_poll(struct vcpu *v, uint64_t arg)
{
    struct sched_poll p;
    evtchn_port_t few[POLL_FEW_PORTS];

    if (copy_from_guest(v, &p, arg, sizeof(p)))
        return -EFAULT;
    if (p.nr_ports > POLL_MAX_PORTS)
        return -EINVAL;
    if (p.nr_ports > POLL_FEW_PORTS)
        return poll_many(v, &p);
    if (copy_from_guest(v, few, p.ports, p.nr_ports * sizeof(few[0])))
        return -EFAULT;
    return poll_ports(v, &p, few);
}

/* SCHEDOP_remote_shutdown: the control domain stops another domain with a
 * reason, as xl shutdown/reboot does for a guest without PV drivers (what
 * the guest would have done with SCHEDOP_shutdown; its on_* key then
 * applies).  Any domain that still exists, itself included (as Xen); one
 * already stopping is left as it is (0). */
static long sched_remote_shutdown(struct vcpu *v, uint64_t arg)
{
    struct sched_remote_shutdown r;

    if (copy_from_guest(v, &r, arg, sizeof(r)))
        return -EFAULT;
    if (!domain_is_privileged(v->domain))
        return -EPERM;
    if (r.reason > SHUTDOWN_watchdog)
        return -EINVAL;
    struct domain *t = domain_get_any(r.domain_id);
    if (!t)
        return -ESRCH;
    domain_shutdown(t, (int)r.reason);
    domain_put(t);
    return 0;
}

__hot_path long sched_op(struct vcpu *v, unsigned cmd, uint64_t arg)
{
    switch (cmd) {
    case SCHEDOP_yield:
        sched_yield(v);
        return 0;
    case SCHEDOP_block:
        /* Wait for what happens from now on: a wake recorded earlier (an
         * interrupt kick while the vCPU ran) is not an event.  Cleared
         * before the checks, so a wake racing with them still counts. */
        __atomic_store_n(&v->wake_pending, false, __ATOMIC_SEQ_CST);
        /* An event already waiting, or the single-shot timer already fired
         * (guests without a bound VIRQ_TIMER block on it): no wait. */
        if (__atomic_load_n(&v->vcpu_info->evtchn_upcall_pending, __ATOMIC_ACQUIRE) ||
            __atomic_exchange_n(&v->timer_fired, false, __ATOMIC_SEQ_CST))
            return 0;
        sched_block(v);
        return 0;
    case SCHEDOP_poll:
        return sched_poll(v, arg);
    case SCHEDOP_shutdown:
    case SCHEDOP_shutdown_code: {
        /* struct sched_shutdown: the reason, one Ringvisor knows. */
        uint32_t reason;
        if (copy_from_guest(v, &reason, arg, sizeof(reason)))
            return -EFAULT;
        if (reason > SHUTDOWN_watchdog)
            return -EINVAL;
        if (cmd == SCHEDOP_shutdown) {
            domain_shutdown(v->domain, (int)reason);
            return 0;
        }
        int none = 0;       /* shutdown_code: the first code recorded stays */
        __atomic_compare_exchange_n(&v->domain->shutdown_code, &none, (int)reason + 1, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE);
        return 0;
    }
    case SCHEDOP_remote_shutdown:
        return sched_remote_shutdown(v, arg);
    case SCHEDOP_watchdog:
        return sched_watchdog_op(v, arg);
    default:
        return -ENOSYS;
    }
}
