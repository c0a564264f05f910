/*
 * The reservation sub-ops of memory_op for 64-bit PV domains
 * (public/memory.h; docs/pv.md "Reservations"): a PV guest names its
 * memory by machine frame, so
 *  - XENMEM_decrease_reservation: extent_start[i] is an MFN (of order
 *    extent_order) the guest gives back;
 *  - XENMEM_increase_reservation: new extents, extent_start[i] receives
 *    each one's first MFN (a null handle: nothing written);
 *  - XENMEM_populate_physmap: extent_start[i] holds a gpfn in and receives
 *    the MFN out; M2P[mfn + j] = gpfn + j for each frame, as Xen does for a
 *    guest whose paging is not translated.
 * The result is the number of whole extents done.  A call stops at the
 * first extent that cannot be done (the guest sees how far it got).
 *
 * Our rule for a frame given back (Xen instead drops the allocation's
 * reference and frees the frame when the last other one goes): it must be
 * the domain's, and nobody may hold a general or type reference on it (no
 * mapping in any page table, no pin, not a page table or descriptor frame,
 * not mapped through a grant, not a frame the hypervisor writes such as a
 * registered vcpu_info or the console ring).  Otherwise the extent is
 * refused and the frame stays the guest's: never freed while reachable,
 * never a deferred free to track.
 *
 * Preemption: at most PV_MEM_BUDGET frames per stint; then the call
 * returns -ERESTART with the extent to continue from in cmd's bits 6 and
 * up (Xen's MEMOP_EXTENT_SHIFT encoding), so a hostile count costs the
 * guest its own time only.  current_reservation is d->tot_pages, kept
 * under d->xen_pages_lock: a new extent is counted before it is allocated
 * and never beyond max_pages.
 *
 * Frames got here are in no RAM block of the domain (core/domain.c
 * domain_note_ram): teardown sweeps the frame table for them
 * (free_domain_leftovers, pgt_relinquish in pv_kind.c).
 */
#include "pv/pv.h"
#include "core/domain.h"
#include "mm/mm.h"
#include "mm/m2p.h"
#include "lib/errno.h"
#include "public/memory.h"

#define MEMOP_EXTENT_SHIFT  6
#define MEMOP_CMD_MASK      ((1u << MEMOP_EXTENT_SHIFT) - 1)
/* Xen's default for a domU (its domu_max_order): 2 MiB extents. */
#define PV_MEM_MAX_ORDER    9
/* Frames per stint before a continuation. */
#define PV_MEM_BUDGET       512
/* mem_flags (public/memory.h): the address width in bits 0-7 (0: any),
 * populate-on-demand (bit 16, translated guests only). */
#define XENMEMF_ADDR_BITS(f)        ((f) & 0xffu)
#define XENMEMF_POD                 (1u << 16)

static bool reserve_pages(struct domain *d, uint64_t n)
{
    bool ok;
    uint64_t f = spin_lock_irqsave(&d->xen_pages_lock);
    ok = d->tot_pages + n <= d->max_pages;
    if (ok)
        d->tot_pages += n;
    spin_unlock_irqrestore(&d->xen_pages_lock, f);
    return ok;
}

static void unreserve_pages(struct domain *d, uint64_t n)
{
    uint64_t f = spin_lock_irqsave(&d->xen_pages_lock);
    d->tot_pages -= n;
    spin_unlock_irqrestore(&d->xen_pages_lock, f);
}

/* Gives back the 2^order frames from mfn; true if all went.  Under the
 * domain's mm_lock: no MMU hypercall of this domain (which could map the
 * frame) and no hypervisor copy through its tables runs meanwhile; other
 * domains' grant mappings take their reference under mm's lock, which
 * frame_release holds for its check. */
static bool give_back(struct vcpu *v, uint64_t mfn, unsigned order)
{
    struct domain *d = v->domain;
    uint64_t n = 1ull << order, done = 0;

    if (mfn & (n - 1))
        return false;       /* an extent is aligned to its order */
    bool took = pv_mm_lock(v);
    for (; done < n; done++)
        if (frame_release(mfn + done, d->domid))
            break;
    pv_mm_unlock(v, took);
    if (done)
        unreserve_pages(d, done);   /* what left is no longer counted, even in a partial extent */
    return done == n;
}

uint64_t pv_mem_frame_limit(const struct domain *d, unsigned addr_bits)
{
    uint64_t limit = addr_bits >= PAGE_SHIFT && addr_bits < 64 ? 1ull << (addr_bits - PAGE_SHIFT) : ~0ull;
    /* A 32-bit domain reads the M2P through its compat window, which
     * names only the first m2p_compat_nr_entries() frames: a frame past
     * it would have no entry the guest can read (Xen bounds a 32-bit
     * domain's allocations the same way, by its address size). */
    if (pv_is_compat(d) && m2p_compat_nr_entries() < limit)
        limit = m2p_compat_nr_entries();
    return limit;
}

