/*
 * Xen-compatible public ABI: the PV console ring (Xen public interface
 * "io/console.h"; layout only, written anew for Ringvisor).  One page,
 * published to the guest as HVM_PARAM_CONSOLE_PFN, with an event channel
 * (HVM_PARAM_CONSOLE_EVTCHN) to the console back end.  Indices run freely
 * and are reduced modulo the ring size; the guest produces 'out' and
 * consumes 'in'.
 */
#ifndef RV_PUBLIC_CONSOLE_H
#define RV_PUBLIC_CONSOLE_H

#include <stdint.h>

typedef uint32_t XENCONS_RING_IDX;

struct xencons_interface {
    char in[1024];
    char out[2048];
    XENCONS_RING_IDX in_cons, in_prod;
    XENCONS_RING_IDX out_cons, out_prod;
};
_Static_assert(__builtin_offsetof(struct xencons_interface, in_cons) == 3072, "console ring layout");

#endif /* RV_PUBLIC_CONSOLE_H */
