/*
 * Scheduler (see sched.h).  Each CPU owns a run queue of runnable vCPUs; a
 * vCPU's 'processor' names the queue that owns it.  The CPU picks the vCPU
 * with the smallest weighted run time (vruntime += ran_ns * 256 / weight),
 * runs it until its 10 ms slice ends, it blocks, or its domain stops, and
 * puts it back.  A CPU with an empty queue steals from the busiest one.  With
 * sched_wake_tickle=1 (experimental, off by default) a vCPU that wakes onto a
 * busy CPU "tickles" (sched_wake): an idle CPU that may run it is kicked to
 * steal it, else the running vCPU is preempted when the woken one is owed
 * the CPU by more than SCHED_WAKE_GRAN_NS.
 */
#include "core/sched.h"
#include "core/domain.h"
#include "core/percpu.h"
#include "core/softirq.h"
#include "core/timer.h"
#include "core/console.h"
#include "core/domain_kind.h"
#include "arch/x86/apic.h"
#include "arch/x86/traps.h"
#include "arch/x86/time.h"
#include "arch/x86/asm.h"
#include "boot/bootopts.h"

struct runqueue {
    spinlock_t lock;            /* guards everything below and the (s) fields of its vCPUs;
                                 * two queues are locked in CPU-number order (stealing) */
    struct vcpu *head;          /* runnable vCPUs, unordered */
    unsigned nr;                /* length of head */
    struct vcpu *curr;          /* running now, NULL when idle */
    bool need_resched;          /* (a) the running vCPU should give the CPU back */
    uint64_t min_vruntime;      /* the largest vruntime of a vCPU picked here: floor for waking
                                 * vCPUs; never moves back (a woken vCPU picked one slice behind
                                 * it would otherwise lower the floor for the next wake) */
    struct timer slice;         /* this CPU's slice timer */
    uint64_t nr_switches, nr_steals, idle_ns;
    uint64_t nr_spins, nr_spin_wakes;   /* (o) block_spin: written by this CPU only */
    bool evict;                 /* (a) a vCPU whose hard affinity excludes this CPU may be queued
                                 * here or about to be: sched_loop moves it (evict) */
    uint64_t resched_at;        /* (a) now_ns() when need_resched was first set, 0 while clear */
    uint64_t slice_end;         /* (a) when the running vCPU's slice ends, 0 while none runs */
    uint64_t nr_nmi_kicks;      /* (a) NMIs other CPUs sent it for a switch it did not make */
    /* Wake to run (sched_loop, this CPU's picks of woken vCPUs): how many,
     * the sum and the longest wait, how many waited more than 1 ms. */
    uint64_t nr_wake_runs, wake_wait_ns, wake_wait_max_ns, nr_wake_waits_1ms;
    /* Tickles by wakes onto this queue (sched_wake): an idle CPU kicked to
     * steal, or this CPU's running vCPU preempted. */
    uint64_t nr_tickle_idle, nr_tickle_preempt;
};

/* A woken vCPU preempts the running one only when it is owed the CPU by more
 * than this (weighted run time), and only once the running one has had this
 * long on the CPU in its stint: two vCPUs waking each other do not switch at
 * every event, and a vCPU just picked enters its guest before anyone takes
 * the CPU again (as CFS's wake-up and minimum granularities).  Without the
 * second rule a vCPU woken at a high rate could keep preempting the one
 * picked after it before it ever entered its guest. */
#define SCHED_WAKE_GRAN_NS 1000000ull

static struct runqueue rqs[RV_MAX_CPUS];

