/*
 * Intel VT-x backend (Intel SDM vol. 3C chapters 23-28 and 30, vol. 3D
 * appendices A-C).  Everything Intel-specific stays in src/vmx/: VMXON, the
 * VMCS and where it is loaded, the controls, EPT and VPIDs, and turning VM
 * exits into struct hvm_exit.  Policy (CPUID, MSRs, ports, hypercalls) is
 * common code in src/hvm/.
 *
 * Where VMX differs from the architecture in a way SVM does not, the backend
 * makes up for it here, so common code sees one behaviour:
 *  - CR0.PG changes are intercepted and emulated (cr.c) to keep EFER.LMA and
 *    the "IA-32e mode guest" entry control in step, as the CPU does itself
 *    under SVM; CR4.VMXE is hidden behind the CR4 read shadow.
 *  - CR2, STAR/LSTAR/CSTAR/SFMASK and KERNEL_GS_BASE are not in the VMCS
 *    (SDM 24.4): CR2 is swapped around each entry, the MSRs while a vCPU is
 *    loaded on a CPU (vcpu_load/vcpu_put), so the guest may use them
 *    directly, as SVM's VMLOAD/VMSAVE let it.
 *  - The interrupt shadow of an instruction common code emulated ends with it.
 *
 * Files: setup.c (probe, controls from the capability MSRs, VMXON), vmx.c
 * (VMCS placement, vCPU life cycle, entry, exit decoding, state accessors),
 * cr.c (CR0/CR3/CR4/CR8 exits), ept.c (EPT entries, VPID/INVEPT), shadow.c
 * (the shadow pager's controls and registers, EFER without its controls),
 * realmode.c (the guest's real mode in virtual-8086 mode without unrestricted
 * guest), intr.c (interrupt and NMI windows), vmcs.c
 * (VMCS contents, entry-failure diagnostics), vmcs.h (encodings), entry.S.
 *
 * VMCS life cycle (SDM 24.1, 24.11): VMCLEAR at creation; VMPTRLD on the CPU
 * that runs the vCPU (then the host-state area is written for that CPU);
 * VMLAUNCH once, VMRESUME after; VMCLEAR on the old CPU (cross-CPU call)
 * before the vCPU runs on another one, and when its domain stops.
 */
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "hvm/hvm.h"
#include "hvm/vmstate.h"
#include "hvm/shadow.h"
#include "core/domain.h"
#include "core/percpu.h"
#include "core/smp.h"
#include "core/console.h"
#include "arch/x86/cpufeature.h"
#include "arch/x86/asm.h"
#include "mm/mm.h"
#include "lib/string.h"
#include "lib/errno.h"

#define RFLAGS_TF           (1u << 8)

static struct {
    struct vmx_vcpu *current;       /* (o) whose VMCS is current here, NULL none */
    struct vmx_vcpu *msr_owner;     /* (o) whose STAR..KERNEL_GS_BASE are loaded */
    uint64_t host_msrs[5];          /* (o) the host's values while msr_owner runs */
} vmx_cpu[RV_MAX_CPUS] __hot_data;

/* Not in the VMCS: loaded for the guest while it is on a CPU (see above).
 * Host code that runs meanwhile (exit handling, interrupts, softirqs) sees
 * the guest's values; that is safe while the hypervisor uses neither
 * SYSCALL nor SWAPGS (arch/x86/entry.S): PV guests will change that. */
const uint32_t vmx_lazy_msrs[5] = { 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, MSR_KERNEL_GS_BASE };

int vmx_enter(struct guest_regs *regs, uint64_t launched, uint64_t *host_rsp);  /* entry.S */

/* ---- Where the VMCS is loaded ------------------------------------------ */

/* Make x's VMCS current on this CPU; interrupts off.  The first load on a
 * CPU writes that CPU's host state. */
__hot_path static bool make_current(struct vmx_vcpu *x, unsigned cpu)
{
    if (vmx_cpu[cpu].current == x)
        return true;
    if (!vmx_vmptrld(x->vmcs_pa)) {
        log_err("vmx: cpu%u: VMPTRLD %#lx failed\n", cpu, (unsigned long)x->vmcs_pa);
        return false;
    }
    vmx_cpu[cpu].current = x;
    if (x->active_cpu != (int)cpu) {
        x->active_cpu = (int)cpu;
        vmcs_write_host_state();
    }
    return true;
}

/* VMCLEAR on the CPU where the VMCS is active: writes back what the CPU
 * cached and makes the launch state clear (24.11.3).  Interrupts off. */
static void clear_here(struct vmx_vcpu *x)
{
    unsigned cpu = smp_processor_id();

    if (x->active_cpu != (int)cpu)
        return;
    if (!vmx_vmclear(x->vmcs_pa))
        log_err("vmx: cpu%u: VMCLEAR %#lx failed\n", cpu, (unsigned long)x->vmcs_pa);
    if (vmx_cpu[cpu].current == x)
        vmx_cpu[cpu].current = NULL;    /* VMCLEAR of the current VMCS invalidates the pointer */
    x->active_cpu = -1;
    x->launched = false;
}

static void clear_remote(void *arg)
{
    uint64_t f = irq_save();
    clear_here(arg);
    irq_restore(f);
}

/* Clear x wherever it is active; false if that needed a cross-CPU call and
 * it could not be made. */
