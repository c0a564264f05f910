/*
 * 32-bit PV vCPUs: a PAE kernel in ring 1 of a compatibility-mode code
 * segment on the 64-bit hypervisor, as on Xen x86_64 (docs/pv.md "Ring 1
 * and compat").  The run loop, entry/exit path, frame types, MMU
 * hypercalls and the compat translation layer are the 64-bit PV ones;
 * this file holds only what the 32-bit ABI changes:
 *
 *  - the address space: the CPU runs on a per-vCPU L4 (a hypervisor page)
 *    whose slot 0 names the guest's L3 (its CR3, mmu.base) and whose slots
 *    256-271 are the hypervisor's.  Compatibility mode forms 32-bit linear
 *    addresses only, so the guest reaches slot 0 alone; ring 1 is a
 *    supervisor ring, so the hypervisor's slots are protected by being out
 *    of reach, not by the US bit.  The L3's entries 4-511 stay empty
 *    (mm/pgtype.c, pgt_env.compat);
 *  - the selectors: Xen's compat GDT entries 0xe019 (ring-1 code), 0xe021
 *    (ring-1 data), 0xe02b (ring-3 code), 0xe033 (ring-3 data), all 32-bit
 *    with base 0 and limit 4 GiB, replace the 64-bit ones in the vCPU's
 *    GDT: no 64-bit code segment exists for a 32-bit guest;
 *  - the hypercall gate INT $0x82 (arguments EBX ECX EDX ESI EDI, result
 *    in EAX), which arrives as the #GP of the DPL-0 IDT gate;
 *  - the 32-bit bounce frame and iret.
 *
 * Everything in the saved frame, the guest's stack and its structures is
 * guest-controlled: read once, checked, and a value that cannot be run
 * crashes this domain only.
 */
#include "pv/pv.h"
#include "pv/pv_user.h"
#include "pv/pv_emul.h"
#include "core/domain.h"
#include "core/console.h"
#include "core/hypercall.h"
#include "core/compat/layout.h"
#include "arch/x86/asm.h"
#include "mm/mm.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "public/sched.h"
#include "public/memory.h"
#include "hvm/hvm.h"            /* HVM_EXIT_*: the exit counters */

/* Xen's x86_32 flat selectors (public arch-x86/xen-x86_32.h). */
#define PV32_RING1_CS   0xe019
#define PV32_RING1_DS   0xe021
#define PV32_RING3_CS   0xe02b
#define PV32_RING3_DS   0xe033
/* The compat hypervisor range starts here (HV_START_LOW's default, the
 * compat M2P's address): nothing of the guest's is read or written from
 * it on.  The kernel image must end below it (pv_image.c). */
#define PV32_HV_START   0xf5800000ull
#define PV32_HYPERCALL_VEC 0x82

#define RF_IF   0x200u
#define RF_TF   0x100u
#define RF_NT   0x4000u
#define RF_RF   0x10000u
/* As pv_vcpu.c: what the guest may keep in EFLAGS (no IOPL, NT, VM, VIF,
 * VIP; IF always set in the real flags, the guest's is its upcall mask). */
#define RF_GUEST_BITS 0x250dd5u

bool pv_is_compat(const struct domain *d)
{
    const struct pv_domain *pd = d->kind_priv;
    return pd && pd->compat;
}

/* ---- Address space ------------------------------------------------------ */

uint64_t pv32_root(struct pv_vcpu *pv)
{
    uint64_t *l4 = phys_to_virt(pv->compat_l4 << 12);
    uint64_t base = READ_ONCE(pv->mmu.base);
    /* The L3 holds a base-pointer type reference while it is mmu.base;
     * RW/US here, the L3 entries' own bits decide (pgtype.c). */
    uint64_t want = base ? (base << 12) | PTE_P | PTE_RW | PTE_US | PTE_A : 0;

    if (l4[0] != want)
        __atomic_store_n(&l4[0], want, __ATOMIC_RELEASE);  /* the caller loads CR3 next */
    return pv->compat_l4;
}

