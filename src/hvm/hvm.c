/*
 * The vendor-neutral HVM core: choosing the backend, the vCPU run loop and
 * the dispatch of exits to their handlers.  Nothing here knows whether the
 * CPU is Intel or AMD.
 */
#include "mm/logdirty.h"
#include "hvm/vmstate.h"
#include "hvm/hvm.h"
#include "hvm/ioreq.h"
#include "hvm/ctrlreg.h"
#include "core/time_info.h"
#include "hvm/vlapic.h"
#include "hvm/platform.h"
#include "core/domain.h"
#include "core/virt_caps.h"
#include "mm/p2m.h"
#include "core/vcpu_fpu.h"
#include "core/sched.h"
#include "core/percpu.h"
#include "core/smp.h"
#include "core/console.h"
#include "arch/x86/asm.h"
#include "arch/x86/time.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/fmt.h"
#include "hvm/shadow.h"
#include <stdarg.h>

const struct hvm_vendor_ops *hvm_vendor __hot_data;

static int cpu_up_rc;

static void cpu_up_one(void *arg)
{
    /* Guests' x87/SSE state is switched with FXSAVE/FXRSTOR (hvm_vcpu_run),
     * which covers the XMM registers only with CR4.OSFXSR set; CR0.TS/EM
     * clear so those instructions do not fault in the hypervisor. */
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
    write_cr0((read_cr0() & ~(CR0_TS | CR0_EM)) | CR0_MP | CR0_NE);
    int rc = hvm_vendor->cpu_up();
    if (rc)
        cpu_up_rc = rc;
}

int hvm_init(void)
{
    hvm_vendor = svm_probe();
    if (!hvm_vendor)
        hvm_vendor = vmx_probe();
    if (!hvm_vendor) {
        log_warn("hvm: no usable VMX or SVM; HVM domains are unavailable\n");
        return -ENODEV;
    }
    hvm_intr_init();
    hvm_ioreq_init();
    on_each_cpu(cpu_up_one, NULL);
    if (cpu_up_rc) {
        log_err("hvm: enabling %s failed on some CPU (%d)\n", hvm_vendor->name, cpu_up_rc);
        hvm_vendor = NULL;
        return cpu_up_rc;
    }
    p2m_set_format(hvm_vendor->p2m_encode);
    virt_caps_set(true, hvm_vendor->hap, hvm_vendor->shadow);
    log_info("hvm: using %s\n", hvm_vendor->name);
    hvm_dump_init();
    hvm_exit_stats_init();
    return 0;
}

bool hvm_available(void)
{
    return hvm_vendor != NULL;
}

void hvm_inject_gp(struct vcpu *v)
{
    hvm_vendor->inject_event(v, HVM_EVENT_EXCEPTION, 13, true, 0);
}

void hvm_inject_ud(struct vcpu *v)
{
    hvm_vendor->inject_event(v, HVM_EVENT_EXCEPTION, 6, false, 0);
}

__hot_path bool hvm_guest_long_mode(struct vcpu *v)
{
    struct hvm_seg cs;
    struct hvm_ctrl c;

    hvm_vendor->get_ctrl(v, &c);
    hvm_vendor->get_seg(v, SEG_CS, &cs);
    /* EFER.LMA (bit 10) and CS.L (attr bit 9: descriptor bit 53). */
    return (c.efer & (1u << 10)) && (cs.attr & (1u << 9));
}

__hot_path static void advance(struct vcpu *v, const struct hvm_exit *x)
{
    v->regs.rip += x->insn_len;
}

/* The vCPU's registers, at 'level', after a line saying why. */
static void dump_state(struct vcpu *v, const struct hvm_exit *x, int level, const char *why)
{
    struct hvm_ctrl c;
    struct hvm_seg cs;

    hvm_vendor->get_ctrl(v, &c);
    hvm_vendor->get_seg(v, SEG_CS, &cs);
    domain_log(v->domain, level, "v%u: %s (exit %#lx)\n", v->vcpu_id, why, (unsigned long)x->raw);
    domain_log(v->domain, level, "v%u: RIP %016lx RSP %016lx RFLAGS %08lx CS %04x/%04x\n", v->vcpu_id,
               v->regs.rip, v->regs.rsp, v->regs.rflags, cs.sel, cs.attr);
    domain_log(v->domain, level, "v%u: RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n", v->vcpu_id,
               v->regs.rax, v->regs.rbx, v->regs.rcx, v->regs.rdx);
    domain_log(v->domain, level, "v%u: RSI %016lx RDI %016lx RBP %016lx\n", v->vcpu_id,
               v->regs.rsi, v->regs.rdi, v->regs.rbp);
    domain_log(v->domain, level, "v%u: CR0 %08lx CR3 %016lx CR4 %08lx EFER %04lx\n", v->vcpu_id,
               c.cr0, c.cr3, c.cr4, c.efer);
}