static bool clear_anywhere(struct vmx_vcpu *x)
{
    int where = READ_ONCE(x->active_cpu);

    if (where < 0)
        return true;
    if (where == (int)smp_processor_id()) {
        clear_remote(x);
        return true;
    }
    if (!irqs_enabled())
        return false;
    smp_call_function_single((unsigned)where, clear_remote, x);
    return READ_ONCE(x->active_cpu) < 0;
}

__hot_path bool vmcs_get(struct vmx_vcpu *x, struct vmcs_ctx *c)
{
    c->flags = irq_save();
    unsigned cpu = smp_processor_id();
    c->prev = vmx_cpu[cpu].current;
    c->temp = false;
    if (c->prev == x)
        return true;        /* the usual case: called while handling x's exit */
    if (x->active_cpu >= 0 && x->active_cpu != (int)cpu) {
        irq_restore(c->flags);
        log_err("vmx: cpu%u: VMCS %#lx is active on cpu%d and cannot be used here\n", cpu,
                (unsigned long)x->vmcs_pa, x->active_cpu);
        return false;
    }
    c->was_clear = x->active_cpu < 0;
    if (!vmx_vmptrld(x->vmcs_pa)) {
        irq_restore(c->flags);
        log_err("vmx: cpu%u: VMPTRLD %#lx failed\n", cpu, (unsigned long)x->vmcs_pa);
        return false;
    }
    vmx_cpu[cpu].current = x;
    x->active_cpu = (int)cpu;
    c->temp = true;
    return true;
}

__hot_path void vmcs_put(struct vmx_vcpu *x, struct vmcs_ctx *c)
{
    if (c->temp) {
        unsigned cpu = smp_processor_id();
        if (c->was_clear) {
            /* Leave it as found: clear, so it can be loaded anywhere.  Its
             * host state is written when it is next loaded to run. */
            vmx_vmclear(x->vmcs_pa);
            x->active_cpu = -1;
            x->launched = false;
        }
        vmx_cpu[cpu].current = NULL;
        if (c->prev && vmx_vmptrld(c->prev->vmcs_pa))
            vmx_cpu[cpu].current = c->prev;
    }
    irq_restore(c->flags);
}

/* ---- vCPU life cycle ---------------------------------------------------- */

static int vmx_vcpu_create(struct vcpu *v)
{
    struct vmx_vcpu *x = xzalloc(sizeof(*x), HEAP_HVM);
    void *vmcs = alloc_pages(0, DOMID_XEN);
    struct vmcs_ctx c;

    if (!x || !vmcs)
        goto nomem;
    if (vmx_cfg.efer_area) {
        x->msr_area = alloc_pages(0, DOMID_XEN);
        if (!x->msr_area)
            goto nomem;
        memset(x->msr_area, 0, 4096);
        x->msr_area[0] = x->msr_area[256] = MSR_EFER;   /* index in bits 31:0, 63:32 reserved */
        x->msr_area[257] = vmx_cfg.host_efer;
    }
    *(uint32_t *)vmcs = vmx_cfg.revision;      /* bit 31 clear: an ordinary VMCS (24.2) */
    x->vmcs = vmcs;
    x->vmcs_pa = virt_to_phys(vmcs);
    x->active_cpu = -1;
    x->last_cpu = -1;
    /* A new VMCS region is initialised by VMCLEAR before its first VMPTRLD
     * (24.11.3). */
    if (!vmx_vmclear(x->vmcs_pa)) {
        log_err("vmx: VMCLEAR of a new VMCS failed\n");
        goto nomem;
    }
    v->vendor = x;
    if (!vmcs_get(x, &c)) {
        v->vendor = NULL;
        goto nomem;
    }
    vmcs_setup(v);
    vmcs_put(x, &c);
    return 0;
nomem:
    if (vmcs)
        free_pages(vmcs, 0);
    if (x && x->msr_area)
        free_pages(x->msr_area, 0);
    xfree(x);
    return -ENOMEM;
}

static void vmx_vcpu_destroy(struct vcpu *v)
{
    struct vmx_vcpu *x = v->vendor;

    if (!x)
        return;
    v->vendor = NULL;
    if (!clear_anywhere(x)) {
        /* The CPU may still write its cached copy back: never reuse the page. */
        log_err("vmx: (d%u) v%u: VMCS still active on cpu%d; its page is not freed\n", v->domain->domid,
                v->vcpu_id, x->active_cpu);
        xfree(x);
        return;
    }
    vmx_rm_report(v, x);
    free_pages(x->vmcs, 0);
    if (x->msr_area)
        free_pages(x->msr_area, 0);
    xfree(x);
}

/* Start of hvm_vcpu_run, interrupts enabled: bring the VMCS here (VMCLEAR
 * on the CPU it last ran on first, 24.11.1) and load the guest's MSRs. */
static void vmx_vcpu_load(struct vcpu *v)
{
    struct vmx_vcpu *x = v->vendor;
    unsigned cpu = smp_processor_id();

    if (x->active_cpu >= 0 && x->active_cpu != (int)cpu && !clear_anywhere(x))
        log_err("vmx: (d%u) v%u: could not VMCLEAR on cpu%d\n", v->domain->domid, v->vcpu_id, x->active_cpu);
    uint64_t f = irq_save();
    if (x->active_cpu < 0 || x->active_cpu == (int)cpu)
        make_current(x, cpu);
    if (vmx_cpu[cpu].msr_owner != x) {
        for (unsigned i = 0; i < ARRAY_SIZE(vmx_lazy_msrs); i++) {
            vmx_cpu[cpu].host_msrs[i] = rdmsr(vmx_lazy_msrs[i]);
            wrmsr(vmx_lazy_msrs[i], x->msrs[i]);
        }
        vmx_cpu[cpu].msr_owner = x;
    }
    irq_restore(f);
}

