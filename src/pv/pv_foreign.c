/*
 * The control domain acting on another domain's memory (docs/toolstack.md
 * "Building a domain from dom0"): what a domain builder in dom0's user
 * space needs, with Xen's ABI.
 *
 *  - XENMEM_populate_physmap naming a PVH/HVM domain: new extents (order 0
 *    or 9) owned by it, placed in its p2m at the gpfns given.  Counted in
 *    its tot_pages against max_pages (XEN_DOMCTL_max_mem first).  Nothing
 *    is written back (a translated domain's frames are named by gfn).
 *  - mmu_update with foreigndom = that domain (Linux's privcmd
 *    IOCTL_PRIVCMD_MMAPBATCH_V2 in a PV dom0; MMU_PT_UPDATE_NO_TRANSLATE
 *    from IOCTL_PRIVCMD_MMAP_RESOURCE names the MFN itself, which must be
 *    a frame of that domain or a hypervisor frame shared with it, its grant
 *    table or shared_info, docs/ioreq.md, docs/grant-tables.md):
 *    MMU_NORMAL_PT_UPDATE
 *    requests whose new entry names a gfn of the foreign domain; the gfn is
 *    looked up in its p2m, and the L1 entry written as a grant mapping is
 *    (pv_gnttab.c pv_gnt_map_pte): it holds a general reference on the
 *    frame (and a writable type reference with RW), dropped when dom0
 *    clears the entry, so a destroyed domain's frames are freed only once
 *    dom0 has unmapped them (core/domain.c "still mapped by other
 *    domains").  Entries without P go through the same path (clearing).
 *  - HVMOP_set_param / get_param naming that domain: the store and console
 *    pages and ports the builder chooses (the guest reads them).
 *
 * Only a privileged caller (dom0) gets here; anyone else naming another
 * domain gets -EPERM from the normal paths, as before.  Every gfn, frame
 * and index is checked against the target before use; nothing is held
 * between requests but the target's reference.
 */
#include "pv/pv.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "mm/mm.h"
#include "mm/p2m.h"
#include "mm/m2p.h"
#include "core/domcfg.h"
#include "lib/errno.h"
#include "public/memory.h"
#include "public/xen.h"
#include "public/hvm.h"
#include "public/grant_table.h"

#define MEMOP_EXTENT_SHIFT  6
#define FOREIGN_BUDGET      512         /* frames per stint before a continuation */
#define FOREIGN_MMU_BUDGET  256         /* mmu_update requests per stint */
#define FE_P                (1ull << 0)
#define FE_ADDR             0x000ffffffffff000ull

static bool is_translated(const struct domain *d)
{
    return d->type == DOMCFG_PVH || d->type == DOMCFG_HVM;
}

/* A PV domain the toolstack is building, 64-bit or 32-bit (pv_ctl.c has
 * the rest of it): populated and mapped by MFN. */
static bool is_pv_built(const struct domain *t)
{
    return t->type == DOMCFG_PV && t->cfg->ctl_built && t->kind_priv;
}

/* The domain domid names, for a privileged caller naming another domain:
 * NULL and *rc set otherwise (-ESRCH: none; -EOPNOTSUPP: a PV target not
 * built by the toolstack, not yet). */
static struct domain *foreign_target(struct vcpu *v, uint16_t domid, long *rc, bool any)
{
    /* any: also a domain shut down and kept (mapping its frames, as
     * XENMEM_acquire_resource hands them out for it: a device model or a
     * dump reads a stopped domain). */
    struct domain *t = any ? domain_get_any(domid) : domain_get_by_id(domid);
    if (!t) {
        *rc = -ESRCH;
        return NULL;
    }
    if (t == v->domain || (!is_translated(t) && !is_pv_built(t))) {
        domain_put(t);
        *rc = t == v->domain ? -EINVAL : -EOPNOTSUPP;
        return NULL;
    }
    return t;
}

/* ---- populate_physmap ---- */

static bool reserve(struct domain *t, uint64_t n)
{
    uint64_t f = spin_lock_irqsave(&t->xen_pages_lock);
    bool ok = t->tot_pages + n <= t->max_pages;
    if (ok)
        t->tot_pages += n;
    spin_unlock_irqrestore(&t->xen_pages_lock, f);
    return ok;
}

static void unreserve(struct domain *t, uint64_t n)
{
    uint64_t f = spin_lock_irqsave(&t->xen_pages_lock);
    t->tot_pages -= n;
    spin_unlock_irqrestore(&t->xen_pages_lock, f);
}

/* One extent at gpfn: false if it cannot be done (limit, memory, a gpfn
 * already backed, out of the p2m's range, misaligned). */
