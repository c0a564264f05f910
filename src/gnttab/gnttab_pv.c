/*
 * Grant tables v1 for domains that are not auto-translated (PV): such a
 * domain names frames by machine frame number (grant entries, copy gmfns,
 * setup_table's list) and maps other domains' grants into its own page
 * tables (GNTMAP_host_map: an L1 entry named by virtual address or, with
 * GNTMAP_contains_pte, by its machine address), as Xen does for PV guests
 * (include/public/grant_table.h).  The page-table side is the kind's
 * (core/domain_kind.h gnt_map_pte / gnt_unmap_pte, pv/pv_gnttab.c); this
 * file keeps the grant side: pins, the maptrack, the frame references.
 *
 * References of one PV mapping (docs/grant-tables.md "PV mappings"):
 *  - the maptrack entry: one frame_get reference and, when writable, one
 *    writable type reference on the granted frame, plus the pin on the
 *    granter's entry, all dropped by unmap (after the TLB flush that ends
 *    the batch of unmaps: gnttab_defer.h) or by the mapper's teardown;
 *  - the L1 entry: what every L1 entry holds (mm/pgtype.c get_entry: a
 *    general reference, and a writable type reference with RW), dropped
 *    whenever the entry goes: unmap, or the guest zapping it with
 *    mmu_update, or its table being devalidated.
 * The maptrack's own references are what makes the guest's zap harmless:
 * the entry's references go before the mapper's flush, but the frame can
 * be neither freed nor retyped (a page table of the granter) until the
 * unmap or teardown that flushes first.
 *
 * Locks: as gnttab_map.c; the kind's hooks take the mapper's page-table
 * lock (pv mm_lock) with no gnttab lock held; the batch's flush and the
 * release of the queued references run with no lock held.
 */
#include "gnttab/gnttab_internal.h"
#include "boot/bootopts.h"
#include "core/domain.h"
#include "core/domain_kind.h"
#include "core/domcfg.h"
#include "core/smp.h"
#include "arch/x86/asm.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/mm.h"
#include "mm/pgtype.h"

/* x86 page-table entry bits of a grant mapping (Xen's grant_to_pte_flags:
 * present, accessed, dirty, no-execute; RW unless GNTMAP_readonly; user
 * with GNTMAP_application_map; the three guest-available bits 9-11 from
 * GNTMAP_guest_avail_mask, which XENFEAT_gnttab_map_avail_bits promises). */
#define GPTE_P      (1ull << 0)
#define GPTE_RW     (1ull << 1)
#define GPTE_US     (1ull << 2)
#define GPTE_A      (1ull << 5)
#define GPTE_D      (1ull << 6)
#define GPTE_NX     (1ull << 63)

bool gnttab_is_pv(const struct domain *d)
{
    return d->type == DOMCFG_PV;
}

uint64_t gnttab_own_frame(struct domain *d, uint64_t frame)
{
    if (!gnttab_is_pv(d))
        return physmap_ram_mfn(d, frame);
    /* An MFN: d's RAM, not free, reserved or an orphan.  The callers take
     * frame_get(mfn, d->domid) next, which checks the same under mm_lock
     * (a frame may be given back meanwhile); this only keeps nonsense out. */
    struct frame *f = pfn_to_frame(frame);
    if (!f || f->owner != d->domid || (f->flags & (FRAME_F_FREE | FRAME_F_RESERVED)) ||
        (f->oflags & FRAME_O_ORPHAN))
        return PHYSMAP_NO_MFN;
    return frame;
}

/* ---- writable type references (every kind of mapper) ---- */

static void flush_here(void *arg)
{
    (void)arg;
    flush_tlb_local();
}

/* The frame was a page table of its owner until now (its type count went to
 * 0) and becomes writable: a CPU that ran the owner may still hold it in a
 * paging-structure cache.  Which CPUs those are is the owner's business, so
 * all of them flush; this happens only on that type change. */
static void table_gone_everywhere(const struct pgt_env *e, uint64_t mfn)
{
    (void)e;
    (void)mfn;
    (void)on_each_cpu(flush_here, NULL);
}

static void writable_env(struct pgt_env *e)
{
    memset(e, 0, sizeof(*e));
    e->ft = mm_frame_table(&e->nr_frames);
    e->table_gone = table_gone_everywhere;
}

