/* vcpu_op and the guest timers (core/vcpu_op.c). */
#ifndef RV_CORE_VCPU_OP_H
#define RV_CORE_VCPU_OP_H

#include "lib/compiler.h"

struct vcpu;
long vcpu_op(struct vcpu *v, unsigned cmd, unsigned vcpuid, uint64_t arg);
/* set_timer_op / VCPUOP_set_singleshot_timer: deadline in system ns, 0 = cancel. */
long vcpu_set_singleshot(struct vcpu *v, uint64_t deadline_ns);

#endif
