/*
 * Physical interrupts of the initial domain (docs/dom0.md "Device
 * interrupts"): PHYSDEVOP_map_pirq and friends (pv_pirq.c), the PCI
 * configuration access the hypervisor makes itself and its filter on dom0's
 * (pv_pci.c), and the operations it registers with the event channels for
 * EVTCHNOP_bind_pirq ports (evtchn_set_pirq_ops).
 *
 * The hypervisor owns the I/O APICs and every MSI address/data pair: dom0
 * names a GSI or a device, the hypervisor picks the host vector, programs
 * the pin or the device's MSI capability and turns each interrupt into an
 * event on the pirq's port.
 */
#ifndef RV_PV_PIRQ_H
#define RV_PV_PIRQ_H

#include "lib/compiler.h"

struct domain;
struct vcpu;

/* pirqs are 0..PIRQ_MAX-1: a GSI's pirq is its number, MSI pirqs are
 * handed out from the top down. */
#define PIRQ_MAX 256u

/* physdev_op commands of pv_pirq.c / pv_pci.c (Xen's physdev.h numbers). */
bool pv_pirq_physdev_op(struct vcpu *v, unsigned cmd, uint64_t arg, long *ret);

/* ---- the event-channel side ---- */
/* At boot (pv_kind_init), before any domain exists: registers attach and
 * detach (unmask the pin / accept the MSI, and mask it again) with the
 * event channels (evtchn_set_pirq_ops, evtchn/evtchn.h), which call them
 * for EVTCHNOP_bind_pirq ports under the domain's evtchn lock. */
void pv_pirq_init(void);

/* dom0 is being destroyed (no vCPU runs): every pirq unmapped and masked,
 * the EOI bitmap's frame reference dropped. */
void pv_pirq_teardown(struct domain *d);

/* ---- PCI configuration space (pv_pci.c) ---- */
/* The hypervisor's own type-1 configuration access (bus, devfn, register);
 * dom0's address in 0xcf8 is kept across it. */
uint32_t pv_pci_read(unsigned bus, unsigned devfn, unsigned reg, unsigned size);
void pv_pci_write(unsigned bus, unsigned devfn, unsigned reg, unsigned size, uint32_t val);
/* Offset of capability 'id' in the device's list, 0 if none. */
unsigned pv_pci_find_cap(unsigned bus, unsigned devfn, unsigned id);
/* ---- MSI-X tables (pv_msix.c; callers hold pirq_lock) ---- */
/* The 16-byte table entry 'entry' of the device's MSI-X table, mapped by
 * the hypervisor: -ENODEV no MSI-X capability, -EINVAL an entry beyond the
 * table or a table outside device memory, -ENXIO its BAR unassigned,
 * -ENOSPC no mapping left. */
long pv_msix_locate(unsigned bus, unsigned devfn, unsigned entry, volatile uint32_t **out);
/* Writes the message (address, vector: fixed, edge) and unmasks the entry. */
void pv_msix_program(volatile uint32_t *e, uint32_t addr, uint8_t vector);
void pv_msix_mask(volatile uint32_t *e);

/* dom0's access to 0xcf8-0xcff, serialized with the hypervisor's own; a
 * write into an MSI address/data register the hypervisor programmed is
 * dropped.  Only called for dom0 and ports it may reach. */
uint32_t pv_pci_port_in(uint16_t port, unsigned size);
void pv_pci_port_out(uint16_t port, unsigned size, uint32_t val);
/* Whether the configuration registers [reg, reg+size) of bus/devfn hold an
 * MSI address or data the hypervisor owns (pv_pirq.c). */
bool pv_pirq_msi_protected(unsigned bus, unsigned devfn, unsigned reg, unsigned size);
/* PHYSDEVOP_manage_pci_* / pci_device_*: the device list (pv_pci.c). */
bool pv_pci_physdev_op(struct vcpu *v, unsigned cmd, uint64_t arg, long *ret);
/* Number of devices dom0 reported (tests, debug). */
unsigned pv_pci_nr_devices(void);

#endif
