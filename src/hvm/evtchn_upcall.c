/*
 * Event-channel delivery to HVM and PVH vCPUs (the per-kind half of
 * ARCHITECTURE.md "One event path"): once evtchn/ has set
 * vcpu_info->evtchn_upcall_pending, the vCPU gets its upcall vector --
 * either the per-vCPU vector (HVMOP_set_evtchn_upcall_vector) through its
 * local APIC, or the domain-wide callback vector (HVM_PARAM_CALLBACK_IRQ),
 * which hvm_intr_assist injects directly while the flag stays set.
 */
#include "evtchn/evtchn.h"
#include "hvm/hvm.h"
#include "hvm/vlapic.h"
#include "core/domain.h"
#include "core/sched.h"

__hot_path void evtchn_arch_upcall(struct vcpu *v)
{
    uint8_t vec = __atomic_load_n(&v->upcall_vector, __ATOMIC_ACQUIRE);

    /* Pollers are woken by evtchn/ itself on every delivery. */
    if (vec) {
        vlapic_set_irq(v, vec);     /* kicks v itself, unless the APIC refuses or already holds it */
        return;
    }
    /* This kick always wakes v, so a poll of v's ends here and wake_pollers
     * passes it by: a second sched_wake would only take the run-queue lock
     * again and leave a stray wake_pending, which makes the vCPU's next
     * HLT or block return at once. */
    __atomic_store_n(&v->polling, false, __ATOMIC_SEQ_CST);
    hvm_vcpu_kick(v);               /* hvm_intr_assist sees the flag before the next entry */
}

__hot_path void evtchn_arch_wake_poller(struct vcpu *v)
{
    /* SCHEDOP_poll: any event of the domain ends the wait; the vCPU
     * re-checks its ports when it polls again. */
    if (__atomic_exchange_n(&v->polling, false, __ATOMIC_ACQ_REL))
        sched_wake(v);
}
