/*
 * Error reporting of the virtual local APIC (Intel SDM vol. 3A 11.5.3,
 * the x2APIC differences in 11.12).
 *
 * Two registers' worth of state: errors are *collected* in esr_pending as
 * they happen, and the ESR the guest reads shows only what was collected up
 * to its last write to the ESR (the write-then-read protocol: a write
 * latches the collected errors into the readable register and starts a new
 * collection; two writes in a row therefore read back 0).
 *
 * The errors this APIC can detect (no APIC bus, so no checksum or accept
 * errors; lowest-priority IPIs are supported, so no redirectable-IPI error):
 *   bit 5 send illegal vector: an ICR (or x2APIC SELF IPI) write with
 *         fixed or lowest-priority delivery and a vector 0-15; the message
 *         is not sent (as Xen does), so no target records bit 6 for it;
 *   bit 6 receive illegal vector: a fixed interrupt with vector 0-15
 *         reached this APIC (an IOAPIC or MSI message, or a local source:
 *         an LVT entry when it fires); it never enters IRR;
 *   bit 7 illegal register address: an xAPIC MMIO access to a reserved
 *         register slot (Table 11-1).  In x2APIC mode such accesses #GP
 *         instead and set nothing (11.12).
 *
 * The LVT Error entry: an error interrupt is generated when an error sets
 * an ESR bit that was not already collected ("an APIC error interrupt is
 * generated when the local APIC sets one of the error bits"), delivered
 * with the entry's vector unless the entry is masked; errors are collected
 * whether or not it is masked.  An LVT Error vector 0-15 cannot be
 * delivered either: it only adds bit 6 (and no further interrupt, which
 * also keeps the two from feeding each other).
 */
#include "hvm/vlapic_priv.h"

bool vlapic_error(struct vlapic *a, uint32_t bits)
{
    uint32_t fresh = bits & ~a->esr_pending;

    a->esr_pending |= bits;
    if (!fresh)
        return false;
    uint32_t lvt = a->lvt[LVT_ERR];
    if (lvt & LVT_MASKED)
        return false;
    unsigned vector = lvt & 0xff;
    if (vector < 16) {
        a->esr_pending |= ESR_RECV_ILLEGAL;
        return false;
    }
    /* Edge-triggered, fixed (the entry has no delivery-mode field). */
    clr_bit256(a->tmr, vector);
    if (test_bit256(a->irr, vector))
        return false;
    set_bit256(a->irr, vector);
    return true;
}

void vlapic_esr_write(struct vlapic *a)
{
    a->esr = a->esr_pending;
    a->esr_pending = 0;
}

bool vlapic_xapic_reserved(unsigned reg)
{
    /* Table 11-1 (Local APIC Register Address Map), slot by slot. */
    if (reg < R_ID)
        return true;                            /* 0x000, 0x010 */
    if (reg > R_VER && reg < R_TPR)
        return true;                            /* 0x040-0x070 */
    if (reg > R_ESR && reg < R_LVT_CMCI)
        return true;                            /* 0x290-0x2e0 */
    if (reg > R_TMCCT && reg < R_TDCR)
        return true;                            /* 0x3a0-0x3d0 */
    return reg > R_TDCR;                        /* 0x3f0 (SELF IPI is x2APIC only) and up */
}