static bool populate_one(struct domain *t, uint64_t gpfn, unsigned order)
{
    uint64_t n = 1ull << order;

    if (gpfn & (n - 1) || gpfn >= (1ull << 36) - n)
        return false;
    /* Counted first (xen_pages_lock comes before physmap_lock). */
    if (!reserve(t, n))
        return false;
    /* Before the allocation: teardown sweeps the frame table for frames
     * outside the domain's RAM blocks from now on. */
    __atomic_store_n(&t->frames_outside_blocks, true, __ATOMIC_SEQ_CST);
    void *mem = alloc_pages(order, t->domid);      /* zeroed */
    if (!mem) {
        unreserve(t, n);
        return false;
    }
    /* Under the physmap lock: no other physmap change of t fills the
     * holes we checked behind our back.  And under xen_pages_lock, which
     * the domain's own populate holds across its check and its physmap_set
     * (core/memory_op.c): otherwise both could find the gfn empty and the
     * later store would hide the other's frame (counted twice). */
    uint64_t fp = spin_lock_irqsave(&t->xen_pages_lock);
    uint64_t f = spin_lock_irqsave(&t->physmap_lock);
    bool ok = true;
    for (uint64_t j = 0; j < n && ok; j++) {
        unsigned perms = 0;
        if (p2m_lookup(&t->p2m, gpfn + j, &perms) != ~0ull && perms)
            ok = false;             /* already backed: Xen would replace, we refuse (no hidden frame) */
    }
    if (ok && p2m_set_entry(&t->p2m, gpfn, virt_to_phys(mem) >> 12, order, P2M_R | P2M_W | P2M_X))
        ok = false;
    spin_unlock_irqrestore(&t->physmap_lock, f);
    spin_unlock_irqrestore(&t->xen_pages_lock, fp);
    if (!ok) {
        free_pages(mem, order);
        unreserve(t, n);
    }
    return ok;
}

/* One extent for a PV domain being built: new frames of it, M2P[mfn + j]
 * = gpfn + j (the M2P Xen writes when it populates a PV domain), the first
 * MFN written back into the caller's list at slot. */
static bool populate_pv(struct vcpu *v, struct domain *t, uint64_t gpfn, unsigned order, uint64_t slot)
{
    uint64_t n = 1ull << order, mfn;

    if (gpfn & (n - 1) || gpfn >= (1ull << 36) - n)
        return false;
    if (!pv_mem_take_new(t, order, 0, &mfn))
        return false;
    /* A running target may give a frame back first (guessing its MFN):
     * checked under the allocator's lock (mm.h). */
    frames_m2p_set(mfn, n, gpfn, t->domid);
    if (pv_copy_guest(v, &mfn, slot, 8, true)) {
        /* The caller cannot learn them: they go back at once (nobody can
         * have mapped them: a mapping names the frame). */
        uint64_t back = 0;
        for (uint64_t j = 0; j < n; j++)
            back += frame_release(mfn + j, t->domid) == 0;
        uint64_t f = spin_lock_irqsave(&t->xen_pages_lock);
        t->tot_pages -= back;
        spin_unlock_irqrestore(&t->xen_pages_lock, f);
        return false;
    }
    return true;
}

bool pv_foreign_populate(struct vcpu *v, uint64_t a[5], const struct xen_reservation *r, long *ret)
{
    unsigned op = (unsigned)a[0] & ((1u << MEMOP_EXTENT_SHIFT) - 1);
    uint64_t start = a[0] >> MEMOP_EXTENT_SHIFT, i, budget = 0;

    if (domain_is_self(v->domain, r->domid) || !domain_is_privileged(v->domain))
        return false;               /* the caller's own, or -EPERM by the normal path */
    if (op != XENMEM_populate_physmap) {
        *ret = -EOPNOTSUPP;         /* increase/decrease for another domain: not yet */
        return true;
    }
    struct domain *t = foreign_target(v, r->domid, ret, false);
    if (!t)
        return true;
    /* An order it does not give, or a count the continuation encoding
     * cannot carry (i << MEMOP_EXTENT_SHIFT would lose bits): Xen's answer,
     * nothing done. */
    if ((r->extent_order != 0 && r->extent_order != 9) || r->nr_extents > (~0ull >> MEMOP_EXTENT_SHIFT)) {
        *ret = (long)start;
        domain_put(t);
        return true;
    }
    for (i = start; i < r->nr_extents; i++) {
        if (budget >= FOREIGN_BUDGET) {
            a[0] = op | (i << MEMOP_EXTENT_SHIFT);
            domain_put(t);
            *ret = -ERESTART;
            return true;
        }
        budget += 1ull << r->extent_order;
        uint64_t gpfn;
        if (pv_copy_guest(v, &gpfn, r->extent_start + i * 8, 8, false))
            break;
        if (!is_translated(t)) {
            if (!populate_pv(v, t, gpfn, r->extent_order, r->extent_start + i * 8))
                break;
        } else if (!populate_one(t, gpfn, r->extent_order))
            break;
    }
    domain_put(t);
    *ret = (long)i;
    return true;
}

/* ---- mmu_update with a foreign domain ---- */

