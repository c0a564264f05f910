/*
 * Debug key 'd': the registers, mode, last exit, pending events, code bytes
 * and stack of every vCPU of every domain, then what each physical CPU is
 * doing.  Registered with core/keyhandler.c by hvm_dump_init, so core never
 * calls into hvm/.
 *
 * Consistency.  A vCPU's state may only be read while it is not in guest
 * mode, and under VMX only on the CPU where its VMCS is active.  So each
 * vCPU is first paused (no CPU may start or steal it), then sampled by the
 * CPU that holds its state: this one, or the CPU running it / holding its
 * VMCS, asked through SOFTIRQ_DUMP.  That softirq runs in the run loop
 * between two guest entries, or in the idle loop, where the state is stable.
 * A CPU that does not answer within DUMP_WAIT_NS is reported as such
 * ("state not sampled"), with the hypervisor RIP an NMI finds it at: the
 * console never waits longer than that per CPU.
 *
 * Output: a few short lines per vCPU, ending with one "where:" line that
 * tools/rvlib/hangdump.py quotes when a run times out.
 */
#include "hvm/hvm.h"
#include "hvm/dump_fmt.h"
#include "hvm/vlapic.h"
#include "core/domain.h"
#include "core/domain_kind.h"
#include "core/sched.h"
#include "core/smp.h"
#include "core/softirq.h"
#include "core/percpu.h"
#include "core/console.h"
#include "core/panic.h"
#include "core/keyhandler.h"
#include "arch/x86/apic.h"
#include "arch/x86/asm.h"
#include "arch/x86/time.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/fmt.h"

#define DUMP_WAIT_NS    250000000ull    /* per CPU asked: a stuck CPU costs the console this much */
#define CODE_BYTES      16u
#define STACK_WORDS     4u

struct vcpu_sample {
    struct guest_regs regs;
    struct hvm_vcpu_state st;
    uint8_t code[CODE_BYTES];
    unsigned code_len;
    uint64_t stack[STACK_WORDS];
    unsigned stack_len, stack_width;    /* words read, 4 or 8 bytes each */
    int lapic_vector;                   /* highest deliverable, -1 none */
    uint8_t upcall_pending, upcall_mask;
};

/*
 * The one request in flight.  req_lock (taken with interrupts off; nothing
 * is taken under it but the locks sampling takes: VMCS loading, p2m, vLAPIC)
 * guards req.  One dumper at a time (dump_busy) makes requests, one by one;
 * a late answer after the requester gave up finds req.active false and does
 * nothing.
 */
static spinlock_t req_lock = SPINLOCK_INIT;
static struct {
    bool active;
    bool done;                  /* (a) read by the waiting requester without the lock */
    unsigned cpu;               /* CPU asked */
    struct vcpu *v;             /* NULL: only answer (the CPU state check) */
    int rc;
    struct vcpu_sample *out;
} req;
static struct vcpu_sample sample_buf;   /* (req_lock) */
/* (a) one dump at a time: the 'd' key (CPU 0) and the no-progress report
 * (another CPU) both make requests; whoever finds it set does not dump. */
static bool dump_busy;

/* Guest bytes at seg.base + off, as far as the guest's page tables map them
 * and within one page; returns how many were read. */
static unsigned read_guest(struct vcpu *v, const struct hvm_seg *seg, bool flat64, uint64_t off,
                           void *dst, unsigned len)
{
    uint64_t lin = flat64 ? off : (seg->base + off) & 0xffffffffull;
    unsigned room = 4096u - (unsigned)(lin & 4095);
    if (len > room)
        len = room;
    return hvm_copy_from_guest(v, dst, lin, len) == 0 ? len : 0;
}

