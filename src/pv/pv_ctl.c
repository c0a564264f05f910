/*
 * The toolstack building a 64-bit PV domain from dom0 (docs/toolstack.md
 * "Building a PV domain from dom0"), the hypervisor's side of what Xen's
 * libxenguest does for a PV guest:
 *
 *  - XEN_DOMCTL_setvcpucontext: a vCPU's state from a struct
 *    vcpu_guest_context (x86_64 layout), checked and applied by the very
 *    code VCPUOP_initialise uses (pv_smp.c pv_vcpu_set_context): the base
 *    pointer must validate as an L4 of the domain, RIP/RSP/callbacks/trap
 *    handlers canonical and outside the hypervisor's range, GDT/LDT as
 *    set_gdt / MMUEXT_SET_LDT take them.  The context's vm_assist becomes
 *    the domain's (as Xen does for vCPU 0); VGCF_online brings the vCPU up.
 *    For a 32-bit domain (set_address_size 32) the context is Xen's x86_32
 *    one, taken by VCPUOP_initialise's compat code (pv32_smp.c).
 *  - XEN_DOMCTL_hypercall_init: the hypercall page written into a frame
 *    of the domain that is nothing else (no page table, no descriptor
 *    frame: a writable type reference is taken for the write); the 32-bit
 *    page (INT $0x82 stubs) for a 32-bit domain.
 *  - XEN_DOMCTL_set_address_size: 32 turns the empty domain into a 32-bit
 *    (compat) one, as Xen's switch_compat: only while it has no memory.
 *  - mmuext_op with foreigndom = the domain: MMUEXT_PIN_L1..L4_TABLE and
 *    MMUEXT_UNPIN_TABLE on its frames, validated in its own frame-type
 *    environment (mm/pgtype.c), as its own pin would be, in batches of
 *    any count, preempted and continued as the guest's own.
 *
 * All three only while the domain is what the builder has in hand: made
 * by XEN_DOMCTL_createdomain (ctl_built), still paused by the controller,
 * and no vCPU of it ever ran (-EBUSY otherwise): its frame types and vCPU
 * state are then nobody else's, and no CPU holds a translation through
 * its tables (the environment's flushes are local ones).  Only a
 * privileged caller gets here (domctl() checks; mmuext_op checks below).
 * No lock of its own: the target's mm_lock around the frame-type work.
 */
#include "pv/pv.h"
#include "pv/pv_emul.h"
#include "core/hypercall.h"
#include "core/domain.h"
#include "core/domcfg.h"
#include "core/guest_access.h"
#include "core/console.h"
#include "mm/mm.h"
#include "lib/compiler.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "core/compat/xlat.h"   /* compat_latch_shinfo */
#include "public/xen.h"

/* The domain as the builder has it, or why not. */
static long builder_owns(struct domain *d)
{
    if (d->type != DOMCFG_PV || !d->cfg->ctl_built || !d->kind_priv)
        return -EINVAL;
    if (!domain_ctl_build_begin(d))
        return -EBUSY;          /* not held paused by the controller, or it was started once */
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        if (READ_ONCE(d->vcpus[i]->ran_on)) {
            domain_ctl_build_end(d);
            return -EBUSY;
        }
    return 0;                   /* with ctl_build_lock held: the caller ends with domain_ctl_build_end */
}

/* The domain's vm_assist types become exactly 'mask' (valid types only:
 * the caller checked), each through the vm_assist hypercall's own path. */
static void set_vm_assist(struct vcpu *t, uint64_t mask)
{
    for (unsigned type = 0; type < 64; type++)
        if ((PV_VMASST_VALID >> type) & 1)
            (void)pv_vm_assist(t, ((mask >> type) & 1) ? VMASST_CMD_enable : VMASST_CMD_disable, type);
}

