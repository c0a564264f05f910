/*
 * The 64-bit PV vCPU (docs/pv.md "The PV vCPU"): the guest kernel runs in
 * ring 3 on its own validated page tables; every exception, interrupt or
 * SYSCALL brings the CPU back here (entry.S), where it is an interrupt for
 * the hypervisor, a hypercall, or an exception that is bounced to the
 * guest's handler from set_trap_table.
 *
 * Everything in the vCPU's saved frame is guest-controlled (registers the
 * guest had, iret frames it wrote, trap-table entries): before each IRETQ
 * the frame is checked so that IRETQ itself cannot fault in ring 0 (flat
 * ring-3 selectors only, canonical RIP and RSP, RFLAGS with IF set and
 * IOPL 0).  A guest value that breaks the rules crashes that domain.
 */
#include "pv/pv.h"
#include "pv/pv_user.h"
#include "core/domain.h"
#include "core/vcpu_fpu.h"
#include "core/domain_kind.h"
#include "core/guest_access.h"
#include "core/console.h"
#include "core/hypercall.h"
#include "core/percpu.h"
#include "core/sched.h"
#include "core/softirq.h"
#include "core/time_info.h"
#include "arch/x86/asm.h"
#include "mm/mm.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "public/vcpu.h"
#include "public/sched.h"
#include "public/callback.h"
#include "public/memory.h"
#include "hvm/hvm.h"            /* HVM_EXIT_*: the exit counters core/ and the hang report share */

#define RF_CF   0x1u
#define RF_IF   0x200u
#define RF_TF   0x100u
#define RF_NT   0x4000u
#define RF_RF   0x10000u
/* What a ring-3 guest may have in RFLAGS: the arithmetic flags, TF, DF,
 * OF, AC, ID and RF.  IF is always set in the real RFLAGS (the guest's
 * interrupt flag is its upcall mask), IOPL 0, no NT/VM/VIF/VIP.  RF
 * (resume: instruction breakpoints do not fire for the next instruction)
 * is the guest's: a handler of an instruction breakpoint returns with it
 * set, or the breakpoint fires again forever (pv_emul.c's debug
 * registers); it cannot make IRETQ fault. */
#define RF_GUEST_BITS 0x250dd5u

/* ---- Guest memory through the guest's own page tables ------------------ */

int pv_gva_to_maddr(struct vcpu *v, uint64_t gva, bool write, uint64_t *maddr)
{
    struct pv_vcpu *pv = v->vendor;
    /* Always the kernel's tables, also in user mode: the hypervisor's own
     * accesses (hypercall arguments, bounce frames, the runstate area) use
     * kernel addresses, as Xen's do (it switches to the kernel's tables for
     * them). */
    uint64_t mfn = READ_ONCE(pv->mmu.base);

    __atomic_fetch_add(&pv->perf.walks, 1, __ATOMIC_RELAXED);
    if (pv->compat_l4)
        return pv32_gva_to_maddr(v, gva, write, maddr);
    if (!mfn || !pv_canonical(gva) || (gva >= HYPERVISOR_VIRT_START && gva < HYPERVISOR_VIRT_END))
        return -EFAULT;
    /* The tables are validated (mm/pgtype.c): every entry names a frame of
     * the domain and no level has PS.  The guest may change an entry
     * concurrently only through the MMU hypercalls; each entry is read
     * once. */
    for (unsigned level = 4; level >= 1; level--) {
        const uint64_t *t = phys_to_virt(mfn << 12);
        uint64_t e = __atomic_load_n(&t[(gva >> (12 + 9 * (level - 1))) & 511], __ATOMIC_RELAXED);
        if (!(e & PTE_P) || !(e & PTE_US) || (write && !(e & PTE_RW)) || (level > 1 && (e & PTE_PS)))
            return -EFAULT;
        mfn = (e & PTE_ADDR) >> 12;
    }
    /* The initial domain's device and firmware frames are outside the
     * hypervisor's direct map (and device memory is no place for
     * hypercall arguments): the hypervisor never reaches them for it. */
    if (domain_is_privileged(v->domain) && pv_dom0_io_frame(mfn))
        return -EFAULT;
    *maddr = (mfn << 12) | (gva & 0xfff);
    return 0;
}

