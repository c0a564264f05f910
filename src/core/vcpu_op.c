/*
 * vcpu_op(cmd, vcpuid, arg) for HVM and PVH vCPUs (public/vcpu.h): the
 * guest timers that raise VIRQ_TIMER, moving vcpu_info out of shared_info,
 * and the runstate area.  Also set_timer_op, the older form of the
 * single-shot timer.
 */
#include "core/vcpu_op.h"
#include "core/compat/layout.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "core/sched.h"
#include "core/time_info.h"
#include "core/timer.h"
#include "evtchn/evtchn.h"
#include "mm/physmap.h"
#include "arch/x86/time.h"
#include "lib/errno.h"
#include "lib/string.h"

#define ETIME 62    /* Xen/Linux numbering: the deadline has passed */

__hot_path uint64_t vcpu_host_deadline(uint64_t sys_ns)
{
    return MAX(guest_ns_to_host_ns(sys_ns), now_ns()) + 1000;
}

static void singleshot_fired(void *data)
{
    struct vcpu *v = data;
    __atomic_store_n(&v->timer_fired, true, __ATOMIC_SEQ_CST);
    evtchn_send_virq(v, VIRQ_TIMER);
    sched_wake(v);      /* SCHEDOP_block waiters without a bound VIRQ */
}

static void periodic_fired(void *data)
{
    struct vcpu *v = data;
    uint64_t period = READ_ONCE(v->periodic_ns);
    if (!period)
        return;
    evtchn_send_virq(v, VIRQ_TIMER);
    sched_wake(v);
    timer_set(&v->periodic_timer, now_ns() + period);
}

/* Timers are created by the vCPU itself, on the CPU it runs on. */
static void timers_init(struct vcpu *v)
{
    if (!v->guest_timer.fn)
        timer_init(&v->guest_timer, singleshot_fired, v, v->processor);
    if (!v->periodic_timer.fn)
        timer_init(&v->periodic_timer, periodic_fired, v, v->processor);
}

long vcpu_set_singleshot(struct vcpu *v, uint64_t deadline_ns)
{
    timers_init(v);
    timer_stop(&v->guest_timer);
    __atomic_store_n(&v->timer_fired, false, __ATOMIC_SEQ_CST);
    if (deadline_ns)
        timer_set(&v->guest_timer, vcpu_host_deadline(deadline_ns));
    return 0;
}

static long register_vcpu_info(struct vcpu *v, struct vcpu *t, uint64_t arg)
{
    struct vcpu_register_vcpu_info r;

    if (copy_from_guest(v, &r, arg, sizeof(r)))
        return -EFAULT;
    if (r.offset > 4096 - sizeof(struct vcpu_info) || (r.offset & 7))
        return -EINVAL;
    if (t->vcpu_info_gfn != ~0ull)
        return -EINVAL;                 /* once only, as with Xen */
    char *page = physmap_map_ram(t->domain, r.mfn);
    if (!page)
        return -EINVAL;
    struct vcpu_info *ni = (struct vcpu_info *)(page + r.offset);
    /* The new record starts as a copy of the old one; then everything is
     * marked pending so that an event that raced with the move is seen (a
     * spurious scan costs the guest nothing). */
    memcpy(ni, t->vcpu_info, sizeof(*ni));
    t->vcpu_info_gfn = r.mfn;
    __atomic_store_n(&t->vcpu_info, ni, __ATOMIC_RELEASE);
    time_info_update_vcpu(t);
    if (__atomic_load_n(&t->domain->shinfo_compat, __ATOMIC_ACQUIRE))
        __atomic_store_n(&((struct compat_vcpu_info *)ni)->evtchn_pending_sel, ~0u, __ATOMIC_RELEASE);
    else
        __atomic_store_n(&ni->evtchn_pending_sel, ~0ull, __ATOMIC_RELEASE);
    if (!__atomic_exchange_n(&ni->evtchn_upcall_pending, 1, __ATOMIC_ACQ_REL))
        evtchn_arch_upcall(t);
    return 0;
}

long vcpu_op(struct vcpu *v, unsigned cmd, unsigned vcpuid, uint64_t arg)
{
    struct domain *d = v->domain;

    if (vcpuid >= d->nr_vcpus || !d->vcpus[vcpuid])
        return -ENOENT;
    struct vcpu *t = d->vcpus[vcpuid];
    long ret;

    /* PV: initialise/up/is_up of its own vCPUs (pv/pv_smp.c). */
    if (pv_vcpu_op(v, cmd, t, arg, &ret))
        return ret;
    /* PV: vcpu_info by machine frame, runstate by virtual address (pv/pv_time.c). */
    if (pv_time_vcpu_op(v, cmd, t, arg, &ret))
        return ret;
    switch (cmd) {
    case VCPUOP_register_vcpu_info:
        return register_vcpu_info(v, t, arg);
    case VCPUOP_register_runstate_memory_area: {
        struct vcpu_register_runstate_memory_area a;
        if (copy_from_guest(v, &a, arg, sizeof(a)))
            return -EFAULT;
        return time_info_register_runstate(v, t, a.addr);
    }
    case VCPUOP_get_runstate_info: {
        struct vcpu_runstate_info r = t->runstate;
        return copy_to_guest(v, arg, &r, sizeof(r)) ? -EFAULT : 0;
    }
    case VCPUOP_is_up:
        return READ_ONCE(t->state) != VCPU_OFFLINE;
    case VCPUOP_set_singleshot_timer: {
        struct vcpu_set_singleshot_timer s;
        if (t != v)
            return -EINVAL;     /* a vCPU arms only its own timer */
        if (copy_from_guest(v, &s, arg, sizeof(s)))
            return -EFAULT;
        if ((s.flags & VCPU_SSHOTTMR_future) && s.timeout_abs_ns < time_info_system_ns(d))
            return -ETIME;
        return vcpu_set_singleshot(v, s.timeout_abs_ns);
    }
    case VCPUOP_stop_singleshot_timer:
        if (t != v)
            return -EINVAL;
        return vcpu_set_singleshot(v, 0);
    case VCPUOP_set_periodic_timer: {
        struct vcpu_set_periodic_timer p;
        if (t != v)
            return -EINVAL;
        if (copy_from_guest(v, &p, arg, sizeof(p)))
            return -EFAULT;
        /* At least 1 ms, and a period whose end fits in 64-bit ns. */
        if (p.period_ns < 1000000 || p.period_ns > (1ull << 62))
            return -EINVAL;
        timers_init(v);
        WRITE_ONCE(v->periodic_ns, p.period_ns);
        timer_set(&v->periodic_timer, now_ns() + p.period_ns);
        return 0;
    }
    case VCPUOP_stop_periodic_timer:
        if (t != v)
            return -EINVAL;
        WRITE_ONCE(v->periodic_ns, 0);
        if (v->periodic_timer.fn)
            timer_stop(&v->periodic_timer);
        return 0;
    default:
        /* initialise/up/down: secondary vCPUs of HVM and PVH guests start
         * through INIT/SIPI; get_physid, send_nmi, vcpu_time area: not yet. */
        return -ENOSYS;
    }
}
