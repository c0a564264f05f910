/*
 * PV user mode (docs/pv.md "User mode"), as Xen's x86_64 ABI defines it
 * for a 64-bit PV guest.  Kernel and user space both run in ring 3, so
 * the hypervisor keeps the mode itself:
 *  - `iret` to a frame whose CS has RPL 3 enters user mode (Xen's do_iret);
 *    the kernel's own frames carry RPL 0 in the CS slot;
 *  - every bounce from user mode (exception, INT n, SYSCALL, event upcall)
 *    enters kernel mode first and writes its frame on the stack recorded
 *    by stack_switch;
 *  - a mode switch swaps CR3 (kernel L4 <-> the NEW_USER_BASEPTR one) and
 *    the two GS bases, as SWAPGS would on bare metal.
 * Plus the small state hypercalls that go with it: stack_switch,
 * set_segment_base, fpu_taskswitch.
 *
 * Everything here runs on the CPU that runs the vCPU, from its exit
 * handler (pv_vcpu.c), so CR3 and the vCPU's fields change together.
 */
#include "lib/string.h"
#include "pv/pv_user.h"
#include "pv/pv.h"
#include "core/domain.h"
#include "core/console.h"
#include "arch/x86/asm.h"
#include "mm/mm.h"
#include "lib/errno.h"
#include "core/hypercall.h"
#include "public/xen.h"
#include "public/callback.h"
#include "public/arch-x86_64.h"

#define RF_DF   0x400u

uint64_t pv_user_root(const struct pv_vcpu *pv)
{
    if (pv->compat_l4)      /* 32-bit: one L4 of the vCPU's for rings 1 and 3 (pv32.c) */
        return pv32_root((struct pv_vcpu *)pv);
    return pv->user_mode ? pv->mmu.user_base : pv->mmu.base;
}

bool pv_user_mode(const struct vcpu *v)
{
    const struct pv_vcpu *pv = v->vendor;
    return pv->user_mode;
}

unsigned pv_user_int_min_dpl(const struct vcpu *v)
{
    /* As a DPL check against the guest's own ring: the kernel is "ring 1"
     * for its trap table's privilege bits, user space ring 3. */
    return pv_user_mode(v) ? 3 : 1;
}

/* Kernel <-> user.  pv->gs_base is the active GS base (the run loop loads
 * it for the next entry), gs_base_inactive the other mode's. */
static void toggle_mode(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    uint64_t gs = pv->gs_base;

    pv->user_mode = !pv->user_mode;
    pv->gs_base = pv->gs_base_inactive;
    pv->gs_base_inactive = gs;
    /* Both tables are validated L4s holding a base-pointer reference, so
     * either may be in CR3; guest entries are never global, so the switch
     * drops every translation of the other mode. */
    write_cr3(pv_user_root(pv) << 12);
}

void pv_user_bounce_enter(struct vcpu *v, uint64_t *sp, uint64_t *cs)
{
    struct pv_vcpu *pv = v->vendor;

    if (pv->user_mode) {
        /* The interrupted user context goes on the kernel stack (frame CS
         * keeps RPL 3: "user mode was interrupted").  A kernel_sp that is
         * not writable makes the frame write fail: the domain crashes. */
        toggle_mode(v);
        *sp = pv->kernel_sp;
        *cs = pv->ctx.cs;
    } else {
        *sp = pv->ctx.rsp;
        *cs = pv->ctx.cs & ~3ull;   /* RPL 0: the kernel interrupted itself */
    }
}

bool pv_user_iret(struct vcpu *v, uint64_t cs)
{
    struct pv_vcpu *pv = v->vendor;

    /* Only the kernel issues hypercalls, so this is kernel -> user. */
    if ((cs & 3) != 3)
        return true;
    if (!pv->mmu.user_base) {
        domain_crash(v->domain, "v%u: pv: iret to user mode (cs %#lx) without user page tables", v->vcpu_id,
                     (unsigned long)cs);
        return false;
    }
    toggle_mode(v);
    pv->nr_to_user++;
    return true;
}

void pv_user_iret_syscall(struct cpu_regs *n, uint64_t flags)
{
    if (flags & VGCF_in_syscall) {
        n->rcx = n->rip;
        n->r11 = n->rflags;
    }
}

