/*
 * The pv domain kind (core/domain_kind.h): 64-bit PV guests, kernel in
 * ring 3 on page tables it builds from its own machine frames and the
 * hypervisor validates (mm/pgtype.c).  Needs no VMX or SVM.  docs/pv.md.
 */
#include "pv/pv_pirq.h"
#include "pv/pv.h"
#include "mm/m2p.h"
#include "core/domain_kind.h"
#include "core/domain.h"
#include "core/console.h"
#include "core/percpu.h"
#include "core/sched.h"
#include "hvm/hvm.h"        /* hvm_print_exit_stats: exit cost per kind, PV too */
#include "arch/x86/asm.h"
#include "mm/mm.h"
#include "gnttab/gnttab.h"
#include "lib/fmt.h"
#include "lib/errno.h"
#include "lib/string.h"

/* ---- The frame-type environment of the real hypervisor ----------------- */

static uint64_t *env_map(const struct pgt_env *e, uint64_t mfn)
{
    (void)e;
    return phys_to_virt(mfn << 12);
}

static bool env_get_ref(const struct pgt_env *e, uint64_t mfn, uint16_t dom)
{
    (void)e;
    /* Frames the domain owns (mm/mm.c frame_get checks owner, free,
     * reserved, orphaned). */
    if (frame_get(mfn, dom))
        return true;
    /* And the hypervisor frames Xen shares with a PV guest: its
     * shared_info and its grant-table frames (owner DOMID_XEN, shared with
     * dom; mm.h alloc_shared_page).  A reference like any mapping's, so
     * the frame outlives the domain's use of it only as an orphan.  Data
     * only: table and descriptor types need a frame the domain owns
     * (mm/pgtype.c), so the hypervisor's writes to it never change a page
     * table.  Other domains' frames never come this way: a grant or
     * foreign mapping is made with its own environment (pv_gnttab.c). */
    return frame_get_shared(mfn, dom);
}

static void env_put_ref(const struct pgt_env *e, uint64_t mfn)
{
    (void)e;
    /* Every frame env_get_ref accepted holds a general reference (so do
     * the foreign and grant mappings pv_gnttab.c makes in this domain's
     * tables, dropped here as well). */
    frame_put(mfn);
}

/* The kernel runs in ring 3: its supervisor mappings become user ones, and
 * bit 52 (Xen's _PAGE_GUEST_KERNEL, an available bit) records that they
 * were the kernel's.  Never G: global guest entries would survive the CR3
 * switch to another domain. */
static uint64_t env_adjust_l1e(const struct pgt_env *e, uint64_t pte)
{
    /* The initial domain's read-only device frames (the HPET): mapped
     * without RW whatever the entry asks, as Xen forces them. */
    if (e->io_frame && (pte & PTE_RW) && pv_dom0_ro_frame((pte & 0x000ffffffffff000ull) >> 12))
        pte &= ~PTE_RW;
    if (!(pte & PTE_US))
        pte |= PTE_US | (1ull << 52);
    /* G is stripped: a global entry survives CR3 switches, so another
     * domain (or this one after the frame changed hands) could reach the
     * frame through the TLB; and the TLB shootdown (pv_mmu_env.c) relies
     * on a CR3 switch dropping every translation of the guest. */
    return pte & ~PTE_G;
}

/* Entries of levels 2-4: US set, as Xen does for a 64-bit PV guest (its
 * kernel runs in ring 3, and Linux writes supervisor entries, e.g. in
 * init_top_pgt).  The L1 entries decide what is reachable. */
static uint64_t env_adjust_upper(const struct pgt_env *e, unsigned level, uint64_t pte)
{
    (void)e;
    (void)level;
    return pte | PTE_US;
}

/* 32-bit PV: the kernel runs in ring 1, a supervisor ring, so mappings
 * stay as the guest wrote them; only G is stripped (as above).  Upper
 * levels as written too (pgtype.c gives L3 entries their PDPTE bits). */
static uint64_t env_adjust_l1e_compat(const struct pgt_env *e, uint64_t pte)
{
    (void)e;
    return pte & ~PTE_G;
}

static uint64_t env_adjust_upper_compat(const struct pgt_env *e, unsigned level, uint64_t pte)
{
    (void)e;
    (void)level;
    return pte;
}

