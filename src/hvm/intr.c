/*
 * Getting virtual interrupts into a vCPU.  Devices only record interrupts
 * (vLAPIC IRR, 8259 IRR, NMI flag) and kick the vCPU; just before each VM
 * entry hvm_intr_assist() picks the most urgent event the guest can take now
 * and injects it, or asks the backend for an exit as soon as the guest can
 * (the interrupt window: RFLAGS.IF set and no STI/MOV-SS shadow; the NMI
 * window: the previous NMI's handler has returned with IRET).
 *
 * Priority (SDM vol. 3 6.9): NMI before maskable interrupts; among maskable
 * ones the local APIC's highest vector above the processor priority, then
 * the 8259's INTR when it is wired to this vCPU (virtual-wire mode).
 */
#include "hvm/hvm.h"
#include "hvm/vlapic.h"
#include "hvm/platform.h"
#include "core/domain.h"
#include "core/sched.h"
#include "core/softirq.h"
#include "core/percpu.h"

__hot_path void hvm_vcpu_kick(struct vcpu *v)
{
    /* Blocked (HLT): make it runnable; it looks at its interrupts before
     * it next enters, wherever it is -- queued, or still on its CPU in the
     * block spin (sched.c), which sees the wake without an IPI.  Running
     * or about to run: the flag sched_wake leaves makes a HLT racing with
     * this return at once. */
    if (sched_wake(v))
        return;
    /* In the guest on another CPU: any physical interrupt makes it exit,
     * and the run loop looks at the new event before re-entering.  If it
     * is between the check and VMRUN, host interrupts are off there, so
     * the IPI stays pending and VMRUN exits straight away. */
    if (sched_vcpu_running(v) && v->processor != smp_processor_id())
        cpu_raise_softirq(v->processor, SOFTIRQ_KICK);
}

static void kick_softirq(void)
{
    /* Nothing: leaving the guest was the point. */
}

void hvm_intr_init(void)
{
    open_softirq(SOFTIRQ_KICK, kick_softirq);
}

/* Where a maskable interrupt comes from. */
enum intr_src { SRC_NONE, SRC_CALLBACK, SRC_LAPIC, SRC_PIC };

/* The event-channel callback vector (HVM_PARAM_CALLBACK_IRQ of type
 * vector): pending for as long as vcpu_info->evtchn_upcall_pending is set,
 * bypassing the local APIC (no IRR/ISR, no EOI) as the Xen ABI defines it;
 * the guest clears the flag in its handler, with interrupts still off. */
__hot_path static int callback_vector(struct vcpu *v)
{
    uint64_t cb = __atomic_load_n(&v->domain->hvm_params[HVM_PARAM_CALLBACK_IRQ], __ATOMIC_RELAXED);
    if ((cb >> HVM_PARAM_CALLBACK_TYPE_SHIFT) != HVM_PARAM_CALLBACK_TYPE_VECTOR || (uint8_t)cb < 0x10)
        return -1;
    if (!__atomic_load_n(&v->vcpu_info->evtchn_upcall_pending, __ATOMIC_RELAXED))
        return -1;
    return (uint8_t)cb;
}

/* A maskable interrupt that would be delivered if the guest allowed it:
 * its vector, or -1; *src tells where it came from.  Order as on Xen: the
 * callback vector, then the local APIC, then the 8259. */
__hot_path static int pending_maskable(struct vcpu *v, enum intr_src *src)
{
    int vec = callback_vector(v);
    *src = SRC_CALLBACK;
    if (vec >= 0)
        return vec;
    vec = vlapic_pending_vector(v);
    *src = SRC_LAPIC;
    if (vec >= 0)
        return vec;
    *src = SRC_NONE;
    if (v->domain->plat && vlapic_accepts_pic(v)) {
        vec = vpic_pending(v->domain);
        if (vec >= 0)
            *src = SRC_PIC;
    }
    return vec;
}

__hot_path bool hvm_intr_pending(struct vcpu *v)
{
    enum intr_src src;
    return vlapic_nmi_pending(v) || pending_maskable(v, &src) >= 0;
}

/* Called with host interrupts disabled, right before entering v. */
__hot_path void hvm_intr_assist(struct vcpu *v)
{
    bool want_nmi_window = false, want_intr_window = false;
    enum intr_src src;
    int vec;

    /* An event being (re)delivered goes first; look again after it. */
    if (hvm_vendor->event_pending(v)) {
        want_intr_window = hvm_intr_pending(v);
        goto windows;
    }
    if (vlapic_nmi_pending(v)) {
        if (hvm_vendor->nmi_allowed(v)) {
            if (vlapic_take_nmi(v)) {
                hvm_vendor->inject_event(v, HVM_EVENT_NMI, 2, false, 0);
                v->nr_nmis++;
            }
            want_intr_window = pending_maskable(v, &src) >= 0;
            goto windows;
        }
        want_nmi_window = true;
    }
    vec = pending_maskable(v, &src);
    if (vec >= 0) {
        if (hvm_vendor->interrupts_enabled(v)) {
            if (src == SRC_PIC) {
                /* The INTA cycle: the 8259 may answer differently now
                 * (a spurious IRQ7/15), which is what it delivers. */
                vec = vpic_ack(v->domain);
                if (vec < 0)
                    goto windows;
            } else if (src == SRC_LAPIC) {
                vlapic_ack_vector(v, (uint8_t)vec);
            }
            hvm_vendor->inject_event(v, HVM_EVENT_EXTINT, (uint8_t)vec, false, 0);
            v->nr_irqs++;
        } else {
            want_intr_window = true;
        }
    }
windows:
    /* The NMI request goes last: a backend without an NMI-window exit of
     * its own may turn the interrupt window on for it. */
    hvm_vendor->request_intr_window(v, want_intr_window);
    hvm_vendor->request_nmi_window(v, want_nmi_window);
}
