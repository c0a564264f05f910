/*
 * The guest-state checker (docs/hvm.md "Guest-state checker"): before each
 * VMRUN / VMLAUNCH / VMRESUME the backend may check the VMCB or VMCS it is
 * about to hand the CPU against the manuals' consistency checks (AMD APM
 * vol. 2 15.5.1 and 15.20; Intel SDM vol. 3C 26.2.1.3 and 26.3.1), so that
 * a state the CPU would refuse is caught with the rule it breaks, before
 * entry, and only that domain stops.
 *
 * The checkers themselves (svm/svm_check.c, vmx/vmx_check.c) are pure
 * functions over a copy of the state, built for the host in tests/unit.
 * This header is the part both backends and common code share.
 */
#ifndef RV_HVM_VMSTATE_H
#define RV_HVM_VMSTATE_H

#include "lib/compiler.h"

/* One broken rule: which (a backend's rule number, for tests), its text
 * as the manual states it, the field and the value found there. */
struct vmstate_finding {
    int rule;               /* 0: none */
    const char *text;
    const char *field;
    uint64_t value;
};

/* Records a broken rule in *f; false, for "return fail(...)" in the checkers. */
static inline bool vmstate_fail(struct vmstate_finding *f, int rule, const char *text, const char *field,
                                uint64_t value)
{
    *f = (struct vmstate_finding){ rule, text, field, value };
    return false;
}

/* Boot option vmstate_check (src/boot/bootopts.c); the default comes from
 * the build (RV_VMSTATE_CHECK_DEFAULT, on in debug builds).  Read on every
 * guest entry: when off the cost is this one predictable branch. */
extern bool hvm_vmstate_check;      /* (i) */

/* x->qual of an HVM_EXIT_INVALID the checker produced: the guest was not
 * entered (the finding was logged with the "vmstate:" prefix). */
#define HVM_INVALID_BY_CHECKER  1

#ifndef RV_HOST_BUILD
struct vcpu;
/* Logs a finding on the hypervisor console, prefixed "vmstate: " (rv-run
 * fails a run that shows one).  when: "before VMRUN", "VMRUN refused
 * (VMEXIT_INVALID)", ...  f == NULL or rule 0: no rule explains it.  The
 * backend then returns HVM_EXIT_INVALID and common code crashes the domain. */
void hvm_vmstate_report(struct vcpu *v, const char *when, const struct vmstate_finding *f);
#endif

#endif