int gnttab_get_writable(uint16_t mapper, uint64_t mfn)
{
    struct pgt_env e;

    writable_env(&e);
    /* Type references are changed lock-free (mm/pgtype.c): a PV granter's
     * own validation of the frame, running at the same time under its
     * mm_lock, either sees our reference (and refuses) or we see its type. */
    return pgt_get_type(&e, mapper, mfn, FRAME_TYPE_WRITABLE, 0) ? -EINVAL : 0;
}

void gnttab_put_writable(uint64_t mfn)
{
    struct pgt_env e;

    writable_env(&e);
    pgt_put_type(&e, mfn);
}

/* ---- map and unmap for PV callers ---- */

static uint64_t grant_pte(uint64_t mfn, uint32_t flags)
{
    uint64_t pte = mfn << PAGE_SHIFT | GPTE_P | GPTE_A | GPTE_D | GPTE_NX;

    if (!(flags & GNTMAP_readonly))
        pte |= GPTE_RW;
    if (flags & GNTMAP_application_map)
        pte |= GPTE_US;
    pte |= (uint64_t)((flags >> _GNTMAP_guest_avail0) & 7) << 9;     /* bits 9-11 only */
    return pte;
}

/* Drops what a PV map took on the grant side. */
static void pv_map_undo(struct domain *rd, uint32_t ref, bool write, uint64_t mfn, bool typed)
{
    if (typed)
        gnttab_put_writable(mfn);
    gnttab_unpin(rd->gnttab, ref, write);
    frame_put(mfn);
}

void gnttab_pv_op_map(struct vcpu *v, struct gnttab_map_grant_ref *op)
{
    struct domain *ld = v->domain, *rd;
    struct gnttab_domain *lgt = ld->gnttab;
    struct gnttab_maptrack *m;
    uint32_t flags = op->flags, idx, ref = op->ref;
    bool write = !(flags & GNTMAP_readonly), host = flags & GNTMAP_host_map;
    uint16_t dom = op->dom;
    uint64_t mfn, serial;
    int16_t st;

    op->dev_bus_addr = 0;
    if (!(flags & (GNTMAP_host_map | GNTMAP_device_map))) {
        op->status = GNTST_bad_gntref;          /* Xen's code for "nothing to map" */
        return;
    }
    if (host && (!ld->kind || !ld->kind->gnt_map_pte || !ld->kind->gnt_unmap_pte ||
                 !ld->kind->gnt_flush)) {
        op->status = GNTST_general_error;
        return;
    }
    st = gnttab_map_begin(ld, dom, &rd, &serial, &idx);
    if (st != GNTST_okay) {
        op->status = st;
        return;
    }
    st = gnttab_pin(rd, ref, ld->domid, write, true, &mfn);
    bool typed = false;
    if (st == GNTST_okay && write) {
        /* The maptrack's writable reference: a granter's page table or
         * descriptor frame is refused here (general_error, as Xen). */
        if (gnttab_get_writable(ld->domid, mfn)) {
            gnttab_unpin(rd->gnttab, ref, write);
            frame_put(mfn);
            st = GNTST_general_error;
        } else {
            typed = true;
        }
    }
    if (st == GNTST_okay && host) {
        /* No gnttab lock held: the kind takes the mapper's page-table lock.
         * The slot is BUSY meanwhile, so no unmap can find it. */
        st = (int16_t)ld->kind->gnt_map_pte(v, op->host_addr, flags & GNTMAP_contains_pte,
                                            grant_pte(mfn, flags), dom);
        if (st != GNTST_okay)
            pv_map_undo(rd, ref, write, mfn, typed);
    }
    spin_lock(&lgt->maptrack_lock);
    m = gnttab_mt_entry(lgt, idx);
    if (st == GNTST_okay) {
        m->state = GNTTAB_MT_MAPPED;
        m->writable = write;
        m->granter = dom;
        m->granter_serial = serial;
        m->ref = ref;
        m->mfn = mfn;
        m->gfn = 0;
        m->pv = true;
        m->map_flags = flags & (GNTMAP_host_map | GNTMAP_device_map | GNTMAP_contains_pte | GNTMAP_readonly);
        op->handle = gnttab_handle(m, idx);
        /* PV guests know machine addresses: Linux records the granted MFN
         * from this for host mappings too (its p2m of foreign pages). */
        op->dev_bus_addr = mfn << PAGE_SHIFT;
    } else {
        gnttab_mt_put_locked(lgt, idx);
    }
    spin_unlock(&lgt->maptrack_lock);
    domain_put(rd);
    op->status = st;
}

