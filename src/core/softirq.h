/* Softirqs: per-CPU deferred work run with interrupts enabled and no lock
 * held, only at points that call do_softirq(): the idle loops, the vCPU run
 * loop before each guest entry, and hypervisor waits that need this CPU's
 * timers (boot and self-test loops).  Never on the way out of an interrupt:
 * the interrupted code may hold a lock a handler takes (arch/x86/traps.c). */
#ifndef RV_CORE_SOFTIRQ_H
#define RV_CORE_SOFTIRQ_H

enum { SOFTIRQ_TIMER, SOFTIRQ_SCHEDULE, SOFTIRQ_REAP, SOFTIRQ_TEST,
       SOFTIRQ_KICK,    /* nothing to run: the IPI only makes a CPU leave its guest (hvm_vcpu_kick) */
       SOFTIRQ_DUMP,    /* debug key 'd': sample a vCPU whose state this CPU holds (hvm/hvm_dump.c) */
       SOFTIRQ_NR };

typedef void (*softirq_fn)(void);
void open_softirq(unsigned nr, softirq_fn fn);
void raise_softirq(unsigned nr);                    /* on this CPU */
void cpu_raise_softirq(unsigned cpu, unsigned nr);  /* on another CPU (IPI) */
void do_softirq(void);
/* Make 'cpu' (not this one) leave its guest with an NMI, for a CPU that an
 * IPI did not get out: Bochs's VMX delivers no host interrupt to a CPU
 * whose guest was entered with RFLAGS.IF clear (docs/testing.md), so a
 * vCPU that then takes no exit keeps its CPU.  An NMI exits (NMI exiting,
 * the NMI intercept) whatever the guest's IF; the softirqs pending there
 * run before the next entry.  For waits that must end, after the IPI. */
void cpu_kick_nmi(unsigned cpu);

#endif
