/* Local APIC in xAPIC (MMIO) or x2APIC (MSR) mode, and its timer. */
#ifndef RV_ARCH_X86_APIC_H
#define RV_ARCH_X86_APIC_H

#include "lib/compiler.h"

void apic_init_bsp(bool want_x2apic);   /* choose the mode, map registers */
void apic_init_cpu(void);               /* enable this CPU's APIC */
bool apic_x2apic_mode(void);
uint32_t apic_current_id(void);
void apic_eoi(void);
void apic_send_ipi(uint32_t apic_id, unsigned vector);
void apic_send_ipi_allbutself(unsigned vector);
/* INIT, then two STARTUP IPIs at page sipi_page (SDM vol. 3 8.4.4.1). */
void apic_send_init_sipi(uint32_t apic_id, uint8_t sipi_page);
void apic_stop_other_cpus(void);
void apic_send_nmi(uint32_t apic_id);   /* one CPU (debug dump of a CPU that ignores IPIs) */        /* NMI to everyone else; no-op before apic init */

/* Timer: one-shot, in TSC ticks (TSC-deadline mode where the CPU has it,
 * else the APIC's own counter scaled against the TSC). */
void apic_timer_calibrate(void);        /* boot CPU, after tsc_init() */
void apic_timer_init_cpu(void);
void apic_timer_program(uint64_t deadline_tsc);     /* 0 stops it */
bool apic_timer_uses_deadline(void);
/* The timer will interrupt this CPU: armed (counting or a deadline set), or
 * its interrupt is already requested or in service.  Interrupts off. */
bool apic_timer_will_fire(unsigned vector);

#endif
