/*
 * Timer queues (see timer.h).  A sorted singly linked list per CPU: the
 * queues are short (a few timers per vCPU), so O(n) insertion beats the
 * bookkeeping of a heap.
 */
#include "core/timer.h"
#include "core/percpu.h"
#include "core/softirq.h"
#include "core/console.h"
#include "core/panic.h"
#include "mm/mm.h"
#include "arch/x86/apic.h"
#include "arch/x86/time.h"
#include "arch/x86/traps.h"

__hot_path static void reprogram(struct percpu *cpu)
{
    /* Called with cpu->timer_lock held, on that CPU. */
    uint64_t next = cpu->timers ? cpu->timers->expires : 0;

    if (next == cpu->timer_programmed)
        return;
    /* The hardware already fires before the new head: leave it.  The early
     * interrupt finds nothing due and re-arms (timer_softirq).  This saves
     * the APIC write each context switch would make, as run_one pushes
     * its CPU's slice timer back on every switch (two per same-CPU
     * event-channel round trip, docs/event-channels.md "Latency"). */
    if (next && cpu->timer_programmed && cpu->timer_programmed < next)
        return;
    cpu->timer_programmed = next;
    apic_timer_program(next ? ns_to_tsc_deadline(next) : 0);
}

__hot_path static void remove_locked(struct percpu *cpu, struct timer *t)
{
    for (struct timer **pp = &cpu->timers; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    t->active = false;
    t->next = NULL;
}

/*
 * A timer left on a queue when its memory is reused or freed cuts the queue
 * (timer_init clears its next pointer, a freed block is overwritten): every
 * timer behind it silently never fires, CPU 0's console poll among them, and
 * the CPU then sleeps for good.  Both are bugs of the timer's owner; these
 * checks name the handler and take the timer off the queue, so the host keeps
 * running and the log says whose bug it was.
 */
static unsigned unqueue_range(const void *p, size_t len, const char *why)
{
    uintptr_t lo = (uintptr_t)p, hi = lo + len;
    unsigned found = 0;

    for (unsigned c = 0; c < RV_MAX_CPUS; c++) {
        struct percpu *cpu = percpu_of[c];
        if (!cpu)
            continue;
        uint64_t f = spin_lock_irqsave(&cpu->timer_lock);
        for (struct timer **pp = &cpu->timers; *pp;) {
            struct timer *t = *pp;
            if ((uintptr_t)t >= lo && (uintptr_t)t < hi) {
                uint64_t off = 0;
                const char *name = symbol_lookup((uint64_t)(uintptr_t)t->fn, &off);
                log_err("timer: BUG: %s while queued on cpu%u: timer %p, handler %s+%#lx; taken off the queue\n",
                        why, c, (void *)t, name ? name : "?", (unsigned long)off);
                *pp = t->next;
                t->active = false;
                t->next = NULL;
                found++;
                continue;
            }
            pp = &t->next;
        }
        spin_unlock_irqrestore(&cpu->timer_lock, f);
    }
    return found;
}

static void check_freed(const void *p, size_t len)
{
    unqueue_range(p, len, "memory freed");
}

void timer_init(struct timer *t, void (*fn)(void *), void *data, unsigned cpu)
{
    unqueue_range(t, sizeof(*t), "timer_init");
    t->fn = fn;
    t->data = data;
    t->cpu = cpu;
    t->active = false;
    t->running = false;
    t->next = NULL;
    t->expires = 0;
}

__hot_path void timer_set(struct timer *t, uint64_t expires_ns)
{
    struct percpu *cpu = percpu_of[t->cpu];
    uint64_t f = spin_lock_irqsave(&cpu->timer_lock);

    if (t->active)
        remove_locked(cpu, t);
    t->expires = expires_ns ? expires_ns : 1;
    struct timer **pp = &cpu->timers;
    while (*pp && (*pp)->expires <= t->expires)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    t->active = true;
    if (cpu == this_cpu())
        reprogram(cpu);
    spin_unlock_irqrestore(&cpu->timer_lock, f);
    /* Another CPU's hardware timer can only be programmed by that CPU. */
    if (cpu != this_cpu())
        cpu_raise_softirq(t->cpu, SOFTIRQ_TIMER);
}

void timer_stop(struct timer *t)
{
    struct percpu *cpu = percpu_of[t->cpu];
    uint64_t f = spin_lock_irqsave(&cpu->timer_lock);

    if (t->active)
        remove_locked(cpu, t);
    spin_unlock_irqrestore(&cpu->timer_lock, f);
}

void timer_kill(struct timer *t)
{
    timer_stop(t);
    while (__atomic_load_n(&t->running, __ATOMIC_SEQ_CST))
        cpu_relax();
}

/* How late a timer interrupt may come before it counts as lost: QEMU raises
 * it from its main loop, which a busy host can hold up for milliseconds, so
 * "count at 0, nothing requested" is normal for a short while; 3 s is far beyond
 * that and far below any test's timeout. */
#define TIMER_LOST_NS 3000000000ull

void timer_idle_check(void)
{
    struct percpu *cpu = this_cpu();

    /* Its softirq already pending: it re-arms the hardware as it ends. */
    if (__atomic_load_n(&cpu->softirq_pending, __ATOMIC_ACQUIRE) & (1u << SOFTIRQ_TIMER))
        return;
    spin_lock(&cpu->timer_lock);
    struct timer *t = cpu->timers;
    uint64_t now = now_ns(), prog = cpu->timer_programmed;
    const char *why = NULL;
    if (!t)
        ;
    else if (t->expires <= now)
        raise_softirq(SOFTIRQ_TIMER);
    else if (!prog)
        why = "not programmed";
    else if (prog + TIMER_LOST_NS < now && !apic_timer_will_fire(VEC_TIMER))
        why = "its interrupt never came";
    if (why) {
        uint64_t off = 0;
        const char *name = symbol_lookup((uint64_t)(uintptr_t)t->fn, &off);
        log_err("timer: BUG: cpu%u about to sleep with timers queued and its hardware timer %s "
                "(first: %s+%#lx in %lu ns; programmed for %ld ns from now); re-armed\n", cpu->cpu, why,
                name ? name : "?", (unsigned long)off, (unsigned long)(t->expires - now),
                prog ? (long)(prog - now) : 0L);
        cpu->timer_programmed = 0;
        reprogram(cpu);
    }
    spin_unlock(&cpu->timer_lock);
}

static void timer_softirq(void)
{
    struct percpu *cpu = this_cpu();
    uint64_t f = spin_lock_irqsave(&cpu->timer_lock);

    while (cpu->timers && cpu->timers->expires <= now_ns()) {
        struct timer *t = cpu->timers;
        remove_locked(cpu, t);
        cpu->nr_timers_fired++;
        /* Drop the lock for the handler: it may re-arm itself. */
        __atomic_store_n(&t->running, true, __ATOMIC_SEQ_CST);
        spin_unlock_irqrestore(&cpu->timer_lock, f);
        t->fn(t->data);
        __atomic_store_n(&t->running, false, __ATOMIC_SEQ_CST);
        f = spin_lock_irqsave(&cpu->timer_lock);
    }
    cpu->timer_programmed = 0;      /* the hardware fired (or early): re-arm */
    reprogram(cpu);
    spin_unlock_irqrestore(&cpu->timer_lock, f);
}

static void timer_interrupt(struct cpu_regs *regs)
{
    this_cpu()->nr_timer_irqs++;
    raise_softirq(SOFTIRQ_TIMER);
}

void timer_subsys_init(void)
{
    open_softirq(SOFTIRQ_TIMER, timer_softirq);
    mm_set_free_check(check_freed);
    set_irq_handler(VEC_TIMER, timer_interrupt);
}

void timer_cpu_init(void)
{
    struct percpu *cpu = this_cpu();

    cpu->timer_lock = (spinlock_t)SPINLOCK_INIT;
    cpu->timers = NULL;
    cpu->timer_programmed = 0;
    apic_timer_init_cpu();
}

unsigned timer_queue_info(unsigned cpu, uint64_t *first_ns)
{
    struct percpu *p = cpu < RV_MAX_CPUS ? percpu_of[cpu] : NULL;
    unsigned n = 0;

    *first_ns = 0;
    if (!p)
        return 0;
    uint64_t f = spin_lock_irqsave(&p->timer_lock);
    if (p->timers)
        *first_ns = p->timers->expires;
    for (struct timer *t = p->timers; t; t = t->next)
        n++;
    spin_unlock_irqrestore(&p->timer_lock, f);
    return n;
}
