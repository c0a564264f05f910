/* Host tests of src/core/compat/ and src/core/hypercall.c: the vCPU fields
 * the compat layer uses (its translation area) and nothing else. */
#ifndef RV_CORE_DOMAIN_H
#define RV_CORE_DOMAIN_H
#include "lib/compiler.h"
#include "public/xen.h"
#include "core/compat/xlat.h"
struct domain { uint16_t domid; };
struct vcpu {
    struct domain *domain;
    struct compat_xlat compat;
};
#endif