void *pv_mem_alloc(const struct domain *d, unsigned order, unsigned addr_bits)
{
    uint64_t limit = pv_mem_frame_limit(d, addr_bits);
    if (limit == ~0ull)
        return alloc_pages(order, d->domid);
    if (limit < (1ull << order))
        return NULL;            /* nothing of that order fits below (no compat table at all: nothing) */
    return alloc_pages_below(order, limit << PAGE_SHIFT, d->domid);
}

/* A new extent for the domain; its first MFN in *mfn. */
bool pv_mem_take_new(struct domain *d, unsigned order, unsigned addr_bits, uint64_t *mfn)
{
    if (!reserve_pages(d, 1ull << order))
        return false;
    /* Before the allocation: teardown must sweep for it from now on. */
    __atomic_store_n(&d->frames_outside_blocks, true, __ATOMIC_SEQ_CST);
    void *mem = pv_mem_alloc(d, order, addr_bits);
    if (!mem) {
        unreserve_pages(d, 1ull << order);
        return false;
    }
    *mfn = virt_to_phys(mem) >> 12;     /* zeroed by the allocator */
    return true;
}

static long reservation(struct vcpu *v, uint64_t a[5])
{
    struct domain *d = v->domain;
    struct pv_vcpu *pv = v->vendor;
    unsigned op = (unsigned)a[0] & MEMOP_CMD_MASK;
    uint64_t start = a[0] >> MEMOP_EXTENT_SHIFT, i, budget = 0;
    struct xen_reservation r;

    if (pv_copy_guest(v, &r, a[1], sizeof(r), false))
        return -EFAULT;
    long frc;
    if (pv_foreign_populate(v, a, &r, &frc))    /* the control domain naming another (pv_foreign.c) */
        return frc;
    if (!domain_is_self(d, r.domid))
        return -EPERM;
    /* As Xen: nothing to do, a count the continuation encoding cannot
     * carry, or an order beyond the limit answer the extents done. */
    if (start >= r.nr_extents || r.nr_extents > (~0ull >> MEMOP_EXTENT_SHIFT) || r.extent_order > PV_MEM_MAX_ORDER)
        return (long)start;
    if (op != XENMEM_decrease_reservation && (r.mem_flags & XENMEMF_POD))
        return (long)start;
    if (XENMEMF_ADDR_BITS(r.mem_flags) && XENMEMF_ADDR_BITS(r.mem_flags) < PAGE_SHIFT + r.extent_order)
        return (long)start;
    for (i = start; i < r.nr_extents; i++) {
        if (budget >= PV_MEM_BUDGET) {
            a[0] = op | (i << MEMOP_EXTENT_SHIFT);
            pv->nr_mem_restarts++;
            pv->nr_mem_extents += i - start;
            return -ERESTART;
        }
        budget += 1ull << r.extent_order;
        uint64_t in = 0, mfn;
        uint64_t slot = r.extent_start + i * 8;
        if ((op != XENMEM_increase_reservation || r.extent_start) && pv_copy_guest(v, &in, slot, 8, false))
            break;
        if (op == XENMEM_decrease_reservation) {
            if (!give_back(v, in, r.extent_order))
                break;
            continue;
        }
        if (!pv_mem_take_new(d, r.extent_order, XENMEMF_ADDR_BITS(r.mem_flags), &mfn))
            break;
        /* Another vCPU may give a frame back at once (guessing its MFN):
         * checked under the allocator's lock (mm.h). */
        frames_m2p_set(mfn, 1ull << r.extent_order, op == XENMEM_populate_physmap ? in : INVALID_M2P_ENTRY,
                       d->domid);
        if (r.extent_start && pv_copy_guest(v, &mfn, slot, 8, true)) {
            /* The guest cannot learn the extent: it goes back at once.
             * A frame another vCPU of the domain mapped meanwhile (it
             * could guess the number) stays the domain's, and counted. */
            uint64_t back = 0;
            for (uint64_t j = 0; j < (1ull << r.extent_order); j++)
                back += frame_release(mfn + j, d->domid) == 0;
            unreserve_pages(d, back);
            break;
        }
    }
    pv->nr_mem_extents += i - start;
    return (long)i;
}

bool pv_reservation_op(struct vcpu *v, uint64_t a[5], long *ret)
{
    switch ((unsigned)a[0] & MEMOP_CMD_MASK) {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        *ret = reservation(v, a);
        return true;
    default:
        return false;
    }
}