/* The drain's two steps (gnttab_defer.h): the mapper's kind flushes every
 * CPU that may translate one of the cleared entries, then each queued
 * mapping's references go, the pin last but one (the granter may end its
 * access once it is gone) and the frame reference last. */
struct pv_drain {
    struct vcpu *v;
};

static void drain_flush(void *ctx)
{
    struct vcpu *v = ((struct pv_drain *)ctx)->v;

    v->domain->kind->gnt_flush(v);
}

static void drain_release(void *ctx, const struct gnttab_deferred *d)
{
    (void)ctx;
    if (d->writable)
        gnttab_put_writable(d->mfn);
    gnttab_unpin_by_id(d->granter, d->granter_serial, d->ref, d->writable);
    frame_put(d->mfn);
}

void gnttab_pv_unmap_done(struct vcpu *v, struct gnttab_defer *q)
{
    struct pv_drain ctx = { v };
    struct gnttab_defer_ops ops = { drain_flush, drain_release, &ctx };

    if (gnttab_defer_drain(q, &ops))
        __atomic_fetch_add(&v->domain->gnttab->st_pv_flushes, 1, __ATOMIC_RELAXED);
}

void gnttab_pv_op_unmap(struct vcpu *v, struct gnttab_unmap_grant_ref *op, struct gnttab_defer *q)
{
    struct domain *ld = v->domain;
    struct gnttab_domain *lgt = ld->gnttab;
    struct gnttab_maptrack *m, copy;
    uint32_t idx;

    spin_lock(&lgt->maptrack_lock);
    m = gnttab_mt_lookup(lgt, op->handle, &idx);
    if (!m) {
        spin_unlock(&lgt->maptrack_lock);
        op->status = GNTST_bad_handle;
        return;
    }
    if ((m->map_flags & GNTMAP_device_map) && op->dev_bus_addr && op->dev_bus_addr != m->mfn << PAGE_SHIFT) {
        spin_unlock(&lgt->maptrack_lock);
        op->status = GNTST_bad_dev_addr;
        return;
    }
    if ((m->map_flags & GNTMAP_host_map) && !op->host_addr) {
        /* Xen leaves the host mapping (and the handle) in place then; we
         * refuse: an unmap that unmaps nothing helps nobody. */
        spin_unlock(&lgt->maptrack_lock);
        op->status = GNTST_general_error;
        return;
    }
    /* BUSY while the page tables are changed without the lock: a second
     * unmap of the same handle is refused meanwhile. */
    m->state = GNTTAB_MT_BUSY;
    copy = *m;
    spin_unlock(&lgt->maptrack_lock);

    bool host = copy.map_flags & GNTMAP_host_map;
    if (host) {
        /* The entry named now must still map the granted frame (VA or PTE
         * address, as the map's contains_pte says); the kind clears it.
         * CPUs may keep the translation until the batch's flush. */
        int16_t st = (int16_t)ld->kind->gnt_unmap_pte(v, op->host_addr, copy.map_flags & GNTMAP_contains_pte,
                                                      grant_pte(copy.mfn, copy.map_flags));
        if (st != GNTST_okay) {
            spin_lock(&lgt->maptrack_lock);
            m->state = GNTTAB_MT_MAPPED;        /* still mapped (or zapped by the guest): kept */
            spin_unlock(&lgt->maptrack_lock);
            op->status = st;
            return;
        }
    }
    /* The handle is gone (a new map may reuse the slot: it takes its own
     * references); the maptrack's references wait for the flush that ends
     * the batch (host), or only for the end of the batch (device: nothing
     * was mapped). */
    spin_lock(&lgt->maptrack_lock);
    gnttab_mt_put_locked(lgt, idx);
    spin_unlock(&lgt->maptrack_lock);
    struct gnttab_deferred d = {
        .mfn = copy.mfn, .granter_serial = copy.granter_serial, .ref = copy.ref,
        .granter = copy.granter, .writable = copy.writable,
    };
    struct pv_drain ctx = { v };
    struct gnttab_defer_ops ops = { drain_flush, drain_release, &ctx };
    if (gnttab_defer_push(q, &ops, &d, host))
        __atomic_fetch_add(&lgt->st_pv_flushes, 1, __ATOMIC_RELAXED);
    if (!boot_opts.gnttab_unmap_batch)
        gnttab_pv_unmap_done(v, q);     /* the rule before: a flush per unmap (for measuring) */
    op->status = GNTST_okay;
}
