/*
 * The MMU hypercalls of a 64-bit PV vCPU wired to the machine (docs/pv.md,
 * "MMU hypercalls"): the struct pv_mmu_env that pv/mm_hcall.c runs over,
 * built per call from the domain's frame-type environment.
 *
 *  - guest memory (request arrays, pdone, vCPU masks, the GDT frame list):
 *    pv_copy_guest, the software walk of the vCPU's current tables that
 *    needs P and US at every level and never enters the hypervisor's
 *    range (mm_hcall.c checks the range first as well);
 *  - TLB flushes: local ones reload CR3 (the guest's, which is loaded
 *    while its hypercall runs) or INVLPG; MULTI/ALL and stale entries
 *    reload CR3 here and, by a cross-CPU call (IPI), on every other CPU
 *    in the domain's dirty mask (pv_tlb.c: the CPUs that have one of the
 *    domain's tables loaded now; any other CPU has loaded another CR3
 *    since, and guest entries are never global, no PCIDs).  An IPI rather
 *    than a flush at the next entry because a vCPU running in ring 3 on
 *    another CPU must lose the translation before the frame is reused (a
 *    page table becoming writable), not at its next exit.  Invariant:
 *    when the call returns, no CPU can use a translation it removed;
 *  - preemption (pgt_env.preempt): a softirq pending on this CPU, or a
 *    budget of PV_MMU_CHECKS_PER_CALL checks per call, so that no MMU
 *    hypercall runs unbounded; the call then returns -ERESTART with its
 *    arguments rewritten and the guest re-issues the SYSCALL.
 */
#include "pv/pv.h"
#include "core/domain.h"
#include "core/percpu.h"
#include "core/smp.h"
#include "arch/x86/asm.h"
#include "mm/mm.h"
#include "mm/m2p.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "public/xen.h"

/* Checks (between requests and between validated entries) one call may
 * make before it stops and is continued. */
#define PV_MMU_CHECKS_PER_CALL 1000

/* L1 references one call holds back before it flushes and drops them. */
#define PV_CALL_DEFERRED 32

/* One MMU hypercall in progress: the env mm_hcall.c sees, and the
 * domain's pgt_env copied with hooks that know the calling vCPU. */
struct pv_call {
    struct pv_mmu_env e;
    struct pgt_env pgt;
    struct vcpu *v;
    /* References of L1 entries this call removed (pgt_env.l1_put), each
     * mfn << 1 | rw: dropped only after a flush of every CPU the domain
     * runs on, so that no frame is freed, handed to another domain or
     * retyped while one of those CPUs may still reach it through a stale
     * TLB entry (the window between the entry's change and the call's
     * flush at its end).  Owned by the call (on its stack). */
    uint64_t deferred[PV_CALL_DEFERRED];
    unsigned nr_deferred;
    bool flushed;           /* the domain's CPUs flushed since the last deferral */
};

static struct pv_call *call_of(const struct pv_mmu_env *e)
{
    return container_of(e, struct pv_call, e);
}

static struct pv_call *call_of_pgt(const struct pgt_env *p)
{
    return p->ctx;
}

/* ---- TLB flushes ---- */

static void flush_here(void *arg)
{
    (void)arg;
    flush_tlb_local();
}

/* Reloads CR3 on every CPU of 'cpus' (this one included if in it).  A CPU
 * that does not answer leaves a translation the guest may no longer have:
 * the domain is crashed then (it cannot run again). */
void pv_flush_cpus(struct domain *d, uint64_t cpus)
{
    if (!cpus)
        return;
    if (!irqs_enabled()) {
        /* The cross-CPU call needs interrupts on (targets may be calling
         * too).  No such caller exists; be safe rather than deadlock. */
        domain_crash(d, "pv: TLB shootdown with interrupts disabled");
        return;
    }
    if (smp_call_function_mask(cpus, flush_here, NULL))
        domain_crash(d, "pv: a CPU did not answer the TLB shootdown");
}

void pv_flush_domain(struct domain *d)
{
    struct pv_domain *pd = d->kind_priv;

    /* As pv_tlb_flush, uncounted: the entries written, a fence, the mask. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    pv_flush_cpus(d, __atomic_load_n(&pd->dirty_cpus, __ATOMIC_RELAXED) | 1ull << smp_processor_id());
}

static void env_flush(const struct pv_mmu_env *e, unsigned how, uint64_t va, const uint64_t *mask)
{
    struct vcpu *v = call_of(e)->v;

    (void)mask;
    switch (how & PV_FLUSH_WHERE) {
    case PV_FLUSH_LOCAL:
        /* This CPU runs the calling vCPU on its own tables now. */
        if ((how & PV_FLUSH_VA) && !(how & PV_FLUSH_TLB))
            invlpg(va);
        else
            flush_tlb_local();
        ((struct pv_vcpu *)v->vendor)->perf.flush_local++;
        break;
    default:
        /* VCPUS and ALL: every CPU in the domain's dirty mask reloads CR3
         * (whatever it runs): a superset of the named vCPUs' CPUs and of
         * one page, correct for whichever tables each has loaded. */
        pv_tlb_flush(v);
        call_of(e)->flushed = true;
        break;
    }
}

