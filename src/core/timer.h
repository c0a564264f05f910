/*
 * Software timers on a per-CPU queue, driven by the CPU's one-shot APIC
 * timer.  Handlers run in softirq context on the timer's CPU.
 */
#ifndef RV_CORE_TIMER_H
#define RV_CORE_TIMER_H

#include "lib/compiler.h"

struct timer {
    uint64_t expires;           /* (q) now_ns() deadline */
    void (*fn)(void *data);     /* (i) */
    void *data;                 /* (i) */
    unsigned cpu;               /* (i) queue it lives on */
    bool active;                /* (q) queued */
    bool running;               /* (a) its handler is running now */
    struct timer *next;         /* (q) */
};  /* (q) guarded by the owning CPU's timer_lock; (i) set by timer_init */

void timer_subsys_init(void);           /* boot CPU: softirq + vector */
void timer_cpu_init(void);              /* each CPU */
void timer_init(struct timer *t, void (*fn)(void *), void *data, unsigned cpu);
void timer_set(struct timer *t, uint64_t expires_ns);
void timer_stop(struct timer *t);
/* Stop it and wait until its handler is not running anywhere: after this
 * the timer's memory may be freed. */
void timer_kill(struct timer *t);
/* The idle loop, interrupts off, before it halts: makes sure a queued timer
 * will wake this CPU (an expired one raises the softirq; a hardware timer
 * found unarmed with timers queued is a bookkeeping bug: logged, re-armed). */
void timer_idle_check(void);
/* Debug key 't': how many timers wait on cpu's queue and the first expiry
 * (0 = none). */
unsigned timer_queue_info(unsigned cpu, uint64_t *first_ns);

#endif
