/*
 * A vCPU's x87/SSE state (FXSAVE format, SDM vol. 1 10.5.1) in struct vcpu
 * (fpu, fpu_init; owned by the CPU running the vCPU): loaded when the vCPU
 * starts a stint on a CPU and saved when it ends, for every kind of vCPU
 * (hvm/hvm.c, pv/pv_vcpu.c).  The hypervisor itself never touches these
 * registers in between.
 */
#ifndef RV_CORE_VCPU_FPU_H
#define RV_CORE_VCPU_FPU_H

#include "core/domain.h"
#include "lib/string.h"

static inline void vcpu_fpu_load(struct vcpu *v)
{
    if (!v->fpu_init) {
        memset(v->fpu, 0, sizeof(v->fpu));
        *(uint16_t *)&v->fpu[0] = 0x37f;            /* FCW after FNINIT */
        *(uint32_t *)&v->fpu[24] = 0x1f80;          /* MXCSR reset value */
        v->fpu_init = true;
    }
    __asm__ __volatile__("fxrstor64 %0" :: "m"(v->fpu));
}

static inline void vcpu_fpu_save(struct vcpu *v)
{
    __asm__ __volatile__("fxsave64 %0" : "=m"(v->fpu));
}

#endif