/* End of hvm_vcpu_run, interrupts enabled. */
static void vmx_vcpu_put(struct vcpu *v)
{
    struct vmx_vcpu *x = v->vendor;
    unsigned cpu = smp_processor_id();
    uint64_t f = irq_save();

    if (vmx_cpu[cpu].msr_owner == x) {
        for (unsigned i = 0; i < ARRAY_SIZE(vmx_lazy_msrs); i++) {
            x->msrs[i] = rdmsr(vmx_lazy_msrs[i]);
            wrmsr(vmx_lazy_msrs[i], vmx_cpu[cpu].host_msrs[i]);
        }
        vmx_cpu[cpu].msr_owner = NULL;
    }
    /* A stopping domain will be destroyed from another CPU: clear now,
     * while this is the CPU that holds the VMCS. */
    if (__atomic_load_n(&v->domain->state, __ATOMIC_ACQUIRE) != DOMAIN_RUNNING)
        clear_here(x);
    irq_restore(f);
}

/* ---- Entering the guest ------------------------------------------------- */

__hot_path static bool exc_has_errcode(unsigned vector)
{
    /* #DF, #TS, #NP, #SS, #GP, #PF, #AC (SDM 26.2.1.3). */
    return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17;
}

__hot_path void vmx_inject(struct vcpu *v, unsigned type, uint8_t vector, bool has_err, uint32_t err)
{
    struct vmx_vcpu *x = v->vendor;
    struct vmcs_ctx c;

    if (x->shadow && x->sh_realmode) {
        vmx_rm_inject(v, x, type, vector);     /* through the real-mode IVT (realmode.c) */
        return;
    }
    if (!vmcs_get(x, &c))
        return;
    uint32_t info = vector | (type << 8) | INTR_INFO_VALID;
    /* The error-code bit is not a choice: VM entry requires it exactly for
     * these exceptions outside real mode (26.2.1.3). */
    if (type == INTR_TYPE_HW_EXC && exc_has_errcode(vector) && (vmx_guest_cr0(x) & CR0_PE)) {
        info |= INTR_INFO_ERR_VALID;
        vmwrite(VMCS_ENTRY_EXC_ERRCODE, has_err ? err : 0);
    }
    if (type == INTR_TYPE_SW_INTR) {
        /* Pushes RIP + length; 0 keeps RIP as SVM does, where allowed. */
        if (vmx_cfg.sw_inject_len0)
            vmwrite(VMCS_ENTRY_INSN_LEN, 0);
        else
            info = vector | (INTR_TYPE_EXT_INTR << 8) | INTR_INFO_VALID;
    }
    vmwrite(VMCS_ENTRY_INTR_INFO, info);
    x->nmi_injected = type == INTR_TYPE_NMI;
    vmcs_put(x, &c);
}

/* An event whose delivery the exit interrupted is delivered again
 * (SDM 27.2.3, 31.7.1.1). */
__hot_path static void reinject_vectoring(struct vmx_vcpu *x, uint32_t idt)
{
    unsigned type = INTR_INFO_TYPE(idt);

    vmwrite(VMCS_ENTRY_INTR_INFO, idt & ~(INTR_INFO_NMI_UNBLOCK | 0x7ffff000u));
    x->nmi_injected = type == INTR_TYPE_NMI;
    if (idt & INTR_INFO_ERR_VALID)
        vmwrite(VMCS_ENTRY_EXC_ERRCODE, vmread(VMCS_IDT_VECTORING_ERRCODE));
    if (type == INTR_TYPE_SW_INTR || type == INTR_TYPE_PRIV_SW_EXC || type == INTR_TYPE_SW_EXC)
        vmwrite(VMCS_ENTRY_INSN_LEN, vmread(VMCS_EXIT_INSN_LEN));
    if (type == INTR_TYPE_NMI && (x->intr_state & INTR_BLOCK_NMI)) {
        /* The NMI was not delivered: it may not be blocked by itself
         * (26.3.1.5). */
        x->intr_state &= ~INTR_BLOCK_NMI;
        vmwrite(VMCS_GUEST_INTERRUPTIBILITY, x->intr_state);
    }
}

static void decode_exit(struct vcpu *v, struct vmx_vcpu *x, uint32_t reason, struct hvm_exit *e);

/*
 * With virtual NMIs, interruptibility bit 3 is virtual-NMI blocking
 * (SDM 24.4.2): a VM entry loads it from the VMCS, delivering an injected
 * NMI sets it (26.6.1.1) and IRET clears it (25.3); the guest has no way to
 * set it itself.  So blocking at an exit that followed an entry with
 * neither (not blocked, no NMI injected) is not the guest's: the CPU kept
 * it from the VMCS that ran before.  Bochs 2.7 does that: its VM entry sets
 * its internal virtual-NMI mask when bit 3 is 1 but does not clear it when
 * bit 3 is 0, and exits leave the mask alone; so a guest that exits from
 * inside its NMI handler hands "NMIs blocked" to the next VMCS entered on
 * that CPU (another domain, or the same vCPU after moving CPUs), which
 * saves bit 3 at its next exit and then waits for an IRET that never
 * comes: no NMI is delivered to it again.  The bit is false, so it is
 * dropped: the next NMI is injected directly (its delivery makes the mask
 * right again, its handler's IRET clears it).  A conforming CPU never gets
 * here.  docs/hvm-platform.md "NMI nesting".
 */
