/*
 * Xen-compatible public ABI: callback_op (hypercall 30), how a PV kernel
 * registers its entry points.  Numbers and layout from the Xen public
 * header "callback.h"; written for Ringvisor.
 */
#ifndef RV_PUBLIC_CALLBACK_H
#define RV_PUBLIC_CALLBACK_H

#include <stdint.h>

#define CALLBACKTYPE_event      0   /* event upcalls */
#define CALLBACKTYPE_failsafe   1   /* the hypervisor could not restore the guest's segments */
#define CALLBACKTYPE_syscall    2   /* SYSCALL from 64-bit guest user space */
#define CALLBACKTYPE_nmi        4
#define CALLBACKTYPE_sysenter   5   /* SYSENTER from 32-bit guest user space */
#define CALLBACKTYPE_syscall32  7   /* SYSCALL from 32-bit guest user space */

#define CALLBACKF_mask_events   (1u << 0)   /* events masked while the callback runs (not for event/NMI) */

#define CALLBACKOP_register     0
struct callback_register {
    uint16_t type;
    uint16_t flags;
    uint64_t address;           /* xen_callback_t of a 64-bit guest */
};
_Static_assert(sizeof(struct callback_register) == 16, "callback_register layout");

#define CALLBACKOP_unregister   1
struct callback_unregister {
    uint16_t type;
    uint16_t _unused;
};

#endif
