/* Time: the TSC calibrated against the HPET (or the PIT), in nanoseconds. */
#ifndef RV_ARCH_X86_TIME_H
#define RV_ARCH_X86_TIME_H

#include "lib/compiler.h"

struct acpi_info;

void tsc_init(const struct acpi_info *acpi);   /* boot CPU, interrupts off */
uint64_t tsc_khz(void);
const char *tsc_calibration_source(void);
uint64_t now_ns(void);                          /* since tsc_init */
uint64_t ns_to_tsc_deadline(uint64_t ns);       /* absolute TSC for a now_ns() time */
void tsc_delay_us(uint64_t us);
/* Guest system time (HVM guests without a PV clock): their TSC converted to
 * ns from TSC 0.  These convert between it and now_ns(). */
uint64_t tsc_to_abs_ns(uint64_t tsc);
uint64_t guest_ns_to_host_ns(uint64_t guest_ns);
uint64_t tsc_ns_per_tick_q32(void);             /* the factor of tsc_to_abs_ns, 32.32 fixed point */                 /* busy wait (works before tsc_init: assumes 3 GHz) */

#endif