void hvm_dump_and_crash(struct vcpu *v, const struct hvm_exit *x, const char *fmt, ...)
{
    char why[160];
    va_list ap;

    va_start(ap, fmt);
    fmt_vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    dump_state(v, x, LOG_ERR, why);
    domain_crash(v->domain, "%s", why);
}

/* A triple fault is what a PC's reset does to the machine: as Xen, the
 * domain is shut down with HVM_PARAM_TRIPLE_FAULT_REASON (SHUTDOWN_reboot
 * unless the toolstack chose otherwise; the guest cannot set it), and its
 * on_reboot (or on_crash, ...) action follows. */
void hvm_triple_fault(struct vcpu *v, const struct hvm_exit *x)
{
    static const char *const names[] = { "poweroff", "reboot", "suspend", "crash", "watchdog" };
    struct domain *d = v->domain;
    uint64_t reason = __atomic_load_n(&d->hvm_params[HVM_PARAM_TRIPLE_FAULT_REASON], __ATOMIC_ACQUIRE);

    if (reason > SHUTDOWN_watchdog)
        reason = SHUTDOWN_crash;
    dump_state(v, x, LOG_INFO, "triple fault");
    domain_log(d, LOG_INFO, "v%u: triple fault: shutting down with reason %s (HVM_PARAM_TRIPLE_FAULT_REASON)\n",
               v->vcpu_id, names[reason]);
    if (reason == SHUTDOWN_crash)
        domain_crash(d, "triple fault");
    else
        domain_shutdown(d, (int)reason);
}

