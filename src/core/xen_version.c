/*
 * xen_version (public/version.h): what a guest kernel asks while it sets
 * itself up, answered as Xen 4.17 answers an unprivileged HVM or PVH guest
 * (docs/hypercalls.md has the table).  Registered in core/hypercall.c;
 * 32-bit callers through core/compat/compat_vcpu.c (platform_parameters is
 * the one argument whose layout differs).
 *
 * Who may see what follows Xen's default (dummy XSM) policy: version,
 * platform_parameters and get_features for everyone; extraversion,
 * compile_info, capabilities, changeset, pagesize and guest_handle for any
 * guest; commandline and build_id only for a privileged domain.  Ringvisor
 * has no privileged domain yet (no control domain), so every caller gets
 * Xen's refusal: "<denied>" for commandline, -EPERM for build_id.
 */
#include "core/hypercall.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "public/version.h"
#include "public/arch-x86_64.h"  /* HYPERVISOR_VIRT_START */
#include "public/features.h"
#include "rv_build_info.h"      /* generated: tools/gen-build-info.cmake */

#if defined(__clang__)
#define RV_COMPILER "clang version " __clang_version__
#else
#define RV_COMPILER "gcc version " __VERSION__
#endif

/* What Xen copies out instead of a value the caller may not see. */
static const char denied[] = "<denied>";

/* Whether the caller is privileged (Xen: the control or hardware domain, or
 * an XSM policy that allows it).  No Ringvisor domain is, yet. */
static bool privileged(const struct domain *d)
{
    (void)d;
    return false;
}

/* A string into a fixed-size, NUL-padded ABI buffer of len bytes. */
static long put_string(struct vcpu *v, uint64_t arg, const char *s, size_t len)
{
    char buf[XEN_CAPABILITIES_INFO_LEN];        /* the largest of them */

    memset(buf, 0, len);
    strlcpy(buf, s, len);
    return copy_to_guest(v, arg, buf, len) ? -EFAULT : 0;
}

/* Submap 0 as Xen 4.17 gives it to an HVM/PVH domU, less what Ringvisor
 * does not provide (docs/hypercalls.md):
 *   writable_page_tables, auto_translated_physmap: paging is the guest's own;
 *   hvm_callback_vector, hvm_safe_pvclock: as for every HVM/PVH guest;
 *   not_direct_mapped: guest frames are not host frames;
 * left clear: hvm_pirqs (no physical IRQs are passed through: Xen sets it
 * only for a domain with emulated PIRQs), memory_op_vnode_supported
 * (XENMEM_get_vnumainfo is not implemented), dom0. */
static uint32_t features_submap0(void)
{
    return (1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_auto_translated_physmap) |
           (1u << XENFEAT_hvm_callback_vector) | (1u << XENFEAT_hvm_safe_pvclock) |
           (1u << XENFEAT_not_direct_mapped);
}

long xen_version(struct vcpu *v, unsigned cmd, uint64_t arg)
{
    switch (cmd) {
    case XENVER_version:
        return (long)hvm_hypervisor_version();
    case XENVER_extraversion:
        return put_string(v, arg, ".0-rv", XEN_EXTRAVERSION_LEN);
    case XENVER_compile_info: {
        struct xen_compile_info ci;
        memset(&ci, 0, sizeof(ci));
        strlcpy(ci.compiler, RV_COMPILER, sizeof(ci.compiler));
        strlcpy(ci.compile_by, RV_BUILD_BY, sizeof(ci.compile_by));
        strlcpy(ci.compile_domain, RV_BUILD_DOMAIN, sizeof(ci.compile_domain));
        strlcpy(ci.compile_date, __DATE__ " " __TIME__, sizeof(ci.compile_date));
        return copy_to_guest(v, arg, &ci, sizeof(ci)) ? -EFAULT : 0;
    }
    case XENVER_capabilities:
        /* What guests this hypervisor runs, in Xen's order and spelling:
         * HVM (and PVH) guests in 32-bit, 32-bit PAE and 64-bit mode; no
         * PV ("xen-3.0-...") guests. */
        return put_string(v, arg, "hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64", XEN_CAPABILITIES_INFO_LEN);
    case XENVER_changeset:
        return put_string(v, arg, RV_BUILD_CHANGESET, XEN_CHANGESET_INFO_LEN);
    case XENVER_platform_parameters: {
        /* The start of the hypervisor's hole in a PV guest's address space;
         * an HVM/PVH guest owns its whole address space, and Xen answers 0
         * for it (32-bit callers: core/compat/compat_vcpu.c). */
        struct xen_platform_parameters pp = { .virt_start = 0 };
        /* A 64-bit PV guest: the hole starts at 0xffff800000000000. */
        if (v->domain->type == DOMCFG_PV)
            pp.virt_start = HYPERVISOR_VIRT_START;
        return copy_to_guest(v, arg, &pp, sizeof(pp)) ? -EFAULT : 0;
    }
    case XENVER_get_features: {
        struct xen_feature_info fi;
        if (copy_from_guest(v, &fi, arg, sizeof(fi)))
            return -EFAULT;
        if (fi.submap_idx != 0)
            return -EINVAL;         /* XENFEAT_NR_SUBMAPS is 1 */
        fi.submap = v->domain->type == DOMCFG_PV ? pv_features_submap0(v) : features_submap0();
        return copy_to_guest(v, arg, &fi, sizeof(fi)) ? -EFAULT : 0;
    }
    case XENVER_pagesize:
        /* Xen takes no argument here and refuses one. */
        return arg ? -EINVAL : 4096;
    case XENVER_guest_handle: {
        /* Ringvisor's handle (no toolstack gives a UUID): domid, then how
         * many times the domain was restarted (docs/hypercalls.md). */
        uint8_t handle[XEN_DOMAIN_HANDLE_LEN] = { 0 };
        handle[0] = (uint8_t)v->domain->domid;
        handle[1] = (uint8_t)(v->domain->domid >> 8);
        handle[2] = (uint8_t)v->domain->restarts;
        handle[3] = (uint8_t)(v->domain->restarts >> 8);
        return copy_to_guest(v, arg, handle, sizeof(handle)) ? -EFAULT : 0;
    }
    case XENVER_commandline:
        /* Xen copies "<denied>" and its NUL (not the whole 1024 bytes) and
         * succeeds; a privileged caller would get the boot command line. */
        if (!privileged(v->domain))
            return copy_to_guest(v, arg, denied, sizeof(denied)) ? -EFAULT : 0;
        return -EPERM;              /* not reached: no domain is privileged */
    case XENVER_build_id:
        /* Xen: -EPERM before the argument is looked at.  (A privileged
         * caller would get -ENODATA: the image is linked without a build
         * id.) */
        return privileged(v->domain) ? -ENODATA : -EPERM;
    default:
        return -ENOSYS;             /* including Xen 4.19's *2 sub-ops (11-14) */
    }
}