__hot_path static void drop_foreign_nmi_blocking(struct vcpu *v, struct vmx_vcpu *x, bool blocked_at_entry,
                                      bool nmi_at_entry)
{
    static bool reported;

    if (!(vmx_cfg.pin & PIN_VIRTUAL_NMIS) || !(x->intr_state & INTR_BLOCK_NMI) || blocked_at_entry ||
        nmi_at_entry)
        return;
    x->intr_state &= ~INTR_BLOCK_NMI;
    vmwrite(VMCS_GUEST_INTERRUPTIBILITY, x->intr_state);
    if (!__atomic_exchange_n(&reported, true, __ATOMIC_RELAXED))
        domain_log(v->domain, LOG_WARN,
                   "v%u: the CPU reported NMI blocking that no NMI caused (left over from the VMCS it ran "
                   "before); cleared (reported once)\n", v->vcpu_id);
}

__hot_path static void vmx_vcpu_run(struct vcpu *v, struct hvm_exit *e)
{
    struct vmx_vcpu *x = v->vendor;
    unsigned cpu = smp_processor_id();

    memset(e, 0, sizeof(*e));
    if ((x->active_cpu >= 0 && x->active_cpu != (int)cpu) || !make_current(x, cpu)) {
        domain_log(v->domain, LOG_ERR, "v%u: VMCS is active on cpu%d, cannot run on cpu%u\n", v->vcpu_id,
                   x->active_cpu, cpu);
        e->reason = HVM_EXIT_INVALID;
        return;
    }
    if (unlikely(x->shadow && (x->sh_realmode || x->rm.active || x->rm.pe_pending || !x->sh_root))) {
        /* Without unrestricted guest (shadow paging turns it off: it needs
         * EPT) VM entry requires CR0.PE = 1 (26.3.1.1): the guest's real
         * mode runs in virtual-8086 mode (realmode.c).  (sh_root 0:
         * vmx_set_shadow failed, logged there.) */
        enum vmx_rm_next next = x->sh_root ? vmx_rm_before_entry(v, x) : VMX_RM_FAIL;
        if (next == VMX_RM_FAIL) {
            e->reason = HVM_EXIT_INVALID;
            e->raw = ~0ull;
            return;
        }
        if (next == VMX_RM_EMULATE) {
            /* A state VM entry cannot hold: run it in the emulator, a
             * bounded stretch, then back to the run loop (realmode.c). */
            vmx_rm_emulate(v, x, e);
            return;
        }
    }
    vmx_tlb_prepare(v, cpu);
    /* Common code emulated the instruction that carried an STI / MOV SS
     * shadow (e.g. "sti; hlt"): the shadow ends with it (SDM 26.6.1). */
    if ((x->intr_state & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS)) && v->regs.rip != x->exit_rip) {
        x->intr_state &= ~(INTR_BLOCK_STI | INTR_BLOCK_MOV_SS);
        vmwrite(VMCS_GUEST_INTERRUPTIBILITY, x->intr_state);
    }
    /* Single-stepping into a shadow: VM entry wants the pending single-step
     * trap recorded (BS, bit 14), or it fails (26.3.1.5). */
    if ((x->intr_state & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS)) && (v->regs.rflags & RFLAGS_TF))
        vmwrite(VMCS_GUEST_PENDING_DBG, vmread(VMCS_GUEST_PENDING_DBG) | (1u << 14));
    /* Only what changed since the VMCS last held it: each VMWRITE costs. */
    if (v->regs.rsp != x->vmcs_rsp)
        vmwrite(VMCS_GUEST_RSP, x->vmcs_rsp = v->regs.rsp);
    if (v->regs.rip != x->vmcs_rip)
        vmwrite(VMCS_GUEST_RIP, x->vmcs_rip = v->regs.rip);
    uint64_t rflags = x->rm.active ? vmx_rm_hw_rflags(x, v->regs.rflags) : v->regs.rflags;
    if (rflags != x->vmcs_rflags)
        vmwrite(VMCS_GUEST_RFLAGS, x->vmcs_rflags = rflags);
    if (read_cr2() != x->cr2)
        write_cr2(x->cr2);

    if (unlikely(hvm_vmstate_check) && !vmx_check_before_entry(v, x->launched)) {
        /* Never enter a state the checker refuses (hvm/vmstate.c). */
        e->reason = HVM_EXIT_INVALID;
        e->qual = HVM_INVALID_BY_CHECKER;
        e->raw = ~0ull;
        return;
    }
    bool blocked_at_entry = x->intr_state & INTR_BLOCK_NMI, nmi_at_entry = x->nmi_injected;
    v->vmrun_tsc = rdtsc();         /* the hypervisor's time per exit ends here (hvm.c run_loop) */
    int rc = vmx_enter(&v->regs, x->launched, &x->host_rsp);
    v->vmexit_tsc = rdtsc();

    if (rc) {
        vmcs_report_fail(v, rc);
        e->reason = HVM_EXIT_INVALID;
        e->raw = ~0ull;
        return;
    }
    x->cr2 = read_cr2();
    uint32_t reason = (uint32_t)vmread(VMCS_EXIT_REASON);
    if (reason & EXIT_REASON_ENTRY_FAIL) {
        /* The launch state is unchanged: VMLAUNCH again next time (26.7). */
        vmcs_report_entry_exit(v, reason);
        e->reason = HVM_EXIT_INVALID;
        e->raw = reason;
        return;
    }
    x->launched = true;
    v->regs.rsp = x->vmcs_rsp = vmread(VMCS_GUEST_RSP);
    v->regs.rip = x->vmcs_rip = vmread(VMCS_GUEST_RIP);
    v->regs.rflags = x->vmcs_rflags = vmread(VMCS_GUEST_RFLAGS);
    x->exit_rip = v->regs.rip;
    x->intr_state = (uint32_t)vmread(VMCS_GUEST_INTERRUPTIBILITY);
    x->nmi_injected = false;        /* every exit clears the field's valid bit (27.2) */
    drop_foreign_nmi_blocking(v, x, blocked_at_entry, nmi_at_entry);
    uint32_t idt = (uint32_t)vmread(VMCS_IDT_VECTORING_INFO);
    /* In virtual-8086 mode nothing is delivered through the IDT but INT n,
     * whose #GP is the exit (realmode.c). */
    if (x->rm.active)
        vmx_rm_after_exit(v, x);
    else if (idt & INTR_INFO_VALID)
        reinject_vectoring(x, idt);
    decode_exit(v, x, reason, e);
}