int pv_copy_guest(struct vcpu *v, void *buf, uint64_t gva, size_t len, bool to_guest)
{
    uint8_t *b = buf;
    /* The walk and the copy under the domain's mm_lock: no other vCPU
     * retypes a frame in between (pv.h). */
    bool took = pv_mm_lock(v);

    while (len) {
        uint64_t ma;
        size_t n = MIN(len, 4096 - (gva & 0xfff));
        if (pv_gva_to_maddr(v, gva, to_guest, &ma)) {
            pv_mm_unlock(v, took);
            return -EFAULT;
        }
        if (to_guest)
            memcpy(phys_to_virt(ma), b, n);
        else
            memcpy(b, phys_to_virt(ma), n);
        b += n;
        gva += n;
        len -= n;
    }
    pv_mm_unlock(v, took);
    return 0;
}

/* ---- Start of day ------------------------------------------------------- */

void pv_vcpu_init_boot(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    struct pv_domain *pd = v->domain->kind_priv;

    if (pd->compat) {
        pv32_vcpu_init_boot(v);     /* ring 1, the per-vCPU L4 (pv32.c) */
        return;
    }
    memset(&pv->ctx, 0, sizeof(pv->ctx));
    pv->ctx.rip = pd->entry;
    pv->ctx.rsp = pd->stack_top;
    pv->ctx.rsi = pd->start_info_va;
    pv->ctx.rflags = RF_IF | 2;
    pv->ctx.cs = FLAT_KERNEL_CS;
    pv->ctx.ss = FLAT_KERNEL_SS;
    /* CR3: a base pointer of its own (the pin is another), one general and
     * one type reference exactly as pgt_get_top takes them, so that
     * NEW_BASEPTR (pv/mm_hcall.c, pgt_put_top) and teardown drop what was
     * taken.  The builder validated the L4, so this only counts. */
    if (pgt_get_top(&pd->env, v->domain->domid, pd->l4_mfn, FRAME_TYPE_PT_L4, 0) == 0)
        pv->mmu.base = pd->l4_mfn;
    pv->online = pv->mmu.base != 0;
    pv->initialised = pv->ready = true;
}

/* ---- Checks before IRETQ ------------------------------------------------- */

/* The frame IRETQ will load: only Xen's flat ring-3 selectors (the only
 * DPL-3 descriptors in the GDT; no guest GDT yet), canonical RIP/RSP, a
 * 32-bit RIP below 4 GiB for the 32-bit code segment.  Anything else
 * would fault inside IRETQ, in ring 0, with the guest's GS base. */
static const char *frame_problem(struct vcpu *v, const struct cpu_regs *c)
{
    /* Guest GDT/LDT selectors: their descriptors decide (pv_seg.c). */
    if ((c->cs != FLAT_RING3_CS64 && c->cs != FLAT_RING3_CS32) || c->ss != FLAT_RING3_SS64)
        return pv_seg_frame_problem(v, c);
    if (!pv_canonical(c->rip) || (c->cs == FLAT_RING3_CS32 && c->rip >> 32))
        return "instruction pointer";
    if (!pv_canonical(c->rsp))
        return "stack pointer";
    return NULL;
}

static uint64_t guest_rflags(uint64_t f)
{
    return (f & RF_GUEST_BITS) | RF_IF | 2;
}

/* ---- Exceptions: bounce to the guest's handler -------------------------- */

/* Shared with the 32-bit bounces (pv32.c), declared in pv.h. */
const char *const pv_exc_short[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#09", "#TS", "#NP", "#SS", "#GP",
    "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23", "#24", "#25", "#26", "#27",
    "#HV", "#VC", "#SX", "#31",
};

bool pv_exc_has_error_code(unsigned vec)
{
    return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30;
}

/*
 * Delivers to the guest kernel's handler at 'target' the frame Xen builds
 * for a 64-bit PV kernel (public/arch-x86_64.h): RCX, R11, [error code],
 * RIP, CS (saved upcall mask in bits 32-39), RFLAGS (IF = events were
 * enabled), RSP, SS, from the lowest address, on the kernel's stack
 * aligned to 16.  mask_events: the upcall mask is set for the handler.
 * False: the domain was crashed (the frame could not be written).
 */
