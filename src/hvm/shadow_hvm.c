/*
 * Shadow paging for HVM (hvm/shadow.h, docs/shadow.md): the virtual-TLB
 * design.  The CPU runs the guest on host-owned tables (mm/shadow.c) that
 * map guest-linear addresses to machine frames; they start empty, a #PF
 * the CPU takes on them comes here, the guest's own tables are walked as
 * the CPU would walk them (mm/gwalk.c, setting A and, for writes, D), and
 * either the guest gets the #PF its tables call for or one 4 KiB shadow
 * entry is written and the instruction runs again.  Everything is dropped
 * when a real TLB would be flushed (MOV to CR3, paging-mode changes) and an
 * INVLPG drops its page; with cached roots (shadow_cache=), a root switched
 * back in at a MOV to CR3 keeps only the leaves the guest's current tables
 * still give (revalidate).  The shadow never holds more than a TLB may, so
 * the guest's page tables are not write-protected (the guest must
 * invalidate after changing a present entry, as on real hardware).
 */
#include "hvm/shadow.h"
#include "hvm/hvm.h"
#include "mm/logdirty.h"
#include "boot/bootopts.h"
#include "core/domain.h"
#include "core/console.h"
#include "mm/mm.h"
#include "mm/gwalk.h"
#include "lib/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define G_CR0_WP    (1ull << 16)
#define G_CR0_PG    (1ull << 31)
#define G_CR4_PSE   (1ull << 4)
#define G_CR4_PAE   (1ull << 5)
#define G_CR4_PGE   (1ull << 7)
#define G_CR4_LA57  (1ull << 12)
#define G_CR4_PCIDE (1ull << 17)
#define G_CR4_SMEP  (1ull << 20)
#define G_CR4_SMAP  (1ull << 21)
#define G_CR4_PKE   (1ull << 22)
#define G_EFER_LME  (1ull << 8)
#define G_EFER_LMA  (1ull << 10)
#define G_EFER_NXE  (1ull << 11)
#define RFLAGS_AC   (1ull << 18)

int hvm_shadow_domain_init(struct domain *d, bool hap_wanted, unsigned shadow_mib, char *err, size_t errlen)
{
    bool hap_ok = hvm_vendor->hap, shadow_ok = hvm_vendor->shadow;

    /* hap=0 on the hypervisor's command line: as if every domain file said so. */
    bool hap_allowed = boot_opts.hap;

    d->shadow = !hap_wanted || !hap_allowed || !hap_ok;
    if (d->shadow && !shadow_ok) {
        fmt_snprintf(err, errlen, hap_ok ? "hap = 0: the shadow pager is not available with %s yet"
                                         : "%s without nested paging, and no shadow pager for it yet",
                     hvm_vendor->name);
        return -ENODEV;
    }
    if (!d->shadow) {
        domain_log(d, LOG_INFO, "nested paging\n");
        return 0;
    }
    if (hap_wanted && !hap_ok)
        domain_log(d, LOG_INFO, "no nested paging on this CPU: shadow paging\n");
    else if (hap_wanted)
        domain_log(d, LOG_INFO, "hap=0 on the hypervisor's command line: shadow paging\n");
    /* Xen's default: 1 MiB per vCPU and 8 KiB per MiB of RAM. */
    uint64_t pages = shadow_mib ? (uint64_t)shadow_mib * 256
                                : (uint64_t)d->cfg->vcpus * 256 + (d->mem_bytes >> 20) * 2;
    d->shadow_pages = (unsigned)MIN(pages, 1u << 20);
    domain_log(d, LOG_INFO, "shadow paging, %u pages (%u KiB) of shadow tables\n", d->shadow_pages,
               d->shadow_pages * 4);
    return 0;
}

static void *sh_to_va(uint64_t pa)
{
    return phys_to_virt(pa);
}