/* 32-bit PV: the compat M2P in the top entries of the L2 under L3 slot 3. */
static void env_init_l2x(const struct pgt_env *e, uint64_t mfn)
{
    m2p_compat_l2x(e->map(e, mfn));
}

/* The hypervisor's slots of a new L4: a copy of its own L4 entries for
 * 256-271 (no US bit anywhere in them, so ring 3 cannot touch them).  The
 * hypervisor populates these slots at boot and only adds below them later
 * (mm/paging.c), so the copy stays current. */
static void env_init_l4(const struct pgt_env *e, uint64_t mfn)
{
    uint64_t *l4 = e->map(e, mfn);
    const uint64_t *hv = phys_to_virt(mm_root_phys());

    for (unsigned i = PGT_L4_HV_FIRST; i <= PGT_L4_HV_LAST; i++)
        l4[i] = hv[i];
}

static void env_writable_gone(const struct pgt_env *e, uint64_t mfn)
{
    (void)e;
    (void)mfn;
    /* This environment serves the builder (before any vCPU ran: no TLB
     * can map the frame) and teardown; the MMU hypercalls run over a copy
     * whose hooks flush every CPU the domain ran on (pv_mmu_env.c). */
    flush_tlb_local();
}

/* A wrapper: the address of a function of another file would need a GOT
 * entry, which this image (linked -no-pie at the hypervisor's addresses)
 * cannot relax. */
static bool env_validate_desc(const struct pgt_env *e, uint64_t mfn)
{
    return pv_desc_frame_ok(e, mfn);
}

/* The initial domain's device and firmware frames (pv_dom0.c); installed
 * for it alone (the MMU hypercalls' copy of the env has another ctx). */
static bool env_io_frame(const struct pgt_env *e, uint64_t mfn)
{
    (void)e;
    /* The read-only ones too: env_adjust_l1e takes their RW bit away. */
    return pv_dom0_io_frame(mfn) || pv_dom0_ro_frame(mfn);
}

void pv_env_init(struct domain *d, struct pgt_env *e)
{
    memset(e, 0, sizeof(*e));
    e->ft = mm_frame_table(&e->nr_frames);
    e->map = env_map;
    e->get_ref = env_get_ref;
    e->put_ref = env_put_ref;
    e->adjust_l1e = env_adjust_l1e;
    e->adjust_upper = env_adjust_upper;
    e->init_l4 = env_init_l4;
    e->writable_gone = env_writable_gone;
    e->table_gone = env_writable_gone;
    /* GDT/LDT frames: every descriptor checked (pv/desc.c). */
    e->validate_desc = env_validate_desc;
    e->ctx = d;
    if (domain_is_privileged(d)) {
        /* dom0 drives devices: their memory, with the cache attributes
         * it chooses (uncached MMIO, write-combined frame buffers). */
        e->io_frame = env_io_frame;
        e->cache_attrs_ok = true;
    }
    if (pv_is_compat(d)) {
        e->compat = true;
        e->adjust_l1e = env_adjust_l1e_compat;
        e->adjust_upper = env_adjust_upper_compat;
        e->init_l4 = NULL;
        e->init_l2x = env_init_l2x;
    }
}

/* ---- The kind ------------------------------------------------------------- */

static int pv_kind_init(void)
{
    pv_pirq_init();     /* the initial domain's pirqs, for EVTCHNOP_bind_pirq */
    /* Every CPU got the GDT with Xen's flat selectors and the SYSCALL MSRs
     * when it came up (arch/x86/desc.c). */
    for (unsigned c = 0; c < RV_MAX_CPUS; c++)
        if (percpu_of[c] && !percpu_of[c]->gdt_pv) {
            log_err("pv: cpu%u has no PV GDT (out of memory at boot): no PV domains\n", c);
            return -ENOMEM;
        }
    return 0;
}