/* Returns false when v must stop running (blocked, or its domain stopped). */
__hot_path static bool handle_exit(struct vcpu *v, const struct hvm_exit *x)
{
    v->exits_by_reason[x->reason < HVM_EXIT_NR ? x->reason : HVM_EXIT_UNHANDLED]++;
    v->last_exit = (uint8_t)(x->reason < HVM_EXIT_NR ? x->reason : HVM_EXIT_UNHANDLED);
    v->last_exit_qual = x->qual;
    switch (x->reason) {
    case HVM_EXIT_NONE:
    case HVM_EXIT_INTR:
    case HVM_EXIT_NMI:
        return true;    /* the host took (or takes) the interrupt */
    case HVM_EXIT_VINTR:
        hvm_vendor->request_intr_window(v, false);
        return true;
    case HVM_EXIT_NMI_WINDOW:
        hvm_vendor->request_nmi_window(v, false);
        return true;
    case HVM_EXIT_XSETBV:
        /* XSAVE is not offered (CPUID policy): the instruction is #UD. */
        hvm_inject_ud(v);
        return true;
    case HVM_EXIT_CPUID:
        if (hvm_handle_cpuid(v))
            advance(v, x);
        return true;
    case HVM_EXIT_MSR_READ:
    case HVM_EXIT_MSR_WRITE:
        hvm_count_msr(v, x->msr, x->reason == HVM_EXIT_MSR_WRITE);
        if (hvm_handle_msr(v, x->reason == HVM_EXIT_MSR_WRITE, x->msr))
            advance(v, x);
        return true;
    case HVM_EXIT_CR_WRITE:
        return hvm_handle_cr_write(v, x);
    case HVM_EXIT_IO:
        if (hvm_handle_io(v, x))
            advance(v, x);
        return true;
    case HVM_EXIT_HLT:
        advance(v, x);
        /* HLT ends at the next interrupt: one already waiting means no
         * sleep at all.  A wake racing with sched_block is kept by it. */
        if (hvm_intr_pending(v) && hvm_vendor->interrupts_enabled(v))
            return true;
        /* The run loop's sched_may_enter sees the block: it waits a moment
         * on this CPU for the wake (sched.c block_spin) before leaving. */
        sched_block(v);
        return true;
    case HVM_EXIT_PAUSE:
        advance(v, x);
        return true;
    case HVM_EXIT_HYPERCALL:
        /* A refused call raises #UD, a fault: RIP must stay on the
         * instruction.  Otherwise move past it (blocking or shutting down
         * inside the call only changes scheduler state). */
        if (hvm_hypercall(v))
            advance(v, x);
        return true;
    case HVM_EXIT_NPF:
        /* A write to RAM that log-dirty write-protected (mm/logdirty.c):
         * marked, made writable, the instruction runs again. */
        if ((x->qual & HVM_NPF_WRITE) && logdirty_write_fault(v, x->gpa))
            return true;
        /* Outside RAM: an emulated device, or nothing (then the emulator
         * has crashed the domain, naming the address). */
        return hvm_emulate_mmio(v, x);
    case HVM_EXIT_EXCEPTION: {
        uint8_t vec = (uint8_t)x->qual;

        /* #PF: intercepted only for shadow paging (hvm/shadow_hvm.c). */
        if (vec == 14)
            return hvm_shadow_page_fault(v, x, x->gpa, HVM_EXC_QUAL_ERR(x->qual));
        /* #UD: intercepted only with hvm_fep (hvm/fep.c). */
        if (vec == 6)
            return hvm_handle_ud(v);
        /* #GP: intercepted only by SVM with emulated UMIP (svm.c). */
        if (vec == 13) {
            if (!hvm_gp_cr4_write(v, x))
                hvm_vendor->inject_event(v, HVM_EVENT_EXCEPTION, 13, true, HVM_EXC_QUAL_ERR(x->qual));
            return true;
        }
        /* A trap an instruction raised (INT1/ICEBP's #DB, on VMX) with RIP
         * still on it: its handler must return after it. */
        if (x->qual & HVM_EXC_QUAL_SOFT)
            advance(v, x);
        /* #AC/#DB are only intercepted to bound their delivery: reflect them. */
        if (vec == 17)
            hvm_vendor->inject_event(v, HVM_EVENT_EXCEPTION, 17, true, 0);
        else
            hvm_vendor->inject_event(v, HVM_EVENT_EXCEPTION, vec, false, 0);
        return true;
    }
    case HVM_EXIT_DESC_ACCESS:
        return hvm_emulate_insn(v, x);
    case HVM_EXIT_SHUTDOWN:
        hvm_triple_fault(v, x);
        return false;
    case HVM_EXIT_INVALID:
        hvm_dump_and_crash(v, x, x->qual == HVM_INVALID_BY_CHECKER
                                     ? "the guest-state checker refused the state before entry (vmstate line)"
                                     : "the CPU refused the guest state (invalid VMCB/VMCS)");
        return false;
    case HVM_EXIT_UNHANDLED:
    default:
        hvm_dump_and_crash(v, x, "unhandled exit");
        return false;
    }
}

const char *const hvm_exit_names[HVM_EXIT_NR] = {
    [HVM_EXIT_NONE] = "none", [HVM_EXIT_INTR] = "intr", [HVM_EXIT_NMI] = "nmi", [HVM_EXIT_VINTR] = "vintr",
    [HVM_EXIT_NMI_WINDOW] = "nmi_window", [HVM_EXIT_XSETBV] = "xsetbv", [HVM_EXIT_CPUID] = "cpuid",
    [HVM_EXIT_MSR_READ] = "msr_read", [HVM_EXIT_MSR_WRITE] = "msr_write", [HVM_EXIT_IO] = "io",
    [HVM_EXIT_HLT] = "hlt", [HVM_EXIT_HYPERCALL] = "hypercall", [HVM_EXIT_NPF] = "npf",
    [HVM_EXIT_EXCEPTION] = "exception", [HVM_EXIT_SHUTDOWN] = "shutdown", [HVM_EXIT_PAUSE] = "pause",
    [HVM_EXIT_INVALID] = "invalid", [HVM_EXIT_UNHANDLED] = "unhandled", [HVM_EXIT_CR_WRITE] = "cr_write",
    [HVM_EXIT_DESC_ACCESS] = "desc_access",
};
_Static_assert(HVM_EXIT_NR <= ARRAY_SIZE(((struct vcpu *)0)->exits_by_reason), "exit counters");
_Static_assert(HVM_EXIT_NR <= ARRAY_SIZE(((struct vcpu *)0)->exit_cost), "exit cost counters");

