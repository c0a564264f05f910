/*
 * The memory_op sub-ops about the M2P (mm/m2p.h) for 64-bit PV guests,
 * answered as Xen's x86_64 code does (public/memory.h):
 *  - XENMEM_machphys_mapping: the guest-visible window, v_start
 *    0xffff800000000000, v_end 0xffff804000000000, max_mfn = entries of
 *    that window - 1 (Xen's answer to a domU);
 *  - XENMEM_machphys_mfn_list: the machine frames of the table, one per
 *    2 MiB extent (each extent contiguous), at most max_extents of them,
 *    nr_extents = how many were written.
 */
#include "pv/pv.h"
#include "core/domain.h"
#include "mm/m2p.h"
#include "lib/errno.h"
#include "public/memory.h"

struct xen_machphys_mapping {
    uint64_t v_start, v_end, max_mfn;
};

struct xen_machphys_mfn_list {
    uint32_t max_extents;
    uint32_t pad;
    uint64_t extent_start;      /* guest handle: xen_pfn_t[max_extents] */
    uint32_t nr_extents;
    uint32_t pad2;
};
_Static_assert(sizeof(struct xen_machphys_mfn_list) == 24, "xen_machphys_mfn_list, 64-bit layout");

bool pv_m2p_memory_op(struct vcpu *v, unsigned cmd, uint64_t arg, long *ret)
{
    if (cmd == XENMEM_machphys_mapping) {
        struct xen_machphys_mapping m = { MACH2PHYS_VIRT_START, MACH2PHYS_VIRT_END, MACH2PHYS_NR_ENTRIES - 1 };
        *ret = pv_copy_guest(v, &m, arg, sizeof(m), true) ? -EFAULT : 0;
        return true;
    }
    if (cmd != XENMEM_machphys_mfn_list)
        return false;
    struct xen_machphys_mfn_list l;
    if (pv_copy_guest(v, &l, arg, sizeof(l), false)) {
        *ret = -EFAULT;
        return true;
    }
    uint32_t i = 0;
    for (; i != l.max_extents && i < m2p_nr_extents(); i++) {
        uint64_t mfn = m2p_extent_mfn(i);
        if (pv_copy_guest(v, &mfn, l.extent_start + (uint64_t)i * 8, 8, true)) {
            *ret = -EFAULT;
            return true;
        }
    }
    l.nr_extents = i;
    *ret = pv_copy_guest(v, &l.nr_extents, arg + 16, sizeof(l.nr_extents), true) ? -EFAULT : 0;
    return true;
}