/* On the CPU that holds v's state, v not in guest mode; req_lock held. */
static int sample_here(struct vcpu *v, struct vcpu_sample *s)
{
    memset(s, 0, sizeof(*s));
    int rc = hvm_vendor->dump_state(v, &s->st);
    if (rc)
        return rc;
    s->regs = v->regs;
    bool lm = (s->st.ctrl.efer & (1u << 10)) && (s->st.cs.attr & (1u << 9));
    s->code_len = read_guest(v, &s->st.cs, lm, s->regs.rip, s->code, CODE_BYTES);
    s->stack_width = lm ? 8 : 4;
    uint32_t words32[STACK_WORDS];
    if (lm)
        s->stack_len = read_guest(v, &s->st.ss, true, s->regs.rsp, s->stack, sizeof(s->stack)) / 8;
    else {
        s->stack_len = read_guest(v, &s->st.ss, false, s->regs.rsp & 0xffffffffull, words32, sizeof(words32)) / 4;
        for (unsigned i = 0; i < s->stack_len; i++)
            s->stack[i] = words32[i];
    }
    s->lapic_vector = vlapic_pending_vector(v);
    struct vcpu_info *vi = __atomic_load_n(&v->vcpu_info, __ATOMIC_ACQUIRE);
    if (vi) {
        s->upcall_pending = __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_RELAXED);
        s->upcall_mask = __atomic_load_n(&vi->evtchn_upcall_mask, __ATOMIC_RELAXED);
    }
    return 0;
}

/* SOFTIRQ_DUMP: answer the request addressed to this CPU. */
static void dump_softirq(void)
{
    uint64_t f = spin_lock_irqsave(&req_lock);
    if (req.active && !req.done && req.cpu == smp_processor_id()) {
        req.rc = req.v ? sample_here(req.v, req.out) : 0;
        __atomic_store_n(&req.done, true, __ATOMIC_RELEASE);
    }
    spin_unlock_irqrestore(&req_lock, f);
}

/* Ask 'cpu' (possibly this one) to sample v (or just to answer, v NULL).
 * Returns 0, the sampler's error, or -ETIMEDOUT. */
static int ask(unsigned cpu, struct vcpu *v, struct vcpu_sample *out)
{
    uint64_t f = spin_lock_irqsave(&req_lock);
    req.active = true;
    req.done = false;
    req.cpu = cpu;
    req.v = v;
    req.out = out;
    req.rc = -ETIMEDOUT;
    spin_unlock_irqrestore(&req_lock, f);
    if (cpu == smp_processor_id())
        dump_softirq();
    else
        cpu_raise_softirq(cpu, SOFTIRQ_DUMP);
    uint64_t deadline = now_ns() + DUMP_WAIT_NS;
    while (!__atomic_load_n(&req.done, __ATOMIC_ACQUIRE) && now_ns() < deadline)
        cpu_relax();
    f = spin_lock_irqsave(&req_lock);
    int rc = req.done ? req.rc : -ETIMEDOUT;
    req.active = false;
    spin_unlock_irqrestore(&req_lock, f);
    return rc;
}