static bool bounce(struct vcpu *v, uint64_t target, bool with_err, uint64_t err, bool mask_events,
                   const char *what)
{
    struct pv_vcpu *pv = v->vendor;
    struct cpu_regs *c = &pv->ctx;
    struct vcpu_info *vi = v->vcpu_info;
    uint8_t mask = __atomic_load_n(&vi->evtchn_upcall_mask, __ATOMIC_RELAXED);
    uint64_t frame[8], base_sp, frame_cs;
    unsigned n = 0;

    pv_user_bounce_enter(v, &base_sp, &frame_cs);   /* from user mode: kernel mode, stack_switch's stack */
    frame[n++] = c->rcx;
    frame[n++] = c->r11;
    if (with_err)
        frame[n++] = err;
    frame[n++] = c->rip;
    frame[n++] = frame_cs | (uint64_t)mask << 32;
    frame[n++] = (c->rflags & ~(uint64_t)RF_IF) | (mask ? 0 : RF_IF);
    frame[n++] = c->rsp;
    frame[n++] = c->ss;
    uint64_t sp = (base_sp & ~15ull) - n * 8;
    if (pv_copy_guest(v, frame, sp, n * 8, true)) {
        domain_crash(v->domain, "v%u: pv: %s at %#lx: cannot write the frame at %#lx on the guest stack",
                     v->vcpu_id, what, (unsigned long)c->rip, (unsigned long)sp);
        return false;
    }
    if (mask_events)
        __atomic_store_n(&vi->evtchn_upcall_mask, 1, __ATOMIC_RELAXED);
    c->rip = target;
    c->cs = FLAT_KERNEL_CS;
    c->ss = FLAT_KERNEL_SS;
    c->rsp = sp;
    c->rflags &= ~(uint64_t)(RF_TF | RF_NT | RF_RF);
    return true;
}

bool pv_bounce_to(struct vcpu *v, uint64_t target, bool with_err, uint64_t err, bool mask_events, const char *what)
{
    return bounce(v, target, with_err, err, mask_events, what);
}

/* Exception vec to the handler from set_trap_table; none: the domain
 * crashes (Xen's behaviour for a kernel without one). */
static bool bounce_exception(struct vcpu *v, unsigned vec, uint64_t err)
{
    struct pv_vcpu *pv = v->vendor;
    const struct trap_info *ti = &pv->traps[vec];

    if (!ti->address) {
        if (vec == 14)
            domain_log(v->domain, LOG_ERR, "v%u: pv: #PF cr2 %#lx\n", v->vcpu_id, (unsigned long)pv->cr2);
        domain_crash(v->domain, "v%u: pv: unhandled %s (error %#lx) at %#lx, rsp %#lx: no trap handler registered",
                     v->vcpu_id, pv_exc_short[vec], (unsigned long)err, (unsigned long)pv->ctx.rip,
                     (unsigned long)pv->ctx.rsp);
        return false;
    }
    if (vec == 14) {
        /* CR2 goes through vcpu_info; the error code says "kernel" for the
         * guest kernel, which the CPU saw as a user access. */
        v->vcpu_info->arch.cr2 = pv->cr2;
        if (!pv_user_mode(v))
            err &= ~4ull;
    }
    pv->nr_bounces++;
    v->exits_by_reason[HVM_EXIT_EXCEPTION]++;
    return bounce(v, ti->address, pv_exc_has_error_code(vec), err, ti->flags & TI_EVENTS_OFF, pv_exc_short[vec]);
}

bool pv_bounce_exc(struct vcpu *v, unsigned vec, uint64_t err)
{
    return bounce_exception(v, vec, err);
}

/* An event upcall is due: pending, not masked, a callback registered. */
static bool event_due(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    struct vcpu_info *vi = v->vcpu_info;

    return pv->event_cb && __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_ACQUIRE) &&
           !__atomic_load_n(&vi->evtchn_upcall_mask, __ATOMIC_ACQUIRE);
}

/* ---- PV-only hypercalls --------------------------------------------------- */

/* set_trap_table(table): entries up to the first with address 0, at most
 * 256 of them before it (one per vector; a longer list is refused with
 * what came before it applied, as Xen applies entries as it reads them).
 * A NULL table clears every handler. */
