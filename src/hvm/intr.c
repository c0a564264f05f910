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

void hvm_vcpu_kick(struct vcpu *v)
{
    /* Blocked (HLT): make it runnable.  Running or about to run: the flag
     * sched_wake leaves makes a HLT racing with this return at once. */
    sched_wake(v);
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

/* A maskable interrupt that would be delivered if the guest allowed it:
 * its vector, or -1.  from_pic tells where it came from. */
static int pending_maskable(struct vcpu *v, bool *from_pic)
{
    int vec = vlapic_pending_vector(v);
    *from_pic = false;
    if (vec >= 0)
        return vec;
    if (v->domain->plat && vlapic_accepts_pic(v)) {
        vec = vpic_pending(v->domain);
        *from_pic = vec >= 0;
    }
    return vec;
}

bool hvm_intr_pending(struct vcpu *v)
{
    bool pic;
    return vlapic_nmi_pending(v) || pending_maskable(v, &pic) >= 0;
}

/* Called with host interrupts disabled, right before entering v. */
void hvm_intr_assist(struct vcpu *v)
{
    bool want_nmi_window = false, want_intr_window = false, pic;
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
            want_intr_window = pending_maskable(v, &pic) >= 0;
            goto windows;
        }
        want_nmi_window = true;
    }
    vec = pending_maskable(v, &pic);
    if (vec >= 0) {
        if (hvm_vendor->interrupts_enabled(v)) {
            if (pic) {
                /* The INTA cycle: the 8259 may answer differently now
                 * (a spurious IRQ7/15), which is what it delivers. */
                vec = vpic_ack(v->domain);
                if (vec < 0)
                    goto windows;
            } else {
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
