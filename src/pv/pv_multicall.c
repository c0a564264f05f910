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

/* Xen's x86_32 multicall_entry (32-bit PV, pv32.c): op, result and the
 * arguments as 32-bit words. */
struct compat_multicall_entry {
    uint32_t op, result;
    uint32_t args[6];
};
_Static_assert(sizeof(struct compat_multicall_entry) == 32, "compat multicall_entry is 32 bytes");

/* A 32-bit guest's entry at 'at' into the native form (false: unreadable). */
static bool read_entry32(struct vcpu *v, uint64_t at, struct multicall_entry *e)
{
    struct compat_multicall_entry c;

    if (pv_copy_guest(v, &c, at, sizeof(c), false))
        return false;
    e->op = c.op;
    e->result = c.result;
    for (unsigned i = 0; i < 6; i++)
        e->args[i] = c.args[i];
    return true;
}

/* ... and back: the continuation arguments (restart) or the result. */
static bool write_entry32(struct vcpu *v, uint64_t at, const struct multicall_entry *e, bool args)
{
    struct compat_multicall_entry c = { (uint32_t)e->op, (uint32_t)e->result, { 0 } };

    if (!args)
        return pv_copy_guest(v, &c.result, at + 4, 4, true) == 0;
    for (unsigned i = 0; i < 6; i++)
        c.args[i] = (uint32_t)e->args[i];
    return pv_copy_guest(v, &c, at, sizeof(c), true) == 0;
}

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
        bool compat = pv->compat_l4 != 0;
        uint64_t at = list + (uint64_t)i * (compat ? sizeof(struct compat_multicall_entry)
                                                   : sizeof(struct multicall_entry));
        struct multicall_entry e;

        if (i && (i >= PV_MC_ENTRIES_PER_CALL ||
                  __atomic_load_n(&this_cpu()->softirq_pending, __ATOMIC_RELAXED))) {
            a[0] = at;
            a[1] = nr - i;
            pv->nr_mc_restarts++;
            rc = -ERESTART;
            break;
        }
        if (at < list || (compat ? !read_entry32(v, at, &e) : pv_copy_guest(v, &e, at, sizeof(e), false))) {
            rc = -EFAULT;
            break;
        }
        long r;
        if (e.op == __HYPERVISOR_iret)
            r = -ENOSYS;
        else if (compat)
            r = e.op == __HYPERVISOR_multicall ? -EINVAL : pv32_hypercall_one(v, e.op, e.args);
        else
            r = pv_hypercall_one(v, e.op, e.args);
        if (r == -ERESTART) {
            /* The entry stopped part-way: its continuation arguments go
             * back into the guest's entry, and the batch resumes there. */
            if (compat ? !write_entry32(v, at, &e, true) : pv_copy_guest(v, &e, at, sizeof(e), true) != 0) {
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
        if (compat ? !write_entry32(v, at, &e, false) : pv_copy_guest(v, &e.result, at + 8, sizeof(e.result), true) != 0) {
            rc = -EFAULT;
            break;
        }
        if (__atomic_load_n(&v->domain->state, __ATOMIC_ACQUIRE) != DOMAIN_RUNNING)
            break;          /* an entry crashed the domain */
    }
    pv->mc_active = false;
    return rc;
}