void hvm_shadow_vcpu_destroy(struct vcpu *v)
{
    struct hvm_shadow *hs = v->shadow;

    if (!hs)
        return;
    if (hs->started)
        domain_log(v->domain, LOG_INFO,
                   "v%u shadow: %lu #PF exits, %lu given to the guest, %lu MMIO, %lu log-dirty; %lu fills "
                   "(%lu upgrades, %lu prefetched), %lu flushes, %lu reclaims, %lu INVLPG; %lu CR3 flushes keeping %lu global "
                   "root slots; peak %u of %u pages\n",
                   v->vcpu_id, (unsigned long)hs->pf_exits, (unsigned long)hs->pf_injected,
                   (unsigned long)hs->pf_mmio, (unsigned long)hs->pf_logdirty, (unsigned long)hs->sh.fills, (unsigned long)hs->sh.upgrades,
                   (unsigned long)hs->sh.prefetched,
                   (unsigned long)hs->sh.flushes, (unsigned long)hs->sh.reclaims,
                   (unsigned long)hs->sh.invlpgs, (unsigned long)hs->sh.ng_flushes,
                   (unsigned long)hs->sh.kept_slots, hs->sh.peak_used, hs->sh.nr);
    if (hs->started)
        domain_log(v->domain, LOG_INFO, "v%u shadow fills: %lu of user pages, %lu within 2 MiB of the previous fill, "
                   "%lu supervisor non-global (last %#lx)\n",
                   v->vcpu_id, (unsigned long)hs->fill_user, (unsigned long)hs->fill_near,
                   (unsigned long)hs->fill_kernel_ng, (unsigned long)hs->last_kernel_ng);
    if (hs->started && hs->sh.nroots > 1)
        domain_log(v->domain, LOG_INFO, "v%u shadow cache: %u roots, %lu switches, %lu hits, %lu evictions; "
                   "leaves revalidated %lu, kept %lu, dropped %lu changed, %lu unused, %lu over the cap\n",
                   v->vcpu_id, hs->sh.nroots, (unsigned long)hs->sh.switches, (unsigned long)hs->sh.hits,
                   (unsigned long)hs->sh.evictions, (unsigned long)hs->sh.rv_checked,
                   (unsigned long)hs->sh.rv_kept, (unsigned long)(hs->sh.rv_checked - hs->sh.rv_kept),
                   (unsigned long)hs->sh.rv_unused, (unsigned long)hs->sh.rv_capped);
    for (unsigned i = 0; hs->pool && i < hs->sh.nr; i++)
        if (hs->pool[i])
            free_pages(phys_to_virt(hs->pool[i]), 0);
    xfree(hs->pool);
    xfree(hs);
    v->shadow = NULL;
}

int hvm_shadow_vcpu_create(struct vcpu *v)
{
    struct domain *d = v->domain;

    if (!d->shadow)
        return 0;
    unsigned nr = d->shadow_pages / (d->cfg->vcpus ? d->cfg->vcpus : 1);
    if (nr < SHADOW_MIN_PAGES)
        nr = SHADOW_MIN_PAGES;
    /* Cached roots (docs/shadow.md "Cached shadows per CR3"): as many as
     * asked and the pool leaves room for, each 5 pages below 4 GiB. */
    unsigned nroots = MAX(1u, MIN(boot_opts.shadow_cache, SHADOW_MAX_ROOTS));
    while (nroots > 1 && nr < SHADOW_MIN_PAGES + SHADOW_ROOT_PAGES * (nroots - 1))
        nroots--;
    struct hvm_shadow *hs = xzalloc(sizeof(*hs), HEAP_HVM);
    if (!hs)
        return -ENOMEM;
    v->shadow = hs;
    hs->pool = xzalloc(nr * sizeof(uint64_t), HEAP_HVM);
    if (!hs->pool)
        goto nomem;
    hs->sh.nr = nr;         /* for the destroy path until shadow_init */
    /* The whole budget now: no allocation on the fault path.  The roots
     * (and their PAE directories) below 4 GiB, for a 32-bit CR3. */
    for (unsigned i = 0; i < nr; i++) {
        void *p = i < SHADOW_ROOT_PAGES * nroots ? alloc_pages_below(0, 1ull << 32, DOMID_XEN)
                                                 : alloc_pages(0, DOMID_XEN);
        if (!p)
            goto nomem;
        hs->pool[i] = virt_to_phys(p);
    }
    if (shadow_init_roots(&hs->sh, hs->pool, sh_to_va, nr, SHADOW_PAE, nroots))
        goto nomem;
    hvm_vendor->set_shadow(v, shadow_root(&hs->sh));
    return 0;
nomem:
    hvm_shadow_vcpu_destroy(v);
    return -ENOMEM;
}

