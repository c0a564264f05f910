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

#define POLL_MAX_PORTS 128

/* SCHEDOP_poll: return at once if one of the ports is pending, else block
 * until an event of the domain or the timeout wakes the vCPU (the guest
 * re-checks its ports, as it must anyway). */
static long sched_poll(struct vcpu *v, uint64_t arg)
{
    struct sched_poll p;
    evtchn_port_t ports[POLL_MAX_PORTS];

    if (copy_from_guest(v, &p, arg, sizeof(p)))
        return -EFAULT;
    if (p.nr_ports > POLL_MAX_PORTS)
        return -EINVAL;
    if (copy_from_guest(v, ports, p.ports, p.nr_ports * sizeof(ports[0])))
        return -EFAULT;
    v->nr_poll_ports = p.nr_ports;
    for (unsigned i = 0; i < p.nr_ports && i < ARRAY_SIZE(v->poll_ports); i++)
        v->poll_ports[i] = ports[i];
    __atomic_store_n(&v->wake_pending, false, __ATOMIC_SEQ_CST);     /* as for SCHEDOP_block */
    __atomic_store_n(&v->polling, true, __ATOMIC_SEQ_CST);
    /* Checked after 'polling' is visible: an event arriving in between
     * either is seen here or wakes us. */
    for (unsigned i = 0; i < p.nr_ports; i++) {
        int rc = evtchn_port_pending(v->domain, ports[i]);
        if (rc) {
            __atomic_store_n(&v->polling, false, __ATOMIC_SEQ_CST);
            return rc < 0 ? rc : 0;
        }
    }
    if (p.timeout) {
        if (!v->poll_timer.fn)
            timer_init(&v->poll_timer, poll_timeout, v, v->processor);
        timer_set(&v->poll_timer, vcpu_host_deadline(p.timeout));
    }
    sched_block(v);
    return 0;
}

long sched_op(struct vcpu *v, unsigned cmd, uint64_t arg)
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
    case SCHEDOP_shutdown: {
        uint32_t reason;
        if (copy_from_guest(v, &reason, arg, sizeof(reason)))
            return -EFAULT;
        if (reason > SHUTDOWN_watchdog)
            return -EINVAL;
        domain_shutdown(v->domain, (int)reason);
        return 0;
    }
    case SCHEDOP_watchdog:
        return sched_watchdog_op(v, arg);
    default:
        return -ENOSYS;
    }
}
