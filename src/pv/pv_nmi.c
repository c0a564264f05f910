/*
 * Virtual NMIs of PV vCPUs (docs/pv.md "NMI callback"), as Xen's public
 * callback.h and vcpu.h describe them:
 *  - CALLBACKOP_register with CALLBACKTYPE_nmi: the handler's address (a
 *    64-bit guest's canonical and outside the hypervisor's range; a 32-bit
 *    guest's eip below 0xf5800000, its cs ignored: the handler runs on the
 *    flat ring-1 code selector, as Xen's compat registration does).
 *    CALLBACKOP_unregister removes it.  set_callbacks has no NMI slot.
 *  - VCPUOP_send_nmi(vcpu, NULL): marks an NMI pending for that vCPU of the
 *    caller's domain and kicks it; a non-null argument is -EINVAL.  An NMI
 *    sent while one is pending is the same NMI (one pending flag, as Xen
 *    and the local APIC keep it).
 *  - Delivery, before any event upcall, when one is pending and NMIs are not
 *    masked: the pending flag is cleared, NMIs become masked, and the
 *    guest gets a bounce to the handler like an exception without an error
 *    code (64-bit: RCX, R11, RIP, CS, RFLAGS, RSP, SS; 32-bit: EIP, CS,
 *    EFLAGS [, ESP, SS from ring 3]), with event delivery masked for the
 *    handler (Xen registers it as an interrupt-gate trap).  Without a
 *    handler the NMI is dropped at that point (Xen does the same).
 *  - The mask lasts until the guest's next iret hypercall (64-bit or
 *    32-bit), as the CPU's NMI blocking lasts until the next IRET: a second
 *    NMI sent meanwhile stays pending and is delivered right after it.
 * Owner of the fields in struct pv_vcpu: nmi_cb and nmi_masked (r), only
 * the vCPU itself (its hypercalls and run loop); nmi_pending is set by any
 * vCPU of the domain (atomic) and cleared by the vCPU at delivery.
 */
#include "pv/pv.h"
#include "pv/pv_user.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "hvm/hvm.h"
#include "lib/errno.h"
#include "public/vcpu.h"

#define PV32_RING1_CS   0xe019
#define PV32_HV_START   0xf5800000ull

long pv_nmi_register(struct vcpu *v, uint64_t address)
{
    struct pv_vcpu *pv = v->vendor;

    if (pv->compat_l4 ? address >= PV32_HV_START
                      : (!pv_canonical(address) || (address >= HYPERVISOR_VIRT_START && address < HYPERVISOR_VIRT_END)))
        return -EINVAL;
    WRITE_ONCE(pv->nmi_cb, address);
    return 0;
}

bool pv_nmi_vcpu_op(struct vcpu *v, unsigned cmd, struct vcpu *t, uint64_t arg, long *ret)
{
    if (cmd != VCPUOP_send_nmi || v->domain->type != DOMCFG_PV)
        return false;
    struct pv_vcpu *tp = t->vendor;
    if (arg) {
        *ret = -EINVAL;     /* the argument is a null handle */
        return true;
    }
    if (!__atomic_exchange_n(&tp->nmi_pending, true, __ATOMIC_SEQ_CST))
        hvm_vcpu_kick(t);   /* wakes it if blocked; makes it leave the guest if it runs elsewhere */
    *ret = 0;
    return true;
}

bool pv_nmi_due(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;

    return !pv->nmi_masked && __atomic_load_n(&pv->nmi_pending, __ATOMIC_ACQUIRE);
}

bool pv_nmi_deliver(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;

    __atomic_store_n(&pv->nmi_pending, false, __ATOMIC_SEQ_CST);
    if (!pv->nmi_cb) {
        pv->nr_nmi_dropped++;
        return true;
    }
    pv->nmi_masked = true;
    pv->nr_nmis++;
    if (pv->compat_l4)
        return pv32_bounce(v, PV32_RING1_CS, pv->nmi_cb, false, 0, true, "NMI");
    return pv_bounce_to(v, pv->nmi_cb, false, 0, true, "NMI");
}

void pv_nmi_iret(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;

    pv->nmi_masked = false;
}
