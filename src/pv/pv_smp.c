/*
 * Secondary vCPUs of 64-bit PV domains (docs/pv.md "Secondary vCPUs"):
 * VCPUOP_initialise with a struct vcpu_guest_context (x86_64 layout,
 * public/arch-x86/xen.h), then VCPUOP_up, as a PV kernel brings up its
 * other CPUs on Xen.  Every field the vCPU will run with is checked here:
 * the base pointer must validate as an L4 (a base-pointer reference is
 * taken, as NEW_BASEPTR takes it), instruction and stack pointers,
 * callbacks, trap handlers and segment bases canonical and outside the
 * hypervisor's range.  The GDT (gdt_frames/gdt_ents, as Linux passes them)
 * is taken as set_gdt takes it, the LDT as MMUEXT_SET_LDT checks it; CS/SS
 * and the data selectors may name them (checked against the descriptors
 * before the first entry, pv_seg.c).  The user L4 (ctrlreg[1]), kernel_ss/
 * kernel_sp and gs_base_user are kept for the vCPU's user mode.  What the
 * vCPU cannot use yet is refused rather than ignored: a context in user
 * mode (VGCF_in_kernel clear).  VCPUOP_down / VCPUOP_up / VCPUOP_is_up:
 * the vCPU's 'online' flag.
 *
 * And the domain's mm_lock (pv.h) that makes the hypervisor's guest-memory
 * copies safe once several vCPUs run.
 */
#include "pv/pv.h"
#include "core/domain.h"
#include "core/hypercall.h"
#include "core/console.h"
#include "core/sched.h"
#include "mm/mm.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "public/vcpu.h"

/* ---- the domain's mm_lock ---- */

bool pv_mm_lock(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;

    if (pv->mm_locked)
        return false;       /* inside this vCPU's MMU hypercall: held already */
    spin_lock(&((struct pv_domain *)v->domain->kind_priv)->mm_lock);
    return true;
}

void pv_mm_unlock(struct vcpu *v, bool took)
{
    if (took)
        spin_unlock(&((struct pv_domain *)v->domain->kind_priv)->mm_lock);
}

/* vcpu_guest_context, x86_64: public/arch-x86_64.h. */

static bool guest_addr_ok(uint64_t va)
{
    return pv_canonical(va) && !(va >= HYPERVISOR_VIRT_START && va < HYPERVISOR_VIRT_END);
}

/* The checks of the context, before anything is taken: a short reason, or
 * NULL. */
static const char *context_problem(const struct vcpu_guest_context *c)
{
    const struct cpu_user_regs *r = &c->user_regs;

    if (!(c->flags & VGCF_in_kernel))
        return "user mode";                 /* no user mode for PV yet */
    /* Selectors: the hypervisor's own ring-0 ones never (the guest's are
     * checked against its descriptors at the first entry, pv_seg.c). */
    if (((r->cs | 3) >= 0xe000 && (r->cs | 3) != FLAT_RING3_CS64 && (r->cs | 3) != FLAT_RING3_CS32) ||
        ((r->ss | 3) >= 0xe000 && (r->ss | 3) != FLAT_RING3_SS64) || !(r->cs & ~3) || !(r->ss & ~3))
        return "selectors";
    if (!guest_addr_ok(r->rip) || !guest_addr_ok(r->rsp) || !guest_addr_ok(c->kernel_sp))
        return "rip/rsp";
    if (c->gdt_ents > PV_GDT_MAX_ENTRIES)
        return "gdt";
    if (c->ldt_ents > PV_LDT_MAX_ENTRIES || (c->ldt_ents && ((c->ldt_base & 0xfff) ||
        !pv_guest_range_ok(c->ldt_base, c->ldt_ents * 8))))
        return "ldt";                       /* as MMUEXT_SET_LDT */
    if (!guest_addr_ok(c->event_callback_eip) || !guest_addr_ok(c->failsafe_callback_eip) ||
        !guest_addr_ok(c->syscall_callback_eip) || !guest_addr_ok(c->fs_base) ||
        !guest_addr_ok(c->gs_base_kernel) || !guest_addr_ok(c->gs_base_user))
        return "callback or segment base";
    for (unsigned i = 0; i < 256; i++) {
        const struct trap_info *t = &c->trap_ctxt[i];
        /* The selector is not checked, as set_trap_table (pv_vcpu.c) and
         * Xen for a 64-bit guest: bounces always use FLAT_KERNEL_CS (set
         * when copied below), and Linux names its __KERNEL_CS 0x10. */
        if (t->address && !guest_addr_ok(t->address))
            return "trap table";
    }
    if (!c->ctrlreg[3] || (c->ctrlreg[3] & 0xfff) || (c->ctrlreg[1] & 0xfff))
        return "cr3";                       /* ctrlreg[1]: the user L4 (0: none), as NEW_USER_BASEPTR */
    return NULL;
}