static void set_need_resched(struct runqueue *rq)
{
    uint64_t zero = 0;
    __atomic_store_n(&rq->need_resched, true, __ATOMIC_SEQ_CST);
    if (!__atomic_load_n(&rq->resched_at, __ATOMIC_RELAXED))     /* the first request's time is kept */
        __atomic_compare_exchange_n(&rq->resched_at, &zero, now_ns(), false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
}

/*
 * A CPU asked to reschedule long ago that has not: its vCPU has not left
 * the guest, and the slice timer and kick IPIs did not get it out.  Under
 * Bochs's VMX a guest entered with RFLAGS.IF clear takes no host interrupt
 * (docs/testing.md), so a vCPU looping there without an exit would keep its
 * CPU for ever: what is queued behind it starves, a pause or a stop of its
 * domain is never seen.  Each CPU's slice end looks at the others and sends
 * such a CPU an NMI (core/softirq.h cpu_kick_nmi), which always exits; the
 * pending timer interrupt is then taken and the CPU goes through
 * sched_loop.  Three slices of grace: anywhere host interrupts reach guests
 * the request is served at the next tick, so this fires there only for a
 * CPU busy that long in the hypervisor (a long hypercall), where the NMI
 * just returns.
 */
static void nmi_stuck_cpus(unsigned me)
{
    uint64_t now = now_ns();

    for (unsigned c = 0; c < RV_MAX_CPUS; c++) {
        if (c == me || !percpu_of[c] || !percpu_of[c]->online)
            continue;
        /* Asked to switch (a kick, a yield) long ago, or its slice ended
         * long ago with others queued: the slice timer is an interrupt too,
         * so such a CPU may not even know that its slice is over. */
        uint64_t at = __atomic_load_n(&rqs[c].resched_at, __ATOMIC_ACQUIRE);
        uint64_t end = __atomic_load_n(&rqs[c].slice_end, __ATOMIC_ACQUIRE);
        bool asked = at && now - at > 3 * SCHED_SLICE_NS && __atomic_load_n(&rqs[c].need_resched, __ATOMIC_ACQUIRE);
        bool overran = end && now > end + 2 * SCHED_SLICE_NS && __atomic_load_n(&rqs[c].nr, __ATOMIC_ACQUIRE);
        if (asked || overran) {
            __atomic_add_fetch(&rqs[c].nr_nmi_kicks, 1, __ATOMIC_RELAXED);
            /* Once per grace period, not at every slice end of every CPU. */
            if (asked)
                __atomic_store_n(&rqs[c].resched_at, now, __ATOMIC_RELEASE);
            if (overran)
                __atomic_compare_exchange_n(&rqs[c].slice_end, &end, now, false, __ATOMIC_SEQ_CST,
                                            __ATOMIC_RELAXED);
            cpu_kick_nmi(c);
        }
    }
}

static void slice_expired(void *data)
{
    struct runqueue *rq = data;
    set_need_resched(rq);
    nmi_stuck_cpus((unsigned)(rq - rqs));
}

__hot_path static void kick(unsigned cpu)
{
    set_need_resched(&rqs[cpu]);
    cpu_raise_softirq(cpu, SOFTIRQ_SCHEDULE);
}

static void schedule_softirq(void)
{
    /* Nothing to do here: the flag set by kick() is what the run loop and
     * the idle loop look at; the softirq only makes the CPU leave the guest
     * or HLT. */
}

void sched_init(void)
{
    for (unsigned c = 0; c < RV_MAX_CPUS; c++) {
        rqs[c].lock = (spinlock_t)SPINLOCK_INIT;
        if (percpu_of[c])
            timer_init(&rqs[c].slice, slice_expired, &rqs[c], c);
    }
    open_softirq(SOFTIRQ_SCHEDULE, schedule_softirq);
}

static void enqueue(struct runqueue *rq, struct vcpu *v)
{
    v->rq_next = rq->head;
    rq->head = v;
    rq->nr++;
}

static void dequeue(struct runqueue *rq, struct vcpu *v)
{
    for (struct vcpu **pp = &rq->head; *pp; pp = &(*pp)->rq_next)
        if (*pp == v) {
            *pp = v->rq_next;
            rq->nr--;
            v->rq_next = NULL;
            return;
        }
}

static unsigned load_of(unsigned c)
{
    return rqs[c].nr + (rqs[c].curr ? 1 : 0);
}

void sched_start_vcpu(struct vcpu *v)
{
    unsigned best = ~0u;

    for (unsigned c = 0; c < RV_MAX_CPUS; c++) {
        if (!percpu_of[c] || !percpu_of[c]->online || !(v->affinity & (1ull << c)))
            continue;
        if (best == ~0u || load_of(c) < load_of(best))
            best = c;
    }
    if (best == ~0u)
        best = 0;   /* affinity names no online CPU: domain.c warned; run anyway */
    struct runqueue *rq = &rqs[best];
    uint64_t f = spin_lock_irqsave(&rq->lock);
    v->processor = best;
    v->vruntime = rq->min_vruntime;
    v->state = VCPU_RUNNABLE;
    enqueue(rq, v);
    bool idle = rq->curr == NULL;
    spin_unlock_irqrestore(&rq->lock, f);
    if (idle)
        kick(best);
}

__hot_path void sched_block(struct vcpu *v)
{
    struct runqueue *rq = &rqs[v->processor];
    uint64_t f = spin_lock_irqsave(&rq->lock);

    /* A wake that raced ahead of the block cancels it. */
    if (!__atomic_exchange_n(&v->wake_pending, false, __ATOMIC_SEQ_CST))
        v->state = VCPU_BLOCKED;
    spin_unlock_irqrestore(&rq->lock, f);
}

/* An idle online CPU other than 'not' that mask allows, ~0u if none.  Read
 * without the queues' locks: a CPU that has just become busy gets a kick it
 * does not need (its next pass through sched_loop finds nothing to steal, or
 * steals what is queued), one that has just become idle is missed (its own
 * sched_loop steals before it halts). */
static unsigned idle_cpu(uint64_t mask, unsigned not)
{
    for (unsigned c = 0; c < RV_MAX_CPUS && c < 64; c++)
        if (c != not && (mask & (1ull << c)) && percpu_of[c] && percpu_of[c]->online &&
            !READ_ONCE(rqs[c].curr) && !READ_ONCE(rqs[c].nr))
            return c;
    return ~0u;
}

/* v has just been queued on rq (locked), whose CPU runs curr.  Without a
 * tickle v waits for curr's slice to end, up to SCHED_SLICE_NS: a netfront
 * waiting for its TX completions, a backend for its requests, each wake then
 * costs up to a slice (docs/split-drivers.md "Where the TX time goes").  As
 * Xen's schedulers do on a wake: an idle CPU first (it steals v), else
 * preempt curr when v is owed the CPU.  The CPU to kick, or ~0u. */
static unsigned tickle(struct runqueue *rq, unsigned cpu, struct vcpu *v, uint64_t now)
{
    struct vcpu *c = rq->curr;
    unsigned idle = idle_cpu(v->affinity, cpu);

    if (idle != ~0u) {
        rq->nr_tickle_idle++;
        return idle;
    }
    /* curr's weighted run time as if its slice ended now.  last_start is
     * written by its CPU as it picks curr, under no lock (r): a stale one
     * only makes ran look longer or shorter by a stint. */
    uint64_t start = READ_ONCE(c->last_start);
    uint64_t ran = now > start ? now - start : 0;
    if (ran >= SCHED_WAKE_GRAN_NS && __atomic_load_n(&v->pause_count, __ATOMIC_ACQUIRE) == 0 &&
        v->vruntime + SCHED_WAKE_GRAN_NS < c->vruntime + ran * 256 / (c->weight ? c->weight : 256)) {
        rq->nr_tickle_preempt++;
        return cpu;
    }
    return ~0u;
}

__hot_path bool sched_wake(struct vcpu *v)
{
    unsigned cpu = v->processor, other = ~0u;
    struct runqueue *rq = &rqs[cpu];
    bool do_kick = false;
    uint64_t now = now_ns();
    uint64_t f = spin_lock_irqsave(&rq->lock);
    bool was_blocked = v->state == VCPU_BLOCKED;

    if (v->state == VCPU_BLOCKED && rq->curr == v) {
        /* Blocked but still on its CPU, leaving: it must not be queued (an
         * idle CPU could steal and enter it while this one still holds its
         * state).  Undo the block instead: the run loop goes on, or run_one
         * queues it when it has left. */
        v->state = VCPU_RUNNING;
    } else if (v->state == VCPU_BLOCKED) {
        v->state = VCPU_RUNNABLE;
        /* Sleeping does not bank credit: start no further back than one
         * slice behind the queue. */
        if (v->vruntime + SCHED_SLICE_NS < rq->min_vruntime)
            v->vruntime = rq->min_vruntime - SCHED_SLICE_NS;
        enqueue(rq, v);
        v->woken_at = now;
        do_kick = rq->curr == NULL;
        if (!(v->affinity & (1ull << cpu))) {
            __atomic_store_n(&rq->evict, true, __ATOMIC_SEQ_CST);    /* pinned elsewhere while asleep */
            do_kick = true;
        } else if (!do_kick && boot_opts.sched_wake_tickle) {
            other = tickle(rq, cpu, v, now);
        }
    } else if (v->state == VCPU_RUNNING || v->state == VCPU_RUNNABLE) {
        __atomic_store_n(&v->wake_pending, true, __ATOMIC_SEQ_CST);
    }
    spin_unlock_irqrestore(&rq->lock, f);
    if (do_kick)
        kick(cpu);
    if (other != ~0u)
        kick(other);
    return was_blocked;
}

void sched_pause_vcpu(struct vcpu *v)
{
    __atomic_add_fetch(&v->pause_count, 1, __ATOMIC_SEQ_CST);
    if (sched_vcpu_running(v))
        kick(v->processor);     /* it notices pause_count at its next exit */
}

bool sched_vcpu_running(struct vcpu *v)
{
    /* On a CPU until run_one() has accounted its time and cleared curr (its
     * state may already say BLOCKED while it is still leaving). */
    return READ_ONCE(rqs[READ_ONCE(v->processor)].curr) == v;
}

void sched_unpause_vcpu(struct vcpu *v)
{
    if (__atomic_sub_fetch(&v->pause_count, 1, __ATOMIC_SEQ_CST) == 0)
        kick(v->processor);     /* its CPU may be idle with v as its only work */
}

void sched_yield(struct vcpu *v)
{
    set_need_resched(&rqs[v->processor]);
}

__hot_path bool sched_should_yield(struct vcpu *v)
{
    return __atomic_load_n(&rqs[v->processor].need_resched, __ATOMIC_ACQUIRE) ||
           v->state != VCPU_RUNNING || __atomic_load_n(&v->pause_count, __ATOMIC_ACQUIRE) > 0 ||
           __atomic_load_n(&v->domain->state, __ATOMIC_ACQUIRE) != DOMAIN_RUNNING;
}

/*
 * Block spin (docs/hvm.md "Scheduler", docs/event-channels.md "Latency"): a vCPU that has just blocked
 * (SCHEDOP_block/poll, HLT) stays on its CPU for up to SCHED_BLOCK_SPIN_NS
 * when nothing else is queued there, watching for its wake.  An event that
 * comes in that time (the reply of an event-channel ping-pong, typically a
 * few microseconds away) finds it still current: sched_wake only undoes the
 * block, and the vCPU re-enters without leaving its CPU -- no state save and
 * reload, no idle HLT, no wake-up IPI.  It gives up at once for anything
 * else: a queued vCPU, a kick (need_resched: pause, stop, slice), a domain
 * that stops.  PAUSE in the loop also lets an SMT sibling (and QEMU's
 * single-threaded TCG, which moves to the next vCPU at a PAUSE) run the
 * waker.  Counted per CPU: spins, and those that ended in a wake.
 */
#define SCHED_BLOCK_SPIN_NS 50000ull

__hot_path static bool block_spin(struct vcpu *v)
{
    struct runqueue *rq = &rqs[v->processor];
    struct percpu *cpu = this_cpu();
    uint64_t end = now_ns() + SCHED_BLOCK_SPIN_NS;

    rq->nr_spins++;
    for (;;) {
        if (__atomic_load_n(&v->state, __ATOMIC_ACQUIRE) == VCPU_RUNNING) {
            rq->nr_spin_wakes++;
            return true;    /* sched_wake undid the block: the caller looks again */
        }
        if (__atomic_load_n(&v->state, __ATOMIC_ACQUIRE) != VCPU_BLOCKED ||
            __atomic_load_n(&rq->nr, __ATOMIC_ACQUIRE) ||
            __atomic_load_n(&rq->need_resched, __ATOMIC_ACQUIRE) ||
            __atomic_load_n(&v->pause_count, __ATOMIC_ACQUIRE) > 0 ||
            __atomic_load_n(&v->domain->state, __ATOMIC_ACQUIRE) != DOMAIN_RUNNING || now_ns() >= end)
            return false;
        /* Timers (a poll timeout) and kicks are softirqs: they may be the
         * wake itself. */
        if (__atomic_load_n(&cpu->softirq_pending, __ATOMIC_ACQUIRE))
            do_softirq();
        cpu_relax();
    }
}

__hot_path bool sched_may_enter(struct vcpu *v)
{
    struct percpu *cpu = this_cpu();
    bool spun = false;

    for (;;) {
        cli();
        if (cpu->softirq_pending) {
            do_softirq();
            sti();
            continue;       /* the checks below again, softirqs done */
        }
        if (sched_should_yield(v)) {
            sti();
            /* Blocked and nothing else queued here: wait a moment on the
             * CPU for the wake.  Once per call: a spin that ended in a
             * wake re-enters, and the next block is a new call. */
            if (!spun && READ_ONCE(v->state) == VCPU_BLOCKED && !READ_ONCE(rqs[v->processor].nr) &&
                block_spin(v)) {
                spun = true;
                continue;
            }
            return false;
        }
        return true;
    }
}

static void park(struct vcpu *v)
{
    /* Caller holds the queue lock; v is not on the queue. */
    v->state = VCPU_OFFLINE;
    if (__atomic_sub_fetch(&v->domain->nr_vcpus_live, 1, __ATOMIC_SEQ_CST) == 0)
        cpu_raise_softirq(0, SOFTIRQ_REAP);
}

void sched_stop_vcpu(struct vcpu *v)
{
    struct runqueue *rq = &rqs[v->processor];
    bool running = false;
    uint64_t f = spin_lock_irqsave(&rq->lock);

    switch (v->state) {
    case VCPU_RUNNABLE:
        dequeue(rq, v);
        park(v);
        break;
    case VCPU_BLOCKED:
        if (rq->curr == v) {
            running = true;     /* still leaving its CPU: run_one parks it */
            break;
        }
        park(v);
        break;
    case VCPU_RUNNING:
        running = true;     /* its CPU parks it when the run loop returns */
        break;
    case VCPU_OFFLINE:
        break;
    }
    unsigned cpu = v->processor;
    spin_unlock_irqrestore(&rq->lock, f);
    if (running) {
        kick(cpu);
        /* And an NMI: a CPU that takes no host interrupt in its guest
         * (softirq.h cpu_kick_nmi: Bochs's VMX with the guest's IF clear)
         * would otherwise keep a stopped domain's vCPU, and its frames, for
         * ever.  Once per stop: cheap, and harmless if the IPI did it. */
        cpu_kick_nmi(cpu);
    }
}

static struct vcpu *pick(struct runqueue *rq)
{
    struct vcpu *best = NULL;

    for (struct vcpu *v = rq->head; v; v = v->rq_next)
        if (__atomic_load_n(&v->pause_count, __ATOMIC_ACQUIRE) == 0 &&
            (!best || v->vruntime < best->vruntime))
            best = v;
    return best;
}

/*
 * A vCPU moves from queue `from` to queue `to` (both locked): queues keep
 * their own run-time scales, so v keeps its place relative to the floor,
 * not the number.  Any lead over the floor (run time it is owed less CPU
 * for) is carried up to one slice; credit (below the floor) is not carried:
 * a moved vCPU neither starves the vCPUs of its new queue nor starves there.
 */
static void carry_over(struct vcpu *v, const struct runqueue *from, const struct runqueue *to)
{
    uint64_t ahead = v->vruntime > from->min_vruntime ? v->vruntime - from->min_vruntime : 0;

    v->vruntime = to->min_vruntime + MIN(ahead, (uint64_t)SCHED_SLICE_NS);
}

/* Take a runnable vCPU allowed here from the busiest other queue. */
static bool steal(unsigned me)
{
    unsigned victim = ~0u;

    for (unsigned c = 0; c < RV_MAX_CPUS; c++)
        if (c != me && percpu_of[c] && rqs[c].nr > 0 && (victim == ~0u || rqs[c].nr > rqs[victim].nr))
            victim = c;
    if (victim == ~0u)
        return false;
    struct runqueue *a = &rqs[MIN(me, victim)], *b = &rqs[MAX(me, victim)];
    uint64_t f = spin_lock_irqsave(&a->lock);
    spin_lock(&b->lock);
    struct vcpu *take = NULL;
    for (struct vcpu *v = rqs[victim].head; v; v = v->rq_next)
        if ((v->affinity & (1ull << me)) && v->pause_count == 0) {
            take = v;
            break;
        }
    if (take) {
        dequeue(&rqs[victim], take);
        take->processor = me;
        carry_over(take, &rqs[victim], &rqs[me]);
        enqueue(&rqs[me], take);
        rqs[me].nr_steals++;
    }
    spin_unlock(&b->lock);
    spin_unlock_irqrestore(&a->lock, f);
    return take != NULL;
}

static void run_one(struct runqueue *rq, struct vcpu *v)
{
    uint64_t start = now_ns();

    v->last_start = start;
    __atomic_store_n(&rq->slice_end, start + SCHED_SLICE_NS, __ATOMIC_RELEASE);
    timer_set(&rq->slice, start + SCHED_SLICE_NS);
    v->domain->kind->vcpu_run(v);
    timer_stop(&rq->slice);
    __atomic_store_n(&rq->slice_end, 0, __ATOMIC_RELEASE);
    uint64_t ran = now_ns() - start;

    uint64_t f = spin_lock_irqsave(&rq->lock);
    v->runtime_ns += ran;
    v->ran_on |= 1ull << smp_processor_id();
    v->vruntime += ran * 256 / (v->weight ? v->weight : 256);
    rq->curr = NULL;
    if (__atomic_load_n(&v->domain->state, __ATOMIC_ACQUIRE) != DOMAIN_RUNNING)
        park(v);
    else if (v->state == VCPU_RUNNING) {
        v->state = VCPU_RUNNABLE;
        enqueue(rq, v);
        if (!(v->affinity & (1ull << smp_processor_id())))
            __atomic_store_n(&rq->evict, true, __ATOMIC_SEQ_CST);
    }
    spin_unlock_irqrestore(&rq->lock, f);
}

/* The least loaded online CPU in mask other than 'not', ~0u if none. */
static unsigned allowed_cpu(uint64_t mask, unsigned not)
{
    unsigned best = ~0u;
    for (unsigned c = 0; c < RV_MAX_CPUS && c < 64; c++) {
        if (c == not || !(mask & (1ull << c)) || !percpu_of[c] || !percpu_of[c]->online)
            continue;
        if (best == ~0u || load_of(c) < load_of(best))
            best = c;
    }
    return best;
}

/*
 * Moves the queued vCPUs whose hard affinity excludes CPU 'me' to a CPU it
 * allows (after a vcpu-pin).  Both queues are locked in CPU-number order, as
 * steal() does, and the queue is searched again under both locks: a vCPU
 * seen under one lock alone may have been stopped and freed since.  A vCPU
 * whose mask names no online CPU stays and runs here (as sched_start_vcpu).
 */
static void evict(unsigned me)
{
    struct runqueue *rq = &rqs[me];

    __atomic_store_n(&rq->evict, false, __ATOMIC_SEQ_CST);
    for (unsigned round = 0; round < RV_MAX_CPUS; round++) {
        uint64_t f = spin_lock_irqsave(&rq->lock);
        unsigned t = ~0u;
        for (struct vcpu *v = rq->head; v && t == ~0u; v = v->rq_next)
            if (!(v->affinity & (1ull << me)))
                t = allowed_cpu(v->affinity, me);
        spin_unlock_irqrestore(&rq->lock, f);
        if (t == ~0u)
            return;
        struct runqueue *a = &rqs[MIN(me, t)], *b = &rqs[MAX(me, t)];
        f = spin_lock_irqsave(&a->lock);
        spin_lock(&b->lock);
        struct vcpu *move = NULL;
        for (struct vcpu *v = rq->head; v && !move; v = v->rq_next)
            if (!(v->affinity & (1ull << me)) && (v->affinity & (1ull << t)))
                move = v;
        if (move) {
            dequeue(rq, move);
            move->processor = t;
            carry_over(move, rq, &rqs[t]);
            enqueue(&rqs[t], move);
        }
        spin_unlock(&b->lock);
        spin_unlock_irqrestore(&a->lock, f);
        if (!move)
            return;
        kick(t);
    }
}

int sched_set_affinity(struct vcpu *v, uint64_t mask)
{
    if (allowed_cpu(mask, ~0u) == ~0u)
        return -1;      /* no online CPU in it */
    /* v->processor changes only with its queue's lock held: lock, then
     * check it still names that queue. */
    for (;;) {
        unsigned cpu = READ_ONCE(v->processor);
        struct runqueue *rq = &rqs[cpu];
        uint64_t f = spin_lock_irqsave(&rq->lock);
        if (READ_ONCE(v->processor) != cpu) {
            spin_unlock_irqrestore(&rq->lock, f);
            continue;
        }
        WRITE_ONCE(v->affinity, mask);
        bool away = !(mask & (1ull << cpu));
        if (away)
            __atomic_store_n(&rq->evict, true, __ATOMIC_SEQ_CST);
        spin_unlock_irqrestore(&rq->lock, f);
        /* Running or queued there: that CPU's next pass through sched_loop
         * moves it.  Blocked: moved when it wakes (sched_wake flags it). */
        if (away)
            kick(cpu);
        return 0;
    }
}

void sched_loop(void)
{
    unsigned me = smp_processor_id();
    struct runqueue *rq = &rqs[me];

    for (;;) {
        if (__atomic_load_n(&rq->evict, __ATOMIC_ACQUIRE))
            evict(me);
        uint64_t f = spin_lock_irqsave(&rq->lock);
        __atomic_store_n(&rq->need_resched, false, __ATOMIC_SEQ_CST);
        __atomic_store_n(&rq->resched_at, 0, __ATOMIC_SEQ_CST);
        struct vcpu *v = pick(rq);
        if (v) {
            dequeue(rq, v);
            v->state = VCPU_RUNNING;
            /* Before curr names it: a wake's tickle (sched_wake) reads how
             * long curr has run from it; run_one stamps it again. */
            v->last_start = now_ns();
            rq->curr = v;
            if (v->vruntime > rq->min_vruntime)
                rq->min_vruntime = v->vruntime;
            rq->nr_switches++;
            if (v->woken_at) {
                uint64_t w = now_ns() - v->woken_at;
                rq->nr_wake_runs++;
                rq->wake_wait_ns += w;
                rq->wake_wait_max_ns = MAX(rq->wake_wait_max_ns, w);
                rq->nr_wake_waits_1ms += w > 1000000;
                v->woken_at = 0;
            }
        }
        spin_unlock_irqrestore(&rq->lock, f);
        if (v) {
            run_one(rq, v);
            continue;
        }
        if (steal(me))
            continue;
        /* Idle: sleep until an interrupt; softirqs (timers, wake-ups, the
         * reaper on CPU 0) run on the way back. */
        uint64_t t0 = now_ns();
        cli();
        timer_idle_check();
        if (this_cpu()->softirq_pending) {
            do_softirq();
            sti();
        } else if (!__atomic_load_n(&rq->need_resched, __ATOMIC_ACQUIRE)) {
            safe_halt();
        } else {
            sti();
        }
        rq->idle_ns += now_ns() - t0;
    }
}

uint64_t sched_nr_switches(void)
{
    uint64_t n = 0;
    for (unsigned c = 0; c < RV_MAX_CPUS; c++)
        n += rqs[c].nr_switches;
    return n;
}

struct vcpu *sched_cpu_curr(unsigned cpu)
{
    return cpu < RV_MAX_CPUS ? READ_ONCE(rqs[cpu].curr) : NULL;
}

const char *sched_vcpu_state_name(struct vcpu *v)
{
    if (__atomic_load_n(&v->pause_count, __ATOMIC_ACQUIRE) > 0 && READ_ONCE(v->state) != VCPU_RUNNING)
        return "paused";
    switch (READ_ONCE(v->state)) {
    case VCPU_RUNNING: return "running";
    case VCPU_RUNNABLE: return "runnable";
    case VCPU_BLOCKED: return __atomic_load_n(&v->polling, __ATOMIC_ACQUIRE) ? "polling" : "blocked";
    default: return "offline";
    }
}

/* Debug key 'r': per CPU what runs and what waits (up to 8 names a line;
 * copied under the queue lock, printed after it). */
void sched_print_stats(void)
{
    for (unsigned c = 0; c < RV_MAX_CPUS; c++) {
        if (!percpu_of[c] || !percpu_of[c]->online)
            continue;
        struct { uint16_t dom; uint16_t vcpu; } q[8];
        unsigned n = 0, nr;
        int cur_dom = -1, cur_vcpu = -1;
        uint64_t f = spin_lock_irqsave(&rqs[c].lock);
        nr = rqs[c].nr;
        if (rqs[c].curr) {
            cur_dom = rqs[c].curr->domain->domid;
            cur_vcpu = (int)rqs[c].curr->vcpu_id;
        }
        for (struct vcpu *v = rqs[c].head; v && n < 8; v = v->rq_next, n++)
            q[n].dom = v->domain->domid, q[n].vcpu = (uint16_t)v->vcpu_id;
        spin_unlock_irqrestore(&rqs[c].lock, f);
        if (cur_dom >= 0)
            log_info("sched: cpu%u runs d%d v%d; queue %u, switches %lu, steals %lu, idle %lu ms, "
                     "block spins %lu (%lu woken), NMI kicks %lu\n", c, cur_dom, cur_vcpu, nr,
                     (unsigned long)rqs[c].nr_switches, (unsigned long)rqs[c].nr_steals,
                     (unsigned long)(rqs[c].idle_ns / 1000000), (unsigned long)READ_ONCE(rqs[c].nr_spins),
                     (unsigned long)READ_ONCE(rqs[c].nr_spin_wakes), (unsigned long)READ_ONCE(rqs[c].nr_nmi_kicks));
        else
            log_info("sched: cpu%u idle; queue %u, switches %lu, steals %lu, idle %lu ms, block spins %lu "
                     "(%lu woken)\n", c, nr, (unsigned long)rqs[c].nr_switches, (unsigned long)rqs[c].nr_steals,
                     (unsigned long)(rqs[c].idle_ns / 1000000), (unsigned long)READ_ONCE(rqs[c].nr_spins),
                     (unsigned long)READ_ONCE(rqs[c].nr_spin_wakes));
        uint64_t nw = READ_ONCE(rqs[c].nr_wake_runs);
        log_info("sched: cpu%u wakes run %lu, waited mean %lu us, max %lu us, %lu over 1 ms; tickles: %lu idle "
                 "CPU, %lu preempt\n", c, (unsigned long)nw,
                 (unsigned long)(nw ? READ_ONCE(rqs[c].wake_wait_ns) / nw / 1000 : 0),
                 (unsigned long)(READ_ONCE(rqs[c].wake_wait_max_ns) / 1000),
                 (unsigned long)READ_ONCE(rqs[c].nr_wake_waits_1ms), (unsigned long)READ_ONCE(rqs[c].nr_tickle_idle),
                 (unsigned long)READ_ONCE(rqs[c].nr_tickle_preempt));
        for (unsigned i = 0; i < n; i++)
            log_info("sched: cpu%u queued: d%u v%u\n", c, q[i].dom, q[i].vcpu);
    }
}