void hvm_shadow_request_flush(struct vcpu *v)
{
    if (v->shadow)
        __atomic_fetch_or(&v->shadow->flush_pending, SHADOW_REQ_ALL, __ATOMIC_SEQ_CST);
}

void hvm_shadow_request_cr3_flush(struct vcpu *v)
{
    if (v->shadow)
        __atomic_fetch_or(&v->shadow->flush_pending, SHADOW_REQ_NONGLOBAL, __ATOMIC_SEQ_CST);
}

/* The bits of the guest's state that shape its translations: any change
 * empties the shadow (each of these changes would flush a real TLB or
 * change what the walker answers). */
static uint64_t paging_key(const struct hvm_ctrl *c)
{
    return (c->cr0 & (G_CR0_PG | G_CR0_WP | 1ull)) |
           ((c->cr4 & (G_CR4_PSE | G_CR4_PAE | G_CR4_PGE | G_CR4_LA57 | G_CR4_PCIDE | G_CR4_SMEP |
                       G_CR4_SMAP | G_CR4_PKE)) << 32) |
           ((c->efer & (G_EFER_LMA | G_EFER_NXE)) << 1);
}

static void revalidate(struct vcpu *v, struct hvm_shadow *hs, const struct hvm_ctrl *c);

/* The guest CR3's table base: what a cached root is looked up by (the
 * paging mode is the same for every root: hs->key). */
static uint64_t cr3_tag(const struct hvm_ctrl *c)
{
    if (c->efer & G_EFER_LMA)
        return c->cr3 & 0x000ffffffffff000ull;  /* no PCID, no flags */
    if (c->cr4 & G_CR4_PAE)
        return c->cr3 & 0xffffffe0ull;
    return c->cr3 & 0xfffff000ull;
}

__hot_path void hvm_shadow_before_entry(struct vcpu *v)
{
    struct hvm_shadow *hs = v->shadow;
    struct hvm_ctrl c;

    if (!hs)
        return;
    hvm_vendor->get_ctrl(v, &c);
    uint64_t key = paging_key(&c);
    unsigned req = __atomic_exchange_n(&hs->flush_pending, 0, __ATOMIC_SEQ_CST);
    /* A MOV to CR3 drops what a TLB must drop then, the non-global
     * translations (SDM vol. 3A 4.10.4.1); the global ones stay, so the
     * kernel half of a guest survives its process switches.  With cached
     * roots, the new CR3's root comes back instead, holding only what its
     * guest tables still give (revalidate).  A CR3 that changed without a
     * MOV to CR3 (INIT, a context set from outside) empties everything, as
     * does every other reason. */
    if (hs->started && !(req & SHADOW_REQ_ALL) && key == hs->key && (req & SHADOW_REQ_NONGLOBAL) &&
        boot_opts.shadow_keep_global) {
        hs->gcr3 = c.cr3;
        if (hs->sh.nroots > 1) {
            uint64_t root = shadow_root(&hs->sh);
            shadow_switch(&hs->sh, cr3_tag(&c));
            revalidate(v, hs, &c);
            if (shadow_root(&hs->sh) != root)
                hvm_vendor->set_shadow_root(v, shadow_root(&hs->sh));
            /* Always a fresh ASID/VPID: nothing of the old root, nor of
             * the leaves just dropped, may stay in the CPU's TLB, and the
             * leaves kept must have their A set again when used. */
            __atomic_store_n(&v->tlb_flush_pending, true, __ATOMIC_SEQ_CST);
        } else if (shadow_flush_nonglobal(&hs->sh)) {
            __atomic_store_n(&v->tlb_flush_pending, true, __ATOMIC_SEQ_CST);
        }
        return;
    }
    if (!hs->started || req || key != hs->key || c.cr3 != hs->gcr3) {
        shadow_flush(&hs->sh, (c.efer & G_EFER_LMA) ? SHADOW_4L : SHADOW_PAE);
        shadow_set_tag(&hs->sh, cr3_tag(&c));
        hs->key = key;
        hs->gcr3 = c.cr3;
        hs->started = true;
        /* The CPU's TLB for this vCPU's tag goes too: a fresh ASID/VPID. */
        __atomic_store_n(&v->tlb_flush_pending, true, __ATOMIC_SEQ_CST);
    }
}

