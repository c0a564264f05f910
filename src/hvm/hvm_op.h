/* hvm_op(cmd, arg) (hvm/hvm_op.c). */
#ifndef RV_HVM_HVM_OP_H
#define RV_HVM_HVM_OP_H

#include "lib/compiler.h"

struct vcpu;
long hvm_op(struct vcpu *v, unsigned cmd, uint64_t arg);

#endif