long pv_set_trap_table(struct vcpu *v, uint64_t table)
{
    if (v->domain->type != DOMCFG_PV)
        return -ENOSYS;
    struct pv_vcpu *pv = v->vendor;
    if (!table) {
        memset(pv->traps, 0, sizeof(pv->traps));
        return 0;
    }
    for (unsigned i = 0; i <= 256; i++) {
        struct trap_info t;
        if (pv_copy_guest(v, &t, table + i * sizeof(t), sizeof(t), false))
            return -EFAULT;
        if (!t.address)
            return 0;
        if (i == 256)
            break;
        /* The selector is not checked, as Xen does for a 64-bit guest
         * (it only raises the RPL): every bounce enters the handler on
         * FLAT_KERNEL_CS whatever the entry says, and Linux names its own
         * __KERNEL_CS (0x10) here.  The address must be one the guest
         * could run. */
        if (!pv_canonical(t.address) || (t.address >= HYPERVISOR_VIRT_START && t.address < HYPERVISOR_VIRT_END))
            return -EINVAL;
        t.cs = FLAT_KERNEL_CS;
        pv->traps[t.vector] = t;
    }
    return -EINVAL;
}

/* set_callbacks(event, failsafe, syscall): the 64-bit form.  0 leaves a
 * callback unset.  The event and syscall callbacks are used (pv_user.c);
 * the failsafe one comes with guest segment loading.  As registrations
 * without flags, events stay enabled in the failsafe and syscall
 * callbacks (Xen clears their "disables events" flags here). */
long pv_set_callbacks(struct vcpu *v, uint64_t event, uint64_t failsafe, uint64_t syscall)
{
    if (v->domain->type != DOMCFG_PV)
        return -ENOSYS;
    struct pv_vcpu *pv = v->vendor;
    const uint64_t a[3] = { event, failsafe, syscall };
    for (unsigned i = 0; i < 3; i++)
        if (!pv_canonical(a[i]) || (a[i] >= HYPERVISOR_VIRT_START && a[i] < HYPERVISOR_VIRT_END))
            return -EINVAL;
    pv->event_cb = event;
    pv->failsafe_cb = failsafe;
    pv->syscall_cb = syscall;
    pv->callback_flags[CALLBACKTYPE_failsafe] = 0;
    pv->callback_flags[CALLBACKTYPE_syscall] = 0;
    return 0;
}

/* callback_op: CALLBACKOP_register / _unregister of the 64-bit kinds.  The
 * event and syscall callbacks are used now (CALLBACKF_mask_events of the
 * syscall one too); failsafe, syscall32 and sysenter are recorded (flags
 * too); NMI: pv_nmi.c.  Other types -EINVAL. */
long pv_callback_op(struct vcpu *v, unsigned cmd, uint64_t arg)
{
    if (v->domain->type != DOMCFG_PV)
        return -ENOSYS;
    struct pv_vcpu *pv = v->vendor;
    struct callback_register r;
    uint64_t *slot;

    if (cmd == CALLBACKOP_register) {
        if (copy_from_guest(v, &r, arg, sizeof(r)))
            return -EFAULT;
    } else if (cmd == CALLBACKOP_unregister) {
        struct callback_unregister u;
        if (copy_from_guest(v, &u, arg, sizeof(u)))
            return -EFAULT;
        r.type = u.type;
        r.flags = 0;
        r.address = 0;
    } else {
        return -ENOSYS;
    }
    if (r.type == CALLBACKTYPE_nmi)
        return pv_nmi_register(v, r.address);   /* pv_nmi.c; unregister: address 0 */
    switch (r.type) {
    case CALLBACKTYPE_event:     slot = &pv->event_cb; break;
    case CALLBACKTYPE_failsafe:  slot = &pv->failsafe_cb; break;
    case CALLBACKTYPE_syscall:   slot = &pv->syscall_cb; break;
    case CALLBACKTYPE_syscall32: slot = &pv->syscall32_cb; break;
    case CALLBACKTYPE_sysenter:  slot = &pv->sysenter_cb; break;
    default:
        return -EINVAL;
    }
    if (!pv_canonical(r.address) || (r.address >= HYPERVISOR_VIRT_START && r.address < HYPERVISOR_VIRT_END))
        return -EINVAL;
    *slot = r.address;
    if (r.type != CALLBACKTYPE_event)
        pv->callback_flags[r.type & 7] = r.flags;
    return 0;
}

/* The iret hypercall: the guest's RSP points at struct iret_context (its
 * hypercall stub pushed RAX, R11, RCX above its own frame).  Restores the
 * frame after the checks and the upcall mask from RFLAGS.IF.  False: the
 * domain was crashed. */