int pv32_gva_to_maddr(struct vcpu *v, uint64_t gva, bool write, uint64_t *maddr)
{
    struct pv_vcpu *pv = v->vendor;
    uint64_t mfn = READ_ONCE(pv->mmu.base);

    if (!mfn || gva >= PV32_HV_START)
        return -EFAULT;
    /* Validated PAE tables: L3 (entries 0-3), L2, L1, no PS; each entry read
     * once.  No US check: the kernel runs in a supervisor ring. */
    for (unsigned level = 3; level >= 1; level--) {
        const uint64_t *t = phys_to_virt(mfn << 12);
        uint64_t e = __atomic_load_n(&t[(gva >> (12 + 9 * (level - 1))) & 511], __ATOMIC_RELAXED);
        if (!(e & PTE_P) || (write && !(e & PTE_RW)) || (level > 1 && (e & PTE_PS)))
            return -EFAULT;
        mfn = (e & PTE_ADDR) >> 12;
    }
    *maddr = (mfn << 12) | (gva & 0xfff);
    return 0;
}

/* ---- Selectors ------------------------------------------------------------ */

void pv32_gdt_reserved(uint64_t *gdt)
{
    /* Xen's compat GDT: 32-bit (D=1, L=0), base 0, limit 4 GiB, DPL 1 or 3.
     * They take the slots of the 64-bit guests' 0xe023/0xe02b/0xe033. */
    gdt[PV32_RING1_CS >> 3] = 0x00cfba000000ffffull;
    gdt[PV32_RING1_DS >> 3] = 0x00cfb2000000ffffull;
    gdt[PV32_RING3_CS >> 3] = 0x00cffa000000ffffull;
    gdt[PV32_RING3_DS >> 3] = 0x00cff2000000ffffull;
}

/* pv32_frame_problem: pv32_desc.c (guest GDT/LDT selectors). */

/* ---- Start of day and teardown ------------------------------------------ */

void pv32_vcpu_init_boot(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    struct pv_domain *pd = v->domain->kind_priv;
    uint64_t *l4 = alloc_pages(0, DOMID_XEN);

    memset(&pv->ctx, 0, sizeof(pv->ctx));
    pv->ctx.rip = pd->entry;
    pv->ctx.rsp = pd->stack_top;
    pv->ctx.rsi = pd->start_info_va;
    pv->ctx.rflags = RF_IF | 2;
    pv->ctx.cs = PV32_RING1_CS;
    pv->ctx.ss = PV32_RING1_DS;
    /* Compatibility mode uses DS/ES (a null one faults): Xen starts a
     * 32-bit kernel with every data selector FLAT_KERNEL_DS. */
    pv->seg.ds = pv->seg.es = pv->seg.fs = pv->seg.gs = PV32_RING1_DS;
    pv->kernel_ss = PV32_RING1_DS;
    pv->kernel_sp = pd->stack_top;
    if (!l4)
        return;     /* not online: the vCPU never runs (the domain has no usable vCPU 0) */
    const uint64_t *hv = phys_to_virt(mm_root_phys());
    for (unsigned i = PGT_L4_HV_FIRST; i <= PGT_L4_HV_LAST; i++)
        l4[i] = hv[i];
    pv->compat_l4 = virt_to_phys(l4) >> 12;
    /* CR3: the builder's L3, a base pointer of its own (pv_vcpu_init_boot's
     * rule: one general and one type reference as pgt_get_top takes them). */
    if (pgt_get_top(&pd->env, v->domain->domid, pd->l4_mfn, FRAME_TYPE_PT_L3, 0) == 0)
        pv->mmu.base = pd->l4_mfn;
    pv->online = pv->mmu.base != 0;
    pv->initialised = pv->ready = true;
}

void pv32_vcpu_free(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;

    if (pv->nr_compat_hypercalls)
        domain_log(v->domain, LOG_INFO, "v%u: pv32: %lu hypercalls through int $0x82, %lu bounces\n", v->vcpu_id,
                   (unsigned long)pv->nr_compat_hypercalls, (unsigned long)pv->nr_bounces);
    /* The stint is over (CR3 is the hypervisor's) whenever a vCPU is freed. */
    if (pv->compat_l4)
        free_pages(phys_to_virt(pv->compat_l4 << 12), 0);
    pv->compat_l4 = 0;
}

