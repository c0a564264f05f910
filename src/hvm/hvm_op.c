/*
 * hvm_op for HVM and PVH guests (public/hvm.h): the parameter store, with a
 * checked list of what a guest may change, and the per-vCPU upcall vector.
 */
#include "hvm/hvm.h"
#include "hvm/hvm_op.h"
#include "core/hypercall.h"   /* the table's prototype of hvm_op */
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/time_info.h"
#include "lib/errno.h"
#include "public/hvm.h"

/* Parameters the guest itself may set, and the check for each value.  The
 * others describe the platform (console and store pages, ...) and are set
 * only by the domain builder; a guest write to them gets -EPERM. */
static int check_guest_set(unsigned idx, uint64_t val)
{
    switch (idx) {
    case HVM_PARAM_CALLBACK_IRQ: {
        unsigned type = (unsigned)(val >> HVM_PARAM_CALLBACK_TYPE_SHIFT);
        if (val == 0)
            return 0;   /* no callback */
        /* Only the vector form is delivered (docs/event-channels.md).
         * The GSI form would need an emulated line of Xen's choosing, and
         * the PCI INTx form the platform device's INTx pin: the device at
         * 00:02.0 (hvm/vxenplat.c) has interrupt pin 0 and raises no line,
         * so a guest asking for either is told -EINVAL now rather than
         * waiting for an interrupt that would never come. */
        if (type != HVM_PARAM_CALLBACK_TYPE_VECTOR)
            return -EINVAL;
        if ((val & ~(0xffull << HVM_PARAM_CALLBACK_TYPE_SHIFT)) > 0xff || (uint8_t)val < 0x10)
            return -EINVAL;
        return 0;
    }
    case HVM_PARAM_TIMER_MODE:
        return val <= 3 ? 0 : -EINVAL;  /* recorded only: the timers are not tick based */
    default:
        return -EPERM;
    }
}

static long param_op(struct vcpu *v, bool set, uint64_t arg)
{
    struct domain *d = v->domain;
    struct xen_hvm_param p;
    int rc = 0;

    if (copy_from_guest(v, &p, arg, sizeof(p)))
        return -EFAULT;
    if (!domain_is_self(d, p.domid))
        return -EPERM;      /* other domains' parameters: the control domain's business */
    if (p.index >= HVM_NR_PARAMS)
        return -EINVAL;
    uint64_t f = spin_lock_irqsave(&d->params_lock);
    if (set) {
        rc = check_guest_set(p.index, p.value);
        if (!rc)
            __atomic_store_n(&d->hvm_params[p.index], p.value, __ATOMIC_RELEASE);
        /* As Xen: the shared_info layout follows the caller's mode when it
         * sets its callback (core/compat/shinfo.c). */
        if (!rc && p.index == HVM_PARAM_CALLBACK_IRQ)
            compat_latch_shinfo(d, compat_active(v));
    } else {
        p.value = d->hvm_params[p.index];
    }
    spin_unlock_irqrestore(&d->params_lock, f);
    if (rc)
        return rc;
    if (set) {
        /* An event may already be waiting for the new callback. */
        for (unsigned i = 0; i < d->nr_vcpus; i++)
            hvm_vcpu_kick(d->vcpus[i]);
        return 0;
    }
    return copy_to_guest(v, arg, &p, sizeof(p)) ? -EFAULT : 0;
}

static long set_upcall_vector(struct vcpu *v, uint64_t arg)
{
    struct xen_hvm_evtchn_upcall_vector u;

    if (copy_from_guest(v, &u, arg, sizeof(u)))
        return -EFAULT;
    if (u.vcpu >= v->domain->nr_vcpus)
        return -ENOENT;
    if (u.vector < 0x10)
        return -EINVAL;
    struct vcpu *t = v->domain->vcpus[u.vcpu];
    __atomic_store_n(&t->upcall_vector, u.vector, __ATOMIC_RELEASE);
    return 0;
}

long hvm_op(struct vcpu *v, unsigned cmd, uint64_t arg)
{
    switch (cmd) {
    case HVMOP_set_param:
        return param_op(v, true, arg);
    case HVMOP_get_param:
        return param_op(v, false, arg);
    case HVMOP_set_evtchn_upcall_vector:
        return set_upcall_vector(v, arg);
    case HVMOP_get_time: {
        uint64_t now = time_info_system_ns(v->domain);
        return copy_to_guest(v, arg, &now, sizeof(now)) ? -EFAULT : 0;
    }
    default:
        /* Including pagetable_dying: only a shadow pager would use it. */
        return -ENOSYS;
    }
}
