/*
 * The real-mode start-up code of application processors (Intel SDM vol. 3,
 * 9.4.4 "MP Initialization Example"; AMD APM vol. 2, 15.27.8): after
 * INIT-SIPI-SIPI an AP starts in real mode at CS = vector << 8, IP = 0.
 * smp.c copies ap_tramp_start..ap_tramp_end to AP_TRAMP_BASE (page
 * aligned, below 1 MiB) and sends SIPIs with vector AP_TRAMP_BASE >> 12.
 *
 * Each AP reads its initial APIC ID (CPUID.1:EBX[31:24]), marks it in
 * ap_seen[id], counts itself in ap_count (both at fixed low addresses,
 * reached with DS = 0), and halts with interrupts off for good.
 */
#include "smp.h"

    .section .text
    .code16
    .globl ap_tramp_start, ap_tramp_end
ap_tramp_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov $1, %eax
    cpuid
    shr $24, %ebx
    cmp $AP_MAX_ID, %bx
    jae 1f                              /* an ID beyond the table: counted, not marked */
    lock incb AP_SEEN_ADDR(%bx)
1:  lock incw AP_COUNT_ADDR
2:  cli
    hlt
    jmp 2b
ap_tramp_end:
    .code32