/* The hypervisor's time for the last exit, #VMEXIT to this VMRUN: into the
 * vCPU's totals and its per-kind figures (exit_stats.c).  Plain adds on v's
 * own fields, written only here on the CPU v runs on: no lock, no atomics. */
static inline void hvm_account_exit(struct vcpu *v, uint64_t ticks)
{
    unsigned r = v->last_exit;

    v->host_tsc += ticks;
    v->exit_cost[r].n++;
    v->exit_cost[r].tsc += ticks;
    if (ticks < v->exit_cost[r].min || !v->exit_cost[r].min)
        v->exit_cost[r].min = ticks;
    xstat_add(&v->xstats.hvm[r], ticks);
    if (r == HVM_EXIT_HYPERCALL) {
        v->hc_cost[v->last_hc].n++;
        v->hc_cost[v->last_hc].tsc += ticks;
    }
}

__hot_path static void run_loop(struct vcpu *v)
{
    struct hvm_exit x;

    while (sched_may_enter(v)) {
        /* Waiting for a device model's answer (hvm/ioreq.c): blocked until
         * it comes; its event wakes v (a wake racing with the block is kept
         * by sched_block, so the next pass looks again). */
        if (unlikely(__atomic_load_n(&v->ioreq_srv, __ATOMIC_ACQUIRE))) {
            int done = hvm_ioreq_complete(v);
            if (done < 0) {
                sti();
                return;             /* the domain was crashed */
            }
            if (!done) {
                sched_block(v);
                continue;
            }
        }
        uint64_t gen = __atomic_load_n(&v->domain->p2m.generation, __ATOMIC_ACQUIRE);
        if (gen != v->p2m_gen_seen) {
            __atomic_store_n(&v->p2m_gen_seen, gen, __ATOMIC_RELEASE);   /* physmap_flush waits for this */
            v->tlb_flush_pending = true;
            hvm_shadow_request_flush(v);    /* shadow leaves hold machine frames from the p2m */
        }
        hvm_shadow_before_entry(v);
        hvm_intr_assist(v);
        hvm_msr_guest_load(v);
        v->vmrun_tsc = 0;
        hvm_vendor->vcpu_run(v, &x);    /* returns with interrupts disabled; stamps vmrun/vmexit_tsc */
        hvm_msr_host_load(v);
        if (unlikely(!v->vmrun_tsc))    /* refused before entry: no guest time */
            v->vmrun_tsc = v->vmexit_tsc = rdtsc();
        /* The previous exit's handling ended at this VMRUN (last_exit still
         * names it): hypervisor time, by kind (exit_stats.c). */
        if (v->exit_tsc)
            hvm_account_exit(v, v->vmrun_tsc - v->exit_tsc);
        v->exit_tsc = v->vmexit_tsc;
        v->guest_tsc += v->vmexit_tsc - v->vmrun_tsc;
        sti();                          /* a pending host interrupt is taken here */
        if (!handle_exit(v, &x))
            return;
    }
}

void hvm_set_start_state(struct vcpu *v, const struct hvm_start_state *s)
{
    struct hvm_ctrl c;

    hvm_vendor->set_seg(v, SEG_CS, &s->cs);
    hvm_vendor->set_seg(v, SEG_DS, &s->data);
    hvm_vendor->set_seg(v, SEG_ES, &s->data);
    hvm_vendor->set_seg(v, SEG_FS, &s->data);
    hvm_vendor->set_seg(v, SEG_GS, &s->data);
    hvm_vendor->set_seg(v, SEG_SS, &s->data);
    hvm_vendor->set_seg(v, SEG_TR, &s->tr);
    hvm_vendor->set_seg(v, SEG_LDTR, &s->ldtr);
    hvm_vendor->set_seg(v, SEG_GDTR, &s->gdtr);
    hvm_vendor->set_seg(v, SEG_IDTR, &s->idtr);
    hvm_vendor->get_ctrl(v, &c);
    c.cr0 = s->cr0;
    c.cr2 = 0;
    c.cr3 = s->cr3;
    c.cr4 = s->cr4;
    c.efer = s->efer;
    hvm_vendor->set_ctrl(v, &c);
    memset(&v->regs, 0, sizeof(v->regs));
    v->regs.rip = s->rip;
    v->regs.rflags = 2;
}