/* The steps VCPUOP_initialise shares for 64-bit and 32-bit contexts once
 * the context is read: a refused one (why != NULL) is -EINVAL, logged for
 * the first few (a kernel typically BUG()s on it; a guest repeating it
 * does not flood the log); then the target is claimed once (Xen: -EEXIST
 * for an initialised vCPU), the flag first so that two callers cannot
 * both fill it. */
long pv_init_check_claim(struct vcpu *v, struct vcpu *t, const char *why, const char *tag)
{
    struct pv_vcpu *tp = t->vendor;

    if (why) {
        struct pv_vcpu *cp = v->vendor;
        if (++cp->nr_init_refused <= 4)
            domain_log(v->domain, LOG_WARN, "v%u: %s: VCPUOP_initialise for v%u refused: %s\n", v->vcpu_id, tag,
                       t->vcpu_id, why);
        return -EINVAL;
    }
    if (__atomic_exchange_n(&tp->initialised, true, __ATOMIC_ACQ_REL))
        return -EEXIST;
    return 0;
}

static long initialise(struct vcpu *v, struct vcpu *t, uint64_t arg)
{
    struct vcpu_guest_context *c = xmalloc(sizeof(*c), HEAP_PV);
    long rc;

    if (!c)
        return -ENOMEM;
    rc = pv_copy_guest(v, c, arg, sizeof(*c), false) ? -EFAULT : pv_vcpu_set_context(v, t, c);
    xfree(c);
    return rc;
}

/* VCPUOP_initialise's body, shared with XEN_DOMCTL_setvcpucontext
 * (pv_ctl.c, which passes the target's own vCPU 0 as v: every reference
 * is then taken in the target's environment). */
long pv_vcpu_set_context(struct vcpu *v, struct vcpu *t, const struct vcpu_guest_context *c)
{
    struct pv_vcpu *tp = t->vendor;
    long rc = pv_init_check_claim(v, t, context_problem(c), "pv");
    if (rc)
        goto out;
    /* The GDT first (a failed one leaves nothing taken: set_gdt's rule);
     * a later failure leaves it with the offline vCPU, replaced by the
     * next initialise or dropped at teardown. */
    if (pv_mmu_set_gdt_of(v, t, c->gdt_frames, c->gdt_ents)) {
        __atomic_store_n(&tp->initialised, false, __ATOMIC_RELEASE);
        rc = -EINVAL;
        goto out;
    }
    uint64_t l4 = c->ctrlreg[3] >> 12, user_l4 = c->ctrlreg[1] >> 12;
    if (pv_mmu_get_base(v, l4)) {
        __atomic_store_n(&tp->initialised, false, __ATOMIC_RELEASE);
        rc = -EINVAL;
        goto out;
    }
    /* The user L4 (Linux's cpu_initialize_context passes its user page
     * tables here): the same reference as NEW_USER_BASEPTR takes; the
     * kernel one is dropped again if it is refused. */
    if (user_l4 && pv_mmu_get_base(v, user_l4)) {
        pgt_put_top(&((struct pv_domain *)v->domain->kind_priv)->env, l4);
        __atomic_store_n(&tp->initialised, false, __ATOMIC_RELEASE);
        rc = -EINVAL;
        goto out;
    }
    /* The vCPU is offline (it runs nothing until VCPUOP_up): its state is
     * written here, published by VCPUOP_up's release store. */
    const struct cpu_user_regs *r = &c->user_regs;
    struct cpu_regs *x = &tp->ctx;
    memset(x, 0, sizeof(*x));
    x->r15 = r->r15, x->r14 = r->r14, x->r13 = r->r13, x->r12 = r->r12, x->rbp = r->rbp, x->rbx = r->rbx;
    x->r11 = r->r11, x->r10 = r->r10, x->r9 = r->r9, x->r8 = r->r8, x->rax = r->rax, x->rcx = r->rcx;
    x->rdx = r->rdx, x->rsi = r->rsi, x->rdi = r->rdi;
    x->rip = r->rip;
    x->rsp = r->rsp;
    x->cs = r->cs | 3;
    x->ss = r->ss | 3;
    tp->mmu.ldt_base = c->ldt_ents ? c->ldt_base : 0;
    tp->mmu.ldt_ents = (unsigned)c->ldt_ents;
    tp->seg.ds = r->ds, tp->seg.es = r->es, tp->seg.fs = r->fs, tp->seg.gs = r->gs;
    tp->seg.stale = true;
    x->rflags = (r->rflags & 0x240dd5u) | 0x202;    /* as pv_vcpu.c's guest_rflags */
    /* The context's RFLAGS.IOPL is the vCPU's virtual IOPL (what
     * PHYSDEVOP_set_iopl sets), as Xen takes it: Linux passes IOPL 1 so
     * that its kernel on the new vCPU may do port I/O (it #GP'd without). */
    tp->emul.iopl = (uint8_t)((r->rflags >> 12) & 3);
    tp->mmu.base = l4;
    tp->mmu.user_base = user_l4;
    bool took = pv_mm_lock(v);
    pv_m2p_strict_bases(t);                     /* VMASST m2p_strict (pv_m2p.c) */
    pv_mm_unlock(v, took);
    /* The kernel stack a bounce from user mode switches to (stack_switch's
     * pair, pv_user.c) and the user GS base, SWAPGS's other one in kernel
     * mode. */
    tp->kernel_ss = (uint16_t)c->kernel_ss | 3;
    tp->kernel_sp = c->kernel_sp;
    tp->gs_base_inactive = c->gs_base_user;
    memset(tp->traps, 0, sizeof(tp->traps));
    for (unsigned i = 0; i < 256; i++)
        if (c->trap_ctxt[i].address) {
            tp->traps[i] = c->trap_ctxt[i];
            tp->traps[i].vector = (uint8_t)i;
            tp->traps[i].cs = FLAT_KERNEL_CS;
        }
    tp->event_cb = c->event_callback_eip;
    tp->failsafe_cb = c->failsafe_callback_eip;
    tp->syscall_cb = c->syscall_callback_eip;
    tp->fs_base = c->fs_base;
    tp->gs_base = c->gs_base_kernel;
    /* Complete: VCPUOP_up (another vCPU, maybe concurrently) may start it. */
    __atomic_store_n(&tp->ready, true, __ATOMIC_RELEASE);
    rc = 0;
out:
    return rc;
}