/* ---- Exits --------------------------------------------------------------- */

__hot_path static void decode_exit(struct vcpu *v, struct vmx_vcpu *x, uint32_t reason, struct hvm_exit *e)
{
    unsigned basic = reason & 0xffff;
    uint64_t qual;

    e->raw = basic;
    switch (basic) {
    case EXIT_EXCEPTION_NMI: {
        uint32_t info = (uint32_t)vmread(VMCS_EXIT_INTR_INFO);
        if (INTR_INFO_TYPE(info) == INTR_TYPE_NMI) {
            /* The host's NMI (NMI exiting): run its handler now, as if it
             * had arrived here (it stops CPUs on panic).  Its IRET ends the
             * NMI blocking the exit left in place. */
            __asm__ __volatile__("int $2" ::: "memory");
            e->reason = HVM_EXIT_NMI;
            break;
        }
        /* A fault in the guest's IRET unblocked NMIs: they are blocked again
         * while the fault is delivered (27.2.2). */
        if ((info & INTR_INFO_NMI_UNBLOCK) && (vmx_cfg.pin & PIN_VIRTUAL_NMIS) &&
            !(vmread(VMCS_IDT_VECTORING_INFO) & INTR_INFO_VALID)) {
            x->intr_state |= INTR_BLOCK_NMI;
            vmwrite(VMCS_GUEST_INTERRUPTIBILITY, x->intr_state);
        }
        unsigned vector = INTR_INFO_VECTOR(info);
        if (vector == 1) {
            /* #DB exits leave DR6 alone and report its bits in the
             * qualification (27.1, table 27-1): put them where the guest's
             * handler will look. */
            qual = vmread(VMCS_EXIT_QUAL);
            uint64_t dr6 = 0xffff0ff0ull | (qual & 0x600f);
            __asm__ __volatile__("mov %0, %%dr6" :: "r"(dr6));
        }
        if (x->rm.active && vector != 14) {
            vmx_rm_exception(v, x, info, e);   /* real mode: IVT or emulation */
            return;
        }
        e->reason = HVM_EXIT_EXCEPTION;
        e->qual = vector;
        if (vector == 14) {
            /* Shadow paging: the error code in the exit's error-code
             * field, the linear address in the qualification; CR2 is not
             * written by the exit (27.1). */
            e->qual |= (uint64_t)(uint32_t)vmread(VMCS_EXIT_INTR_ERRCODE) << 32;
            e->gpa = vmread(VMCS_EXIT_QUAL);
        }
        /* INT1 (privileged software exception) and INT3/INTO (software
         * exceptions) exit with RIP on the instruction and its length in
         * the exit instruction length (27.2.4, 27.2.5). */
        if (INTR_INFO_TYPE(info) == INTR_TYPE_PRIV_SW_EXC || INTR_INFO_TYPE(info) == INTR_TYPE_SW_EXC) {
            e->qual |= HVM_EXC_QUAL_SOFT;
            e->insn_len = (uint32_t)vmread(VMCS_EXIT_INSN_LEN);
        }
        break;
    }
    case EXIT_EXT_INTR:
        e->reason = HVM_EXIT_INTR;
        break;
    case EXIT_TRIPLE_FAULT:
        e->reason = HVM_EXIT_SHUTDOWN;
        break;
    case EXIT_INTR_WINDOW:
        e->reason = HVM_EXIT_VINTR;
        break;
    case EXIT_NMI_WINDOW:
        e->reason = HVM_EXIT_NMI_WINDOW;
        break;
    case EXIT_XSETBV:
        e->reason = HVM_EXIT_XSETBV;
        break;
    case EXIT_GDTR_IDTR:
    case EXIT_LDTR_TR:
        e->reason = HVM_EXIT_DESC_ACCESS;  /* on only for emulated UMIP (cr.c) */
        break;
    case EXIT_CPUID:
        e->reason = HVM_EXIT_CPUID;
        break;
    case EXIT_HLT:
        e->reason = HVM_EXIT_HLT;
        break;
    case EXIT_VMCALL:
        e->reason = HVM_EXIT_HYPERCALL;
        break;
    case EXIT_PAUSE:
        e->reason = HVM_EXIT_PAUSE;
        break;
    case EXIT_RDMSR:
    case EXIT_WRMSR:
        e->reason = basic == EXIT_WRMSR ? HVM_EXIT_MSR_WRITE : HVM_EXIT_MSR_READ;
        e->msr = (uint32_t)v->regs.rcx;
        break;
    case EXIT_IO:
        /* Qualification (table 27-5): 2:0 size - 1, 3 IN, 4 string, 5 REP,
         * 31:16 port. */
        qual = vmread(VMCS_EXIT_QUAL);
        e->reason = HVM_EXIT_IO;
        e->io.size = (uint8_t)((qual & 7) + 1);
        e->io.in = qual & 8;
        e->io.string = qual & 16;
        e->io.rep = qual & 32;
        e->io.port = (uint16_t)(qual >> 16);
        e->qual = qual;
        break;
    case EXIT_CR_ACCESS:
        qual = vmread(VMCS_EXIT_QUAL);
        if (x->shadow && vmx_shadow_cr_access(v, qual, (uint32_t)vmread(VMCS_EXIT_INSN_LEN), e))
            return;
        vmx_handle_cr_access(v, qual, (uint32_t)vmread(VMCS_EXIT_INSN_LEN));
        e->reason = HVM_EXIT_NONE;
        return;
    case EXIT_INVLPG:
        /* Shadow paging only: the linear address is the qualification
         * (SDM 27.2.1, table 27-1); the CPU checked CPL 0 before exiting
         * (25.1.1).  The shadow drops it; the CPU's TLB gets a fresh VPID
         * if anything went. */
        hvm_shadow_invlpg(v, vmread(VMCS_EXIT_QUAL));
        v->regs.rip += vmread(VMCS_EXIT_INSN_LEN);
        e->reason = HVM_EXIT_NONE;
        return;
    case EXIT_EPT_VIOLATION:
        /* Qualification (table 27-7): 0 read, 1 write, 2 fetch; 5:3 what
         * the translation allowed (any set: it existed). */
        qual = vmread(VMCS_EXIT_QUAL);
        e->reason = HVM_EXIT_NPF;
        e->gpa = vmread(VMCS_GUEST_PHYS_ADDR);
        e->qual = ((qual & 2) ? HVM_NPF_WRITE : 0) | ((qual & 4) ? HVM_NPF_FETCH : 0) |
                  ((qual & 1) ? HVM_NPF_READ : 0) | ((qual & 0x38) ? HVM_NPF_PRESENT : 0);
        if ((qual & (1u << 12)) && (vmx_cfg.pin & PIN_VIRTUAL_NMIS) &&
            !(vmread(VMCS_IDT_VECTORING_INFO) & INTR_INFO_VALID)) {
            x->intr_state |= INTR_BLOCK_NMI;     /* as for faults in IRET (27.2.3) */
            vmwrite(VMCS_GUEST_INTERRUPTIBILITY, x->intr_state);
        }
        return;
    case EXIT_EPT_MISCONFIG:
        /* Our own EPT entry is malformed (28.2.3.1): a hypervisor bug, but
         * only this domain depends on it. */
        domain_log(v->domain, LOG_ERR, "v%u: EPT misconfiguration at guest-physical %#lx (EPTP %#lx)\n",
                   v->vcpu_id, (unsigned long)vmread(VMCS_GUEST_PHYS_ADDR), (unsigned long)x->eptp);
        e->reason = HVM_EXIT_INVALID;
        return;
    case EXIT_VMCLEAR: case EXIT_VMLAUNCH: case EXIT_VMPTRLD: case EXIT_VMPTRST: case EXIT_VMREAD:
    case EXIT_VMRESUME: case EXIT_VMWRITE: case EXIT_VMXOFF: case EXIT_VMXON: case EXIT_INVEPT:
    case EXIT_INVVPID: case EXIT_VMFUNC: case EXIT_GETSEC: case EXIT_MONITOR: case EXIT_MWAIT:
        /* CPUID hides VMX, SMX and MONITOR: these instructions do not
         * exist for the guest (VMCALL is the hypercall), as on Xen. */
        vmx_inject(v, INTR_TYPE_HW_EXC, 6, false, 0);
        e->reason = HVM_EXIT_NONE;
        return;
    default:
        e->reason = HVM_EXIT_UNHANDLED;
        return;
    }
    /* Exits caused by an instruction report its length (27.2.5). */
    if (e->reason >= HVM_EXIT_CPUID && e->reason <= HVM_EXIT_HYPERCALL)
        e->insn_len = (uint32_t)vmread(VMCS_EXIT_INSN_LEN);
    else if (e->reason == HVM_EXIT_PAUSE)
        e->insn_len = (uint32_t)vmread(VMCS_EXIT_INSN_LEN);
}