static void env_stale(const struct pv_mmu_env *e)
{
    pv_tlb_flush(call_of(e)->v);
    call_of(e)->flushed = true;
}

static void wbinvd_here(void *arg)
{
    (void)arg;
    __asm__ __volatile__("wbinvd" ::: "memory");
}

static void env_cache_flush(const struct pv_mmu_env *e, bool global)
{
    (void)e;
    /* Only reached for a domain with devices (pgt.cache_attrs_ok), none yet. */
    if (global)
        (void)on_each_cpu(wbinvd_here, NULL);
    else
        wbinvd_here(NULL);
}

/* ---- guest memory ---- */

static int env_copy_from(const struct pv_mmu_env *e, void *dst, uint64_t gva, uint64_t len)
{
    return pv_copy_guest(call_of(e)->v, dst, gva, len, false);
}

static int env_copy_to(const struct pv_mmu_env *e, uint64_t gva, const void *src, uint64_t len)
{
    return pv_copy_guest(call_of(e)->v, (void *)src, gva, len, true);
}

/* ---- the vCPU's view ---- */

static void env_reload(const struct pv_mmu_env *e, unsigned what)
{
    struct pv_vcpu *pv = call_of(e)->v->vendor;

    /* The call runs on the CPU that runs the vCPU, on its kernel tables:
     * the new base pointer is loaded now, before mm_hcall.c drops the old
     * one's references, and every later stint loads it (pv_vcpu_run). */
    pv_m2p_strict_bases(call_of(e)->v);     /* VMASST m2p_strict: slot 256 by mode (pv_m2p.c) */
    if (what & PV_RELOAD_BASE)
        write_cr3((pv->compat_l4 ? pv32_root(pv) : pv->mmu.base) << 12);
    /* The user base pointer is loaded with user mode (pv_user.c); the
     * GDT and LDT are copied and loaded before the next entry of the vCPU
     * whose state changed (the caller, or VCPUOP_initialise's offline
     * target: e->vcpu is that vCPU's mmu state). */
    if (what & (PV_RELOAD_GDT | PV_RELOAD_LDT))
        pv_seg_tables_changed(container_of(e->vcpu, struct pv_vcpu, mmu));
}

static void env_m2p_set(const struct pv_mmu_env *e, uint64_t mfn, uint64_t pfn)
{
    /* The frame was checked to be the domain's (mm_hcall.c); any value is
     * the guest's own business, as on Xen (the table is global, guests
     * only read it). */
    (void)e;
    m2p_set(mfn, pfn);
}

/* ---- pgt_env hooks of a call ---- */

bool pv_mmu_preempt_check(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;

    if (__atomic_load_n(&this_cpu()->softirq_pending, __ATOMIC_RELAXED))
        return true;
    return ++pv->mmu_checks > PV_MMU_CHECKS_PER_CALL;
}

static bool call_preempt(const struct pgt_env *p)
{
    return pv_mmu_preempt_check(call_of_pgt(p)->v);
}

static void call_frame_gone(const struct pgt_env *p, uint64_t mfn)
{
    (void)mfn;
    /* A frame stops being writable (becomes a table or descriptor page) or
     * stops being a table: no CPU may keep a translation through it. */
    pv_tlb_flush(call_of_pgt(p)->v);
    call_of_pgt(p)->flushed = true;
}

/* Drops the references held back so far, after the flush that makes the
 * old translations unreachable (unless one already ran since). */
static void call_drain(struct pv_call *c)
{
    if (!c->nr_deferred)
        return;
    if (!c->flushed)
        pv_tlb_flush(c->v);
    for (unsigned i = 0; i < c->nr_deferred; i++)
        pgt_put_l1_frame(&c->pgt, c->deferred[i] >> 1, c->deferred[i] & 1);
    c->nr_deferred = 0;
}