/* VCPUOP_down, as Xen: the vCPU stops running until VCPUOP_up; taking
 * down the last vCPU that is up shuts the domain down (poweroff).  The
 * check and the change under the domain's mm_lock, so that two vCPUs
 * taking each other down at once cannot leave none up.  A vCPU taken down
 * blocks at its run loop's next check (pv_vcpu.c); another vCPU's is made
 * to leave the guest now (the pause/unpause pair kicks its CPU) or, if it
 * was blocked, woken once to reach that check. */
static long vcpu_down(struct vcpu *v, struct vcpu *t)
{
    struct domain *d = v->domain;
    struct pv_vcpu *tp = t->vendor;
    bool others = false;

    bool took = pv_mm_lock(v);
    for (unsigned i = 0; i < d->nr_vcpus && !others; i++) {
        struct vcpu *o = d->vcpus[i];
        struct pv_vcpu *op = o ? o->vendor : NULL;
        others = o != t && op && __atomic_load_n(&op->online, __ATOMIC_ACQUIRE);
    }
    if (others)
        __atomic_store_n(&tp->online, false, __ATOMIC_RELEASE);
    pv_mm_unlock(v, took);
    if (!others) {
        domain_log(d, LOG_INFO, "v%u: pv: VCPUOP_down of v%u, the last vCPU up: the domain powers off\n",
                   v->vcpu_id, t->vcpu_id);
        domain_shutdown(d, SHUTDOWN_poweroff);
        return 0;
    }
    if (t != v) {
        /* Out of the guest now if it runs; through its run loop's check
         * once more if it was blocked (it then blocks as down, its
         * runstate offline). */
        sched_pause_vcpu(t);
        sched_unpause_vcpu(t);
        sched_wake(t);
    }
    return 0;
}

bool pv_vcpu_op(struct vcpu *v, unsigned cmd, struct vcpu *t, uint64_t arg, long *ret)
{
    if (v->domain->type != DOMCFG_PV)
        return false;
    struct pv_vcpu *tp = t->vendor;

    if (pv_nmi_vcpu_op(v, cmd, t, arg, ret))
        return true;        /* VCPUOP_send_nmi */
    switch (cmd) {
    case VCPUOP_initialise:
        *ret = initialise(v, t, arg);
        return true;
    case VCPUOP_up: {
        /* Xen: -EINVAL for a vCPU never initialised.  A vCPU taken down
         * resumes where it stopped (after its VCPUOP_down if it took
         * itself down). */
        if (!__atomic_load_n(&tp->ready, __ATOMIC_ACQUIRE)) {
            *ret = -EINVAL;
            return true;
        }
        bool took = pv_mm_lock(v);
        bool was = __atomic_exchange_n(&tp->online, true, __ATOMIC_ACQ_REL);
        pv_mm_unlock(v, took);
        if (!was)
            sched_wake(t);
        *ret = 0;
        return true;
    }
    case VCPUOP_down:
        *ret = vcpu_down(v, t);
        return true;
    case VCPUOP_is_up:
        *ret = __atomic_load_n(&tp->online, __ATOMIC_ACQUIRE);
        return true;
    default:
        return false;
    }
}
