/*
 * Starting application processors the way an OS does on a PC: INIT, then
 * two STARTUP IPIs through the local APIC's ICR (xAPIC MMIO), each AP then
 * running ap_tramp.S in real mode.  32-bit guests without paging only (the
 * LAPIC page and the trampoline are reached at their physical addresses).
 */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#define AP_TRAMP_BASE   0x6000      /* SIPI vector 6 */
#define AP_SEEN_ADDR    0x6e00      /* one byte per initial APIC ID */
#define AP_MAX_ID       0xf0
#define AP_COUNT_ADDR   0x6ff0      /* 16-bit count of APs that ran */

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Sends INIT-SIPI-SIPI to all but self and waits up to timeout_ms for
 * 'expect' APs to arrive.  Returns how many did; seen[id] (AP_MAX_ID bytes)
 * tells how often each APIC ID ran the trampoline. */
unsigned smp_start_aps(unsigned expect, unsigned timeout_ms, uint8_t *seen);
#endif

#endif