long pv_ctl_setvcpucontext(struct vcpu *caller, struct domain *d, uint32_t vcpu, uint64_t ctxt)
{
    if (vcpu >= d->nr_vcpus)
        return -EINVAL;
    if (!ctxt)
        return -EINVAL;         /* Xen: a null handle resets the vCPU; not yet */
    /* A 32-bit domain's context is Xen's x86_32 one (as Xen reads the
     * handle's compat form for a 32-bit PV domain). */
    bool compat = pv_is_compat(d);
    size_t len = compat ? PV32_CONTEXT_BYTES : sizeof(struct vcpu_guest_context);
    void *c = xmalloc(len, HEAP_PV);
    if (!c)
        return -ENOMEM;
    /* Read once, before the lock: the checks below and the state set
     * are of this copy only. */
    if (copy_from_guest(caller, c, ctxt, len)) {
        xfree(c);
        return -EFAULT;
    }
    struct pv32_context_fields f32;
    const struct vcpu_guest_context *c64 = c;
    if (compat)
        pv32_context_fields(c, &f32);
    uint64_t assist = compat ? f32.vm_assist : c64->vm_assist;
    uint64_t flags = compat ? f32.flags : c64->flags;
    /* vm_assist: vCPU 0's context gives the domain's whole set (as Xen's
     * arch_set_info_guest); checked before anything changes, applied only
     * once the context is accepted. */
    if (vcpu == 0 && (assist & ~PV_VMASST_VALID)) {
        xfree(c);
        return -EINVAL;
    }
    long rc = builder_owns(d);
    if (rc) {
        xfree(c);
        return rc;
    }
    struct vcpu *t = d->vcpus[vcpu];
    struct pv_domain *pd = d->kind_priv;
    /* Set before the context is checked, as Xen does (m2p_strict shapes how
     * the new L4 is filled); put back as it was if the context is refused. */
    uint64_t old_assist = __atomic_load_n(&pd->emul.vm_assist, __ATOMIC_ACQUIRE);
    if (vcpu == 0)
        set_vm_assist(t, assist);
    /* The target's own vCPU 0 acts: the references go into its domain's
     * environment, any refusal is logged against it.  The 32-bit form
     * through VCPUOP_initialise's compat code (pv32_smp.c). */
    rc = compat ? pv32_vcpu_set_context(d->vcpus[0], t, c) : pv_vcpu_set_context(d->vcpus[0], t, c64);
    if (rc && vcpu == 0)
        set_vm_assist(t, old_assist);
    struct pv_vcpu *tp = t->vendor;
    /* Up: it runs once the controller unpauses the domain (it never ran,
     * so it is not blocked offline yet). */
    if (!rc && (flags & VGCF_online))
        __atomic_store_n(&tp->online, true, __ATOMIC_RELEASE);
    domain_ctl_build_end(d);
    if (!rc)
        domain_log(d, LOG_INFO, "v%u: %scontext set by the control domain (d%u): rip %#lx rsp %#lx cr3 %#lx%s\n",
                   vcpu, compat ? "32-bit " : "", caller->domain->domid,
                   (unsigned long)(compat ? f32.eip : c64->user_regs.rip),
                   (unsigned long)(compat ? f32.esp : c64->user_regs.rsp),
                   (unsigned long)(compat ? f32.cr3 : c64->ctrlreg[3]), (flags & VGCF_online) ? ", online" : "");
    xfree(c);
    return rc;
}

long pv_ctl_hypercall_init(struct domain *d, uint64_t mfn)
{
    long owned = builder_owns(d);
    if (owned)
        return owned;
    struct pv_domain *pd = d->kind_priv;
    struct vcpu *v0 = d->vcpus[0];
    /* A frame the domain owns (not its shared_info or grant frames, which
     * its environment also lets it map), and a writable type reference for
     * the write: refused if it is a page table or descriptor frame now. */
    if (mfn >= pd->env.nr_frames || !frame_get(mfn, d->domid)) {
        domain_ctl_build_end(d);
        return -EINVAL;
    }
    long rc = pv_mmu_get_writable(v0, mfn) ? -EINVAL : 0;
    if (!rc) {
        if (pd->compat)
            pv32_hypercall_page(phys_to_virt(mfn << 12));
        else
            pv_boot_hypercall_page(phys_to_virt(mfn << 12));
        pgt_put_top(&pd->env, mfn);
    }
    frame_put(mfn);
    domain_ctl_build_end(d);
    return rc;
}