static void print_sample(struct vcpu *v, const struct vcpu_sample *s, const char *where)
{
    struct domain *d = v->domain;
    const struct guest_regs *r = &s->regs;
    const struct hvm_ctrl *c = &s->st.ctrl;
    const char *mode = hvm_dump_mode(c->cr0, c->cr4, c->efer, r->rflags, s->st.cs.attr);
    unsigned id = v->vcpu_id;
    char text[80];

    domain_log(d, LOG_INFO, "v%u: RIP %04x:%016lx RSP %04x:%016lx RFLAGS %08lx\n", id, s->st.cs.sel,
               (unsigned long)r->rip, s->st.ss.sel, (unsigned long)r->rsp, (unsigned long)r->rflags);
    domain_log(d, LOG_INFO, "v%u: CPL%u %s\n", id, c->cpl, mode);
    domain_log(d, LOG_INFO, "v%u: RAX %016lx RBX %016lx RCX %016lx\n", id, r->rax, r->rbx, r->rcx);
    domain_log(d, LOG_INFO, "v%u: RDX %016lx RSI %016lx RDI %016lx\n", id, r->rdx, r->rsi, r->rdi);
    domain_log(d, LOG_INFO, "v%u: RBP %016lx R8  %016lx R9  %016lx\n", id, r->rbp, r->r8, r->r9);
    domain_log(d, LOG_INFO, "v%u: R10 %016lx R11 %016lx R12 %016lx\n", id, r->r10, r->r11, r->r12);
    domain_log(d, LOG_INFO, "v%u: R13 %016lx R14 %016lx R15 %016lx\n", id, r->r13, r->r14, r->r15);
    domain_log(d, LOG_INFO, "v%u: CR0 %08lx CR2 %016lx CR3 %016lx\n", id, (unsigned long)c->cr0,
               (unsigned long)c->cr2, (unsigned long)c->cr3);
    domain_log(d, LOG_INFO, "v%u: CR4 %08lx EFER %08lx\n", id, (unsigned long)c->cr4, (unsigned long)c->efer);
    unsigned le = READ_ONCE(v->last_exit);
    domain_log(d, LOG_INFO, "v%u: last exit %s qual %#lx (vendor %#lx %#lx %#lx)\n", id,
               le < HVM_EXIT_NR ? hvm_exit_names[le] : "?", (unsigned long)READ_ONCE(v->last_exit_qual),
               (unsigned long)s->st.exit_code, (unsigned long)s->st.exit_qual, (unsigned long)s->st.exit_info2);
    hvm_dump_event(text, sizeof(text), s->st.event_inj);
    domain_log(d, LOG_INFO, "v%u: inject %s; shadow %u; lapic %d; upcall pending %u mask %u vector %#x\n", id,
               text, s->st.intr_shadow, s->lapic_vector, s->upcall_pending, s->upcall_mask,
               __atomic_load_n(&v->upcall_vector, __ATOMIC_RELAXED));
    if (s->code_len) {
        hvm_dump_hex(text, sizeof(text), s->code, s->code_len);
        domain_log(d, LOG_INFO, "v%u: code at RIP: %s\n", id, text);
    } else
        domain_log(d, LOG_INFO, "v%u: code at RIP: not mapped\n", id);
    if (s->stack_len == 4 && s->stack_width == 8)
        domain_log(d, LOG_INFO, "v%u: stack: %016lx %016lx %016lx %016lx\n", id, s->stack[0], s->stack[1],
                   s->stack[2], s->stack[3]);
    else if (s->stack_len == 4)
        domain_log(d, LOG_INFO, "v%u: stack: %08lx %08lx %08lx %08lx\n", id, s->stack[0], s->stack[1],
                   s->stack[2], s->stack[3]);
    else
        domain_log(d, LOG_INFO, "v%u: stack: %u words readable\n", id, s->stack_len);
    domain_log(d, LOG_INFO, "v%u: where: RIP %#lx, %s, CPL%u, %s, last exit %s\n", id, (unsigned long)r->rip,
               mode, c->cpl, where, le < HVM_EXIT_NR ? hvm_exit_names[le] : "?");
}

static void nmi_sample(unsigned c);

/* Pause v, sample it where its state is, unpause, print. */
static void dump_vcpu(struct vcpu *v)
{
    struct domain *d = v->domain;
    char where[64];
    int paused = __atomic_load_n(&v->pause_count, __ATOMIC_ACQUIRE);
    const char *rs = sched_vcpu_state_name(v);
    bool running = sched_vcpu_running(v);
    unsigned cpu = READ_ONCE(v->processor);

    if (__atomic_load_n(&d->state, __ATOMIC_ACQUIRE) != DOMAIN_RUNNING)
        fmt_snprintf(where, sizeof(where), "%s, domain %s", rs, domain_state_name(__atomic_load_n(&d->state, __ATOMIC_ACQUIRE)));
    else if (paused > 0 && !running)
        fmt_snprintf(where, sizeof(where), "paused (%d)", paused);
    else if (running)
        fmt_snprintf(where, sizeof(where), "running on cpu%u", cpu);
    else
        fmt_snprintf(where, sizeof(where), "%s, cpu%u", rs, cpu);

    sched_pause_vcpu(v);
    int rc;
    if (sched_vcpu_running(v)) {
        cpu = READ_ONCE(v->processor);
        rc = ask(cpu, v, &sample_buf);
    } else {
        rc = ask(smp_processor_id(), v, &sample_buf);
        if (rc == -EAGAIN && sample_buf.st.held_on >= 0) {
            cpu = (unsigned)sample_buf.st.held_on;
            rc = ask(cpu, v, &sample_buf);
        }
    }
    if (rc == -ETIMEDOUT) {
        /* Where is that CPU?  The NMI also makes a CPU that sits in a guest
         * which host interrupts do not reach (seen under Bochs with the
         * guest's IF clear) leave it, so it may answer a second time. */
        domain_log(d, LOG_INFO, "v%u: cpu%u did not answer in %lu ms\n", v->vcpu_id, cpu,
                   (unsigned long)(DUMP_WAIT_NS / 1000000));
        nmi_sample(cpu);
        rc = ask(cpu, v, &sample_buf);
    }
    sched_unpause_vcpu(v);

    if (rc == 0)
        print_sample(v, &sample_buf, where);
    else if (rc == -ETIMEDOUT)
        domain_log(d, LOG_INFO, "v%u: where: %s, state not sampled (cpu%u did not answer, twice)\n",
                   v->vcpu_id, where, cpu);
    else
        domain_log(d, LOG_INFO, "v%u: where: %s, state not sampled (%d)\n", v->vcpu_id, where, rc);
}

