/*
 * vcpu_op, sched_op and xen_version for 32-bit callers (compat.h).
 * Translated: the runstate record and the handle that registers its area,
 * the single-shot timer (12 bytes, not 16), SCHEDOP_poll (4-byte handle,
 * timeout at 8) and XENVER_platform_parameters (a 4-byte xen_ulong_t).
 * The rest have the same layout in both modes.
 */
#include "core/compat/compat.h"
#include "core/compat/layout.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "core/vcpu_op.h"
#include "public/version.h"
#include "lib/errno.h"
#include "lib/string.h"

long compat_vcpu_op(struct vcpu *v, unsigned cmd, unsigned vcpuid, uint32_t arg)
{
    switch (cmd) {
    case VCPUOP_register_runstate_memory_area: {
        struct compat_vcpu_register_runstate_memory_area c;
        struct vcpu_register_runstate_memory_area *n = (void *)v->compat.buf;
        if (copy_from_guest(v, &c, arg, sizeof(c)))
            return -EFAULT;
        /* The handle is the low half; the handler sees that the caller is
         * 32-bit (compat_active) and keeps the record in the i386 layout. */
        n->addr = c.addr;
        return vcpu_op(v, cmd, vcpuid, COMPAT_XLAT_VA);
    }
    case VCPUOP_get_runstate_info: {
        struct compat_vcpu_runstate_info c;
        long rc = vcpu_op(v, cmd, vcpuid, COMPAT_XLAT_VA);
        if (rc)
            return rc;
        compat_runstate_from_native(&c, (const struct vcpu_runstate_info *)v->compat.buf);
        return copy_to_guest(v, arg, &c, sizeof(c)) ? -EFAULT : 0;
    }
    case VCPUOP_set_singleshot_timer: {
        struct compat_vcpu_set_singleshot_timer c;
        struct vcpu_set_singleshot_timer *n = (void *)v->compat.buf;
        if (copy_from_guest(v, &c, arg, sizeof(c)))
            return -EFAULT;
        *n = (struct vcpu_set_singleshot_timer){ .timeout_abs_ns = c.timeout_abs_ns, .flags = c.flags };
        return vcpu_op(v, cmd, vcpuid, COMPAT_XLAT_VA);
    }
    case VCPUOP_up:
    case VCPUOP_down:
    case VCPUOP_is_up:
    case VCPUOP_stop_periodic_timer:
    case VCPUOP_stop_singleshot_timer:
    case VCPUOP_set_periodic_timer:
    case VCPUOP_register_vcpu_info:
    case VCPUOP_send_nmi:
        return vcpu_op(v, cmd, vcpuid, arg);    /* no argument, or the same layout */
    default:
        /* initialise (vcpu_guest_context: pv/pv32_smp.c for PV), get_physid,
         * the time area: not offered to 64-bit callers either. */
        return -ENOSYS;
    }
}

long compat_sched_op(struct vcpu *v, unsigned cmd, uint32_t arg)
{
    switch (cmd) {
    case SCHEDOP_poll: {
        struct compat_sched_poll c;
        struct sched_poll *n = (void *)v->compat.buf;
        if (copy_from_guest(v, &c, arg, sizeof(c)))
            return -EFAULT;
        /* The ports are evtchn_port_t (4 bytes in both modes): the handler
         * reads them from the guest through the zero-extended handle. */
        *n = (struct sched_poll){ .ports = c.ports, .nr_ports = c.nr_ports, .timeout = c.timeout };
        return sched_op(v, cmd, COMPAT_XLAT_VA);
    }
    case SCHEDOP_yield:
    case SCHEDOP_block:
    case SCHEDOP_shutdown:
    case SCHEDOP_shutdown_code:
    case SCHEDOP_remote_shutdown:
    case SCHEDOP_watchdog:
        return sched_op(v, cmd, arg);   /* no argument, or uint32_t/domid_t fields only */
    default:
        return -ENOSYS;
    }
}

long compat_xen_version(struct vcpu *v, unsigned cmd, uint32_t arg)
{
    if (cmd == XENVER_platform_parameters) {
        /* 4 bytes, not 8; 0 as for 64-bit callers (core/xen_version.c):
         * an HVM/PVH guest has no hypervisor hole. */
        struct compat_platform_parameters c = { 0 };
        return copy_to_guest(v, arg, &c, sizeof(c)) ? -EFAULT : 0;
    }
    /* The others: strings and byte arrays of fixed size, xen_feature_info
     * (two uint32_t), or no argument. */
    return xen_version(v, cmd, arg);
}
