/*
 * PCI configuration mechanism #1 (PCI Local Bus Specification 3.0, 3.2.2.3.2):
 * CONFIG_ADDRESS at 0xCF8 (32-bit accesses only: byte and word accesses to
 * 0xCF8-0xCFB are ordinary I/O, so 0xCF9 stays the reset register) and
 * CONFIG_DATA at 0xCFC-0xCFF (byte, word or dword at the matching offset).
 *
 * Bus 0 has one or two devices: 00:00.0, a host bridge with the IDs of the
 * Intel 82441FX (i440FX PMC, vendor 0x8086, device 0x1237), class 06 00 00,
 * header type 0, no BARs, no capabilities, no interrupt; and, unless the
 * domain file says xen_platform_pci = 0, the Xen platform device at 00:02.0
 * (hvm/vxenplat.c owns its registers).  Every other bus/device/function
 * reads as all-ones (no device answers: master abort) and ignores writes.  Writable in the host bridge: the command register's
 * parity and SERR enables (bits 6, 8; memory space and bus master read as
 * 1, as on the 82441FX), the status register's error bits (write 1 to
 * clear; none is ever set), and the latency timer.  Everything else,
 * including the chipset registers at 0x40-0xFF, reads as the values below
 * (0 beyond the header) and ignores writes.
 */
#include "hvm/platform.h"
#include "core/domain.h"
#include "mm/mm.h"
#include "lib/errno.h"

#define PORT_CONFIG_ADDRESS 0xcf8
#define PORT_CONFIG_DATA    0xcfc
#define CFG_ENABLE          0x80000000u
#define CFG_ADDR_MASK       0x80fffffcu     /* enable, bus, device, function, register */

#define HB_VENDOR           0x8086
#define HB_DEVICE           0x1237
#define HB_REVISION         0x02
#define HB_CMD_FIXED        0x0006          /* memory space, bus master */
#define HB_CMD_WRITABLE     0x0140          /* parity error response, SERR# enable */
#define HB_STATUS           0x0280          /* medium DEVSEL timing, fast back-to-back capable */
#define HB_STATUS_W1C       0xf900          /* error bits 15:11 and 8 */

#define DEVFN_HOST_BRIDGE   0x00            /* bus 0, device 0, function 0 */
#define DEVFN_XEN_PLATFORM  0x10            /* bus 0, device 2, function 0 */

/*
 * Per-domain configuration space.
 * (i) set in vpci_init; (l) guarded by lock.  Lock order: taken before the
 * Xen platform device's lock (hvm/vxenplat.c), which configuration cycles
 * to 00:02.0 take inside it; otherwise a leaf.
 */
struct vpci {
    spinlock_t lock;
    uint32_t address;           /* (l) CONFIG_ADDRESS */
    uint16_t command;           /* (l) host bridge command register, writable bits */
    uint16_t status_errors;     /* (l) status error bits (never set by this model) */
    uint8_t latency;            /* (l) host bridge latency timer */
};

static struct vpci *pci_of(struct domain *d)
{
    return d->plat ? d->plat->pci : NULL;
}

/* One byte of the host bridge's configuration space. */
static uint8_t hb_read(const struct vpci *c, unsigned reg)
{
    switch (reg) {
    case 0x00: return (uint8_t)HB_VENDOR;
    case 0x01: return (uint8_t)(HB_VENDOR >> 8);
    case 0x02: return (uint8_t)HB_DEVICE;
    case 0x03: return (uint8_t)(HB_DEVICE >> 8);
    case 0x04: return (uint8_t)(c->command | HB_CMD_FIXED);
    case 0x05: return (uint8_t)((c->command | HB_CMD_FIXED) >> 8);
    case 0x06: return (uint8_t)(HB_STATUS | c->status_errors);
    case 0x07: return (uint8_t)((HB_STATUS | c->status_errors) >> 8);
    case 0x08: return HB_REVISION;
    case 0x09: return 0x00;         /* programming interface */
    case 0x0a: return 0x00;         /* subclass: host bridge */
    case 0x0b: return 0x06;         /* class: bridge */
    case 0x0d: return c->latency;
    default:   return 0x00;         /* cache line, header type 0, BIST, BARs, ... */
    }
}

static void hb_write(struct vpci *c, unsigned reg, uint8_t v)
{
    switch (reg) {
    case 0x04:
    case 0x05: {
        unsigned shift = 8 * (reg - 0x04);
        uint16_t mask = (uint16_t)(HB_CMD_WRITABLE & (0xffu << shift));
        c->command = (uint16_t)((c->command & ~mask) | ((unsigned)v << shift & mask));
        break;
    }
    case 0x06:
    case 0x07: {
        uint16_t bits = (uint16_t)((unsigned)v << (8 * (reg - 0x06)));
        c->status_errors &= (uint16_t)~(bits & HB_STATUS_W1C);
        break;
    }
    case 0x0d:
        c->latency = v;
        break;
    default:
        break;
    }
}

bool vpci_io(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val)
{
    struct vpci *c = pci_of(d);
    if (!c || (size != 1 && size != 2 && size != 4))
        return false;
    if (port == PORT_CONFIG_ADDRESS) {
        if (size != 4)
            return false;           /* not a configuration cycle: plain (empty) I/O */
        uint64_t f = spin_lock_irqsave(&c->lock);
        if (in)
            *val = c->address;
        else
            c->address = *val & CFG_ADDR_MASK;
        spin_unlock_irqrestore(&c->lock, f);
        return true;
    }
    if (port < PORT_CONFIG_DATA || port > PORT_CONFIG_DATA + 3)
        return false;

    unsigned byte = port - PORT_CONFIG_DATA;
    uint32_t out = 0;
    uint64_t f = spin_lock_irqsave(&c->lock);
    uint32_t a = c->address;
    /* Function 0 of device 0 (and of device 2, the Xen platform device,
     * when the domain has it) on bus 0; register bits 7:2 come from
     * CONFIG_ADDRESS, the byte lanes from the data port used. */
    unsigned busdevfn = (a >> 8) & 0xffff;
    bool hb = (a & CFG_ENABLE) && busdevfn == DEVFN_HOST_BRIDGE;
    bool xp = (a & CFG_ENABLE) && busdevfn == DEVFN_XEN_PLATFORM && d->plat->xenplat;
    for (unsigned i = 0; i < size; i++) {
        unsigned lane = byte + i;
        if (lane > 3 || (!hb && !xp)) { /* beyond CONFIG_DATA, or no device: all-ones, ignored */
            out |= 0xffu << (8 * i);
            continue;
        }
        unsigned reg = (a & 0xfc) + lane;
        uint8_t b = (uint8_t)(*val >> (8 * i));
        if (in)
            out |= (uint32_t)(hb ? hb_read(c, reg) : vxenplat_cfg_read(d, reg)) << (8 * i);
        else if (hb)
            hb_write(c, reg, b);
        else
            vxenplat_cfg_write(d, reg, b);
    }
    spin_unlock_irqrestore(&c->lock, f);
    if (in)
        *val = out;
    return true;
}

int vpci_init(struct domain *d)
{
    struct vpci *c = xzalloc(sizeof(*c), HEAP_HVM);
    if (!c)
        return -ENOMEM;
    d->plat->pci = c;
    return 0;
}

void vpci_destroy(struct domain *d)
{
    struct vpci *c = pci_of(d);
    if (!c)
        return;
    d->plat->pci = NULL;
    xfree(c);
}