void pv32_stint_begin(struct vcpu *v)
{
    (void)v;
    /* SYSENTER from compatibility mode enters ring 0 at SYSENTER_EIP on
     * Intel CPUs: with SYSENTER_CS 0 it is a #GP(0) instead, raised before
     * the instruction changes anything, whatever another kind (an HVM
     * guest's VMLOAD) left in these MSRs; pv32_sys.c turns that #GP from
     * ring 3 into Xen's sysenter delivery.  SYSENTER_ESP/EIP are then
     * never used.  STAR/CSTAR/SFMASK are the hypervisor's (arch/x86/desc.c;
     * the VMX and SVM paths put them back after a guest's): a SYSCALL from
     * compatibility mode enters pv_syscall_entry32 in ring 0. */
    wrmsr(0x174, 0);
}

/* ---- Bounces --------------------------------------------------------------- */

/*
 * The frame Xen builds for a 32-bit PV kernel, from the lowest address:
 * [error code], EIP, CS (the saved upcall mask in bits 16-23), EFLAGS (IF
 * = events were enabled), and ESP, SS when user mode (ring 3) was
 * interrupted; then the kernel's handler at cs:target (the registered
 * selector, pv32_kernel_sel's rule), on its stack: the interrupted SS:ESP
 * in ring 1, stack_switch's from ring 3.  Whether cs and the stack can be
 * loaded is pv32_frame_problem's check before the entry.  False: the
 * domain was crashed.
 */
bool pv32_bounce(struct vcpu *v, uint16_t cs, uint64_t target, bool with_err, uint64_t err, bool mask_events,
                 const char *what)
{
    struct pv_vcpu *pv = v->vendor;
    struct cpu_regs *c = &pv->ctx;
    struct vcpu_info *vi = v->vcpu_info;
    uint8_t mask = __atomic_load_n(&vi->evtchn_upcall_mask, __ATOMIC_RELAXED);
    bool from_user = (c->cs & 3) == 3;
    uint32_t frame[6];
    unsigned n = 0;
    uint64_t sp = from_user ? pv->kernel_sp : c->rsp;

    if (with_err)
        frame[n++] = (uint32_t)err;
    frame[n++] = (uint32_t)c->rip;
    frame[n++] = (uint32_t)(uint16_t)c->cs | (uint32_t)mask << 16;
    frame[n++] = (uint32_t)((c->rflags & ~(uint64_t)RF_IF) | (mask ? 0 : RF_IF));
    if (from_user) {
        frame[n++] = (uint32_t)c->rsp;
        frame[n++] = (uint32_t)c->ss;
    }
    if (sp >> 32 || sp < n * 4 || pv_copy_guest(v, frame, sp - n * 4, n * 4, true)) {
        domain_crash(v->domain, "v%u: pv32: %s at %#lx: cannot write the frame below %#lx on the guest stack",
                     v->vcpu_id, what, (unsigned long)c->rip, (unsigned long)sp);
        return false;
    }
    if (mask_events)
        __atomic_store_n(&vi->evtchn_upcall_mask, 1, __ATOMIC_RELAXED);
    c->rip = target;
    c->cs = cs;
    if (from_user)
        c->ss = pv->kernel_ss;  /* stack_switch's; from ring 1 the stack stays the interrupted one */
    c->rsp = sp - n * 4;
    c->rflags &= ~(uint64_t)(RF_TF | RF_NT | RF_RF);
    return true;
}

bool pv32_event_upcall(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    return pv32_bounce(v, (uint16_t)pv->compat_event_cs, pv->event_cb, false, 0, true, "event upcall");
}

bool pv32_bounce_exception(struct vcpu *v, unsigned vec, uint64_t err)
{
    struct pv_vcpu *pv = v->vendor;
    const struct trap_info *ti = &pv->traps[vec];

    if (!ti->address) {
        if (vec == 14)
            domain_log(v->domain, LOG_ERR, "v%u: pv32: #PF cr2 %#lx\n", v->vcpu_id, (unsigned long)pv->cr2);
        domain_crash(v->domain, "v%u: pv32: unhandled %s (error %#lx) at %#lx, esp %#lx: no trap handler registered",
                     v->vcpu_id, pv_exc_short[vec], (unsigned long)err, (unsigned long)pv->ctx.rip,
                     (unsigned long)pv->ctx.rsp);
        return false;
    }
    if (vec == 14)  /* CR2 in the 32-bit vcpu_info's arch part (layout.h) */
        __atomic_store_n(&((struct compat_vcpu_info *)v->vcpu_info)->arch[0], (uint32_t)pv->cr2, __ATOMIC_RELAXED);
    pv->nr_bounces++;
    v->exits_by_reason[HVM_EXIT_EXCEPTION]++;
    return pv32_bounce(v, ti->cs, ti->address, pv_exc_has_error_code(vec), err, ti->flags & TI_EVENTS_OFF,
                       pv_exc_short[vec]);
}