bool pv_user_iret_fault(struct vcpu *v, const struct cpu_regs *n, const struct iret_context *ic, const char *bad)
{
    struct pv_vcpu *pv = v->vendor;
    uint64_t err = 0;
    unsigned vec = 13;

    /* What IRETQ raises: a present-bit problem #NP (CS) or #SS (SS),
     * anything else #GP (pv_seg_frame_problem checks in the CPU's order). */
    if (!strcmp(bad, PV_SEG_CS_NOT_PRESENT))
        vec = 11;
    else if (!strcmp(bad, PV_SEG_SS_NOT_PRESENT))
        vec = 12;
    /* A guest can repeat this as often as it likes: only the first few
     * are logged. */
    if (++pv->nr_iret_faults <= 4)
        domain_log(v->domain, LOG_WARN,
                   "v%u: pv: iret to cs %#lx rip %#lx ss %#lx rsp %#lx refused: bad %s; %s to the guest\n",
                   v->vcpu_id, (unsigned long)ic->cs, (unsigned long)ic->rip, (unsigned long)ic->ss,
                   (unsigned long)ic->rsp, bad, vec == 11 ? "#NP" : vec == 12 ? "#SS" : "#GP");
    if (!pv_user_iret(v, ic->cs))
        return false;
    /* The frame as the faulting IRETQ would have seen it becomes the
     * interrupted context of the fault: a bad selector is the error code
     * (as the CPU reports it, RPL cleared), a bad RIP or RSP gives 0. */
    if (!strcmp(bad, "code selector") || vec == 11)     /* frame_problem / pv_seg_frame_problem */
        err = n->cs & 0xfffc;
    else if (!strcmp(bad, "stack selector") || vec == 12)
        err = n->ss & 0xfffc;
    pv->ctx = *n;
    __atomic_store_n(&v->vcpu_info->evtchn_upcall_mask, (ic->rflags & 0x200) ? 0 : 1, __ATOMIC_RELAXED);
    return pv_bounce_exc(v, vec, err);
}

bool pv_user_syscall(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;

    pv->nr_user_syscalls++;
    if (!pv->syscall_cb) {
        /* No callback: a #UD at the SYSCALL, as a CPU without EFER.SCE
         * would raise (the kernel sees the instruction, not a lost call). */
        pv->ctx.rip -= 2;
        return pv_bounce_exc(v, 6, 0);
    }
    /* Xen's frame: RCX and R11 as SYSCALL left them (return RIP and
     * RFLAGS), then RIP, the user CS, RFLAGS, RSP, SS; no error code.
     * The kernel returns by `iret` with VGCF_in_syscall. */
    bool mask = pv->callback_flags[CALLBACKTYPE_syscall] & CALLBACKF_mask_events;
    if (!pv_bounce_to(v, pv->syscall_cb, false, 0, mask, "SYSCALL"))
        return false;
    pv->ctx.rflags &= ~(uint64_t)RF_DF;     /* the callback starts with DF clear, as after an exception */
    return true;
}

bool pv_user_nm(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;

    if (!pv->fpu_ts)
        return false;
    /* Xen clears the guest's TS when it delivers the #NM (classic PV
     * kernels rely on it; pvops ones clear it themselves as well). */
    pv->fpu_ts = false;
    pv->nr_nm++;
    return true;
}

void pv_user_before_enter(struct pv_vcpu *pv)
{
    if (pv->fpu_ts)
        write_cr0(read_cr0() | CR0_TS);
}

void pv_user_after_exit(struct pv_vcpu *pv)
{
    /* Before anything of the hypervisor runs (a host interrupt handler,
     * the exit handler, the stint's FXSAVE): TS off again. */
    if (pv->fpu_ts)
        __asm__ __volatile__("clts" ::: "memory");
}

