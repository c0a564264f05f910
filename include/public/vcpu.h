/*
 * Xen-compatible public ABI: vcpu_op (Xen public interface "vcpu.h"; numbers
 * and layouts only, written anew for Ringvisor).  Call: vcpu_op(cmd, vcpuid,
 * arg).  Results: 0 or a negative errno.
 */
#ifndef RV_PUBLIC_VCPU_H
#define RV_PUBLIC_VCPU_H

#include <stdint.h>

#define VCPUOP_initialise                       0
#define VCPUOP_up                               1
#define VCPUOP_down                             2
#define VCPUOP_is_up                            3
#define VCPUOP_get_runstate_info                4
#define VCPUOP_register_runstate_memory_area    5
#define VCPUOP_set_periodic_timer               6
#define VCPUOP_stop_periodic_timer              7
#define VCPUOP_set_singleshot_timer             8
#define VCPUOP_stop_singleshot_timer            9
#define VCPUOP_register_vcpu_info               10
#define VCPUOP_send_nmi                         11
#define VCPUOP_get_physid                       12
#define VCPUOP_register_vcpu_time_memory_area   13

#define RUNSTATE_running    0
#define RUNSTATE_runnable   1
#define RUNSTATE_blocked    2
#define RUNSTATE_offline    3

struct vcpu_runstate_info {
    int32_t state;                  /* RUNSTATE_* */
    uint32_t pad;
    uint64_t state_entry_time;      /* system time (ns) of the last change; bit 63 set while being updated */
    uint64_t time[4];               /* ns spent in each state */
};
_Static_assert(sizeof(struct vcpu_runstate_info) == 48, "runstate layout");
#define XEN_RUNSTATE_UPDATE (1ull << 63)

/* register_runstate_memory_area: a guest *virtual* address (HVM/PVH: of the
 * kernel's address space). */
struct vcpu_register_runstate_memory_area { uint64_t addr; };
/* VCPUOP_register_vcpu_time_memory_area: a second copy of the vCPU's
 * vcpu_time_info at a guest virtual address (PV; Linux's vDSO clock). */
struct vcpu_register_time_memory_area { uint64_t addr; };

struct vcpu_set_periodic_timer { uint64_t period_ns; };

#define VCPU_SSHOTTMR_future (1u << 0)  /* -ETIME if the deadline has passed */
struct vcpu_set_singleshot_timer {
    uint64_t timeout_abs_ns;        /* system time */
    uint32_t flags;
    uint32_t pad;
};

/* Move the vCPU's vcpu_info out of shared_info to frame mfn (HVM/PVH: a
 * guest frame number) at 'offset'; it must not cross the page. */
struct vcpu_register_vcpu_info {
    uint64_t mfn;
    uint32_t offset;
    uint32_t rsvd;
};

#endif /* RV_PUBLIC_VCPU_H */
