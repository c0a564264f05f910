/*
 * Grant mappings in a PV domain's own page tables: the page-table half of
 * GNTTABOP_map_grant_ref / unmap_grant_ref for PV callers (the grant half,
 * pins, maptrack and the maptrack's own references, is gnttab/gnttab_pv.c;
 * docs/grant-tables.md "PV mappings", docs/pv.md).
 *
 * The L1 entry is written by pgt_mod_entry, as mmu_update writes one, over
 * a copy of the domain's frame-type environment whose get_ref accepts the
 * one granted frame (a general reference on it for its owner, the granter):
 * so a grant entry holds exactly what any L1 entry holds (a general
 * reference, and a writable type reference with RW), and every path that
 * drops an entry (unmap here, the guest's mmu_update or writable-page-table
 * write, devalidation of the table, teardown) drops them the same way.  The
 * guest itself can never install a foreign frame: its own hypercalls run
 * over the environment that refuses them (pv_kind.c env_get_ref).
 *
 * Under the domain's mm_lock, as every MMU hypercall: the walk that finds
 * the L1 and the update cannot be separated by another vCPU's change.
 */
#include "pv/pv.h"
#include "pv/pv_seg.h"
#include "core/domain.h"
#include "core/smp.h"
#include "arch/x86/asm.h"
#include "mm/mm.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "public/grant_table.h"

#define GE_P    (1ull << 0)
#define GE_RW   (1ull << 1)
#define GE_PS   (1ull << 7)
#define GE_ADDR 0x000ffffffffff000ull

/* One grant-entry change: the domain's environment, with the granted
 * frame allowed.  (o) owned by the calling vCPU's stack frame. */
struct gnt_call {
    struct pgt_env pgt;
    const struct pgt_env *base;     /* the domain's own environment (pv_domain.env) */
    uint64_t mfn;                   /* the granted frame (map), ~0 for unmap */
    uint16_t owner;                 /* its owner, the granter */
    bool shared;                    /* also a hypervisor frame shared with owner (a foreign mapping) */
};

static bool gnt_get_ref(const struct pgt_env *e, uint64_t mfn, uint16_t dom)
{
    const struct gnt_call *c = e->ctx;

    (void)dom;
    /* Only the entry being written takes a reference here: the granted
     * frame, for as long as its owner holds it (frame_get checks owner,
     * free, reserved, orphaned). */
    if (mfn != c->mfn)
        return false;
    if (frame_get(mfn, c->owner))
        return true;
    /* A foreign mapping (pv_foreign.c) may also name a hypervisor frame
     * shared with that domain, its grant-table frames and shared_info
     * (mm.h alloc_shared_page): a reference all the same, so the frame
     * stays allocated, and nothing else, until this entry goes.  Never a
     * grant: a grant names the granter's own RAM. */
    return c->shared && frame_get_shared(mfn, c->owner);
}

static void gnt_put_ref(const struct pgt_env *e, uint64_t mfn)
{
    const struct gnt_call *c = e->ctx;

    /* The entry replaced (map over a present entry) or cleared (unmap):
     * whatever it named, the domain's environment knows what it took. */
    c->base->put_ref(c->base, mfn);
}

static void flush_here(void *arg)
{
    (void)arg;
    flush_tlb_local();
}

/* The granted frame was a page table of the granter until now and becomes
 * writable (the entry's RW reference): the granter's CPUs may cache it in
 * their paging-structure caches.  Every CPU flushes (the granter's set is
 * not ours to know); only on that type change. */
static void gnt_table_gone(const struct pgt_env *e, uint64_t mfn)
{
    (void)e;
    (void)mfn;
    (void)on_each_cpu(flush_here, NULL);
}

static void gnt_call_init(struct gnt_call *c, struct domain *d, uint64_t mfn, uint16_t owner)
{
    struct pv_domain *pd = d->kind_priv;

    memset(c, 0, sizeof(*c));
    c->pgt = pd->env;
    c->base = &pd->env;
    c->mfn = mfn;
    c->owner = owner;
    c->pgt.ctx = c;
    c->pgt.get_ref = gnt_get_ref;
    c->pgt.put_ref = gnt_put_ref;
    c->pgt.table_gone = gnt_table_gone;
    c->pgt.preempt = NULL;          /* an L1 entry validates nothing below it */
}

/* The L1 frame and entry index that addr names, or false.  contains_pte:
 * the machine address of the entry (8-byte aligned); otherwise a virtual
 * address of v's current kernel tables, walked as mm_hcall.c walks for
 * update_va_mapping (present entries, frames of the domain, no superpage).
 * pgt_mod_entry checks afterwards that the frame is a validated L1 of the
 * domain. */