int pv_user_fetch(struct vcpu *v, void *buf, uint64_t gva, size_t len)
{
    struct pv_vcpu *pv = v->vendor;
    uint8_t *b = buf;

    if (!pv->user_mode)
        return pv_copy_guest(v, buf, gva, len, false);
    /* The same walk as pv_gva_to_maddr over the user L4 (validated like
     * the kernel's: every entry names a frame of the domain, no PS), a
     * byte at a time: only the bytes of one instruction are read.  Under
     * the domain's mm_lock, as pv_copy_guest: another vCPU must not turn
     * a table of this walk into a writable frame (and name any machine
     * frame in it) between reading an entry and following it. */
    bool took = pv_mm_lock(v);
    int rc = 0;
    for (size_t i = 0; i < len && !rc; i++, gva++) {
        uint64_t mfn = pv->mmu.user_base;
        if (!pv_canonical(gva) || (gva >= HYPERVISOR_VIRT_START && gva < HYPERVISOR_VIRT_END)) {
            rc = -EFAULT;
            break;
        }
        for (unsigned level = 4; level >= 1; level--) {
            const uint64_t *t = phys_to_virt(mfn << 12);
            uint64_t e = __atomic_load_n(&t[(gva >> (12 + 9 * (level - 1))) & 511], __ATOMIC_RELAXED);
            if (!(e & PTE_P) || !(e & PTE_US) || (level > 1 && (e & PTE_PS))) {
                rc = -EFAULT;
                break;
            }
            mfn = (e & PTE_ADDR) >> 12;
        }
        if (!rc && domain_is_privileged(v->domain) && pv_dom0_io_frame(mfn))
            rc = -EFAULT;   /* dom0's device memory: not in the direct map (pv_gva_to_maddr) */
        if (!rc)
            b[i] = *(const uint8_t *)phys_to_virt((mfn << 12) | (gva & 0xfff));
    }
    pv_mm_unlock(v, took);
    return rc;
}

/* stack_switch(ss, sp): the kernel stack for bounces from user mode.  As
 * Xen, nothing is refused here: an unusable stack makes the next bounce
 * from user mode fail to write its frame, which crashes the domain. */
static long stack_switch(struct pv_vcpu *pv, uint64_t ss, uint64_t sp)
{
    pv->kernel_ss = (uint16_t)ss | 3;   /* recorded; a 64-bit bounce always uses FLAT_KERNEL_SS */
    pv->kernel_sp = sp;
    return 0;
}

/*
 * set_segment_base(which, base), from the kernel (hypercalls only come
 * from kernel mode, so the user GS base is the inactive one).  Bases must
 * be canonical (-EINVAL otherwise); one in the hypervisor's range is
 * harmless, the guest's accesses through it fault on the missing US bit.
 */
static long set_segment_base(struct vcpu *v, struct pv_vcpu *pv, unsigned which, uint64_t base)
{
    switch (which) {
    case SEGBASE_FS:
        if (!pv_canonical(base))
            return -EINVAL;
        pv->fs_base = base;
        wrmsr(MSR_FS_BASE, base);       /* the MSR holds the guest's FS base for the whole stint */
        return 0;
    case SEGBASE_GS_USER:
        if (!pv_canonical(base))
            return -EINVAL;
        pv->gs_base_inactive = base;
        return 0;
    case SEGBASE_GS_KERNEL:
        if (!pv_canonical(base))
            return -EINVAL;
        pv->gs_base = base;
        return 0;
    case SEGBASE_GS_USER_SEL: {
        /* The user GS selector, from the guest's GDT/LDT; as Xen, one
         * that cannot be loaded gives the null one, not an error.  The
         * user GS base becomes the descriptor's. */
        pv_seg_gs_user_sel(v, (uint16_t)base);     /* loaded from the guest's GDT/LDT (pv_seg.c) */
        return 0;
    }
    default:
        return -EINVAL;
    }
}

long pv_stack_switch(struct vcpu *v, uint64_t ss, uint64_t sp)
{
    if (v->domain->type != DOMCFG_PV)
        return -ENOSYS;
    return stack_switch(v->vendor, ss, sp);
}

/* fpu_taskswitch(set): lazy FPU.  The next x87/SSE instruction of the
 * guest raises #NM, bounced to its handler (pv_user_nm); the hypervisor's
 * own save/restore of the registers is unaffected (TS is set on the CPU
 * only while the guest runs). */
long pv_fpu_taskswitch(struct vcpu *v, int set)
{
    if (v->domain->type != DOMCFG_PV)
        return -ENOSYS;
    struct pv_vcpu *pv = v->vendor;
    pv->fpu_ts = set != 0;
    return 0;
}

long pv_set_segment_base(struct vcpu *v, unsigned which, uint64_t base)
{
    if (v->domain->type != DOMCFG_PV)
        return -ENOSYS;
    return set_segment_base(v, v->vendor, which, base);
}
