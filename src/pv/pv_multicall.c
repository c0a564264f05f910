/*
 * multicall for 64-bit PV guests (docs/pv.md "multicall"): a batch of
 * struct multicall_entry (public/xen.h: op, result, args[6], 8 bytes each)
 * run in order, each through the same dispatch as a hypercall of its own
 * (pv_hypercall_one: the MMU calls, the PV rules, the shared table), its
 * result written back into the entry; a failing entry does not stop the
 * batch (the guest reads each result), as on Xen.
 *
 * Continuations, as Xen: between entries, when work is pending on the CPU
 * (a softirq) or after PV_MC_ENTRIES_PER_CALL entries, the call stops and
 * is re-issued with the list advanced past the entries done.  An entry that
 * is itself preempted (-ERESTART from an MMU call) has its rewritten
 * arguments copied back into the guest's entry, and the multicall
 * continues from that entry, so the entry resumes where it stopped.
 * A multicall inside a multicall is refused (-EINVAL as its result), as is
 * iret (-ENOSYS: it does not return to a batch).
 */
#include "pv/pv.h"
#include "core/domain.h"
#include "core/hypercall.h"
#include "core/percpu.h"
#include "lib/errno.h"
#include "public/xen.h"

/* Entries one call may run before it is continued: no multicall runs
 * unbounded whatever count the guest gives. */
#define PV_MC_ENTRIES_PER_CALL 256

struct multicall_entry {
    uint64_t op, result;
    uint64_t args[6];
};
_Static_assert(sizeof(struct multicall_entry) == 64, "multicall_entry is 64 bytes in the 64-bit ABI");

long pv_multicall(struct vcpu *v, uint64_t a[2])
{
    struct pv_vcpu *pv = v->vendor;
    uint64_t list = a[0];
    unsigned nr = (unsigned)a[1];
    long rc = 0;

    if (pv->mc_active)
        return -EINVAL;     /* nested: Xen refuses re-entry */
    pv->mc_active = true;
    pv->nr_multicalls++;
    for (unsigned i = 0; i < nr; i++) {
        uint64_t at = list + (uint64_t)i * sizeof(struct multicall_entry);
        struct multicall_entry e;

        if (i && (i >= PV_MC_ENTRIES_PER_CALL ||
                  __atomic_load_n(&this_cpu()->softirq_pending, __ATOMIC_RELAXED))) {
            a[0] = at;
            a[1] = nr - i;
            pv->nr_mc_restarts++;
            rc = -ERESTART;
            break;
        }
        if (at < list || pv_copy_guest(v, &e, at, sizeof(e), false)) {
            rc = -EFAULT;
            break;
        }
        long r;
        if (e.op == __HYPERVISOR_iret)
            r = -ENOSYS;
        else
            r = pv_hypercall_one(v, e.op, e.args);
        if (r == -ERESTART) {
            /* The entry stopped part-way: its continuation arguments go
             * back into the guest's entry, and the batch resumes there. */
            if (pv_copy_guest(v, &e, at, sizeof(e), true)) {
                rc = -EFAULT;
                break;
            }
            a[0] = at;
            a[1] = nr - i;
            pv->nr_mc_restarts++;
            rc = -ERESTART;
            break;
        }
        e.result = (uint64_t)r;
        if (pv_copy_guest(v, &e.result, at + 8, sizeof(e.result), true)) {
            rc = -EFAULT;
            break;
        }
        if (__atomic_load_n(&v->domain->state, __ATOMIC_ACQUIRE) != DOMAIN_RUNNING)
            break;          /* an entry crashed the domain */
    }
    pv->mc_active = false;
    return rc;
}
