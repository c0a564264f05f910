/*
 * PCI configuration space for the initial domain (docs/dom0.md "Device
 * interrupts"): the hypervisor's own type-1 accesses (to find and program a
 * device's MSI capability), dom0's accesses to the same two ports
 * serialized with them, and the device list dom0 reports with
 * PHYSDEVOP_manage_pci_add / pci_device_add.
 *
 * Configuration mechanism 1 (PCI Local Bus 3.0, 3.2.2.3.2): a dword at 0xcf8
 * selects enable bit 31, bus 23:16, device 15:11, function 10:8, register
 * 7:2; 0xcfc-0xcff are the data.  dom0 makes its accesses as two trapped
 * instructions (IN/OUT are emulated for a PV kernel), so another of its
 * vCPUs or the hypervisor may come in between: the hypervisor saves dom0's
 * 0xcf8 value around its own access, and every access of either side holds
 * pci_lock.  Registers >= 256 (extended space, MMCONFIG) are not used here.
 *
 * Numbers and layouts of the physdev_op structures are those of Xen's
 * public physdev.h, written anew.
 */
#include "pv/pv.h"
#include "pv/pv_pirq.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/spinlock.h"
#include "arch/x86/asm.h"
#include "lib/errno.h"
#include "lib/string.h"

/* pci_lock: 0xcf8/0xcfc as one unit (the address write and the data
 * access); leaf lock, IRQ-safe (taken with interrupts off). */
static spinlock_t pci_lock = SPINLOCK_INIT;

static uint32_t cf8_addr(unsigned bus, unsigned devfn, unsigned reg)
{
    return 0x80000000u | (bus & 0xff) << 16 | (devfn & 0xff) << 8 | (reg & 0xfc);
}

uint32_t pv_pci_read(unsigned bus, unsigned devfn, unsigned reg, unsigned size)
{
    uint64_t f = spin_lock_irqsave(&pci_lock);
    uint32_t saved = inl(0xcf8), v;

    outl(0xcf8, cf8_addr(bus, devfn, reg));
    unsigned port = 0xcfc + (reg & 3);
    v = in_sized(port, size);
    outl(0xcf8, saved);
    spin_unlock_irqrestore(&pci_lock, f);
    return v;
}

void pv_pci_write(unsigned bus, unsigned devfn, unsigned reg, unsigned size, uint32_t val)
{
    uint64_t f = spin_lock_irqsave(&pci_lock);
    uint32_t saved = inl(0xcf8);

    outl(0xcf8, cf8_addr(bus, devfn, reg));
    unsigned port = 0xcfc + (reg & 3);
    out_sized(port, size, val);
    outl(0xcf8, saved);
    spin_unlock_irqrestore(&pci_lock, f);
}

unsigned pv_pci_find_cap(unsigned bus, unsigned devfn, unsigned id)
{
    /* Status bit 4: the capability list exists; its head is at 0x34.  At
     * most 48 entries (the list lives in 0x40-0xff), so a looped list ends. */
    if (pv_pci_read(bus, devfn, 0, 2) == 0xffff || !(pv_pci_read(bus, devfn, 6, 2) & 0x10))
        return 0;
    unsigned pos = pv_pci_read(bus, devfn, 0x34, 1) & 0xfc;
    for (unsigned n = 0; n < 48 && pos >= 0x40; n++) {
        if ((pv_pci_read(bus, devfn, pos, 1) & 0xff) == id)
            return pos;
        pos = pv_pci_read(bus, devfn, pos + 1, 1) & 0xfc;
    }
    return 0;
}

uint32_t pv_pci_port_in(uint16_t port, unsigned size)
{
    uint64_t f = spin_lock_irqsave(&pci_lock);
    uint32_t v = in_sized(port, size);
    spin_unlock_irqrestore(&pci_lock, f);
    return v;
}

void pv_pci_port_out(uint16_t port, unsigned size, uint32_t val)
{
    uint64_t f = spin_lock_irqsave(&pci_lock);
    if (port >= 0xcfc) {
        /* A data write: to the register dom0's 0xcf8 selects now. */
        uint32_t a = inl(0xcf8);
        unsigned reg = (a & 0xfc) + (port - 0xcfc);
        if ((a & 0x80000000u) && pv_pirq_msi_protected((a >> 16) & 0xff, (a >> 8) & 0xff, reg, size)) {
            spin_unlock_irqrestore(&pci_lock, f);
            return;         /* the MSI address/data the hypervisor programmed stays */
        }
    }
    out_sized(port, size, val);
    spin_unlock_irqrestore(&pci_lock, f);
}

/* ---- the device list ------------------------------------------------------ */

#define PHYSDEVOP_manage_pci_add        15
#define PHYSDEVOP_manage_pci_remove     16
#define PHYSDEVOP_manage_pci_add_ext    20
#define PHYSDEVOP_pci_device_add        25
#define PHYSDEVOP_pci_device_remove     26

