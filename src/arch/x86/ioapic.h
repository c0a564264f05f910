/* IOAPICs (routing of device interrupts) and the legacy 8259 PICs. */
#ifndef RV_ARCH_X86_IOAPIC_H
#define RV_ARCH_X86_IOAPIC_H

#include "lib/compiler.h"

struct acpi_info;

void pic_disable(void);                     /* remap to 0x20-0x2f and mask everything */
void ioapic_init(const struct acpi_info *acpi);
unsigned ioapic_nr_gsis(void);
/* ISA IRQ -> GSI through the MADT's interrupt source overrides. */
uint32_t ioapic_isa_to_gsi(unsigned irq, bool *level, bool *active_low);
/* Route a GSI to vector on the CPU with apic_id (fixed delivery, physical). */
int ioapic_route(uint32_t gsi, unsigned vector, uint32_t apic_id, bool level, bool active_low);
int ioapic_mask(uint32_t gsi, bool masked);

#endif
