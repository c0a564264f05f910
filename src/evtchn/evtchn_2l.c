/*
 * 2-level event channel ABI: one pending and one mask bit per port in the
 * domain's shared_info page (4096 ports on x86-64), and per vCPU a selector
 * word, evtchn_pending_sel, with bit i meaning "look at pending word i".
 *
 * The guest writes these words concurrently with us, so they are only ever
 * touched with atomic read-modify-write operations and their values are
 * trusted for nothing but the decision to notify.
 */
#include "evtchn/evtchn_private.h"

#define BITS_PER_WORD 64u

void evtchn_mark_upcall(struct vcpu *v)
{
    struct vcpu_info *vi = __atomic_load_n(&v->vcpu_info, __ATOMIC_ACQUIRE);

    if (!vi)
        return;
    /* Only the 0 -> 1 transition needs the vCPU to be poked: while the flag
     * is set the guest has yet to scan its selectors. */
    if (__atomic_exchange_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST) == 0)
        evtchn_arch_upcall(v);
}

/* Set selector bit w in v's vcpu_info and raise the upcall (once the guest
 * has registered where its vcpu_info is). */
static void notify_selector(struct vcpu *v, unsigned w)
{
    struct vcpu_info *vi = v ? __atomic_load_n(&v->vcpu_info, __ATOMIC_ACQUIRE) : NULL;

    if (!vi)
        return;
    __atomic_fetch_or(&vi->evtchn_pending_sel, 1ull << w, __ATOMIC_SEQ_CST);
    evtchn_mark_upcall(v);
}

void evtchn_2l_set_pending(struct evtchn_domain *ed, struct vcpu *v, evtchn_port_t port)
{
    struct shared_info *si = ed->d->shared_info;
    uint64_t bit = 1ull << (port % BITS_PER_WORD);
    unsigned w = port / BITS_PER_WORD;

    if (!si || port >= EVTCHN_2L_NR_CHANNELS)
        return;
    if (__atomic_fetch_or(&si->evtchn_pending[w], bit, __ATOMIC_SEQ_CST) & bit)
        return;                         /* already pending: the guest has been told */
    if (__atomic_load_n(&si->evtchn_mask[w], __ATOMIC_SEQ_CST) & bit)
        return;                         /* masked: unmask re-delivers */
    notify_selector(v, w);
}

void evtchn_2l_clear_pending(struct evtchn_domain *ed, evtchn_port_t port)
{
    struct shared_info *si = ed->d->shared_info;

    if (si && port < EVTCHN_2L_NR_CHANNELS)
        __atomic_fetch_and(&si->evtchn_pending[port / BITS_PER_WORD],
                           ~(1ull << (port % BITS_PER_WORD)), __ATOMIC_SEQ_CST);
}

bool evtchn_2l_is_pending(struct evtchn_domain *ed, evtchn_port_t port)
{
    struct shared_info *si = ed->d->shared_info;

    if (!si || port >= EVTCHN_2L_NR_CHANNELS)
        return false;
    return (__atomic_load_n(&si->evtchn_pending[port / BITS_PER_WORD], __ATOMIC_SEQ_CST)
            >> (port % BITS_PER_WORD)) & 1;
}

/* For the debug dump only: a snapshot of the guest's mask bit. */
bool evtchn_2l_is_masked(struct evtchn_domain *ed, evtchn_port_t port)
{
    struct shared_info *si = ed->d->shared_info;

    if (!si || port >= EVTCHN_2L_NR_CHANNELS)
        return false;
    return (__atomic_load_n(&si->evtchn_mask[port / BITS_PER_WORD], __ATOMIC_SEQ_CST)
            >> (port % BITS_PER_WORD)) & 1;
}

/* EVTCHNOP_unmask: clear the mask bit and, if the port is pending, tell the
 * notified vCPU as a fresh event would.  Done whether or not the mask bit
 * was set, so a guest that cleared it itself before the call is served too;
 * an extra selector bit costs the guest one empty scan at most. */
void evtchn_2l_unmask(struct evtchn_domain *ed, struct vcpu *v, evtchn_port_t port)
{
    struct shared_info *si = ed->d->shared_info;
    uint64_t bit = 1ull << (port % BITS_PER_WORD);
    unsigned w = port / BITS_PER_WORD;

    if (!si || port >= EVTCHN_2L_NR_CHANNELS)
        return;
    __atomic_fetch_and(&si->evtchn_mask[w], ~bit, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&si->evtchn_pending[w], __ATOMIC_SEQ_CST) & bit)
        notify_selector(v, w);
}