#define PCI_MAX_DEVICES 128

struct physdev_manage_pci { uint8_t bus, devfn; };
struct physdev_manage_pci_ext {
    uint8_t bus, devfn;
    uint16_t pad;
    uint32_t is_extfn, is_virtfn;
    struct { uint8_t bus, devfn; } physfn;
};
struct physdev_pci_device_add {
    uint16_t seg;
    uint8_t bus, devfn;
    uint32_t flags;                 /* XEN_PCI_DEV_EXTFN 1, VIRTFN 2, PXM 4 */
    struct { uint8_t bus, devfn; } physfn;
    /* optarr[] (the proximity domain with PXM) follows: not read */
};
struct physdev_pci_device { uint16_t seg; uint8_t bus, devfn; };
_Static_assert(sizeof(struct physdev_manage_pci_ext) == 16, "physdev_manage_pci_ext layout");
_Static_assert(sizeof(struct physdev_pci_device_add) == 12, "physdev_pci_device_add layout");

/* What dom0 told us exists (segment 0 only: configuration mechanism 1
 * reaches no other).  Recorded for the debug dump and tests; MSI mapping
 * checks the device itself.  (pci_list_lock) */
static struct { uint8_t bus, devfn; uint32_t flags; } devices[PCI_MAX_DEVICES];
static unsigned nr_devices;
/* pci_list_lock: devices[] and nr_devices; hypercall context only. */
static spinlock_t pci_list_lock = SPINLOCK_INIT;

static long device_add(unsigned seg, unsigned bus, unsigned devfn, uint32_t flags)
{
    long rc = 0;

    if (seg != 0)
        return -ENODEV;
    if (pv_pci_read(bus, devfn, 0, 2) == 0xffff)
        return -ENODEV;             /* nothing answers there */
    spin_lock(&pci_list_lock);
    unsigned i;
    for (i = 0; i < nr_devices; i++)
        if (devices[i].bus == bus && devices[i].devfn == devfn)
            break;
    if (i < nr_devices)
        devices[i].flags = flags;   /* again (a rescan): the same device */
    else if (nr_devices == PCI_MAX_DEVICES)
        rc = -ENOSPC;
    else
        devices[nr_devices++] = (typeof(devices[0])){ (uint8_t)bus, (uint8_t)devfn, flags };
    spin_unlock(&pci_list_lock);
    return rc;
}

static long device_remove(unsigned seg, unsigned bus, unsigned devfn)
{
    long rc = -ENODEV;

    if (seg != 0)
        return -ENODEV;
    spin_lock(&pci_list_lock);
    for (unsigned i = 0; i < nr_devices; i++)
        if (devices[i].bus == bus && devices[i].devfn == devfn) {
            devices[i] = devices[--nr_devices];
            rc = 0;
            break;
        }
    spin_unlock(&pci_list_lock);
    return rc;
}

unsigned pv_pci_nr_devices(void)
{
    return __atomic_load_n(&nr_devices, __ATOMIC_RELAXED);
}

/* The device-list commands; the caller (pv_pirq_physdev_op) checked that v
 * is the initial domain's. */
bool pv_pci_physdev_op(struct vcpu *v, unsigned cmd, uint64_t arg, long *ret)
{
    switch (cmd) {
    case PHYSDEVOP_manage_pci_add:
    case PHYSDEVOP_manage_pci_remove: {
        struct physdev_manage_pci m;
        if (copy_from_guest(v, &m, arg, sizeof(m)))
            *ret = -EFAULT;
        else
            *ret = cmd == PHYSDEVOP_manage_pci_add ? device_add(0, m.bus, m.devfn, 0)
                                                   : device_remove(0, m.bus, m.devfn);
        return true;
    }
    case PHYSDEVOP_manage_pci_add_ext: {
        struct physdev_manage_pci_ext m;
        if (copy_from_guest(v, &m, arg, sizeof(m)))
            *ret = -EFAULT;
        else
            *ret = device_add(0, m.bus, m.devfn, (m.is_extfn ? 1u : 0) | (m.is_virtfn ? 2u : 0));
        return true;
    }
    case PHYSDEVOP_pci_device_add: {
        struct physdev_pci_device_add a;
        if (copy_from_guest(v, &a, arg, sizeof(a)))
            *ret = -EFAULT;
        else
            *ret = device_add(a.seg, a.bus, a.devfn, a.flags);
        return true;
    }
    case PHYSDEVOP_pci_device_remove: {
        struct physdev_pci_device a;
        if (copy_from_guest(v, &a, arg, sizeof(a)))
            *ret = -EFAULT;
        else
            *ret = device_remove(a.seg, a.bus, a.devfn);
        return true;
    }
    default:
        return false;
    }
}