static bool pv_iret(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    struct cpu_regs *c = &pv->ctx;
    struct iret_context ic;
    struct cpu_regs n;

    if (pv_copy_guest(v, &ic, c->rsp, sizeof(ic), false)) {
        domain_crash(v->domain, "v%u: pv: iret: cannot read the frame at %#lx", v->vcpu_id, (unsigned long)c->rsp);
        return false;
    }
    n = *c;
    n.rax = ic.rax;
    if (!(ic.flags & VGCF_in_syscall)) {
        n.r11 = ic.r11;
        n.rcx = ic.rcx;
    }
    n.rip = ic.rip;
    /* The selector is the low 16 bits: bits 32-39 of the CS slot carry the
     * saved upcall mask of the bounce frame (RFLAGS.IF decides the mask
     * now).  RPL 0 means the kernel's own selector, as on Xen. */
    n.cs = (uint16_t)ic.cs | 3;
    n.ss = (uint16_t)ic.ss | 3;
    n.rsp = ic.rsp;
    n.rflags = guest_rflags(ic.rflags);
    pv_user_iret_syscall(&n, ic.flags);  /* VGCF_in_syscall: RCX/R11 as SYSRET leaves them */
    const char *bad = frame_problem(v, &n);
    if (bad)    /* as Xen: the IRETQ would fault, the guest takes it (pv_user.c) */
        return pv_user_iret_fault(v, &n, &ic, bad);
    if (!pv_user_iret(v, ic.cs))     /* RPL 3: into user mode */
        return false;
    *c = n;
    __atomic_store_n(&v->vcpu_info->evtchn_upcall_mask, (ic.rflags & RF_IF) ? 0 : 1, __ATOMIC_RELAXED);
    pv_nmi_iret(v);     /* an NMI handler's mask ends here (pv_nmi.c) */
    return true;
}

/* One hypercall other than iret: through the MMU calls, the PV rules in
 * front of the shared table, then the table.  a[] in; on -ERESTART the
 * arguments to issue it again with (multicall entries use this too). */
long pv_hypercall_one(struct vcpu *v, uint64_t nr, uint64_t a[HYPERCALL_NR_ARGS])
{
    long ret;

    if (pv_mmu_hypercall(v, nr, a, &ret)) {
        pv_seg_mmu_call(v, nr, ret);    /* descriptors may have changed: copied again before the next entry */
        return ret;
    }
    switch (nr) {
    case __HYPERVISOR_multicall:
        ret = pv_multicall(v, a);
        break;
    case __HYPERVISOR_hvm_op:
        /* Only the control domain's parameters of another domain
         * (pv_foreign.c); nothing of HVMOP applies to a PV domain itself. */
        ret = pv_foreign_hvm_op(v, (unsigned)a[0], a[1]);
        break;
    case __HYPERVISOR_memory_op:
        /* The sub-ops that change a guest-physical map work on the HVM p2m,
         * which a PV domain does not use (its frames are machine frames
         * named by its own page tables): refused until they have their PV
         * meaning.  The read-only ones (reservations, memory map) pass. */
        if (pv_reservation_op(v, a, &ret) ||     /* by MFN (pv_memory.c) */
            pv_m2p_memory_op(v, (unsigned)a[0], a[1], &ret) || pv_time_memory_op(v, (unsigned)a[0], a[1], &ret) ||
            pv_dom0_memory_op(v, (unsigned)a[0], a[1], &ret))
            break;
        switch ((unsigned)a[0]) {
        case XENMEM_exchange:               /* by MFN (pv_exchange.c) */
            ret = pv_mem_exchange(v, a[1], false);
            break;
        case XENMEM_acquire_resource:       /* MFNs of another domain's grant table (pv_exchange.c) */
            ret = pv_acquire_resource(v, a[1]);
            break;
        case XENMEM_add_to_physmap:
        case XENMEM_remove_from_physmap:
        case XENMEM_add_to_physmap_batch:
            ret = -ENOSYS;
            break;
        default:
            ret = hypercall_call(v, nr, a, false);
            break;
        }
        break;
    case __HYPERVISOR_sched_op:
        /* A PV kernel blocks with events masked and expects SCHEDOP_block
         * to enable them (Xen: "enable event delivery, then block"), so
         * that the event which wakes it is delivered on return. */
        if ((unsigned)a[0] == SCHEDOP_block)
            __atomic_store_n(&v->vcpu_info->evtchn_upcall_mask, 0, __ATOMIC_SEQ_CST);
        ret = hypercall_call(v, nr, a, false);
        break;
    default:
        ret = hypercall_call(v, nr, a, false);
        break;
    }
    return ret;
}