static void call_l1_put(const struct pgt_env *p, uint64_t mfn, bool rw)
{
    struct pv_call *c = call_of_pgt(p);

    /* The domain's own frame may drop its writable type now: a frame that
     * becomes a table or descriptor page is flushed from every CPU of the
     * domain then (call_frame_gone), and the same call may go on to make
     * it one.  Another domain's frame (dom0's privcmd mappings) never
     * becomes one of ours: its owner's flush would not cover our CPUs. */
    if (rw && __atomic_load_n(&p->ft[mfn].owner, __ATOMIC_RELAXED) == c->e.dom) {
        pgt_put_type(p, mfn);
        rw = false;
    }
    if (c->nr_deferred == PV_CALL_DEFERRED)
        call_drain(c);
    c->deferred[c->nr_deferred++] = mfn << 1 | rw;
    c->flushed = false;
}

/* ---- the dispatch ---- */

static void call_init(struct pv_call *c, struct vcpu *v)
{
    struct pv_domain *pd = v->domain->kind_priv;
    struct pv_vcpu *pv = v->vendor;

    memset(c, 0, sizeof(*c));
    c->v = v;
    c->pgt = pd->env;
    c->pgt.ctx = c;
    c->pgt.preempt = call_preempt;
    c->pgt.writable_gone = call_frame_gone;
    c->pgt.table_gone = call_frame_gone;
    c->pgt.l1_put = call_l1_put;
    c->e.pgt = &c->pgt;
    c->e.dom = v->domain->domid;
    c->e.privileged = false;
    c->e.nr_vcpus = v->domain->nr_vcpus < PV_MMU_MAX_VCPUS ? v->domain->nr_vcpus : PV_MMU_MAX_VCPUS;
    c->e.vcpu = &pv->mmu;
    c->e.copy_from = env_copy_from;
    c->e.copy_to = env_copy_to;
    c->e.flush = env_flush;
    c->e.stale = env_stale;
    c->e.cache_flush = env_cache_flush;
    c->e.reload = env_reload;
    c->e.m2p_set = env_m2p_set;
    c->e.compat = pd->compat;
}

bool pv_mmu_hypercall(struct vcpu *v, uint64_t nr, uint64_t a[4], long *ret)
{
    struct pv_vcpu *pv = v->vendor;
    struct pv_call c;

    switch (nr) {
    case __HYPERVISOR_mmu_update:
    case __HYPERVISOR_mmuext_op:
    case __HYPERVISOR_update_va_mapping:
    case __HYPERVISOR_update_va_mapping_otherdomain:
    case __HYPERVISOR_set_gdt:
    case __HYPERVISOR_update_descriptor:
        break;
    default:
        return false;
    }
    /* The control domain mapping another domain's frames (pv_foreign.c):
     * entry by entry as grant mappings, each under the mm_lock itself. */
    if (nr == __HYPERVISOR_mmu_update && pv_foreign_mmu_update(v, a, ret)) {
        if (*ret == -ERESTART)
            pv->nr_restarts++;
        return true;
    }
    /* ... and pinning the tables of a PV domain it builds (pv_ctl.c). */
    if (nr == __HYPERVISOR_mmuext_op && pv_foreign_mmuext(v, a, ret)) {
        if (*ret == -ERESTART) {
            pv->nr_restarts++;
            pv->nr_foreign_ext_restarts++;
        }
        return true;
    }
    call_init(&c, v);
    pv->nr_mmu_calls++;
    pv->mmu_checks = 1;
    /* Frame types change only under the domain's mm_lock (pv.h); the
     * call's own guest-memory copies run under it (mm_locked). */
    spin_lock(&((struct pv_domain *)v->domain->kind_priv)->mm_lock);
    pv->mm_locked = true;
    switch (nr) {
    case __HYPERVISOR_mmu_update:
        *ret = pv_mmu_update(&c.e, a);
        break;
    case __HYPERVISOR_mmuext_op:
        *ret = pv_mmuext_op(&c.e, a);
        break;
    case __HYPERVISOR_update_va_mapping:
        *ret = pv_update_va_mapping(&c.e, a[0], a[1], a[2]);
        break;
    case __HYPERVISOR_update_va_mapping_otherdomain:
        *ret = pv_update_va_mapping_otherdomain(&c.e, a[0], a[1], a[2], a[3]);
        break;
    case __HYPERVISOR_set_gdt:
        *ret = pv_set_gdt(&c.e, a[0], a[1]);
        break;
    default:
        *ret = pv_update_descriptor(&c.e, a[0], a[1]);
        break;
    }
    call_drain(&c);             /* under the lock: the puts may free frames, retype them */
    pv->mm_locked = false;
    spin_unlock(&((struct pv_domain *)v->domain->kind_priv)->mm_lock);
    pv->mmu_checks = 0;
    /* -ERESTART: a[] holds the arguments to re-issue it with
     * (mmu_update/mmuext_op: the request pointer past the ones done,
     * count | PREEMPTED); the caller stores them (registers, or the
     * multicall entry). */
    if (*ret == -ERESTART)
        pv->nr_restarts++;
    return true;
}

