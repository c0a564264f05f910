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

void hvm_gsi_set(struct domain *d, unsigned gsi, bool high)
{
    if (!d->plat)
        return;
    vioapic_set_irq(d, gsi, high);
}
