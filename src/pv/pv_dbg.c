/*
 * #DB of a PV vCPU taken by the hypervisor in ring 0 (docs/pv.md "Debug
 * registers and #DB").
 *
 * A guest's data breakpoint hit by MOV SS / POP SS is held until after
 * the next instruction; if that is SYSCALL (a hypercall) or INT3, the CPU
 * delivers the #DB in ring 0 at the first instruction of the hypervisor's
 * entry.  arch/x86/db_trap.c takes it on its own IST stack and only
 * records DR6 in the CPU's db_pending_dr6.  Here those bits become the
 * vCPU's right after the exit (the only vCPU whose breakpoints are armed on
 * this CPU is the one whose stint runs), and once the exit has been dealt
 * with (the hypercall done, the #BP bounced) the guest gets a #DB with the
 * bits in its virtual DR6: the guest's #DB handler runs first and returns
 * into what the exit produced, as on Xen, where the guest sees the #DB on
 * its way back from the hypercall or exception.
 */
#include "pv/pv.h"
#include "pv/pv_user.h"
#include "core/domain.h"
#include "core/percpu.h"
#include "arch/x86/asm.h"

void pv_dbg_stint_begin(void)
{
    __atomic_exchange_n(&this_cpu()->db_pending_dr6, 0, __ATOMIC_RELAXED);
}

void pv_dbg_after_exit(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    struct percpu *cpu = this_cpu();

    /* Every exit passes here: a plain load first, the exchange (a locked
     * instruction) only when a #DB left something. */
    if (__atomic_load_n(&cpu->db_pending_dr6, __ATOMIC_RELAXED))
        pv->emul.db_pending |= __atomic_exchange_n(&cpu->db_pending_dr6, 0, __ATOMIC_RELAXED);
}

bool pv_dbg_due(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;

    return pv->emul.db_pending != 0;
}

bool pv_dbg_deliver(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;

    /* DR6 as the guest reads it (get_debugreg / MOV DR6): the reported
     * bits added to what it had, as the CPU adds them. */
    pv->emul.dr6 |= pv->emul.db_pending;
    pv->emul.db_pending = 0;
    pv->emul.nr_db_ring0++;
    return pv_bounce_exc(v, 1, 0);
}
