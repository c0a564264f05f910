/*
 * The common half of the guest-state checker (hvm/vmstate.h): the switch
 * and the report.  Every finding is a Ringvisor bug: each path by which a
 * guest changes state the CPU checks at entry is validated where the guest
 * makes the change (MOV to CR in hvm/ctrlreg.c and vmx/cr.c, WRMSR in
 * hvm/msr.c), and refused there with the #GP hardware gives; registers the
 * guest writes without an exit (DR6/DR7, CR3 with nested paging) are checked
 * by the CPU itself at the write.  So the state is not entered, the rule it
 * breaks is named, and only this domain stops.
 */
#include "hvm/vmstate.h"
#include "core/domain.h"
#include "core/console.h"

bool hvm_vmstate_check __hot_data;    /* set from the boot option by setup.c */

void hvm_vmstate_report(struct vcpu *v, const char *when, const struct vmstate_finding *f)
{
    struct domain *d = v->domain;

    /* log_err, not domain_log: the line must start with "vmstate: " on the
     * hypervisor console, whatever the domain is called (rv-run). */
    if (f && f->rule)
        log_err("vmstate: d%u v%u: %s: %s = %#lx breaks \"%s\"\n", d->domid, v->vcpu_id, when, f->field,
                (unsigned long)f->value, f->text);
    else
        log_err("vmstate: d%u v%u: %s: no rule of the checker explains it\n", d->domid, v->vcpu_id, when);
}
