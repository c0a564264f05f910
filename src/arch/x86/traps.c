/*
 * Exception and interrupt dispatch.  A fault in the hypervisor is either
 * expected (listed in the exception table: resume at the fixup) or a bug
 * (panic with the registers and a stack trace).
 */
#include "arch/x86/traps.h"
#include "arch/x86/extable.h"
#include "arch/x86/apic.h"
#include "arch/x86/asm.h"
#include "core/percpu.h"
#include "core/panic.h"
#include "core/softirq.h"
#include "core/console.h"
#include "lib/errno.h"

static irq_handler_t irq_handlers[256];   /* (i) set during boot on the boot CPU */

static const char *const exc_names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM device not available",
    "#DF double fault", "coprocessor overrun", "#TS invalid TSS",
    "#NP segment not present", "#SS stack fault", "#GP general protection",
    "#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check",
    "#MC machine check", "#XM SIMD error", "#VE virtualization", "#CP control protection",
    "reserved 22", "reserved 23", "reserved 24", "reserved 25", "reserved 26",
    "reserved 27", "#HV hypervisor injection", "#VC VMM communication", "#SX security",
    "reserved 31",
};

const char *exception_name(unsigned vec)
{
    return vec < 32 ? exc_names[vec] : "interrupt";
}

void set_irq_handler(unsigned vector, irq_handler_t fn)
{
    irq_handlers[vector & 0xff] = fn;
}

extern const struct extable_entry __ex_table_start[], __ex_table_end[];

uint64_t extable_search(uint64_t rip)
{
    /* Linear: the table is small and only searched on faults. */
    for (const struct extable_entry *e = __ex_table_start; e < __ex_table_end; e++)
        if (e->insn == rip)
            return e->fixup;
    return 0;
}

int rdmsr_safe(uint32_t msr, uint64_t *val)
{
    uint32_t lo = 0, hi = 0;
    int err = 0;

    __asm__ __volatile__(
        "1: rdmsr\n2:\n"
        ".pushsection .fixup, \"ax\"\n3: mov %4, %0\n jmp 2b\n.popsection\n"
        _ASM_EXTABLE(1b, 3b)
        : "+r"(err), "+a"(lo), "+d"(hi) : "c"(msr), "i"(-EIO));
    *val = ((uint64_t)hi << 32) | lo;
    return err;
}

int wrmsr_safe(uint32_t msr, uint64_t val)
{
    int err = 0;

    __asm__ __volatile__(
        "1: wrmsr\n2:\n"
        ".pushsection .fixup, \"ax\"\n3: mov %4, %0\n jmp 2b\n.popsection\n"
        _ASM_EXTABLE(1b, 3b)
        : "+r"(err) : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)), "i"(-EIO)
        : "memory");
    return err;
}

int probe_read_u64(const void *addr, uint64_t *val)
{
    uint64_t v = 0;
    int err = 0;

    __asm__ __volatile__(
        "1: mov (%2), %1\n2:\n"
        ".pushsection .fixup, \"ax\"\n3: mov %3, %0\n jmp 2b\n.popsection\n"
        _ASM_EXTABLE(1b, 3b)
        : "+r"(err), "+r"(v) : "r"(addr), "i"(-EFAULT) : "memory");
    *val = v;
    return err;
}

int probe_write_u64(void *addr, uint64_t val)
{
    int err = 0;

    __asm__ __volatile__(
        "1: mov %2, (%1)\n2:\n"
        ".pushsection .fixup, \"ax\"\n3: mov %3, %0\n jmp 2b\n.popsection\n"
        _ASM_EXTABLE(1b, 3b)
        : "+r"(err) : "r"(addr), "r"(val), "i"(-EFAULT) : "memory");
    return err;
}

static void handle_exception(struct cpu_regs *regs)
{
    uint64_t fixup = extable_search(regs->rip);

    if (regs->vector == X86_EXC_NMI) {
        /* NMIs are only used to stop CPUs when another one panics. */
        if (panic_in_progress())
            panic_stop_this_cpu();
        /* The debug dump asking where a CPU that ignores IPIs is. */
        if (__atomic_load_n(&this_cpu()->nmi_sample_req, __ATOMIC_ACQUIRE)) {
            __atomic_store_n(&this_cpu()->nmi_sample_rip, regs->rip, __ATOMIC_RELEASE);
            __atomic_store_n(&this_cpu()->nmi_sample_req, 0, __ATOMIC_RELEASE);
            return;
        }
        /* A kick (core/softirq.c cpu_kick_nmi): leaving the guest, which
         * the NMI exit did, was all it was for. */
        uint32_t k = __atomic_load_n(&this_cpu()->nmi_kicks_sent, __ATOMIC_ACQUIRE);
        while (k && !__atomic_compare_exchange_n(&this_cpu()->nmi_kicks_sent, &k, k - 1, false,
                                                  __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            ;
        if (k) {
            __atomic_add_fetch(&this_cpu()->nr_kick_nmis, 1, __ATOMIC_RELAXED);
            return;
        }
        /* Only counted: printing could deadlock on the console lock if
         * the NMI interrupted this CPU inside printk. */
        this_cpu()->nr_unexpected_nmis++;
        return;
    }
    if (regs->vector == X86_EXC_DB) {
        /* Never a fixup: the instruction did not fail. */
        x86_db_ring0(regs);
        return;
    }
    if (fixup && regs->vector != X86_EXC_DF && regs->vector != X86_EXC_MC) {
        this_cpu()->last_fixup_vector = (int)regs->vector;
        regs->rip = fixup;
        return;
    }
    if (regs->vector == X86_EXC_PF)
        panic_regs(regs, "unhandled %s (error %#lx) at %p, CR2=%p",
                   exception_name(14), (unsigned long)regs->error_code,
                   (void *)regs->rip, (void *)read_cr2());
    panic_regs(regs, "unhandled %s (error %#lx) at %p",
               exception_name((unsigned)regs->vector), (unsigned long)regs->error_code,
               (void *)regs->rip);
}

void x86_trap(struct cpu_regs *regs)
{
    unsigned vec = (unsigned)regs->vector;
    struct percpu *cpu = this_cpu();

    if (vec < 32) {
        handle_exception(regs);
        return;
    }
    cpu->nr_irqs++;
    cpu->irq_depth++;
    if (vec == VEC_SPURIOUS) {
        /* Spurious APIC interrupts must not be acknowledged (SDM 10.9). */
    } else if (vec >= VEC_PIC_BASE && vec < VEC_PIC_BASE + 16) {
        /* Masked 8259s can still raise spurious IRQ7/IRQ15: ignore them. */
    } else {
        if (irq_handlers[vec])
            irq_handlers[vec](regs);
        else
            log_warn("cpu%u: interrupt on unused vector %#x\n", cpu->cpu, vec);
        apic_eoi();
    }
    cpu->irq_depth--;
    /* No softirqs on the way out: the interrupted code may hold a lock that
     * is taken with interrupts enabled (the event-channel global lock, a
     * grant lock) and that a softirq handler such as the reaper takes too,
     * which would deadlock this CPU on itself.  Softirqs run only where
     * nothing is held: the idle loop, the vCPU run loop before each entry,
     * and waits that call do_softirq() themselves (softirq.h). */
}
