/*
 * Cross-CPU calls.  One call is in flight at a time (callfunc_lock); the
 * caller publishes fn/arg and a mask of target CPUs, sends VEC_CALL_FUNCTION,
 * and the targets clear their bit when done.
 */
#include "core/smp.h"
#include "core/percpu.h"
#include "core/console.h"
#include "arch/x86/apic.h"
#include "arch/x86/traps.h"
#include "arch/x86/time.h"
#include "lib/errno.h"

/* callfunc_lock: serializes callers; taken with interrupts enabled, never
 * under another lock (targets must be able to take their interrupt). */
static spinlock_t callfunc_lock = SPINLOCK_INIT;
static void (*call_fn)(void *);     /* (callfunc_lock) */
static void *call_arg;              /* (callfunc_lock) */
static uint64_t call_pending;       /* (a) bit per CPU that has not started it yet */
static uint64_t call_running;       /* (a) bit per CPU that has not finished it yet */

static void call_function_interrupt(struct cpu_regs *regs)
{
    struct percpu *cpu = this_cpu();
    uint64_t bit = 1ull << cpu->cpu;

    cpu->nr_ipis++;
    if (!(__atomic_load_n(&call_pending, __ATOMIC_ACQUIRE) & bit))
        return;
    void (*fn)(void *) = call_fn;
    void *arg = call_arg;
    __atomic_and_fetch(&call_pending, ~bit, __ATOMIC_RELEASE);
    fn(arg);
    __atomic_and_fetch(&call_running, ~bit, __ATOMIC_RELEASE);
}

static void event_check_interrupt(struct cpu_regs *regs)
{
    /* Nothing to do: the interrupt itself woke the CPU (or made it leave its
     * guest); the idle or run loop then runs the pending softirqs. */
    this_cpu()->nr_ipis++;
}

void smp_init_ipis(void)
{
    set_irq_handler(VEC_CALL_FUNCTION, call_function_interrupt);
    set_irq_handler(VEC_EVENT_CHECK, event_check_interrupt);
}

static int call_mask(uint64_t mask, void (*fn)(void *), void *arg)
{
    uint64_t self = 1ull << smp_processor_id();
    int rc = 0;

    spin_lock(&callfunc_lock);
    call_fn = fn;
    call_arg = arg;
    __atomic_store_n(&call_running, mask & ~self, __ATOMIC_RELEASE);
    __atomic_store_n(&call_pending, mask & ~self, __ATOMIC_RELEASE);
    for (unsigned c = 0; c < RV_MAX_CPUS; c++)
        if ((mask & ~self) & (1ull << c))
            apic_send_ipi(percpu_of[c]->apic_id, VEC_CALL_FUNCTION);
    if (mask & self) {
        uint64_t f = irq_save();
        fn(arg);
        irq_restore(f);
    }
    /* Every target must pick the call up within 5 s (generous for
     * emulators on a loaded host): one that does not has interrupts off
     * for good.  Then wait for them to finish: the functions are bounded,
     * and callers rely on the work having happened. */
    uint64_t deadline = now_ns() + 5000000000ull;
    while (__atomic_load_n(&call_pending, __ATOMIC_ACQUIRE)) {
        if (now_ns() > deadline) {
            uint64_t late = __atomic_exchange_n(&call_pending, 0, __ATOMIC_SEQ_CST);
            log_err("smp: CPUs %#lx did not answer a cross-CPU call\n", (unsigned long)late);
            __atomic_and_fetch(&call_running, ~late, __ATOMIC_SEQ_CST);
            rc = -ETIMEDOUT;
            break;
        }
        cpu_relax();
    }
    while (__atomic_load_n(&call_running, __ATOMIC_ACQUIRE))
        cpu_relax();
    spin_unlock(&callfunc_lock);
    return rc;
}

int smp_call_function_single(unsigned cpu, void (*fn)(void *), void *arg)
{
    if (cpu >= RV_MAX_CPUS || !percpu_of[cpu] || !percpu_of[cpu]->online)
        return -EINVAL;
    return call_mask(1ull << cpu, fn, arg);
}

int on_each_cpu(void (*fn)(void *), void *arg)
{
    uint64_t mask = 0;
    for (unsigned c = 0; c < RV_MAX_CPUS; c++)
        if (percpu_of[c] && percpu_of[c]->online)
            mask |= 1ull << c;
    return call_mask(mask, fn, arg);
}

int smp_call_function_mask(uint64_t mask, void (*fn)(void *), void *arg)
{
    uint64_t online = 0;
    for (unsigned c = 0; c < RV_MAX_CPUS; c++)
        if (percpu_of[c] && percpu_of[c]->online)
            online |= 1ull << c;
    if (!(mask & online))
        return 0;
    return call_mask(mask & online, fn, arg);
}