static bool gnt_locate(struct vcpu *v, uint64_t addr, bool contains_pte, uint64_t *table, unsigned *idx)
{
    struct pv_domain *pd = v->domain->kind_priv;
    struct pv_vcpu *pv = v->vendor;
    const struct pgt_env *p = &pd->env;

    if (contains_pte) {
        if (addr & 7)
            return false;
        *table = addr >> 12;
        *idx = (unsigned)((addr & 0xfff) >> 3);
        return *table < p->nr_frames;
    }
    if (!pv_canonical(addr) || (addr >= HYPERVISOR_VIRT_START && addr < HYPERVISOR_VIRT_END))
        return false;
    uint64_t t = pv->mmu.base;
    if (!t)
        return false;
    for (unsigned level = 4; level >= 2; level--) {
        if (t >= p->nr_frames || __atomic_load_n(&p->ft[t].owner, __ATOMIC_RELAXED) != v->domain->domid)
            return false;
        uint64_t e = __atomic_load_n(&p->map(p, t)[(addr >> (12 + 9 * (level - 1))) & 511], __ATOMIC_RELAXED);
        if (!(e & GE_P) || (level < 4 && (e & GE_PS)))
            return false;
        t = (e & GE_ADDR) >> 12;
    }
    *table = t;
    *idx = (unsigned)((addr >> 12) & 511);
    return true;
}

static void gnt_lock(struct vcpu *v)
{
    spin_lock(&((struct pv_domain *)v->domain->kind_priv)->mm_lock);
    ((struct pv_vcpu *)v->vendor)->mm_locked = true;
}

static void gnt_unlock(struct vcpu *v)
{
    ((struct pv_vcpu *)v->vendor)->mm_locked = false;
    spin_unlock(&((struct pv_domain *)v->domain->kind_priv)->mm_lock);
}

static int gnt_map_pte(struct vcpu *v, uint64_t addr, bool contains_pte, uint64_t pte, uint16_t owner,
                       bool shared)
{
    struct gnt_call c;
    uint64_t table;
    unsigned idx;
    int rc = -EINVAL;

    gnt_call_init(&c, v->domain, (pte & GE_ADDR) >> 12, owner);
    c.shared = shared;
    /* Device memory of a privileged mapper takes no reference (pgtype.c
     * get_entry asks io_frame before get_ref): never as another domain's
     * frame.  A grant cannot name one (gnttab_own_frame wants the
     * granter's RAM); a foreign mapping naming one is refused here. */
    if ((pte & GE_P) && c.pgt.io_frame && c.pgt.io_frame(&c.pgt, c.mfn))
        return GNTST_general_error;
    gnt_lock(v);
    if (gnt_locate(v, addr, contains_pte, &table, &idx))
        rc = pgt_mod_entry(&c.pgt, v->domain->domid, table, idx, pte, PGT_WANT_L1);
    /* A present entry replaced: nobody may keep its old translation. */
    if (rc == 1)
        pv_flush_domain(v->domain);
    if (rc >= 0)
        pv_seg_mappings_changed(v);     /* an LDT's pages may be mapped through it */
    gnt_unlock(v);
    return rc >= 0 ? GNTST_okay : GNTST_general_error;
}

int pv_gnt_map_pte(struct vcpu *v, uint64_t addr, bool contains_pte, uint64_t pte, uint16_t owner)
{
    return gnt_map_pte(v, addr, contains_pte, pte, owner, false);
}

int pv_foreign_map_pte(struct vcpu *v, uint64_t ma, uint64_t pte, uint16_t owner)
{
    return gnt_map_pte(v, ma, true, pte, owner, true);
}

int pv_gnt_unmap_pte(struct vcpu *v, uint64_t addr, bool contains_pte, uint64_t pte)
{
    struct pv_domain *pd = v->domain->kind_priv;
    struct gnt_call c;
    uint64_t table;
    unsigned idx;
    int rc = -EINVAL;

    gnt_call_init(&c, v->domain, ~0ull, 0);
    gnt_lock(v);
    if (gnt_locate(v, addr, contains_pte, &table, &idx)) {
        uint64_t cur = __atomic_load_n(&pd->env.map(&pd->env, table)[idx], __ATOMIC_RELAXED);
        /* The entry must still map the granted frame, present and with
         * the grant's RW (as Xen): a read-only handle does not clear a
         * writable mapping of the same frame, nor anything the guest put
         * there since. */
        if (!((cur ^ pte) & (GE_P | GE_RW | GE_ADDR)))
            rc = pgt_mod_entry(&c.pgt, v->domain->domid, table, idx, 0, PGT_WANT_L1);
    }
    /* No flush here: the grant side flushes once per batch of unmaps
     * (pv_gnt_flush) and keeps the maptrack's references on the frame
     * until then, so a CPU still translating the old entry reaches a frame
     * that is neither free nor retyped nor released by its granter. */
    if (rc >= 0)
        pv_seg_mappings_changed(v);
    gnt_unlock(v);
    return rc >= 0 ? GNTST_okay : GNTST_general_error;
}

void pv_gnt_flush(struct vcpu *v)
{
    /* Every CPU in the domain's dirty mask and this one, counted on v
     * (pv_tlb.h): the calling vCPU's hypercall, interrupts on. */
    pv_tlb_flush(v);
}