void hvm_shadow_hw_ctrl(uint64_t gcr0, uint64_t gcr4, uint64_t gefer, uint64_t *cr0, uint64_t *cr4,
                        uint64_t *efer)
{
    bool paging = gcr0 & G_CR0_PG;

    /* Paging on through the shadow (with CR0.PE = 0 too: SVM's paged real
     * mode, APM vol. 2 15.19), WP on so that read-only shadow leaves stop
     * supervisor writes (a guest with WP = 0 gets writable supervisor
     * leaves instead). */
    *cr0 = gcr0 | G_CR0_PG | G_CR0_WP;
    /* PAE or 4-level shadows; no PCID (the shadow's CR3 has PCID 0, and a
     * guest's PCIDs mean nothing to it), no PKE (keys are hidden), no
     * LA57 (never offered). */
    *cr4 = (gcr4 | G_CR4_PAE) & ~(G_CR4_PCIDE | G_CR4_PKE | G_CR4_LA57);
    /* NXE on whenever the CPU has it, whatever the guest's: the shadow
     * marks leaves no-execute for the p2m's sake too (a grant mapping is
     * never code).  Guest leaves' bit 63 keeps the guest's meaning: the
     * walker reads the guest's EFER, and the guest reads its own value. */
    *efer = gefer | (mm_nx_enabled() ? G_EFER_NXE : 0);
    if (!paging) {
        /* Identity-mapped shadow, every page user: SMEP/SMAP would refuse
         * the guest's supervisor accesses to it; and LME must not turn the
         * CPU's paging into long mode before the guest's does. */
        *cr4 &= ~(G_CR4_SMEP | G_CR4_SMAP);
        *efer &= ~(G_EFER_LME | G_EFER_LMA);
    }
}

/*
 * The guest's #PF.  When the fault came while the CPU was delivering an
 * event (its exit left the event to be delivered again), the two combine
 * as on a real CPU (SDM vol. 3A table 6-5): after a #PF or a contributory
 * exception (#DE, #TS, #NP, #SS, #GP) the #PF becomes #DF; after a #DF, a
 * triple fault (returns false: the caller shuts the domain down).  After a software interrupt the #PF replaces it
 * (RIP is still on the INT, which runs again after the handler).  An NMI
 * or an external interrupt travelling in the same slot would be lost:
 * not handled yet (on QEMU TCG interrupts travel in V_IRQ, apart).
 */
static bool inject_pf(struct vcpu *v, struct hvm_ctrl *c, uint64_t gva, uint32_t pfec)
{
    struct hvm_vcpu_state st;
    bool to_df = false;

    c->cr2 = gva;
    hvm_vendor->set_ctrl(v, c);
    if (hvm_vendor->dump_state(v, &st) == 0 && (st.event_inj & (1u << 31)) && ((st.event_inj >> 8) & 7) == 3) {
        unsigned vec = st.event_inj & 0xff;
        if (vec == 8)
            return false;
        /* SDM table 6-5: only a #PF raised while a #PF was being
         * delivered makes a #DF; after a contributory exception (#DE,
         * #TS, #NP, #SS, #GP) the #PF is handled serially. */
        to_df = vec == 14;
    }
    if (to_df)
        hvm_vendor->inject_event(v, HVM_EVENT_EXCEPTION, 8, true, 0);
    else
        hvm_vendor->inject_event(v, HVM_EVENT_EXCEPTION, 14, true, pfec);
    return true;
}