/* ---- The 32-bit iret ---------------------------------------------------- */

/* Xen's compat iret: the guest's hypercall page pushed EAX above its iret
 * frame (EIP, CS, EFLAGS, and ESP, SS for a return to ring 3): ESP points
 * at EAX.  Only the flat selectors; RPL 0 (an iret to ring 0) and any
 * other selector crash the domain.  False: crashed. */
static bool pv32_iret(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    struct cpu_regs *c = &pv->ctx, n = *c;
    uint32_t f[6];

    if (c->rsp >> 32 || pv_copy_guest(v, f, c->rsp, 16, false)) {
        domain_crash(v->domain, "v%u: pv32: iret: cannot read the frame at %#lx", v->vcpu_id, (unsigned long)c->rsp);
        return false;
    }
    n.rax = f[0];
    n.rip = f[1];
    n.cs = (uint16_t)f[2];
    n.rflags = (f[3] & RF_GUEST_BITS) | RF_IF | 2;
    if ((n.cs & 3) == 3) {
        if (pv_copy_guest(v, &f[4], c->rsp + 16, 8, false)) {
            domain_crash(v->domain, "v%u: pv32: iret: cannot read the frame at %#lx", v->vcpu_id,
                         (unsigned long)c->rsp);
            return false;
        }
        n.rsp = f[4];
        n.ss = (uint16_t)f[5];
    } else {
        n.rsp = c->rsp + 16;
    }
    const char *bad = pv32_frame_problem(v, &n);
    if (bad) {
        domain_crash(v->domain, "v%u: pv32: iret to cs %#lx eip %#lx ss %#lx esp %#lx refused: bad %s", v->vcpu_id,
                     (unsigned long)n.cs, (unsigned long)n.rip, (unsigned long)n.ss, (unsigned long)n.rsp, bad);
        return false;
    }
    if ((n.cs & 3) == 3)
        pv->nr_to_user++;
    *c = n;
    __atomic_store_n(&v->vcpu_info->evtchn_upcall_mask, (f[3] & RF_IF) ? 0 : 1, __ATOMIC_RELAXED);
    pv_nmi_iret(v);     /* an NMI handler's mask ends here (pv_nmi.c) */
    return true;
}

/* ---- Hypercalls ------------------------------------------------------------ */

/* Failed hypercalls logged per vCPU (then only counted). */
#define PV32_FAILED_HCALLS_LOGGED 16

/* The INT $0x82 at EIP: EAX the number, EBX ECX EDX ESI EDI the arguments,
 * EAX the result.  EIP is past the instruction unless the call is to be
 * continued (-ERESTART: the same INT again with the rewritten arguments). */
static bool pv32_hypercall(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    struct cpu_regs *c = &pv->ctx;
    uint64_t nr = (uint32_t)c->rax;
    uint64_t a[HYPERCALL_NR_ARGS] = { (uint32_t)c->rbx, (uint32_t)c->rcx, (uint32_t)c->rdx, (uint32_t)c->rsi,
                                      (uint32_t)c->rdi };

    pv->nr_hypercalls++;
    pv->nr_compat_hypercalls++;
    v->exits_by_reason[HVM_EXIT_HYPERCALL]++;
    c->rip += 2;
    if (nr == __HYPERVISOR_iret)
        return pv32_iret(v);
    long ret = pv32_hypercall_one(v, nr, a);
    if (ret == -ERESTART) {
        c->rip -= 2;
        c->rbx = (uint32_t)a[0];
        c->rcx = (uint32_t)a[1];
        c->rdx = (uint32_t)a[2];
        c->rsi = (uint32_t)a[3];
        c->rdi = (uint32_t)a[4];
        return true;
    }
    /* The first failures are logged with their arguments: a 32-bit kernel
     * (or bootloader) that goes on regardless and faults later explains
     * itself this way (how PV GRUB's refused requests were found). */
    if (ret < 0 && pv->nr_compat_failed++ < PV32_FAILED_HCALLS_LOGGED)
        domain_log(v->domain, LOG_INFO, "v%u: pv32: hypercall %lu (%#lx, %#lx, %#lx, %#lx, %#lx) at %#lx -> %ld\n",
                   v->vcpu_id, (unsigned long)nr, (unsigned long)a[0], (unsigned long)a[1], (unsigned long)a[2],
                   (unsigned long)a[3], (unsigned long)a[4], (unsigned long)(c->rip - 2), ret);
    c->rax = (uint32_t)ret;     /* a negative errno as the 32-bit value */
    return true;
}