/* An application processor after INIT waits for a SIPI, then starts in
 * real mode at vector * 4096 (SDM vol. 3 9.4.4, 11.6.1).  Segment
 * attributes are in the SVM packed form (vendor.h). */
static bool start_from_sipi(struct vcpu *v)
{
    int vec = vlapic_take_sipi(v);
    if (vec < 0)
        return false;
    const struct hvm_start_state st = {
        .cs = { (uint16_t)(vec << 8), 0x9b, 0xffff, (uint64_t)vec << 12 },
        .data = { 0, 0x93, 0xffff, 0 },
        .tr = { 0, 0x8b, 0xffff, 0 },
        .ldtr = { 0, 0x82, 0xffff, 0 },
        .gdtr = { 0, 0, 0xffff, 0 },
        .idtr = { 0, 0, 0xffff, 0 },
        .cr0 = 0x60000010,  /* CD NW ET: the INIT value */
    };
    hvm_set_start_state(v, &st);
    return true;
}

/* DR0-3 (and DR6, which VMX does not switch; SVM's VMRUN loads the VMCB's
 * over it) belong to whichever guest last wrote them: a stint starts with
 * the vCPU's own and ends by keeping them.  The hypervisor uses none of
 * them; a PV stint on the same CPU puts back what it found (pv_emul.c). */
static void hvm_dr_load(const struct vcpu *v)
{
    __asm__ __volatile__("mov %0, %%db0" :: "r"(v->hvm_dr[0]));
    __asm__ __volatile__("mov %0, %%db1" :: "r"(v->hvm_dr[1]));
    __asm__ __volatile__("mov %0, %%db2" :: "r"(v->hvm_dr[2]));
    __asm__ __volatile__("mov %0, %%db3" :: "r"(v->hvm_dr[3]));
    __asm__ __volatile__("mov %0, %%db6" :: "r"(v->hvm_dr6));
}

static void hvm_dr_save(struct vcpu *v)
{
    __asm__ __volatile__("mov %%db0, %0" : "=r"(v->hvm_dr[0]));
    __asm__ __volatile__("mov %%db1, %0" : "=r"(v->hvm_dr[1]));
    __asm__ __volatile__("mov %%db2, %0" : "=r"(v->hvm_dr[2]));
    __asm__ __volatile__("mov %%db3, %0" : "=r"(v->hvm_dr[3]));
    __asm__ __volatile__("mov %%db6, %0" : "=r"(v->hvm_dr6));
}

__hot_path void hvm_vcpu_run(struct vcpu *v)
{
    if (vlapic_waiting_for_sipi(v) && !start_from_sipi(v)) {
        sched_block(v);     /* a SIPI (hvm_vcpu_kick) wakes it */
        return;
    }
    if (hvm_vendor->vcpu_load)
        hvm_vendor->vcpu_load(v);
    vcpu_fpu_load(v);
    hvm_dr_load(v);
    if (v->runstate_gpa)
        time_info_runstate(v, RUNSTATE_running);
    run_loop(v);
    hvm_dr_save(v);
    if (v->runstate_gpa)
        time_info_runstate(v, READ_ONCE(v->state) == VCPU_BLOCKED ? RUNSTATE_blocked : RUNSTATE_runnable);
    vcpu_fpu_save(v);
    /* Time after the last exit belongs to the hypervisor; time off the CPU
     * belongs to neither.  An exit that ends the stint (preempted by the
     * scheduler's tick, the domain stopping) is timed up to here; one after
     * which the vCPU blocked is not timed by kind: its time includes the
     * block spin's wait for the wake (sched.c). */
    if (v->exit_tsc) {
        uint64_t t = rdtsc() - v->exit_tsc;
        if (READ_ONCE(v->state) == VCPU_BLOCKED)
            v->host_tsc += t;
        else
            hvm_account_exit(v, t);
        v->exit_tsc = 0;
    }
    if (hvm_vendor->vcpu_put)
        hvm_vendor->vcpu_put(v);
}
