/* memory_op(cmd, arg) for HVM and PVH domains (core/memory_op.c). */
#ifndef RV_CORE_MEMORY_OP_H
#define RV_CORE_MEMORY_OP_H

#include "lib/compiler.h"

struct vcpu;
long memory_op(struct vcpu *v, unsigned cmd, uint64_t arg);

#endif