static int pv_kind_build(struct domain *d, char *err, size_t errlen)
{
    struct pv_domain *pd = xzalloc(sizeof(*pd), HEAP_PV);

    if (!pd) {
        fmt_snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    d->kind_priv = pd;
    if (d->cfg->ctl_built) {
        /* Built by the toolstack in dom0 (pv_ctl.c, pv_foreign.c): no RAM
         * yet (populate_physmap), no kernel, vCPU 0 offline until
         * setvcpucontext.  Events masked on every legacy vcpu_info slot, as
         * Xen's builder leaves shared_info ("interrupts are off initially"). */
        pv_env_init(d, &pd->env);
        for (unsigned i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
            d->shared_info->vcpu_info[i].evtchn_upcall_mask = 1;
        return 0;
    }
    return pv_build(d, err, errlen);
}

static int pv_kind_vcpu_create(struct vcpu *v)
{
    struct pv_vcpu *pv = xzalloc(sizeof(*pv), HEAP_PV);

    if (!pv)
        return -ENOMEM;
    v->vendor = pv;
    if (v->vcpu_id == 0 && !v->domain->cfg->ctl_built)
        pv_vcpu_init_boot(v);
    return 0;
}

static int pv_kind_finish(struct domain *d, char *err, size_t errlen)
{
    /* The PV console on the builder's ring frame (pv_time.c), not for the
     * initial domain, whose console is the console_io hypercall (as under
     * Xen: start_info's console field is console.dom0 for it); then the
     * stand-in store if the domain file asks for it (pv_xs_empty.c). */
    if (d->cfg->ctl_built)
        return 0;       /* the console and store pages are the toolstack's (not yet served here) */
    int rc = domain_is_privileged(d) ? 0 : pv_console_setup(d, err, errlen);
    return rc ? rc : pv_xs_empty_setup(d, err, errlen);
}

/* A frame's table references, several levels deep at most (an L4's
 * relinquish may leave its L3s typed for the next pass). */
static void relinquish_frame(struct pv_domain *pd, uint16_t domid, uint64_t mfn)
{
    for (unsigned n = 0; n < 4 && pgt_relinquish(&pd->env, domid, mfn); n++)
        ;
}

/* Teardown: every reference the domain's tables hold goes, so that each of
 * its frames can return to the allocator (domain_destroy frees them after
 * this).  Base pointers first, then each frame's pin (pgt_relinquish). */
static void pv_kind_destroy(struct domain *d)
{
    struct pv_domain *pd = d->kind_priv;

    if (!pd)
        return;
    pv_pirq_teardown(d);        /* dom0's pirqs masked, EOI bitmap frame (pv_pirq.c) */
    pv_xs_empty_teardown(d);    /* the stand-in store and its frame */
    pv_time_teardown(d);        /* console ring and vcpu_info frames (pv_time.c) */
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        struct pv_vcpu *pv = v ? v->vendor : NULL;
        if (pv)
            pv_mmu_teardown(v);
    }
    /* Every frame of the domain: its RAM blocks, and when populate_physmap
     * gave it frames no block lists (pv_memory.c), the whole frame table
     * (pgt_relinquish skips frames that are not the domain's).  Only
     * then: the sweep is a quarter of a second under Bochs with 2 GiB. */
    if (__atomic_load_n(&d->frames_outside_blocks, __ATOMIC_SEQ_CST)) {
        for (uint64_t mfn = 0; pd->env.ft && mfn < pd->env.nr_frames; mfn++)
            relinquish_frame(pd, d->domid, mfn);
    } else {
        for (unsigned i = 0; pd->env.ft && i < d->nr_ram; i++)
            for (uint64_t j = 0; j < (1ull << d->ram[i].order); j++)
                relinquish_frame(pd, d->domid, d->ram[i].mfn + j);
    }
    if (pd->p2m)
        free_pages(pd->p2m, pd->p2m_order);
    xfree(pd);
    d->kind_priv = NULL;
}

static void pv_kind_vcpu_destroy(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;

    if (pv && pv->nr_exits)
        domain_log(v->domain, LOG_INFO,
                   "v%u: pv: %lu exits: %lu hypercalls, %lu interrupts, %lu bounced exceptions, %lu event upcalls, "
                   "%lu MMU hypercalls, %lu continuations\n",
                   v->vcpu_id, (unsigned long)pv->nr_exits, (unsigned long)pv->nr_hypercalls,
                   (unsigned long)pv->nr_irqs, (unsigned long)pv->nr_bounces, (unsigned long)pv->nr_upcalls,
                   (unsigned long)pv->nr_mmu_calls, (unsigned long)pv->nr_restarts);
    if (pv && pv->nr_foreign_ext_restarts)
        domain_log(v->domain, LOG_INFO, "v%u: pv: %lu continuations of foreign mmuext_op\n", v->vcpu_id,
                   (unsigned long)pv->nr_foreign_ext_restarts);
    if (pv && pv->nr_exits)
        pv_tlb_log(v);      /* exits by kind, TLB flushes, walks (pv_tlb.c) */
    if (pv && pv->nr_exits)
        hvm_print_exit_stats(v);    /* the hypervisor's time per exit kind (hvm/exit_stats.c) */
    if (pv && (pv->emul.nr_priv || pv->emul.nr_ptwr || pv->emul.nr_ptwr_refused))
        domain_log(v->domain, LOG_INFO,
                   "v%u: pv: %lu privileged instructions emulated, %lu page-table writes emulated "
                   "(%lu refused, %lu continued)\n",
                   v->vcpu_id, (unsigned long)pv->emul.nr_priv, (unsigned long)pv->emul.nr_ptwr,
                   (unsigned long)pv->emul.nr_ptwr_refused, (unsigned long)pv->emul.nr_ptwr_restarts);
    if (pv && pv->emul.nr_db_ring0)
        domain_log(v->domain, LOG_INFO, "v%u: pv: %lu #DB taken in the hypervisor's ring 0 delivered\n",
                   v->vcpu_id, (unsigned long)pv->emul.nr_db_ring0);
    if (pv && pv->nr_multicalls)
        domain_log(v->domain, LOG_INFO, "v%u: pv: %lu multicalls, %lu multicall continuations\n", v->vcpu_id,
                   (unsigned long)pv->nr_multicalls, (unsigned long)pv->nr_mc_restarts);
    if (pv && pv->nr_to_user)
        domain_log(v->domain, LOG_INFO, "v%u: pv: user mode: %lu entries, %lu SYSCALLs from it, %lu #NM after fpu_taskswitch\n",
                   v->vcpu_id, (unsigned long)pv->nr_to_user, (unsigned long)pv->nr_user_syscalls,
                   (unsigned long)pv->nr_nm);
    if (pv && (pv->nr_syscall32 || pv->nr_sysenter))
        domain_log(v->domain, LOG_INFO, "v%u: pv: 32-bit user space: %lu SYSCALLs, %lu SYSENTERs\n", v->vcpu_id,
                   (unsigned long)pv->nr_syscall32, (unsigned long)pv->nr_sysenter);
    if (pv && pv->nr_mem_extents)
        domain_log(v->domain, LOG_INFO, "v%u: pv: reservations: %lu extents, %lu continuations\n", v->vcpu_id,
                   (unsigned long)pv->nr_mem_extents, (unsigned long)pv->nr_mem_restarts);
    if (pv)
        pv_seg_free(v);
    if (pv)
        pv32_vcpu_free(v);
    xfree(pv);
    v->vendor = NULL;
}

static int pv_kind_gva_to_gpa(struct vcpu *v, uint64_t gva, uint64_t *gpa)
{
    /* A PV domain's "physical" addresses are machine addresses. */
    return pv_gva_to_maddr(v, gva, true, gpa);
}

static int pv_kind_copy_to_gphys(struct domain *d, uint64_t maddr, const void *src, size_t len)
{
    struct pv_domain *pd = d->kind_priv;
    int rc = 0;

    /* The type check and the copy under the domain's mm_lock (pv.h): the
     * frame cannot become a page table in between.  No caller holds it. */
    spin_lock(&pd->mm_lock);
    while (len) {
        uint64_t mfn = maddr >> 12;
        size_t n = MIN(len, 4096 - (maddr & 0xfff));
        struct frame *f = pfn_to_frame(mfn);
        /* Only the domain's own frames, and never one that is a page
         * table or descriptor page now: the guest could not write it. */
        if (!f || f->owner != d->domid || (f->flags & (FRAME_F_FREE | FRAME_F_RESERVED)) ||
            (frame_type_of(f) != FRAME_TYPE_NONE && frame_type_of(f) != FRAME_TYPE_WRITABLE)) {
            rc = -EFAULT;
            break;
        }
        memcpy((uint8_t *)phys_to_virt(maddr), src, n);
        src = (const uint8_t *)src + n;
        maddr += n;
        len -= n;
    }
    spin_unlock(&pd->mm_lock);
    return rc;
}

/* The 'd' key and the hang report: the registers of the last exit (a
 * snapshot: the vCPU may be running; each field is read once). */
static void pv_kind_vcpu_dump(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    struct vcpu_info *vi = v->vcpu_info;

    if (!pv)
        return;
    domain_log(v->domain, LOG_INFO, "v%u: %s, cpu%u; last exit vector %#lx error %#lx at rip %#lx rsp %#lx cs %#lx\n",
               v->vcpu_id, sched_vcpu_state_name(v), READ_ONCE(v->processor), (unsigned long)READ_ONCE(pv->ctx.vector),
               (unsigned long)READ_ONCE(pv->ctx.error_code), (unsigned long)READ_ONCE(pv->ctx.rip),
               (unsigned long)READ_ONCE(pv->ctx.rsp), (unsigned long)READ_ONCE(pv->ctx.cs));
    domain_log(v->domain, LOG_INFO,
               "v%u: rax %#lx rcx %#lx rdx %#lx rsi %#lx rdi %#lx; cr3 mfn %#lx; upcall pending %u mask %u; "
               "%lu exits, %lu hypercalls, %lu interrupts, %lu bounces\n",
               v->vcpu_id, (unsigned long)READ_ONCE(pv->ctx.rax), (unsigned long)READ_ONCE(pv->ctx.rcx),
               (unsigned long)READ_ONCE(pv->ctx.rdx), (unsigned long)READ_ONCE(pv->ctx.rsi),
               (unsigned long)READ_ONCE(pv->ctx.rdi), (unsigned long)READ_ONCE(pv->mmu.base),
               vi ? __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_RELAXED) : 0,
               vi ? __atomic_load_n(&vi->evtchn_upcall_mask, __ATOMIC_RELAXED) : 0,
               (unsigned long)READ_ONCE(pv->nr_exits), (unsigned long)READ_ONCE(pv->nr_hypercalls),
               (unsigned long)READ_ONCE(pv->nr_irqs), (unsigned long)READ_ONCE(pv->nr_bounces));
    /* User mode (pv_user.c): which page tables and stack the next bounce uses. */
    domain_log(v->domain, LOG_INFO, "v%u: %s mode; user cr3 mfn %#lx; kernel stack %#lx; fpu TS %u; %lu entries to user mode\n",
               v->vcpu_id, READ_ONCE(pv->user_mode) ? "user" : "kernel", (unsigned long)READ_ONCE(pv->mmu.user_base),
               (unsigned long)READ_ONCE(pv->kernel_sp), (unsigned)READ_ONCE(pv->fpu_ts),
               (unsigned long)READ_ONCE(pv->nr_to_user));
    pv_tlb_log(v);
}