void hvm_dump_domain(struct domain *d)
{
    domain_log(d, LOG_INFO, "%u vCPU(s), %s\n", d->nr_vcpus, domain_state_name(__atomic_load_n(&d->state, __ATOMIC_ACQUIRE)));
    if (d->kind && d->kind->vcpu_dump) {
        /* No VMCB/VMCS to sample (a PV vCPU): the kind's own snapshot. */
        for (unsigned i = 0; i < d->nr_vcpus; i++)
            if (d->vcpus[i])
                d->kind->vcpu_dump(d->vcpus[i]);
        return;
    }
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i])
            dump_vcpu(d->vcpus[i]);
}

/* A CPU that did not answer: where an NMI finds it (arch/x86/traps.c takes
 * the sample; the NMI handler only stores it). */
static void nmi_sample(unsigned c)
{
    struct percpu *p = percpu_of[c];

    __atomic_store_n(&p->nmi_sample_rip, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&p->nmi_sample_req, 1, __ATOMIC_SEQ_CST);
    apic_send_nmi(p->apic_id);
    uint64_t deadline = now_ns() + DUMP_WAIT_NS;
    while (__atomic_load_n(&p->nmi_sample_req, __ATOMIC_ACQUIRE) && now_ns() < deadline)
        cpu_relax();
    __atomic_store_n(&p->nmi_sample_req, 0, __ATOMIC_SEQ_CST);     /* none pending past this wait */
    uint64_t rip = __atomic_load_n(&p->nmi_sample_rip, __ATOMIC_ACQUIRE);
    if (!rip) {
        log_info("cpu%u: did not answer an NMI either\n", c);
        return;
    }
    uint64_t off = 0;
    const char *sym = symbol_lookup(rip, &off);
    log_info("cpu%u: NMI found it at hypervisor RIP %#lx (%s+%#lx)\n", c, (unsigned long)rip,
             sym ? sym : "?", (unsigned long)off);
}

static void dump_cpus(void)
{
    for (unsigned c = 0; c < RV_MAX_CPUS; c++) {
        if (!percpu_of[c] || !percpu_of[c]->online)
            continue;
        struct vcpu *cur = sched_cpu_curr(c);
        int rc = ask(c, NULL, NULL);
        if (cur)
            log_info("cpu%u: runs d%u v%u; %s\n", c, cur->domain->domid, cur->vcpu_id,
                     rc ? "does not answer" : "answers");
        else
            log_info("cpu%u: idle; %s\n", c, rc ? "does not answer" : "answers");
        if (rc)
            nmi_sample(c);
    }
}

