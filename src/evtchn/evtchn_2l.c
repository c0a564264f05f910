/*
 * 2-level event channel ABI: one pending and one mask bit per port in the
 * domain's shared_info page, and per vCPU a selector word,
 * evtchn_pending_sel, with bit i meaning "look at pending word i".  In the
 * 64-bit layout the words are 64 bits (4096 ports); a domain whose
 * shared_info has the 32-bit layout (d->shinfo_compat, latched by
 * compat_latch_shinfo) has 32 words of 32 bits (1024 ports), its mask
 * bitmap right after the pending one, and a 32-bit selector at offset 4 of
 * vcpu_info (core/compat/layout.h).
 *
 * The guest writes these words concurrently with us, so they are only ever
 * touched with atomic read-modify-write operations and their values are
 * trusted for nothing but the decision to notify.
 */
#include "evtchn/evtchn_private.h"

enum l2_op { L2_TEST, L2_SET, L2_CLEAR };

/* Atomic test / test-and-set / clear of port's bit in the pending
 * (mask = false) or mask bitmap of either layout; returns the old bit. */
__hot_path static bool l2_bit(struct shared_info *si, bool compat, bool mask, evtchn_port_t port, enum l2_op op)
{
    if (compat) {
        struct compat_shared_info *cs = (struct compat_shared_info *)si;
        uint32_t *w = (mask ? cs->evtchn_mask : cs->evtchn_pending) + port / 32;
        uint32_t bit = 1u << (port % 32);
        if (op == L2_SET)
            return __atomic_fetch_or(w, bit, __ATOMIC_SEQ_CST) & bit;
        if (op == L2_CLEAR)
            return __atomic_fetch_and(w, ~bit, __ATOMIC_SEQ_CST) & bit;
        return __atomic_load_n(w, __ATOMIC_SEQ_CST) & bit;
    }
    uint64_t *w = (mask ? si->evtchn_mask : si->evtchn_pending) + port / 64;
    uint64_t bit = 1ull << (port % 64);
    if (op == L2_SET)
        return __atomic_fetch_or(w, bit, __ATOMIC_SEQ_CST) & bit;
    if (op == L2_CLEAR)
        return __atomic_fetch_and(w, ~bit, __ATOMIC_SEQ_CST) & bit;
    return __atomic_load_n(w, __ATOMIC_SEQ_CST) & bit;
}

/* The shared_info page when port is a 2-level port of ed's layout now. */
static struct shared_info *l2_page(struct evtchn_domain *ed, evtchn_port_t port, bool *compat)
{
    struct shared_info *si = ed->d->shared_info;

    *compat = __atomic_load_n(&ed->d->shinfo_compat, __ATOMIC_ACQUIRE);
    if (!si || port >= (*compat ? COMPAT_2L_NR_CHANNELS : EVTCHN_2L_NR_CHANNELS))
        return NULL;
    return si;
}

__hot_path void evtchn_mark_upcall(struct vcpu *v)
{
    struct vcpu_info *vi = __atomic_load_n(&v->vcpu_info, __ATOMIC_ACQUIRE);

    if (!vi)
        return;
    /* Only the 0 -> 1 transition needs the vCPU to be poked: while the flag
     * is set the guest has yet to scan its selectors. */
    if (__atomic_exchange_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST) == 0)
        evtchn_arch_upcall(v);
}

/* Set the selector bit of port's word in v's vcpu_info and raise the
 * upcall (once the guest has registered where its vcpu_info is). */
__hot_path static void notify_selector(struct vcpu *v, evtchn_port_t port, bool compat)
{
    struct vcpu_info *vi = v ? __atomic_load_n(&v->vcpu_info, __ATOMIC_ACQUIRE) : NULL;

    if (!vi)
        return;
    if (compat)
        __atomic_fetch_or(&((struct compat_vcpu_info *)vi)->evtchn_pending_sel, 1u << (port / 32),
                          __ATOMIC_SEQ_CST);
    else
        __atomic_fetch_or(&vi->evtchn_pending_sel, 1ull << (port / 64), __ATOMIC_SEQ_CST);
    evtchn_mark_upcall(v);
}

__hot_path void evtchn_2l_set_pending(struct evtchn_domain *ed, struct vcpu *v, evtchn_port_t port)
{
    bool compat;
    struct shared_info *si = l2_page(ed, port, &compat);

    if (!si)
        return;
    if (l2_bit(si, compat, false, port, L2_SET))
        return;                         /* already pending: the guest has been told */
    if (l2_bit(si, compat, true, port, L2_TEST))
        return;                         /* masked: unmask re-delivers */
    notify_selector(v, port, compat);
}

void evtchn_2l_clear_pending(struct evtchn_domain *ed, evtchn_port_t port)
{
    bool compat;
    struct shared_info *si = l2_page(ed, port, &compat);

    if (si)
        l2_bit(si, compat, false, port, L2_CLEAR);
}

__hot_path bool evtchn_2l_is_pending(struct evtchn_domain *ed, evtchn_port_t port)
{
    bool compat;
    struct shared_info *si = l2_page(ed, port, &compat);

    return si && l2_bit(si, compat, false, port, L2_TEST);
}

/* For the debug dump only: a snapshot of the guest's mask bit (in the
 * shared_info layout the domain uses). */
__hot_path bool evtchn_2l_is_masked(struct evtchn_domain *ed, evtchn_port_t port)
{
    bool compat;
    struct shared_info *si = l2_page(ed, port, &compat);

    return si && l2_bit(si, compat, true, port, L2_TEST);
}

/* EVTCHNOP_unmask: clear the mask bit and, if the port is pending, tell the
 * notified vCPU as a fresh event would.  Done whether or not the mask bit
 * was set, so a guest that cleared it itself before the call is served too;
 * an extra selector bit costs the guest one empty scan at most. */
void evtchn_2l_unmask(struct evtchn_domain *ed, struct vcpu *v, evtchn_port_t port)
{
    bool compat;
    struct shared_info *si = l2_page(ed, port, &compat);

    if (!si)
        return;
    l2_bit(si, compat, true, port, L2_CLEAR);
    if (l2_bit(si, compat, false, port, L2_TEST))
        notify_selector(v, port, compat);
}