bool pv_foreign_mmu_update(struct vcpu *v, uint64_t a[4], long *ret)
{
    uint16_t fdom = (uint16_t)a[3];
    uint64_t reqs = a[0], pdone = a[2];
    uint32_t count = (uint32_t)a[1], done = 0, i;

    if (fdom == DOMID_SELF || fdom == v->domain->domid || !domain_is_privileged(v->domain))
        return false;               /* own frames, or refused by the normal path (-EPERM) */
    if ((uint32_t)a[3] >> 16)
        return false;               /* naming another domain's page tables: the normal path refuses */
    if (count & MMU_UPDATE_PREEMPTED) {
        count &= ~MMU_UPDATE_PREEMPTED;
        if (pdone)
            (void)pv_copy_guest(v, &done, pdone, sizeof(done), false);
    }
    long rc = 0;
    struct domain *t = foreign_target(v, fdom, &rc, true);
    if (!t) {
        *ret = rc;
        return true;
    }
    for (i = 0; i < count; i++) {
        if (i >= FOREIGN_MMU_BUDGET) {
            a[0] = reqs + (uint64_t)i * sizeof(struct mmu_update);
            a[1] = (count - i) | MMU_UPDATE_PREEMPTED;
            rc = -ERESTART;
            break;
        }
        struct mmu_update req;
        if (pv_copy_guest(v, &req, reqs + (uint64_t)i * sizeof(req), sizeof(req), false)) {
            rc = -EFAULT;
            break;
        }
        if ((req.ptr & 7) == MMU_MACHPHYS_UPDATE && !is_translated(t)) {
            /* A PV domain's M2P entry (the builder's MMU_MACHPHYS_UPDATE):
             * for a frame of that domain only. */
            uint64_t mfn = req.ptr >> 12;
            if (!frame_get(mfn, t->domid)) {
                rc = -EINVAL;
                break;
            }
            m2p_set(mfn, req.val);
            frame_put(mfn);
            continue;
        }
        unsigned cmd = req.ptr & 7;
        if (cmd != MMU_NORMAL_PT_UPDATE && cmd != MMU_PT_UPDATE_NO_TRANSLATE) {
            rc = -EOPNOTSUPP;       /* PRESERVE_AD: not yet */
            break;
        }
        uint64_t ma = req.ptr & ~7ull, val = req.val;
        /* NO_TRANSLATE: the entry names a machine frame (what
         * XENMEM_acquire_resource returned); still only one of t's. */
        if ((val & FE_P) && is_translated(t) && cmd == MMU_NORMAL_PT_UPDATE) {
            unsigned perms = 0;
            uint64_t gfn = (val & FE_ADDR) >> 12;
            uint64_t mfn = p2m_lookup(&t->p2m, gfn, &perms);
            if (mfn == ~0ull || !(perms & P2M_R) || ((val & PTE_RW) && !(perms & P2M_W))) {
                rc = -EINVAL;       /* a hole, or more access than the domain has */
                break;
            }
            val = (val & ~FE_ADDR) | (mfn << 12);
        }
        /* The entry as a grant mapping is written: references of the
         * target's frame (frame_get checks it is still t's RAM), or of a
         * hypervisor frame shared with t (its grant-table frames, its
         * shared_info), which then stays allocated until this entry goes
         * even if t is destroyed first (mm.h alloc_shared_page). */
        if (pv_foreign_map_pte(v, ma, val, t->domid) != GNTST_okay) {
            rc = -EINVAL;
            break;
        }
    }
    domain_put(t);
    if (pdone) {
        done += i;
        (void)pv_copy_guest(v, &done, pdone, sizeof(done), true);
    }
    *ret = rc;
    return true;
}

/* ---- hvm_op parameters of another domain ---- */

/* The parameters a builder sets for its guest: where the store and console
 * rings are and their ports.  Anything else: -EINVAL (not yet). */
static bool builder_param(unsigned idx)
{
    return idx == HVM_PARAM_STORE_PFN || idx == HVM_PARAM_STORE_EVTCHN || idx == HVM_PARAM_CONSOLE_PFN ||
           idx == HVM_PARAM_CONSOLE_EVTCHN;
}

long pv_foreign_hvm_op(struct vcpu *v, unsigned cmd, uint64_t arg)
{
    struct xen_hvm_param p;

    if (cmd != HVMOP_set_param && cmd != HVMOP_get_param)
        return -ENOSYS;
    if (pv_copy_guest(v, &p, arg, sizeof(p), false))
        return -EFAULT;
    if (!domain_is_privileged(v->domain))
        return -EPERM;              /* another domain's parameters: the control domain's business */
    long rc = 0;
    struct domain *t = foreign_target(v, p.domid, &rc, false);
    if (!t)
        return rc;
    if (!is_translated(t)) {
        domain_put(t);
        return -EINVAL;             /* HVM parameters of a PV domain: none (as Xen) */
    }
    if (p.index >= HVM_NR_PARAMS || (cmd == HVMOP_set_param && !builder_param(p.index))) {
        domain_put(t);
        return -EINVAL;
    }
    uint64_t f = spin_lock_irqsave(&t->params_lock);
    if (cmd == HVMOP_set_param)
        __atomic_store_n(&t->hvm_params[p.index], p.value, __ATOMIC_RELEASE);
    else
        p.value = t->hvm_params[p.index];
    spin_unlock_irqrestore(&t->params_lock, f);
    domain_put(t);
    if (cmd == HVMOP_get_param && pv_copy_guest(v, &p, arg, sizeof(p), true))
        return -EFAULT;
    return 0;
}
