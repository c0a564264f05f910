/*
 * xen_version (public/version.h): what a guest kernel asks while it sets
 * itself up.  Registered in core/hypercall.c; 32-bit callers through
 * core/compat/compat_vcpu.c (platform_parameters differs).
 */
#include "core/hypercall.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "lib/errno.h"
#include "public/version.h"
#include "public/features.h"

long xen_version(struct vcpu *v, unsigned cmd, uint64_t arg)
{
    switch (cmd) {
    case XENVER_version:
        return (long)hvm_hypervisor_version();
    case XENVER_extraversion: {
        char extra[16] = ".0-rv";
        return copy_to_guest(v, arg, extra, sizeof(extra)) ? -EFAULT : 0;
    }
    case XENVER_capabilities: {
        char caps[1024] = "hvm-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p";
        return copy_to_guest(v, arg, caps, sizeof(caps)) ? -EFAULT : 0;
    }
    case XENVER_changeset: {
        char cs[64] = "ringvisor";
        return copy_to_guest(v, arg, cs, sizeof(cs)) ? -EFAULT : 0;
    }
    case XENVER_platform_parameters: {
        uint64_t virt_start = 0xffff800000000000ull;    /* where the hypervisor hole starts */
        return copy_to_guest(v, arg, &virt_start, sizeof(virt_start)) ? -EFAULT : 0;
    }
    case XENVER_get_features: {
        struct xen_feature_info fi;
        if (copy_from_guest(v, &fi, arg, sizeof(fi)))
            return -EFAULT;
        if (fi.submap_idx >= XENFEAT_NR_SUBMAPS)
            return -EINVAL;
        /* HVM and PVH: physical addresses are the guest's own, upcalls by
         * vector, and the PV clock is safe to use under HVM. */
        fi.submap = (1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_auto_translated_physmap) |
                    (1u << XENFEAT_hvm_callback_vector) | (1u << XENFEAT_hvm_safe_pvclock);
        return copy_to_guest(v, arg, &fi, sizeof(fi)) ? -EFAULT : 0;
    }
    case XENVER_pagesize:
        return 4096;
    case XENVER_guest_handle: {
        /* Ringvisor's handle (no toolstack gives a UUID): domid, then how
         * many times the domain was restarted (docs/hypercalls.md). */
        uint8_t handle[16] = { 0 };
        handle[0] = (uint8_t)v->domain->domid;
        handle[1] = (uint8_t)(v->domain->domid >> 8);
        handle[2] = (uint8_t)v->domain->restarts;
        handle[3] = (uint8_t)(v->domain->restarts >> 8);
        return copy_to_guest(v, arg, handle, sizeof(handle)) ? -EFAULT : 0;
    }
    case XENVER_commandline:
    case XENVER_build_id:
        return -EPERM;      /* the control domain's business */
    default:
        return -ENOSYS;
    }
}
