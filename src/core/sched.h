/*
 * The vCPU scheduler: per-CPU run queues ordered by weighted run time
 * (each vCPU's share is weight / sum of weights), time slices on the per-CPU
 * timer, idle CPUs stealing work from the busiest queue, hard affinity.
 */
#ifndef RV_CORE_SCHED_H
#define RV_CORE_SCHED_H

#include "lib/compiler.h"

struct vcpu;

#define SCHED_SLICE_NS  10000000ull     /* 10 ms */

void sched_init(void);                  /* boot CPU, before other CPUs enter sched_loop */
void sched_start_vcpu(struct vcpu *v);  /* place on the least loaded allowed CPU, runnable */
void sched_block(struct vcpu *v);       /* running vCPU waits for an event */
/* From anywhere.  True when v was blocked: it is now queued, or still on
 * its CPU (leaving, or waiting in the block spin) and going on there, and
 * it has not been in its guest since it blocked -- it will look at its
 * interrupts before it enters, no IPI is needed to get it out. */
bool sched_wake(struct vcpu *v);
void sched_yield(struct vcpu *v);       /* running vCPU gives up the rest of its slice */
void sched_pause_vcpu(struct vcpu *v);  /* counted: it runs again after as many unpauses */
void sched_unpause_vcpu(struct vcpu *v);
bool sched_vcpu_running(struct vcpu *v);
bool sched_should_yield(struct vcpu *v);
/* The check before each guest entry, for every kind of vCPU run loop: runs
 * pending softirqs, then returns true with host interrupts off (enter the
 * guest now, nothing can slip in before it), or false with them on (leave
 * the run loop: descheduled, blocked, paused or the domain stopping). */
bool sched_may_enter(struct vcpu *v);
void sched_stop_vcpu(struct vcpu *v);   /* take v off its CPU for good (domain shutdown) */
/* New hard affinity (bit per CPU): 0, or -1 if it names no online CPU.  A
 * vCPU on a CPU the mask excludes leaves it at that CPU's next scheduling
 * pass (at its wake if it is blocked). */
int sched_set_affinity(struct vcpu *v, uint64_t mask);
void sched_loop(void) __noreturn;       /* every CPU, forever */
void sched_print_stats(void);
/* The vCPU CPU 'cpu' runs now, NULL when idle (a snapshot, for dumps). */
struct vcpu *sched_cpu_curr(unsigned cpu);
/* "running", "runnable", "blocked", "polling", "paused", "offline" (dumps). */
const char *sched_vcpu_state_name(struct vcpu *v);
uint64_t sched_nr_switches(void);

#endif