/* Xen's switch_compat from the toolstack: size 32 on a PV domain with no
 * memory makes it a 32-bit one for good (its shared_info latched to the
 * x86_32 layout, its frame rules the compat ones, pgt_env.compat); the
 * size it has already is 0; anything else -EINVAL (64 on a 32-bit domain
 * too: Xen has no way back either).  Xen's errno for a domain with memory
 * is -EACCES (a domain the boot path built has its memory); here the
 * domain must moreover be in the builder's hands (builder_owns: -EBUSY
 * once it was started).  shared_info must lie below 4 GiB (start_info's
 * field is 32 bits; Xen moves the page, here it is refused: -ENOMEM). */
long pv_ctl_set_address_size(struct domain *d, uint32_t size)
{
    if (!d->kind_priv)
        return -EINVAL;
    bool is32 = pv_is_compat(d);
    if ((size == 32 && is32) || (size == 64 && !is32))
        return 0;
    if (size != 32)
        return -EINVAL;
    if (!d->cfg->ctl_built)
        return -EACCES;
    long rc = builder_owns(d);
    if (rc)
        return rc;
    struct pv_domain *pd = d->kind_priv;
    /* Under xen_pages_lock: a populate_physmap (pv_foreign.c reserve) either
     * counted its pages before, and the switch is refused, or comes after
     * and populates a 32-bit domain. */
    uint64_t f = spin_lock_irqsave(&d->xen_pages_lock);
    if (d->tot_pages || d->nr_ram || __atomic_load_n(&d->frames_outside_blocks, __ATOMIC_SEQ_CST))
        rc = -EACCES;
    else if (d->shared_info_mfn >> 20)
        rc = -ENOMEM;
    else {
        pd->compat = true;
        compat_latch_shinfo(d, true);
        pv_env_init(d, &pd->env);   /* pgt_env.compat and its hooks (pv_kind.c) */
    }
    spin_unlock_irqrestore(&d->xen_pages_lock, f);
    domain_ctl_build_end(d);
    if (!rc)
        domain_log(d, LOG_INFO, "32-bit PV (compat), set by the control domain\n");
    return rc;
}

uint32_t pv_ctl_address_size(const struct domain *d)
{
    return pv_is_compat(d) ? 32 : 64;
}

/* A foreign pin's frame-type environment: the target's, with a
 * preemption check counted against the calling vCPU (its pv->mmu_checks,
 * as the guest's own MMU hypercalls count theirs).  Owned by the call (on
 * its stack). */
struct foreign_env {
    struct pgt_env pgt;
    struct vcpu *caller;
};

static bool foreign_preempt(const struct pgt_env *p)
{
    return pv_mmu_preempt_check(container_of(p, struct foreign_env, pgt)->caller);
}

/* One foreign operation on the domain the caller builds: a pin of a table
 * of any level the domain's kind has (L1-L4; a 32-bit domain's top is an
 * L3 and it has no L4s), or an unpin.  Validation is preemptible: a pin
 * that stops part-way returns -ERESTART and the same pin issued again
 * continues it (pgt_get_top's partial top-level reference). */
