/*
 * The virtual local APIC of each HVM vCPU (xAPIC MMIO at the APIC base and
 * x2APIC MSRs 0x800-0x8ff): timer (one-shot, periodic, TSC-deadline), IPIs,
 * EOI, priorities.  Intel SDM vol. 3 chapter 11 (APIC).
 */
#ifndef RV_HVM_VLAPIC_H
#define RV_HVM_VLAPIC_H

#include "lib/compiler.h"

struct vcpu;
struct domain;

/* Delivery modes (ICR / IOAPIC redirection entry bits 10:8). */
#define APIC_DM_FIXED       0
#define APIC_DM_LOWEST      1
#define APIC_DM_SMI         2
#define APIC_DM_NMI         4
#define APIC_DM_INIT        5
#define APIC_DM_STARTUP     6
#define APIC_DM_EXTINT      7

int vlapic_create(struct vcpu *v);
void vlapic_destroy(struct vcpu *v);

/* An interrupt message from the IOAPIC (or an MSI): destination in the
 * IOAPIC/xAPIC sense (8-bit physical id, or logical with dest_logical), or
 * the 32-bit x2APIC id when the target is in x2APIC mode. */
void vlapic_deliver(struct domain *d, uint32_t dest, bool dest_logical, unsigned mode, uint8_t vector,
                    bool level);

/* A fixed, edge-triggered vector straight to v's APIC (the per-vCPU event
 * upcall vector): as if a message had named it. */
void vlapic_set_irq(struct vcpu *v, uint8_t vector);

/* For the run loop (hvm/intr.c). */
bool vlapic_mmio(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *val);
/* x2APIC and APIC-base MSRs: return false when the access must #GP. */
bool vlapic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
bool vlapic_msr_write(struct vcpu *v, uint32_t msr, uint64_t val);
/* v's TSC offset changed (WRMSR IA32_TSC/TSC_ADJUST): re-arm a TSC-deadline
 * timer for the new host time of its deadline.  v's own context. */
void vlapic_tsc_changed(struct vcpu *v);
bool vlapic_is_msr(uint32_t msr);
/* The task priority, also reached as CR8 in 64-bit mode. */
uint8_t vlapic_get_tpr(struct vcpu *v);
void vlapic_set_tpr(struct vcpu *v, uint8_t tpr);
/* Highest fixed vector that may be delivered now (above the PPR), or -1. */
int vlapic_pending_vector(struct vcpu *v);
void vlapic_ack_vector(struct vcpu *v, uint8_t vector);    /* IRR -> ISR at injection */
bool vlapic_take_nmi(struct vcpu *v);                      /* a pending NMI, consumed */
bool vlapic_nmi_pending(struct vcpu *v);
/* Whether the 8259's INTR reaches this vCPU (LINT0 in ExtINT mode, or the
 * APIC globally disabled: the virtual-wire modes of the MP spec). */
bool vlapic_accepts_pic(struct vcpu *v);
/* Whether this vCPU waits for INIT/SIPI (application processors at boot). */
bool vlapic_waiting_for_sipi(struct vcpu *v);
void vlapic_set_wait_sipi(struct vcpu *v);                 /* at creation: AP waits for INIT/SIPI */
int vlapic_take_sipi(struct vcpu *v);                      /* SIPI vector received (consumed), or -1 */

#endif
