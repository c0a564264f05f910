/* Cross-CPU function calls and CPU bring-up. */
#ifndef RV_CORE_SMP_H
#define RV_CORE_SMP_H

#include <stdint.h>

#include "lib/compiler.h"

void smp_init_ipis(void);
/* Run fn(arg) on cpu (or on every online CPU, including this one, with
 * on_each_cpu) and return when all have finished; -ETIMEDOUT if a CPU did
 * not answer within a second.  Call with interrupts enabled. */
int smp_call_function_single(unsigned cpu, void (*fn)(void *), void *arg);
int on_each_cpu(void (*fn)(void *), void *arg);
/* The same on the online CPUs of mask (bit per CPU; this one included if
 * its bit is set; offline ones ignored). */
int smp_call_function_mask(uint64_t mask, void (*fn)(void *), void *arg);

/* arch/x86/smpboot.c */
void smp_boot_cpus(unsigned max_cpus);
void cpu_idle_loop(void) __noreturn;
extern bool sched_active;     /* (i) set once domains run: idle CPUs enter sched_loop */

#endif