/* SYSCALL from the guest kernel: a hypercall, 64-bit ABI (RAX number,
 * RDI RSI RDX R10 R8).  The CPU left RIP in RCX and RFLAGS in R11, which
 * are the return point (the SYSRET convention). */
static bool pv_hypercall(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    struct cpu_regs *c = &pv->ctx;
    uint64_t nr = c->rax, a[HYPERCALL_NR_ARGS] = { c->rdi, c->rsi, c->rdx, c->r10, c->r8 };
    long ret;

    pv->nr_hypercalls++;
    /* The hang report's progress signature (hvm/hvm_dump.c) counts these. */
    v->exits_by_reason[HVM_EXIT_HYPERCALL]++;
    /* Its cost by number too (hvm/exit_stats.c, pv_account_exit below). */
    v->xstats.pv_kind = PVX_HYPERCALL;
    v->last_hc = (uint8_t)(nr < VCPU_HC_SLOTS ? nr : VCPU_HC_SLOTS - 1);
    if (nr == __HYPERVISOR_iret)
        return pv_iret(v);
    ret = pv_hypercall_one(v, nr, a);
    if (ret == -ERESTART) {
        /* A continuation: the guest issues the same call again with the
         * rewritten arguments, without knowing (SYSCALL is 0F 05; RIP, the
         * CPU's RCX, is after it). */
        c->rip -= 2;
        c->rax = nr;
        c->rdi = a[0];
        c->rsi = a[1];
        c->rdx = a[2];
        c->r10 = a[3];
        c->r8 = a[4];
        return true;
    }
    c->rax = (uint64_t)ret;
    return true;
}

/* ---- The exit handler and the run loop ---------------------------------- */

/* entry.S, interrupts disabled: the frame of the exit to this CPU's vCPU. */
void pv_save_exit(const struct cpu_regs *frame);
void pv_save_exit(const struct cpu_regs *frame)
{
    struct cpu_regs *c = this_cpu()->pv_ctx;

    *c = *frame;
    if (frame->vector == 14)
        container_of(c, struct pv_vcpu, ctx)->cr2 = read_cr2();
}

void pv_set_rsp0(uint64_t rsp);
void pv_set_rsp0(uint64_t rsp)
{
    this_cpu()->tss.rsp[0] = rsp;
}

/* INT n from the guest: the IDT gate (DPL 0) made it a #GP with the IDT
 * flag in its error code.  The vector is read from the instruction (CD
 * ib) rather than from the error code, whose index field QEMU's TCG
 * scales by 16 where hardware scales by 8.  As Xen: if the trap table's
 * entry for n allows it (its privilege bits >= 1 for the kernel, 3 for
 * user mode), the
 * interrupt goes to that handler, returning after the 2-byte
 * instruction; otherwise the #GP stands.  True if delivered (or the
 * domain crashed trying). */
static bool soft_int(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    uint8_t insn[2];

    if (pv_user_fetch(v, insn, pv->ctx.rip, 2) || insn[0] != 0xcd)
        return false;
    const struct trap_info *ti = &pv->traps[insn[1]];
    if (!ti->address || (ti->flags & 3) < pv_user_int_min_dpl(v))
        return false;
    pv->ctx.rip += 2;
    pv->nr_bounces++;
    bounce(v, ti->address, false, 0, ti->flags & TI_EVENTS_OFF, "INT n");
    return true;
}

/* The hypervisor's time for the last exit, from its arrival (pv_enter
 * returning) to the next entry or the end of the stint, by the kind
 * handle_exit found (core/xstats.h).  v's own fields, written only on
 * the CPU it runs on: no lock, no atomics. */
static inline void pv_account_exit(struct vcpu *v, uint64_t ticks)
{
    unsigned k = v->xstats.pv_kind < PVX_NR ? v->xstats.pv_kind : PVX_IRQ;

    v->host_tsc += ticks;
    v->xstats.pv[k].n++;
    v->xstats.pv[k].tsc += ticks;
    if (ticks < v->xstats.pv[k].min || !v->xstats.pv[k].min)
        v->xstats.pv[k].min = ticks;
    xstat_add(&v->xstats.pv_hist[k], ticks);
    if (k == PVX_HYPERCALL) {
        v->hc_cost[v->last_hc].n++;
        v->hc_cost[v->last_hc].tsc += ticks;
    }
}