/* INT n: the DPL-0 IDT gate made it a #GP with the IDT flag.  The vector
 * is read from the instruction (CD ib) as pv_vcpu.c does.  INT $0x82 from
 * ring 1 is a hypercall (Xen's gate has DPL 1: from ring 3 it is the #GP);
 * another vector goes to the trap table's handler if its privilege bits
 * allow the interrupted ring.  True if handled. */
static bool soft_int32(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    unsigned ring = pv->ctx.cs & 3;
    uint8_t insn[2];

    if (pv->ctx.rip >> 32 || pv_copy_guest(v, insn, pv32_linear_ip(v), 2, false) || insn[0] != 0xcd)
        return false;
    if (insn[1] == PV32_HYPERCALL_VEC && ring == 1)
        return pv32_hypercall(v);
    const struct trap_info *ti = &pv->traps[insn[1]];
    if (!ti->address || (ti->flags & 3) < ring)
        return false;
    pv->ctx.rip += 2;
    pv->nr_bounces++;
    pv32_bounce(v, ti->cs, ti->address, false, 0, ti->flags & TI_EVENTS_OFF, "INT n");
    return true;
}

/* ---- The exit handler ------------------------------------------------------ */

bool pv32_handle_exit(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    struct cpu_regs *c = &pv->ctx;
    unsigned vec = (unsigned)c->vector;

    switch (vec) {
    case PV_VEC_SYSCALL32:
        /* SYSCALL from compatibility mode (AMD; Intel raises #UD): the
         * syscall32 callback or a #GP, as Xen (pv32_sys.c). */
        if (!pv32_syscall(v))
            return false;
        break;
    case PV_VEC_SYSCALL:
        /* Through LSTAR: 64-bit mode, which no selector of a 32-bit
         * guest reaches (invariant 1). */
        domain_crash(v->domain, "v%u: pv32: 64-bit SYSCALL at %#lx", v->vcpu_id, (unsigned long)c->rip);
        return false;
    default:
        if (vec >= 32 || vec == 2 || vec == 18)
            break;      /* the hypervisor's, handled in the run loop */
        if (vec == 13 && (c->error_code & 3) == 2 && soft_int32(v))
            break;
        if (vec == 7)
            pv_user_nm(v);      /* fpu_taskswitch's TS ends with this #NM */
        uint64_t err = c->error_code;
        /* SYSENTER from ring 3 faults (SYSENTER_CS 0): Xen's delivery
         * to the sysenter callback (pv32_sys.c). */
        if ((vec == 13 || vec == 6) && pv32_sysenter(v, vec, err))
            break;
        /* Privileged instructions from ring 1 (pv_emul.c, compat rules):
         * #UD (forced CPUID) and #GP(0); a #PF is the page-table write
         * assist's (pv_ptwr.c in compatibility mode: each 32-bit half of
         * a PAE entry merged and checked whole). */
        if ((vec == 6 || (vec == 13 && !err) || vec == 14) && pv_emul_exception(v, &vec, &err)) {
            c->rip = (uint32_t)c->rip;      /* EIP wraps at 4 GiB */
            break;
        }
        if (!pv32_bounce_exception(v, vec, err))
            return false;
        break;
    }
    if (__atomic_load_n(&v->domain->state, __ATOMIC_ACQUIRE) != DOMAIN_RUNNING)
        return false;
    c->rflags = (c->rflags & RF_GUEST_BITS) | RF_IF | 2;
    const char *bad = pv32_frame_problem(v, c);
    if (bad) {
        domain_crash(v->domain, "v%u: pv32: cannot return to cs %#lx eip %#lx ss %#lx esp %#lx: bad %s", v->vcpu_id,
                     (unsigned long)c->cs, (unsigned long)c->rip, (unsigned long)c->ss, (unsigned long)c->rsp, bad);
        return false;
    }
    return true;
}
