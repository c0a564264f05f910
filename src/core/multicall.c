/*
 * multicall for HVM and PVH callers (public/xen.h, hypercall 13; 64-bit PV
 * guests have their own loop in pv/pv_multicall.c, in front of this table,
 * because their entries go through the PV dispatch): a batch of entries
 * run in order through the one hypercall table, each result written back
 * into its entry; a failing entry does not stop the batch.  64-bit callers
 * use struct multicall_entry (op, result, args[6]: 8 bytes each), 32-bit
 * callers the compat layout (4 bytes each), as Xen.
 *
 * Continuations, as Xen: between entries, when a softirq is pending on the
 * CPU or after MC_ENTRIES_PER_CALL entries, the call returns -ERESTART with
 * the list advanced past the entries done and the count reduced in
 * v->mc_cont; the VMCALL entry (hvm/hypercall.c) puts them back in the
 * argument registers and leaves RIP on the instruction, so the guest
 * issues the call again without knowing.  A multicall inside a multicall
 * is refused (-EINVAL as that entry's result).
 */
#include "core/hypercall.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/percpu.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "public/xen.h"

#define MC_ENTRIES_PER_CALL 256

long multicall(struct vcpu *v, uint64_t list, unsigned nr, bool compat)
{
    const uint64_t size = compat ? 32 : 64;
    long rc = 0;

    if (v->mc_active)
        return -EINVAL;
    v->mc_active = true;
    for (unsigned i = 0; i < nr; i++) {
        uint64_t at = list + (uint64_t)i * size, args[HYPERCALL_NR_ARGS] = { 0 }, op;
        uint64_t raw[8];
        uint32_t raw32[8];

        if (i && (i >= MC_ENTRIES_PER_CALL || __atomic_load_n(&this_cpu()->softirq_pending, __ATOMIC_RELAXED))) {
            v->mc_cont[0] = at;
            v->mc_cont[1] = nr - i;
            rc = -ERESTART;
            break;
        }
        if (at < list || (compat && at + size > 1ull << 32)) {
            rc = -EFAULT;
            break;
        }
        if (compat ? copy_from_guest(v, raw32, at, sizeof(raw32)) : copy_from_guest(v, raw, at, sizeof(raw))) {
            rc = -EFAULT;
            break;
        }
        op = compat ? raw32[0] : raw[0];
        for (unsigned k = 0; k < HYPERCALL_NR_ARGS; k++)
            args[k] = compat ? raw32[2 + k] : raw[2 + k];
        /* iret is PV's; nothing in the table answers -ERESTART for these
         * callers, and a nested multicall answers -EINVAL. */
        long r = hypercall_call(v, op, args, compat);
        if (r == -ERESTART)
            r = -ENOSYS;
        int bad = compat ? copy_to_guest(v, at + 4, &(uint32_t){ (uint32_t)r }, 4)
                         : copy_to_guest(v, at + 8, &(uint64_t){ (uint64_t)r }, 8);
        if (bad) {
            rc = -EFAULT;
            break;
        }
        if (__atomic_load_n(&v->domain->state, __ATOMIC_ACQUIRE) != DOMAIN_RUNNING)
            break;
    }
    v->mc_active = false;
    return rc;
}