/* false: leave the run loop (the domain is stopping). */
static bool handle_exit(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    struct cpu_regs *c = &pv->ctx;
    unsigned vec = (unsigned)c->vector;

    /* v->xstats.pv_kind: what this exit was, for its cost (core/xstats.h). */
    if (pv->compat_l4) {
        v->xstats.pv_kind = PVX_PV32;
        return pv32_handle_exit(v);     /* 32-bit frames, INT $0x82 (pv32.c) */
    }
    switch (vec) {
    case PV_VEC_SYSCALL:
        /* From user mode the guest kernel's syscall callback gets it. */
        if (pv_user_mode(v)) {
            v->xstats.pv_kind = PVX_USER_SYSCALL;
            if (!pv_user_syscall(v))
                return false;
        } else if (!pv_hypercall(v)) {  /* sets PVX_HYPERCALL */
            return false;
        }
        break;
    case PV_VEC_SYSCALL32:
        v->xstats.pv_kind = PVX_USER32;
        if (!pv_user32_syscall(v))      /* 32-bit user space's (pv_user32.c) */
            return false;
        break;
    default:
        if (vec >= 32 || vec == 2 || vec == 18) {
            /* Handled in pv_vcpu_run before interrupts were enabled. */
            v->xstats.pv_kind = PVX_IRQ;
            break;
        }
        v->xstats.pv_kind = PVX_INT_N;
        if (vec == 13 && (c->error_code & 3) == 2 && soft_int(v))
            break;
        v->xstats.pv_kind = PVX_USER32;
        if (pv_user32_sysenter(v, vec, c->error_code))
            break;
        if (vec == 7)
            pv_user_nm(v);      /* fpu_taskswitch's TS ends with this #NM */
        uint64_t err = c->error_code;
        v->xstats.pv_kind = vec == 13 ? PVX_EMUL_PRIV : vec == 14 ? PVX_EMUL_PF : PVX_EMUL_OTHER;
        if (pv_emul_exception(v, &vec, &err))      /* privileged instructions, page-table writes (pv_emul.c) */
            break;
        /* Bounced: by the vector the guest's handler sees. */
        v->xstats.pv_kind = vec == 14 ? PVX_PF_BOUNCE : vec == 13 ? PVX_GP_BOUNCE : PVX_OTHER_BOUNCE;
        if (!bounce_exception(v, vec, err))
            return false;
        break;
    }
    if (__atomic_load_n(&v->domain->state, __ATOMIC_ACQUIRE) != DOMAIN_RUNNING)
        return false;       /* a bounce that failed crashed it */
    c->rflags = guest_rflags(c->rflags);
    const char *bad = frame_problem(v, c);
    if (bad) {
        domain_crash(v->domain, "v%u: pv: cannot return to cs %#lx rip %#lx ss %#lx rsp %#lx: bad %s", v->vcpu_id,
                     (unsigned long)c->cs, (unsigned long)c->rip, (unsigned long)c->ss, (unsigned long)c->rsp, bad);
        return false;
    }
    return true;
}

