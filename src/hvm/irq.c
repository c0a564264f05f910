/*
 * Interrupt wires of the virtual PC.  An ISA IRQ line reaches both
 * interrupt controllers, as on a PIIX-style board: PIC input n and IOAPIC
 * input hvm_isa_to_gsi(n).  The only exception is IRQ0 (the PIT), which is
 * wired to IOAPIC pin 2 (pin 0 carries the 8259's INTR), as the MADT
 * interrupt source override tells the guest.  GSIs of 16 and above are
 * IOAPIC-only lines (PCI INTx).
 */
#include "hvm/platform.h"
#include "core/domain.h"

#define ISA_IRQS 16

unsigned hvm_isa_to_gsi(unsigned isa_irq)
{
    return isa_irq == 0 ? 2 : isa_irq;
}

void hvm_isa_irq_set(struct domain *d, unsigned isa_irq, bool high)
{
    /* ISA IRQ 2 has no device (it is the 8259 cascade), and its GSI would
     * collide with the PIT's pin 2. */
    if (!d->plat || isa_irq >= ISA_IRQS || isa_irq == 2)
        return;
    vpic_set_irq(d, isa_irq, high);
    vioapic_set_irq(d, hvm_isa_to_gsi(isa_irq), high);
}

void hvm_isa_irq_pulse(struct domain *d, unsigned isa_irq)
{
    /* Both controllers latch the rising edge, so a pulse of zero width is
     * enough for edge-triggered inputs. */
    hvm_isa_irq_set(d, isa_irq, true);
    hvm_isa_irq_set(d, isa_irq, false);
}

/*
 * The legacy-replacement switch (IA-PC HPET specification 1.0a, 2.3.7:
 * LEG_RT_CNF).  IRQ 0 is driven by the PIT's OUT0 or the HPET's timer 0,
 * IRQ 8 by the RTC or the HPET's timer 1, never both: the chipset
 * disconnects the legacy device while the HPET owns the line.  Each source's
 * own level is remembered, so that turning the switch back hands the line
 * to the PIT/RTC at the level it has now (an RTC holding IRQ 8 high keeps
 * it high).  mux_lock orders every change of IRQ 0/8 made through here;
 * taken inside the devices' locks, outside the interrupt controllers'.
 */
static bool mux_output(const struct hvm_platform *p, unsigned irq)
{
    if (irq == 0)
        return p->hpet_legacy ? p->src_level[HVM_LSRC_HPET0] : p->src_level[HVM_LSRC_PIT];
    return p->hpet_legacy ? p->src_level[HVM_LSRC_HPET1] : p->src_level[HVM_LSRC_RTC];
}

static void mux_apply(struct domain *d, bool old0, bool old8)
{
    bool new0 = mux_output(d->plat, 0), new8 = mux_output(d->plat, 8);
    if (new0 != old0)
        hvm_isa_irq_set(d, 0, new0);
    if (new8 != old8)
        hvm_isa_irq_set(d, 8, new8);
}

void hvm_legacy_irq_set(struct domain *d, enum hvm_legacy_src src, bool high)
{
    struct hvm_platform *p = d->plat;
    if (!p || (unsigned)src >= HVM_LSRC_NR)
        return;
    uint64_t f = spin_lock_irqsave(&p->mux_lock);
    bool old0 = mux_output(p, 0), old8 = mux_output(p, 8);
    p->src_level[src] = high;
    mux_apply(d, old0, old8);
    spin_unlock_irqrestore(&p->mux_lock, f);
}

void hvm_legacy_irq_pulse(struct domain *d, enum hvm_legacy_src src)
{
    struct hvm_platform *p = d->plat;
    if (!p || (unsigned)src >= HVM_LSRC_NR)
        return;
    uint64_t f = spin_lock_irqsave(&p->mux_lock);
    bool old0 = mux_output(p, 0), old8 = mux_output(p, 8);
    /* An edge on a line the source does not own now is lost, as on the
     * chipset; one on a line already held high makes no edge either. */
    p->src_level[src] = true;
    mux_apply(d, old0, old8);
    bool mid0 = mux_output(p, 0), mid8 = mux_output(p, 8);
    p->src_level[src] = false;
    mux_apply(d, mid0, mid8);
    spin_unlock_irqrestore(&p->mux_lock, f);
}

void hvm_legacy_route(struct domain *d, bool hpet)
{
    struct hvm_platform *p = d->plat;
    if (!p)
        return;
    uint64_t f = spin_lock_irqsave(&p->mux_lock);
    bool old0 = mux_output(p, 0), old8 = mux_output(p, 8);
    p->hpet_legacy = hpet;
    mux_apply(d, old0, old8);
    spin_unlock_irqrestore(&p->mux_lock, f);
}

void hvm_gsi_set(struct domain *d, unsigned gsi, bool high)
{
    if (!d->plat)
        return;
    vioapic_set_irq(d, gsi, high);
}