/*
 * Log-dirty (mm/logdirty.c, docs/shadow.md "Log-dirty on shadow paging"):
 * a writable leaf only for a frame already dirty in this round.  A write
 * now marks it (counted: a log-dirty fault); a read leaves it read-only,
 * so the first write exits.
 */
static bool logdirty_allows_write(struct vcpu *v, struct hvm_shadow *hs, uint64_t gfn, bool writing)
{
    int r = logdirty_shadow_may_write(v, gfn, writing);
    if (r == LD_SHADOW_MARKED)
        hs->pf_logdirty++;
    return r != LD_SHADOW_READ_ONLY;
}

/*
 * The rights of a shadow leaf other than SH_W: user from the walk (every
 * page user while the guest's paging is off), no-execute from the walk
 * (with the guest's EFER.NXE) and from the p2m (grant mappings, as NPT/EPT
 * carry it), the guest leaf's cache bits, the size of the guest's page
 * (shadow_invlpg's regions) and G with the guest's CR4.PGE (bit 8 in every
 * paging format's leaf).
 */
static unsigned leaf_flags(const struct hvm_ctrl *c, unsigned gw_perms, uint64_t leaf, unsigned p2m_perms,
                           unsigned page_shift)
{
    bool paging = c->cr0 & G_CR0_PG;
    unsigned fl = 0;

    if (!paging || (gw_perms & GW_PERM_U))
        fl |= SH_U;
    if ((c->efer & G_EFER_NXE) && paging && !(gw_perms & GW_PERM_X))
        fl |= SH_NX;
    if (!(p2m_perms & P2M_X) && mm_nx_enabled())
        fl |= SH_NX;
    if (paging)
        fl |= (leaf & (1ull << 3) ? SH_PWT : 0) | (leaf & (1ull << 4) ? SH_PCD : 0);
    if (page_shift >= 30)
        fl |= SH_HUGE;
    else if (page_shift > 12)
        fl |= SH_LARGE;
    if (paging && (c->cr4 & G_CR4_PGE) && (leaf & (1ull << 8)))
        fl |= SH_GLOBAL;
    return fl;
}

/*
 * Prefetch on fill (docs/shadow.md "Prefetch on fill"): after the fill of
 * gva, the other pages of its aligned block of boot_opts.shadow_prefetch
 * that the guest's tables map with A set (gwalk_near: same page table or
 * same large page, no reserved bit, W only with D) get their leaves too,
 * where none is present, so the accesses that follow need no exit each.
 * Only ordinary RAM (the p2m gives every right: not MMIO, not a grant
 * mapping); W additionally only when log-dirty does not wait for the
 * frame's first write, asked as for a read fill (no frame is marked: a
 * prefetch is no write).  Bounded: at most 63 entries read, 63 leaves
 * written, into tables the fill just made (shadow_fill_near never
 * allocates).  Owner: v, on its own #PF exit.
 */