void pv_vcpu_run(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    struct percpu *cpu = this_cpu();

    if (!__atomic_load_n(&pv->online, __ATOMIC_ACQUIRE)) {
        /* Not up yet, or taken down (VCPUOP_down, pv_smp.c): its
         * runstate says so, and it waits for VCPUOP_up. */
        if (v->runstate_gpa)
            time_info_runstate(v, RUNSTATE_offline);
        sched_block(v);
        return;
    }
    if (!cpu->gdt_pv) {
        domain_crash(v->domain, "pv: cpu%u cannot run PV vCPUs (no PV GDT)", cpu->cpu);
        return;
    }
    /* This stint's address space and state: the guest's L4 (the hypervisor
     * slots are in it), its FS base, its x87/SSE registers.  The CPU is
     * in the domain's dirty mask before the CR3 load (pv_tlb.h). */
    pv_tlb_stint_begin(v);
    write_cr3(pv_user_root(pv) << 12);
    wrmsr(MSR_FS_BASE, pv->fs_base);
    vcpu_fpu_load(v);
    pv_emul_stint_begin(v);             /* the guest's debug registers */
    pv_user32_stint_begin();            /* SYSENTER faults in ring 3 */
    if (pv->compat_l4)
        pv32_stint_begin(v);
    if (v->runstate_gpa)
        time_info_runstate(v, RUNSTATE_running);

    /* TSC at the last exit's arrival, 0 before the first of this stint:
     * what lies between it and the next entry is that exit's cost. */
    uint64_t exit_tsc = 0;
    while (sched_may_enter(v)) {
        if (!__atomic_load_n(&pv->online, __ATOMIC_ACQUIRE)) {
            /* Taken down (VCPUOP_down, pv_smp.c): it waits; VCPUOP_up's
             * wake-up brings it back here, events only to the check at
             * the top. */
            sti();
            sched_block(v);
            break;
        }
        if (pv_dbg_due(v)) {
            /* A #DB the hypervisor took in ring 0 for this guest (a
             * MOV SS-delayed breakpoint on SYSCALL or INT3): delivered now
             * that its exit is dealt with (pv_dbg.c). */
            sti();
            if (!pv_dbg_deliver(v))
                break;
            continue;
        }
        if (pv_nmi_due(v)) {
            /* VCPUOP_send_nmi: before events, as the CPU takes an NMI
             * before an interrupt (pv_nmi.c). */
            sti();
            if (!pv_nmi_deliver(v))
                break;
            continue;
        }
        if (event_due(v)) {
            /* The upcall frame is written with interrupts on (it may
             * crash the domain); the loop then checks everything again. */
            sti();
            if (!(pv->compat_l4 ? pv32_event_upcall(v) : bounce(v, pv->event_cb, false, 0, true, "event upcall")))
                break;
            pv->nr_upcalls++;
            continue;
        }
        if (pv_seg_prepare(v))     /* the guest's GDT/LDT/selectors; true: work done with interrupts on */
            continue;
        cpu->pv_ctx = &pv->ctx;
        wrmsr(MSR_KERNEL_GS_BASE, pv->gs_base);     /* GS base after entry.S's SWAPGS */
        pv_user_before_enter(pv);                   /* the guest's CR0.TS, for ring 3 only */
        uint64_t entry_tsc = rdtsc();
        if (exit_tsc)
            pv_account_exit(v, entry_tsc - exit_tsc);
        pv_enter(&pv->ctx);                         /* returns on an exit, interrupts disabled */
        exit_tsc = rdtsc();
        v->guest_tsc += exit_tsc - entry_tsc;
        pv_dbg_after_exit(v);                       /* a ring-0 #DB at this exit's entry is this vCPU's */
        pv_user_after_exit(pv);
        pv_seg_after_exit(v);
        pv->gs_base = rdmsr(MSR_KERNEL_GS_BASE);
        pv->nr_exits++;
        unsigned vec = (unsigned)pv->ctx.vector;
        pv_tlb_count_exit(pv, vec);
        if ((vec >= 32 && vec < 256) || vec == 2 || vec == 18) {
            /* The hypervisor's own interrupt (or NMI, #MC) that arrived
             * while the guest ran: handled as if it had interrupted the
             * hypervisor here. */
            struct cpu_regs r = pv->ctx;
            pv->nr_irqs += vec >= 32;
            v->xstats.pv_kind = PVX_IRQ;
            x86_trap(&r);
            sti();
            continue;
        }
        sti();
        if (!handle_exit(v))
            break;
    }

    /* The stint's last exit: timed to here unless the vCPU blocked after
     * it (its time would include the wait). */
    if (exit_tsc) {
        uint64_t t = rdtsc() - exit_tsc;
        if (READ_ONCE(v->state) == VCPU_BLOCKED) {
            v->host_tsc += t;
            v->xstats.pv_untimed++;
        } else {
            pv_account_exit(v, t);
        }
    }
    if (v->runstate_gpa)
        time_info_runstate(v, !__atomic_load_n(&pv->online, __ATOMIC_ACQUIRE) ? RUNSTATE_offline :
                              READ_ONCE(v->state) == VCPU_BLOCKED ? RUNSTATE_blocked : RUNSTATE_runnable);
    vcpu_fpu_save(v);
    pv_emul_stint_end(v);
    pv->fs_base = rdmsr(MSR_FS_BASE);
    pv_seg_stint_end(v);                /* null selectors, the host GDT (clobbers the FS base) */
    wrmsr(MSR_FS_BASE, 0);              /* the hypervisor's (unused) value, as before the stint */
    write_cr3(mm_root_phys());
    pv_tlb_stint_end(v);                /* after the CR3 load: nothing of the domain's left here */
    cpu->tss.rsp[0] = cpu->stack_top;
}
