/*
 * The Xen PV clock of HVM and PVH domains: each vCPU's vcpu_time_info and
 * the domain's wall clock in shared_info, and the runstate records guests
 * register (VCPUOP_register_runstate_memory_area).
 *
 * System time is the one set_timer_op deadlines already use
 * (arch/x86/time.h tsc_to_abs_ns of the guest's TSC), so a guest computing
 * now from vcpu_time_info and arming a timer for now + x gets woken after x.
 * The TSC is invariant and shared by all CPUs here, so the record is written
 * once (and again when the vCPU moves its vcpu_info) with
 * XEN_PVCLOCK_TSC_STABLE_BIT, not refreshed periodically.
 */
#ifndef RV_CORE_TIME_INFO_H
#define RV_CORE_TIME_INFO_H

#include "lib/compiler.h"

struct domain;
struct vcpu;

void time_info_init_domain(struct domain *d);   /* every vCPU's record and the wall clock */
void time_info_wallclock(struct domain *d);     /* the wall clock, where d's shared_info layout has it */
void time_info_update_vcpu(struct vcpu *v);     /* v's record, where v->vcpu_info is now */
uint64_t time_info_system_ns(struct domain *d); /* the domain's system time now */
/* XENPF_settime from the initial domain: at d's system time system_time the
 * wall clock read secs.nsecs; every domain's wall clock follows from then on
 * (d's at once, the others' when next written). */
void time_info_settime(struct domain *d, uint64_t secs, uint32_t nsecs, uint64_t system_time);

/* Runstate: v changes to RUNSTATE_* 'state' now (scheduler hooks in the run
 * loop); copies the record to the guest if it registered one. */
void time_info_runstate(struct vcpu *v, int state);
/* VCPUOP_register_runstate_memory_area: gva of the caller's address space. */
int time_info_register_runstate(struct vcpu *v, struct vcpu *target, uint64_t gva);

/* pv/pv_vtime.c: a PV vCPU's secondary record (VCPUOP_register_vcpu_time_
 * memory_area) written again after its own; nothing for other kinds. */
void pv_time_area_update(struct vcpu *v);
/* pv/pv_vtime.c: a PV vCPU's runstate record written at its virtual
 * address (v->runstate_gpa, nonzero), with XEN_RUNSTATE_UPDATE in
 * state_entry_time during the write when the domain enabled
 * VMASST_TYPE_runstate_update_flag. */
void pv_runstate_write(struct vcpu *v);

uint64_t vrtc_host_unix_now(void);              /* hvm/vrtc.c: host wall clock, s since the epoch */

#endif