static void key_dump_vcpus(void)
{
    uint16_t ids[64];
    unsigned n = domain_list_ids(ids, 64);

    if (__atomic_exchange_n(&dump_busy, true, __ATOMIC_ACQUIRE)) {
        log_info("d: a no-progress report is being printed; type 'd' again after it\n");
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        /* Any state: a preserved (on_*=preserve) or stopping domain's
         * vCPUs are what one wants to see. */
        struct domain *d = domain_get_any(ids[i]);
        if (!d)
            continue;       /* destroyed since the snapshot */
        hvm_dump_domain(d);
        domain_put(d);
    }
    dump_cpus();
    __atomic_store_n(&dump_busy, false, __ATOMIC_RELEASE);
}

/*
 * No-progress report (hang_report=S).  Progress is any exit the guest
 * causes by doing something (a hypercall, port or MMIO access, MSR, CPUID,
 * HLT, a fault): a vCPU spinning in a loop or a domain blocked for good
 * causes none, only the host's timer interrupts.  A domain without progress
 * for S seconds gets its 'd' dump, once.  A guest computing for S seconds
 * without any such exit is reported too, which is why this is off by
 * default (rv-run turns it on for Bochs runs, which cannot take the keys).
 * (o) the CPU of the keyhandler's progress timer.
 */
static struct {
    uint16_t domid;
    uint64_t started;           /* tells a restarted domain from the old one */
    uint64_t sig;               /* progress exits at the last check */
    unsigned still;             /* seconds without progress */
    bool reported;
} progress[64];

static bool is_progress_exit(unsigned r)
{
    return r != HVM_EXIT_NONE && r != HVM_EXIT_INTR && r != HVM_EXIT_NMI && r != HVM_EXIT_VINTR &&
           r != HVM_EXIT_NMI_WINDOW && r != HVM_EXIT_PAUSE;
}

static void progress_check_domain(struct domain *d, unsigned slot)
{
    uint64_t sig = 0, started = __atomic_load_n(&d->started_ns, __ATOMIC_ACQUIRE);

    for (unsigned i = 0; i < d->nr_vcpus; i++)
        for (unsigned r = 0; d->vcpus[i] && r < HVM_EXIT_NR; r++)
            if (is_progress_exit(r))
                sig += READ_ONCE(d->vcpus[i]->exits_by_reason[r]);
    if (progress[slot].domid != d->domid || progress[slot].started != started) {
        progress[slot].domid = d->domid;
        progress[slot].started = started;
        progress[slot].sig = sig;
        progress[slot].still = 0;
        progress[slot].reported = false;
        return;
    }
    if (sig != progress[slot].sig) {
        progress[slot].sig = sig;
        progress[slot].still = 0;
        return;
    }
    if (!started || progress[slot].reported || ++progress[slot].still < keyhandler_hang_report_s)
        return;
    if (__atomic_exchange_n(&dump_busy, true, __ATOMIC_ACQUIRE))
        return;                 /* a 'd' key dump is running: next second */
    progress[slot].reported = true;
    domain_log(d, LOG_INFO, "no progress for %u s (no hypercall, I/O, MSR, CPUID, HLT or fault exit); "
               "its vCPUs:\n", progress[slot].still);
    hvm_dump_domain(d);
    domain_log(d, LOG_INFO, "end of the no-progress report\n");
    __atomic_store_n(&dump_busy, false, __ATOMIC_RELEASE);
}

static void progress_check(void)
{
    uint16_t ids[64];
    unsigned n = domain_list_ids(ids, 64);

    for (unsigned i = 0; i < n; i++) {
        struct domain *d = domain_get_by_id(ids[i]);
        if (!d)
            continue;
        progress_check_domain(d, i);
        domain_put(d);
    }
}

/* A static wrapper: extern function addresses cannot go through the GOT in
 * the high-linked hypervisor. */
static void show_tlb(void)
{
    hvm_tlb_print_stats();
}

void hvm_dump_init(void)
{
    open_softirq(SOFTIRQ_DUMP, dump_softirq);
    keyhandler_register('d', "registers, mode, last exit and stack of every vCPU; what each CPU runs",
                        key_dump_vcpus);
    keyhandler_register('r', "run queues; ASID/VPID counters", show_tlb);
    keyhandler_set_progress_check(progress_check);
}