static void prefetch(struct vcpu *v, struct hvm_shadow *hs, const struct hvm_ctrl *c, uint64_t gva,
                     const struct gwalk_result *res)
{
    unsigned n = boot_opts.shadow_prefetch;

    if (n < 2 || n > BOOTOPTS_SHADOW_PREFETCH_MAX)
        return;
    uint64_t free = shadow_near_free(&hs->sh, gva, n);  /* present leaves are never changed */
    if (!free)
        return;
    unsigned cnt = hvm_walk_near(v, gva, res, n, hs->near);
    for (unsigned i = 0; i < cnt; i++) {
        const struct gwalk_near *p = &hs->near[i];
        if (!(free >> ((p->va >> 12) & (n - 1)) & 1))
            continue;
        unsigned perms = 0;
        uint64_t mfn = p2m_lookup(&v->domain->p2m, p->gpa >> 12, &perms);
        if (mfn == ~0ull || perms != (P2M_R | P2M_W | P2M_X))
            continue;
        unsigned fl = leaf_flags(c, p->perms, p->leaf, perms, res->page_shift);
        if ((p->perms & GW_PERM_W) && logdirty_allows_write(v, hs, p->gpa >> 12, false))
            fl |= SH_W;
        shadow_fill_near(&hs->sh, p->va, mfn << 12, fl);
    }
}

/*
 * Revalidation (docs/shadow.md "Cached shadows per CR3"): what a fill of
 * the 4 KiB page at va would write now, from the guest's current tables,
 * read only (GW_PROBE: no A/D update, no access check).  Only a
 * translation a TLB could load right now without a visible side effect:
 * every entry of the walk with A set already; ordinary RAM (the p2m gives
 * every right, as for a prefetch); W only with D, and with log-dirty asked
 * as for a read fill.
 * A leaf made writable by a supervisor write with CR0.WP = 0 is never
 * given back (the caller drops it: it is not the same entry).
 */
struct reval_ctx {
    struct vcpu *v;
    struct hvm_shadow *hs;
    const struct hvm_ctrl *c;
};

static bool reval_check(void *ctx, uint64_t va, uint64_t *ma, unsigned *flags)
{
    struct reval_ctx *r = ctx;
    struct gwalk_result res;

    if (hvm_walk_probe(r->v, va, &res) || !res.accessed)
        return false;
    unsigned perms = 0;
    uint64_t mfn = p2m_lookup(&r->v->domain->p2m, res.gpa >> 12, &perms);
    if (mfn == ~0ull || perms != (P2M_R | P2M_W | P2M_X))
        return false;
    bool dirty = !(r->c->cr0 & G_CR0_PG) || (res.leaf & (1ull << 6));
    unsigned fl = leaf_flags(r->c, res.perms, res.leaf, perms, res.page_shift);
    if ((res.perms & GW_PERM_W) && dirty && logdirty_allows_write(r->v, r->hs, res.gpa >> 12, false))
        fl |= SH_W;
    *ma = mfn << 12;
    *flags = fl;
    return true;
}

/* Bound of one switch's work: leaves checked (each a guest walk); the
 * used leaves beyond it are dropped, and refault if needed. */
#define SHADOW_REVAL_BUDGET 1024u

static void revalidate(struct vcpu *v, struct hvm_shadow *hs, const struct hvm_ctrl *c)
{
    struct reval_ctx r = { v, hs, c };

    shadow_revalidate(&hs->sh, reval_check, &r, SHADOW_REVAL_BUDGET);
}