/* Down until setvcpucontext/VCPUOP_initialise + up (VGCF_online or
 * VCPUOP_up), or after VCPUOP_down: what rv list and rv vcpu-list show. */
static bool pv_kind_vcpu_is_down(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    return !pv || !__atomic_load_n(&pv->online, __ATOMIC_ACQUIRE);
}

DOMAIN_KIND(pv_kind) = {
    .type = DOMCFG_PV,
    .name = "pv",
    .init = pv_kind_init,
    .build = pv_kind_build,
    .vcpu_create = pv_kind_vcpu_create,
    .finish = pv_kind_finish,
    .destroy = pv_kind_destroy,
    .vcpu_destroy = pv_kind_vcpu_destroy,
    .vcpu_run = pv_vcpu_run,
    .gva_to_gpa = pv_kind_gva_to_gpa,
    .ctl_set_vcpu_context = pv_ctl_setvcpucontext,
    .ctl_hypercall_init = pv_ctl_hypercall_init,
    .ctl_set_address_size = pv_ctl_set_address_size,
    .ctl_address_size = pv_ctl_address_size,
    .copy_to_gphys = pv_kind_copy_to_gphys,
    .vcpu_dump = pv_kind_vcpu_dump,
    .gnt_map_pte = pv_gnt_map_pte,
    .gnt_unmap_pte = pv_gnt_unmap_pte,
    .gnt_flush = pv_gnt_flush,
    .vcpu_is_down = pv_kind_vcpu_is_down,
};