/* ---- State accessors ------------------------------------------------------ */

/* enum hvm_segreg -> VMX segment index (ES CS SS DS FS GS LDTR TR); GDTR and
 * IDTR have no selector or access rights. */
static const int8_t seg_index[SEG_NR] = {
    [SEG_ES] = 0, [SEG_CS] = 1, [SEG_SS] = 2, [SEG_DS] = 3, [SEG_FS] = 4, [SEG_GS] = 5,
    [SEG_GDTR] = -1, [SEG_LDTR] = 6, [SEG_IDTR] = -1, [SEG_TR] = 7,
};

/* SVM packs descriptor bits 40-47 and 52-55 into 12 bits; VMX keeps them in
 * 7:0 and 15:12 and marks a null/unloaded segment "unusable" (24.4.1). */
static uint32_t attr_to_ar(uint16_t attr)
{
    uint32_t ar = (attr & 0xffu) | ((uint32_t)(attr & 0xf00u) << 4);
    return (attr & 0x80) ? ar : ar | AR_UNUSABLE;
}

__hot_path static uint16_t ar_to_attr(uint32_t ar)
{
    if (ar & AR_UNUSABLE)
        return (uint16_t)(ar & 0x60);   /* only the DPL means anything (SS: the CPL) */
    return (uint16_t)((ar & 0xff) | ((ar >> 4) & 0xf00));
}