bool hvm_shadow_page_fault(struct vcpu *v, const struct hvm_exit *x, uint64_t gva, uint32_t ec)
{
    struct hvm_shadow *hs = v->shadow;
    struct hvm_ctrl c;
    struct gwalk_result res;

    if (!hs) {
        /* #PF is intercepted only for shadow domains. */
        hvm_vendor->inject_event(v, HVM_EVENT_EXCEPTION, 14, true, ec);
        return true;
    }
    hs->pf_exits++;
    hvm_vendor->get_ctrl(v, &c);
    if (ec & PFEC_RSVD) {
        /* Our own entries never have reserved bits: a format mix-up.  Start
         * over rather than loop. */
        shadow_flush(&hs->sh, (c.efer & G_EFER_LMA) ? SHADOW_4L : SHADOW_PAE);
        __atomic_store_n(&v->tlb_flush_pending, true, __ATOMIC_SEQ_CST);
        return true;
    }
    bool write = ec & PFEC_W, user = ec & PFEC_U, fetch = ec & PFEC_ID;
    unsigned acc = GW_SET_AD | (write ? GW_WRITE : 0) | (user ? GW_USER : 0) | (fetch ? GW_FETCH : 0) |
                   (!user && (v->regs.rflags & RFLAGS_AC) ? GW_AC : 0);
    int rc = hvm_walk(v, gva, acc, &res);
    if (rc == -EAGAIN)
        return true;                            /* entries changing under us: run it again */
    if (rc == -EFAULT) {
        hs->pf_injected++;
        if (!inject_pf(v, &c, gva, res.pfec)) {
            hvm_triple_fault(v, x);
            return false;
        }
        return true;
    }
    if (rc) {
        hvm_dump_and_crash(v, x, "shadow: the guest's page tables for %#lx are outside its RAM",
                           (unsigned long)gva);
        return false;
    }

    unsigned perms = 0;
    uint64_t mfn = p2m_lookup(&v->domain->p2m, res.gpa >> 12, &perms);
    if (mfn == ~0ull || (write && !(perms & P2M_W)) || (fetch && !(perms & P2M_X))) {
        /* Not RAM (or RAM the guest may only read, or not run): the
         * instruction is emulated against the devices, as after a nested
         * page fault (a fetch ends the domain there, as under NPT/EPT). */
        struct hvm_exit mx = *x;
        mx.reason = HVM_EXIT_NPF;
        mx.gpa = res.gpa;
        mx.qual = (write ? HVM_NPF_WRITE : HVM_NPF_READ) | (fetch ? HVM_NPF_FETCH : 0);
        hs->pf_mmio++;
        return hvm_emulate_mmio(v, &mx);
    }

    bool paging = c.cr0 & G_CR0_PG;
    bool dirty = !paging || (res.leaf & (1ull << 6));
    unsigned fl = leaf_flags(&c, res.perms, res.leaf, perms, res.page_shift);
    if ((res.perms & GW_PERM_W) && (perms & P2M_W) && (write || dirty)) {
        /* D is set now or was: writes need no exit, unless log-dirty
         * still waits for this frame's first write of the round. */
        if (logdirty_allows_write(v, hs, res.gpa >> 12, write))
            fl |= SH_W;
    } else if (write && !user && (perms & P2M_W) && logdirty_allows_write(v, hs, res.gpa >> 12, true)) {
        /* Allowed by the walk without R/W: a supervisor write with CR0.WP
         * = 0.  Writable for the supervisor only; a later user access
         * faults and gets the user's view back. */
        fl = (fl & ~SH_U) | SH_W;
    }
    /* Where fills land (docs/shadow.md "Prefetch on fill"): user pages,
     * and pages in the same 2 MiB as the previous fill. */
    hs->fill_user += (fl & SH_U) != 0;
    if (!(fl & (SH_U | SH_GLOBAL))) {
        hs->fill_kernel_ng++;
        hs->last_kernel_ng = gva;
    }
    hs->fill_near += ((gva ^ hs->last_fill) >> 21) == 0;
    hs->last_fill = gva;
    bool upgraded = false;
    int frc = shadow_fill(&hs->sh, gva & ~0xfffull, mfn << 12, fl, &upgraded);
    if (frc < 0) {
        hvm_dump_and_crash(v, x, "shadow: cannot map %#lx (pool of %u pages)", (unsigned long)gva, hs->sh.nr);
        return false;
    }
    /* A replaced leaf (rights raised) may still sit in the TLB; a reclaim
     * dropped everything. */
    if (upgraded || frc == 1)
        __atomic_store_n(&v->tlb_flush_pending, true, __ATOMIC_SEQ_CST);
    prefetch(v, hs, &c, gva, &res);
    return true;
}

void hvm_shadow_invlpg(struct vcpu *v, uint64_t la)
{
    struct hvm_shadow *hs = v->shadow;

    if (hs && shadow_invlpg(&hs->sh, la))
        __atomic_store_n(&v->tlb_flush_pending, true, __ATOMIC_SEQ_CST);
}
