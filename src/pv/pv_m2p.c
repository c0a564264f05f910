/*
 * The memory_op sub-ops about the M2P (mm/m2p.h) for 64-bit PV guests,
 * answered as Xen's x86_64 code does (public/memory.h):
 *  - XENMEM_machphys_mapping: the guest-visible window, v_start
 *    0xffff800000000000, v_end 0xffff804000000000, max_mfn = entries of
 *    that window - 1 (Xen's answer to a domU);
 *  - XENMEM_machphys_mfn_list: the machine frames of the table, one per
 *    2 MiB extent (each extent contiguous), at most max_extents of them,
 *    nr_extents = how many were written;
 *  - XENMEM_machphys_compat_mfn_list: the same question about the compat
 *    M2P (mm/m2p_compat.c, the 4-byte table 32-bit guests read), in the
 *    same 64-bit structure with 8-byte entries: Xen's x86_64 memory_op
 *    answers it for 64-bit callers too (a 64-bit toolstack or dom0 asks
 *    it; a 32-bit caller gets the compat form, pv32_m2p.c).
 * And VMASST m2p_strict ("strictly hide the M2P from user mode"): with it,
 * L4 slot 256 (the M2P window) is present only in the L4s the vCPUs run
 * kernel mode on; the user base pointers have it cleared.
 */
#include "pv/pv.h"
#include "core/domain.h"
#include "mm/m2p.h"
#include "lib/errno.h"
#include "mm/mm.h"
#include "mm/pgtype.h"
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
    if (cmd != XENMEM_machphys_mfn_list && cmd != XENMEM_machphys_compat_mfn_list)
        return false;
    bool compat = cmd == XENMEM_machphys_compat_mfn_list;
    uint64_t nr = compat ? m2p_compat_nr_extents() : m2p_nr_extents();
    struct xen_machphys_mfn_list l;
    if (pv_copy_guest(v, &l, arg, sizeof(l), false)) {
        *ret = -EFAULT;
        return true;
    }
    uint32_t i = 0;
    for (; i != l.max_extents && i < nr; i++) {
        uint64_t mfn = compat ? m2p_compat_extent_mfn(i) : m2p_extent_mfn(i);
        if (pv_copy_guest(v, &mfn, l.extent_start + (uint64_t)i * 8, 8, true)) {
            *ret = -EFAULT;
            return true;
        }
    }
    l.nr_extents = i;
    *ret = pv_copy_guest(v, &l.nr_extents, arg + 16, sizeof(l.nr_extents), true) ? -EFAULT : 0;
    return true;
}

/* ---- VMASST m2p_strict ------------------------------------------------------
 * Every validated L4 gets the hypervisor's slots 256-271 at validation
 * (pv_kind.c env_init_l4), 256 being the M2P's read-only, user-readable
 * window.  The guest cannot write these slots (pgt_mod_entry refuses
 * them), so the hypervisor alone decides slot 256 of each L4, as Xen does
 * with the assist: cleared when an L4 becomes a user base pointer (and in
 * the current ones when the guest enables the assist), put back when an
 * L4 becomes a kernel base pointer (and in the user ones when the guest
 * disables it; Xen leaves those as they are).  An L4 that is a vCPU's
 * kernel and user base at once keeps it: the kernel needs it.  Either
 * value is safe: the host's own entry or nothing.  Callers hold the
 * domain's mm_lock, so no other MMU hypercall validates or drops a base
 * meanwhile. */

#define M2P_SLOT ((unsigned)((MACH2PHYS_VIRT_START >> 39) & 511))
_Static_assert(M2P_SLOT == PGT_L4_HV_FIRST, "the M2P is the first hypervisor slot");

static bool m2p_strict(const struct domain *d)
{
    const struct pv_domain *pd = d->kind_priv;
    return (__atomic_load_n(&pd->emul.vm_assist, __ATOMIC_RELAXED) >> VMASST_TYPE_m2p_strict) & 1;
}

/* Slot 256 of L4 mfn present (the host's entry) or not; true if it changed.
 * Only a validated L4 (a base pointer holds its type): a 32-bit domain's
 * base is an L3, whose entry 256 is the guest's address space. */
static bool set_m2p_slot(uint64_t mfn, bool present)
{
    uint64_t nr;
    const struct frame *ft = mm_frame_table(&nr);
    if (mfn >= nr || frame_type_of(&ft[mfn]) != FRAME_TYPE_PT_L4)
        return false;
    uint64_t *l4 = phys_to_virt(mfn << 12);
    uint64_t want = present ? ((const uint64_t *)phys_to_virt(mm_root_phys()))[M2P_SLOT] : 0;

    if (__atomic_load_n(&l4[M2P_SLOT], __ATOMIC_RELAXED) == want)
        return false;
    __atomic_store_n(&l4[M2P_SLOT], want, __ATOMIC_RELAXED);
    return true;
}

/* One vCPU's bases; true if a slot was cleared (translations to drop). */
static bool fix_bases(struct pv_vcpu *pv, bool strict)
{
    bool cleared = false;
    uint64_t base = pv->mmu.base, user = pv->mmu.user_base;

    if (base)
        set_m2p_slot(base, true);
    if (user && user != base)
        cleared = set_m2p_slot(user, !strict) && strict;
    return cleared;
}

void pv_m2p_strict_bases(struct vcpu *v)
{
    if (!m2p_strict(v->domain))
        return;     /* without the assist every L4 keeps its slot from validation */
    if (fix_bases(v->vendor, true))
        pv_flush_domain(v->domain);     /* another vCPU may run on that user L4 now */
}

void pv_m2p_strict_switched(struct domain *d)
{
    bool strict = m2p_strict(d), cleared = false;

    for (unsigned i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i] && d->vcpus[i]->vendor)
            cleared |= fix_bases(d->vcpus[i]->vendor, strict);
    if (cleared)
        pv_flush_domain(d);
}
