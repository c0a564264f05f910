/*
 * The vendor-neutral HVM core: choosing the backend, the vCPU run loop and
 * the dispatch of exits to their handlers.  Nothing here knows whether the
 * CPU is Intel or AMD.
 */
#include "hvm/hvm.h"
#include "core/domain.h"
#include "core/sched.h"
#include "core/percpu.h"
#include "core/smp.h"
#include "core/softirq.h"
#include "core/console.h"
#include "arch/x86/asm.h"
#include "arch/x86/time.h"
#include "lib/errno.h"

const struct hvm_vendor_ops *hvm_vendor;

static int cpu_up_rc;

static void cpu_up_one(void *arg)
{
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
    on_each_cpu(cpu_up_one, NULL);
    if (cpu_up_rc) {
        log_err("hvm: enabling %s failed on some CPU (%d)\n", hvm_vendor->name, cpu_up_rc);
        hvm_vendor = NULL;
        return cpu_up_rc;
    }
    log_info("hvm: using %s\n", hvm_vendor->name);
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

bool hvm_guest_long_mode(struct vcpu *v)
{
    struct hvm_seg cs;
    struct hvm_ctrl c;

    hvm_vendor->get_ctrl(v, &c);
    hvm_vendor->get_seg(v, SEG_CS, &cs);
    /* EFER.LMA (bit 10) and CS.L (attr bit 9: descriptor bit 53). */
    return (c.efer & (1u << 10)) && (cs.attr & (1u << 9));
}

static void advance(struct vcpu *v, const struct hvm_exit *x)
{
    v->regs.rip += x->insn_len;
}

static void dump_and_crash(struct vcpu *v, const char *why, const struct hvm_exit *x)
{
    struct hvm_ctrl c;
    struct hvm_seg cs;

    hvm_vendor->get_ctrl(v, &c);
    hvm_vendor->get_seg(v, SEG_CS, &cs);
    domain_log(v->domain, LOG_ERR, "v%u: %s (exit %#lx)\n", v->vcpu_id, why, (unsigned long)x->raw);
    domain_log(v->domain, LOG_ERR, "v%u: RIP %016lx RSP %016lx RFLAGS %08lx CS %04x/%04x\n", v->vcpu_id,
               v->regs.rip, v->regs.rsp, v->regs.rflags, cs.sel, cs.attr);
    domain_log(v->domain, LOG_ERR, "v%u: RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n", v->vcpu_id,
               v->regs.rax, v->regs.rbx, v->regs.rcx, v->regs.rdx);
    domain_log(v->domain, LOG_ERR, "v%u: RSI %016lx RDI %016lx RBP %016lx\n", v->vcpu_id,
               v->regs.rsi, v->regs.rdi, v->regs.rbp);
    domain_log(v->domain, LOG_ERR, "v%u: CR0 %08lx CR3 %016lx CR4 %08lx EFER %04lx\n", v->vcpu_id,
               c.cr0, c.cr3, c.cr4, c.efer);
    domain_crash(v->domain, "%s", why);
}

/* Returns false when v must stop running (blocked, or its domain stopped). */
static bool handle_exit(struct vcpu *v, const struct hvm_exit *x)
{
    v->nr_exits++;
    switch (x->reason) {
    case HVM_EXIT_NONE:
    case HVM_EXIT_INTR:
    case HVM_EXIT_NMI:
        return true;    /* the host took (or takes) the interrupt */
    case HVM_EXIT_VINTR:
        hvm_vendor->request_intr_window(v, false);
        return true;
    case HVM_EXIT_CPUID:
        if (hvm_handle_cpuid(v))
            advance(v, x);
        return true;
    case HVM_EXIT_MSR_READ:
    case HVM_EXIT_MSR_WRITE:
        if (hvm_handle_msr(v, x->reason == HVM_EXIT_MSR_WRITE, x->msr))
            advance(v, x);
        return true;
    case HVM_EXIT_IO:
        if (hvm_handle_io(v, x))
            advance(v, x);
        return true;
    case HVM_EXIT_HLT:
        advance(v, x);
        sched_block(v);
        return false;
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
        /* No MMIO is emulated yet: an access outside RAM is fatal to the guest. */
        domain_log(v->domain, LOG_ERR, "v%u: %s of unbacked guest-physical address %#lx\n", v->vcpu_id,
                   (x->qual & HVM_NPF_WRITE) ? "write" : (x->qual & HVM_NPF_FETCH) ? "fetch" : "read",
                   (unsigned long)x->gpa);
        dump_and_crash(v, "access to unbacked memory", x);
        return false;
    case HVM_EXIT_EXCEPTION:
        /* #AC/#DB are only intercepted to bound their delivery: reflect them. */
        if (x->qual == 17)
            hvm_vendor->inject_event(v, HVM_EVENT_EXCEPTION, 17, true, 0);
        else
            hvm_vendor->inject_event(v, HVM_EVENT_EXCEPTION, (uint8_t)x->qual, false, 0);
        return true;
    case HVM_EXIT_SHUTDOWN:
        dump_and_crash(v, "triple fault", x);
        return false;
    case HVM_EXIT_INVALID:
        dump_and_crash(v, "the CPU refused the guest state (invalid VMCB/VMCS)", x);
        return false;
    case HVM_EXIT_UNHANDLED:
    default:
        dump_and_crash(v, "unhandled exit", x);
        return false;
    }
}

void hvm_print_exit_stats(struct vcpu *v)
{
    uint64_t khz = tsc_khz() ? tsc_khz() : 1;
    uint64_t host_ns = v->host_tsc * 1000000 / khz, guest_ns = v->guest_tsc * 1000000 / khz;
    uint64_t total = host_ns + guest_ns;

    domain_log(v->domain, LOG_INFO,
               "v%u: %lu exits; in guest %lu ms, in hypervisor %lu ms (%lu.%lu%%), %lu ns of hypervisor time per exit; ran on CPUs %#lx\n",
               v->vcpu_id, (unsigned long)v->nr_exits, (unsigned long)(guest_ns / 1000000),
               (unsigned long)(host_ns / 1000000), (unsigned long)(total ? host_ns * 100 / total : 0),
               (unsigned long)(total ? host_ns * 1000 / total % 10 : 0),
               (unsigned long)(v->nr_exits ? host_ns / v->nr_exits : 0), (unsigned long)v->ran_on);
}

static void run_loop(struct vcpu *v)
{
    struct percpu *cpu = this_cpu();
    struct hvm_exit x;

    for (;;) {
        cli();
        if (cpu->softirq_pending) {
            do_softirq();
            sti();
            if (sched_should_yield(v))
                return;
            continue;
        }
        if (sched_should_yield(v)) {
            sti();
            return;
        }
        uint64_t gen = __atomic_load_n(&v->domain->p2m.generation, __ATOMIC_ACQUIRE);
        if (gen != v->p2m_gen_seen) {
            v->p2m_gen_seen = gen;
            v->tlb_flush_pending = true;
        }
        uint64_t t_enter = rdtsc();
        if (v->exit_tsc)
            v->host_tsc += t_enter - v->exit_tsc;   /* hypervisor time since the last exit */
        hvm_vendor->vcpu_run(v, &x);    /* returns with interrupts disabled */
        v->exit_tsc = rdtsc();
        v->guest_tsc += v->exit_tsc - t_enter;
        sti();                          /* a pending host interrupt is taken here */
        if (!handle_exit(v, &x))
            return;
    }
}

void hvm_vcpu_run(struct vcpu *v)
{
    if (hvm_vendor->vcpu_load)
        hvm_vendor->vcpu_load(v);
    run_loop(v);
    /* Time after the last exit belongs to the hypervisor; time off the CPU
     * belongs to neither. */
    if (v->exit_tsc) {
        v->host_tsc += rdtsc() - v->exit_tsc;
        v->exit_tsc = 0;
    }
    if (hvm_vendor->vcpu_put)
        hvm_vendor->vcpu_put(v);
}