int pv_mmu_mod_entry(struct vcpu *v, uint64_t la, uint64_t mfn, const uint64_t *expect, uint64_t val)
{
    struct pv_domain *pd = v->domain->kind_priv;
    struct pv_vcpu *pv = v->vendor;
    struct pv_call c;
    uint64_t ma;
    int rc;

    call_init(&c, v);
    pv->mmu_checks = 1;
    /* Under the mm_lock, as an MMU hypercall: the walk that names the
     * table and the update cannot be separated by another vCPU's retype. */
    spin_lock(&pd->mm_lock);
    pv->mm_locked = true;
    if (pv_gva_to_maddr(v, la, false, &ma) || (ma >> 12) != mfn) {
        rc = -EFAULT;
    } else {
        unsigned idx = (unsigned)((ma & 0xfff) >> 3);
        rc = expect ? pgt_cmpxchg_entry(&c.pgt, v->domain->domid, mfn, idx, *expect, val, PGT_PREEMPTIBLE)
                    : pgt_mod_entry(&c.pgt, v->domain->domid, mfn, idx, val, PGT_PREEMPTIBLE);
        if (rc == 1) {
            env_stale(&c.e);    /* a present entry changed: no CPU keeps the old translation */
            rc = 0;
        }
    }
    call_drain(&c);
    pv->mm_locked = false;
    spin_unlock(&pd->mm_lock);
    pv->mmu_checks = 0;
    if (!rc)
        pv_seg_mappings_changed(v);     /* an LDT may read through this table */
    return rc;
}

int pv_mmu_get_base(struct vcpu *v, uint64_t mfn)
{
    struct pv_domain *pd = v->domain->kind_priv;
    struct pv_vcpu *pv = v->vendor;
    struct pv_call c;
    int rc;

    /* The calling vCPU's environment: a frame that stops being writable
     * is flushed from every CPU the domain ran on.  Not preemptible
     * (flags 0): bounded by the domain's own frames. */
    call_init(&c, v);
    spin_lock(&pd->mm_lock);
    pv->mm_locked = true;
    rc = pgt_get_top(&c.pgt, v->domain->domid, mfn, pd->compat ? FRAME_TYPE_PT_L3 : FRAME_TYPE_PT_L4, 0);
    call_drain(&c);
    pv->mm_locked = false;
    spin_unlock(&pd->mm_lock);
    return rc;
}

int pv_mmu_set_gdt_of(struct vcpu *v, struct vcpu *t, const uint64_t *frames, uint64_t entries)
{
    struct pv_domain *pd = v->domain->kind_priv;
    struct pv_vcpu *pv = v->vendor, *tp = t->vendor;
    struct pv_call c;
    long rc;

    /* The caller's environment (its flushes), the target's GDT state:
     * the target is offline (VCPUOP_initialise), nothing runs on it. */
    call_init(&c, v);
    c.e.vcpu = &tp->mmu;
    spin_lock(&pd->mm_lock);
    pv->mm_locked = true;
    rc = pv_set_gdt_frames(&c.e, frames, entries);
    call_drain(&c);
    pv->mm_locked = false;
    spin_unlock(&pd->mm_lock);
    return (int)rc;
}

void pv_mmu_teardown(struct vcpu *v)
{
    struct pv_domain *pd = v->domain->kind_priv;
    struct pv_vcpu *pv = v->vendor;
    struct pv_mmu_env e;

    /* The vCPU runs nowhere any more: no CPU has its CR3 loaded. */
    memset(&e, 0, sizeof(e));
    e.pgt = &pd->env;
    e.dom = v->domain->domid;
    e.vcpu = &pv->mmu;
    pv_mmu_vcpu_teardown(&e);
}

int pv_mmu_get_writable(struct vcpu *v, uint64_t mfn)
{
    struct pv_domain *pd = v->domain->kind_priv;
    struct pv_vcpu *pv = v->vendor;
    struct pv_call c;
    int rc;

    /* As pv_mmu_get_base, for a frame the hypervisor will write (pvcon:
     * a registered vcpu_info): a frame that was a page table is flushed
     * from every CPU the domain ran on before it is writable. */
    call_init(&c, v);
    bool took = !pv->mm_locked;
    if (took)
        spin_lock(&pd->mm_lock);
    pv->mm_locked = true;
    rc = pgt_get_top(&c.pgt, v->domain->domid, mfn, FRAME_TYPE_WRITABLE, 0);
    call_drain(&c);
    if (took) {
        pv->mm_locked = false;
        spin_unlock(&pd->mm_lock);
    }
    return rc == 0 ? 0 : -EINVAL;
}
