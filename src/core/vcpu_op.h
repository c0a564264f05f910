/* vcpu_op and the guest timers (core/vcpu_op.c). */
#ifndef RV_CORE_VCPU_OP_H
#define RV_CORE_VCPU_OP_H

#include "lib/compiler.h"

struct vcpu;
long vcpu_op(struct vcpu *v, unsigned cmd, unsigned vcpuid, uint64_t arg);
/* set_timer_op / VCPUOP_set_singleshot_timer: deadline in system ns, 0 = cancel. */
long vcpu_set_singleshot(struct vcpu *v, uint64_t deadline_ns);
/* A guest deadline in system ns as a now_ns() deadline, never in the past.
 * One extra microsecond so that rounding between the two clocks never fires
 * a timer before the guest's own clock says the deadline has come. */
uint64_t vcpu_host_deadline(uint64_t sys_ns);

#endif