__hot_path static void vmx_get_seg(struct vcpu *v, enum hvm_segreg s, struct hvm_seg *out)
{
    struct vmx_vcpu *x = v->vendor;
    struct vmcs_ctx c;

    memset(out, 0, sizeof(*out));
    if (s >= SEG_NR || vmx_rm_get_seg(x, s, out) || !vmcs_get(x, &c))
        return;
    if (s == SEG_GDTR || s == SEG_IDTR) {
        out->base = vmread(s == SEG_GDTR ? VMCS_GUEST_GDTR_BASE : VMCS_GUEST_IDTR_BASE);
        out->limit = (uint32_t)vmread(s == SEG_GDTR ? VMCS_GUEST_GDTR_LIMIT : VMCS_GUEST_IDTR_LIMIT);
    } else {
        int i = seg_index[s];
        out->sel = (uint16_t)vmread(VMCS_SEG(VMCS_GUEST_ES_SEL, i));
        out->base = vmread(VMCS_SEG(VMCS_GUEST_ES_BASE, i));
        out->limit = (uint32_t)vmread(VMCS_SEG(VMCS_GUEST_ES_LIMIT, i));
        out->attr = ar_to_attr((uint32_t)vmread(VMCS_SEG(VMCS_GUEST_ES_AR, i)));
    }
    vmcs_put(x, &c);
}

static void vmx_set_seg(struct vcpu *v, enum hvm_segreg s, const struct hvm_seg *in)
{
    struct vmx_vcpu *x = v->vendor;
    struct vmcs_ctx c;

    if (s >= SEG_NR || vmx_rm_set_seg(x, s, in) || !vmcs_get(x, &c))
        return;
    if (s == SEG_GDTR || s == SEG_IDTR) {
        vmwrite(s == SEG_GDTR ? VMCS_GUEST_GDTR_BASE : VMCS_GUEST_IDTR_BASE, in->base);
        vmwrite(s == SEG_GDTR ? VMCS_GUEST_GDTR_LIMIT : VMCS_GUEST_IDTR_LIMIT, in->limit);
    } else {
        int i = seg_index[s];
        vmwrite(VMCS_SEG(VMCS_GUEST_ES_SEL, i), in->sel);
        vmwrite(VMCS_SEG(VMCS_GUEST_ES_BASE, i), in->base);
        vmwrite(VMCS_SEG(VMCS_GUEST_ES_LIMIT, i), in->limit);
        vmwrite(VMCS_SEG(VMCS_GUEST_ES_AR, i), attr_to_ar(in->attr));
    }
    vmcs_put(x, &c);
}

__hot_path static void vmx_get_ctrl(struct vcpu *v, struct hvm_ctrl *out)
{
    struct vmx_vcpu *x = v->vendor;
    struct vmcs_ctx c;

    memset(out, 0, sizeof(*out));
    if (!vmcs_get(x, &c))
        return;
    out->cr0 = vmx_guest_cr0(x);
    out->cr2 = x->cr2;
    out->cr3 = x->shadow ? x->g_cr3 : vmread(VMCS_GUEST_CR3);
    out->cr4 = vmx_guest_cr4(x);
    out->efer = x->shadow ? x->g_efer : vmx_hw_efer(x);
    out->pat = (vmx_cfg.entry & ENTRY_LOAD_PAT) ? vmread(VMCS_GUEST_PAT) : x->pat;
    out->cpl = x->rm.active || x->rm.pe_pending ? 0 : (vmread(VMCS_SEG(VMCS_GUEST_ES_AR, 2)) >> 5) & 3;  /* SS.DPL (24.4.1) */
    /* PAE paging under EPT: the CPU walks with the PDPTEs it loaded at the
     * last MOV to CR (or VM entry), saved into the VMCS at the exit (27.3.4). */
    if (!x->shadow && (out->cr0 & CR0_PG) && (out->cr4 & CR4_PAE) && !(out->efer & EFER_LMA)) {
        out->pdptes_valid = true;
        for (unsigned i = 0; i < 4; i++)
            out->pdpte[i] = vmread(VMCS_GUEST_PDPTE0 + 2 * i);
    }
    vmcs_put(x, &c);
}

