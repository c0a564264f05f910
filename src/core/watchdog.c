/*
 * Per-domain watchdogs (SCHEDOP_watchdog).  Each domain has
 * DOMAIN_NR_WATCHDOGS timers (struct domain: watchdogs[], watchdog_inuse,
 * both guarded by d->watchdog_lock); an expired one shuts the domain down
 * with SHUTDOWN_watchdog, which is then handled by on_watchdog like any
 * other shutdown.  The timers run on the CPU that created the domain; timer
 * handlers run in softirq context there.
 */
#include "core/watchdog.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/percpu.h"
#include "core/console.h"
#include "arch/x86/time.h"
#include "lib/errno.h"
#include "public/sched.h"

static void watchdog_expired(void *data)
{
    struct domain_watchdog *w = data;
    struct domain *d = w->domain;

    /* A domain already stopping keeps its first reason (domain_shutdown
     * ignores a second request). */
    if (__atomic_load_n(&d->state, __ATOMIC_ACQUIRE) != DOMAIN_RUNNING)
        return;
    domain_log(d, LOG_WARN, "watchdog %u expired\n", (unsigned)(w - d->watchdogs) + 1);
    domain_shutdown(d, SHUTDOWN_watchdog);
}

void watchdog_domain_init(struct domain *d)
{
    d->watchdog_lock = (spinlock_t)SPINLOCK_INIT;
    d->watchdog_inuse = 0;
    for (unsigned i = 0; i < DOMAIN_NR_WATCHDOGS; i++) {
        d->watchdogs[i].domain = d;
        timer_init(&d->watchdogs[i].timer, watchdog_expired, &d->watchdogs[i], smp_processor_id());
    }
}

void watchdog_domain_destroy(struct domain *d)
{
    uint64_t f = spin_lock_irqsave(&d->watchdog_lock);
    d->watchdog_inuse = 0;
    spin_unlock_irqrestore(&d->watchdog_lock, f);
    for (unsigned i = 0; i < DOMAIN_NR_WATCHDOGS; i++)
        if (d->watchdogs[i].timer.fn)
            timer_kill(&d->watchdogs[i].timer);
}

static uint64_t deadline(uint32_t timeout_s)
{
    /* At most 2^32 s: fits in 64 bits of nanoseconds. */
    return now_ns() + (uint64_t)timeout_s * 1000000000ull;
}

long watchdog_op(struct domain *d, uint32_t id, uint32_t timeout)
{
    long rc;

    if (id > DOMAIN_NR_WATCHDOGS)
        return -EINVAL;
    uint64_t f = spin_lock_irqsave(&d->watchdog_lock);
    if (id == 0) {
        /* The first free slot; as Xen, a timeout of 0 arms it to expire at once. */
        rc = -ENOSPC;
        for (unsigned i = 0; i < DOMAIN_NR_WATCHDOGS; i++) {
            if (d->watchdog_inuse & (1u << i))
                continue;
            d->watchdog_inuse |= 1u << i;
            timer_set(&d->watchdogs[i].timer, deadline(timeout));
            rc = (long)i + 1;
            break;
        }
    } else if (!(d->watchdog_inuse & (1u << (id - 1)))) {
        rc = -EINVAL;
    } else if (timeout == 0) {
        d->watchdog_inuse &= ~(1u << (id - 1));
        timer_stop(&d->watchdogs[id - 1].timer);
        rc = 0;
    } else {
        timer_set(&d->watchdogs[id - 1].timer, deadline(timeout));
        rc = 0;
    }
    spin_unlock_irqrestore(&d->watchdog_lock, f);
    return rc;
}

long sched_watchdog_op(struct vcpu *v, uint64_t arg)
{
    struct sched_watchdog w;

    if (copy_from_guest(v, &w, arg, sizeof(w)))
        return -EFAULT;
    return watchdog_op(v->domain, w.id, w.timeout);
}
