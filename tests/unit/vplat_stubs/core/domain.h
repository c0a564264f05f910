/* Host unit tests: the few domain fields the platform devices use. */
#ifndef RV_CORE_DOMAIN_H
#define RV_CORE_DOMAIN_H
#include "lib/compiler.h"
#include "core/spinlock.h"
#include "core/timer.h"
#include "public/sched.h"
#define MAX_VCPUS 64
struct hvm_platform;
struct domcfg;
struct vcpu { struct domain *domain; unsigned vcpu_id, processor; };
struct domain {
    struct vcpu *vcpus[MAX_VCPUS];
    unsigned nr_vcpus;
    uint64_t mem_bytes;
    struct hvm_platform *plat;
    struct domcfg *cfg;             /* NULL here: every device on */
};
void domain_shutdown(struct domain *d, int reason);
void domain_log(struct domain *d, int level, const char *fmt, ...) __printf(3, 4);
#endif
