/*
 * MSI-X tables of the initial domain's devices (docs/dom0.md "Device
 * interrupts"), for pv_pirq.c's MAP_PIRQ_TYPE_MSI(_SEG) with a table.
 *
 * A device's MSI-X capability (PCI Local Bus 3.0, 6.8.2; capability id
 * 0x11) gives the table size (Message Control bits 10:0, plus one) and
 * where the table is: BIR (Table Offset/BIR bits 2:0) names a memory BAR,
 * the rest is the offset in it.  Each entry is 16 bytes: message address
 * low, high, data, vector control (bit 0 masks the entry).
 *
 * The hypervisor finds the table from the device itself (dom0's
 * table_base, Linux's idea of the BAR, is not used: as Xen, the device's
 * own BAR is what the device decodes), and writes the
 * entry through its own uncached mapping.  The table must lie in device
 * memory dom0 may map (pv_dom0_io_frame: never RAM, never a frame the
 * hypervisor or a domain owns, never the local or I/O APIC or the HPET),
 * so a BAR pointed at RAM cannot make the hypervisor write there.
 *
 * Mappings: ioremap has no unmap, so each table page is mapped once and
 * kept (MSIX_MAPS pages in all; a BAR moved by dom0 takes a new one).
 * (pirq_lock, pv_pirq.c: every caller holds it.)
 */
#include "pv/pv.h"
#include "pv/pv_pirq.h"
#include "mm/mm.h"
#include "lib/errno.h"

#define PCI_CAP_MSIX    0x11
#define MSIX_MAPS       32

static struct { uint64_t page; uint8_t *va; } maps[MSIX_MAPS];     /* (pirq_lock) */

static volatile uint32_t *map_entry(uint64_t phys)
{
    uint64_t page = phys & ~4095ull;
    unsigned i;

    for (i = 0; i < MSIX_MAPS && maps[i].va; i++)
        if (maps[i].page == page)
            return (volatile uint32_t *)(maps[i].va + (phys & 4095));
    if (i == MSIX_MAPS)
        return NULL;
    uint8_t *va = ioremap(page, 4096);
    if (!va)
        return NULL;
    maps[i].page = page;
    maps[i].va = va;
    return (volatile uint32_t *)(va + (phys & 4095));
}

/* The memory BAR 'bir' of the device: its address, 0 if it is none. */
static uint64_t bar_address(unsigned bus, unsigned devfn, unsigned bir)
{
    if (bir > 5)
        return 0;
    uint32_t lo = pv_pci_read(bus, devfn, 0x10 + 4 * bir, 4);
    if (lo == 0xffffffffu || (lo & 1))
        return 0;                                   /* absent, or an I/O BAR */
    uint64_t a = lo & ~0xfull;
    if (((lo >> 1) & 3) == 2) {                     /* 64-bit: the next BAR holds the high half */
        if (bir == 5)
            return 0;
        a |= (uint64_t)pv_pci_read(bus, devfn, 0x10 + 4 * (bir + 1), 4) << 32;
    }
    return a;
}

long pv_msix_locate(unsigned bus, unsigned devfn, unsigned entry, volatile uint32_t **out)
{
    unsigned cap = pv_pci_find_cap(bus, devfn, PCI_CAP_MSIX);
    if (!cap)
        return -ENODEV;                             /* no such device, or no MSI-X */
    unsigned size = (pv_pci_read(bus, devfn, cap + 2, 2) & 0x7ffu) + 1;
    if (entry >= size)
        return -EINVAL;
    uint32_t tbl = pv_pci_read(bus, devfn, cap + 4, 4);
    uint64_t bar = bar_address(bus, devfn, tbl & 7);
    if (!bar)
        return -ENXIO;                              /* the table's BAR is not assigned memory */
    uint64_t phys = bar + (tbl & ~7u) + 16ull * entry;
    if (phys < bar || !pv_dom0_io_frame(phys >> 12))
        return -EINVAL;
    volatile uint32_t *e = map_entry(phys);
    if (!e)
        return -ENOSPC;
    *out = e;
    return 0;
}

void pv_msix_program(volatile uint32_t *e, uint32_t addr, uint8_t vector)
{
    /* Masked while the message changes (the spec leaves an unmasked
     * entry's update undefined), then unmasked: dom0, told to ignore the
     * per-vector masks as Xen's dom0 is, never unmasks it itself. */
    e[3] |= 1u;
    e[0] = addr;
    e[1] = 0;
    e[2] = vector;                                  /* fixed delivery, edge */
    e[3] &= ~1u;
}

void pv_msix_mask(volatile uint32_t *e)
{
    e[3] |= 1u;
}
