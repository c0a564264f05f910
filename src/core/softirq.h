/* Softirqs: per-CPU deferred work run with interrupts enabled, on the way
 * out of an interrupt or from the idle loop. */
#ifndef RV_CORE_SOFTIRQ_H
#define RV_CORE_SOFTIRQ_H

enum { SOFTIRQ_TIMER, SOFTIRQ_SCHEDULE, SOFTIRQ_REAP, SOFTIRQ_TEST,
       SOFTIRQ_KICK,    /* nothing to run: the IPI only makes a CPU leave its guest (hvm_vcpu_kick) */
       SOFTIRQ_NR };

typedef void (*softirq_fn)(void);
void open_softirq(unsigned nr, softirq_fn fn);
void raise_softirq(unsigned nr);                    /* on this CPU */
void cpu_raise_softirq(unsigned cpu, unsigned nr);  /* on another CPU (IPI) */
void do_softirq(void);

#endif