static long foreign_ext_one(struct foreign_env *fe, struct pv_domain *pd, uint16_t dom, const struct mmuext_op *op)
{
    long rc;

    if (op->arg1 >= fe->pgt.nr_frames)
        return -EINVAL;
    spin_lock(&pd->mm_lock);
    switch (op->cmd) {
    case MMUEXT_PIN_L1_TABLE:
    case MMUEXT_PIN_L2_TABLE:
    case MMUEXT_PIN_L3_TABLE:
        rc = pgt_pin(&fe->pgt, dom, op->arg1, op->cmd - MMUEXT_PIN_L1_TABLE + 1, PGT_PREEMPTIBLE);
        break;
    case MMUEXT_PIN_L4_TABLE:
        rc = pd->compat ? -EOPNOTSUPP : pgt_pin(&fe->pgt, dom, op->arg1, 4, PGT_PREEMPTIBLE);
        break;
    case MMUEXT_UNPIN_TABLE:
        rc = pgt_unpin(&fe->pgt, dom, op->arg1);
        break;
    default:
        rc = -EOPNOTSUPP;   /* other operations on another domain: not a builder's */
        break;
    }
    spin_unlock(&pd->mm_lock);
    return rc;
}

/*
 * mmuext_op naming another domain (libxenguest's pins of the tables of a
 * domain it builds or restores): a batch of any count, preempted as the
 * guest's own (pv_mmu_env.c budget, softirqs): between operations after
 * the first, and inside a pin's validation.  A continuation re-enters
 * with count | MMU_UPDATE_PREEMPTED and pdone holding what was done, as
 * mm_hcall.c's; each call checks again that the domain is still the
 * builder's (builder_owns), so nothing carries over between calls but
 * the partial validation the frame itself records.
 */
bool pv_foreign_mmuext(struct vcpu *v, uint64_t a[4], long *ret)
{
    uint16_t fdom = (uint16_t)a[3];
    uint64_t ops = a[0], pdone = a[2];
    uint32_t count = (uint32_t)a[1], done = 0, i = 0;

    if (fdom == DOMID_SELF || fdom == v->domain->domid || !domain_is_privileged(v->domain))
        return false;           /* own frames, or refused by the normal path (-EPERM) */
    if ((uint32_t)a[3] >> 16)
        return false;
    /* A 32-bit caller's entries have another layout (12 bytes): its
     * foreign operations are the normal path's (-EOPNOTSUPP). */
    if (pv_is_compat(v->domain))
        return false;
    if (count & MMU_UPDATE_PREEMPTED) {
        count &= ~MMU_UPDATE_PREEMPTED;
        if (pdone && pv_copy_guest(v, &done, pdone, sizeof(done), false))
            done = 0;
    }
    struct domain *t = domain_get_by_id(fdom);
    if (!t) {
        *ret = -ESRCH;
        return true;
    }
    long rc = t->type == DOMCFG_PV ? builder_owns(t) : -EOPNOTSUPP;
    bool building = !rc;        /* ctl_build_lock held until this call's part is done */
    struct pv_domain *pd = t->kind_priv;
    struct pv_vcpu *pv = v->vendor;
    struct foreign_env fe = { .caller = v };
    if (building) {
        fe.pgt = pd->env;
        fe.pgt.preempt = foreign_preempt;
    }
    pv->mmu_checks = 1;
    for (; !rc && i < count; i++) {
        /* The first operation of every call is done (or continued), so
         * each call makes progress. */
        if (i && pv_mmu_preempt_check(v)) {
            rc = -ERESTART;
            break;
        }
        struct mmuext_op op;
        if (pv_copy_guest(v, &op, ops + (uint64_t)i * sizeof(op), sizeof(op), false)) {
            rc = -EFAULT;
            break;
        }
        rc = foreign_ext_one(&fe, pd, t->domid, &op);
        if (rc)
            break;
    }
    pv->mmu_checks = 0;
    if (building)
        domain_ctl_build_end(t);
    domain_put(t);
    if (rc == -ERESTART) {
        /* Operation i (a pin whose validation stopped, or the next one)
         * runs again first. */
        a[0] = ops + (uint64_t)i * sizeof(struct mmuext_op);
        a[1] = (count - i) | MMU_UPDATE_PREEMPTED;
    }
    if (pdone) {
        done += i;
        (void)pv_copy_guest(v, &done, pdone, sizeof(done), true);
    }
    *ret = rc;
    return true;
}
