/*
 * memory_op's M2P sub-ops for a 32-bit PV caller (docs/pv.md "Ring 1 and
 * compat"), answered as Xen's compat layer on x86_64 answers them (its
 * public memory.h layouts with 32-bit longs and handles):
 *  - XENMEM_machphys_mapping: struct { v_start, v_end, max_mfn } of three
 *    32-bit words, the compat M2P's window 0xf5800000-0xffe00000 and
 *    max_mfn = the entries that window holds - 1 (Xen answers with the
 *    window's size, not with the host's frames);
 *  - XENMEM_machphys_mfn_list and XENMEM_machphys_compat_mfn_list (Xen
 *    serves both alike to a 32-bit caller): struct { max_extents,
 *    extent_start (a 32-bit handle), nr_extents } of 12 bytes; the first
 *    machine frame of each 2 MiB extent of the compat table (m2p_compat.c:
 *    each chunk contiguous), written as 4-byte entries, at most
 *    max_extents of them; nr_extents = how many were written, stored back
 *    in the structure.
 * A fault on the guest's buffer is -EFAULT; entries already written stay
 * (as Xen's loop leaves them).
 */
#include "pv/pv.h"
#include "mm/m2p.h"
#include "lib/errno.h"
#include "public/memory.h"

struct compat_machphys_mapping {
    uint32_t v_start, v_end, max_mfn;
};
_Static_assert(sizeof(struct compat_machphys_mapping) == 12, "x86_32 xen_machphys_mapping");

struct compat_machphys_mfn_list {
    uint32_t max_extents;
    uint32_t extent_start;      /* guest handle: 32-bit xen_pfn_t[max_extents] */
    uint32_t nr_extents;
};
_Static_assert(sizeof(struct compat_machphys_mfn_list) == 12, "x86_32 xen_machphys_mfn_list");

bool pv32_m2p_memory_op(struct vcpu *v, unsigned cmd, uint64_t arg, long *ret)
{
    arg = (uint32_t)arg;        /* a 32-bit caller's pointer */
    if (cmd == XENMEM_machphys_mapping) {
        struct compat_machphys_mapping m = {
            (uint32_t)MACH2PHYS_COMPAT_VIRT_START, (uint32_t)MACH2PHYS_COMPAT_VIRT_END,
            (uint32_t)((MACH2PHYS_COMPAT_VIRT_END - MACH2PHYS_COMPAT_VIRT_START) / 4 - 1),
        };
        *ret = pv_copy_guest(v, &m, arg, sizeof(m), true) ? -EFAULT : 0;
        return true;
    }
    if (cmd != XENMEM_machphys_mfn_list && cmd != XENMEM_machphys_compat_mfn_list)
        return false;
    struct compat_machphys_mfn_list l;
    if (pv_copy_guest(v, &l, arg, sizeof(l), false)) {
        *ret = -EFAULT;
        return true;
    }
    uint32_t i = 0;
    for (; i != l.max_extents && i < m2p_compat_nr_extents(); i++) {
        uint32_t mfn = (uint32_t)m2p_compat_extent_mfn(i);
        if (pv_copy_guest(v, &mfn, (uint64_t)l.extent_start + (uint64_t)i * 4, 4, true)) {
            *ret = -EFAULT;
            return true;
        }
    }
    l.nr_extents = i;
    *ret = pv_copy_guest(v, &l, arg, sizeof(l), true) ? -EFAULT : 0;
    return true;
}