static void vmx_set_ctrl(struct vcpu *v, const struct hvm_ctrl *in)
{
    struct vmx_vcpu *x = v->vendor;
    struct vmcs_ctx c;

    if (!vmcs_get(x, &c))
        return;
    if (x->shadow) {
        vmx_set_ctrl_shadow(v, x, in);
        vmcs_put(x, &c);
        return;
    }
    uint64_t old_cr0 = vmx_guest_cr0(x), old_cr3 = vmread(VMCS_GUEST_CR3), old_cr4 = vmx_guest_cr4(x);
    vmx_set_cr0_raw(in->cr0);
    vmx_set_cr4_raw(in->cr4);
    vmwrite(VMCS_GUEST_CR3, in->cr3);
    x->cr2 = in->cr2;
    vmx_set_hw_efer(x, in->efer);
    vmx_set_ia32e(v, in->efer & EFER_LMA);
    if (vmx_cfg.entry & ENTRY_LOAD_PAT)
        vmwrite(VMCS_GUEST_PAT, in->pat);
    else
        x->pat = in->pat;
    if ((in->cr0 & CR0_PG) && (in->cr4 & CR4_PAE) && !(in->efer & EFER_LMA))
        vmx_load_pdptes(v, in->cr3);
    if (old_cr0 != in->cr0 || old_cr3 != in->cr3 || old_cr4 != in->cr4)
        __atomic_store_n(&v->tlb_flush_pending, true, __ATOMIC_SEQ_CST);
    vmcs_put(x, &c);
}

static void vmx_set_tsc_offset(struct vcpu *v, uint64_t offset)
{
    struct vmx_vcpu *x = v->vendor;
    struct vmcs_ctx c;

    if (!vmcs_get(x, &c))
        return;
    vmwrite(VMCS_TSC_OFFSET, offset);
    vmcs_put(x, &c);
}

__hot_path static void vmx_inject_event(struct vcpu *v, enum hvm_event_type t, uint8_t vector, bool has_err, uint32_t err)
{
    static const uint8_t types[] = {
        [HVM_EVENT_EXTINT] = INTR_TYPE_EXT_INTR, [HVM_EVENT_NMI] = INTR_TYPE_NMI,
        [HVM_EVENT_EXCEPTION] = INTR_TYPE_HW_EXC, [HVM_EVENT_SOFTINT] = INTR_TYPE_SW_INTR,
    };
    vmx_inject(v, types[t], t == HVM_EVENT_NMI ? 2 : vector, has_err, err);
}

/* VMREAD works only on the CPU where the VMCS is active (SDM 24.11.1): a
 * VMCS active elsewhere is left alone and that CPU named instead. */
static int vmx_dump_state(struct vcpu *v, struct hvm_vcpu_state *out)
{
    struct vmx_vcpu *x = v->vendor;
    int where = READ_ONCE(x->active_cpu);
    struct vmcs_ctx c;

    out->held_on = -1;
    if (where >= 0 && where != (int)smp_processor_id()) {
        out->held_on = where;
        return -EAGAIN;
    }
    vmx_get_ctrl(v, &out->ctrl);
    vmx_get_seg(v, SEG_CS, &out->cs);
    vmx_get_seg(v, SEG_SS, &out->ss);
    if (!vmcs_get(x, &c))
        return -EIO;
    out->exit_code = vmread(VMCS_EXIT_REASON);
    out->exit_qual = vmread(VMCS_EXIT_QUAL);
    out->exit_info2 = vmread(VMCS_IDT_VECTORING_INFO);
    out->event_inj = (uint32_t)vmread(VMCS_ENTRY_INTR_INFO);
    out->intr_shadow = vmread(VMCS_GUEST_INTERRUPTIBILITY) & 3;    /* blocking by STI / MOV SS */
    vmcs_put(x, &c);
    return 0;
}

static void vmx_hypercall_insn(uint8_t out[3])
{
    out[0] = 0x0f; out[1] = 0x01; out[2] = 0xc1;    /* VMCALL */
}

struct hvm_vendor_ops vmx_ops __hot_data = {
    .name = "VMX",
    .cpu_up = vmx_cpu_up,
    .vcpu_create = vmx_vcpu_create,
    .vcpu_destroy = vmx_vcpu_destroy,
    .vcpu_load = vmx_vcpu_load,
    .vcpu_put = vmx_vcpu_put,
    .vcpu_run = vmx_vcpu_run,
    .get_seg = vmx_get_seg,
    .set_seg = vmx_set_seg,
    .get_ctrl = vmx_get_ctrl,
    .set_ctrl = vmx_set_ctrl,
    .set_tsc_offset = vmx_set_tsc_offset,
    .inject_event = vmx_inject_event,
    .event_pending = vmx_event_pending,
    .interrupts_enabled = vmx_interrupts_enabled,
    .request_intr_window = vmx_request_intr_window,
    .nmi_allowed = vmx_nmi_allowed,
    .request_nmi_window = vmx_request_nmi_window,
    .p2m_encode = vmx_ept_encode,
    .hypercall_insn = vmx_hypercall_insn,
    .hap = true,            /* the probe clears it without EPT and unrestricted guest */
    .shadow = true,
    .set_shadow = vmx_set_shadow,
    .set_shadow_root = vmx_set_shadow_root,
    .dump_state = vmx_dump_state,
};
